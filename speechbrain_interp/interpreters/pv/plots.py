"""The per-clip PV figure: input, reconstruction, saliency and PV.

Authors
 * speechbrain-interp developers 2026
"""

import torch

__all__ = ["plot_perception_visualization"]


def plot_perception_visualization(target, reconstruction, saliency, pv, path, sample_rate,
                                  hop_samples, title="", frequency_label="frequency (kHz)"):
    """Four panels on one time axis: scaled input, reconstruction, saliency, PV.

    Arguments
    ---------
    target, reconstruction, saliency, pv : torch.Tensor
        ``[T, F]`` each in ``[0, 1]`` (the decoder's scaled domain; ``F``
        linear bins or mel bands).
    path : str
        Output image.
    sample_rate, hop_samples : int
        For the axes.
    title : str
    frequency_label : str
        ``"frequency (kHz)"`` (linear bins up to Nyquist) or ``"mel band"``.

    Example
    -------
    >>> tmp = getfixture("tmpdir")
    >>> x = torch.rand(44, 80)
    >>> plot_perception_visualization(x, x, x, x * x, str(tmp / "pv.png"), 16000, 186,
    ...                               frequency_label="mel band")
    >>> (tmp / "pv.png").exists()
    True
    """
    from speechbrain_interp.visualize.canvas import pyplot

    plt = pyplot()
    panels = [("input (scaled log spectrogram)", target, "magma"),
              ("reconstruction D(E(x))", reconstruction, "magma"),
              ("saliency (Grad-CAM)", saliency, "viridis"),
              ("PV = saliency x reconstruction", pv, "magma")]
    n_frames, n_bins = target.shape
    seconds = n_frames * hop_samples / sample_rate
    top = sample_rate / 2000 if frequency_label.startswith("frequency") else n_bins
    fig, axes = plt.subplots(1, 4, figsize=(17, 3.6), sharey=True)
    for ax, (name, data, cmap) in zip(axes, panels):
        data = torch.as_tensor(data).detach().cpu().float()
        image = ax.imshow(data.t().numpy(), origin="lower", aspect="auto", vmin=0, vmax=1,
                          extent=[0, seconds, 0, top], cmap=cmap)
        ax.set_title(name, fontsize=9)
        ax.set_xlabel("time (s)")
        fig.colorbar(image, ax=ax, fraction=0.046)
    axes[0].set_ylabel(frequency_label)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
