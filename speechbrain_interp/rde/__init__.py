"""RDE (rate-distortion explanations, Kolek et al.) in the Fourier domain.

In-painting utilities (training masks, loss, obfuscation composition) live in
:mod:`speechbrain_interp.rde.inpainting`; the generator itself is
:class:`speechbrain_interp.models.FourierInpainter`.
"""

from speechbrain_interp.rde.inpainting import (
    MASK_KINDS,
    compose,
    inpainting_loss,
    random_masks,
)

__all__ = ["MASK_KINDS", "compose", "inpainting_loss", "random_masks"]
