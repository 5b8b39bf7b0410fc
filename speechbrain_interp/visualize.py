"""Pictures and sounds of interpretations.

:func:`save_interpretation` writes, for one clip, what a user wants to see
and hear: ``original.wav``, ``interpretation.wav`` (the masked spectrogram
with the input phase), and ``interpretation.png`` (input spectrogram, mask,
interpreted spectrogram). Waves are peak-normalised only when saved.

Authors
 * speechbrain-interp developers 2026
"""

import os

import torch

from speechbrain.dataio import audio_io

from speechbrain_interp.audio import peak_normalize

__all__ = ["plot_interpretation", "save_interpretation"]


def _db(magnitude):
    return 20 * torch.log10(magnitude.clamp_min(1e-5))


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
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    magnitude, mask = magnitude.detach().cpu().float(), mask.detach().cpu().float()
    seconds = magnitude.shape[0] * hop_samples / sample_rate
    extent = [0, seconds, 0, sample_rate / 2000]
    spec = _db(magnitude)
    top = float(spec.max())
    panels = [
        ("input (dB)", spec, dict(vmin=top - 80, vmax=top, cmap="magma")),
        ("mask", mask, dict(vmin=0, vmax=1, cmap="viridis")),
        ("interpretation (dB)", _db(mask * magnitude), dict(vmin=top - 80, vmax=top, cmap="magma")),
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
