"""Perception Visualization (PV, Giulivi et al.) for audio classifiers.

PV combines "what the model sees", a reconstruction ``Y = D(E(x))`` of the
input from the frozen classifier's deepest representation, with "where it
looks", a Grad-CAM saliency ``m_c``: ``P_c = m_c * Y`` (docs/methods.md section 5).

* :func:`ssim`: SSIM of single-channel spectrograms,
* :class:`SpectrogramRange`, :func:`pv_loss`: decoder targets and loss,
* :func:`perception_visualization`: the composition (the saliency is
  :class:`~speechbrain_interp.interpreters.gradients.GradCAM`'s).

The decoder itself is :class:`speechbrain_interp.models.PVDecoder`.
"""

from speechbrain_interp.pv.compose import perception_visualization
from speechbrain_interp.pv.losses import SpectrogramRange, pv_loss
from speechbrain_interp.pv.ssim import gaussian_window, ssim

__all__ = [
    "SpectrogramRange",
    "gaussian_window",
    "perception_visualization",
    "pv_loss",
    "ssim",
]
