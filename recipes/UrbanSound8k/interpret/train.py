#!/usr/bin/env python3
"""Trains and tests an interpreter of a pretrained UrbanSound8K classifier; the YAML chooses the method.

    python train.py hparams/lmac_small.yaml --data_folder /path/to/UrbanSound8K \
        --classifier_source ../classification/results/cnn14_small-us8k/1234/pretrained
    python train.py hparams/lmac.yaml ... --add_wham_noise True --wham_folder /path/to/wham_noise
    python train.py hparams/piq.yaml ...
    python train_nmf.py hparams/nmf.yaml ... && \
        python train.py hparams/l2i.yaml ... --nmf_source results/nmf-us8k/1234/pretrained
    python train.py hparams/pv.yaml ...

The interpreter trains on the classifier's training folds (the YAML's
train/valid/test folds must be the classifier's: for a classifier of a
cross-validation fold k, pass that fold's split). Results in
``<output_folder>``: train_log.txt, interpretations/, metrics.{json,md},
metrics_per_clip.csv and pretrained/ (the interpreter with its classifier).

This script holds nothing dataset-specific: the YAML names the dataset's
prepare function (``prepare_data``) and everything else; the program is
:mod:`speechbrain_interp.programs.interpretation`.

Authors
 * speechbrain-interp developers 2026
"""

import sys

from speechbrain_interp.programs.interpretation import main as run


def main(argv=None):
    """Runs the program on ``argv`` (default: the command line); returns the brain."""
    return run(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    main()
