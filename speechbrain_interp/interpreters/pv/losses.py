"""Target normalisation and training loss of the PV decoder.

The decoder ends with a sigmoid, so its targets are log spectrograms mapped
to ``[0, 1]`` by a global min-max range (:class:`SpectrogramRange`). The
loss (PV paper Eq. 6-9, docs/methods.md sections 5.3 and 5.5) is::

    L = a1 * MSE(y, x) + a2 * (1 - SSIM(y, x)) + a3 * MSE(E(y), z)

with ``a_i >= 0``, ``sum a_i = 1`` and ``a = (0.2, 0.4, 0.4)`` by default.

Authors
 * speechbrain-interp developers 2026
"""

import math

import torch
import torch.nn.functional as F
from torch import nn

from speechbrain_interp.evaluation.ssim import ssim

__all__ = ["SpectrogramRange", "pv_loss"]


class SpectrogramRange(nn.Module):
    """Global min-max normalisation of log spectrograms to ``[0, 1]``.

    The range is a *dataset* statistic: :meth:`update` keeps the running
    minimum and maximum over every batch it is shown (typically the training
    set before decoder training). Per-utterance statistics would be wrong
    here: they would hand the decoder the input's own level and dynamic range
    through the target scaling (and through :meth:`denormalise`), i.e.
    information about ``x`` that does not come from the latent ``z``
    (docs/methods.md section 5.5).

    ``low`` and ``high`` are buffers, so the range is saved and restored with
    the state_dict (checkpoints of the decoder's recipe).

    Example
    -------
    >>> rng = SpectrogramRange()
    >>> rng.fitted
    False
    >>> rng.update(torch.tensor([[[0.0, 2.0], [1.0, 3.0]]]))
    >>> rng.update(torch.tensor([[[-1.0, 0.5]]]))
    >>> float(rng.low), float(rng.high)
    (-1.0, 3.0)
    >>> rng.normalise(torch.tensor([[[-1.0, 1.0, 5.0]]]))
    tensor([[[0.0000, 0.5000, 1.0000]]])
    >>> rng.denormalise(torch.tensor([0.25]))
    tensor([0.])
    """

    def __init__(self):
        super().__init__()
        self.register_buffer("low", torch.tensor(math.inf))
        self.register_buffer("high", torch.tensor(-math.inf))

    @property
    def fitted(self):
        """Whether :meth:`update` has seen at least one value."""
        return bool(torch.isfinite(self.low) and torch.isfinite(self.high))

    @torch.no_grad()
    def update(self, x):
        """Widens the range to cover the batch ``x`` (any shape, not empty)."""
        if x.numel() == 0:
            raise ValueError("SpectrogramRange.update got an empty tensor")
        x = x.detach()
        if not torch.isfinite(x).all():
            raise ValueError("SpectrogramRange.update got non-finite values")
        self.low.copy_(torch.minimum(self.low, x.min().to(self.low)))
        self.high.copy_(torch.maximum(self.high, x.max().to(self.high)))

    def _span(self):
        """``high - low``, after checking the range is usable."""
        if not self.fitted:
            raise RuntimeError(
                "SpectrogramRange has no statistics yet: call update() on the "
                "training spectrograms (or load a state_dict) first"
            )
        span = self.high - self.low
        if span <= 0:
            raise RuntimeError(
                f"SpectrogramRange is empty (low = high = {float(self.low)}): "
                "update() has only seen one value"
            )
        return span

    def normalise(self, x):
        """``(x - low) / (high - low)``, clamped to ``[0, 1]``."""
        span = self._span()
        return ((x - self.low) / span).clamp(0.0, 1.0)

    def denormalise(self, y):
        """Inverse of :meth:`normalise` on ``[0, 1]``: ``low + y (high - low)``."""
        span = self._span()
        return self.low + y * span

    def forward(self, x):
        """Same as :meth:`normalise`."""
        return self.normalise(x)


def _check_alphas(alphas):
    """Validates the loss weights (PV Eq. 6): three non-negative, sum 1."""
    try:
        values = [float(a) for a in alphas]
    except (TypeError, ValueError):
        raise ValueError(f"alphas must be three numbers, got {alphas!r}") from None
    if len(values) != 3:
        raise ValueError(f"alphas must be three numbers (MSE, SSIM, DSIM), got {alphas!r}")
    if not all(math.isfinite(a) and a >= 0 for a in values):
        raise ValueError(f"alphas must be non-negative, got {alphas!r}")
    if abs(sum(values) - 1.0) > 1e-6:
        raise ValueError(f"alphas must sum to 1 (PV Eq. 6), got {alphas!r} (sum {sum(values)})")
    return values


def pv_loss(
    reconstruction,
    target,
    z_reconstruction,
    z,
    alphas=(0.2, 0.4, 0.4),
    window_size=11,
    sigma=1.5,
):
    """PV decoder loss: pixel MSE, structural (SSIM) and latent (DSIM) terms.

    Terms (each a mean, so the scale does not depend on the batch size or
    the spectrogram size, and one learning rate suits 80- and 513-bin
    targets; the paper sums over the batch and pixels):

    * ``"mse"``: mean squared error between ``reconstruction`` and ``target``.
    * ``"ssim"``: ``1 - mean SSIM`` (data range 1). The paper's
      ``L_SSIM = -SSIM`` differs from it by a constant, so the gradients are
      the same; this form is ``>= 0`` and ``0`` for a perfect reconstruction.
    * ``"dsim"``: mean squared error between the re-encoded reconstruction
      ``E(y)`` and the latent ``z = E(x)``; it ties the reconstruction to
      what the classifier encodes rather than to the input alone.
    * ``"loss"``: ``a1 * mse + a2 * ssim + a3 * dsim``.

    ``target`` and ``z`` are constants (detached): only the decoder is
    trained.

    Arguments
    ---------
    reconstruction : torch.Tensor
        ``[B, T, F]`` decoder output ``y`` in ``[0, 1]``.
    target : torch.Tensor
        ``[B, T, F]`` normalised input spectrogram ``x`` in ``[0, 1]``.
    z_reconstruction : torch.Tensor
        ``E(y)``, same shape as ``z`` (for a 513-bin target, ``y`` goes
        through denormalisation, mel filterbank and log1p before ``E``).
    z : torch.Tensor
        ``E(x)``, the latent the decoder was given.
    alphas : sequence of float
        Weights ``(a1, a2, a3)``: non-negative, summing to 1.
    window_size : int
        Gaussian window of the SSIM.
    sigma : float
        Standard deviation of the SSIM window.

    Returns
    -------
    dict of torch.Tensor
        Scalars ``"loss"``, ``"mse"``, ``"ssim"``, ``"dsim"``.

    Example
    -------
    >>> x, z = torch.rand(2, 40, 16), torch.rand(2, 8, 2, 1)
    >>> terms = pv_loss(x, x, z, z)
    >>> sorted(terms), float(terms["loss"])
    (['dsim', 'loss', 'mse', 'ssim'], 0.0)
    >>> terms = pv_loss(torch.zeros(2, 40, 16), torch.ones(2, 40, 16), z, z)
    >>> float(terms["mse"]), round(float(terms["ssim"]), 4)
    (1.0, 0.9999)
    """
    a_mse, a_ssim, a_dsim = _check_alphas(alphas)
    if reconstruction.shape != target.shape:
        raise ValueError(
            f"reconstruction {tuple(reconstruction.shape)} and target "
            f"{tuple(target.shape)} must have the same shape"
        )
    if z_reconstruction.shape != z.shape:
        raise ValueError(
            f"z_reconstruction {tuple(z_reconstruction.shape)} and z "
            f"{tuple(z.shape)} must have the same shape"
        )
    target = target.detach()
    z = z.detach()
    mse = F.mse_loss(reconstruction, target)
    ssim_term = 1.0 - ssim(reconstruction, target, window_size=window_size, sigma=sigma).mean()
    dsim = F.mse_loss(z_reconstruction, z)
    loss = a_mse * mse + a_ssim * ssim_term + a_dsim * dsim
    return {"loss": loss, "mse": mse, "ssim": ssim_term, "dsim": dsim}
