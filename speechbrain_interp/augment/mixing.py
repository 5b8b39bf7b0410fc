"""Stateless functions that mix a clean waveform with noise.

Two mixing rules are offered:

* :func:`mix_at_snr` scales the noise so that the mixture has an exact
  signal-to-noise ratio (energy over the whole clip) and only rescales the
  mixture when it would clip (peak above 1), which keeps the SNR intact.
* :func:`mix_unit_norm` reproduces the rule of SpeechBrain's upstream ESC50
  interpretability recipes: both signals are scaled to unit L2 norm, summed
  with weights (``(1, 1)`` is a 0 dB SNR mix, ``(0.8, 0.2)`` is the
  "mixture" condition) and the sum is divided by its absolute peak.

All functions work on ``[batch, time]`` tensors (a single ``[time]`` signal
also works) and never return NaN or infinite values: silent clean signals
receive no noise in :func:`mix_at_snr`, and silent noise stays silent.
A signal counts as silent when its absolute peak is at most
:data:`speechbrain_interp.audio.SILENCE_PEAK`.

Authors
 * speechbrain-interp developers 2026
"""

import torch

from speechbrain_interp.audio import SILENCE_PEAK

__all__ = ["measured_snr", "mix_at_snr", "mix_unit_norm", "scale_to_snr"]


def _energy(wave):
    """Energy (sum of squares) over the last dimension, in float64."""
    return wave.to(torch.float64).pow(2).sum(dim=-1)


def _peak(wave):
    """Absolute peak over the last dimension, keeping it: ``[..., 1]``."""
    return wave.abs().amax(dim=-1, keepdim=True)


def _as_batch_param(value, like):
    """Turns a float or ``[batch]`` tensor into a ``[..., 1]`` float64 tensor."""
    value = torch.as_tensor(value, dtype=torch.float64, device=like.device)
    if value.dim() > 0:
        value = value.reshape(value.shape + (1,))
    return value


def scale_to_snr(clean, noise, snr_db, silence=SILENCE_PEAK):
    """Scales ``noise`` so that ``clean`` over it has the given SNR.

    The gain ``g`` of each item solves
    ``10 * log10(sum(clean ** 2) / sum((g * noise) ** 2)) == snr_db``.
    A silent clean signal gets no noise (``g = 0``) and a silent noise
    segment stays zero, so the result is always finite.

    Arguments
    ---------
    clean : torch.Tensor
        ``[batch, time]`` (or ``[time]``) clean signals.
    noise : torch.Tensor
        Same shape as ``clean``.
    snr_db : float or torch.Tensor
        Wanted SNR in dB: one value, or one per item (``[batch]``).
    silence : float
        Peak amplitude at or below which a signal counts as silent.

    Returns
    -------
    torch.Tensor
        The scaled noise, same shape and dtype as ``noise``.

    Example
    -------
    >>> clean = torch.ones(2, 100)
    >>> noise = 3 * torch.ones(2, 100)
    >>> scaled = scale_to_snr(clean, noise, torch.tensor([0.0, 20.0]))
    >>> scaled[:, 0]
    tensor([1.0000, 0.1000])
    >>> scale_to_snr(torch.zeros(1, 4), torch.ones(1, 4), 0.0)
    tensor([[0., 0., 0., 0.]])
    """
    if clean.shape != noise.shape:
        raise ValueError(
            f"clean {tuple(clean.shape)} and noise {tuple(noise.shape)} "
            "must have the same shape"
        )
    snr = _as_batch_param(snr_db, clean)
    clean_energy = _energy(clean).unsqueeze(-1)
    noise_energy = _energy(noise).unsqueeze(-1)
    usable = (_peak(clean) > silence) & (_peak(noise) > silence)
    gain = torch.sqrt(
        clean_energy
        / (noise_energy.clamp_min(torch.finfo(torch.float64).tiny) * 10 ** (snr / 10))
    )
    gain = torch.where(usable, gain, torch.zeros_like(gain))
    return noise * gain.to(noise.dtype)


def mix_at_snr(
    clean, noise, snr_db, normalize=True, return_parts=False, silence=SILENCE_PEAK
):
    """Adds ``noise`` to ``clean`` at an exact SNR.

    ``mix = clean + scale_to_snr(clean, noise, snr_db)``. With ``normalize``,
    each item whose absolute peak exceeds 1 is divided by that peak; both
    parts are divided by the same factor, so the SNR is unchanged, and
    items that do not clip (including silence) are left as they are.

    Arguments
    ---------
    clean : torch.Tensor
        ``[batch, time]`` (or ``[time]``).
    noise : torch.Tensor
        Same shape as ``clean``.
    snr_db : float or torch.Tensor
        Wanted SNR in dB: one value or one per item (``[batch]``).
    normalize : bool
        Prevent clipping by dividing clipping items by their peak.
    return_parts : bool
        Also return the clean and noise components as they are in the mix.
    silence : float
        Peak amplitude at or below which a signal counts as silent.

    Returns
    -------
    mix : torch.Tensor
        ``[batch, time]``, with ``mix == clean_part + noise_part``.
    clean_part : torch.Tensor
        Only with ``return_parts``: ``clean`` times the per-item gain
        (1, or the inverse peak when the mix was normalised).
    noise_part : torch.Tensor
        Only with ``return_parts``: the scaled noise in the mix.

    Example
    -------
    >>> clean = torch.sin(torch.arange(800.0))
    >>> noise = torch.randn(800)
    >>> mix = mix_at_snr(clean, noise, 10.0, normalize=False)
    >>> round(float(measured_snr(clean, mix - clean)), 2)
    10.0
    >>> mix_at_snr(torch.zeros(3), torch.ones(3), 0.0)
    tensor([0., 0., 0.])
    """
    noise_part = scale_to_snr(clean, noise, snr_db, silence=silence)
    clean_part = clean
    mix = clean_part + noise_part
    if normalize:
        peak = _peak(mix)
        scale = torch.where(peak > 1.0, peak, torch.ones_like(peak))
        mix = mix / scale
        clean_part = clean_part / scale
        noise_part = noise_part / scale
    if return_parts:
        return mix, clean_part, noise_part
    return mix


def mix_unit_norm(
    clean, noise, weights=(1.0, 1.0), return_parts=False, silence=SILENCE_PEAK
):
    """Upstream-style mix: weighted sum of unit-norm signals, peak-normalised.

    ``mix = (w_c * c / ||c|| + w_n * n / ||n||) / max|.|`` per item. With
    the default weights this is a 0 dB SNR mix. A silent signal contributes
    nothing (it is not divided by its zero norm), so a silent clean signal
    gives pure (peak-normalised) noise, as upstream does, and a silent pair
    gives silence.

    Arguments
    ---------
    clean : torch.Tensor
        ``[batch, time]`` (or ``[time]``).
    noise : torch.Tensor
        Same shape as ``clean``.
    weights : tuple of float
        ``(w_c, w_n)`` applied to the unit-norm clean and noise signals.
    return_parts : bool
        Also return the clean and noise components as they are in the mix.
    silence : float
        Peak amplitude at or below which a signal counts as silent.

    Returns
    -------
    mix : torch.Tensor
        ``[batch, time]``, absolute peak 1 (or silence),
        ``mix == clean_part + noise_part``.
    clean_part : torch.Tensor
        Only with ``return_parts``.
    noise_part : torch.Tensor
        Only with ``return_parts``.

    Example
    -------
    >>> clean = torch.tensor([[3.0, 0.0, 4.0]])
    >>> noise = torch.tensor([[0.0, 2.0, 0.0]])
    >>> mix_unit_norm(clean, noise)
    tensor([[0.6000, 1.0000, 0.8000]])
    >>> mix_unit_norm(torch.zeros(1, 2), torch.zeros(1, 2))
    tensor([[0., 0.]])
    """
    if clean.shape != noise.shape:
        raise ValueError(
            f"clean {tuple(clean.shape)} and noise {tuple(noise.shape)} "
            "must have the same shape"
        )
    w_clean, w_noise = (float(w) for w in weights)

    def unit(wave):
        norm = _energy(wave).sqrt().unsqueeze(-1)
        loud = _peak(wave) > silence
        # norm >= peak > silence where loud, so the division is safe
        factor = torch.where(
            loud, 1.0 / norm.clamp_min(silence), torch.zeros_like(norm)
        )
        return wave * factor.to(wave.dtype)

    clean_part = w_clean * unit(clean)
    noise_part = w_noise * unit(noise)
    mix = clean_part + noise_part
    peak = _peak(mix)
    scale = torch.where(peak > silence, peak, torch.ones_like(peak))
    mix, clean_part, noise_part = mix / scale, clean_part / scale, noise_part / scale
    if return_parts:
        return mix, clean_part, noise_part
    return mix


def measured_snr(clean, noise):
    """SNR in dB of ``clean`` over ``noise`` (e.g. ``mix - clean``).

    ``10 * log10(sum(clean ** 2) / sum(noise ** 2))`` per item, computed in
    float64. The energies are clamped to the smallest positive float64, so
    the result stays finite (a huge positive value for zero noise).

    Arguments
    ---------
    clean : torch.Tensor
        ``[batch, time]`` (or ``[time]``).
    noise : torch.Tensor
        Same shape as ``clean``.

    Returns
    -------
    torch.Tensor
        ``[batch]`` (or a scalar), float64.

    Example
    -------
    >>> noise = torch.tensor([[1.0], [0.1]]) * torch.ones(2, 4)
    >>> measured_snr(torch.ones(2, 4), noise).round(decimals=4)
    tensor([ 0., 20.], dtype=torch.float64)
    """
    tiny = torch.finfo(torch.float64).tiny
    return 10 * torch.log10(
        _energy(clean).clamp_min(tiny) / _energy(noise).clamp_min(tiny)
    )
