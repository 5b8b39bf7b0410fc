"""PIQ, Posthoc Interpretation via Quantization (docs/methods.md section 1).

* :mod:`.model`: :class:`PIQ`, the interpreter and its objective (``loss``);
* :mod:`.codebook`: the class-partitioned codebook (:class:`ClassPartitionedVQ`)
  and the adapter's :class:`ResBlock`.

The decoder is L-MAC's :class:`~speechbrain_interp.interpreters.lmac.MaskDecoder`.
"""

from speechbrain_interp.interpreters.piq.codebook import (
    ClassPartitionedVQ,
    ResBlock,
    VQOutput,
    partition_codes,
)
from speechbrain_interp.interpreters.piq.model import PIQ

__all__ = ["PIQ", "ClassPartitionedVQ", "ResBlock", "VQOutput", "partition_codes"]
