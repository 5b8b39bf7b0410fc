"""A program's start: the command line and YAML loaded, the output folder
made, the data prepared.

A program's ``main(argv)`` calls :func:`load_experiment` (command line,
start-up checks, DDP group, run lock, YAML, required keys, output folder)
and :func:`prepare_data` (the YAML's ``prepare_data`` function on the main
process); what it reads is its :class:`~speechbrain_interp.programs.description.Program`.

Authors
 * speechbrain-interp developers 2026
"""

import inspect
import os
import shutil
import sys

import speechbrain as sb
from speechbrain.utils.distributed import if_main_process, run_on_main

from speechbrain_interp.data.manifest import warn_untrained_classes
from speechbrain_interp.programs.configuration import (
    build_hparams, check_start_up, merge_overrides, output_folder_of, require_hparams,
)  # fmt: skip
from speechbrain_interp.programs.distributed import join_process_group
from speechbrain_interp.programs.safety import RunLock

__all__ = ["load_experiment", "prepare_data"]


def load_experiment(argv, required_keys, needed_by, extra_overrides=None):
    """Parses ``program.py hparams.yaml [--key value ...]`` and loads the YAML.

    Also refuses a device, precision or override type that cannot run
    (:func:`~speechbrain_interp.programs.configuration.check_start_up`),
    joins the DDP group under ``torchrun``, takes the output folder's
    :class:`~speechbrain_interp.programs.safety.RunLock`, checks the
    required keys (start-up failure naming the key and the file) and
    creates the output folder (hyperparams.yaml, log.txt, env.log, a copy
    of the recipe script), as every SpeechBrain recipe does.

    Arguments
    ---------
    argv : list of str
        Command-line arguments without the program name.
    required_keys : callable
        Loaded hyperparameters -> the keys the program reads (some depend
        on values, e.g. the noise keys on ``add_wham_noise``); a
        :class:`~speechbrain_interp.programs.description.Program`'s
        ``required_keys``.
    needed_by : str
        The program's name, for messages.
    extra_overrides : dict, optional
        Overrides a driving program sets (e.g. one fold of a
        cross-validation); the command line must not set these keys too.

    Returns
    -------
    hparams : dict
        Loaded hyperparameters.
    run_opts : dict
        SpeechBrain run options.
    overrides : str
        The ``--key value`` overrides.
    """
    recipe_script = _recipe_script()
    hparams_file, run_opts, overrides = sb.parse_arguments(argv)
    if not os.path.isfile(hparams_file):
        raise FileNotFoundError(f"hyperparameter file not found: {hparams_file}")
    check_start_up(hparams_file, run_opts, overrides)
    overrides = merge_overrides(overrides, extra_overrides, needed_by)
    _importable_beside(hparams_file)
    join_process_group(run_opts)
    # the lock comes before the YAML builds anything (a classifier it loads
    # writes into the output folder)
    if if_main_process():
        RunLock(output_folder_of(hparams_file, overrides)).acquire()
    hparams = build_hparams(hparams_file, overrides)
    require_hparams(hparams, required_keys(hparams), hparams_file, needed_by)
    sb.create_experiment_directory(
        experiment_directory=hparams["output_folder"],
        hyperparams_to_save=hparams_file,
        overrides=overrides,
    )
    if if_main_process():
        _keep_recipe_script(hparams["output_folder"], recipe_script)
    return hparams, run_opts, overrides


def _recipe_script():
    """The first calling file outside this package (the recipe's script)."""
    package = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
    for frame in inspect.stack()[1:]:
        path = os.path.realpath(frame.filename)
        if not path.startswith(package + os.sep) and os.path.isfile(path):
            return path
    return None


def _keep_recipe_script(output_folder, recipe_script):
    """SpeechBrain copies the module calling it (this one): keeps the recipe's script instead."""
    copied = os.path.join(output_folder, os.path.basename(__file__))
    if os.path.isfile(copied):
        os.remove(copied)
    if recipe_script is not None:
        shutil.copy(recipe_script, output_folder)


def _importable_beside(hparams_file):
    """Makes modules beside the YAML file importable (``!name:my_prepare.prepare``).

    The YAML's folder and the two above it are appended to ``sys.path`` (after
    everything installed, so nothing is shadowed): a prepare module may sit
    beside the YAML, in the recipe folder above ``hparams/``, or in the
    dataset folder above that (SpeechBrain's ``recipes/<Dataset>/`` layout).
    """
    folder = os.path.dirname(os.path.abspath(hparams_file))
    for _ in range(3):
        if folder not in sys.path:
            sys.path.append(folder)
        folder = os.path.dirname(folder)


def prepare_data(hparams):
    """Runs the YAML's ``prepare_data`` on the main process; manifests on every process.

    ``prepare_data`` is a function named in the YAML with its arguments
    (``!name:module.function`` plus keyword arguments), called with no
    arguments under ``run_on_main``; it writes one JSON manifest per split
    and returns ``{"train": path or None, "valid": ..., "test": ...}``.
    Entries hold ``wav`` (``{data_root}`` stands for ``data_folder``) and
    ``class_string``. A warning names the classes that have no training
    clip (:func:`~speechbrain_interp.data.manifest.warn_untrained_classes`).

    Arguments
    ---------
    hparams : dict
        Loaded hyperparameters.

    Returns
    -------
    dict
        Split name -> manifest path (or None), the same on every process.

    Example
    -------
    >>> prepare_data({"prepare_data": lambda: {"train": "t.json", "test": None}})
    {'train': 't.json', 'valid': None, 'test': None}
    """
    prepare = hparams["prepare_data"]
    if not callable(prepare):
        raise TypeError(
            "prepare_data must name a function in the YAML (prepare_data: "
            f"!name:my_module.my_prepare_function), got {prepare!r}")
    manifests = run_on_main(prepare)
    if not isinstance(manifests, dict) or not set(manifests) <= {"train", "valid", "test"}:
        raise TypeError(
            f"{getattr(prepare, 'func', prepare)} must return a dict with the keys train, "
            f"valid and test (manifest paths or None), got {manifests!r}")
    manifests = {split: manifests.get(split) for split in ("train", "valid", "test")}
    if if_main_process():
        warn_untrained_classes(manifests)
    return manifests
