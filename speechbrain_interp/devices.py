"""Whether a device asked for exists here, said before any work.

``--device cuda`` (or ``run_opts={"device": "cuda"}``) on a machine without
a GPU, or with a torch built without CUDA, otherwise fails deep inside
SpeechBrain with ``torch._C has no attribute _cuda_setDevice``.
:func:`check_device` names the device, why it is missing and what there is;
the programs' start-up checks (:mod:`speechbrain_interp.programs.configuration`), the
command line and ``from_hparams`` (:mod:`speechbrain_interp.inference`)
call it. It needs only torch.

Authors
 * speechbrain-interp developers 2026
"""

import torch

__all__ = ["DeviceError", "check_device"]


class DeviceError(ValueError):
    """The device asked for does not exist here (no GPU, or not that many)."""


def check_device(device, option="--device"):
    """Refuses a device this machine does not have, saying what it has.

    Without it, ``--device cuda`` on a machine (or a torch build) without
    CUDA fails deep inside SpeechBrain with ``torch._C has no attribute
    _cuda_setDevice``.

    Arguments
    ---------
    device : str or None
        ``cpu``, ``cuda``, ``cuda:1``, ``mps``...; ``None`` (the default
        device) is accepted.
    option : str
        How the user gave it, for the message.

    Raises
    ------
    DeviceError
        Naming the device, why it is not available and what is.

    Example
    -------
    >>> check_device("cpu")
    >>> check_device("gpu")
    Traceback (most recent call last):
    ...
    speechbrain_interp.devices.DeviceError: --device 'gpu' is not a device name ...
    """
    if device is None:
        return
    try:
        parsed = torch.device(device)
    except (RuntimeError, TypeError, ValueError) as err:
        raise DeviceError(f"{option} {device!r} is not a device name (cpu, cuda, cuda:0, ...): "
                          f"{err}") from err
    if parsed.type == "cuda":
        if not torch.cuda.is_available():
            built = (f"built with CUDA {torch.version.cuda}, but no GPU is visible: check the "
                     "driver and CUDA_VISIBLE_DEVICES" if torch.version.cuda
                     else "built without CUDA")
            raise DeviceError(
                f"{device} requested but torch.cuda.is_available() is False (torch "
                f"{torch.__version__} {built}); available: cpu. Use {option} cpu")
        count = torch.cuda.device_count()
        index = 0 if parsed.index is None else parsed.index
        if index >= count:
            visible = ", ".join(f"cuda:{i}" for i in range(count))
            raise DeviceError(f"{device} requested but this machine has {count} visible GPU(s); "
                              f"available: cpu, {visible}")
    elif parsed.type == "mps":
        mps = getattr(torch.backends, "mps", None)
        if mps is None or not mps.is_available():
            raise DeviceError(f"{device} requested but torch.backends.mps.is_available() is "
                              f"False; available: cpu. Use {option} cpu")
