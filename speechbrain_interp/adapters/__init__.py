"""Classifiers people already have, explained: adapters to the interpreters' contract.

* :mod:`.adapted`: :class:`AdaptedClassifier`, any model with the documented
  contract (the model's own front end, logits, hooked representations) as
  the interpreters take a classifier;
* :mod:`.speechbrain_models`: a SpeechBrain ``EncoderClassifier`` folder or
  hub repository (:func:`from_speechbrain`);
* :mod:`.transformers_models`: a HuggingFace audio classifier
  (:func:`from_transformers`; ``pip install speechbrain-interp[hf]``);
* :mod:`.families`: which toolkit a source comes from
  (:func:`classifier_family`) and loading it adapted (:func:`load_adapted`).
"""

from speechbrain_interp.adapters.adapted import LAYOUTS, ROUTES, AdaptedClassifier, to_grid
from speechbrain_interp.adapters.families import (
    ADAPTED_FAMILIES, FAMILIES, classifier_family, load_adapted,
)  # fmt: skip

__all__ = ["ADAPTED_FAMILIES", "FAMILIES", "LAYOUTS", "ROUTES", "AdaptedClassifier",
           "classifier_family", "load_adapted", "to_grid"]
