"""Interpreters behind one ``interpret(wave)`` interface.

Trained: :class:`LMAC`, :class:`PIQ`, :class:`L2I`,
:class:`PerceptionVisualization`. Optimised per clip:
:class:`RDE` (rate-distortion masks on the STFT magnitude). References:
:class:`AllOnes`, :class:`RandomMask`; captum gradient baselines in two
domains (:class:`Saliency`, :class:`SmoothGrad`, :class:`IntegratedGradients`,
:class:`GuidedBackprop`, :class:`GradCAM`, :class:`GuidedGradCAM`,
:class:`GradientSHAP`, any captum method through :class:`CaptumAttribution`),
by name through :func:`build_baseline`.
"""

from speechbrain_interp.interpreters.base import Interpretation, Interpreter, log_mask_to_linear
from speechbrain_interp.interpreters.baselines import AllOnes, RandomMask, attribution_to_mask
from speechbrain_interp.interpreters.grad_cam import GradCAM, GuidedGradCAM
from speechbrain_interp.interpreters.gradients import (
    CaptumAttribution,
    GradientSHAP,
    GuidedBackprop,
    IntegratedGradients,
    Saliency,
    SmoothGrad,
)
from speechbrain_interp.interpreters.l2i import L2I
from speechbrain_interp.interpreters.lmac import LMAC
from speechbrain_interp.interpreters.piq import PIQ
from speechbrain_interp.interpreters.pv import PerceptionVisualization
from speechbrain_interp.interpreters.rde import RDE
from speechbrain_interp.interpreters.registry import GRADIENT_METHODS, build_baseline

__all__ = [
    "GRADIENT_METHODS", "AllOnes", "CaptumAttribution", "GradCAM", "GradientSHAP",
    "GuidedBackprop", "GuidedGradCAM", "IntegratedGradients", "Interpretation", "Interpreter",
    "L2I", "LMAC", "PIQ", "PerceptionVisualization", "RDE", "RandomMask", "Saliency", "SmoothGrad", "attribution_to_mask",
    "build_baseline", "log_mask_to_linear",
]
