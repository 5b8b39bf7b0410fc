#!/usr/bin/env python3
"""Learns the NMF dictionary used by L2I (sparse NMF by multiplicative updates).

    python train_nmf.py hparams/nmf.yaml --data_folder /path/to/ESC-50 \
        --classifier_source ../classification/results/cnn14-esc50/1234/pretrained

The spectrogram is the classifier's own (``log1p|X|`` of its STFT), so the
dictionary fits the L2I interpreter of that classifier. Results in
``<output_folder>``: pretrained/nmf_dictionary.ckpt (give its folder to
train_l2i.py as ``--nmf_source``), nmf_report.json (relative reconstruction
error, objective per iteration) and nmf_dictionary.png.

Authors
 * speechbrain-interp developers 2026
"""

import sys

from speechbrain_interp.data.esc50 import prepare_esc50_from_hparams
from speechbrain_interp.experiment import load_experiment, run_nmf


def main(argv=None):
    """Runs the recipe; returns the report dict."""
    hparams, _, _ = load_experiment(sys.argv[1:] if argv is None else argv)
    manifests = prepare_esc50_from_hparams(hparams)
    return run_nmf(hparams, manifests, hparams["data_folder"])


if __name__ == "__main__":
    main()
