"""Interpreters behind one ``interpret(wave)`` interface, one package per method.

Trained: :class:`LMAC` (:mod:`.lmac`), :class:`PIQ` (:mod:`.piq`),
:class:`L2I` (:mod:`.l2i`), :class:`PerceptionVisualization` (:mod:`.pv`).
Optimised per clip: :class:`RDE` (:mod:`.rde`, rate-distortion masks on the
STFT magnitude; its Fourier-domain study and in-painter live there too).
References (:mod:`.baselines`): :class:`AllOnes`, :class:`RandomMask`;
captum gradient baselines in two domains (:class:`Saliency`,
:class:`SmoothGrad`, :class:`IntegratedGradients`, :class:`GuidedBackprop`,
:class:`GradCAM`, :class:`GuidedGradCAM`, :class:`GradientSHAP`, any captum
method through :class:`CaptumAttribution`), by name through
:func:`build_baseline`. What every method shares (:class:`Interpreter`,
:class:`Interpretation`) is in :mod:`.base` and :mod:`.interpretation`.
"""

from speechbrain_interp.interpreters.base import Interpreter
from speechbrain_interp.interpreters.baselines import (
    GRADIENT_METHODS,
    AllOnes,
    CaptumAttribution,
    GradCAM,
    GradientSHAP,
    GuidedBackprop,
    GuidedGradCAM,
    IntegratedGradients,
    RandomMask,
    Saliency,
    SmoothGrad,
    attribution_to_mask,
    build_baseline,
)
from speechbrain_interp.interpreters.interpretation import Interpretation, log_mask_to_linear
from speechbrain_interp.interpreters.l2i import L2I
from speechbrain_interp.interpreters.lmac import LMAC
from speechbrain_interp.interpreters.piq import PIQ
from speechbrain_interp.interpreters.pv import PerceptionVisualization
from speechbrain_interp.interpreters.rde import RDE

__all__ = [
    "GRADIENT_METHODS", "AllOnes", "CaptumAttribution", "GradCAM", "GradientSHAP",
    "GuidedBackprop", "GuidedGradCAM", "IntegratedGradients", "Interpretation", "Interpreter",
    "L2I", "LMAC", "PIQ", "PerceptionVisualization", "RDE", "RandomMask", "Saliency",
    "SmoothGrad", "attribution_to_mask", "build_baseline", "log_mask_to_linear",
]
