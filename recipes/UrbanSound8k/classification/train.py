#!/usr/bin/env python3
"""Trains and tests a CNN14 classifier on one UrbanSound8K split (default: folds 1-8 / 9 / 10).

    python train.py hparams/cnn14_small.yaml --data_folder /path/to/UrbanSound8K
    python train.py hparams/cnn14.yaml --data_folder /path/to/UrbanSound8K \
        --add_wham_noise True --wham_folder /path/to/wham_noise
    python train.py hparams/cnn14_lmac_split.yaml --data_folder ...  # L-MAC App. B split

A single split is not UrbanSound8K's protocol (the folds differ in
difficulty): ``cross_validate.py`` runs the ten folds. Results land in
``<output_folder>``: train_log.txt, save/ (checkpoints), test_report.json,
confusion_matrix.{csv,png} and pretrained/ (the best model as a folder that
the interpretation recipes load). Re-running resumes from the last checkpoint.

This script holds nothing dataset-specific: the YAML names the dataset's
prepare function (``prepare_data``) and everything else; the program is
:mod:`speechbrain_interp.programs.classification`.

Authors
 * speechbrain-interp developers 2026
"""

import sys

from speechbrain_interp.programs.classification import main as run


def main(argv=None):
    """Runs the program on ``argv`` (default: the command line); returns the brain."""
    return run(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    main()
