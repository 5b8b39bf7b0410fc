"""Obfuscations ``y = s . h + (1 - s) . v`` of RDE (paper section 3.1.1, table 1).

An obfuscation is a callable ``obfuscate(h, s, n_samples, generator)``:

* ``h`` ``[B, *shape]``: the coefficients of the inputs (an STFT magnitude
  ``[B, T, F]``, or a note's Fourier representation ``[B, 2, K]`` with the
  magnitude in row 0 and the phase in row 1);
* ``s`` ``[B, *shape]``: the mask, already expanded to the coefficients'
  shape (the solver maps group masks onto coefficients);
* returns ``y`` ``[n_samples, B, *shape]``, differentiable w.r.t. ``s``.

Three strategies, out of and in distribution:

* :class:`ConstantObfuscation`: ``v`` a fixed value per part (0 by default);
* :class:`GaussianObfuscation`: ``v ~ N(mu, sigma^2)`` with the mean and
  standard deviation of each input's own coefficients, per part (the RDE
  paper's pixel setting), clipped below at ``min_value`` (a magnitude stays
  non-negative);
* :class:`InpainterObfuscation`: ``v = G(s . h, s, z)`` with a trained
  :class:`~speechbrain_interp.interpreters.rde.inpainter.FourierInpainter`, which keeps
  ``y`` near the data (paper Example 5).

Authors
 * speechbrain-interp developers 2026
"""

import math

import torch

__all__ = ["ConstantObfuscation", "GaussianObfuscation", "InpainterObfuscation",
           "build_obfuscation", "blend"]


def blend(h, s, v):
    """``s . h + (1 - s) . v`` (the one implementation of the RDE obfuscation).

    Example
    -------
    >>> blend(torch.tensor([2.0, 2.0]), torch.tensor([1.0, 0.25]), torch.zeros(2)).tolist()
    [2.0, 0.5]
    """
    return s * h + (1 - s) * v


def _part_stats(h, part_dim):
    """Mean and std ``[B, P, 1...]`` of each part (``part_dim`` = 1) or of the whole input."""
    if part_dim is None:
        flat = h.reshape(h.shape[0], -1)
        shape = (h.shape[0],) + (1,) * (h.dim() - 1)
        return flat.mean(1).view(shape), flat.std(1).view(shape)
    flat = h.reshape(h.shape[0], h.shape[1], -1)
    shape = h.shape[:2] + (1,) * (h.dim() - 2)
    return flat.mean(2).view(shape), flat.std(2).view(shape)


class ConstantObfuscation:
    """``v`` = a constant (per part when a sequence is given).

    Arguments
    ---------
    value : float or sequence of float
        The constant; a sequence gives one value per row of dimension 1
        (e.g. ``(0.0, 0.0)`` for magnitude and phase).

    Example
    -------
    >>> ob = ConstantObfuscation(0.0)
    >>> ob(torch.ones(1, 3), torch.tensor([[1.0, 0.0, 0.5]]), 2).tolist()
    [[[1.0, 0.0, 0.5]], [[1.0, 0.0, 0.5]]]
    """

    def __init__(self, value=0.0):
        self.value = value

    def __call__(self, h, s, n_samples, generator=None):
        if isinstance(self.value, (list, tuple)):
            v = torch.tensor(self.value, dtype=h.dtype, device=h.device)
            v = v.view((1, -1) + (1,) * (h.dim() - 2))
        else:
            v = torch.full((), float(self.value), dtype=h.dtype, device=h.device)
        return blend(h, s, v).unsqueeze(0).expand(n_samples, *h.shape)


class GaussianObfuscation:
    """``v ~ N(mu, sigma^2)``, mean and std of each input's coefficients.

    Arguments
    ---------
    per_part : bool
        Statistics per row of dimension 1 (magnitude and phase of a note)
        instead of over the whole input.
    min_value : float or None
        Lower clip of ``v`` (0 keeps magnitudes non-negative).

    Example
    -------
    >>> g = torch.Generator().manual_seed(0)
    >>> h = torch.rand(2, 2, 16)
    >>> y = GaussianObfuscation(per_part=True)(h, torch.zeros_like(h), 3, g)
    >>> y.shape, bool((y >= 0).all())
    (torch.Size([3, 2, 2, 16]), True)
    """

    def __init__(self, per_part=False, min_value=0.0):
        self.per_part = bool(per_part)
        self.min_value = min_value

    def __call__(self, h, s, n_samples, generator=None):
        mean, std = _part_stats(h.detach(), 1 if self.per_part else None)
        noise = torch.randn((n_samples,) + tuple(h.shape), generator=generator,
                            dtype=h.dtype).to(h.device)
        v = mean + std * noise
        if self.min_value is not None:
            v = v.clamp_min(self.min_value)
        return blend(h, s, v)


class InpainterObfuscation:
    """``v = G(s . h, s, z)``: a trained in-painter fills what the mask drops.

    Arguments
    ---------
    inpainter : speechbrain_interp.interpreters.rde.inpainter.FourierInpainter
        Trained (kept frozen here); inputs ``h`` are ``[B, 2, K]``
        (magnitude, phase) and masks ``[B, 2, K]``.
    phase : str
        ``"inpainter"``: G's phase; ``"uniform"``: ``U(0, 2 pi)`` phases, the
        marginal of a note's phase. An in-painter trained by regression (L1
        and ``1 - cos``) predicts the conditional mode of the phase, which
        for notes with random partial phases is a fixed, "locked"-looking
        pattern rather than a sample; the uniform draw keeps the phase
        obfuscation in distribution (used by the magnitude-versus-phase
        query, see the NSynth recipe README).

    Example
    -------
    >>> from speechbrain_interp.interpreters.rde.inpainter import FourierInpainter
    >>> ob = InpainterObfuscation(FourierInpainter())
    >>> h = torch.rand(2, 2, 1024)
    >>> s = torch.ones(2, 2, 1024)
    >>> y = ob(h, s, 3, torch.Generator().manual_seed(0))
    >>> y.shape, bool(torch.allclose(y[0], h))
    (torch.Size([3, 2, 2, 1024]), True)
    """

    def __init__(self, inpainter, phase="inpainter"):
        if phase not in ("inpainter", "uniform"):
            raise ValueError(f"phase must be 'inpainter' or 'uniform', got {phase!r}")
        self.inpainter = inpainter.eval().requires_grad_(False)
        self.phase = phase

    def __call__(self, h, s, n_samples, generator=None):
        batch = h.shape[0]
        hh = h.unsqueeze(0).expand(n_samples, *h.shape).reshape(-1, *h.shape[1:])
        ss = s.unsqueeze(0).expand(n_samples, *s.shape).reshape(-1, *s.shape[1:])
        fill_m, fill_p = self.inpainter(hh[:, 0], hh[:, 1], ss, generator=generator)
        if self.phase == "uniform":
            fill_p = 2 * math.pi * torch.rand(fill_p.shape, generator=generator).to(fill_p)
        v = torch.stack([fill_m, fill_p], dim=1)
        return blend(hh, ss, v).view(n_samples, batch, *h.shape[1:])


def build_obfuscation(name, inpainter=None, **kwargs):
    """An obfuscation by name: ``"constant"``, ``"gaussian"`` or ``"inpainter"``.

    Example
    -------
    >>> type(build_obfuscation("gaussian", per_part=True)).__name__
    'GaussianObfuscation'
    """
    if name == "constant":
        return ConstantObfuscation(**kwargs)
    if name == "gaussian":
        return GaussianObfuscation(**kwargs)
    if name == "inpainter":
        if inpainter is None:
            raise ValueError("the 'inpainter' obfuscation needs a trained in-painter")
        return InpainterObfuscation(inpainter, **kwargs)
    raise ValueError(f"unknown obfuscation {name!r}: choose constant, gaussian or inpainter")
