#!/usr/bin/env python3
"""Trains and tests a multi-label CNN14 tagger on SONYC-UST's official splits.

    python train.py hparams/cnn14_small.yaml --data_folder data/synthetic/SONYC-UST
    python train.py hparams/cnn14.yaml --data_folder /path/to/SONYC-UST \
        --add_wham_noise True --wham_folder /path/to/wham_noise
    python train.py hparams/cnn14.yaml --data_folder ... --level fine --n_classes 23
    python train.py hparams/cnn14.yaml --data_folder ... --aggregation l2i

Sigmoid outputs and BCE; checkpoints selected on the validation macro-AUPRC
(DCASE 2020 Task 5's rank metric), per-class decision thresholds tuned on the
validation split. Results land in ``<output_folder>``: train_log.txt, save/
(checkpoints), tagging_report.{json,md,png} (micro/macro AUPRC, micro-F1,
per-class AUPRC and F1) and pretrained/ (the best model with its thresholds,
the folder the interpretation recipes load). Re-running resumes from the
last checkpoint.

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
