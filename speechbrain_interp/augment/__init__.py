"""Data augmentation: noise mixing functions and WHAM! noise augmentation.

* :mod:`speechbrain_interp.augment.mixing`: stateless mixing at an exact
  SNR, and the upstream unit-norm sum.
* :mod:`speechbrain_interp.augment.wham`: a seeded WHAM! noise bank, the
  :class:`WhamAugment` module and the data preparation.

Authors
 * speechbrain-interp developers 2026
"""

from speechbrain_interp.augment.mixing import (
    measured_snr,
    mix_at_snr,
    mix_unit_norm,
    scale_to_snr,
)
from speechbrain_interp.augment.wham import (
    WHAM_URL,
    NoiseBank,
    WhamAugment,
    download_wham,
    prepare_wham,
)

__all__ = [
    "WHAM_URL",
    "NoiseBank",
    "WhamAugment",
    "download_wham",
    "measured_snr",
    "mix_at_snr",
    "mix_unit_norm",
    "prepare_wham",
    "scale_to_snr",
]
