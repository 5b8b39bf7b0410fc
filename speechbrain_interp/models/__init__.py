"""Classifier encoders (the interpreters' own networks live in their method packages)."""

from speechbrain_interp.models.cnn14 import CNN14, CNN14Block
from speechbrain_interp.models.spectral_cnn import SpectralCNN, SpectralCNNBlock

__all__ = ["CNN14", "CNN14Block", "SpectralCNN", "SpectralCNNBlock"]

#: names this package exported before they moved to their method (issue 27)
_MOVED = {
    "FourierInpainter": "speechbrain_interp.interpreters.rde.inpainter",
    "PVDecoder": "speechbrain_interp.interpreters.pv.decoder",
}


def __getattr__(name):
    """``speechbrain_interp.models.FourierInpainter`` (and ``PVDecoder``), as
    YAML files written before the move name them, from their new module."""
    if name in _MOVED:
        import importlib

        return getattr(importlib.import_module(_MOVED[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
