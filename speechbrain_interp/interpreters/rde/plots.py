"""Figures of Fourier-domain RDE: masks over the spectrum, rate-distortion curves.

Authors
 * speechbrain-interp developers 2026
"""

import numpy as np

from speechbrain_interp.visualize.canvas import pyplot

__all__ = ["plot_frequency_masks", "plot_rate_distortion"]


def plot_frequency_masks(centres, magnitude, masks, path, title="", bands=()):
    """The RDE paper's figure 6: a note's spectrum with masks laid over it.

    Arguments
    ---------
    centres : array-like
        ``[K]`` band centres in Hz (log axis).
    magnitude : array-like
        ``[K]`` power-normalised magnitude (drawn in dB).
    masks : dict
        name -> ``[K]`` mask in ``[0, 1]`` (one panel each, drawn in green).
    path : str
        PNG written.
    title : str
    bands : sequence of (float, float)
        Known discriminative bands, shaded (ground truth of synthetic notes).

    Example
    -------
    >>> import os
    >>> path = str(getfixture("tmpdir") / "fig.png")
    >>> f = np.geomspace(20, 8000, 64)
    >>> plot_frequency_masks(f, np.ones(64), {"in-painter": np.linspace(0, 1, 64)}, path,
    ...                      bands=[(30, 60)])
    >>> os.path.getsize(path) > 0
    True
    """
    plt = pyplot()
    centres = np.asarray(centres)
    level = 20 * np.log10(np.asarray(magnitude) + 1e-4)
    fig, axes = plt.subplots(len(masks), 1, figsize=(9, 2.4 * len(masks)), squeeze=False,
                             sharex=True)
    for ax, (name, mask) in zip(axes[:, 0], masks.items()):
        ax.plot(centres, level, color="0.3", lw=0.7)
        ax.set_ylabel("dB")
        for low, high in bands:
            ax.axvspan(low, high, color="orange", alpha=0.2)
        twin = ax.twinx()
        twin.fill_between(centres, 0, np.asarray(mask), color="green", alpha=0.45, step="mid")
        twin.set_ylim(0, 1.05)
        twin.set_ylabel("mask")
        ax.set_title(name, fontsize=9)
        ax.set_xscale("log")
    axes[-1, 0].set_xlabel("frequency (Hz)")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_rate_distortion(rates, curves, path, title="", ylabel="distortion d1"):
    """Distortion against the kept fraction, one line per obfuscation.

    Arguments
    ---------
    rates : sequence of float
        Kept fractions (x axis).
    curves : dict
        name -> ``[R, B]`` distortions (the median is drawn, the quartiles
        shaded).
    path : str
        PNG written.

    Example
    -------
    >>> import os
    >>> path = str(getfixture("tmpdir") / "rd.png")
    >>> plot_rate_distortion([0.1, 0.5], {"noise": np.ones((2, 3))}, path)
    >>> os.path.getsize(path) > 0
    True
    """
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    for name, values in curves.items():
        values = np.asarray(values)
        q1, med, q3 = np.percentile(values, [25, 50, 75], axis=1)
        ax.plot(rates, med, marker="o", label=name)
        ax.fill_between(rates, q1, q3, alpha=0.2)
    ax.set_xlabel("rate: kept fraction of the frequency bands")
    ax.set_ylabel(ylabel)
    ax.set_yscale("symlog", linthresh=0.1)
    ax.legend()
    if title:
        ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
