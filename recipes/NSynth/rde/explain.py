#!/usr/bin/env python3
"""Explains a Fourier-domain NSynth classifier with RDE (RDE paper section 4.2).

    python explain.py hparams/explain.yaml --data_folder /path/to/nsynth \
        --classifier_source ../classification/results/.../pretrained \
        --inpainter_source results/nsynth_inpainter/1234/pretrained \
        --phase_inpainter_source results/nsynth_inpainter_energy/1234/pretrained
    python explain.py hparams/explain_small.yaml --data_folder data/synthetic/nsynth \
        --classifier_source ... --inpainter_source ...

Writes to ``<output_folder>``: ``results.md``/``results.json`` (distortion and
rate per obfuscation, rate-distortion medians, magnitude-versus-phase pairs
per class, and on synthetic notes the share of each mask in the known bands),
``rate_distortion.png``/``.csv``, ``masks.pt`` and ``examples/<note>/``
(``masks.png`` as the paper's figure 6, ``original.wav``, ``kept_<obf>.wav``
= IDFT of the kept bands, ``obfuscated_<obf>.wav`` = one obfuscation of the
dropped bands).

This script holds nothing dataset-specific: the YAML names the dataset's
prepare function (``prepare_data``) and everything else; the program is
:mod:`speechbrain_interp.programs.rde_explain`.

Authors
 * speechbrain-interp developers 2026
"""

import sys

from speechbrain_interp.programs.rde_explain import main as run


def main(argv=None):
    """Runs the program on ``argv`` (default: the command line); returns the figures of ``results.json``."""
    return run(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    main()
