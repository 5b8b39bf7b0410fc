#!/usr/bin/env python3
"""Runs the 5-fold cross-validation of a CNN14 classifier on ESC-50's predefined folds.

    python cross_validate.py hparams/cnn14.yaml --data_folder /path/to/ESC-50 \
        --add_wham_noise True --wham_folder /path/to/wham_noise
    python cross_validate.py hparams/cnn14_small.yaml --data_folder ... --cv_test_folds "[5]"

For each test fold k (``cv_test_folds``, default all five; the L2I paper's
protocol) the classifier trains on three folds, validates on fold k-1 (fold 5
for fold 1) and is tested on fold k (test fold 5 is the usual single split:
train 1-3, valid 4), in ``<cv_output_folder>/fold_<k>/`` (an ordinary
classification run, with its pretrained/ folder). Re-running skips finished
folds and resumes an interrupted one. ``<cv_output_folder>`` holds
cross_validation.{md,json} (per-fold accuracy, mean +- std, pooled accuracy,
and the protocol run: all folds, a single split in quick mode, or some
folds) and the summed confusion_matrix.{csv,png}.

This script holds nothing dataset-specific: the YAML names the dataset's
prepare function (``prepare_data``) and everything else; the program is
:mod:`speechbrain_interp.programs.cross_validation`.

Authors
 * speechbrain-interp developers 2026
"""

import sys

from speechbrain_interp.programs.cross_validation import main as run


def main(argv=None):
    """Runs the program on ``argv`` (default: the command line); returns the summary."""
    return run(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    main()
