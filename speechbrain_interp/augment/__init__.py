"""Data augmentation: noise mixing functions and WHAM! noise augmentation.

* :mod:`speechbrain_interp.augment.mixing`: stateless mixing at an exact
  SNR, and the upstream unit-norm sum.
* :mod:`speechbrain_interp.augment.wham`: the :class:`WhamAugment` module,
  which mixes crops of a :class:`speechbrain_interp.data.wham.NoiseBank`
  into training batches.

Authors
 * speechbrain-interp developers 2026
"""

from speechbrain_interp.augment.mixing import (
    measured_snr,
    mix_at_snr,
    mix_unit_norm,
    scale_to_snr,
)
from speechbrain_interp.augment.wham import WhamAugment

__all__ = [
    "WhamAugment",
    "measured_snr",
    "mix_at_snr",
    "mix_unit_norm",
    "scale_to_snr",
]
