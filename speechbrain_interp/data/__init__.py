"""Data preparation: dataset layouts to SpeechBrain JSON manifests.

* :mod:`speechbrain_interp.data.prepare` -- the skeleton of a preparation
  (:class:`~speechbrain_interp.data.prepare.Preparation`) and its fold-based
  csv form (:class:`~speechbrain_interp.data.prepare.FoldPreparation`):
  ESC-50 and UrbanSound8K are hooks of the latter, SONYC-UST of the former.
* :mod:`speechbrain_interp.data.manifest` -- dataset-independent helpers
  (audio checks, atomic JSON, up-to-date state).
* :mod:`speechbrain_interp.data.tables` -- metadata csv reading and checks.
* :mod:`speechbrain_interp.data.folds` -- fold-argument checks of the
  fold-based datasets.
* :mod:`speechbrain_interp.data.download` -- the only network code.
* :mod:`speechbrain_interp.data.esc50` -- ESC-50 preparation.
* :mod:`speechbrain_interp.data.urbansound8k` -- UrbanSound8K preparation.
* :mod:`speechbrain_interp.data.sonyc_ust` -- SONYC-UST v2 preparation
  (multi-label: coarse or fine classes, DCASE or L2I label aggregation).
* :mod:`speechbrain_interp.data.nsynth` -- NSynth preparation.
"""

from speechbrain_interp.data.esc50 import download_esc50, prepare_esc50
from speechbrain_interp.data.nsynth import download_nsynth, prepare_nsynth
from speechbrain_interp.data.sonyc_ust import download_sonyc_ust, prepare_sonyc_ust
from speechbrain_interp.data.urbansound8k import (
    download_urbansound8k,
    prepare_urbansound8k,
)

__all__ = [
    "download_esc50",
    "download_nsynth",
    "download_sonyc_ust",
    "download_urbansound8k",
    "prepare_esc50",
    "prepare_nsynth",
    "prepare_sonyc_ust",
    "prepare_urbansound8k",
]
