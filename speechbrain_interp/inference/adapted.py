"""Classifiers of other toolkits at inference: the settings their files do not give.

A SpeechBrain ``EncoderClassifier`` or a HuggingFace model is loaded by
:func:`~speechbrain_interp.adapters.load_adapted`; what a pretrained folder
of this project holds beside the model (labels as a label encoder, the
window and hop of long recordings, the batch size, the top-k) comes from
:data:`SETTINGS_FILE`, the model's own configuration where it fixes a clip
length, and the caller's overrides (:func:`adapted_hparams`).

Authors
 * speechbrain-interp developers 2026
"""

import os

from hyperpyyaml import load_hyperpyyaml
from speechbrain.dataio.encoder import CategoricalEncoder

__all__ = ["ADAPTER_KEYS", "SETTINGS_FILE", "adapted_hparams", "label_encoder_of",
           "packaged_settings", "split_overrides"]

#: the packaged inference settings of adapted classifiers
SETTINGS_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "adapted.yaml")
#: the overrides that choose how the model is adapted (given to ``load_adapted``)
ADAPTER_KEYS = ("representations", "route", "grad_cam_layer")


def packaged_settings():
    """The settings of :data:`SETTINGS_FILE` (name -> value).

    Example
    -------
    >>> packaged_settings()["min_window_s"]
    0.5
    """
    with open(SETTINGS_FILE, encoding="utf-8") as f:
        return dict(load_hyperpyyaml(f))


def label_encoder_of(labels):
    """A ``CategoricalEncoder`` of ``labels``, in their order.

    Example
    -------
    >>> label_encoder_of(["dog", "rain"]).ind2lab
    {0: 'dog', 1: 'rain'}
    """
    encoder = CategoricalEncoder()
    encoder.update_from_iterable(list(labels))
    if len(encoder) != len(labels):
        raise ValueError(f"the model's labels are not distinct: {list(labels)}")
    encoder.expect_len(len(labels))
    return encoder


def split_overrides(overrides, source):
    """``(settings overrides, adapter options)`` of ``overrides``; an unknown key
    is named.

    Example
    -------
    >>> split_overrides({"window_s": 1.0, "route": "wave"}, "repo")
    ({'window_s': 1.0}, {'route': 'wave'})
    """
    known = set(packaged_settings())
    settings, adapter = {}, {}
    for key, value in dict(overrides or {}).items():
        if key in ADAPTER_KEYS:
            adapter[key] = value
        elif key in known:
            settings[key] = value
        else:
            raise KeyError(f"override {key!r} does not apply to {source} (a classifier of another "
                           f"toolkit): its settings are {sorted(known)}, its adapter's "
                           f"{list(ADAPTER_KEYS)}")
    return settings, adapter


def adapted_hparams(classifier, overrides=None):
    """The ``hparams`` of an inference object around an adapted classifier.

    Arguments
    ---------
    classifier : speechbrain_interp.adapters.AdaptedClassifier
    overrides : dict, optional
        Changes to :data:`SETTINGS_FILE` (``window_s``, ``hop_s``, ...).

    Returns
    -------
    dict
        The settings, ``labels`` and ``label_encoder``; ``window_s`` is the
        model's clip length where its configuration fixes one, ``hop_s`` half
        the window unless set. A model that hears the masked input as a wave
        (``needs_phase``) gets a window of whole STFT hops (rounded down): the
        ISTFT gives back ``(T - 1) * hop`` samples, the whole window only then.
    """
    settings = packaged_settings()
    if classifier.clip_seconds is not None:
        settings["window_s"] = classifier.clip_seconds
    settings.update(overrides or {})
    if getattr(classifier, "needs_phase", False):
        hop, rate = classifier.frontend.hop_samples, classifier.sample_rate
        whole = int(round(float(settings["window_s"]) * rate)) // hop * hop
        settings["window_s"] = max(whole, hop) / rate
    if settings["hop_s"] is None:
        settings["hop_s"] = settings["window_s"] / 2
    settings["labels"] = list(classifier.labels)
    settings["label_encoder"] = label_encoder_of(classifier.labels)
    return settings
