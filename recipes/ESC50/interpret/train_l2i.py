#!/usr/bin/env python3
"""Trains and tests an L2I interpreter (Listen to Interpret: NMF components).

    python train_nmf.py hparams/nmf.yaml --data_folder /path/to/ESC-50 \
        --classifier_source ../classification/results/cnn14-esc50/1234/pretrained
    python train_l2i.py hparams/l2i.yaml --data_folder /path/to/ESC-50 \
        --classifier_source ../classification/results/cnn14-esc50/1234/pretrained \
        --nmf_source results/nmf-esc50/1234/pretrained

Psi maps the classifier's three deepest representations to activations of a
fixed NMF dictionary; Theta (attention pooling) reproduces the classifier's
probabilities from them; the interpretation is the sum of the components
relevant to the decision (L2I paper, Algorithms 1-2). Results in
``<output_folder>``: train_log.txt (loss parts, top-k fidelity and every
faithfulness metric per epoch), interpretations/, metrics.{json,md},
metrics_per_clip.csv, pretrained/{psi,theta}.ckpt.

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
