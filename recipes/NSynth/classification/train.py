#!/usr/bin/env python3
"""Trains and tests an instrument-family classifier on NSynth notes in the
Fourier domain (RDE paper section 4.2): one DFT per note, power-normalised
magnitude and phase on a 1024-point log-frequency grid (20-8000 Hz), a 1-D
CNN on top.

    python train.py hparams/fourier_cnn.yaml --data_folder /path/to/nsynth
    python train.py hparams/fourier_cnn_small.yaml --data_folder data/synthetic/nsynth

``data_folder`` holds NSynth's own layout (``nsynth-{train,valid,test}/
examples.json`` and ``audio/``). Results land in ``<output_folder>``: the
train log, checkpoints, ``test_report.json``, the confusion matrix and
``pretrained/`` (loadable with
:func:`speechbrain_interp.inference.load_classifier`), which the RDE
recipes in ``../rde`` explain.

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
