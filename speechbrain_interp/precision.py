"""Mixed precision for inference and evaluation: one name, checked, and one context.

The classifiers, decoders and metrics can run under ``torch.autocast``
(``bf16`` or ``fp16``) to save time and memory; ``fp32`` is the default and
changes nothing. The names are SpeechBrain's (``--precision``,
``--eval_precision``, ``run_opts["precision"]``) and so is the refusal of
``fp16`` on the CPU (use ``bf16`` there).

Only what autocast lowers (convolutions, matrix products, linear layers)
runs in the lower precision: the STFT and ISTFT, the masks, the
probabilities and the metric arithmetic stay in float32 (the interpreters
and the metric suite cast the classifier's outputs back,
:func:`speechbrain_interp.float32.as_float32`; what even the networks'
own computations keep in float32 is in :mod:`speechbrain_interp.float32`).

Authors
 * speechbrain-interp developers 2026
"""

import contextlib

import torch

from speechbrain_interp.devices import check_device

__all__ = [
    "PRECISIONS", "PrecisionError", "autocast", "check_precision", "check_run_options",
    "precision_dtype",
]

#: the precision names (SpeechBrain's), the first the default
PRECISIONS = ("fp32", "bf16", "fp16")

_DTYPES = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}


class PrecisionError(ValueError):
    """A precision that is unknown, or that cannot run on the device asked for."""


def _device_type(device):
    if device is None:
        return None
    if isinstance(device, torch.device):
        return device.type
    try:
        return torch.device(device).type
    except (RuntimeError, TypeError, ValueError):
        return str(device).split(":")[0]


def check_precision(precision, device=None, option="--precision"):
    """Refuses a precision name that is unknown or that ``device`` cannot use.

    Arguments
    ---------
    precision : str
        One of :data:`PRECISIONS`.
    device : str or torch.device, optional
        Where the models run; ``None`` checks the name only.
    option : str
        How the user gave it, for the message.

    Returns
    -------
    str
        ``precision``.

    Raises
    ------
    PrecisionError
        Naming the option, the value and what to use instead: an unknown
        name; ``fp16`` on the CPU (torch's CPU autocast in float16 is slow
        and SpeechBrain refuses it: ``bf16`` is the CPU's lower precision);
        ``bf16`` on a GPU that does not support it.

    Example
    -------
    >>> check_precision("bf16", "cpu")
    'bf16'
    >>> check_precision("half", "cpu")
    Traceback (most recent call last):
    ...
    speechbrain_interp.precision.PrecisionError: --precision 'half' is not a precision; use one of fp32, bf16, fp16
    >>> check_precision("fp16", "cpu", option="--eval_precision")
    Traceback (most recent call last):
    ...
    speechbrain_interp.precision.PrecisionError: --eval_precision fp16 cannot run on the CPU (torch's CPU autocast in float16 is what SpeechBrain refuses too): use --eval_precision bf16 there, or fp16 on a GPU
    """
    if not isinstance(precision, str) or precision not in PRECISIONS:
        raise PrecisionError(f"{option} {precision!r} is not a precision; use one of "
                             f"{', '.join(PRECISIONS)}")
    kind = _device_type(device)
    if precision == "fp16" and kind == "cpu":
        raise PrecisionError(
            f"{option} fp16 cannot run on the CPU (torch's CPU autocast in float16 is what "
            f"SpeechBrain refuses too): use {option} bf16 there, or fp16 on a GPU")
    if precision == "bf16" and kind == "cuda" and torch.cuda.is_available():
        if not torch.cuda.is_bf16_supported():
            raise PrecisionError(f"{option} bf16: this GPU does not support bfloat16; use "
                                 f"{option} fp16")
    return precision


def check_run_options(device, precision=None):
    """A command's ``--device`` (:func:`~speechbrain_interp.devices.check_device`)
    and then its ``--precision`` on that device (:func:`check_precision`).

    Arguments
    ---------
    device : str or None
        As given on the command line.
    precision : str, optional
        As given on the command line; ``None``: not checked.

    Raises
    ------
    speechbrain_interp.devices.DeviceError, PrecisionError
        Both ``ValueError``: a command reports ``str(error)`` (argparse's
        ``parser.error``).

    Example
    -------
    >>> check_run_options("cpu", "bf16")
    >>> check_run_options("cpu", "fp16")
    Traceback (most recent call last):
    ...
    speechbrain_interp.precision.PrecisionError: --precision fp16 ...
    """
    check_device(device)
    if precision is not None:
        check_precision(precision, device)


def precision_dtype(precision):
    """The autocast dtype of a precision name.

    Example
    -------
    >>> precision_dtype("bf16")
    torch.bfloat16
    """
    return _DTYPES[check_precision(precision)]


def autocast(precision, device):
    """A context that runs the models in ``precision`` on ``device``.

    ``torch.autocast(device_type, dtype)`` for ``bf16`` and ``fp16``; a
    no-op for ``fp32`` (an enclosing autocast, e.g. a SpeechBrain
    ``Brain``'s, stays in force).

    Arguments
    ---------
    precision : str
        One of :data:`PRECISIONS` (checked against ``device``: a
        :class:`PrecisionError` names it ``precision``).
    device : str or torch.device
        Where the models run (its type is what autocast needs).

    Returns
    -------
    context manager

    Example
    -------
    >>> layer = torch.nn.Linear(4, 2)
    >>> with autocast("bf16", "cpu"):
    ...     layer(torch.ones(1, 4)).dtype
    torch.bfloat16
    >>> with autocast("fp32", "cpu"):
    ...     layer(torch.ones(1, 4)).dtype
    torch.float32
    """
    check_precision(precision, device, option="precision")
    if precision == "fp32":
        return contextlib.nullcontext()
    return torch.autocast(device_type=_device_type(device), dtype=_DTYPES[precision])

