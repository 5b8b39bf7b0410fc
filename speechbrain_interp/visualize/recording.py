"""One picture of a long recording's explanation.

:func:`plot_explanation` draws three rows sharing the time axis: the
recording's spectrogram (dB), the masked spectrogram ``mask * |X|`` (dB, on
the same colour scale) and the decision over time (each window's
probability of the explained class and of the few most likely other
classes, at the window centres).

A 10-minute recording has some 50 000 STFT frames; they are pooled down to
at most ``max_columns`` image columns (mean power per column, mean mask),
computed chunk by chunk, so drawing takes bounded memory and a few seconds
whatever the length. The spectrogram drawn is the front end's own ``|X|``,
the one the mask was computed on.

Authors
 * speechbrain-interp developers 2026
"""

import torch

from speechbrain_interp.visualize.canvas import pyplot

__all__ = ["plot_explanation", "pooled_spectrograms"]

#: image columns at most (frames are pooled down to this)
MAX_COLUMNS = 2000
#: other classes drawn in the decision row besides the explained one
TOP_CLASSES = 3
#: STFT frames analysed per step when pooling
FRAMES_PER_CHUNK = 4096


def pooled_spectrograms(wave, mask, frontend, max_columns=MAX_COLUMNS):
    """The front end's spectrogram and the masked spectrogram, pooled over time.

    Column ``j`` averages the power of frames ``t`` with
    ``t * D // T == j`` (``D = min(T, max_columns)``). The frames are the
    front end's own STFT frames (its window, FFT size, hop and padding: the
    ``|X|`` the mask was computed on), ``FRAMES_PER_CHUNK`` at a time.

    Arguments
    ---------
    wave : torch.Tensor
        ``[N]`` recording.
    mask : torch.Tensor
        ``[T, F]``, ``T = frontend.n_frames(N)``, ``F = frontend.n_freqs``.
    frontend : speechbrain_interp.frontend.SpectralFrontEnd
        The classifier's front end.
    max_columns : int
        Most output columns.

    Returns
    -------
    magnitude, masked : torch.Tensor
        ``[D, F]`` root-mean-square magnitude of ``|X|`` and of ``mask * |X|``
        per column.

    Example
    -------
    >>> from speechbrain_interp.frontend import SpectralFrontEnd
    >>> frontend, wave = SpectralFrontEnd(), torch.randn(16000)
    >>> mag, masked = pooled_spectrograms(wave, torch.ones(87, 513), frontend, max_columns=10)
    >>> mag.shape, bool(torch.allclose(mag, masked))
    (torch.Size([10, 513]), True)
    >>> full, _ = pooled_spectrograms(wave, torch.ones(87, 513), frontend, max_columns=87)
    >>> bool(torch.allclose(full, frontend.spectrogram(wave)[0][0], atol=1e-4))
    True
    """
    wave = wave.detach().reshape(-1).float().cpu()
    n_frames, n_freqs = mask.shape
    if n_frames != frontend.n_frames(wave.shape[0]) or n_freqs != frontend.n_freqs:
        raise ValueError(
            f"mask is {n_frames} x {n_freqs}; a recording of {wave.shape[0]} samples has "
            f"{frontend.n_frames(wave.shape[0])} frames x {frontend.n_freqs} bins in this front end"
        )
    stft = frontend.compute_stft
    hop, n_fft = stft.hop_length, stft.n_fft
    if stft.center:  # the padding torch.stft adds, once for the whole recording
        wave = torch.nn.functional.pad(wave[None, None], (n_fft // 2, n_fft // 2),
                                       mode=stft.pad_mode)[0, 0]
    columns = min(n_frames, int(max_columns))
    power = torch.zeros(columns, n_freqs)
    masked = torch.zeros(columns, n_freqs)
    counts = torch.zeros(columns)
    for first in range(0, n_frames, FRAMES_PER_CHUNK):
        last = min(n_frames, first + FRAMES_PER_CHUNK)
        segment = wave[first * hop:(last - 1) * hop + n_fft]
        spec = torch.stft(segment, n_fft, hop, stft.win_length, stft.window, center=False,
                          normalized=stft.normalized_stft, onesided=stft.onesided,
                          return_complex=True).abs().t() ** 2  # [frames, F]
        column = torch.arange(first, last) * columns // n_frames
        part = mask[first:last].detach().float().cpu()
        power.index_add_(0, column, spec)
        masked.index_add_(0, column, spec * part ** 2)
        counts.index_add_(0, column, torch.ones(last - first))
    counts = counts[:, None]
    return (power / counts).sqrt(), (masked / counts).sqrt()


def plot_explanation(wave, mask, frontend, starts, window_probabilities, class_names, label, path,
                     title="", *, window):
    """Spectrogram, masked spectrogram and decision over time, in one PNG.

    Arguments
    ---------
    wave : torch.Tensor
        ``[N]`` recording.
    mask : torch.Tensor
        ``[T, F]`` mask of the whole recording (``T = frontend.n_frames(N)``).
    frontend : speechbrain_interp.frontend.SpectralFrontEnd
        The classifier's front end (sample rate, STFT).
    starts : torch.Tensor or list of int
        ``[W]`` first sample of each window.
    window_probabilities : torch.Tensor
        ``[W, C]`` class probabilities of each window.
    class_names : list of str, optional
        ``C`` names for the legend (default ``class <i>``).
    label : int
        The explained class (drawn thick).
    path : str
        Output PNG.
    title : str
        Figure title.
    window : int
        Window length in samples (keyword): the decision row places each
        window's probabilities at the centre of its part of the recording.

    Returns
    -------
    str
        ``path``.

    Example
    -------
    >>> from speechbrain_interp.frontend import SpectralFrontEnd
    >>> wave = torch.randn(48000)
    >>> probs = torch.softmax(torch.randn(3, 5), dim=-1)
    >>> path = str(getfixture("tmpdir") / "long.png")
    >>> plot_explanation(wave, torch.rand(259, 513), SpectralFrontEnd(), [0, 15996, 31992],
    ...                  probs, None, 2, path, window=16000) == path
    True
    """
    plt = pyplot()
    label = int(label)
    wave = wave.detach().reshape(-1).float().cpu()
    n_samples = wave.shape[0]
    sample_rate, hop_samples = frontend.sample_rate, frontend.hop_samples
    magnitude, masked = pooled_spectrograms(wave, mask, frontend)
    spec, shown = 20 * torch.log10(magnitude.clamp_min(1e-5)), 20 * torch.log10(masked.clamp_min(1e-5))
    top = float(spec.max())
    seconds = n_samples / sample_rate
    extent = [0, mask.shape[0] * hop_samples / sample_rate, 0, sample_rate / 2000]
    style = dict(origin="lower", aspect="auto", extent=extent, cmap="magma",
                 vmin=top - 80, vmax=top, interpolation="nearest")

    starts = torch.as_tensor(starts, dtype=torch.float64).reshape(-1)
    probabilities = window_probabilities.detach().float().cpu()
    ends = (starts + int(window)).clamp(max=n_samples)
    centres = ((starts + ends) / 2 / sample_rate).numpy()
    n_classes = probabilities.shape[1]
    names = list(class_names) if class_names is not None else [f"class {c}" for c in range(n_classes)]
    others = [c for c in probabilities.mean(dim=0).argsort(descending=True).tolist() if c != label]

    fig, axes = plt.subplots(3, 1, figsize=(12, 8), sharex=True, layout="constrained",
                             height_ratios=[1, 1, 0.8])
    image = axes[0].imshow(spec.t().numpy(), **style)
    axes[0].set_title("recording (dB)", fontsize=9)
    fig.colorbar(image, ax=axes[0], fraction=0.03, label="dB")
    image = axes[1].imshow(shown.t().numpy(), **style)
    axes[1].set_title(f"masked spectrogram, explains: {names[label]} (dB)", fontsize=9)
    fig.colorbar(image, ax=axes[1], fraction=0.03, label="dB")
    for ax in axes[:2]:
        ax.set_ylabel("frequency (kHz)")
    marker = "o" if len(centres) <= 60 else None
    axes[2].plot(centres, probabilities[:, label].numpy(), color="black", linewidth=2,
                 marker=marker, markersize=3, label=names[label])
    for other in others[:TOP_CLASSES]:
        axes[2].plot(centres, probabilities[:, other].numpy(), linewidth=1,
                     marker=marker, markersize=2, label=names[other])
    axes[2].set_ylim(0, 1)
    axes[2].set_xlim(0, seconds)
    axes[2].set_ylabel("probability")
    axes[2].set_xlabel("time (s)")
    axes[2].set_title("decision per window (window centres)", fontsize=9)
    axes[2].legend(fontsize=8, loc="upper right")
    # a colour bar's width on the first rows: keep the bottom row aligned
    fig.colorbar(image, ax=axes[2], fraction=0.03).ax.set_visible(False)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
