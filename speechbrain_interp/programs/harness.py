"""The training harness every program shares.

A program (:mod:`speechbrain_interp.programs`) is ``main(argv)``: it calls
:func:`load_experiment` (command line, YAML, required keys, output folder,
run lock), :func:`prepare_data` (the YAML's ``prepare_data`` function on the
main process), builds its datasets and Brain, and runs
:func:`prepare_run` then :func:`fit_and_test` (which builds the Brain). Nothing here knows a dataset
or a method; the Brains (:mod:`speechbrain_interp.brains`) import nothing
from here.

The device check (:mod:`speechbrain_interp.devices`) and the reading and
type checking of the YAML's overrides
(:mod:`~speechbrain_interp.programs.overrides`) have modules of their own;
their names are re-exported here.

Authors
 * speechbrain-interp developers 2026
"""

import atexit
import gc
import inspect
import json
import os
import shutil
import sys

import torch
from hyperpyyaml import load_hyperpyyaml

import speechbrain as sb
from speechbrain.utils.distributed import if_main_process, run_on_main
from speechbrain.utils.logger import get_logger
from speechbrain.utils.repro import SaveableGenerator

from speechbrain_interp.data.manifest import warn_untrained_classes
from speechbrain_interp.devices import DeviceError, check_device
from speechbrain_interp.precision import check_precision
from speechbrain_interp.programs.overrides import (
    OverrideTypeError, check_override_types, read_plain, read_plain_overrides, written_values,
)  # fmt: skip
from speechbrain_interp.programs.safety import RunLock

logger = get_logger(__name__)

__all__ = [
    "DeviceError", "HparamsError", "OverrideTypeError", "brain_keys", "check_device",
    "check_override_types", "check_run_precision", "example_clip", "export_parts",
    "fit_and_test", "load_experiment", "load_interpreter_parts",
    "load_pretrained_encoder", "noise_keys", "prepare_data", "prepare_run", "read_plain",
    "read_plain_overrides", "require_hparams",
]  # fmt: skip

#: keys every program reads (besides its own)
COMMON_KEYS = ("seed", "data_folder", "output_folder", "save_folder", "prepare_data")
#: keys of the WHAM! noise augmentation, read when ``add_wham_noise`` is True
NOISE_KEYS = ("wham_folder", "wham_download", "wham_subset", "wham_snr_low", "wham_snr_high",
              "wham_mode", "wham_prob", "wham_seed", "wham_in_eval")
#: keys of a trained program run by :func:`prepare_run` and :func:`fit_and_test`
TRAINING_KEYS = ("epoch_counter", "checkpointer", "opt_class", "train_logger",
                 "train_dataloader_opts", "valid_dataloader_opts", "test_dataloader_opts")


#: SpeechBrain's run options naming a precision: training steps, validation and test steps
PRECISION_OPTIONS = ("precision", "eval_precision")


#: what :func:`prepare_run` (and the programs) give a Brain besides the YAML
SET_BY_PROGRAM = ("noise_augment", "noise_in_eval", "label_encoder")


def brain_keys(brain_class):
    """The hyperparameters a Brain reads that must come from the YAML.

    Example
    -------
    >>> from speechbrain_interp.brains.classification import ClassifierBrain
    >>> "ckpt_keep" in brain_keys(ClassifierBrain), "noise_augment" in brain_keys(ClassifierBrain)
    (True, False)
    """
    return tuple(key for key in brain_class.HPARAMS if key not in SET_BY_PROGRAM)


def noise_keys(hparams):
    """``add_wham_noise`` and, when it is True, :data:`NOISE_KEYS`.

    Example
    -------
    >>> noise_keys({"add_wham_noise": False})
    ('add_wham_noise',)
    >>> len(noise_keys({"add_wham_noise": True}))
    10
    """
    return ("add_wham_noise",) + (NOISE_KEYS if hparams.get("add_wham_noise") else ())


class HparamsError(KeyError):
    """A hyperparameter the program needs is not in its YAML file.

    Example
    -------
    >>> print(HparamsError("lr", "hparams/x.yaml", "run_interpreter"))
    hyperparameter 'lr' (needed by run_interpreter) is missing from hparams/x.yaml; add it to the YAML file (or pass --lr VALUE)
    """

    def __init__(self, key, source, needed_by):
        super().__init__(key)
        self.key, self.source, self.needed_by = key, source, needed_by

    def __str__(self):
        return (f"hyperparameter {self.key!r} (needed by {self.needed_by}) is missing from "
                f"{self.source}; add it to the YAML file (or pass --{self.key} VALUE)")


def require_hparams(hparams, keys, source="the hyperparameters", needed_by="this program"):
    """Raises :class:`HparamsError` for the first of ``keys`` missing from ``hparams``.

    Every number a program uses comes from its YAML file; a key may hold
    ``null`` where the file's comment says what that means, but it must be
    there, so that a missing or misspelt key fails at start-up and not in
    the middle of training.

    Arguments
    ---------
    hparams : dict
        Loaded hyperparameters.
    keys : iterable of str
        Keys that must be present.
    source : str
        The YAML file (named in the error).
    needed_by : str
        The program (named in the error).

    Example
    -------
    >>> require_hparams({"lr": 0.1}, ["lr"])
    >>> require_hparams({"lr": 0.1}, ["lr", "seed"], "x.yaml")
    Traceback (most recent call last):
    ...
    speechbrain_interp.programs.harness.HparamsError: hyperparameter 'seed' ...missing from x.yaml...
    """
    for key in keys:
        if key not in hparams:
            raise HparamsError(key, source, needed_by)


def check_run_precision(precisions, device):
    """Refuses ``--precision`` / ``--eval_precision`` values the device cannot
    run (``fp16`` on the CPU) or that are not precisions, before any work.

    SpeechBrain's ``Brain`` refuses ``fp16`` on the CPU too, but only when
    it is built: after the data preparation, and never in the NMF program
    (no Brain). :func:`load_experiment` calls this at start-up instead; each
    value goes through :func:`speechbrain_interp.precision.check_precision`.

    Arguments
    ---------
    precisions : dict
        Option name (:data:`PRECISION_OPTIONS`) -> ``"fp32"``, ``"bf16"``
        or ``"fp16"`` (or None: fp32).
    device : str or None
        The device asked for; None: SpeechBrain's choice (an accelerator
        when there is one, else the CPU).

    Raises
    ------
    speechbrain_interp.precision.PrecisionError
        (a ``ValueError``) naming the option and what to use instead.

    Example
    -------
    >>> check_run_precision({"precision": "bf16", "eval_precision": "fp32"}, "cpu")
    >>> check_run_precision({"eval_precision": "fp16"}, "cpu")
    Traceback (most recent call last):
    ...
    speechbrain_interp.precision.PrecisionError: --eval_precision fp16 cannot run on the CPU ...
    """
    if device is None:
        device = sb.utils.distributed.infer_device()
    for option, value in precisions.items():
        check_precision("fp32" if value is None else value, device, option=f"--{option}")


def _overrides_text(overrides):
    """``--key value`` of each override, for messages."""
    return ", ".join(f"--{key} {value}" for key, value in read_plain_overrides(overrides).items())


def _recipe_script():
    """The first calling file outside this package (the recipe's script)."""
    package = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
    for frame in inspect.stack()[1:]:
        path = os.path.realpath(frame.filename)
        if not path.startswith(package + os.sep) and os.path.isfile(path):
            return path
    return None


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


def load_experiment(argv, required_keys, needed_by, extra_overrides=None):
    """Parses ``program.py hparams.yaml [--key value ...]`` and loads the YAML.

    Also checks the required keys (start-up failure naming the key and
    the file), takes the output folder's :class:`RunLock` and creates the
    output folder (hyperparams.yaml, log.txt, env.log, a copy of the
    recipe script), as every SpeechBrain recipe does.

    Arguments
    ---------
    argv : list of str
        Command-line arguments without the program name.
    required_keys : callable
        Loaded hyperparameters -> the keys the program reads (some depend
        on values, e.g. the noise keys on ``add_wham_noise``).
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
    overrides : dict
        The ``--key value`` overrides.
    """
    recipe_script = _recipe_script()
    hparams_file, run_opts, overrides = sb.parse_arguments(argv)
    if not os.path.isfile(hparams_file):
        raise FileNotFoundError(f"hyperparameter file not found: {hparams_file}")
    device = run_opts.get("device") if "device" in run_opts.overridden_args else \
        written_values(hparams_file).get("device")
    check_device(device if isinstance(device, str) else None)
    written = written_values(hparams_file)
    check_run_precision(
        {key: run_opts.get(key) if key in run_opts.overridden_args else written.get(key)
         for key in PRECISION_OPTIONS},
        device if isinstance(device, str) else None)
    check_override_types(hparams_file, overrides)
    if extra_overrides:
        given = set(read_plain_overrides(overrides)) & set(extra_overrides)
        if given:
            raise ValueError(
                f"{needed_by} sets {', '.join(sorted(given))} itself; do not pass them on the "
                "command line")
        overrides = "\n".join(
            [overrides] + [f"{key}: {json.dumps(value)}" for key, value in extra_overrides.items()]
        ).strip()
    _importable_beside(hparams_file)
    if not torch.distributed.is_initialized():  # a driving program may run several experiments
        sb.utils.distributed.ddp_init_group(run_opts)
    if torch.distributed.is_initialized() and not _EXIT_STATE["registered"]:
        _EXIT_STATE["registered"] = True
        sys.excepthook = _noting_failures(sys.excepthook)
        atexit.register(_close_process_group)
    # the lock comes before the YAML builds anything (a classifier it loads
    # writes into the output folder)
    if if_main_process():
        RunLock(_output_folder(hparams_file, overrides)).acquire()
    with open(hparams_file, encoding="utf-8") as fin:
        try:
            hparams = load_hyperpyyaml(fin, overrides)
        except (TypeError, ValueError) as err:
            given = _overrides_text(overrides)
            if type(err) not in (TypeError, ValueError) or not given:
                raise
            raise type(err)(f"{hparams_file} could not be built with the command-line "
                            f"overrides {given}: {err}") from err
    require_hparams(hparams, required_keys(hparams), hparams_file, needed_by)
    sb.create_experiment_directory(
        experiment_directory=hparams["output_folder"],
        hyperparams_to_save=hparams_file,
        overrides=overrides,
    )
    # SpeechBrain copies the calling module (a file of this package); keep the recipe's script
    if if_main_process():
        out = hparams["output_folder"]
        caller = os.path.join(out, os.path.basename(__file__))
        if os.path.isfile(caller):
            os.remove(caller)
        if recipe_script is not None:
            shutil.copy(recipe_script, out)
    return hparams, run_opts, overrides


#: whether the exit handler is registered, and whether an exception ended the program
_EXIT_STATE = {"registered": False, "failed": False}


def _noting_failures(hook):
    """``sys.excepthook`` that notes an uncaught exception before ``hook`` reports it."""

    def excepthook(kind, value, traceback):
        _EXIT_STATE["failed"] = True
        hook(kind, value, traceback)

    return excepthook


def _close_process_group():
    """Leaves the DDP group at exit, while the interpreter is whole.

    gloo's worker threads can hold the last collectives' tensors; freed
    during interpreter finalisation they abort the process ("terminate
    called without an active exception", about one run in forty on CPU).
    After a program that ended normally, every process waits for the
    others (gloo), leaves the group and frees what still refers to it
    (the DDP wrappers) now. After an uncaught exception it only leaves:
    the other processes may never arrive.
    """
    if not torch.distributed.is_initialized():
        return
    if not _EXIT_STATE["failed"] and torch.distributed.get_backend() == "gloo":
        torch.distributed.barrier()
    torch.distributed.destroy_process_group()
    gc.collect()


def _output_folder(hparams_file, overrides):
    """``output_folder`` of a YAML file, read without building any object."""
    folder = read_plain(hparams_file, overrides).get("output_folder")
    if not isinstance(folder, str):
        raise HparamsError("output_folder", hparams_file, "every program")
    return folder


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


def load_pretrained_encoder(source, embedding_model, save_folder):
    """Initialises ``embedding_model`` from ``source`` (a path or HF ``repo/file.ckpt``)."""
    from speechbrain.utils.parameter_transfer import Pretrainer

    pretrainer = Pretrainer(
        collect_in=os.path.join(save_folder, "pretrained"),
        loadables={"embedding_model": embedding_model},
        paths={"embedding_model": source},
    )
    run_on_main(pretrainer.collect_files)
    pretrainer.load_collected()
    logger.info("encoder initialised from %s", source)


def _with_own_generator(loader_opts, seed):
    """Copy of DataLoader options with a private ``torch.Generator``.

    A DataLoader draws its workers' base seed from ``generator`` each time it
    starts an epoch; by default that is the global generator, so resuming in
    the middle of an epoch would shift every later random draw (dropout,
    noise) by one. A private generator keeps a resumed run identical to an
    uninterrupted one.
    """
    opts = dict(loader_opts or {})
    if opts.get("generator") is None:
        opts["generator"] = torch.Generator().manual_seed(int(seed))
    return opts


def prepare_run(hparams, run_opts, noise_augment=None):
    """Training-time noise, RNG checkpointing, the ``--test_only`` check, loader options.

    Sets ``hparams["noise_augment"]`` (``noise_augment``: WHAM! noise or
    contamination, :func:`~speechbrain_interp.programs.augmentation.build_noise_augment`,
    or None) and ``hparams["noise_in_eval"]`` (what the Brains read); the
    augmentation's generator is checkpointed with the others.

    Returns
    -------
    checkpointer, has_checkpoint (bool), loader_opts (dict per stage)
    """
    hparams["noise_augment"] = noise_augment
    hparams["noise_in_eval"] = hparams["noise_augment"] is not None and bool(hparams["wham_in_eval"])
    checkpointer = hparams["checkpointer"]
    generators = {"default": torch.default_generator}
    if hparams["noise_augment"] is not None:
        generators["wham"] = hparams["noise_augment"].generator
    checkpointer.add_recoverable("rng", SaveableGenerator(generators))
    has_checkpoint = checkpointer.find_checkpoint() is not None
    if bool((run_opts or {}).get("test_only", False)) and not has_checkpoint:
        raise FileNotFoundError(
            f"--test_only needs a trained model but {checkpointer.checkpoints_dir} "
            "holds no checkpoint; train first with the same output_folder"
        )
    loader_opts = {
        stage: _with_own_generator(hparams[f"{stage}_dataloader_opts"], hparams["seed"])
        for stage in ("train", "valid", "test")
    }
    return checkpointer, has_checkpoint, loader_opts


def fit_and_test(brain_class, modules, hparams, run_opts, checkpointer, datasets, loader_opts,
                 select):
    """Builds the Brain, trains on ``train`` (validating on ``valid``) and tests
    the checkpoint chosen by ``select`` (e.g. ``{"min_key": "error"}``).

    Arguments
    ---------
    brain_class : type
        A :class:`~speechbrain_interp.brains.base.ProjectBrain` subclass.
    modules : dict
        Its modules.
    hparams, run_opts : dict
        Hyperparameters (``opt_class``, ``epoch_counter`` are read) and run options.
    checkpointer : speechbrain.utils.checkpoints.Checkpointer
        From :func:`prepare_run`.
    datasets, loader_opts : dict
        Per stage (``train`` required).
    select : dict
        ``{"min_key": key}`` or ``{"max_key": key}``.

    Returns
    -------
    brain : ProjectBrain
    best : speechbrain.utils.checkpoints.Checkpoint or None
        The checkpoint tested (what the program exports).
    """
    if datasets.get("train") is None:
        raise ValueError("no training manifest: choose at least one training fold")
    brain = brain_class(modules=modules, opt_class=hparams["opt_class"], hparams=hparams,
                        run_opts=run_opts, checkpointer=checkpointer)
    brain.fit(
        hparams["epoch_counter"],
        datasets["train"],
        datasets.get("valid"),
        train_loader_kwargs=loader_opts["train"],
        valid_loader_kwargs=loader_opts["valid"],
    )
    if datasets.get("test") is not None:
        brain.evaluate(datasets["test"], test_loader_kwargs=loader_opts["test"], **select)
    return brain, brain.checkpointer.find_checkpoint(**select)


def export_parts(parts, checkpoint_dir, out_folder):
    """Copies trained parts (``<name>.ckpt`` of a checkpoint) to ``out_folder``.

    Runs on the main process only (the files are written once under DDP).

    Example
    -------
    >>> ckpt, out = getfixture("tmpdir").mkdir("ckpt"), getfixture("tmpdir") / "pretrained"
    >>> _ = (ckpt / "decoder.ckpt").write("weights")
    >>> export_parts({"decoder": None}, str(ckpt), str(out))
    >>> sorted(os.listdir(out))
    ['decoder.ckpt']
    """

    def copy():
        os.makedirs(out_folder, exist_ok=True)
        for name in parts:
            shutil.copy(os.path.join(checkpoint_dir, f"{name}.ckpt"),
                        os.path.join(out_folder, f"{name}.ckpt"))
        logger.info("trained parts %s exported to %s", sorted(parts), out_folder)

    run_on_main(copy)


def load_interpreter_parts(interpreter, source, save_folder):
    """Initialises an interpreter from a pretrained interpreter folder (path or HF repo).

    The folder's ``interpreter.ckpt`` (e.g. a stage-1 run's ``pretrained/``)
    is fetched into ``<save_folder>/pretrained_interpreter`` and loaded
    strictly: it must come from the same method and configuration, except
    that a class-conditioned L-MAC may start from one that is not
    (:func:`~speechbrain_interp.pretrained.load_warm_start`).
    """
    from speechbrain.utils.fetching import fetch

    from speechbrain_interp.pretrained import INTERPRETER_FILE, load_warm_start

    if not interpreter.trained_parts():
        raise ValueError("pretrained_interpreter is set but the interpreter has no trained parts")
    savedir = os.path.join(save_folder, "pretrained_interpreter")
    run_on_main(fetch, kwargs={"filename": INTERPRETER_FILE, "source": str(source),
                               "savedir": savedir})
    kept = load_warm_start(interpreter, os.path.join(savedir, INTERPRETER_FILE))
    logger.info("interpreter initialised from %s%s", source,
                f" (kept at their initialisation: {', '.join(kept)})" if kept else "")


def example_clip(datasets):
    """The first test clip (else training clip) ``[N]`` and the number of test clips."""
    test = datasets.get("test")
    source = test if test is not None and len(test) else datasets["train"]
    return source[0]["sig"], (len(test) if test is not None else 0)
