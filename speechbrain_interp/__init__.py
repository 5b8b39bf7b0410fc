"""speechbrain-interp: listenable post-hoc interpretation of audio classifiers."""

import logging

from speechbrain_interp import moved
from speechbrain_interp.version import __version__

__all__ = ["__version__"]


class _NotApplicable(logging.Filter):
    """Drops SpeechBrain warnings that do not apply to this project, so that
    the ones that do are read.

    * "torchvision is not available - cannot save figures": SpeechBrain's
      ``ProgressSampleLogger`` would save images with torchvision; this
      project draws every figure with matplotlib and never uses it.
    """

    MESSAGES = ("torchvision is not available - cannot save figures",)

    def filter(self, record):
        return record.getMessage() not in self.MESSAGES


logging.getLogger("speechbrain.utils.train_logger").addFilter(_NotApplicable())
moved.install()  # old module names that exported hyperparams.yaml files name
