"""Pictures and sounds of interpretations.

:func:`save_interpretation` writes, for one clip, what a user wants to see
and hear: ``original.wav``, ``interpretation.wav`` (the masked spectrogram
with the input phase), and ``interpretation.png`` (input spectrogram, mask,
interpreted spectrogram, :func:`plot_interpretation`). Waves are
peak-normalised only when saved. :func:`plot_mask_overlays`: one clip, the
masks of several methods over the grey dB spectrogram.

Authors
 * speechbrain-interp developers 2026
"""

import math
import os

import torch
from speechbrain.dataio import audio_io

from speechbrain_interp.audio import peak_normalize
from speechbrain_interp.visualize.canvas import decibels, pyplot

__all__ = ["plot_interpretation", "plot_mask_overlays", "save_interpretation"]


def plot_interpretation(magnitude, mask, path, sample_rate, hop_samples, title=""):
    """Input spectrogram, mask and masked spectrogram side by side.

    Arguments
    ---------
    magnitude : torch.Tensor
        ``[T, F]`` linear magnitude.
    mask : torch.Tensor
        ``[T, F]`` in ``[0, 1]``.
    path : str
        Output image.
    sample_rate : int
        For the frequency axis.
    hop_samples : int
        For the time axis.
    title : str
        Figure title.
    """
    plt = pyplot()
    magnitude, mask = magnitude.detach().cpu().float(), mask.detach().cpu().float()
    seconds = magnitude.shape[0] * hop_samples / sample_rate
    extent = [0, seconds, 0, sample_rate / 2000]
    spec = decibels(magnitude)
    top = float(spec.max())
    panels = [
        ("input (dB)", spec, dict(vmin=top - 80, vmax=top, cmap="magma")),
        ("mask", mask, dict(vmin=0, vmax=1, cmap="viridis")),
        ("interpretation (dB)", decibels(mask * magnitude), dict(vmin=top - 80, vmax=top, cmap="magma")),
    ]
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.6), sharey=True)
    for ax, (name, data, style) in zip(axes, panels):
        image = ax.imshow(data.t().numpy(), origin="lower", aspect="auto", extent=extent, **style)
        ax.set_title(name, fontsize=9)
        ax.set_xlabel("time (s)")
        fig.colorbar(image, ax=ax, fraction=0.046)
    axes[0].set_ylabel("frequency (kHz)")
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def save_interpretation(folder, interpretation, index, original, sample_rate, hop_samples,
                        class_names=None):
    """Writes ``original.wav``, ``interpretation.wav`` and a PNG for one clip.

    Arguments
    ---------
    folder : str
        Output folder for this clip (created).
    interpretation : speechbrain_interp.interpreters.Interpretation
        Batched interpretation with ``wave`` filled.
    index : int
        Item of the batch.
    original : torch.Tensor
        ``[N]`` input wave of that item.
    sample_rate : int
        Sample rate of the waves.
    hop_samples : int
        STFT hop (figure time axis).
    class_names : list of str, optional
        For the figure title.

    Example
    -------
    >>> from speechbrain_interp.interpreters import Interpretation
    >>> from speechbrain_interp.frontend import SpectralFrontEnd
    >>> fe = SpectralFrontEnd()
    >>> wave = torch.randn(1, 8000)
    >>> mag, phase = fe.spectrogram(wave)
    >>> interp = Interpretation(torch.ones_like(mag), torch.tensor([0]), mag, phase,
    ...                         torch.zeros(1, 2), wave=wave)
    >>> out = str(getfixture("tmpdir") / "clip")
    >>> save_interpretation(out, interp, 0, wave[0], 16000, fe.hop_samples)
    >>> sorted(os.listdir(out))
    ['interpretation.png', 'interpretation.wav', 'original.wav']
    """
    os.makedirs(folder, exist_ok=True)
    audio_io.save(os.path.join(folder, "original.wav"),
                  peak_normalize(original.detach().cpu().float()).unsqueeze(0), sample_rate)
    if interpretation.wave is not None:
        wave = interpretation.wave[index].detach().cpu().float()
        audio_io.save(os.path.join(folder, "interpretation.wav"),
                      peak_normalize(wave).unsqueeze(0), sample_rate)
    label = int(interpretation.label[index])
    name = class_names[label] if class_names else str(label)
    prob = float(torch.softmax(interpretation.logits[index].detach().float(), -1)[label])
    plot_interpretation(
        interpretation.magnitude[index], interpretation.mask[index],
        os.path.join(folder, "interpretation.png"), sample_rate, hop_samples,
        title=f"explained class: {name} (p = {prob:.2f})",
    )


def _as_2d(data, name):
    """``[T, F]`` float CPU tensor from a tensor or array, else ``ValueError``."""
    tensor = torch.as_tensor(data.detach() if torch.is_tensor(data) else data)
    tensor = tensor.cpu().float()
    if tensor.ndim != 2:
        raise ValueError(f"{name} must be [T, F], got shape {tuple(tensor.shape)}")
    return tensor


def _panel_class(class_names, index, method):
    if class_names is None:
        return None
    if isinstance(class_names, str):
        return class_names
    if hasattr(class_names, "get"):
        return class_names.get(method)
    return class_names[index] if index < len(class_names) else None


def plot_mask_overlays(magnitude, masks, path, sample_rate, hop_samples, title="",
                       class_names=None):
    """The masks of several methods over one clip's grey dB spectrogram.

    The first panel is the input spectrogram (dB, grey, loud = dark); every
    further panel shows the same spectrogram with one method's mask as a
    red layer whose opacity is the mask value (transparent where the mask
    is 0, opaque red where it is 1).

    Arguments
    ---------
    magnitude : torch.Tensor
        ``[T, F]`` linear STFT magnitude of the clip.
    masks : dict
        Method name -> ``[T, F]`` mask in ``[0, 1]`` (on the linear
        magnitude, as :attr:`Interpretation.mask`), drawn in this order.
    path : str
        Output PNG.
    sample_rate : int
        Sample rate (frequency axis up to ``sample_rate / 2`` Hz).
    hop_samples : int
        STFT hop (time axis in seconds).
    title : str
        Figure title.
    class_names : dict or list or str, optional
        Explained class shown in each panel title: method -> name, a list
        in the order of ``masks``, or one name for all panels.

    Returns
    -------
    str
        ``path``.

    Raises
    ------
    ValueError
        A shape is not ``[T, F]``, a mask's shape differs from the
        magnitude's, or a mask has values outside ``[0, 1]`` (or NaN).

    Example
    -------
    >>> mag = torch.rand(20, 33)
    >>> out = str(getfixture("tmpdir") / "overlays.png")
    >>> masks = {"L-MAC": torch.rand(20, 33), "saliency": torch.zeros(20, 33)}
    >>> plot_mask_overlays(mag, masks, out, 16000, 160, class_names="dog") == out
    True
    """
    from matplotlib.colors import LinearSegmentedColormap

    magnitude = _as_2d(magnitude, "magnitude")
    checked = {}
    for method, mask in masks.items():
        mask = _as_2d(mask, f"mask of {method!r}")
        if mask.shape != magnitude.shape:
            raise ValueError(f"mask of {method!r} has shape {tuple(mask.shape)}, "
                             f"the magnitude {tuple(magnitude.shape)}")
        if mask.numel() and not (mask.min() >= -1e-4 and mask.max() <= 1 + 1e-4):
            raise ValueError(f"mask of {method!r} must lie in [0, 1] without NaN, got "
                             f"[{float(mask.min()):.3g}, {float(mask.max()):.3g}]")
        checked[str(method)] = mask.clamp(0, 1)
    plt = pyplot()
    overlay = LinearSegmentedColormap.from_list(
        "mask_overlay", [(0.85, 0.1, 0.05, 0.0), (0.85, 0.1, 0.05, 0.85)])
    spec = decibels(magnitude).t().numpy()
    top = float(spec.max()) if spec.size else 0.0
    grey = dict(origin="lower", aspect="auto", cmap="gray_r", vmin=top - 80, vmax=top,
                extent=[0, magnitude.shape[0] * hop_samples / sample_rate, 0, sample_rate / 2],
                interpolation="nearest")
    n_panels = 1 + len(checked)
    ncols = min(n_panels, 3)
    nrows = math.ceil(n_panels / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.6 * ncols, 3.3 * nrows),
                             sharex=True, sharey=True, squeeze=False, layout="constrained")
    axes = axes.ravel()
    image = axes[0].imshow(spec, **grey)
    axes[0].set_title("input (dB)", fontsize=9)
    fig.colorbar(image, ax=axes[0], fraction=0.046, label="dB")
    for index, (method, mask) in enumerate(checked.items()):
        ax = axes[index + 1]
        ax.imshow(spec, **grey)
        layer = ax.imshow(mask.t().numpy(), **{**grey, "cmap": overlay, "vmin": 0, "vmax": 1})
        name = _panel_class(class_names, index, method)
        ax.set_title(method + (f" (explains: {name})" if name else ""), fontsize=9)
        fig.colorbar(layer, ax=ax, fraction=0.046, label="mask")
    for ax in axes[n_panels:]:
        ax.set_visible(False)
    for ax in axes[:n_panels]:
        ax.tick_params(labelbottom=True, labelleft=True)
        ax.set_xlabel("time (s)")
        ax.set_ylabel("frequency (Hz)")
    if title:
        fig.suptitle(title, fontsize=10)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
