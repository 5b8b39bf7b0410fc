"""The one matplotlib set-up of the package's figures, and the dB scale they share.

Authors
 * speechbrain-interp developers 2026
"""

import torch

__all__ = ["decibels", "pyplot"]


def decibels(magnitude, floor=1e-5):
    """``20 log10(max(magnitude, floor))``: a magnitude spectrogram in dB.

    Example
    -------
    >>> decibels(torch.tensor([1.0, 10.0, 0.0]))
    tensor([  0.,  20., -100.])
    """
    return 20 * torch.log10(magnitude.clamp_min(floor))


def pyplot():
    """``matplotlib.pyplot`` on the Agg backend: figures are written to files,
    no display is needed (servers, CI, ``torchrun`` workers).

    Example
    -------
    >>> plt = pyplot()
    >>> plt.get_backend().lower()
    'agg'
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt
