#!/usr/bin/env python3
"""Trains and tests a CNN14 sound classifier on ESC-50 (or any ESC-50-layout set).

    python train.py hparams/cnn14.yaml --data_folder /path/to/ESC-50
    python train.py hparams/cnn14_small.yaml --data_folder data/synthetic/ESC-50 \
        --add_wham_noise True --wham_folder data/synthetic/wham_noise
    python train.py hparams/cnn14_small.yaml --data_folder ... --test_only
    torchrun --nproc_per_node=2 train.py hparams/cnn14.yaml --data_folder ...

Results land in ``<output_folder>``: train_log.txt (per-epoch loss/accuracy),
save/ (checkpoints, label_encoder.txt), test_report.json, confusion_matrix.csv
and confusion_matrix.png. Re-running the same command resumes from the last
checkpoint, including in the middle of an epoch (``--ckpt_interval_minutes``
or ``--ckpt_interval_steps``).

Authors
 * speechbrain-interp developers 2026
"""

import sys

from speechbrain.utils.distributed import run_on_main

from speechbrain_interp.data.esc50 import prepare_esc50
from speechbrain_interp.experiment import load_experiment, run_classification


def main(argv=None):
    """Runs the recipe; returns the brain (its ``test_report`` holds the test results)."""
    hparams, run_opts, _ = load_experiment(sys.argv[1:] if argv is None else argv)
    prepare_kwargs = {
        "data_folder": hparams["data_folder"],
        "manifest_folder": hparams["manifest_folder"],
        "train_folds": hparams["train_folds"],
        "valid_folds": hparams["valid_folds"],
        "test_folds": hparams["test_folds"],
        "esc10_only": hparams["esc10_only"],
        "audio_folder": hparams["audio_folder"],
        "skip_missing": hparams["skip_missing"],
        "download": hparams["download"],
        "expected_duration": hparams["signal_length_s"],
    }
    run_on_main(prepare_esc50, kwargs=prepare_kwargs)
    # every process reads the paths back (a no-op check once prepared)
    manifests = prepare_esc50(**prepare_kwargs)
    return run_classification(hparams, run_opts, manifests, hparams["data_folder"])


if __name__ == "__main__":
    main()
