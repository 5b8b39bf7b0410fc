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

Authors
 * speechbrain-interp developers 2026
"""

import os
import sys

from speechbrain.utils.distributed import run_on_main

from speechbrain_interp.data.dataio import build_datasets
from speechbrain_interp.data.nsynth import prepare_nsynth_from_hparams
from speechbrain_interp.experiment import load_experiment
from speechbrain_interp.pretrained import load_classifier
from speechbrain_interp.rde.report import run_explain


def main(argv=None):
    """Runs the program; returns the figures of ``results.json``."""
    hparams, _, _ = load_experiment(sys.argv[1:] if argv is None else argv)
    classifier = load_classifier(hparams["classifier_source"])
    inpainter = phase_inpainter = None
    if "inpainter" in hparams["obfuscations"] or hparams.get("phase_query_obfuscation") == "inpainter":
        os.makedirs(hparams["save_folder"], exist_ok=True)
        pretrainer = hparams["pretrainer"]
        run_on_main(pretrainer.collect_files)
        pretrainer.load_collected()
        inpainter = hparams["inpainter"]
        phase_inpainter = hparams.get("phase_inpainter")
    manifests = prepare_nsynth_from_hparams(hparams)
    datasets, _ = build_datasets(
        {"test": manifests["test"]}, data_root=hparams["data_folder"],
        sample_rate=classifier.sample_rate, signal_length_s=hparams["signal_length_s"],
        label_encoder=classifier.label_encoder,
    )
    return run_explain(hparams, classifier, inpainter, datasets["test"], phase_inpainter)


if __name__ == "__main__":
    main()
