"""A program's configuration: the keys it reads, and the checks made on them
at start-up, before any work.

* the keys every program reads (:data:`COMMON_KEYS`), those of the trained
  programs (:data:`TRAINING_KEYS`, :func:`brain_keys`) and of the WHAM!
  noise (:func:`noise_keys`);
* :func:`require_hparams` and :class:`HparamsError`: a missing key named
  with its file;
* :func:`check_start_up`: the device, the precisions and the overrides'
  types, read from the YAML and the command line without building anything;
* :func:`merge_overrides`, :func:`output_folder_of` and :func:`build_hparams`:
  the overrides a driving program adds, the output folder read early, and
  the YAML built with the overrides named when it fails.

The plain reading of a YAML and of its overrides is in
:mod:`~speechbrain_interp.programs.overrides`.

Authors
 * speechbrain-interp developers 2026
"""

import json

from hyperpyyaml import load_hyperpyyaml

import speechbrain as sb

from speechbrain_interp.devices import check_device
from speechbrain_interp.precision import check_precision
from speechbrain_interp.programs.overrides import (
    check_override_types, read_plain, read_plain_overrides, written_values,
)  # fmt: skip

__all__ = [
    "COMMON_KEYS", "HparamsError", "NOISE_KEYS", "PRECISION_OPTIONS", "SET_BY_PROGRAM",
    "TRAINING_KEYS", "brain_keys", "build_hparams", "check_run_precision", "check_start_up",
    "merge_overrides", "noise_keys", "output_folder_of", "require_hparams",
]  # fmt: skip

#: keys every program reads (besides its own)
COMMON_KEYS = ("seed", "data_folder", "output_folder", "save_folder", "prepare_data")
#: keys of the WHAM! noise augmentation, read when ``add_wham_noise`` is True
NOISE_KEYS = ("wham_folder", "wham_download", "wham_subset", "wham_snr_low", "wham_snr_high",
              "wham_mode", "wham_prob", "wham_seed", "wham_in_eval")
#: keys of a trained program, read by :func:`~speechbrain_interp.programs.training.prepare_run`
#: and :func:`~speechbrain_interp.programs.training.fit_and_test`
TRAINING_KEYS = ("epoch_counter", "checkpointer", "opt_class", "train_logger",
                 "train_dataloader_opts", "valid_dataloader_opts", "test_dataloader_opts")
#: SpeechBrain's run options naming a precision: training steps, validation and test steps
PRECISION_OPTIONS = ("precision", "eval_precision")
#: what :func:`~speechbrain_interp.programs.training.prepare_run` (and the programs) give a
#: Brain besides the YAML
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
    speechbrain_interp.programs.configuration.HparamsError: hyperparameter 'seed' ...missing from x.yaml...
    """
    for key in keys:
        if key not in hparams:
            raise HparamsError(key, source, needed_by)


def check_run_precision(precisions, device):
    """Refuses ``--precision`` / ``--eval_precision`` values the device cannot
    run (``fp16`` on the CPU) or that are not precisions, before any work.

    SpeechBrain's ``Brain`` refuses ``fp16`` on the CPU too, but only when
    it is built: after the data preparation, and never in the NMF program
    (no Brain). :func:`check_start_up` calls this instead; each value goes
    through :func:`speechbrain_interp.precision.check_precision`.

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


def check_start_up(hparams_file, run_opts, overrides):
    """The checks made before anything is built: the device, the precisions
    and the types of the ``--key value`` overrides.

    A run option counts when the command line gives it, else the YAML's
    value of the same name.

    Arguments
    ---------
    hparams_file : str
        The YAML file.
    run_opts : dict
        SpeechBrain's run options (``overridden_args``: those the command line gave).
    overrides : str
        SpeechBrain's override text.

    Example
    -------
    >>> path = getfixture("tmpdir") / "x.yaml"
    >>> _ = path.write("seed: 1\\ndevice: cpu\\n")
    >>> check_start_up(str(path), {}, "seed: 2")
    >>> check_start_up(str(path), {}, "seed: abc")
    Traceback (most recent call last):
    ...
    speechbrain_interp.programs.overrides.OverrideTypeError: ...--seed abc...
    """
    given = getattr(run_opts, "overridden_args", ())
    written = written_values(hparams_file)
    device = run_opts.get("device") if "device" in given else written.get("device")
    device = device if isinstance(device, str) else None
    check_device(device)
    check_run_precision({key: run_opts.get(key) if key in given else written.get(key)
                         for key in PRECISION_OPTIONS}, device)
    check_override_types(hparams_file, overrides)


def merge_overrides(overrides, extra_overrides, needed_by):
    """SpeechBrain's override text with the overrides a driving program sets.

    Arguments
    ---------
    overrides : str
        The command line's overrides.
    extra_overrides : dict or None
        Key -> value the driving program sets (e.g. one fold of a
        cross-validation); the command line must not set these keys too.
    needed_by : str
        The program (named in the error).

    Example
    -------
    >>> merge_overrides("seed: 3", {"output_folder": "fold_1"}, "a test")
    'seed: 3\\noutput_folder: "fold_1"'
    >>> merge_overrides("output_folder: x", {"output_folder": "fold_1"}, "a test")
    Traceback (most recent call last):
    ...
    ValueError: a test sets output_folder itself; do not pass them on the command line
    """
    if not extra_overrides:
        return overrides
    given = set(read_plain_overrides(overrides)) & set(extra_overrides)
    if given:
        raise ValueError(f"{needed_by} sets {', '.join(sorted(given))} itself; do not pass "
                         "them on the command line")
    return "\n".join(
        [overrides] + [f"{key}: {json.dumps(value)}" for key, value in extra_overrides.items()]
    ).strip()


def output_folder_of(hparams_file, overrides):
    """``output_folder`` of a YAML file, read without building any object.

    Example
    -------
    >>> path = getfixture("tmpdir") / "x.yaml"
    >>> _ = path.write("output_folder: results/1\\n")
    >>> output_folder_of(str(path), "output_folder: results/2")
    'results/2'
    """
    folder = read_plain(hparams_file, overrides).get("output_folder")
    if not isinstance(folder, str):
        raise HparamsError("output_folder", hparams_file, "every program")
    return folder


def build_hparams(hparams_file, overrides):
    """Builds the YAML with its overrides; a failure the overrides may have
    caused names them.

    Example
    -------
    >>> path = getfixture("tmpdir") / "x.yaml"
    >>> _ = path.write("width: 2\\nlayer: !new:torch.nn.Linear [!ref <width>, 1]\\n")
    >>> build_hparams(str(path), "")["layer"]
    Linear(in_features=2, out_features=1, bias=True)
    >>> build_hparams(str(path), "width: abc")
    Traceback (most recent call last):
    ...
    TypeError: ...x.yaml could not be built with the command-line overrides --width abc: ...
    """
    with open(hparams_file, encoding="utf-8") as fin:
        try:
            return load_hyperpyyaml(fin, overrides)
        except (TypeError, ValueError) as err:
            given = ", ".join(f"--{key} {value}"
                              for key, value in read_plain_overrides(overrides).items())
            if type(err) not in (TypeError, ValueError) or not given:
                raise
            raise type(err)(f"{hparams_file} could not be built with the command-line "
                            f"overrides {given}: {err}") from err
