"""Fourier representation of a note (RDE paper section 4.2) and its inverse.

One DFT per note (no STFT), read on a logarithmic frequency grid:

1. ``X = rfft(wave)`` over the whole note (``n_samples`` long, zero padded or
   cropped), resolution ``df = sample_rate / n_samples``.
2. ``K`` bands with geometric edges from ``f_min`` to ``f_max`` (1024 bands
   over 20-8000 Hz: docs/methods.md 4.5). Band ``j`` holds the DFT bins whose
   frequency lies in ``[e_j, e_{j+1})``. Its **power** is the sum of their
   ``|X_k|^2`` and its **phase** the angle of their complex sum (the band's
   phasor). A band narrower than ``df`` holds no bin (below about 43 Hz for
   a 4 s note); it reads the nearest bin, with the power scaled by
   ``width_j / df`` (same power density).
3. ``m_j = sqrt(power_j) / c`` with ``c`` chosen per note so that
   ``mean_j m_j^2 = 1`` (power normalisation; the scale ``c`` is kept for the
   inverse) and ``omega_j`` wrapped to ``[0, 2 pi)``.

The inverse (:meth:`FourierRepresentation.to_wave`) needs the note's DFT,
since 1024 numbers cannot hold a 4 s wave. Every DFT bin in ``[f_min,
f_max)`` belongs to exactly one band (the one containing it); a new
``(m'_j, omega'_j)`` rescales the band's bins by ``m'_j / m_j`` and rotates
them by ``omega'_j - omega_j``, so the band's power and phasor become the new
ones and an unchanged representation gives back the band-limited note
exactly. Where the note had no energy (``m_j`` ~ 0) and ``m'_j > 0``, the
band is filled flat at phase ``omega'_j``. Bins outside ``[f_min, f_max)``
are dropped (the classifier never sees them). Bands that hold no bin
(narrower than ``df``) do not change the wave.

:meth:`FourierRepresentation.kept_wave` is the listenable explanation
``IDFT(s . h)``: each bin scaled by its band's mask value, phase untouched.

Authors
 * speechbrain-interp developers 2026
"""

import math
from dataclasses import dataclass

import torch
from torch import nn

from speechbrain_interp.float32 import float32_only
from speechbrain_interp.recorded import Recorded

__all__ = ["FourierCoefficients", "FourierRepresentation", "log_frequency_edges",
           "spectral_features"]


def log_frequency_edges(n_freqs=1024, f_min=20.0, f_max=8000.0):
    """Geometric band edges ``[n_freqs + 1]`` (Hz) from ``f_min`` to ``f_max``.

    Example
    -------
    >>> edges = log_frequency_edges(4, 10.0, 160.0)
    >>> [round(e, 6) for e in edges.tolist()]
    [10.0, 20.0, 40.0, 80.0, 160.0]
    """
    if not 0 < f_min < f_max:
        raise ValueError(f"need 0 < f_min < f_max, got {f_min} and {f_max}")
    return torch.logspace(math.log10(f_min), math.log10(f_max), n_freqs + 1, dtype=torch.float64)


@float32_only
def spectral_features(magnitude, phase, floor=1e-3):
    """Classifier input from a Fourier representation (float32 under mixed precision).

    Five channels: ``log(m + floor)``, ``m cos(omega)``, ``m sin(omega)``,
    ``cos(omega)``, ``sin(omega)``. The phase enters through its cosine and
    sine, so any real value (an in-painter's output, a relaxed mask's blend)
    is a valid phase, and the magnitude-weighted channels carry the phase of
    the loud bands linearly.

    Arguments
    ---------
    magnitude, phase : torch.Tensor
        ``[B, K]``.
    floor : float
        Added before the log (power-normalised magnitudes have mean square 1).

    Returns
    -------
    torch.Tensor
        ``[B, 5, K]``.

    Example
    -------
    >>> feats = spectral_features(torch.ones(2, 8), torch.zeros(2, 8))
    >>> feats.shape, [round(v, 4) for v in feats[0, :, 0].tolist()]
    (torch.Size([2, 5, 8]), [0.001, 1.0, 0.0, 1.0, 0.0])
    """
    cos, sin = torch.cos(phase), torch.sin(phase)
    return torch.stack(
        [torch.log(magnitude + floor), magnitude * cos, magnitude * sin, cos, sin], dim=1
    )


@dataclass
class FourierCoefficients:
    """A batch of notes in the Fourier representation.

    Attributes
    ----------
    magnitude : torch.Tensor
        ``[B, K]`` power-normalised band magnitudes (``mean m^2 = 1``).
    phase : torch.Tensor
        ``[B, K]`` band phases in ``[0, 2 pi)``.
    spectrum : torch.Tensor
        ``[B, n_samples // 2 + 1]`` complex DFT of the notes (for the inverse).
    scale : torch.Tensor
        ``[B]`` the normaliser ``c``: band magnitude = ``c * m``.
    """

    magnitude: torch.Tensor
    phase: torch.Tensor
    spectrum: torch.Tensor
    scale: torch.Tensor

    def __getitem__(self, index):
        """Selects notes (``index`` into the batch dimension)."""
        return FourierCoefficients(self.magnitude[index], self.phase[index],
                                   self.spectrum[index], self.scale[index])


class FourierRepresentation(Recorded, nn.Module):
    """Wave <-> power-normalised magnitude and phase on a log-frequency grid.

    Arguments
    ---------
    sample_rate : int
        Hz (NSynth: 16000).
    n_samples : int
        DFT length: notes are cropped or zero padded to it (NSynth: 4 s =
        64000 samples).
    n_freqs : int
        Grid size ``K`` (1024: docs/methods.md 4.5).
    f_min, f_max : float
        Grid range in Hz (20-8000: RDE paper 4.2).
    eps : float
        Floor of band magnitudes in divisions.

    Example
    -------
    >>> rep = FourierRepresentation(sample_rate=16000, n_samples=16000, n_freqs=256)
    >>> t = torch.arange(16000) / 16000
    >>> wave = torch.sin(2 * torch.pi * 440 * t).unsqueeze(0)
    >>> coeffs = rep(wave)
    >>> coeffs.magnitude.shape, round(float(coeffs.magnitude.pow(2).mean()), 4)
    (torch.Size([1, 256]), 1.0)
    >>> float(rep.centres[coeffs.magnitude.argmax()]) // 10 * 10
    440.0
    >>> back = rep.to_wave(coeffs, coeffs.magnitude, coeffs.phase)
    >>> bool((back - wave).abs().max() < 1e-4)
    True
    """

    def __init__(self, sample_rate=16000, n_samples=64000, n_freqs=1024, f_min=20.0,
                 f_max=8000.0, eps=1e-8):
        super().__init__()
        if f_max > sample_rate / 2:
            raise ValueError(f"f_max {f_max} Hz is above the Nyquist frequency {sample_rate / 2} Hz")
        self.sample_rate = int(sample_rate)
        self.n_samples = int(n_samples)
        self.n_freqs = int(n_freqs)
        self.eps = float(eps)
        edges = log_frequency_edges(n_freqs, f_min, f_max)
        df = self.sample_rate / self.n_samples
        bin_freqs = torch.arange(self.n_samples // 2 + 1, dtype=torch.float64) * df
        band = torch.bucketize(bin_freqs, edges, right=True) - 1  # -1 below, K at/above f_max
        inside = (band >= 0) & (band < n_freqs)
        centres = torch.sqrt(edges[:-1] * edges[1:])
        counts = torch.bincount(band[inside], minlength=n_freqs)
        nearest = torch.round(centres / df).long()
        weight = torch.where(counts > 0, torch.ones(n_freqs, dtype=torch.float64),
                             (edges[1:] - edges[:-1]) / df)
        self.register_buffer("edges", edges.float(), persistent=False)
        self.register_buffer("centres", centres.float(), persistent=False)
        self.register_buffer("bin_band", torch.where(inside, band, torch.full_like(band, -1)),
                             persistent=False)
        self.register_buffer("band_counts", counts, persistent=False)
        self.register_buffer("nearest_bin", nearest, persistent=False)
        self.register_buffer("empty_weight", weight.float(), persistent=False)

    def extra_repr(self):
        return (f"sample_rate={self.sample_rate}, n_samples={self.n_samples}, "
                f"n_freqs={self.n_freqs}, f_min={float(self.edges[0]):g}, "
                f"f_max={float(self.edges[-1]):g}")

    def band_mask(self, low, high):
        """``[K]`` booleans: bands whose centre lies in ``[low, high]`` Hz."""
        return (self.centres >= low) & (self.centres <= high)

    def _fit(self, wave):
        if wave.dim() == 1:
            wave = wave.unsqueeze(0)
        n = wave.shape[-1]
        if n >= self.n_samples:
            return wave[..., : self.n_samples]
        return nn.functional.pad(wave, (0, self.n_samples - n))

    def _band_sums(self, values):
        """Sums ``[B, n_bins]`` values over each band's bins -> ``[B, K]``."""
        inside = self.bin_band >= 0
        out = values.new_zeros(values.shape[0], self.n_freqs)
        return out.index_add(1, self.bin_band[inside], values[:, inside])

    def forward(self, wave):
        """Fourier representation of notes.

        Arguments
        ---------
        wave : torch.Tensor
            ``[B, N]`` (or ``[N]``) at :attr:`sample_rate`.

        Returns
        -------
        FourierCoefficients
        """
        spectrum = torch.fft.rfft(self._fit(wave).float(), n=self.n_samples)
        power = self._band_sums(spectrum.abs().pow(2))
        phasor = torch.complex(self._band_sums(spectrum.real), self._band_sums(spectrum.imag))
        empty = self.band_counts == 0
        near = spectrum[:, self.nearest_bin]
        power = torch.where(empty, near.abs().pow(2) * self.empty_weight, power)
        phasor = torch.where(empty, near, phasor)
        band_mag = power.sqrt()
        scale = band_mag.pow(2).mean(dim=1).sqrt().clamp_min(self.eps)
        magnitude = band_mag / scale.unsqueeze(1)
        phase = torch.remainder(torch.angle(phasor), 2 * math.pi)
        return FourierCoefficients(magnitude, phase, spectrum, scale)

    def _synthesise(self, spectrum):
        return torch.fft.irfft(spectrum, n=self.n_samples)

    def to_wave(self, coeffs, magnitude, phase):
        """Wave of a new representation ``(m', omega')`` of the notes ``coeffs``.

        Arguments
        ---------
        coeffs : FourierCoefficients
            The notes' own representation (holds their DFT).
        magnitude, phase : torch.Tensor
            ``[B, K]`` the new representation (power-normalised like
            ``coeffs.magnitude``).

        Returns
        -------
        torch.Tensor
            ``[B, n_samples]``.
        """
        inside = self.bin_band >= 0
        band = self.bin_band[inside]
        old_mag, new_mag = coeffs.magnitude[:, band], magnitude[:, band]
        rotation = torch.polar(torch.ones_like(new_mag), phase[:, band] - coeffs.phase[:, band])
        kept = coeffs.spectrum[:, inside] * (new_mag / old_mag.clamp_min(self.eps)) * rotation
        counts = self.band_counts[band].float()
        flat_mag = new_mag * coeffs.scale.unsqueeze(1) / counts.sqrt()
        flat = torch.polar(flat_mag, phase[:, band])
        spectrum = torch.zeros_like(coeffs.spectrum)
        spectrum[:, inside] = torch.where(old_mag > self.eps, kept, flat)
        return self._synthesise(spectrum)

    def kept_wave(self, coeffs, mask):
        """Listenable explanation ``IDFT(s . h)``: bins scaled by their band's mask.

        Arguments
        ---------
        coeffs : FourierCoefficients
        mask : torch.Tensor
            ``[B, K]`` in ``[0, 1]``.

        Returns
        -------
        torch.Tensor
            ``[B, n_samples]``.
        """
        inside = self.bin_band >= 0
        spectrum = torch.zeros_like(coeffs.spectrum)
        spectrum[:, inside] = coeffs.spectrum[:, inside] * mask[:, self.bin_band[inside]]
        return self._synthesise(spectrum)
