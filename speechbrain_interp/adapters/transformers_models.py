"""HuggingFace ``transformers`` audio classifiers (``AutoModelForAudioClassification``
with its feature extractor) as classifiers the interpreters take.

A repository or folder as the hub holds one (``config.json``, the weights,
``preprocessor_config.json``) is loaded by ``transformers``' own
``from_pretrained`` and wrapped by :class:`TransformersModel`, which gives
it the contract of :class:`~speechbrain_interp.adapters.adapted.AdaptedClassifier`.
The feature extractors of ``transformers`` work on numpy arrays, so the
model's front end is written here in torch, differentiable, and checked
against the extractor (:meth:`TransformersModel.features`):

* models that hear the wave itself (wav2vec 2.0, HuBERT, WavLM,
  data2vec-audio, UniSpeech, SEW; :data:`WAVE_MODELS`): the extractor's
  zero-mean, unit-variance normalisation when it has ``do_normalize``;
* the Audio Spectrogram Transformer (``audio-spectrogram-transformer``):
  torchaudio's Kaldi-compatible filterbank (Hanning window, 25 ms / 10 ms,
  ``num_mel_bins``), padded or cut to ``max_length`` frames and normalised
  with the extractor's ``mean`` and ``std``, as ``ASTFeatureExtractor``
  computes it with torchaudio; its representations are patch tokens,
  brought to their time-frequency grid (:func:`ast_representations`).

A masked input reaches them through the ISTFT of the masked STFT with the
input's phase (route ``"wave"``). Other model types are refused, naming the
type. ``transformers`` is an optional dependency
(``pip install speechbrain-interp[hf]``).

Authors
 * speechbrain-interp developers 2026
"""

import torch
import torch.nn.functional as F
from torch import nn

from speechbrain_interp.adapters.adapted import AdaptedClassifier, check_source
from speechbrain_interp.frontend import SpectralFrontEnd

__all__ = ["AST", "WAVE_MODELS", "TransformersModel", "ast_representations", "from_transformers",
           "wave_representations"]

#: model types whose input is the (normalised) wave
WAVE_MODELS = ("wav2vec2", "hubert", "wavlm", "data2vec-audio", "unispeech", "unispeech-sat",
               "sew", "sew-d")

#: the Audio Spectrogram Transformer's model type
AST = "audio-spectrogram-transformer"
#: length and shift (s) of the frames of torchaudio's Kaldi filterbank (its defaults, AST's)
KALDI_FRAME_S, KALDI_SHIFT_S = 0.025, 0.010

_MISSING = ("explaining a HuggingFace model needs the transformers package: "
            "pip install speechbrain-interp[hf] (or pip install transformers)")


def _transformers():
    try:
        import transformers
    except ImportError as err:
        raise ImportError(_MISSING) from err
    return transformers


def wave_representations(model):
    """Default hooked layers of a wave model, deepest first: its last two
    encoder layers (``[B, T, C]``) and last two convolutions (``[B, C, T]``).

    Arguments
    ---------
    model : transformers.PreTrainedModel
        A ``*ForSequenceClassification`` of :data:`WAVE_MODELS`.

    Returns
    -------
    list of (str, str)
        Names as seen from :class:`TransformersModel` (``model.<prefix>...``).
    """
    prefix = f"model.{model.base_model_prefix}"
    base = getattr(model, model.base_model_prefix)
    n_layers, n_convs = len(base.encoder.layers), len(base.feature_extractor.conv_layers)
    if n_layers < 2 or n_convs < 2:
        raise ValueError(f"a model of {n_layers} encoder layers and {n_convs} convolutions: name "
                         "its representations")
    return [(f"{prefix}.encoder.layers.{n_layers - 1}", "btc"),
            (f"{prefix}.encoder.layers.{n_layers - 2}", "btc"),
            (f"{prefix}.feature_extractor.conv_layers.{n_convs - 1}", "bct"),
            (f"{prefix}.feature_extractor.conv_layers.{n_convs - 2}", "bct")]


def ast_representations(model):
    """Default hooked layers of an AST, deepest first: its last encoder layers and
    the patch embeddings (at most four), each a grid of patch tokens after the two
    class tokens.

    Arguments
    ---------
    model : transformers.ASTForAudioClassification

    Returns
    -------
    list of (str, tuple)
    """
    base = model.audio_spectrogram_transformer
    n_freq, n_time = base.embeddings.get_shape(model.config)
    layout = ("patches", int(n_freq), int(n_time), 2)
    prefix = "model.audio_spectrogram_transformer"
    # transformers 5 holds the blocks in ``layers``, 4.x in ``encoder.layer``
    where = "layers" if hasattr(base, "layers") else "encoder.layer"
    blocks = base.layers if where == "layers" else base.encoder.layer
    layers = [f"{prefix}.{where}.{i}" for i in reversed(range(len(blocks)))]
    return [(name, layout) for name in (layers[:3] + [f"{prefix}.embeddings"])]


class TransformersModel(nn.Module):
    """A ``transformers`` audio classifier and its front end behind the adapter's contract.

    Arguments
    ---------
    model : transformers.PreTrainedModel
        An ``AutoModelForAudioClassification`` model of :data:`WAVE_MODELS`.
    feature_extractor : transformers.FeatureExtractionMixin
        Its feature extractor (``AutoFeatureExtractor``).
    """

    def __init__(self, model, feature_extractor):
        super().__init__()
        config = model.config
        if config.model_type not in WAVE_MODELS + (AST,):
            raise ValueError(
                f"model type {config.model_type!r} is not adapted yet: adapted are {AST!r} and "
                f"the models that hear the wave ({', '.join(WAVE_MODELS)})")
        if getattr(config, "problem_type", None) == "multi_label_classification":
            raise ValueError("multi-label transformers classifiers are not adapted yet")
        self.model = model
        self.sample_rate = int(feature_extractor.sampling_rate)
        self.labels = [str(config.id2label[i]) for i in range(config.num_labels)]
        self.normalize = bool(getattr(feature_extractor, "do_normalize", False))
        self.kind = "fbank" if config.model_type == AST else "wave"
        if self.kind == "fbank":
            self.num_mel_bins = int(feature_extractor.num_mel_bins)
            self.max_length = int(feature_extractor.max_length)
            self.mean, self.std = float(feature_extractor.mean), float(feature_extractor.std)
            # max_length Kaldi frames (edges snipped) span this
            self.clip_seconds = round((self.max_length - 1) * KALDI_SHIFT_S + KALDI_FRAME_S, 6)

    def features(self, wave):
        """The extractor's ``input_values``: for a wave model ``[B, N]``, each clip
        normalised to zero mean and unit variance when the extractor does
        (``do_normalize``); for AST the ``[B, max_length, num_mel_bins]`` filterbank."""
        if self.kind == "fbank":
            return self._fbank(wave)
        if not self.normalize:
            return wave
        mean = wave.mean(dim=-1, keepdim=True)
        variance = wave.var(dim=-1, keepdim=True, unbiased=False)
        return (wave - mean) / torch.sqrt(variance + 1e-7)

    def _fbank(self, wave):
        from torchaudio.compliance import kaldi

        rows = []
        for clip in wave:
            fbank = kaldi.fbank(clip.unsqueeze(0), sample_frequency=self.sample_rate,
                                window_type="hanning", num_mel_bins=self.num_mel_bins)
            missing = self.max_length - fbank.shape[0]
            rows.append(F.pad(fbank, (0, 0, 0, missing)) if missing > 0
                        else fbank[: self.max_length])
        features = torch.stack(rows)
        if self.normalize:
            features = (features - self.mean) / (2 * self.std)
        return features

    def logits(self, features):
        """``model(input_values=features).logits``, ``[B, C]``."""
        return self.model(input_values=features).logits


def from_transformers(source, representations=None, revision=None, cache_dir=None,
                      device=None, grad_cam_layer=None, route="wave"):
    """A HuggingFace audio-classification repository or folder, adapted.

    Arguments
    ---------
    source : str
        A hub repository id or a local folder (``config.json``, weights,
        ``preprocessor_config.json``).
    representations : list of (str, layout), optional
        Hooked layers, deepest first (default: :func:`ast_representations`
        or :func:`wave_representations`).
    revision, cache_dir : str, optional
        As ``from_pretrained`` takes them.
    device : str, optional
        Where the model goes (default: the CPU).
    grad_cam_layer : str, optional
        The representation Grad-CAM reads (default: the deepest; for AST the
        second deepest, its head reading only the class tokens).
    route : str
        ``"wave"``, the only route into these models (their front ends are
        not filterbanks of the masks' STFT).

    Returns
    -------
    speechbrain_interp.adapters.adapted.AdaptedClassifier
        Route ``"wave"``; the masks live on a 512-point STFT with 25 ms
        windows and a 10 ms hop (a clip of whole hops comes back intact).
    """
    transformers = _transformers()
    check_source(source, ["config.json", "preprocessor_config.json"],
                 "a HuggingFace audio classifier")
    options = {"revision": revision, "cache_dir": cache_dir}
    model = transformers.AutoModelForAudioClassification.from_pretrained(str(source), **options)
    extractor = transformers.AutoFeatureExtractor.from_pretrained(str(source), **options)
    wrapped = TransformersModel(model.eval(), extractor).to(device or "cpu")
    frontend = SpectralFrontEnd(sample_rate=wrapped.sample_rate, n_fft=512, win_length=25,
                                hop_length=10, feature_type="log1p_linear").to(device or "cpu")
    if representations is not None:
        chosen = representations
    elif model.config.model_type == AST:
        chosen = ast_representations(model)
    else:
        chosen = wave_representations(model)
    if route != "wave":
        raise ValueError(f"a HuggingFace model hears the masked input as a wave (route 'wave'), "
                         f"got route={route!r}: its front end is not a filterbank of the masks' "
                         "STFT")
    # AST's head reads its class tokens: the last block's patch tokens get no gradient
    cam = chosen[1][0] if model.config.model_type == AST and len(chosen) > 2 else None
    return AdaptedClassifier(wrapped, frontend, chosen, route="wave",
                             grad_cam_layer=grad_cam_layer or cam)
