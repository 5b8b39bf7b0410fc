"""The references every interpreter is compared with (docs/methods.md section 8).

* :mod:`.reference`: :class:`AllOnes` (the whole input) and
  :class:`RandomMask` (a mask of the same size that knows nothing);
  :func:`attribution_to_mask`, how an attribution becomes a mask;
* :mod:`.gradients`: captum's gradient methods in the STFT or log domain
  (:class:`Saliency`, :class:`SmoothGrad`, :class:`IntegratedGradients`,
  :class:`GuidedBackprop`, :class:`GradientSHAP`, any captum method through
  :class:`CaptumAttribution`);
* :mod:`.grad_cam`: :class:`GradCAM` and :class:`GuidedGradCAM`;
* :mod:`.registry`: each of them by name (:func:`build_baseline`).
"""

from speechbrain_interp.interpreters.baselines.grad_cam import GradCAM, GuidedGradCAM
from speechbrain_interp.interpreters.baselines.gradients import (
    CaptumAttribution,
    GradientSHAP,
    GuidedBackprop,
    IntegratedGradients,
    Saliency,
    SmoothGrad,
)
from speechbrain_interp.interpreters.baselines.reference import (
    AllOnes,
    RandomMask,
    attribution_to_mask,
)
from speechbrain_interp.interpreters.baselines.registry import GRADIENT_METHODS, build_baseline

__all__ = [
    "GRADIENT_METHODS", "AllOnes", "CaptumAttribution", "GradCAM", "GradientSHAP",
    "GuidedBackprop", "GuidedGradCAM", "IntegratedGradients", "RandomMask", "Saliency",
    "SmoothGrad", "attribution_to_mask", "build_baseline",
]
