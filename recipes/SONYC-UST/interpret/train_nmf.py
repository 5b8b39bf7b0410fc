#!/usr/bin/env python3
"""Learns the NMF dictionary used by L2I on SONYC-UST clips (the classifier's spectrogram).

    python train_nmf.py hparams/nmf.yaml --data_folder /path/to/SONYC-UST \
        --classifier_source ../classification/results/cnn14-sonyc/1234/pretrained

Results in ``<output_folder>``: pretrained/nmf_dictionary.ckpt (give its
folder to train.py hparams/l2i.yaml as ``--nmf_source``), nmf_report.json
and nmf_dictionary.png.

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
