"""Small objects for examples, tests and smoke runs.

:func:`small_classifier` is the one place a narrow CNN14 classifier is
built for the docstrings' examples and the tests: a full-size CNN14 costs
about a second per forward on a CPU, a base width of 4 a few milliseconds.
:func:`write_speechbrain_ecapa` and :func:`write_transformers_classifier`
write randomly initialised classifiers of other origins as their hubs hold
them (SpeechBrain's ``EncoderClassifier`` layout; ``save_pretrained``), small
or at their published size, for the adapters' tests and benchmarks.

Authors
 * speechbrain-interp developers 2026
"""

import torch

from speechbrain_interp.classifier import AudioClassifier
from speechbrain_interp.frontend import SpectralFrontEnd
from speechbrain_interp.models import CNN14

__all__ = ["small_classifier", "write_speechbrain_ecapa", "write_transformers_classifier"]

#: ECAPA-TDNN sizes: small, and that of speechbrain/urbansound8k_ecapa
ECAPA_SIZES = {
    "small": {"n_mels": 24, "channels": [16, 16, 16, 16, 48], "attention_channels": 8,
              "res2net_scale": 4, "se_channels": 8, "lin_neurons": 12},
    "base": {"n_mels": 80, "channels": [1024, 1024, 1024, 1024, 3072], "attention_channels": 128,
             "res2net_scale": 8, "se_channels": 128, "lin_neurons": 192},
}

_ECAPA_YAML = """\
pretrained_path: {repo}
sample_rate: 16000
n_mels: {n_mels}
compute_features: !new:speechbrain.lobes.features.Fbank
    n_mels: !ref <n_mels>
mean_var_norm: !new:speechbrain.processing.features.InputNormalization
    norm_type: sentence
    std_norm: False
embedding_model: !new:speechbrain.lobes.models.ECAPA_TDNN.ECAPA_TDNN
    input_size: !ref <n_mels>
    channels: {channels}
    kernel_sizes: [5, 3, 3, 3, 1]
    dilations: [1, 2, 3, 4, 1]
    attention_channels: {attention_channels}
    res2net_scale: {res2net_scale}
    se_channels: {se_channels}
    lin_neurons: {lin_neurons}
classifier: !new:speechbrain.lobes.models.ECAPA_TDNN.Classifier
    input_size: {lin_neurons}
    out_neurons: {n_classes}
label_encoder: !new:speechbrain.dataio.encoder.CategoricalEncoder
modules:
    compute_features: !ref <compute_features>
    mean_var_norm: !ref <mean_var_norm>
    embedding_model: !ref <embedding_model>
    classifier: !ref <classifier>
pretrainer: !new:speechbrain.utils.parameter_transfer.Pretrainer
    loadables:
        embedding_model: !ref <embedding_model>
        classifier: !ref <classifier>
        label_encoder: !ref <label_encoder>
    paths:
        embedding_model: !ref <pretrained_path>/embedding_model.ckpt
        classifier: !ref <pretrained_path>/classifier.ckpt
        label_encoder: !ref <pretrained_path>/label_encoder.txt
"""


def small_classifier(n_classes=3, *, n_mels=80, base_channels=4, multilabel=False, frontend=None,
                     seed=None, **encoder_options):
    """A narrow CNN14 classifier: ``AudioClassifier(frontend, CNN14, Linear)``.

    The encoder is built before the head, from the current random state
    (``seed``, when given, seeds it first); the default front end
    (``SpectralFrontEnd(n_mels=n_mels)``) has no parameters and draws
    nothing. The model is returned in training mode: ``.eval()`` or
    ``.freeze()`` it to explain it.

    Arguments
    ---------
    n_classes : int
        Outputs of the head.
    n_mels : int
        Mel bands of the default front end and input size of the encoder.
    base_channels : int
        CNN14's first width (64 in the paper's model).
    multilabel : bool
        Sigmoid outputs (a tagger) instead of a softmax.
    frontend : speechbrain_interp.frontend.SpectralFrontEnd, optional
        Another front end (its ``n_features`` must be ``n_mels``).
    seed : int, optional
        Seeds the global RNG first.
    **encoder_options
        Given to :class:`~speechbrain_interp.models.CNN14` (``n_blocks``,
        ``dropout``, ...).

    Returns
    -------
    speechbrain_interp.classifier.AudioClassifier

    Example
    -------
    >>> clf = small_classifier(3, seed=0).eval()
    >>> clf(wave=torch.randn(2, 16000)).logits.shape
    torch.Size([2, 3])
    >>> small_classifier(5, n_blocks=2, multilabel=True).multilabel
    True
    """
    if seed is not None:
        torch.manual_seed(seed)
    encoder = CNN14(n_mels=n_mels, base_channels=base_channels, **encoder_options)
    head = torch.nn.Linear(encoder.emb_dim, n_classes)
    if frontend is None:
        frontend = SpectralFrontEnd(n_mels=n_mels)
    return AudioClassifier(frontend, encoder, head, multilabel=multilabel)


def write_speechbrain_ecapa(folder, labels, repo="sbinterp/ecapa", size="small", seed=0):
    """A randomly initialised ECAPA-TDNN classifier written as SpeechBrain's
    ``EncoderClassifier`` repositories hold one (``hyperparams.yaml``,
    ``embedding_model.ckpt``, ``classifier.ckpt``, ``label_encoder.txt``; the
    layout of speechbrain/urbansound8k_ecapa), ``pretrained_path`` naming ``repo``.

    Arguments
    ---------
    folder : str or pathlib.Path
        Created.
    labels : list of str
    repo : str
        The repository id the YAML names.
    size : str
        A key of :data:`ECAPA_SIZES`.
    seed : int

    Returns
    -------
    pathlib.Path
        ``folder``.
    """
    import pathlib

    from hyperpyyaml import load_hyperpyyaml
    from speechbrain.dataio.encoder import CategoricalEncoder

    folder = pathlib.Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    text = _ECAPA_YAML.format(repo=repo, n_classes=len(labels), **ECAPA_SIZES[size])
    (folder / "hyperparams.yaml").write_text(text)
    torch.manual_seed(seed)
    built = load_hyperpyyaml(text)
    torch.save(built["embedding_model"].state_dict(), folder / "embedding_model.ckpt")
    torch.save(built["classifier"].state_dict(), folder / "classifier.ckpt")
    encoder = CategoricalEncoder()
    encoder.update_from_iterable(list(labels))
    encoder.expect_len(len(labels))
    encoder.save(str(folder / "label_encoder.txt"))
    return folder


def write_transformers_classifier(folder, family, labels, size="small", seed=0):
    """A randomly initialised HuggingFace audio classifier and its feature
    extractor, written with ``save_pretrained``.

    Arguments
    ---------
    folder : str or pathlib.Path
    family : str
        ``"wav2vec2"`` or ``"ast"``.
    labels : list of str
    size : str
        ``"small"`` (two layers of width 32) or ``"base"`` (the published
        base configurations: wav2vec 2.0 base; AST base with 128 mel bands
        and 1024 frames, 10 s).
    seed : int

    Returns
    -------
    pathlib.Path
    """
    import pathlib

    import transformers

    id2label = dict(enumerate(labels))
    label2id = {name: i for i, name in id2label.items()}
    small = dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                 intermediate_size=64) if size == "small" else {}
    torch.manual_seed(seed)
    if family == "wav2vec2":
        conv = dict(conv_dim=(16, 16, 16), conv_stride=(5, 4, 4), conv_kernel=(10, 8, 8),
                    num_feat_extract_layers=3, num_conv_pos_embeddings=16,
                    num_conv_pos_embedding_groups=4, classifier_proj_size=16) \
            if size == "small" else {}
        config = transformers.Wav2Vec2Config(num_labels=len(labels), id2label=id2label,
                                             label2id=label2id, **small, **conv)
        model = transformers.Wav2Vec2ForSequenceClassification(config)
        extractor = transformers.Wav2Vec2FeatureExtractor(
            feature_size=1, sampling_rate=16000, padding_value=0.0, do_normalize=True,
            return_attention_mask=False)
    elif family == "ast":
        shape = dict(num_mel_bins=32, max_length=104, frequency_stride=8, time_stride=8) \
            if size == "small" else dict(num_mel_bins=128, max_length=1024)
        config = transformers.ASTConfig(num_labels=len(labels), id2label=id2label,
                                        label2id=label2id, **small, **shape)
        model = transformers.ASTForAudioClassification(config)
        extractor = transformers.ASTFeatureExtractor(
            num_mel_bins=shape["num_mel_bins"], max_length=shape["max_length"],
            sampling_rate=16000)
    else:
        raise ValueError(f"family must be 'wav2vec2' or 'ast', got {family!r}")
    folder = pathlib.Path(folder)
    model.eval().save_pretrained(str(folder))
    extractor.save_pretrained(str(folder))
    return folder
