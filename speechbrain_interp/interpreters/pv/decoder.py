"""Decoder D of Perception Visualization (PV): spectrogram from the latent z.

PV (docs/methods.md section 5) shows "what the model sees" as a reconstruction
``Y = D(z)`` of the input from the frozen classifier's deepest
representation ``z = E(x)`` (CNN14 ``reps[0]``). The decoder mirrors the
encoder without skip connections: it only ever sees ``z``, so everything it
draws must be recoverable from what the classifier kept.

Layer table for a standard CNN14 latent and the default ``channels``
(``[C, T, F]`` per example; ``z`` from a 431 x 80 log-mel input)::

    z                                               (2048,  13,   2)
    stage 1  ConvT4x4/2 BN  Conv3x3 BN LeakyReLU    ( 256,  26,   4)
    stage 2  ConvT4x4/2 BN  Conv3x3 BN LeakyReLU    ( 128,  52,   8)
    stage 3  ConvT4x4/2 BN  Conv3x3 BN LeakyReLU    (  64, 104,  16)
    stage 4  ConvT4x4/2 BN  Conv3x3 BN LeakyReLU    (  32, 208,  32)
    stage 5  ConvT4x4/2 BN  Conv3x3 BN LeakyReLU    (  16, 416,  64)
    output_grid="target":
      bilinear resize to the target grid           (  16, 431, 513 or 80)
      Conv3x3 -> sigmoid                            (   1, 431, 513 or 80)
    output_grid="stages":
      Conv3x3 on the last stage's grid              (   1, 416,  64)
      bilinear resize to the target grid, sigmoid   (   1, 431, 513 or 80)

Both output convolutions and the resize are linear, so the two orders draw
the same family of pictures up to the 3 x 3 neighbourhood (pixels of the
last stage's grid against pixels of the target grid); ``"stages"`` resizes
one channel instead of ``channels[-1]`` and convolves ~8x fewer pixels for a
513-bin target, which is most of the decoder's time and memory at full
resolution.

Authors
 * speechbrain-interp developers 2026
"""

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["PVDecoder"]

_GRIDS = ("target", "stages")


class PVDecoder(nn.Module):
    """Reconstructs a normalised spectrogram in ``[0, 1]`` from a latent map.

    One upsampling stage per entry of ``channels``. A stage is a linear
    (no activation) ``ConvTranspose2d`` followed by batch normalisation, as
    in the PV paper, then a ``Conv3x3 -> BN -> LeakyReLU`` refinement. After
    the stages the map is resized bilinearly to the requested
    ``(n_frames, n_freqs)`` and a final ``Conv3x3 -> sigmoid`` gives the
    output (``output_grid="target"``), or the ``Conv3x3`` comes before the
    resize (``"stages"``: one channel resized); the sigmoid comes last so
    the output lies in ``[0, 1]`` exactly
    (the targets are min-max normalised log spectrograms, see
    :class:`speechbrain_interp.interpreters.pv.SpectrogramRange`).

    All kernels are 3 x 3 as in the paper except the transposed
    convolutions, which are 4 x 4 with stride 2 and padding 1: their output
    is exactly twice the input, ``(n - 1) * 2 - 2 + 4 = 2 n`` (a 3 x 3 /
    stride 2 one gives the odd size ``2 n - 1`` and needs
    ``output_padding``), and because the kernel size is a multiple of the
    stride every output pixel receives the same number of kernel taps, which
    avoids the uneven-overlap checkerboard pattern of 3 x 3 / stride 2.

    There are no skip connections and :meth:`forward` takes nothing but
    ``z`` and the target size.

    Arguments
    ---------
    in_channels : int
        Channels of the latent ``z`` (2048 for a standard CNN14 block 6).
    channels : sequence of int
        Output channels of each upsampling stage (one x2 stage per entry).
    out_channels : int
        Output channels (1 for a spectrogram).
    negative_slope : float
        Slope of the LeakyReLU (0.2 in the paper).
    output_grid : str
        ``"target"`` (output convolution on the requested grid) or
        ``"stages"`` (on the last stage's grid, then the resize). The
        parameters are the same, so a checkpoint loads into either.

    Example
    -------
    >>> decoder = PVDecoder(256, channels=(64, 32, 16, 8, 8))
    >>> z = torch.rand(2, 256, 13, 2)
    >>> y = decoder(z, n_frames=431, n_freqs=513)
    >>> y.shape
    torch.Size([2, 431, 513])
    >>> bool(y.min() >= 0 and y.max() <= 1)
    True
    >>> decoder(z, n_frames=431, n_freqs=80).shape
    torch.Size([2, 431, 80])
    >>> decoder.upsampling
    32
    >>> light = PVDecoder(256, channels=(64, 32, 16, 8, 8), output_grid="stages")
    >>> _ = light.load_state_dict(decoder.state_dict())
    >>> light(z, n_frames=431, n_freqs=513).shape
    torch.Size([2, 431, 513])
    """

    def __init__(
        self,
        in_channels,
        channels=(256, 128, 64, 32, 16),
        out_channels=1,
        negative_slope=0.2,
        output_grid="target",
    ):
        super().__init__()
        if output_grid not in _GRIDS:
            raise ValueError(f"output_grid must be one of {_GRIDS}, got {output_grid!r}")
        self.output_grid = output_grid
        channels = [int(c) for c in channels]
        if len(channels) == 0 or min(channels) < 1:
            raise ValueError(f"channels must be a non-empty list of positive ints, got {channels}")
        self.in_channels = int(in_channels)
        self.channels = channels
        self.out_channels = int(out_channels)
        stages = []
        previous = self.in_channels
        for ch in channels:
            stages.append(
                nn.Sequential(
                    # linear upsampling (no activation), then BN [paper]
                    nn.ConvTranspose2d(previous, ch, kernel_size=4, stride=2, padding=1, bias=False),
                    nn.BatchNorm2d(ch),
                    nn.Conv2d(ch, ch, kernel_size=3, padding=1, bias=False),
                    nn.BatchNorm2d(ch),
                    nn.LeakyReLU(negative_slope),
                )
            )
            previous = ch
        self.stages = nn.ModuleList(stages)
        self.output = nn.Conv2d(previous, self.out_channels, kernel_size=3, padding=1)

    @property
    def upsampling(self):
        """Total upsampling factor of the stages (``2 ** len(channels)``)."""
        return 2 ** len(self.channels)

    def forward(self, z, n_frames, n_freqs):
        """Decodes ``z`` to a spectrogram of the requested size.

        Arguments
        ---------
        z : torch.Tensor
            ``[B, in_channels, T', F']`` latent map (e.g. CNN14 ``reps[0]``).
        n_frames : int
            Frames ``T`` of the output.
        n_freqs : int
            Frequency bins ``F`` of the output (513 linear or 80 mel bins).

        Returns
        -------
        torch.Tensor
            ``[B, n_frames, n_freqs]`` in ``[0, 1]`` (``[B, out_channels,
            n_frames, n_freqs]`` when ``out_channels > 1``).
        """
        if z.dim() != 4 or z.shape[1] != self.in_channels:
            raise ValueError(
                f"PVDecoder expects z of shape [B, {self.in_channels}, T', F'], "
                f"got {tuple(z.shape)}"
            )
        size = (int(n_frames), int(n_freqs))
        if min(size) < 1:
            raise ValueError(f"n_frames and n_freqs must be positive, got {size}")
        x = z
        for stage in self.stages:
            x = stage(x)
        if self.output_grid == "stages":
            x = self.output(x)
        if tuple(x.shape[-2:]) != size:
            x = F.interpolate(x, size=size, mode="bilinear", align_corners=False)
        if self.output_grid == "target":
            x = self.output(x)
        y = torch.sigmoid(x)
        return y.squeeze(1) if self.out_channels == 1 else y
