"""Interpreters behind one ``interpret(wave)`` interface.

Trained: :class:`LMAC`, :class:`PIQ`, :class:`L2I`. References:
:class:`AllOnes`, :class:`RandomMask`, :class:`Saliency` and any captum
method through :class:`CaptumAttribution`.
"""

from speechbrain_interp.interpreters.base import Interpretation, Interpreter, log_mask_to_linear
from speechbrain_interp.interpreters.baselines import (
    AllOnes,
    CaptumAttribution,
    RandomMask,
    Saliency,
    attribution_to_mask,
)
from speechbrain_interp.interpreters.l2i import L2I
from speechbrain_interp.interpreters.lmac import LMAC
from speechbrain_interp.interpreters.piq import PIQ

__all__ = [
    "AllOnes", "CaptumAttribution", "Interpretation", "Interpreter", "L2I", "LMAC", "PIQ",
    "RandomMask", "Saliency", "attribution_to_mask", "log_mask_to_linear",
]
