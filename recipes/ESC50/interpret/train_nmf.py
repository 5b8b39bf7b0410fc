#!/usr/bin/env python3
"""Learns the NMF dictionary used by L2I (sparse NMF by multiplicative updates).

    python train_nmf.py hparams/nmf.yaml --data_folder /path/to/ESC-50 \
        --classifier_source ../classification/results/cnn14-esc50/1234/pretrained

The spectrogram is the classifier's own (``log1p|X|`` of its STFT), so the
dictionary fits the L2I interpreter of that classifier. Results in
``<output_folder>``: pretrained/nmf_dictionary.ckpt (give its folder to
train.py hparams/l2i.yaml as ``--nmf_source``), nmf_report.json (relative reconstruction
error, objective per iteration) and nmf_dictionary.png.

This script holds nothing dataset-specific: the YAML names the dataset's
prepare function (``prepare_data``) and everything else; the program is
:mod:`speechbrain_interp.programs.nmf_dictionary`.

Authors
 * speechbrain-interp developers 2026
"""

import sys

from speechbrain_interp.programs.nmf_dictionary import main as run


def main(argv=None):
    """Runs the program on ``argv`` (default: the command line); returns the report."""
    return run(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    main()
