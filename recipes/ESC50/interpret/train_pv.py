#!/usr/bin/env python3
"""Trains and tests Perception Visualization (PV) for a pretrained ESC-50 classifier.

    python train_pv.py hparams/pv.yaml --data_folder /path/to/ESC-50 \
        --classifier_source ../classification/results/cnn14-esc50/1234/pretrained
    python train_pv.py hparams/pv_small.yaml --data_folder data/synthetic/esc50 \
        --classifier_source ../classification/results/cnn14_small/1234/pretrained
    # the mel target (the classifier's own features; Griffin-Lim to listen):
    python train_pv.py hparams/pv.yaml ... --target mel --experiment_name pv-mel-esc50

A decoder learns to rebuild the input spectrogram from the frozen
classifier's deepest representation (MSE + SSIM + feature consistency); at
test time PV = Grad-CAM saliency x reconstruction. Results in
``<output_folder>``: train_log.txt (losses, faithfulness metrics and PV_mse,
PV_ssim, PV_dsim, PV_agree per epoch), interpretations/ (original.wav,
interpretation.wav = the PV, reconstruction.wav, pv.png per clip: input,
reconstruction, saliency, PV), metrics.{json,md}, pretrained/reconstructor.ckpt.

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
