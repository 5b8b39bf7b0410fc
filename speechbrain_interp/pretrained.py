"""Trained classifiers as self-contained folders (local or HuggingFace hub).

A pretrained classifier folder holds ``hyperparams.yaml`` (builds the front
end, the encoder, the head and the label encoder, and declares a
SpeechBrain ``Pretrainer``), ``embedding_model.ckpt``, ``classifier.ckpt``
and ``label_encoder.txt``: the layout of SpeechBrain's HF model cards. The
classification recipe exports one to ``<output_folder>/pretrained/`` after
testing; interpreter recipes load it with :func:`load_classifier` from a
local path or a hub repository id.

Authors
 * speechbrain-interp developers 2026
"""

import os
import shutil

from hyperpyyaml import load_hyperpyyaml

from speechbrain.utils.logger import get_logger

logger = get_logger(__name__)

__all__ = ["CLASSIFIER_FILES", "export_classifier", "export_keys", "load_classifier",
           "load_interpreter"]

#: files of a pretrained classifier folder (besides hyperparams.yaml)
CLASSIFIER_FILES = ("embedding_model.ckpt", "classifier.ckpt", "label_encoder.txt")

_PREAMBLE = """\
# Pretrained {name}: {description} exported by speechbrain-interp.
# Load with speechbrain_interp.pretrained.load_classifier("<this folder or HF repo>").
pretrained_path: !PLACEHOLDER  # folder or HF repo holding the files below

"""

#: the front end and encoder of each classifier kind (``classifier_kind`` in the
#: training hparams) and the hparams keys they read
_MODELS = {
    "cnn14": ("CNN14 sound classifier", """\
sample_rate: {sample_rate}
signal_length_s: {signal_length_s}
n_fft: {n_fft}
win_length: {win_length}
hop_length: {hop_length}
n_mels: {n_mels}
n_classes: {n_classes}
base_channels: {base_channels}
n_blocks: {n_blocks}
emb_dim: {emb_dim}
multilabel: {multilabel}

frontend: !new:speechbrain_interp.frontend.SpectralFrontEnd
    sample_rate: !ref <sample_rate>
    n_fft: !ref <n_fft>
    win_length: !ref <win_length>
    hop_length: !ref <hop_length>
    n_mels: !ref <n_mels>

embedding_model: !new:speechbrain_interp.models.CNN14
    n_mels: !ref <n_mels>
    base_channels: !ref <base_channels>
    n_blocks: !ref <n_blocks>
    emb_dim: !ref <emb_dim>

""", ("sample_rate", "signal_length_s", "n_fft", "win_length", "hop_length", "n_mels",
      "n_classes", "base_channels", "n_blocks", "emb_dim"), "AudioClassifier"),
    "fourier": ("Fourier-domain note classifier", """\
sample_rate: {sample_rate}
signal_length_s: {signal_length_s}
n_samples: {n_samples}
n_freqs: {n_freqs}
f_min: {f_min}
f_max: {f_max}
n_classes: {n_classes}
cnn_channels: {cnn_channels}
kernel_size: {kernel_size}
emb_dim: {emb_dim}
multilabel: {multilabel}

frontend: !new:speechbrain_interp.fourier.FourierRepresentation
    sample_rate: !ref <sample_rate>
    n_samples: !ref <n_samples>
    n_freqs: !ref <n_freqs>
    f_min: !ref <f_min>
    f_max: !ref <f_max>

embedding_model: !new:speechbrain_interp.models.SpectralCNN
    in_channels: 5
    channels: !ref <cnn_channels>
    kernel_size: !ref <kernel_size>
    emb_dim: !ref <emb_dim>

""", ("sample_rate", "signal_length_s", "n_samples", "n_freqs", "f_min", "f_max", "n_classes",
      "cnn_channels", "kernel_size", "emb_dim"), "FourierClassifier"),
}

_TAIL = """\
head: !new:torch.nn.Linear
    in_features: !ref <emb_dim>
    out_features: !ref <n_classes>

classifier: !new:speechbrain_interp.classifier.{wrapper}
    frontend: !ref <frontend>
    embedding_model: !ref <embedding_model>
    head: !ref <head>
    {multilabel_line}

label_encoder: !new:speechbrain.dataio.encoder.CategoricalEncoder

pretrainer: !new:speechbrain.utils.parameter_transfer.Pretrainer
    loadables:
        embedding_model: !ref <embedding_model>
        classifier: !ref <head>
        label_encoder: !ref <label_encoder>
    paths:
        embedding_model: !ref <pretrained_path>/embedding_model.ckpt
        classifier: !ref <pretrained_path>/classifier.ckpt
        label_encoder: !ref <pretrained_path>/label_encoder.txt
"""


def export_keys(kind):
    """Training hyperparameters :func:`export_classifier` reads for a classifier kind.

    Example
    -------
    >>> export_keys("fourier")[-4:]
    ('emb_dim', 'classifier_kind', 'multilabel', 'experiment_name')
    """
    if kind not in _MODELS:
        raise ValueError(f"classifier_kind must be one of {sorted(_MODELS)}, got {kind!r}")
    return _MODELS[kind][2] + ("classifier_kind", "multilabel", "experiment_name")


def export_classifier(hparams, checkpoint_dir, label_encoder_path, out_folder):
    """Writes a pretrained-classifier folder from a training checkpoint.

    Arguments
    ---------
    hparams : dict
        The training hyperparameters (sizes and front-end settings are read).
    checkpoint_dir : str
        A SpeechBrain checkpoint folder holding ``embedding_model.ckpt`` and
        ``classifier.ckpt``.
    label_encoder_path : str
        ``label_encoder.txt`` of the run.
    out_folder : str
        Destination (created; files are overwritten).

    Returns
    -------
    str
        ``out_folder``.
    """
    os.makedirs(out_folder, exist_ok=True)
    kind = hparams["classifier_kind"]
    if kind not in _MODELS:
        raise ValueError(f"classifier_kind must be one of {sorted(_MODELS)}, got {kind!r}")
    description, model, keys, wrapper = _MODELS[kind]
    values = {key: hparams[key] for key in keys}
    values["multilabel"] = bool(hparams["multilabel"])
    values["name"] = hparams["experiment_name"]
    values["description"] = description
    values["wrapper"] = wrapper
    values["multilabel_line"] = ("multilabel: !ref <multilabel>" if wrapper == "AudioClassifier"
                                 else "")
    text = (_PREAMBLE + model + _TAIL).format(**values)
    with open(os.path.join(out_folder, "hyperparams.yaml"), "w", encoding="utf-8") as f:
        f.write(text)
    for name in CLASSIFIER_FILES[:2]:
        shutil.copy(os.path.join(checkpoint_dir, name), os.path.join(out_folder, name))
    shutil.copy(label_encoder_path, os.path.join(out_folder, "label_encoder.txt"))
    logger.info("pretrained classifier exported to %s", out_folder)
    return out_folder


def load_classifier(source, savedir=None, freeze=True):
    """Loads a pretrained classifier folder (local path or HF repo id).

    Arguments
    ---------
    source : str
        Folder written by :func:`export_classifier`, or a HuggingFace repo
        with the same files.
    savedir : str, optional
        Where hub files are cached / local files linked (default:
        ``<source>`` itself for local folders).
    freeze : bool
        Return the classifier frozen (eval mode, no parameter gradients).

    Returns
    -------
    speechbrain_interp.classifier.AudioClassifier
        With ``label_encoder`` and ``hparams`` attributes attached.

    Raises
    ------
    FileNotFoundError
        A local folder without ``hyperparams.yaml`` (names the folder).
    """
    from speechbrain.utils.distributed import run_on_main
    from speechbrain.utils.fetching import FetchConfig, fetch

    source = str(source)
    local = os.path.isdir(source)
    if local and not os.path.isfile(os.path.join(source, "hyperparams.yaml")):
        raise FileNotFoundError(
            f"{source} is not a pretrained classifier folder (no hyperparams.yaml); "
            "point to <classification output_folder>/pretrained"
        )
    if not local and (source.startswith((".", os.path.sep)) or source.count("/") != 1):
        raise FileNotFoundError(
            f"pretrained classifier not found: {source} is neither a folder nor a "
            "HuggingFace repo id (owner/name)"
        )
    savedir = savedir or (source if local else os.path.join("pretrained_models", source.replace("/", "_")))

    def collect(overwrite):
        """Fetches the files into ``savedir`` and builds the YAML's objects."""
        config = FetchConfig(overwrite=overwrite)
        yaml_path = fetch("hyperparams.yaml", source=source, savedir=savedir, fetch_config=config)
        with open(yaml_path, encoding="utf-8") as f:
            loaded = load_hyperpyyaml(f, {"pretrained_path": source})
        loaded["pretrainer"].set_collect_in(savedir)
        loaded["pretrainer"].collect_files(fetch_config=config)
        return loaded

    def collect_on_main():
        os.makedirs(savedir, exist_ok=True)
        built["main"] = collect(_source_changed(source, savedir))
        _remember_source(source, savedir)

    # under DDP the main process fetches (and replaces a changed source's files) while
    # the others wait; they then find every file in place
    built = {}
    run_on_main(collect_on_main)
    hparams = built.get("main") or collect(overwrite=False)
    hparams["pretrainer"].load_collected()
    classifier = hparams["classifier"]
    classifier.label_encoder = hparams["label_encoder"]
    classifier.label_encoder.expect_len(len(classifier.label_encoder))
    classifier.hparams = {k: v for k, v in hparams.items() if isinstance(v, (int, float, str, bool))}
    if freeze:
        classifier.freeze()
    return classifier


#: file of a savedir that names the source its cached files came from
SOURCE_FILE = "source.txt"


def _source_identity(source):
    return os.path.realpath(source) if os.path.isdir(source) else source


def _source_changed(source, savedir):
    """Whether ``savedir`` caches the files of another source than ``source``.

    SpeechBrain's fetching keeps a file already in ``savedir``, whatever
    source it came from: a run folder that once cached classifier A would
    silently keep A when given B. The source is recorded next to the cached
    files (:data:`SOURCE_FILE`); when it differs (or a cache predates the
    record), the files are fetched again, with a warning.
    """
    if os.path.realpath(savedir) == _source_identity(source):
        return False  # the folder itself: nothing cached
    record = os.path.join(savedir, SOURCE_FILE)
    previous = open(record, encoding="utf-8").read().strip() if os.path.isfile(record) else None
    cached = os.path.exists(os.path.join(savedir, "hyperparams.yaml"))
    if previous == _source_identity(source) or (previous is None and not cached):
        return False
    logger.warning("classifier source changed (%s, now %s): the files cached in %s are replaced",
                   previous or "an unrecorded source", _source_identity(source), savedir)
    return True


def _remember_source(source, savedir):
    if os.path.realpath(savedir) != _source_identity(source):
        with open(os.path.join(savedir, SOURCE_FILE), "w", encoding="utf-8") as f:
            f.write(_source_identity(source) + "\n")


def load_interpreter(run_folder, overrides=None):
    """Rebuilds a trained interpreter from its training output folder.

    Reads the resolved ``<run_folder>/hyperparams.yaml`` that the recipe
    wrote (it builds the classifier from ``classifier_source`` and the
    interpreter) and loads the interpreter's trained parts from
    ``<run_folder>/pretrained/<name>.ckpt``.

    Arguments
    ---------
    run_folder : str
        An interpreter recipe's ``output_folder``.
    overrides : dict, optional
        YAML overrides (e.g. another ``classifier_source`` path).

    Returns
    -------
    speechbrain_interp.interpreters.Interpreter
        In eval mode.
    """
    from speechbrain.utils.checkpoints import torch_recovery

    run_folder = str(run_folder)
    yaml_path = os.path.join(run_folder, "hyperparams.yaml")
    if not os.path.isfile(yaml_path):
        raise FileNotFoundError(f"{run_folder} is not an interpreter run folder (no hyperparams.yaml)")
    overrides = dict(overrides or {})
    if "classifier_source" in overrides:
        # the saved yaml has its references resolved: the classifier node holds the
        # path itself, so a new source must be given to that node too
        node = {"source": overrides["classifier_source"],
                "savedir": os.path.join(os.path.abspath(run_folder), "save", "classifier")}
        node.update(overrides.get("classifier") or {})
        overrides["classifier"] = node
    with open(yaml_path, encoding="utf-8") as f:
        hparams = load_hyperpyyaml(f, overrides)
    interpreter = hparams["interpreter"]
    for name, module in interpreter.trained_parts().items():
        path = os.path.join(run_folder, "pretrained", f"{name}.ckpt")
        if not os.path.isfile(path):
            raise FileNotFoundError(f"{path} not found: was the run finished (it is written after testing)?")
        torch_recovery(module, path, end_of_epoch=True)
    return interpreter.eval()
