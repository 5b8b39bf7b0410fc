"""Composition of Perception Visualization: saliency times reconstruction.

The PV paper (Eq. 2) shows, for class ``c``, ``p = (1 - m_c) + m_c * y`` on
images in ``[0, 1]``: the reconstruction ``y`` where the saliency ``m_c`` is
1, white (= 1) where it is 0. For audio the neutral background is silence
(= 0), so the same blend becomes ``P_c = (1 - m_c) * 0 + m_c * Y =
m_c * Y`` (docs/methods.md section 5.5).

Saliency ``m_c`` is Grad-CAM at the encoder's deepest block (ReLU, bilinear
upsampling, division by the maximum), computed by
:class:`~speechbrain_interp.interpreters.baselines.gradients.GradCAM`.

Authors
 * speechbrain-interp developers 2026
"""

import torch

__all__ = ["perception_visualization"]


def perception_visualization(saliency, reconstruction):
    """Audio PV ``P_c = m_c * Y``: the reconstruction where the model looks.

    Arguments
    ---------
    saliency : torch.Tensor
        ``[B, T, F]`` saliency ``m_c`` in ``[0, 1]``, already on the
        reconstruction's time-frequency grid.
    reconstruction : torch.Tensor
        ``[B, T, F]`` decoder output ``Y`` in ``[0, 1]``.

    Returns
    -------
    torch.Tensor
        ``[B, T, F]``: ``Y`` where ``m_c = 1``, silence (0) where ``m_c = 0``.

    Example
    -------
    >>> y = torch.full((1, 2, 3), 0.5)
    >>> m = torch.tensor([[[0.0, 1.0, 0.5], [1.0, 0.0, 0.0]]])
    >>> perception_visualization(m, y)
    tensor([[[0.0000, 0.5000, 0.2500],
             [0.5000, 0.0000, 0.0000]]])
    """
    if saliency.shape != reconstruction.shape:
        raise ValueError(
            f"saliency {tuple(saliency.shape)} and reconstruction "
            f"{tuple(reconstruction.shape)} must have the same shape "
            "(bring the saliency to the reconstruction grid first)"
        )
    return saliency * reconstruction
