"""Small 1-D CNN over a note's Fourier representation (NSynth family classifier).

The classifier explained by RDE on NSynth (docs/methods.md section 4.5) sees one
global spectrum per note on ``K`` log-spaced frequencies. The caller builds
``C_in`` feature channels from ``h = (m, w)`` (typically 3: log-magnitude,
``cos w``, ``sin w``); this module embeds them.

Structure: optional BatchNorm over the input channels, then one block per
entry of ``channels``: ``Conv1d (no bias) -> BN -> ReLU -> MaxPool1d ->
dropout``; embedding = concatenation of the mean and the max over frequency
of the last block, optionally projected by a Linear layer to ``emb_dim``.
Same output contract as :class:`speechbrain_interp.models.CNN14`:
``(embedding, reps)`` with the block outputs deepest first.

Authors
 * speechbrain-interp developers 2026
"""

import torch
import torch.nn.functional as F
from torch import nn

from speechbrain_interp.recorded import Recorded

__all__ = ["SpectralCNN", "SpectralCNNBlock"]


class SpectralCNNBlock(nn.Module):
    """``Conv1d -> BN -> ReLU -> MaxPool1d`` over frequency.

    The ReLU is an ``nn.ReLU`` module (:attr:`relu`) so that hooks and
    guided backpropagation see it.

    Arguments
    ---------
    in_channels : int
        Input channels.
    out_channels : int
        Output channels.
    kernel_size : int
        Odd convolution kernel (``"same"`` padding).
    pool : int
        Max-pooling factor along frequency (1 = no pooling).

    Example
    -------
    >>> block = SpectralCNNBlock(3, 8, kernel_size=9, pool=2)
    >>> block(torch.rand(4, 3, 64)).shape
    torch.Size([4, 8, 32])
    """

    def __init__(self, in_channels, out_channels, kernel_size=9, pool=2):
        super().__init__()
        if kernel_size % 2 != 1:
            raise ValueError(f"kernel_size must be odd, got {kernel_size}")
        self.conv = nn.Conv1d(
            in_channels, out_channels, kernel_size, padding=kernel_size // 2, bias=False
        )
        self.norm = nn.BatchNorm1d(out_channels)
        self.relu = nn.ReLU()
        self.pool = int(pool)
        nn.init.kaiming_uniform_(self.conv.weight, nonlinearity="relu")

    def forward(self, x):
        """``[B, C_in, K] -> [B, C_out, K // pool]``."""
        x = self.relu(self.norm(self.conv(x)))
        if self.pool > 1:
            x = F.max_pool1d(x, self.pool)
        return x


class SpectralCNN(Recorded, nn.Module):
    """1-D CNN embedding of spectral features, returning every block's output.

    Arguments
    ---------
    in_channels : int
        Feature channels ``C_in`` of the input (default 5, what
        :func:`~speechbrain_interp.fourier.spectral_features` gives:
        ``log m``, ``m cos w``, ``m sin w``, ``cos w``, ``sin w``).
    channels : sequence of int
        Output channels of the blocks, shallowest first.
    kernel_size : int
        Odd convolution kernel of every block.
    pool : int
        Max-pooling factor after every block.
    dropout : float
        Dropout after each block (training only).
    emb_dim : int, optional
        Size of a Linear projection of the pooled features. Default: no
        projection, ``emb_dim = 2 * channels[-1]`` (mean and max).
    input_norm : bool
        BatchNorm over the input channels first (features of very different
        scales, e.g. log-magnitude and ``cos``/``sin``).

    Example
    -------
    >>> model = SpectralCNN(in_channels=3)
    >>> model.emb_dim, model.rep_channels
    (256, [128, 128, 64, 32])
    >>> emb, reps = model(torch.rand(2, 3, 1024))
    >>> emb.shape
    torch.Size([2, 256])
    >>> [tuple(r.shape[1:]) for r in reps]
    [(128, 64), (128, 128), (64, 256), (32, 512)]
    >>> SpectralCNN(3, channels=[8, 16], emb_dim=10)(torch.rand(2, 3, 100))[0].shape
    torch.Size([2, 10])
    """

    def __init__(
        self,
        in_channels=5,
        channels=(32, 64, 128, 128),
        kernel_size=9,
        pool=2,
        dropout=0.1,
        emb_dim=None,
        input_norm=True,
    ):
        super().__init__()
        channels = [int(c) for c in channels]
        if not channels:
            raise ValueError("channels must list at least one block")
        self.in_channels = int(in_channels)
        self.channels = channels
        self.pool = int(pool)
        self.dropout = float(dropout)
        self.input_norm = nn.BatchNorm1d(self.in_channels) if input_norm else None
        blocks = []
        previous = self.in_channels
        for out_channels in channels:
            blocks.append(SpectralCNNBlock(previous, out_channels, kernel_size, self.pool))
            previous = out_channels
        self.blocks = nn.ModuleList(blocks)
        pooled = 2 * channels[-1]
        self.proj = None if emb_dim is None else nn.Linear(pooled, int(emb_dim))
        self.emb_dim = pooled if emb_dim is None else int(emb_dim)

    @property
    def rep_channels(self):
        """Channel counts of the representations, deepest first."""
        return list(reversed(self.channels))

    def forward(self, feats):
        """Embeds spectral features.

        Arguments
        ---------
        feats : torch.Tensor
            ``[B, C_in, K]``.

        Returns
        -------
        embedding : torch.Tensor
            ``[B, emb_dim]``.
        reps : list of torch.Tensor
            Block outputs, deepest first: ``[B, C_k, K // pool**(k+1)]``.
        """
        if feats.dim() != 3 or feats.shape[1] != self.in_channels:
            raise ValueError(
                f"SpectralCNN expects [B, {self.in_channels}, K] features, "
                f"got {tuple(feats.shape)}"
            )
        shortest = self.pool ** len(self.channels) if self.pool > 1 else 1
        if feats.shape[-1] < shortest:
            raise ValueError(
                f"SpectralCNN with {len(self.channels)} blocks pooling by {self.pool} "
                f"needs at least {shortest} frequencies, got {feats.shape[-1]}"
            )
        x = self.input_norm(feats) if self.input_norm is not None else feats
        reps = []
        for block in self.blocks:
            x = block(x)
            reps.append(x)
            x = F.dropout(x, p=self.dropout, training=self.training)
        embedding = torch.cat([x.mean(dim=-1), x.amax(dim=-1)], dim=1)
        if self.proj is not None:
            embedding = self.proj(embedding)
        return embedding, reps[::-1]
