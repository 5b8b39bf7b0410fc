"""Data preparation: dataset layouts to SpeechBrain JSON manifests.

* :mod:`speechbrain_interp.data.manifest` -- dataset-independent helpers
  (metadata validation, audio checks, atomic JSON, up-to-date state).
* :mod:`speechbrain_interp.data.download` -- the only network code.
* :mod:`speechbrain_interp.data.esc50` -- ESC-50 preparation.
"""

from speechbrain_interp.data.esc50 import download_esc50, prepare_esc50
from speechbrain_interp.data.nsynth import download_nsynth, prepare_nsynth  # noqa: F401

__all__ = ["download_esc50", "prepare_esc50"]
