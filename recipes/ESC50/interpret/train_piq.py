#!/usr/bin/env python3
"""Trains and tests a PIQ interpreter (class-partitioned vector quantisation).

    python train_piq.py hparams/piq.yaml --data_folder /path/to/ESC-50 \
        --classifier_source ../classification/results/cnn14-esc50/1234/pretrained

PIQ quantises the classifier's deepest representation with the codes of the
decided class only and decodes a mask, trained toward the binarised clean
spectrogram (PIQ paper Eq. 2 and App. G). Results in ``<output_folder>``:
train_log.txt (loss parts and every faithfulness metric per epoch),
interpretations/ (wavs and PNGs per clip), metrics.{json,md},
metrics_per_clip.csv, pretrained/{adapter,vq,decoder}.ckpt.

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
