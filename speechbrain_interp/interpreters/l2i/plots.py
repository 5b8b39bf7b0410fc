"""L2I's figures.

Authors
 * speechbrain-interp developers 2026
"""

from speechbrain_interp.visualize.canvas import pyplot

__all__ = ["plot_nmf_dictionary"]


def plot_nmf_dictionary(W, sample_rate, path):
    """The NMF dictionary ``W`` ``[F, K]`` as an image, atoms sorted by peak frequency.

    Example
    -------
    >>> import os
    >>> import torch
    >>> path = str(getfixture("tmpdir") / "W.png")
    >>> plot_nmf_dictionary(torch.rand(513, 20), 16000, path)
    >>> os.path.getsize(path) > 0
    True
    """
    plt = pyplot()
    order = W.argmax(dim=0).argsort()
    fig, ax = plt.subplots(figsize=(8, 4))
    ax.imshow(W[:, order].numpy(), origin="lower", aspect="auto", cmap="magma",
              extent=[0, W.shape[1], 0, sample_rate / 2000])
    ax.set_xlabel("component (sorted by peak frequency)")
    ax.set_ylabel("frequency (kHz)")
    ax.set_title("NMF dictionary W")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
