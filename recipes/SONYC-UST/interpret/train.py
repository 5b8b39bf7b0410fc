#!/usr/bin/env python3
"""Trains and tests an interpreter of a pretrained SONYC-UST tagger; the YAML chooses the method.

    python train.py hparams/lmac_small.yaml --data_folder data/synthetic/SONYC-UST \
        --classifier_source ../classification/results/cnn14_small-sonyc/1234/pretrained
    python train.py hparams/piq.yaml ...
    python train_nmf.py hparams/nmf.yaml ... && \
        python train.py hparams/l2i.yaml ... --nmf_source results/nmf-sonyc/1234/pretrained
    python train.py hparams/pv.yaml ...

The classifier is multi-label, so every interpreter explains one class at a
time: L-MAC is class-conditioned and trained on one decided class per clip
drawn at every step; PIQ trains with its App. I term; L2I with its BCE
fidelity. Validation and test explain every class the classifier decides
(one row per (clip, class) pair). Results in ``<output_folder>``:
train_log.txt, interpretations/ (``<clip>/<class>/``), metrics.{json,md},
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
