"""Pretrained classifiers and interpreters for inference, the SpeechBrain way.

:class:`SoundClassifier` and :class:`AudioInterpreter` are SpeechBrain
``Pretrained`` interfaces: ``from_hparams(source=<folder or HF repo>, savedir=...)``
then ``classify_file`` / ``interpret_file`` on recordings of any length.
:func:`load_classifier` and :func:`load_interpreter` return the bare modules
(what recipe YAMLs and the evaluation use).
"""

from speechbrain_interp.inference.classifier import (
    Classification, SoundClassifier, load_classifier, load_recording,
)  # fmt: skip
from speechbrain_interp.inference.interpreter import (
    METHODS, AudioInterpreter, load_interpreter, method_settings,
)  # fmt: skip
from speechbrain_interp.sources import PretrainedSourceError

__all__ = [
    "METHODS", "AudioInterpreter", "Classification", "PretrainedSourceError", "SoundClassifier",
    "load_classifier", "load_interpreter", "load_recording", "method_settings",
]
