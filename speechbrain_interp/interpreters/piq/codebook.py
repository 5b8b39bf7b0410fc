"""PIQ's class-partitioned codebook and its adapter block.

The codebook's entries are split between the classes (:func:`partition_codes`);
a representation explained as class ``c`` is quantised with ``c``'s codes
only (:class:`ClassPartitionedVQ`, paper Eq. 1, docs/methods.md section 1).
"""

from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from speechbrain_interp.float32 import autocast_off

__all__ = ["ClassPartitionedVQ", "ResBlock", "VQOutput", "partition_codes"]


def partition_codes(n_codes, n_classes):
    """Class of every code: ``round(linspace(-0.5, C - 0.51, n_codes))``.

    Deterministic and near-uniform for any sizes (docs/methods.md 1.3): every
    class gets codes; the counts differ by at most one code or about 1%
    (the last class is the short one).

    Returns ``[n_codes]`` class indices (long, non-decreasing); raises
    ``ValueError`` unless ``n_codes >= n_classes >= 1``.

    Example
    -------
    >>> partition_codes(10, 3).tolist()
    [0, 0, 0, 0, 1, 1, 1, 2, 2, 2]
    >>> sorted(set(torch.bincount(partition_codes(1024, 50)).tolist()))
    [20, 21]
    """
    n_codes, n_classes = int(n_codes), int(n_classes)
    if n_classes < 1 or n_codes < n_classes:
        raise ValueError(
            f"need n_codes >= n_classes >= 1 (every class needs a code), "
            f"got {n_codes} codes for {n_classes} classes"
        )
    grid = torch.linspace(-0.5, n_classes - 0.51, n_codes, dtype=torch.float64)
    return torch.round(grid).long().clamp(0, n_classes - 1)


class VQOutput(NamedTuple):
    """What :class:`ClassPartitionedVQ` returns: ``quantized`` ``[B, dim, H, W]``
    (codes, straight-through gradient to the input), ``indices`` ``[B, H, W]``
    (global code numbers), ``codebook_loss`` (scalar ``mean |sg(h) - q|^2``,
    trains the codebook), ``commitment_loss`` (``mean |h - sg(q)|^2``, trains
    the adapter)."""

    quantized: torch.Tensor
    indices: torch.Tensor
    codebook_loss: torch.Tensor
    commitment_loss: torch.Tensor


class ClassPartitionedVQ(nn.Module):
    """Codebook split over classes; an item is quantised within its class.

    Arguments
    ---------
    n_codes : int
        Total number of code vectors (1024 in the paper's audio setting).
    dim : int
        Code dimension (channels of the adapted representation).
    n_classes : int
        Number of classes sharing the codebook (:func:`partition_codes`).

    Example
    -------
    >>> vq = ClassPartitionedVQ(n_codes=12, dim=4, n_classes=3)
    >>> out = vq(torch.randn(2, 4, 5, 3), torch.tensor([0, 2]))
    >>> out.quantized.shape, out.indices.shape
    (torch.Size([2, 4, 5, 3]), torch.Size([2, 5, 3]))
    >>> bool((vq.code_class[out.indices[1]] == 2).all())
    True
    """

    def __init__(self, n_codes, dim, n_classes):
        super().__init__()
        self.n_codes, self.dim, self.n_classes = int(n_codes), int(dim), int(n_classes)
        self.register_buffer("code_class", partition_codes(n_codes, n_classes))
        bound = 1.0 / self.n_codes
        self.codebook = nn.Parameter(torch.empty(self.n_codes, self.dim).uniform_(-bound, bound))

    def codes_of(self, label):
        """Global indices of the codes of class ``label`` (``[n_c]``)."""
        return torch.nonzero(self.code_class == int(label)).squeeze(1)

    def forward(self, h, labels):
        """Nearest code within each item's class segment.

        Arguments
        ---------
        h : torch.Tensor
            ``[B, dim, H, W]`` continuous map.
        labels : torch.Tensor
            ``[B]`` class of each item (selects its codebook segment).

        Returns
        -------
        VQOutput
        """
        labels = labels.to(h.device).long().reshape(-1)
        if labels.shape[0] != h.shape[0]:
            raise ValueError(f"{labels.shape[0]} labels for a batch of {h.shape[0]}")
        if labels.numel() and (labels.min() < 0 or labels.max() >= self.n_classes):
            raise ValueError(f"labels must lie in [0, {self.n_classes})")
        b, _, height, width = h.shape
        flat = h.permute(0, 2, 3, 1).reshape(b, height * width, self.dim)
        # float32 under mixed precision: the argmin of rounded distances is not the nearest code
        with torch.no_grad(), autocast_off():
            codes = self.codebook.to(torch.promote_types(flat.dtype, torch.float32))
            # |h - d|^2 up to |h|^2: [B, HW, n_codes]
            dist = codes.pow(2).sum(-1) - 2 * flat.to(codes.dtype) @ codes.t()
            other = self.code_class[None, :] != labels[:, None]  # [B, n_codes]
            dist = dist.masked_fill(other[:, None, :], float("inf"))
            indices = dist.argmin(dim=-1).reshape(b, height, width)
        q = F.embedding(indices, self.codebook).permute(0, 3, 1, 2)
        codebook_loss = F.mse_loss(q, h.detach())
        commitment_loss = F.mse_loss(h, q.detach())
        quantized = h + (q - h).detach()
        return VQOutput(quantized, indices, codebook_loss, commitment_loss)

    def forward_multilabel(self, h, active):
        """One quantisation per (item, active label) pair (PIQ App. I).

        ``h`` ``[B, dim, H, W]`` and ``active`` ``[B, n_classes]`` booleans
        give the :class:`VQOutput` of the ``P`` active pairs
        (``quantized [P, dim, H, W]``, ...) and ``item``, ``label`` ``[P]``
        (batch index and class of each pair).

        Example
        -------
        >>> vq = ClassPartitionedVQ(8, 4, 4)
        >>> active = torch.tensor([[True, False, True, False], [False, True, False, False]])
        >>> out, item, label = vq.forward_multilabel(torch.randn(2, 4, 3, 3), active)
        >>> item.tolist(), label.tolist(), tuple(out.quantized.shape)
        ([0, 0, 1], [0, 2, 1], (3, 4, 3, 3))
        """
        item, label = torch.nonzero(active.to(torch.bool), as_tuple=True)
        return self.forward(h[item], label), item, label


class ResBlock(nn.Module):
    """``y = x + BN(Conv1x1(ReLU(BN(Conv3x3(x)))))`` (docs/methods.md 1.3).

    Example
    -------
    >>> ResBlock(8)(torch.rand(2, 8, 5, 3)).shape
    torch.Size([2, 8, 5, 3])
    """

    def __init__(self, channels):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(channels, channels, 3, padding=1),
            nn.BatchNorm2d(channels),
            nn.ReLU(),
            nn.Conv2d(channels, channels, 1),
            nn.BatchNorm2d(channels),
        )

    def forward(self, x):
        """``[B, C, H, W] -> [B, C, H, W]``."""
        return x + self.body(x)
