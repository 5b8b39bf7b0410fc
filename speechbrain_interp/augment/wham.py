"""WHAM! noise augmentation: random noise-bank crops mixed into batches.

:class:`WhamAugment` mixes crops of a
:class:`speechbrain_interp.data.wham.NoiseBank` into batches of clean
waveforms, at an SNR drawn per item in ``[snr_low, snr_high]`` dB (upstream
SpeechBrain's 0 dB unit-norm sum is kept as ``mode="unit_norm_sum"``).

Where noise is used is the caller's decision: upstream adds it in every
stage (train, valid, test). :class:`WhamAugment` adds noise whenever it is
called, whatever ``module.training`` says; recipes call it on training
batches only by default, and an evaluation condition that wants noisy
valid/test data (the in-domain "noisy" condition) calls it explicitly,
ideally with a bank on ``cv``/``tt`` and its own seed, so that the noisy
test set is the same at every run.

Authors
 * speechbrain-interp developers 2026
"""

import torch

from speechbrain_interp.augment.mixing import mix_at_snr, mix_unit_norm

__all__ = ["WhamAugment"]

class WhamAugment(torch.nn.Module):
    """Adds random noise-bank segments to a batch of waveforms.

    For each item: with probability ``prob`` it is augmented, an SNR is
    drawn uniformly in ``[snr_low, snr_high]`` dB and a noise segment as
    long as the input is drawn from the bank; the two are mixed with
    :func:`~speechbrain_interp.augment.mixing.mix_at_snr` (``mode="snr"``,
    peak-normalised only when the mix would clip) or with
    :func:`~speechbrain_interp.augment.mixing.mix_unit_norm`
    (``mode="unit_norm_sum"``, the upstream recipe's rule; the SNR range is
    then unused). All draws come from the bank's generator, in this order
    per call: ``B`` uniforms for ``prob``, ``B`` SNRs, then the bank's draws
    for the augmented items only. Noise is added at every call, whatever
    ``self.training`` says (see the module docstring).

    Arguments
    ---------
    noise_bank : speechbrain_interp.data.wham.NoiseBank
        Where the noise comes from (same ``sample_rate`` as the waveforms).
    snr_low : float
        Lowest SNR in dB.
    snr_high : float
        Highest SNR in dB.
    mode : str
        ``"snr"`` or ``"unit_norm_sum"``.
    prob : float
        Probability of augmenting each item.
    weights : tuple of float
        ``(clean, noise)`` weights of ``"unit_norm_sum"`` mode; ``(1, 1)``
        is upstream's 0 dB training mix, ``(0.8, 0.2)`` its "mixture".

    Example
    -------
    >>> from speechbrain.dataio import audio_io
    >>> from speechbrain_interp.data.wham import NoiseBank
    >>> folder = getfixture("tmpdir")
    >>> audio_io.save(str(folder / "noise.wav"), 0.1 * torch.randn(8000), 8000)
    >>> bank = NoiseBank(str(folder), 8000, 4000, subset=None, seed=0)
    >>> augment = WhamAugment(bank, snr_low=5.0, snr_high=5.0)
    >>> clean = torch.sin(torch.arange(2 * 6000.0)).reshape(2, 6000)
    >>> noisy, noise = augment(clean, return_noise=True)
    >>> noisy.shape, noise.shape
    (torch.Size([2, 6000]), torch.Size([2, 6000]))
    >>> from speechbrain_interp.augment.mixing import measured_snr
    >>> measured_snr(noisy - noise, noise).round(decimals=3)
    tensor([5., 5.], dtype=torch.float64)
    """

    MODES = ("snr", "unit_norm_sum")

    def __init__(
        self,
        noise_bank,
        snr_low=0.0,
        snr_high=15.0,
        mode="snr",
        prob=1.0,
        weights=(1.0, 1.0),
    ):
        super().__init__()
        if mode not in self.MODES:
            raise ValueError(f"mode must be one of {self.MODES}, got {mode!r}")
        if snr_low > snr_high:
            raise ValueError(f"snr_low ({snr_low}) > snr_high ({snr_high})")
        if not 0.0 <= prob <= 1.0:
            raise ValueError(f"prob must be in [0, 1], got {prob}")
        self.noise_bank = noise_bank
        self.snr_low = float(snr_low)
        self.snr_high = float(snr_high)
        self.mode = mode
        self.prob = float(prob)
        self.weights = tuple(float(w) for w in weights)

    @property
    def generator(self):
        """The generator every draw comes from (the bank's)."""
        return self.noise_bank.generator

    def forward(self, wave, lengths=None, return_noise=False):
        """Returns noisy copies of ``wave``.

        Arguments
        ---------
        wave : torch.Tensor
            ``[batch, time]`` (or ``[time]``) clean waveforms.
        lengths : torch.Tensor, optional
            ``[batch]`` relative lengths (SpeechBrain convention); noise is
            only added to, and the SNR only measured over, the valid part
            (padding stays zero).
        return_noise : bool
            Also return the noise component of the output.

        Returns
        -------
        noisy : torch.Tensor
            Same shape as ``wave``; items not augmented are unchanged.
        noise : torch.Tensor
            Only with ``return_noise``: the noise in ``noisy`` (zero for
            items not augmented). ``noisy - noise`` is the clean part as it
            sounds in the mix: ``wave`` times a per-item gain (1, or less
            when the mix was rescaled against clipping / normalised).
        """
        squeeze = wave.dim() == 1
        if squeeze:
            wave = wave.unsqueeze(0)
            lengths = None if lengths is None else torch.as_tensor(lengths).view(1)
        (batch, time), gen, device = wave.shape, self.generator, wave.device
        applied = torch.rand(batch, generator=gen) < self.prob
        snr = torch.rand(batch, generator=gen, dtype=torch.float64)
        snr = self.snr_low + (self.snr_high - self.snr_low) * snr
        noisy, noise_out = wave, torch.zeros_like(wave)
        rows = applied.nonzero().flatten()
        if len(rows) > 0:
            noise = self.noise_bank.sample(len(rows), time).to(device, wave.dtype)
            if lengths is not None:
                valid = torch.as_tensor(lengths).to("cpu", torch.float64)[rows]
                mask = torch.arange(time) < torch.round(valid * time)[:, None]
                noise = noise * mask.to(device)
            clean = wave[rows.to(device)]
            if self.mode == "snr":
                parts = mix_at_snr(clean, noise, snr[rows], return_parts=True)
            else:
                parts = mix_unit_norm(clean, noise, self.weights, return_parts=True)
            noisy = wave.clone()
            noisy[rows.to(device)] = parts[0]
            noise_out[rows.to(device)] = parts[2]
        if squeeze:
            noisy, noise_out = noisy[0], noise_out[0]
        return (noisy, noise_out) if return_noise else noisy

    def extra_repr(self):
        snr = f"snr=[{self.snr_low}, {self.snr_high}] dB"
        return f"mode={self.mode!r}, {snr}, prob={self.prob}, bank={self.noise_bank!r}"
