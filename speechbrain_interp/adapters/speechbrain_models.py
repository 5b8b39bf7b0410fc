"""SpeechBrain ``EncoderClassifier`` models (ECAPA-TDNN, x-vector, CNN14 on
``Fbank`` features) as classifiers the interpreters take.

A folder or HuggingFace repository in SpeechBrain's ``EncoderClassifier``
layout (``hyperparams.yaml`` with ``compute_features``, ``mean_var_norm``,
``embedding_model``, ``classifier`` and a ``label_encoder``; the checkpoints
its ``pretrainer`` names) is loaded by SpeechBrain's own
``EncoderClassifier.from_hparams`` and wrapped by :class:`SpeechBrainModel`,
which gives it the contract of
:class:`~speechbrain_interp.adapters.adapted.AdaptedClassifier`:

* its features are ``mean_var_norm(compute_features(wave))``, as
  ``EncoderClassifier.encode_batch`` computes them;
* its logits are ``classifier(embedding_model(features))``, the scores
  ``classify_batch`` returns;
* where ``compute_features`` is SpeechBrain's ``Fbank``, a masked magnitude
  reaches the model exactly: ``Fbank`` is a filterbank of ``|X|^2`` on its
  own STFT, so the adapter's front end is that STFT
  (:func:`fbank_frontend`) and the features are the filterbank of the
  masked ``|X|^2`` (route ``"magnitude"``). Other front ends hear the ISTFT
  of the masked STFT (route ``"wave"``).

Authors
 * speechbrain-interp developers 2026
"""

import os
import re

import torch
from torch import nn

from speechbrain_interp.adapters.adapted import AdaptedClassifier, check_source
from speechbrain_interp.frontend import SpectralFrontEnd

__all__ = ["ECAPA_REPRESENTATIONS", "SpeechBrainModel", "fbank_frontend", "from_speechbrain"]

#: ECAPA-TDNN's layers the decoders read, deepest first (all ``[B, C, T]``)
ECAPA_REPRESENTATIONS = (
    ("embedding_model.mfa", "bct"),
    ("embedding_model.blocks.3", "bct"),
    ("embedding_model.blocks.2", "bct"),
    ("embedding_model.blocks.1", "bct"),
)


def _is_fbank(module):
    from speechbrain.lobes.features import Fbank

    return isinstance(module, Fbank)


def fbank_frontend(fbank):
    """The front end whose STFT is ``fbank``'s (window, FFT size, hop, padding).

    Arguments
    ---------
    fbank : speechbrain.lobes.features.Fbank

    Returns
    -------
    speechbrain_interp.frontend.SpectralFrontEnd
        ``feature_type="log1p_linear"`` (the model's features are the model's).

    Example
    -------
    >>> from speechbrain.lobes.features import Fbank
    >>> fe = fbank_frontend(Fbank(n_mels=40))
    >>> fe.n_fft, fe.hop_samples, fe.sample_rate
    (400, 160, 16000)
    """
    stft = fbank.compute_STFT
    hamming = torch.hamming_window(stft.win_length)
    if not torch.equal(stft.window.cpu(), hamming) or not stft.center or stft.pad_mode != "constant" \
            or stft.normalized_stft or not stft.onesided:
        raise ValueError("only Fbank's default STFT (Hamming window, centred, one-sided, not "
                         "normalised) has a SpectralFrontEnd twin; use route='wave'")
    rate = int(stft.sample_rate)
    return SpectralFrontEnd(sample_rate=rate, n_fft=int(stft.n_fft),
                            win_length=1000.0 * stft.win_length / rate,
                            hop_length=1000.0 * stft.hop_length / rate,
                            feature_type="log1p_linear")


class SpeechBrainModel(nn.Module):
    """An ``EncoderClassifier``'s modules behind the adapter's contract.

    Arguments
    ---------
    encoder_classifier : speechbrain.inference.classifiers.EncoderClassifier
        Loaded (``from_hparams``).
    """

    def __init__(self, encoder_classifier):
        super().__init__()
        mods, hparams = encoder_classifier.mods, encoder_classifier.hparams
        for name in ("compute_features", "embedding_model", "classifier"):
            if name not in mods:
                raise KeyError(f"the EncoderClassifier has no module {name!r} (its modules: "
                               f"{sorted(mods)}): not the EncoderClassifier layout")
        self.compute_features = mods["compute_features"]
        self.mean_var_norm = mods["mean_var_norm"] if "mean_var_norm" in mods else None
        self.embedding_model = mods["embedding_model"]
        self.classifier = mods["classifier"]
        encoder = getattr(hparams, "label_encoder", None)
        if encoder is None or not len(encoder):
            raise ValueError("the EncoderClassifier has no label_encoder with labels")
        self.labels = [str(encoder.ind2lab[i]) for i in range(len(encoder))]
        stft = getattr(self.compute_features, "compute_STFT", None)
        rate = getattr(hparams, "sample_rate", None) or getattr(stft, "sample_rate", None)
        if rate is None:
            raise ValueError("neither hyperparams.yaml (sample_rate) nor the front end says the "
                             "model's sample rate")
        self.sample_rate = int(rate)
        if not _is_fbank(self.compute_features):
            self.magnitude_features = None

    def _normalised(self, features):
        if self.mean_var_norm is None:
            return features
        lengths = torch.ones(features.shape[0], device=features.device)
        return self.mean_var_norm(features, lengths)

    def features(self, wave):
        """``mean_var_norm(compute_features(wave))``, ``[B, T, D]``."""
        return self._normalised(self.compute_features(wave))

    def magnitude_features(self, magnitude):
        """The same features from ``|X|`` ``[B, T, F]`` of :func:`fbank_frontend` (``Fbank`` only)."""
        fbank = self.compute_features
        features = fbank.compute_fbanks(magnitude ** 2)
        if fbank.deltas:
            delta1 = fbank.compute_deltas(features)
            features = torch.cat([features, delta1, fbank.compute_deltas(delta1)], dim=2)
        if fbank.context:
            features = fbank.context_window(features)
        return self._normalised(features)

    def logits(self, features):
        """``classifier(embedding_model(features))``, ``[B, C]``."""
        lengths = torch.ones(features.shape[0], device=features.device)
        scores = self.classifier(self.embedding_model(features, lengths))
        return scores.reshape(scores.shape[0], -1)


def from_speechbrain(source, savedir=None, representations=ECAPA_REPRESENTATIONS, route=None,
                     run_opts=None, grad_cam_layer=None):
    """A SpeechBrain ``EncoderClassifier`` folder or repository, adapted.

    Arguments
    ---------
    source : str
        A local folder or a HuggingFace repository id in the
        ``EncoderClassifier`` layout. A folder holding a repository's files
        is read in place: its ``pretrained_path`` is taken to be the folder.
    savedir : str, optional
        Where SpeechBrain puts the fetched files.
    representations : list of (str, str)
        Hooked layers, deepest first (default: ECAPA-TDNN's).
    route : str, optional
        ``"magnitude"`` (``Fbank`` models: exact) or ``"wave"`` (ISTFT).
    run_opts : dict, optional
        SpeechBrain's (``{"device": "cuda"}``).
    grad_cam_layer : str, optional
        The representation Grad-CAM reads (default: the deepest).

    Returns
    -------
    speechbrain_interp.adapters.adapted.AdaptedClassifier
    """
    from speechbrain.inference.classifiers import EncoderClassifier

    check_source(source, ["hyperparams.yaml"], "a SpeechBrain EncoderClassifier")
    overrides = {}
    yaml_path = os.path.join(str(source), "hyperparams.yaml")
    if os.path.isdir(str(source)) and os.path.isfile(yaml_path):
        with open(yaml_path, encoding="utf-8") as f:
            if re.search(r"^pretrained_path:", f.read(), flags=re.M):
                # a repository's files in a folder: its checkpoints are those beside the YAML
                overrides["pretrained_path"] = os.path.abspath(str(source))
    loaded = EncoderClassifier.from_hparams(source=str(source), savedir=savedir,
                                            overrides=overrides, run_opts=run_opts or {})
    model = SpeechBrainModel(loaded)
    if representations is ECAPA_REPRESENTATIONS:
        from speechbrain.lobes.models.ECAPA_TDNN import ECAPA_TDNN

        if not isinstance(model.embedding_model, ECAPA_TDNN):
            layers = [name for name, _ in model.named_modules() if name.count(".") == 2][:8]
            raise ValueError(
                f"{source}: its embedding_model is a {type(model.embedding_model).__name__}, not "
                "an ECAPA-TDNN, whose layers are hooked by default: name the representations "
                "to decode, deepest first, with their layouts (representations=[[name, 'bct'], "
                f"...]; some of its layers: {layers})")
    if _is_fbank(model.compute_features):
        frontend = fbank_frontend(model.compute_features)
    else:
        frontend = SpectralFrontEnd(sample_rate=model.sample_rate, n_fft=512, win_length=25,
                                    hop_length=10, feature_type="log1p_linear")
    device = next(model.parameters()).device
    return AdaptedClassifier(model, frontend.to(device), representations, route=route,
                             grad_cam_layer=grad_cam_layer)
