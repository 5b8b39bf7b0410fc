"""Interpreters behind one ``interpret(wave)`` interface."""

from speechbrain_interp.interpreters.base import Interpretation, Interpreter, log_mask_to_linear
from speechbrain_interp.interpreters.lmac import LMAC

__all__ = ["Interpretation", "Interpreter", "LMAC", "log_mask_to_linear"]
