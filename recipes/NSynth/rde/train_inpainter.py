#!/usr/bin/env python3
"""Trains the RDE in-painter G on NSynth notes (RDE paper Example 5, table 3).

    python train_inpainter.py hparams/inpainter.yaml --data_folder /path/to/nsynth
    python train_inpainter.py hparams/inpainter_small.yaml --data_folder data/synthetic/nsynth

G (:class:`speechbrain_interp.interpreters.rde.FourierInpainter`, 737,266 parameters)
sees a note's Fourier representation with random bands or whole parts
removed and predicts what was removed. Loss: L1 on the removed magnitudes
plus ``phase_weight * (1 - cos)`` on the removed phases; nothing on the kept
bins, which the obfuscation copies from the note. Validation also scores the
naive fill (the training set's mean magnitude, zero phase) that G must beat.
The best G goes to ``<output_folder>/pretrained/inpainter.ckpt``, which
``explain.py`` loads.

This script holds nothing dataset-specific: the YAML names the dataset's
prepare function (``prepare_data``) and everything else; the program is
:mod:`speechbrain_interp.programs.inpainting`.

Authors
 * speechbrain-interp developers 2026
"""

import sys

from speechbrain_interp.programs.inpainting import main as run


def main(argv=None):
    """Runs the program on ``argv`` (default: the command line); returns the brain (``last_stats``: the losses)."""
    return run(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    main()
