"""Mask decoders from classifier representations to time-frequency masks.

Two designs, both size-agnostic (any clip length, any classifier width; the
output always has the input's ``T`` frames):

- :class:`MaskDecoder` (default, ours): 1x1 projections of the
  representations to a small width, a top-down U-Net path at the
  classifier's own resolutions, a few channels upsampled to the feature
  grid, mapped from mel bands to linear bins with the filterbank geometry
  (:meth:`~speechbrain_interp.frontend.SpectralFrontEnd.mel_to_linear_matrix`),
  and a full-resolution refinement that also sees the compressed input
  spectrogram, so masks can follow single harmonics. It costs a few percent
  of a CNN14 forward.
- :class:`ConvTransposeDecoder`: the paper-size transposed-convolution stack
  of the L-MAC reference layout (docs/methods.md section 3.3), kept for
  comparison; at CNN14 width it has 237 M parameters and costs many
  classifier forwards.

Authors
 * speechbrain-interp developers 2026
"""

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["ConvTransposeDecoder", "MaskDecoder", "crop_add"]


def crop_add(a, b):
    """Adds two ``[B, C, T, F]`` maps after cropping both to their common size.

    Example
    -------
    >>> crop_add(torch.ones(1, 2, 5, 4), torch.ones(1, 2, 4, 6)).shape
    torch.Size([1, 2, 4, 4])
    """
    t, f = min(a.shape[-2], b.shape[-2]), min(a.shape[-1], b.shape[-1])
    return a[..., :t, :f] + b[..., :t, :f]


class MaskDecoder(nn.Module):
    """Coarse-to-fine mask decoder (the project's efficient design).

    The representations go through 1x1 projections and a top-down path (the
    deeper map upsampled and added to the next one, then a 3x3 conv) at the
    classifier's own resolutions. Two maps come out: an offset ``o`` and a
    gain ``g``; they are upsampled to ``T`` frames on the feature (mel)
    grid and spread to the output bins with the mel-to-linear matrix. The
    mask logits at full resolution are ``o + g * s`` with ``s`` the
    compressed input spectrogram normalised per clip, so that a mask can
    follow single harmonics (where ``g > 0``) at a cost of a few element-wise
    operations per bin. With ``use_spectrogram=False`` the logits are ``o``.

    Arguments
    ---------
    in_channels : list of int
        Channels of the representations, deepest first.
    n_features : int
        Size of the classifier's feature axis (e.g. 80 mel bands): the
        coarse maps are brought to this grid first.
    mel_to_linear : torch.Tensor, optional
        ``[n_features, F]`` matrix mapping the feature grid to the output
        bins (linear-frequency masks); ``None`` keeps the feature grid (mel
        masks).
    width : int
        Channels of the top-down path.
    use_spectrogram : bool
        Gate the mask with the input spectrogram (``o + g * s``).
    n_classes : int, optional
        Class-conditioned decoder: each level of the top-down path is
        modulated by the explained class (FiLM, ``x (1 + gamma_c) + beta_c``
        from a class embedding initialised at zero, so that training starts
        from the unconditioned decoder); :meth:`forward` then takes
        ``label``.
    refine_width : int
        Channels of a full-resolution refinement (0 = none): two 3x3
        convolutions over ``(o, g s, s)`` add a correction to the logits, so
        that the mask can follow the local shape of the spectrogram (a
        harmonic, an onset) and not only its level; the last layer starts at
        zero (training starts from the plain decoder). It costs about
        ``36 refine_width`` multiply-adds per output bin.

    Example
    -------
    >>> reps = [torch.rand(2, 32, 13, 2), torch.rand(2, 16, 13, 2),
    ...         torch.rand(2, 8, 26, 5), torch.rand(2, 4, 53, 10)]
    >>> dec = MaskDecoder([32, 16, 8, 4], n_features=80,
    ...                   mel_to_linear=torch.rand(80, 513))
    >>> dec(reps, torch.rand(2, 431, 513)).shape
    torch.Size([2, 431, 513])
    >>> MaskDecoder([32, 16, 8, 4], n_features=80, refine_width=4)(
    ...     reps, torch.rand(2, 431, 80)).shape
    torch.Size([2, 431, 80])
    >>> cond = MaskDecoder([32, 16, 8, 4], n_features=80, n_classes=5)
    >>> cond(reps, torch.rand(2, 431, 80), label=torch.tensor([0, 3])).shape
    torch.Size([2, 431, 80])
    """

    def __init__(
        self,
        in_channels,
        n_features,
        mel_to_linear=None,
        width=64,
        use_spectrogram=True,
        n_classes=None,
        refine_width=0,
    ):
        super().__init__()
        if refine_width and not use_spectrogram:
            raise ValueError("the refinement reads the spectrogram: it needs use_spectrogram=True")
        self.n_features = int(n_features)
        self.use_spectrogram = bool(use_spectrogram)
        self.width = int(width)
        self.class_film = None
        if n_classes is not None:
            self.class_film = nn.Embedding(int(n_classes), 2 * self.width * len(in_channels))
            nn.init.zeros_(self.class_film.weight)
        self.projections = nn.ModuleList(
            nn.Conv2d(c, width, kernel_size=1) for c in in_channels
        )
        self.merges = nn.ModuleList(
            nn.Sequential(
                nn.Conv2d(width, width, 3, padding=1, bias=False),
                nn.BatchNorm2d(width),
                nn.ReLU(),
            )
            for _ in in_channels
        )
        self.to_maps = nn.Conv2d(width, 2 if self.use_spectrogram else 1, kernel_size=1)
        if mel_to_linear is not None:
            self.register_buffer("mel_to_linear", mel_to_linear.clone().float())
        else:
            self.mel_to_linear = None
        self.refine = None
        if refine_width:
            self.refine = nn.Sequential(
                nn.Conv2d(3, int(refine_width), 3, padding=1),
                nn.ReLU(),
                nn.Conv2d(int(refine_width), 1, 3, padding=1),
            )
            nn.init.zeros_(self.refine[-1].weight)
            nn.init.zeros_(self.refine[-1].bias)

    @classmethod
    def for_frontend(cls, in_channels, frontend, linear=True, width=64, use_spectrogram=True,
                     n_classes=None, refine_width=0):
        """A decoder whose output grid follows a classifier's front end.

        Arguments
        ---------
        in_channels : list of int
            Channels of the representations, deepest first.
        frontend : speechbrain_interp.frontend.SpectralFrontEnd
            The classifier's front end (feature grid, filterbank).
        linear : bool
            Masks on the linear STFT bins (True) or on the feature grid.
        width : int
            Channels of the top-down path.
        use_spectrogram : bool
            Gate the mask with the input spectrogram.
        n_classes : int, optional
            Class-conditioned decoder (see the class).
        refine_width : int
            Full-resolution refinement channels (see the class).

        Returns
        -------
        MaskDecoder

        Example
        -------
        >>> from speechbrain_interp.frontend import SpectralFrontEnd
        >>> dec = MaskDecoder.for_frontend([8], SpectralFrontEnd())
        >>> dec([torch.rand(1, 8, 13, 2)], torch.rand(1, 431, 513)).shape
        torch.Size([1, 431, 513])
        """
        mel_to_linear = None
        if linear and frontend.filterbank is not None:
            mel_to_linear = frontend.mel_to_linear_matrix()
        return cls(in_channels, n_features=frontend.n_features, mel_to_linear=mel_to_linear,
                   width=width, use_spectrogram=use_spectrogram, n_classes=n_classes,
                   refine_width=refine_width)

    def forward(self, reps, spectrogram, label=None):
        """Mask logits.

        Arguments
        ---------
        reps : list of torch.Tensor
            ``[B, C_k, T_k, F_k]``, deepest first (as many as ``in_channels``).
        spectrogram : torch.Tensor
            ``[B, T, F_out]`` compressed input in the output domain (gives
            the output size).
        label : torch.Tensor, optional
            ``[B]`` explained classes (class-conditioned decoders only,
            where it is required).

        Returns
        -------
        torch.Tensor
            ``[B, T, F_out]`` logits (apply a sigmoid for the mask).
        """
        film = None
        if self.class_film is not None:
            if label is None:
                raise ValueError("this decoder is class-conditioned: pass the explained label")
            film = self.class_film(label.long().to(spectrogram.device))
            film = film.reshape(label.shape[0], len(self.merges), 2, self.width, 1, 1)
        h = None
        for level, (rep, proj, merge) in enumerate(zip(reps, self.projections, self.merges)):
            x = proj(rep)
            if h is not None:
                h = F.interpolate(h, size=x.shape[-2:], mode="bilinear", align_corners=False)
                x = x + h
            if film is not None:
                x = x * (1 + film[:, level, 0]) + film[:, level, 1]
            h = merge(x)
        maps = F.interpolate(
            self.to_maps(h), size=(spectrogram.shape[1], self.n_features),
            mode="bilinear", align_corners=False,
        )
        if self.mel_to_linear is not None:
            maps = maps @ self.mel_to_linear
        if not self.use_spectrogram:
            return maps[:, 0]
        spec = spectrogram / spectrogram.amax(dim=(1, 2), keepdim=True).clamp_min(1e-6)
        gated = maps[:, 1] * spec
        logits = maps[:, 0] + gated
        if self.refine is not None:
            logits = logits + self.refine(torch.stack([maps[:, 0], gated, spec], 1))[:, 0]
        return logits


class ConvTransposeDecoder(nn.Module):
    """Paper-size L-MAC decoder: transposed convolutions with skip inputs.

    Layer layout of the L-MAC reference decoder (docs/methods.md section 3.3): the
    deepest two representations enter first, the third and fourth at the
    matching resolutions; the output (425 x 513 for 431 input frames) is
    resized to the input's frames and bins.

    Arguments
    ---------
    in_channels : list of int
        Channels of the four deepest representations, deepest first.
    dim : int, optional
        Internal width (2048 in the paper); default: ``in_channels[0]``.

    Example
    -------
    >>> reps = [torch.rand(1, 32, 13, 2), torch.rand(1, 16, 13, 2),
    ...         torch.rand(1, 8, 26, 5), torch.rand(1, 4, 53, 10)]
    >>> ConvTransposeDecoder([32, 16, 8, 4])(reps, torch.rand(1, 431, 513)).shape
    torch.Size([1, 431, 513])
    """

    def __init__(self, in_channels, dim=None):
        super().__init__()
        c6, c5, c4, c3 = list(in_channels)[:4]
        dim = int(dim or c6)
        convt = nn.ConvTranspose2d
        self.t1 = convt(c6, dim, 3, (2, 4), 1)
        self.t2 = convt(c5, dim, 3, (2, 4), 1)
        self.t3 = convt(dim, dim, (7, 4), (2, 4), 1)
        self.t4 = convt(c4, dim, (5, 4), (2, 4), 1)
        self.t5 = convt(dim, dim // 2, (3, 5), (2, 2), 1)
        self.t6 = convt(c3, dim // 2, 3, (2, 4), 1)
        self.t7 = convt(dim // 2, dim // 4, (4, 3), (2, 2), (0, 5))
        self.t8 = convt(dim // 4, dim // 8, (3, 4), (2, 2), (0, 2))
        self.t9 = convt(dim // 8, 1, (1, 5), (1, 4), 0)

    def forward(self, reps, spectrogram):
        """Mask logits ``[B, T, F_out]`` (``spectrogram`` only gives the size)."""
        r6, r5, r4, r3 = reps[:4]
        h = crop_add(F.relu(self.t1(r6)), F.relu(self.t2(r5)))
        h = crop_add(F.relu(self.t3(h)), F.relu(self.t4(r4)))
        h = crop_add(F.relu(self.t5(h)), F.relu(self.t6(r3)))
        h = F.relu(self.t7(h))
        h = self.t8(h)
        out = self.t9(h)
        return F.interpolate(
            out, size=spectrogram.shape[1:], mode="bilinear", align_corners=False
        ).squeeze(1)
