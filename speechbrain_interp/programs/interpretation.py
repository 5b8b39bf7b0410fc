"""The interpreter program: train (unless ``--test_only``), test, export the trained parts.

One program for every trainable interpreter (L-MAC, PIQ, L2I, PV): the YAML
builds ``interpreter`` and the interpreter's ``loss`` is what is trained.

    python train.py hparams/lmac.yaml --data_folder /path/to/dataset \\
        --classifier_source ../classification/results/cnn14/1234/pretrained

Authors
 * speechbrain-interp developers 2026
"""

import os

from speechbrain.utils.distributed import run_on_main

from speechbrain_interp.brains.interpretation import InterpreterBrain
from speechbrain_interp.data.dataio import build_datasets
from speechbrain_interp.programs.augmentation import build_noise_augment
from speechbrain_interp.programs.description import Program
from speechbrain_interp.programs.export import export_run_folder
from speechbrain_interp.programs.parts import load_interpreter_parts
from speechbrain_interp.programs.run_setup import load_experiment, prepare_data
from speechbrain_interp.programs.training import example_clip, fit_and_test, prepare_run
from speechbrain_interp.programs.safety import check_classifier_unchanged

__all__ = ["PROGRAM", "main", "required_keys", "run_interpreter"]

#: the program's name and keys (besides the common, training and Brain's ones)
PROGRAM = Program("the interpreter program", (
    "interpreter", "classifier_source", "signal_length_s", "pretrained_interpreter",
    "experiment_name", "inference", "contamination"), brain=InterpreterBrain, noise=True)
required_keys = PROGRAM.required_keys


def run_interpreter(hparams, run_opts, manifests):
    """Trains (unless ``--test_only``) and tests an interpreter.

    Arguments
    ---------
    hparams : dict
        Loaded recipe hyperparameters (:data:`PROGRAM`'s keys): ``interpreter`` is a
        trainable :class:`~speechbrain_interp.interpreters.Interpreter`
        whose ``classifier`` was loaded from ``classifier_source``;
        ``pretrained_interpreter`` (a pretrained interpreter folder or repo
        to start from, e.g. a stage-1 run's ``pretrained/``, or None). The
        interpreter's ``trained_parts()`` are checkpointed; after testing,
        the best interpreter (with its classifier) is exported to
        ``<output_folder>/pretrained/`` (:func:`~speechbrain_interp.programs.export.export_run_folder`).
    run_opts : dict
        SpeechBrain run options.
    manifests : dict
        ``{"train": path, "valid": path or None, "test": path or None}``.

    Returns
    -------
    InterpreterBrain
        ``brain.test_stats`` holds the test metrics when a test set was given.
    """
    interpreter = hparams["interpreter"]
    classifier = interpreter.classifier
    hparams["sample_rate"] = classifier.sample_rate
    datasets, label_encoder = build_datasets(
        manifests,
        data_root=hparams["data_folder"],
        sample_rate=classifier.sample_rate,
        signal_length_s=hparams["signal_length_s"],
        label_encoder=classifier.label_encoder,
        label_encoder_path=os.path.join(hparams["save_folder"], "label_encoder.txt"),
    )
    hparams["label_encoder"] = label_encoder
    parts = interpreter.trained_parts()
    for name, module in parts.items():
        hparams["checkpointer"].add_recoverable(name, module)
    checkpointer, has_checkpoint, loader_opts = prepare_run(
        hparams, run_opts, build_noise_augment(hparams))
    check_classifier_unchanged(hparams, classifier, has_checkpoint)
    if not has_checkpoint and hparams["pretrained_interpreter"]:
        load_interpreter_parts(interpreter, hparams["pretrained_interpreter"], hparams["save_folder"])
    key = hparams["ckpt_key"]
    select = {"min_key": key} if hparams["ckpt_mode"] == "min" else {"max_key": key}
    brain, best = fit_and_test(InterpreterBrain, {"interpreter": interpreter}, hparams, run_opts,
                               checkpointer, datasets, loader_opts, select)
    if best is not None and parts:
        example, n_test = example_clip(datasets)

        def export():
            if datasets.get("test") is None:  # testing loaded the best checkpoint; else load it
                checkpointer.recover_if_possible(**select)
            export_run_folder(hparams, "interpreter", interpreter, label_encoder,
                              getattr(brain, "test_stats", None), example, n_test)

        run_on_main(export)
    return brain


def main(argv):
    """``train.py hparams.yaml [--key value ...]``; returns the brain."""
    hparams, run_opts, _ = load_experiment(argv, PROGRAM.required_keys, PROGRAM.name)
    return run_interpreter(hparams, run_opts, prepare_data(hparams))
