"""Spectral front end shared by classifiers, interpreters, metrics and baselines.

Data flow (docs/design.md section 2)::

    wave [B, N] --STFT--> |X| [B, T, F], phase [B, T, F]
    |X| --features()--> classifier features [B, T, n_mels]   (mel + log1p)
    mask [B, T, F] * |X|, phase --waveform()--> listenable wave [B, N]

:meth:`SpectralFrontEnd.features` is the ONE conversion from a linear
magnitude spectrogram to classifier features; it is differentiable, so a mask
on the linear spectrogram receives gradients through the classifier.

The defaults are docs/methods.md section 10.2 (upstream SpeechBrain ESC50 recipe):
16 kHz, n_fft 1024, Hamming window of 23.2199 ms (372 samples), hop
11.6099 ms (186 samples), centred frames (431 for 5 s), magnitude |X|
(power 0.5), 80 triangular mel bands on |X| (linear amplitude), log1p.

Authors
 * speechbrain-interp developers 2026
"""

import torch
from speechbrain.processing.features import (
    ISTFT,
    STFT,
    Filterbank,
    spectral_magnitude,
)

from speechbrain_interp.float32 import float32_only
from speechbrain_interp.recorded import Recorded

__all__ = [
    "SpectralFrontEnd",
    "compress",
    "magnitude_and_phase",
    "polar_to_stft",
]


def magnitude_and_phase(stft):
    """Splits a SpeechBrain STFT (real/imag in the last dim) in polar form.

    Arguments
    ---------
    stft : torch.Tensor
        ``[B, T, F, 2]`` as returned by ``speechbrain.processing.features.STFT``.

    Returns
    -------
    magnitude : torch.Tensor
        ``[B, T, F]``, ``|X|`` (differentiable, never exactly 0).
    phase : torch.Tensor
        ``[B, T, F]``, angle in radians (detached: no gradient flows through
        the phase).

    Example
    -------
    >>> stft = torch.tensor([[[[3.0, 4.0]]]])
    >>> mag, phase = magnitude_and_phase(stft)
    >>> float(mag), round(float(phase), 4)
    (5.0, 0.9273)
    """
    magnitude = spectral_magnitude(stft, power=0.5)
    phase = torch.atan2(stft[..., 1], stft[..., 0]).detach()
    return magnitude, phase


def polar_to_stft(magnitude, phase):
    """Inverse of :func:`magnitude_and_phase`.

    Arguments
    ---------
    magnitude : torch.Tensor
        ``[B, T, F]``.
    phase : torch.Tensor
        ``[B, T, F]``.

    Returns
    -------
    torch.Tensor
        ``[B, T, F, 2]`` (real, imaginary).

    Example
    -------
    >>> polar_to_stft(torch.tensor([2.0]), torch.tensor([0.0]))
    tensor([[2., 0.]])
    """
    return torch.stack(
        (magnitude * torch.cos(phase), magnitude * torch.sin(phase)), dim=-1
    )


def compress(x):
    """The project's dynamic-range compression, ``log(1 + x)``.

    Example
    -------
    >>> compress(torch.tensor([0.0]))
    tensor([0.])
    """
    return torch.log1p(x)


class SpectralFrontEnd(Recorded, torch.nn.Module):
    """STFT analysis/synthesis and classifier features in one module.

    Arguments
    ---------
    sample_rate : int
        Sample rate in Hz.
    n_fft : int
        FFT size (``n_fft // 2 + 1`` frequency bins).
    win_length : float
        Window length in ms.
    hop_length : float
        Hop length in ms.
    n_mels : int
        Mel bands of the classifier features.
    f_min : float
        Lowest mel-filter frequency in Hz.
    f_max : float, optional
        Highest mel-filter frequency in Hz (default: ``sample_rate / 2``).
    feature_type : str
        ``"log1p_mel"``: log1p of the mel filterbank of ``|X|`` (CNN14);
        ``"log1p_linear"``: log1p of ``|X|`` itself (PIQ's conv classifier).

    Example
    -------
    >>> fe = SpectralFrontEnd()
    >>> wave = torch.randn(2, 80000)
    >>> mag, phase = fe.spectrogram(wave)
    >>> mag.shape
    torch.Size([2, 431, 513])
    >>> fe.features(mag).shape
    torch.Size([2, 431, 80])
    >>> fe.waveform(mag, phase, length=80000).shape
    torch.Size([2, 80000])
    """

    def __init__(
        self,
        sample_rate=16000,
        n_fft=1024,
        win_length=23.2199,
        hop_length=11.6099,
        n_mels=80,
        f_min=0.0,
        f_max=None,
        feature_type="log1p_mel",
    ):
        super().__init__()
        if feature_type not in ("log1p_mel", "log1p_linear"):
            raise ValueError(
                f"feature_type must be 'log1p_mel' or 'log1p_linear', got {feature_type!r}"
            )
        self.sample_rate = int(sample_rate)
        self.n_fft = int(n_fft)
        self.feature_type = feature_type
        self.compute_stft = STFT(
            sample_rate=self.sample_rate,
            win_length=win_length,
            hop_length=hop_length,
            n_fft=self.n_fft,
        )
        self.compute_istft = ISTFT(
            sample_rate=self.sample_rate,
            n_fft=self.n_fft,
            win_length=win_length,
            hop_length=hop_length,
        )
        self.n_mels = int(n_mels)
        self.filterbank = None
        if feature_type == "log1p_mel":
            self.filterbank = Filterbank(
                n_mels=self.n_mels,
                log_mel=False,
                f_min=f_min,
                f_max=f_max if f_max is not None else self.sample_rate / 2,
                n_fft=self.n_fft,
                sample_rate=self.sample_rate,
            )

    @property
    def hop_samples(self):
        """Hop length in samples."""
        return self.compute_stft.hop_length

    @property
    def n_freqs(self):
        """Number of linear frequency bins, ``n_fft // 2 + 1``."""
        return self.n_fft // 2 + 1

    @property
    def n_features(self):
        """Size of the classifier feature axis."""
        return self.n_mels if self.filterbank is not None else self.n_freqs

    def filterbank_matrix(self):
        """The mel filterbank as a ``[F, n_mels]`` matrix (``feats = |X| @ it``).

        Example
        -------
        >>> SpectralFrontEnd().filterbank_matrix().shape
        torch.Size([513, 80])
        """
        if self.filterbank is None:
            raise ValueError("this front end has no mel filterbank (feature_type='log1p_linear')")
        eye = torch.eye(self.n_freqs, device=self.filterbank.f_central.device)
        with torch.no_grad():
            return self.filterbank(eye.unsqueeze(0))[0]

    def mel_to_linear_matrix(self):
        """``[n_mels, F]`` weights spreading mel-band values over linear bins.

        Each linear bin gets the average of the bands whose triangle covers
        it, weighted by the triangle (columns sum to 1); bins no triangle
        covers (0 Hz, above ``f_max``) take the nearest band. Used to turn a
        mask on mel bands into a mask on the linear spectrogram.

        Example
        -------
        >>> m = SpectralFrontEnd().mel_to_linear_matrix()
        >>> m.shape, bool(torch.allclose(m.sum(0), torch.ones(513)))
        (torch.Size([80, 513]), True)
        """
        fb = self.filterbank_matrix()  # [F, M]
        weight = fb.sum(dim=1, keepdim=True)
        spread = fb / weight.clamp_min(1e-12)
        uncovered = weight.squeeze(1) <= 1e-12
        if uncovered.any():
            centres = fb.argmax(dim=0).float()  # bin of each band's peak
            bins = torch.arange(self.n_freqs, device=fb.device).float()
            nearest = (bins[:, None] - centres[None, :]).abs().argmin(dim=1)
            fallback = torch.nn.functional.one_hot(nearest, fb.shape[1]).to(fb.dtype)
            spread = torch.where(uncovered[:, None], fallback, spread)
        return spread.t().contiguous()

    def features_mask_to_linear(self, mask):
        """Mask on mel features ``[B, T, n_mels]`` -> mask on ``|X|`` ``[B, T, F]``.

        Example
        -------
        >>> fe = SpectralFrontEnd()
        >>> fe.features_mask_to_linear(torch.ones(2, 10, 80)).shape
        torch.Size([2, 10, 513])
        """
        if self.filterbank is None:
            return mask
        return mask @ self.mel_to_linear_matrix().to(mask.device, mask.dtype)

    def n_frames(self, n_samples):
        """Number of STFT frames of a signal of ``n_samples`` samples.

        Example
        -------
        >>> SpectralFrontEnd().n_frames(80000)
        431
        """
        return int(n_samples) // self.hop_samples + 1

    def spectrogram(self, wave):
        """Linear magnitude and phase.

        Arguments
        ---------
        wave : torch.Tensor
            ``[B, N]`` (or ``[N]``).

        Returns
        -------
        magnitude, phase : torch.Tensor
            ``[B, T, F]`` each, ``T = N // hop + 1``, ``F = n_fft // 2 + 1``.
        """
        if wave.dim() == 1:
            wave = wave.unsqueeze(0)
        return magnitude_and_phase(self.compute_stft(wave))

    @float32_only
    def features(self, magnitude):
        """Classifier features from a linear magnitude spectrogram.

        The single, differentiable conversion used everywhere a classifier
        sees a (masked) linear spectrogram. Float32 under mixed precision,
        as the STFT (:func:`~speechbrain_interp.float32.float32_only`).

        Arguments
        ---------
        magnitude : torch.Tensor
            ``[B, T, F]`` linear magnitudes (non-negative).

        Returns
        -------
        torch.Tensor
            ``[B, T, n_features]``.
        """
        if self.filterbank is not None:
            magnitude = self.filterbank(magnitude)
        return compress(magnitude)

    def waveform(self, magnitude, phase, length):
        """Inverse STFT of ``magnitude * exp(j phase)``.

        Arguments
        ---------
        magnitude : torch.Tensor
            ``[B, T, F]``.
        phase : torch.Tensor
            ``[B, T, F]``; a shorter phase is not accepted: masks must cover
            every frame.
        length : int
            Number of output samples.

        Returns
        -------
        torch.Tensor
            ``[B, length]``.
        """
        if magnitude.shape != phase.shape:
            raise ValueError(
                f"magnitude {tuple(magnitude.shape)} and phase "
                f"{tuple(phase.shape)} must have the same shape"
            )
        return self.compute_istft(polar_to_stft(magnitude, phase), sig_length=int(length))

    def mask_to_wave(self, mask, magnitude, phase, length):
        """Listenable wave of a mask on the linear spectrogram (input phase).

        Arguments
        ---------
        mask : torch.Tensor
            ``[B, T, F]`` in ``[0, 1]``.
        magnitude : torch.Tensor
            ``[B, T, F]`` linear magnitude of the input.
        phase : torch.Tensor
            ``[B, T, F]`` phase of the input.
        length : int
            Number of output samples.

        Returns
        -------
        torch.Tensor
            ``[B, length]``.

        Example
        -------
        >>> fe = SpectralFrontEnd()
        >>> wave = torch.randn(1, 16000)
        >>> mag, phase = fe.spectrogram(wave)
        >>> out = fe.mask_to_wave(torch.ones_like(mag), mag, phase, 16000)
        >>> bool((out - wave).abs().max() < 1e-4)
        True
        """
        if mask.shape != magnitude.shape:
            raise ValueError(
                f"mask {tuple(mask.shape)} must have the shape of the "
                f"spectrogram {tuple(magnitude.shape)}"
            )
        return self.waveform(mask * magnitude, phase, length)
