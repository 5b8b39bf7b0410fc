"""The in-painter program: RDE's in-painter G on NSynth-layout notes (RDE paper Example 5).

    python train_inpainter.py hparams/inpainter.yaml --data_folder /path/to/nsynth

Authors
 * speechbrain-interp developers 2026
"""

import os

from speechbrain_interp.interpreters.rde.brain import InpainterBrain
from speechbrain_interp.data.dataio import build_datasets
from speechbrain_interp.programs.augmentation import build_noise_augment
from speechbrain_interp.programs.description import Program
from speechbrain_interp.programs.parts import export_parts
from speechbrain_interp.programs.run_setup import load_experiment, prepare_data
from speechbrain_interp.programs.training import fit_and_test, prepare_run

__all__ = ["PROGRAM", "main", "required_keys", "run_inpainter"]

#: the program's name and keys (besides the common, training and Brain's ones)
PROGRAM = Program("the in-painter program", ("inpainter", "sample_rate", "signal_length_s"),
                  brain=InpainterBrain, noise=True)
required_keys = PROGRAM.required_keys


def run_inpainter(hparams, run_opts, manifests):
    """Trains (unless ``--test_only``) and tests the in-painter.

    Arguments
    ---------
    hparams : dict
        Loaded hyperparameters (:data:`PROGRAM`'s keys).
    run_opts : dict
        SpeechBrain run options.
    manifests : dict
        ``{"train": path, "valid": path or None, "test": path or None}``.

    Returns
    -------
    InpainterBrain
        ``last_stats["test"]`` holds the test losses (and the naive fill's)
        when a test set was given; the best in-painter is exported to
        ``<output_folder>/pretrained/inpainter.ckpt``.
    """
    datasets, _ = build_datasets(
        manifests, data_root=hparams["data_folder"], sample_rate=hparams["sample_rate"],
        signal_length_s=hparams["signal_length_s"],
        label_encoder_path=os.path.join(hparams["save_folder"], "label_encoder.txt"),
    )
    checkpointer, _, loader_opts = prepare_run(
        hparams, run_opts, build_noise_augment(hparams))
    brain, best = fit_and_test(InpainterBrain, {"inpainter": hparams["inpainter"]}, hparams,
                               run_opts, checkpointer, datasets, loader_opts, {"min_key": "loss"})
    if best is not None:
        export_parts({"inpainter": hparams["inpainter"]}, str(best.path),
                     os.path.join(hparams["output_folder"], "pretrained"))
    return brain


def main(argv):
    """``train_inpainter.py hparams.yaml [--key value ...]``; returns the brain."""
    hparams, run_opts, _ = load_experiment(argv, PROGRAM.required_keys, PROGRAM.name)
    return run_inpainter(hparams, run_opts, prepare_data(hparams))
