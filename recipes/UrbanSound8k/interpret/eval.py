#!/usr/bin/env python3
"""Evaluates interpreters of an UrbanSound8K classifier under the L-MAC paper's conditions (App. B).

    python eval.py hparams/eval.yaml --data_folder /path/to/UrbanSound8K \
        --classifier_source ../classification/results/cnn14-us8k/1234/pretrained \
        --interpreters "{lmac: results/lmac-us8k/1234}" \
        --wham_folder /path/to/wham_noise --speech_folder /path/to/LJSpeech-1.1 \
        --cross_dataset_folder /path/to/ESC-50/audio

Conditions: clean, WHAM! (in-domain), mixtures of two UrbanSound8K clips of
different classes (unit-norm and 0 dB SNR rules), ESC-50 clips as
contaminants (cross-dataset), LJSpeech speech and white noise at 3 dB.
Results in ``<output_folder>``: results.{md,csv,json}, per-clip tables,
listenable examples and index.html.

This script holds nothing dataset-specific: the YAML names the dataset's
prepare function (``prepare_data``) and everything else; the program is
:mod:`speechbrain_interp.programs.evaluation`.

Authors
 * speechbrain-interp developers 2026
"""

import sys

from speechbrain_interp.programs.evaluation import main as run


def main(argv=None):
    """Runs the program on ``argv`` (default: the command line); returns the results."""
    return run(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    main()
