#!/usr/bin/env python3
"""Evaluates interpreters of a pretrained classifier under several conditions.

Any set of methods (trained interpreters loaded from their run folders,
random masks matched to them, captum baselines, all-ones) times any set of
conditions (clean, WHAM!, mixtures with another class, speech and white
noise at 3 dB): the faithfulness metrics of the L-MAC paper, the classifier's
accuracy per condition and, where the mixture's parts are known, the
ground-truth localisation of the explained source.

    python eval.py hparams/eval.yaml --data_folder /path/to/ESC-50 \
        --classifier_source ../classification/results/cnn14/1234/pretrained \
        --interpreters "{lmac: results/lmac/1234}" \
        --wham_folder /path/to/wham_noise --speech_folder /path/to/LJSpeech-1.1

Results in ``<output_folder>``: results.{md,csv,json} (one faithfulness and
one ground-truth table per condition), <condition>/per_clip_<method>.csv,
<condition>/examples/ (mixture, source, contaminant and every method's
interpretation as wavs, the mask figure), metrics.png (bars per condition)
and index.html (a gallery to listen to the examples).

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
