#!/usr/bin/env python3
"""Trains and tests a CNN14 sound classifier on ESC-50 (or any ESC-50-layout set).

    python train.py hparams/cnn14.yaml --data_folder /path/to/ESC-50
    python train.py hparams/cnn14_small.yaml --data_folder data/synthetic/ESC-50 \
        --add_wham_noise True --wham_folder data/synthetic/wham_noise
    python train.py hparams/cnn14_small.yaml --data_folder ... --test_only
    torchrun --nproc_per_node=2 train.py hparams/cnn14.yaml --data_folder ...

Results land in ``<output_folder>``: train_log.txt (per-epoch loss/accuracy),
save/ (checkpoints, label_encoder.txt), test_report.json, confusion_matrix.csv
and confusion_matrix.png, and pretrained/ (the best model as a folder that
the interpretation recipes load). Re-running the same command resumes from
the last checkpoint, including in the middle of an epoch
(``--ckpt_interval_minutes`` or ``--ckpt_interval_steps``).

This script holds nothing dataset-specific: the YAML names the dataset's
prepare function (``prepare_data``) and everything else; the program is
:mod:`speechbrain_interp.programs.classification`.

Authors
 * speechbrain-interp developers 2026
"""

import sys

from speechbrain_interp.programs.classification import main as run


def main(argv=None):
    """Runs the program on ``argv`` (default: the command line); returns the brain (``test_report``: the test results)."""
    return run(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    main()
