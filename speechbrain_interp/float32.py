"""What mixed precision leaves in float32.

SpeechBrain's ``--precision bf16|fp16`` runs every training step under
``torch.autocast`` (``--eval_precision`` every validation and test step):
matrix products and convolutions then run in 8 (bf16) or 11 (fp16)
mantissa bits, which is what mixed precision is for in the networks. A few
computations of the project lose their meaning at that precision, and are
marked with :func:`float32_only` (or run inside :func:`autocast_off`):

* the front end after the STFT (mel filterbank and ``log1p``,
  :meth:`~speechbrain_interp.frontend.SpectralFrontEnd.features`): the
  STFT is float32 under autocast already, and the classifiers' input stays
  as precise as the spectrogram;
* SSIM (:func:`~speechbrain_interp.evaluation.ssim.ssim`): local variances are
  differences of nearly equal moments, so in bf16 they are mostly rounding
  error (PV's loss went to ``-4e4`` in bf16);
* PIQ's nearest-code search: the argmin of rounded distances is not the
  nearest code;
* NMF (:mod:`speechbrain_interp.interpreters.l2i.nmf`): the multiplicative updates, the
  soft masks ``W diag(s) H / W H`` and L2I's reconstruction term.

Outside autocast these are called unchanged (a float64 or a bfloat16
model stays what it is).

Authors
 * speechbrain-interp developers 2026
"""

import contextlib
import functools

import torch

__all__ = ["as_float32", "autocast_off", "float32_only"]

#: device types whose autocast :func:`autocast_off` suspends (where it is on)
DEVICE_TYPES = ("cpu", "cuda")

_HALF = (torch.bfloat16, torch.float16)


def _autocasting():
    """The device types of :data:`DEVICE_TYPES` whose autocast is on now."""
    return [kind for kind in DEVICE_TYPES if torch.is_autocast_enabled(kind)]


@contextlib.contextmanager
def autocast_off():
    """A context in which autocast is off wherever it was on.

    A no-op outside autocast. Tensors made in the lower precision before
    the context stay so: cast them (``.float()``) inside it.

    Example
    -------
    >>> layer = torch.nn.Linear(4, 2)
    >>> with torch.autocast("cpu", dtype=torch.bfloat16):
    ...     inside = layer(torch.ones(1, 4)).dtype
    ...     with autocast_off():
    ...         exempt = layer(torch.ones(1, 4)).dtype
    >>> inside, exempt
    (torch.bfloat16, torch.float32)
    """
    with contextlib.ExitStack() as stack:
        for kind in _autocasting():
            stack.enter_context(torch.autocast(kind, enabled=False))
        yield


def as_float32(value):
    """``value`` in float32 when it is a bfloat16 or float16 tensor, else unchanged.

    A differentiable cast (the graph is kept); float64, integer tensors
    and anything that is not a tensor are returned as they are.

    Example
    -------
    >>> as_float32(torch.ones(2, dtype=torch.bfloat16)).dtype, as_float32(torch.ones(2).double()).dtype
    (torch.float32, torch.float64)
    """
    if torch.is_tensor(value) and value.dtype in _HALF:
        return value.float()
    return value


def float32_only(function):
    """Decorates ``function`` to run in float32 under autocast.

    Under autocast its bfloat16/float16 tensor arguments are cast to
    float32 (a differentiable cast: gradients flow back in the lower
    precision) and it runs with autocast off (:func:`autocast_off`), so its
    results are float32. Outside autocast it is called unchanged.

    Arguments
    ---------
    function : callable
        A function or method of tensors.

    Returns
    -------
    callable
        The same function, exempt from autocast.

    Example
    -------
    >>> @float32_only
    ... def gram(x):
    ...     return x @ x.t()
    >>> half = torch.ones(2, 3, dtype=torch.bfloat16)
    >>> with torch.autocast("cpu", dtype=torch.bfloat16):
    ...     gram(half).dtype, gram(torch.ones(2, 3)).dtype
    (torch.float32, torch.float32)
    >>> gram(half).dtype  # outside autocast: unchanged
    torch.bfloat16
    """

    @functools.wraps(function)
    def exempt(*args, **kwargs):
        if not _autocasting():
            return function(*args, **kwargs)
        args = [as_float32(value) for value in args]
        kwargs = {key: as_float32(value) for key, value in kwargs.items()}
        with autocast_off():
            return function(*args, **kwargs)

    return exempt
