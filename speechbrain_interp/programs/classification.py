"""The classification program: train (unless ``--test_only``), test, export.

    python train.py hparams/cnn14.yaml --data_folder /path/to/dataset

Authors
 * speechbrain-interp developers 2026
"""

import os

from speechbrain.utils.distributed import run_on_main

from speechbrain_interp.brains.classification import ClassifierBrain
from speechbrain_interp.data.dataio import build_datasets
from speechbrain_interp.programs.augmentation import build_noise_augment
from speechbrain_interp.programs.description import Program
from speechbrain_interp.programs.export import export_run_folder
from speechbrain_interp.programs.parts import load_pretrained_encoder
from speechbrain_interp.programs.run_setup import load_experiment, prepare_data
from speechbrain_interp.programs.training import example_clip, fit_and_test, prepare_run
from speechbrain_interp.schedules import check_schedule

__all__ = ["PROGRAM", "main", "required_keys", "run_classification"]

#: the program's name and keys (besides the common, training and Brain's ones)
PROGRAM = Program("the classification program", (
    "classifier", "embedding_model", "n_classes", "sample_rate", "signal_length_s",
    "pretrained_encoder", "experiment_name", "inference", "lr", "batch_size"),
    brain=ClassifierBrain, noise=True)
required_keys = PROGRAM.required_keys


def run_classification(hparams, run_opts, manifests):
    """Trains (unless ``--test_only``) and tests a classifier, then exports it.

    Arguments
    ---------
    hparams : dict
        Loaded recipe hyperparameters (:data:`PROGRAM`'s keys).
    run_opts : dict
        SpeechBrain run options.
    manifests : dict
        ``{"train": path, "valid": path or None, "test": path or None}``;
        ``{data_root}`` in them stands for ``hparams["data_folder"]``.

    Returns
    -------
    ClassifierBrain
        The brain; ``brain.test_report`` holds the test report when a test
        set was given. The best model is exported to
        ``<output_folder>/pretrained/``.
    """
    encoder_path = os.path.join(hparams["save_folder"], "label_encoder.txt")
    datasets, label_encoder = build_datasets(
        manifests,
        data_root=hparams["data_folder"],
        sample_rate=hparams["sample_rate"],
        signal_length_s=hparams["signal_length_s"],
        label_encoder_path=encoder_path,
    )
    if len(label_encoder) != hparams["n_classes"]:
        raise ValueError(
            f"n_classes is {hparams['n_classes']} in the hyperparameters but the "
            f"data has {len(label_encoder)} classes; pass --n_classes {len(label_encoder)}"
        )
    hparams["label_encoder"] = label_encoder
    # a fine-tuning schedule from scratch never leaves chance: refused before any step
    check_schedule(hparams["lr_scheduler"], hparams["lr"], len(datasets["train"]),
                   hparams["batch_size"], hparams["pretrained_encoder"])
    checkpointer, has_checkpoint, loader_opts = prepare_run(
        hparams, run_opts, build_noise_augment(hparams))
    if not has_checkpoint and hparams["pretrained_encoder"]:
        load_pretrained_encoder(hparams["pretrained_encoder"], hparams["embedding_model"],
                                hparams["save_folder"])
    brain, best = fit_and_test(ClassifierBrain, {"classifier": hparams["classifier"]}, hparams,
                               run_opts, checkpointer, datasets, loader_opts, {"min_key": "error"})
    if best is not None:
        report = getattr(brain, "test_report", None) or {}
        stats = {k: report[k] for k in ("accuracy", "macro_AUPRC", "micro_AUPRC", "micro_F1",
                                        "loss") if k in report}
        example, n_test = example_clip(datasets)

        def export():
            if datasets.get("test") is None:  # testing loaded the best checkpoint; else load it
                checkpointer.recover_if_possible(min_key="error")
            export_run_folder(hparams, "classifier", hparams["classifier"], label_encoder, stats,
                              example, n_test)

        run_on_main(export)
    return brain


def main(argv):
    """``train.py hparams.yaml [--key value ...]``; returns the brain."""
    hparams, run_opts, _ = load_experiment(argv, PROGRAM.required_keys, PROGRAM.name)
    return run_classification(hparams, run_opts, prepare_data(hparams))
