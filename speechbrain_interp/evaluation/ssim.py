"""Structural similarity (SSIM) of single-channel spectrogram "images".

SSIM (Wang et al. 2004) compares local luminance, contrast and structure.
With Gaussian-weighted local means ``mu``, variances ``sigma^2`` and
covariance ``sigma_xy``::

    SSIM = (2 mu_x mu_y + C1) (2 sigma_xy + C2)
           / ((mu_x^2 + mu_y^2 + C1) (sigma_x^2 + sigma_y^2 + C2))

with ``C1 = (0.01 L)^2`` and ``C2 = (0.03 L)^2`` for data range ``L``. The
PV decoder loss (docs/methods.md section 5.5) uses it on the normalised
spectrogram with an 11-tap Gaussian window of standard deviation 1.5.

Authors
 * speechbrain-interp developers 2026
"""

import torch
import torch.nn.functional as F

from speechbrain_interp.float32 import float32_only

__all__ = ["gaussian_window", "ssim"]


def gaussian_window(size, sigma, dtype=torch.float32, device=None):
    """Normalised 1-D Gaussian window.

    Arguments
    ---------
    size : int
        Number of taps (odd, so the window has a centre tap).
    sigma : float
        Standard deviation in taps.
    dtype : torch.dtype
        Output dtype.
    device : torch.device, optional
        Output device.

    Returns
    -------
    torch.Tensor
        ``[size]``, non-negative, summing to 1.

    Example
    -------
    >>> w = gaussian_window(5, 1.5)
    >>> w.shape, round(float(w.sum()), 6), bool(w[2] == w.max())
    (torch.Size([5]), 1.0, True)
    """
    if size < 1 or size % 2 == 0:
        raise ValueError(f"window size must be a positive odd int, got {size}")
    if sigma <= 0:
        raise ValueError(f"sigma must be positive, got {sigma}")
    taps = torch.arange(size, dtype=dtype, device=device) - (size - 1) / 2
    window = torch.exp(-(taps**2) / (2 * sigma**2))
    return window / window.sum()


def _fitting_window(window_size, height, width):
    """Largest odd window size ``<= window_size`` that fits ``height x width``."""
    size = min(int(window_size), int(height), int(width))
    return size if size % 2 == 1 else size - 1


@float32_only
def ssim(x, y, window_size=11, sigma=1.5, data_range=1.0, eps=1e-12):
    """Mean SSIM of pairs of single-channel images, one value per example.

    Local statistics use a separable Gaussian window and 'valid' convolution
    (no padding), so only positions where the whole window lies inside the
    image enter the mean. If the image is smaller than the window along
    either axis (e.g. a few frames), the window shrinks to the largest odd
    size that fits, ``min(window_size, H, W)`` rounded down to odd; the
    Gaussian keeps its ``sigma``. A 1 x 1 window compares single pixels
    (luminance term only).

    Differentiable in both arguments. Float32 under mixed precision
    (:func:`~speechbrain_interp.float32.float32_only`): the variances are
    differences of nearly equal moments, mostly rounding error in bf16.

    Arguments
    ---------
    x, y : torch.Tensor
        ``[B, H, W]`` images (spectrograms ``[B, T, F]``) of the same shape.
    window_size : int
        Taps of the Gaussian window (odd).
    sigma : float
        Standard deviation of the Gaussian window, in taps.
    data_range : float
        Range ``L`` of the values (1 for images in ``[0, 1]``).
    eps : float
        Floor of the denominator, a guard against division by zero for a
        tiny ``data_range`` (otherwise ``C1 * C2`` already exceeds it, so the
        result is unaffected).

    Returns
    -------
    torch.Tensor
        ``[B]`` mean SSIM per example, at most 1 (equal images give 1).

    Example
    -------
    >>> x = torch.rand(2, 40, 30)
    >>> ssim(x, x)
    tensor([1., 1.])
    >>> bool((ssim(x, torch.rand(2, 40, 30)) < 0.2).all())
    True
    >>> ssim(x[:, :4], x[:, :4].flip(1)).shape  # 4 frames: 3x3 window
    torch.Size([2])
    """
    if x.dim() != 3 or x.shape != y.shape:
        raise ValueError(
            f"ssim expects two [B, H, W] tensors of the same shape, got "
            f"{tuple(x.shape)} and {tuple(y.shape)}"
        )
    if window_size < 1 or window_size % 2 == 0:
        raise ValueError(f"window_size must be a positive odd int, got {window_size}")
    if data_range <= 0:
        raise ValueError(f"data_range must be positive, got {data_range}")
    batch, height, width = x.shape
    size = _fitting_window(window_size, height, width)
    window = gaussian_window(size, sigma, dtype=x.dtype, device=x.device)
    c1 = (0.01 * data_range) ** 2
    c2 = (0.03 * data_range) ** 2

    # the five local moments in one separable 'valid' convolution, each map
    # a channel of one depthwise convolution (about 4x faster on CPU than
    # one-channel maps in the batch)
    maps = torch.cat([x, y, x * x, y * y, x * y], dim=0).unsqueeze(0)
    n_maps = maps.shape[1]
    maps = F.conv2d(maps, window.view(1, 1, size, 1).expand(n_maps, 1, size, 1), groups=n_maps)
    maps = F.conv2d(maps, window.view(1, 1, 1, size).expand(n_maps, 1, 1, size), groups=n_maps)
    mu_x, mu_y, xx, yy, xy = maps.squeeze(0).split(batch, dim=0)
    # not clamped at 0: rounding errors (~1e-8) are negligible next to C2,
    # and unclamped moments give exactly 1 for x == y
    var_x = xx - mu_x * mu_x
    var_y = yy - mu_y * mu_y
    cov = xy - mu_x * mu_y

    numerator = (2 * mu_x * mu_y + c1) * (2 * cov + c2)
    denominator = (mu_x**2 + mu_y**2 + c1) * (var_x + var_y + c2)
    return (numerator / denominator.clamp_min(eps)).mean(dim=(1, 2))
