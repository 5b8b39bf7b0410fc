"""What every interpreter returns (:class:`Interpretation`) and the
conversions around it: any wave to a ``[B, N]`` batch (:func:`as_wave_batch`)
and a mask on another domain to one on the linear magnitude
(:func:`log_mask_to_linear`).

Authors
 * speechbrain-interp developers 2026
"""

from dataclasses import dataclass, field
from typing import Optional

import torch

__all__ = ["Interpretation", "as_wave_batch", "log_mask_to_linear"]


@dataclass
class Interpretation:
    """What :meth:`Interpreter.interpret` returns (batched).

    Attributes
    ----------
    One row per explained (clip, class) pair (``P`` rows; ``P = B`` when
    each clip has one explained class).

    mask : torch.Tensor
        ``[P, T, F]`` in ``[0, 1]`` on the linear magnitude spectrogram.
    label : torch.Tensor
        ``[P]`` explained class indices.
    magnitude : torch.Tensor
        ``[P, T, F]`` linear magnitude ``|X|`` of the row's clip.
    phase : torch.Tensor
        ``[P, T, F]`` phase of the row's clip.
    logits : torch.Tensor
        ``[P, C]`` classifier logits on the row's clip.
    wave : torch.Tensor or None
        ``[P, N]`` listenable interpretation, ``ISTFT(mask * |X| e^{j phase})``.
    extras : dict
        Method-specific outputs (native masks, components, losses' inputs).
    feature_mask : torch.Tensor or None
        ``[B, T, n_features]`` in ``[0, 1]`` for methods that mask the
        classifier features (Mel domain); ``None`` for linear-domain methods.
    base_magnitude : torch.Tensor or None
        ``[B, T, F]`` the spectrogram the mask is applied to when it is not
        the input's: Perception Visualization shows ``mask * D(E(x))``, the
        decoder's reconstruction. ``None``: the input ``|X|``. The metrics
        and the listenable wave use :attr:`shown_magnitude`.
    probabilities : torch.Tensor or None
        ``[P, C]`` the classifier's probabilities on the input (softmax, or
        sigmoid for a multi-label classifier).
    clip : torch.Tensor or None
        ``[P]`` index, in the interpreted batch, of the clip each row
        explains (``None``: row ``b`` is clip ``b``).
    """

    mask: torch.Tensor
    label: torch.Tensor
    magnitude: torch.Tensor
    phase: torch.Tensor
    logits: torch.Tensor
    wave: Optional[torch.Tensor] = None
    extras: dict = field(default_factory=dict)
    feature_mask: Optional[torch.Tensor] = None
    base_magnitude: Optional[torch.Tensor] = None
    probabilities: Optional[torch.Tensor] = None
    clip: Optional[torch.Tensor] = None

    def detach(self):
        """The same interpretation with every tensor detached (in place).

        Example
        -------
        >>> x = torch.ones(1, 2, 3, requires_grad=True)
        >>> out = Interpretation(x * 0.5, torch.zeros(1), x, x, torch.zeros(1, 2),
        ...                      extras={"native": x * 2, "steps": 3}).detach()
        >>> out.mask.requires_grad, out.extras["native"].requires_grad, out.extras["steps"]
        (False, False, 3)
        """
        for name, value in vars(self).items():
            if torch.is_tensor(value):
                setattr(self, name, value.detach())
        self.extras = {k: v.detach() if torch.is_tensor(v) else v for k, v in self.extras.items()}
        return self

    @property
    def clips(self):
        """``[P]`` batch index of each row's clip (``arange(P)`` when :attr:`clip` is None)."""
        if self.clip is None:
            return torch.arange(self.mask.shape[0])
        return self.clip.cpu()

    def row_ids(self, ids, class_names=None):
        """One id per row: the clip's id, ``"<id>:<class>"`` when rows are pairs.

        Arguments
        ---------
        ids : list of str
            ``[B]`` ids of the interpreted clips.
        class_names : list of str, optional
            Names of the classes (default: their indices).

        Example
        -------
        >>> out = Interpretation(torch.zeros(3, 1, 1), torch.tensor([0, 2, 1]), *[torch.zeros(3, 1, 1)] * 2,
        ...                      torch.zeros(3, 3), clip=torch.tensor([0, 0, 1]))
        >>> out.row_ids(["a", "b"], ["dog", "car", "horn"])
        ['a:dog', 'a:horn', 'b:car']
        """
        if self.clip is None:
            return [str(i) for i in ids]
        names = class_names or [str(c) for c in range(int(self.label.max()) + 1)]
        return [f"{ids[int(c)]}:{names[int(k)]}" for c, k in zip(self.clips, self.label)]

    @property
    def shown_magnitude(self):
        """What the mask applies to: :attr:`base_magnitude` or ``|X|``."""
        return self.magnitude if self.base_magnitude is None else self.base_magnitude

    @property
    def domain(self):
        """``"features"`` when :attr:`feature_mask` is set, else ``"linear"``."""
        return "linear" if self.feature_mask is None else "features"

    @property
    def masked_magnitude(self):
        """``mask * shown_magnitude`` (``mask * |X|`` but for PV), ``[B, T, F]``."""
        return self.mask * self.shown_magnitude


def as_wave_batch(wave):
    """Checks and converts what :meth:`Interpreter.interpret` is given.

    Accepted: a torch tensor or numpy array of shape ``[N]``, ``[B, N]`` or
    ``[B, 1, N]`` (one channel), floating point (float64 is converted to
    float32) or int16/int32 PCM (scaled to ``[-1, 1)``).

    Arguments
    ---------
    wave : torch.Tensor or numpy.ndarray

    Returns
    -------
    torch.Tensor
        ``[B, N]`` float32.

    Raises
    ------
    TypeError, ValueError
        Another type or dtype, several channels, no samples, or NaN/Inf
        samples (the message names the batch items).

    Example
    -------
    >>> import numpy as np
    >>> as_wave_batch(np.array([0, 16384, -32768], dtype=np.int16))
    tensor([[ 0.0000,  0.5000, -1.0000]])
    >>> as_wave_batch(torch.zeros(2, 1, 4, dtype=torch.float64)).shape, _.dtype
    (torch.Size([2, 4]), torch.float32)
    >>> as_wave_batch(torch.tensor([[0.0, float("nan")], [0.0, 0.0]]))
    Traceback (most recent call last):
    ...
    ValueError: batch item(s) [0] hold NaN or infinite samples: clean or drop them before interpreting
    """
    if not torch.is_tensor(wave):
        try:
            import numpy as np
        except ImportError:  # pragma: no cover - numpy comes with torch
            np = None
        if np is None or not isinstance(wave, np.ndarray):
            raise TypeError(f"interpret takes a torch.Tensor or numpy array, got {type(wave).__name__}")
        wave = torch.from_numpy(np.ascontiguousarray(wave))
    if wave.dtype in (torch.int16, torch.int32):
        wave = wave.float() / float(2 ** (8 * wave.element_size() - 1))
    elif wave.is_floating_point():
        wave = wave.float()
    else:
        raise TypeError(f"waves must be float or int16/int32 PCM, got {wave.dtype}")
    if wave.dim() == 3:
        if wave.shape[1] != 1:
            raise ValueError(
                f"waves of shape {tuple(wave.shape)} have {wave.shape[1]} channels: give [B, N] "
                "or [B, 1, N] (mix the channels down first, e.g. wave.mean(dim=1))")
        wave = wave[:, 0]
    elif wave.dim() == 1:
        wave = wave.unsqueeze(0)
    elif wave.dim() != 2:
        raise ValueError(f"waves must be [N], [B, N] or [B, 1, N], got shape {tuple(wave.shape)}")
    if wave.shape[-1] == 0 or wave.shape[0] == 0:
        raise ValueError(f"waves of shape {tuple(wave.shape)} hold no samples")
    bad = (~torch.isfinite(wave)).flatten(1).any(dim=1)
    if bool(bad.any()):
        items = bad.nonzero().flatten().tolist()
        raise ValueError(f"batch item(s) {items} hold NaN or infinite samples: clean or drop "
                         "them before interpreting")
    return wave


def log_mask_to_linear(mask, magnitude):
    """Linear-magnitude mask equivalent to masking ``log1p(|X|)``.

    ``expm1(mask * log1p(|X|)) == M_lin * |X|``, so
    ``M_lin = expm1(mask * log1p|X|) / |X|`` (in ``[0, 1]`` for a mask in
    ``[0, 1]``; bins with ``|X| = 0`` get the mask value itself).

    Arguments
    ---------
    mask : torch.Tensor
        ``[B, T, F]`` mask on ``log1p(|X|)``.
    magnitude : torch.Tensor
        ``[B, T, F]`` linear magnitude.

    Returns
    -------
    torch.Tensor
        ``[B, T, F]``.

    Example
    -------
    >>> mag = torch.tensor([[[3.0, 0.0]]])
    >>> m = log_mask_to_linear(torch.tensor([[[0.5, 0.5]]]), mag)
    >>> round(float(m[0, 0, 0] * 3.0), 4), float(m[0, 0, 1])
    (1.0, 0.5)
    """
    masked = torch.expm1(mask * torch.log1p(magnitude))
    tiny = magnitude <= 1e-6
    ratio = masked / magnitude.clamp_min(1e-6)
    return torch.where(tiny, mask, ratio).clamp(0.0, 1.0)
