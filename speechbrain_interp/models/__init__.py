"""Neural network models (classifiers; interpreters live in their own modules)."""

from speechbrain_interp.models.cnn14 import CNN14, CNN14Block

__all__ = ["CNN14", "CNN14Block"]
