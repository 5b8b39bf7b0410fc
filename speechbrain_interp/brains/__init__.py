"""``speechbrain.core.Brain`` subclasses shared by all recipes."""

from speechbrain_interp.brains.classification import ClassifierBrain

__all__ = ["ClassifierBrain"]
from speechbrain_interp.brains.interpretation import InterpreterBrain  # noqa: E402

__all__ += ["InterpreterBrain"]
