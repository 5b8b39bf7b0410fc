"""Neural network models (classifiers; interpreters live in their own modules)."""

from speechbrain_interp.models.cnn14 import CNN14, CNN14Block
from speechbrain_interp.models.inpainter import FourierInpainter
from speechbrain_interp.models.pv_decoder import PVDecoder
from speechbrain_interp.models.spectral_cnn import SpectralCNN, SpectralCNNBlock

__all__ = ["CNN14", "CNN14Block", "FourierInpainter", "PVDecoder", "SpectralCNN", "SpectralCNNBlock"]
