"""The RDE explanation program: Fourier-domain RDE of an NSynth classifier.

    python explain.py hparams/explain.yaml --data_folder /path/to/nsynth \
        --classifier_source ... --inpainter_source ... [--phase_inpainter_source ...]

For test notes of a trained :class:`~speechbrain_interp.classifier.FourierClassifier`:
per-frequency RDE masks per obfuscation, rate-distortion curves, the
magnitude-versus-phase query and, on synthetic notes, the share of each mask
in the known bands; the work itself is
:func:`speechbrain_interp.interpreters.rde.explain.run_explain`. Under ``torchrun``
the main process does the work.

Authors
 * speechbrain-interp developers 2026
"""

import os

from speechbrain.utils.distributed import run_on_main

from speechbrain_interp.data.dataio import build_datasets
from speechbrain_interp.inference import load_classifier
from speechbrain_interp.interpreters.rde.explain import run_explain
from speechbrain_interp.programs.description import Program
from speechbrain_interp.programs.run_setup import load_experiment, prepare_data

__all__ = ["PROGRAM", "required_keys", "main", "run_explain"]

#: the program's name and keys (besides the common ones)
PROGRAM = Program("the RDE explanation program", (
    "classifier_source", "signal_length_s", "notes_per_class", "n_figures", "obfuscations",
    "obfuscation_settings", "phase_query_obfuscation", "inpainter", "phase_inpainter",
    "pretrainer", "frequency_query", "phase_query", "phase_query_lams", "rates", "curve_samples",
))
required_keys = PROGRAM.required_keys


def main(argv):
    """``explain.py hparams.yaml [--key value ...]``; returns the figures of ``results.json``."""
    hparams, run_opts, _ = load_experiment(argv, PROGRAM.required_keys, PROGRAM.name)
    device = run_opts.get("device") or "cpu"
    classifier = load_classifier(hparams["classifier_source"], device=device)
    inpainter = phase_inpainter = None
    if "inpainter" in hparams["obfuscations"] or hparams["phase_query_obfuscation"] == "inpainter":
        os.makedirs(hparams["save_folder"], exist_ok=True)
        pretrainer = hparams["pretrainer"]
        run_on_main(pretrainer.collect_files)
        pretrainer.load_collected()
        inpainter, phase_inpainter = (None if g is None else g.to(device)
                                      for g in (hparams["inpainter"], hparams["phase_inpainter"]))
    manifests = prepare_data(hparams)
    datasets, _ = build_datasets(
        {"test": manifests["test"]}, data_root=hparams["data_folder"],
        sample_rate=classifier.sample_rate, signal_length_s=hparams["signal_length_s"],
        label_encoder=classifier.label_encoder,
    )
    return run_on_main(run_explain, args=[hparams, classifier, inpainter, datasets["test"],
                                          phase_inpainter])
