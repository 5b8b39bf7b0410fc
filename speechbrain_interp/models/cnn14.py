"""CNN14 (PANNs, Kong et al. 2020) with configurable width and depth.

At the standard size (``base_channels=64``, ``n_blocks=6``,
``emb_dim=2048``) the parameter names and shapes are those of
``speechbrain.lobes.models.Cnn14.Cnn14``, so a state_dict saved from that
class (e.g. upstream ``embedding_model.ckpt`` files) loads unchanged and gives
the same embedding. Narrow or shallow variants keep the same structure for
CPU demos and tests.

Structure (docs/methods.md section 3.2): BatchNorm over the feature bins, then
``n_blocks`` conv blocks, each two ``Conv3x3 (no bias) -> BN -> ReLU`` followed
by 2x2 average pooling (1x1 for the last block) and dropout; embedding = mean
over frequency, then max + mean over time.

Authors
 * speechbrain-interp developers 2026
"""

import torch
import torch.nn.functional as F
from torch import nn

from speechbrain_interp.recorded import Recorded

__all__ = ["CNN14", "CNN14Block"]


def _norm_layer(norm_type, channels):
    """Normalisation layer of the requested type over ``channels``."""
    if norm_type == "bn":
        return nn.BatchNorm2d(channels)
    if norm_type == "in":
        return nn.InstanceNorm2d(channels, affine=True, track_running_stats=True)
    if norm_type == "ln":
        return nn.GroupNorm(1, channels)
    raise ValueError(f"norm_type must be 'bn', 'in' or 'ln', got {norm_type!r}")


class CNN14Block(nn.Module):
    """Two ``Conv3x3 -> norm -> ReLU`` layers followed by average pooling.

    The two ReLUs are distinct ``nn.ReLU`` modules (:attr:`relu1`,
    :attr:`relu2`) so that guided backpropagation, which replaces the backward
    of ``nn.ReLU`` modules, sees them; with ``F.relu`` guided backprop would
    silently equal plain saliency.

    Arguments
    ---------
    in_channels : int
        Input channels.
    out_channels : int
        Output channels.
    pool : tuple of int
        Average-pooling kernel (time, frequency).
    norm_type : str
        ``"bn"``, ``"in"`` or ``"ln"``.

    Example
    -------
    >>> block = CNN14Block(1, 8, pool=(2, 2))
    >>> block(torch.rand(3, 1, 20, 16)).shape
    torch.Size([3, 8, 10, 8])
    """

    def __init__(self, in_channels, out_channels, pool=(2, 2), norm_type="bn"):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False)
        self.norm1 = _norm_layer(norm_type, out_channels)
        self.norm2 = _norm_layer(norm_type, out_channels)
        # ReLU modules (no parameters, so state_dicts are unchanged) rather
        # than F.relu: captum's GuidedBackprop / GuidedGradCam only override
        # the backward of nn.ReLU modules, one instance per use
        self.relu1 = nn.ReLU()
        self.relu2 = nn.ReLU()
        self.pool = tuple(pool)
        for conv in (self.conv1, self.conv2):
            nn.init.xavier_uniform_(conv.weight)
        for norm in (self.norm1, self.norm2):
            if getattr(norm, "weight", None) is not None:
                nn.init.ones_(norm.weight)
                nn.init.zeros_(norm.bias)

    def forward(self, x):
        """``[B, C_in, T, F] -> [B, C_out, T // pool_t, F // pool_f]``."""
        x = self.relu1(self.norm1(self.conv1(x)))
        x = self.relu2(self.norm2(self.conv2(x)))
        if self.pool != (1, 1):
            x = F.avg_pool2d(x, kernel_size=self.pool)
        return x


class CNN14(Recorded, nn.Module):
    """CNN14 encoder returning the embedding and every block's output.

    Arguments
    ---------
    n_mels : int
        Number of feature bins of the input (mel bands).
    base_channels : int
        Channels of the first block; block ``k`` has ``base_channels * 2**k``
        (64 -> 64, 128, ..., 2048 at the standard size).
    n_blocks : int
        Number of conv blocks (6 in CNN14). All but the last pool by 2x2.
    emb_dim : int, optional
        Channels of the last block (= embedding size). Default:
        ``base_channels * 2 ** (n_blocks - 1)``.
    norm_type : str
        ``"bn"`` (default), ``"in"`` or ``"ln"``.
    dropout : float
        Dropout after each block (training only).

    Example
    -------
    >>> model = CNN14(n_mels=80, base_channels=8, n_blocks=6)
    >>> model.rep_channels
    [256, 128, 64, 32, 16, 8]
    >>> emb, reps = model(torch.rand(2, 431, 80))
    >>> emb.shape
    torch.Size([2, 256])
    >>> [tuple(r.shape[1:]) for r in reps[:4]]
    [(256, 13, 2), (128, 13, 2), (64, 26, 5), (32, 53, 10)]
    """

    def __init__(
        self,
        n_mels=80,
        base_channels=64,
        n_blocks=6,
        emb_dim=None,
        norm_type="bn",
        dropout=0.2,
    ):
        super().__init__()
        if n_blocks < 1:
            raise ValueError(f"n_blocks must be >= 1, got {n_blocks}")
        channels = [base_channels * 2**k for k in range(n_blocks)]
        if emb_dim is not None:
            channels[-1] = int(emb_dim)
        self.n_mels = int(n_mels)
        self.channels = channels
        self.emb_dim = channels[-1]
        self.dropout = float(dropout)
        self.norm0 = _norm_layer(norm_type, self.n_mels)
        if getattr(self.norm0, "weight", None) is not None:
            nn.init.ones_(self.norm0.weight)
            nn.init.zeros_(self.norm0.bias)
        in_channels = 1
        for k, out_channels in enumerate(channels):
            pool = (1, 1) if k == n_blocks - 1 else (2, 2)
            block = CNN14Block(in_channels, out_channels, pool, norm_type)
            # attribute names match speechbrain.lobes.models.Cnn14
            self.add_module(f"conv_block{k + 1}", block)
            in_channels = out_channels

    @property
    def blocks(self):
        """The conv blocks, shallowest first."""
        return [getattr(self, f"conv_block{k + 1}") for k in range(len(self.channels))]

    @property
    def rep_channels(self):
        """Channel counts of the representations, deepest first."""
        return list(reversed(self.channels))

    def forward(self, feats):
        """Embeds classifier features.

        Arguments
        ---------
        feats : torch.Tensor
            ``[B, T, n_mels]`` (or ``[B, 1, T, n_mels]``).

        Returns
        -------
        embedding : torch.Tensor
            ``[B, emb_dim]``.
        reps : list of torch.Tensor
            Block outputs, deepest first: ``[B, C_k, T_k, F_k]``.
        """
        x = feats.unsqueeze(1) if feats.dim() == 3 else feats
        if x.shape[-1] != self.n_mels:
            raise ValueError(
                f"CNN14 expects {self.n_mels} feature bins, got input {tuple(feats.shape)}"
            )
        shortest = 2 ** (len(self.channels) - 1)
        if x.shape[-2] < shortest:
            raise ValueError(
                f"CNN14 with {len(self.channels)} blocks needs at least {shortest} "
                f"frames, got {x.shape[-2]} (clip too short)"
            )
        # normalise each feature bin: [B, 1, T, M] -> [B, M, T, 1] -> back
        x = self.norm0(x.transpose(1, 3)).transpose(1, 3)
        reps = []
        for block in self.blocks[:-1]:
            x = block(x)
            reps.append(x)
            x = F.dropout(x, p=self.dropout, training=self.training)
        reps.append(self.blocks[-1](x))
        return self.pool(reps[-1]), reps[::-1]

    def pool(self, deepest):
        """Embedding of the deepest block's output (the end of :meth:`forward`).

        Dropout (training only), mean over frequency, then max plus mean
        over time: ``[B, emb_dim, T', F'] -> [B, emb_dim]``. Gradients of
        the logits with respect to the deepest map need only this and the
        head (Grad-CAM without a second pass through the blocks).

        Example
        -------
        >>> model = CNN14(n_mels=80, base_channels=4).eval()
        >>> emb, reps = model(torch.rand(2, 100, 80))
        >>> bool(torch.equal(model.pool(reps[0]), emb))
        True
        """
        x = F.dropout(deepest, p=self.dropout, training=self.training).mean(dim=3)
        return x.amax(dim=2) + x.mean(dim=2)
