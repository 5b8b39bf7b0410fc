#!/usr/bin/env python3
"""Trains and tests an L-MAC interpreter of a pretrained ESC-50 classifier.

    python train_lmac.py hparams/lmac.yaml --data_folder /path/to/ESC-50 \
        --classifier_source ../classification/results/cnn14-esc50/1234/pretrained \
        --add_wham_noise True --wham_folder /path/to/wham_noise
    # fine-tuning stage, from the first stage's decoder:
    python train_lmac.py hparams/lmac.yaml ... --finetune True --lambda_g 4 \
        --pretrained_interpreter results/lmac-esc50/1234/pretrained \
        --experiment_name lmac-ft-esc50

Results in ``<output_folder>``: train_log.txt (objective parts and every
faithfulness metric per epoch), interpretations/ (original.wav,
interpretation.wav and a PNG per clip), metrics.{json,md} and
metrics_per_clip.csv for the test set, pretrained/decoder.ckpt.

Authors
 * speechbrain-interp developers 2026
"""

import sys

from speechbrain_interp.data.esc50 import prepare_esc50_from_hparams
from speechbrain_interp.experiment import load_experiment, run_interpreter


def main(argv=None):
    """Runs the recipe; returns the brain (``brain.test_stats``: test metrics)."""
    hparams, run_opts, _ = load_experiment(sys.argv[1:] if argv is None else argv)
    manifests = prepare_esc50_from_hparams(hparams)
    return run_interpreter(hparams, run_opts, manifests, hparams["data_folder"])


if __name__ == "__main__":
    main()
