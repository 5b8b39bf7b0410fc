"""L-MAC, Listenable Maps for Audio Classifiers (docs/methods.md section 3).

* :mod:`.model`: :class:`LMAC`, the interpreter and its objective (``loss``);
* :mod:`.decoder`: :class:`MaskDecoder` (also PIQ's) and
  :class:`ConvTransposeDecoder` (the paper's "light" decoder);
* :mod:`.losses`: the total variation and the guidance targets of fine-tuning.

Its figures are drawn by :mod:`speechbrain_interp.visualize` (a mask on a
spectrogram, as every mask method's).
"""

from speechbrain_interp.interpreters.lmac.decoder import ConvTransposeDecoder, MaskDecoder
from speechbrain_interp.interpreters.lmac.losses import (
    binarized_target,
    guidance_target,
    normalized_cosine,
    total_variation,
)
from speechbrain_interp.interpreters.lmac.model import LMAC

__all__ = ["LMAC", "ConvTransposeDecoder", "MaskDecoder", "binarized_target", "guidance_target",
           "normalized_cosine", "total_variation"]
