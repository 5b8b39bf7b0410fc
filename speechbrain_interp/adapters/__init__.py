"""Classifiers people already have, explained: adapters to the interpreters' contract.

* :mod:`.adapted`: :class:`AdaptedClassifier`, any model with the documented
  contract (the model's own front end, logits, hooked representations) as
  the interpreters take a classifier;
* :mod:`.speechbrain_models`: a SpeechBrain ``EncoderClassifier`` folder or
  hub repository (:func:`from_speechbrain`).
"""

from speechbrain_interp.adapters.adapted import LAYOUTS, ROUTES, AdaptedClassifier, to_grid

__all__ = ["LAYOUTS", "ROUTES", "AdaptedClassifier", "to_grid"]
