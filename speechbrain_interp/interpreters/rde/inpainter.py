"""Fourier-domain in-painter G(h, s, z) for RDE on NSynth notes.

Residual 1-D CNN of the RDE paper (Kolek et al., table 3; docs/methods.md section
4.5) that fills masked-out frequencies of a note's Fourier representation
``h = (m, w)``: power-normalised magnitude ``m`` and phase ``w`` on ``K = 1024``
log-spaced frequencies. Noise enters twice: three ``N(0, 1)`` channels in the
input and 16 channels concatenated to the deepest encoder features, so that
repeated calls draw different obfuscations ``v ~ V_s``.

Layer table (lengths for ``K = 1024``)::

    input  [s_m*m, s_w*w, s_m, s_w, z1, z2, z3]      ( 7, 1024)
    e1 Conv1d(7->32,    k=21, s=1, p=10) ReLU          ( 32, 1024)
    e2 Conv1d(32->64,   k=21, s=2, p=0)  ReLU BN       ( 64,  502)
    e3 Conv1d(64->128,  k=21, s=2, p=0)  ReLU BN       (128,  241)
    e4 Conv1d(128->16,  k=21, s=2, p=1)  ReLU BN       ( 16,  112)
    concat 16 noise channels                           ( 32,  112)
    d1 ConvT1d(32->64,  k=21, s=2, p=0)  ReLU BN       ( 64,  243)
    d2 ConvT1d(64->128, k=21, s=2, p=0)  ReLU BN       (128,  505)
    d3 ConvT1d(128->64, k=20, s=2, p=2)  ReLU BN       ( 64, 1024)
    concat [d3, e1, input]                             (103, 1024)
    o1 Conv1d(103->128, k=7, p=3) ReLU                 (128, 1024)
    o2 Conv1d(128->2,   k=7, p=3) ReLU                 (  2, 1024)

737,266 trainable parameters, as in the paper.

Authors
 * speechbrain-interp developers 2026
"""

import torch
from torch import nn

from speechbrain_interp.recorded import Recorded

__all__ = ["FourierInpainter"]


def _noise(shape, reference, generator=None):
    """Standard normal noise shaped ``shape`` on ``reference``'s device/dtype.

    The noise is drawn on the generator's device (a CPU generator can drive a
    model on another device) and then moved.
    """
    device = generator.device if generator is not None else reference.device
    z = torch.randn(shape, generator=generator, device=device, dtype=reference.dtype)
    return z.to(reference.device)


class FourierInpainter(Recorded, nn.Module):
    """In-painting generator over a note's magnitude and phase spectra.

    Given the note ``h = (m, w)`` and a mask ``s = (s_m, s_w)`` with one value
    per part and frequency (1 = keep, 0 = obfuscate), the network sees
    ``[s_m*m, s_w*w, s_m, s_w, z1, z2, z3]`` and predicts a full magnitude
    (``>= 0``) and phase (``>= 0``, not wrapped; only ``cos``/``sin`` of it
    matter downstream). :meth:`inpaint` composes ``s*h + (1-s)*G(h, s, z)``,
    the obfuscation used by RDE. Everything is differentiable w.r.t. the mask,
    which the RDE solver relies on.

    Only ``K = 1024`` frequencies are supported: the strides and paddings of
    the layer table are tied to that length.

    For RDE, put the trained in-painter in ``eval()`` mode (BatchNorm running
    statistics); the noise stays random in both modes.

    Example
    -------
    >>> g = FourierInpainter()
    >>> sum(p.numel() for p in g.parameters())
    737266
    >>> m, w = torch.rand(2, 1024), 2 * torch.pi * torch.rand(2, 1024)
    >>> mask = torch.ones(2, 2, 1024)
    >>> m_hat, w_hat = g(m, w, mask)
    >>> m_hat.shape, bool((m_hat >= 0).all() and (w_hat >= 0).all())
    (torch.Size([2, 1024]), True)
    >>> m_out, w_out = g.inpaint(m, w, mask)
    >>> torch.equal(m_out, m) and torch.equal(w_out, w)
    True
    """

    #: number of frequencies the layer table is built for
    N_FREQS = 1024
    #: noise channels in the input (7 channels = 4 data + 3 noise)
    N_INPUT_NOISE = 3
    #: noise channels concatenated to the deepest encoder features
    N_DEEP_NOISE = 16

    def __init__(self):
        super().__init__()
        in_channels = 4 + self.N_INPUT_NOISE
        self.e1 = nn.Conv1d(in_channels, 32, 21, stride=1, padding=10)
        self.e2 = nn.Conv1d(32, 64, 21, stride=2, padding=0)
        self.e3 = nn.Conv1d(64, 128, 21, stride=2, padding=0)
        self.e4 = nn.Conv1d(128, 16, 21, stride=2, padding=1)
        self.bn_e2 = nn.BatchNorm1d(64)
        self.bn_e3 = nn.BatchNorm1d(128)
        self.bn_e4 = nn.BatchNorm1d(16)
        self.d1 = nn.ConvTranspose1d(16 + self.N_DEEP_NOISE, 64, 21, stride=2, padding=0)
        self.d2 = nn.ConvTranspose1d(64, 128, 21, stride=2, padding=0)
        self.d3 = nn.ConvTranspose1d(128, 64, 20, stride=2, padding=2)
        self.bn_d1 = nn.BatchNorm1d(64)
        self.bn_d2 = nn.BatchNorm1d(128)
        self.bn_d3 = nn.BatchNorm1d(64)
        self.o1 = nn.Conv1d(64 + 32 + in_channels, 128, 7, padding=3)
        self.o2 = nn.Conv1d(128, 2, 7, padding=3)
        # one nn.ReLU module per use (hooks and guided methods see each)
        for name in ("e1", "e2", "e3", "e4", "d1", "d2", "d3", "o1", "o2"):
            self.add_module(f"relu_{name}", nn.ReLU())

    def _check(self, magnitude, phase, mask):
        """Validates shapes: ``[B, K]``, ``[B, K]``, ``[B, 2, K]`` with ``K = 1024``."""
        if magnitude.dim() != 2 or phase.shape != magnitude.shape:
            raise ValueError(
                "magnitude and phase must both be [B, K], got "
                f"{tuple(magnitude.shape)} and {tuple(phase.shape)}"
            )
        batch, n_freqs = magnitude.shape
        if n_freqs != self.N_FREQS:
            raise ValueError(
                f"FourierInpainter only supports K = {self.N_FREQS} frequencies "
                f"(its layer table is built for that length), got K = {n_freqs}"
            )
        if tuple(mask.shape) != (batch, 2, n_freqs):
            raise ValueError(
                f"mask must be [B, 2, K] = {(batch, 2, n_freqs)}, got {tuple(mask.shape)}"
            )

    def forward(self, magnitude, phase, mask, generator=None):
        """Predicts full spectra from the kept parts.

        Arguments
        ---------
        magnitude : torch.Tensor
            ``[B, K]`` power-normalised magnitude (``K = 1024``).
        phase : torch.Tensor
            ``[B, K]`` phase in ``[0, 2*pi)``.
        mask : torch.Tensor
            ``[B, 2, K]`` in ``[0, 1]``; part 0 gates the magnitude, part 1
            the phase (1 = kept).
        generator : torch.Generator, optional
            Source of the noise ``z`` (reproducible obfuscations).

        Returns
        -------
        magnitude_hat : torch.Tensor
            ``[B, K]``, ``>= 0``.
        phase_hat : torch.Tensor
            ``[B, K]``, ``>= 0`` (not wrapped to ``[0, 2*pi)``).
        """
        self._check(magnitude, phase, mask)
        mask = mask.to(magnitude.dtype)
        batch, n_freqs = magnitude.shape
        z_in = _noise((batch, self.N_INPUT_NOISE, n_freqs), magnitude, generator)
        x = torch.cat(
            [
                (mask[:, 0] * magnitude).unsqueeze(1),
                (mask[:, 1] * phase).unsqueeze(1),
                mask,
                z_in,
            ],
            dim=1,
        )
        # encoder: Conv -> ReLU (-> BN)
        h1 = self.relu_e1(self.e1(x))
        h = self.bn_e2(self.relu_e2(self.e2(h1)))
        h = self.bn_e3(self.relu_e3(self.e3(h)))
        h = self.bn_e4(self.relu_e4(self.e4(h)))
        # noise in the deep features
        z_deep = _noise((batch, self.N_DEEP_NOISE, h.shape[-1]), h, generator)
        h = torch.cat([h, z_deep], dim=1)
        # decoder: ConvTranspose -> ReLU -> BN
        h = self.bn_d1(self.relu_d1(self.d1(h)))
        h = self.bn_d2(self.relu_d2(self.d2(h)))
        h = self.bn_d3(self.relu_d3(self.d3(h)))
        # skip connections to the first layer's features and the raw input
        h = torch.cat([h, h1, x], dim=1)
        h = self.relu_o1(self.o1(h))
        out = self.relu_o2(self.o2(h))
        return out[:, 0], out[:, 1]

    def inpaint(self, magnitude, phase, mask, generator=None):
        """Obfuscation ``s*h + (1-s)*G(h, s, z)`` per part.

        Arguments
        ---------
        magnitude, phase : torch.Tensor
            ``[B, K]`` note representation.
        mask : torch.Tensor
            ``[B, 2, K]`` in ``[0, 1]`` (1 = kept).
        generator : torch.Generator, optional
            Source of the noise ``z``.

        Returns
        -------
        magnitude, phase : torch.Tensor
            ``[B, K]`` each; bins with ``mask == 1`` equal the input exactly.

        Example
        -------
        >>> g = FourierInpainter().eval()
        >>> m, w = torch.rand(1, 1024), torch.rand(1, 1024)
        >>> mask = torch.zeros(1, 2, 1024)
        >>> mask[:, :, :512] = 1
        >>> m_out, w_out = g.inpaint(m, w, mask)
        >>> torch.equal(m_out[:, :512], m[:, :512])
        True
        """
        # imported here: rde may import models, keep the package graph acyclic
        from speechbrain_interp.interpreters.rde.inpainting import compose

        magnitude_fill, phase_fill = self(magnitude, phase, mask, generator=generator)
        return compose(magnitude, phase, magnitude_fill, phase_fill, mask)
