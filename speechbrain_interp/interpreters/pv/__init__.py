"""Perception Visualization (PV, Giulivi et al.) for audio classifiers
(docs/methods.md section 5).

PV combines "what the model sees", a reconstruction ``Y = D(E(x))`` of the
input from the frozen classifier's deepest representation, with "where it
looks", a Grad-CAM saliency ``m_c``: ``P_c = m_c * Y``.

* :mod:`.model`: :class:`PerceptionVisualization`, the interpreter and its
  objective (``loss``);
* :mod:`.decoder`: :class:`PVDecoder`, ``D``;
* :mod:`.losses`: :class:`SpectrogramRange` and :func:`pv_loss`, the
  decoder's targets and loss (SSIM:
  :func:`speechbrain_interp.evaluation.ssim.ssim`);
* :mod:`.compose`: :func:`perception_visualization`, ``m_c * Y`` (the
  saliency is :class:`~speechbrain_interp.interpreters.baselines.GradCAM`'s);
* :mod:`.plots`: :func:`plot_perception_visualization`.
"""

from speechbrain_interp.interpreters.pv.compose import perception_visualization
from speechbrain_interp.interpreters.pv.decoder import PVDecoder
from speechbrain_interp.interpreters.pv.losses import SpectrogramRange, pv_loss
from speechbrain_interp.interpreters.pv.model import PerceptionVisualization
from speechbrain_interp.interpreters.pv.plots import plot_perception_visualization

__all__ = [
    "PVDecoder", "PerceptionVisualization", "SpectrogramRange", "perception_visualization",
    "plot_perception_visualization", "pv_loss",
]
