"""The pretrained folder: what a trained classifier or interpreter is, on disk.

A pretrained folder is what a HuggingFace model repository of SpeechBrain
holds, and loads with :meth:`speechbrain.inference.interfaces.Pretrained.from_hparams`
wherever it sits (a local folder, moved or not, or a hub repository):

* ``hyperparams.yaml``: rebuilds the models (written from the trained
  objects by :func:`~speechbrain_interp.recorded.to_hyperpyyaml`), names
  them in ``modules`` and declares a SpeechBrain ``Pretrainer`` whose
  files resolve relative to the folder or repository (no path of the
  machine that trained it);
* ``embedding_model.ckpt``, ``classifier.ckpt`` (the head) and
  ``label_encoder.ckpt`` (the class names, SpeechBrain's text format);
* for an interpreter, ``interpreter.ckpt``: every tensor of the
  interpreter outside its classifier (decoders, codebooks, L2I's NMF
  dictionary), and the classifier's files, or a reference to the hub
  repository holding them; a classifier of another toolkit (a SpeechBrain
  ``EncoderClassifier``, a HuggingFace model, adapted) is never copied: the
  file names its source (``classifier_source``, a repository id, or a
  folder until exported with ``--classifier_repo``) and loads it with
  :func:`~speechbrain_interp.inference.classifier.load_classifier`;
* ``README.md`` (model card) and ``example.wav`` (written by the export
  program).

Loading is strict: a truncated, empty or foreign checkpoint, a missing
tensor or a label file of the wrong size raises :class:`PretrainedFileError`
naming the file, where SpeechBrain's default transfer only warns.
Checkpoints are read with ``torch.load(weights_only=True)``.

What ``hyperparams.yaml`` builds stays within the allow-list of
:mod:`speechbrain_interp.trust` (``!new:`` of the project's
modules, ``torch.nn.Linear``, the label encoder and the ``Pretrainer``;
``!name:`` of the load hooks below), so the folders load without
``trust_remote_code``; a written file that would not is reported with a
warning.

Authors
 * speechbrain-interp developers 2026
"""

import hashlib
import os
import re
import tempfile

import torch
from speechbrain.utils.logger import get_logger

from speechbrain_interp.recorded import Applied, Ref, to_hyperpyyaml

logger = get_logger(__name__)

__all__ = [
    "CLASSIFIER_FILES", "FORMAT_VERSION", "INTERPRETER_FILE", "PretrainedFileError",
    "classifier_fingerprint", "interpreter_state", "load_interpreter_state", "load_labels",
    "load_strict", "load_warm_start", "read_checkpoint", "write_classifier", "write_interpreter",
]

#: version of the folder layout written in ``hyperparams.yaml`` (``format_version``)
FORMAT_VERSION = 1
#: the classifier's files (Pretrainer loadable name -> file)
CLASSIFIER_FILES = {"embedding_model": "embedding_model.ckpt", "classifier": "classifier.ckpt",
                    "label_encoder": "label_encoder.ckpt"}
#: the interpreter's own tensors
INTERPRETER_FILE = "interpreter.ckpt"
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


class PretrainedFileError(RuntimeError):
    """A file of a pretrained folder cannot be used (the message names it)."""


def classifier_fingerprint(module):
    """SHA-256 of a module's parameters and buffers (what it computes).

    Example
    -------
    >>> a, b = torch.nn.Linear(2, 2), torch.nn.Linear(2, 2)
    >>> classifier_fingerprint(a) == classifier_fingerprint(a), classifier_fingerprint(a) == classifier_fingerprint(b)
    (True, False)
    """
    digest = hashlib.sha256()
    for name, tensor in sorted(module.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


def read_checkpoint(path):
    """A state dict read weights-only from ``path``.

    Raises
    ------
    PretrainedFileError
        Missing, empty, truncated or foreign files (not a PyTorch
        checkpoint of tensors), naming ``path``.

    Example
    -------
    >>> path = getfixture("tmpdir") / "empty.ckpt"
    >>> _ = path.write("")
    >>> read_checkpoint(str(path))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    speechbrain_interp.pretrained.PretrainedFileError: .../empty.ckpt is empty (0 bytes): ...
    """
    path = str(path)
    if not os.path.isfile(path):
        raise PretrainedFileError(f"{path} not found")
    if os.path.getsize(path) == 0:
        raise PretrainedFileError(f"{path} is empty (0 bytes): the download or copy was cut; "
                                  "fetch the file again")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # torch raises EOFError, UnpicklingError, RuntimeError, ...
        raise PretrainedFileError(
            f"{path} is not a readable PyTorch checkpoint (truncated, corrupt or another kind "
            f"of file): {type(err).__name__}: {err}".rstrip(": ")) from err
    if not isinstance(state, dict) or not all(torch.is_tensor(v) for v in state.values()):
        raise PretrainedFileError(f"{path} holds a {type(state).__name__}, not a state dict of "
                                  "tensors")
    return state


def _load_state(module, state, path, what):
    expected = module.state_dict()
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    wrong = sorted(k for k in set(expected) & set(state) if expected[k].shape != state[k].shape)
    if missing or unexpected or wrong:
        parts = []
        if missing:
            parts.append(f"{len(missing)} missing tensors (e.g. {missing[:3]})")
        if unexpected:
            parts.append(f"{len(unexpected)} unexpected tensors (e.g. {unexpected[:3]})")
        if wrong:
            key = wrong[0]
            parts.append(f"{len(wrong)} tensors of another shape (e.g. {key}: "
                         f"{tuple(state[key].shape)} in the file, {tuple(expected[key].shape)} "
                         "in the model)")
        raise PretrainedFileError(
            f"{path} does not fit {what} built by hyperparams.yaml: " + "; ".join(parts)
            + ". Was the file written for another model or configuration?")
    module.load_state_dict(state, strict=True)


def load_strict(module, path):
    """Pretrainer hook: loads ``path`` into ``module``, every tensor required.

    Example
    -------
    >>> path = str(getfixture("tmpdir") / "head.ckpt")
    >>> torch.save(torch.nn.Linear(4, 3).state_dict(), path)
    >>> load_strict(torch.nn.Linear(4, 2), path)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    speechbrain_interp.pretrained.PretrainedFileError: ...head.ckpt does not fit the Linear ... tensors of another shape ...
    """
    _load_state(module, read_checkpoint(path), path, f"the {type(module).__name__}")


def load_labels(label_encoder, path):
    """Pretrainer hook: loads SpeechBrain's label file, refusing an empty one.

    Example
    -------
    >>> from speechbrain.dataio.encoder import CategoricalEncoder
    >>> path = getfixture("tmpdir") / "label_encoder.ckpt"
    >>> _ = path.write("")
    >>> load_labels(CategoricalEncoder(), str(path))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    speechbrain_interp.pretrained.PretrainedFileError: ...label_encoder.ckpt holds no class labels (empty file)
    """
    path = str(path)
    if not os.path.isfile(path):
        raise PretrainedFileError(f"{path} not found: the folder has no label file")
    if os.path.getsize(path) == 0:
        raise PretrainedFileError(f"{path} holds no class labels (empty file)")
    try:
        label_encoder.load(path)
    except Exception as err:
        raise PretrainedFileError(f"{path} is not a SpeechBrain label file (truncated or another "
                                  f"kind of file: {type(err).__name__}: {err})") from err
    if len(label_encoder) == 0:
        raise PretrainedFileError(f"{path} holds no class labels (empty or truncated file)")


def interpreter_state(interpreter):
    """The interpreter's own tensors: its state dict without the classifier's.

    Example
    -------
    >>> from speechbrain_interp.interpreters.baselines.reference import AllOnes
    >>> class Holder(torch.nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.classifier, self.decoder = torch.nn.Linear(2, 2), torch.nn.Linear(2, 1)
    >>> sorted(interpreter_state(Holder()))
    ['decoder.bias', 'decoder.weight']
    """
    return {k: v for k, v in interpreter.state_dict().items() if not k.startswith("classifier.")}


def load_interpreter_state(interpreter, path):
    """Pretrainer hook: loads ``interpreter.ckpt`` (every tensor required)."""
    state = read_checkpoint(path)
    full = dict(interpreter.classifier.state_dict(prefix="classifier."))
    full.update(state)
    if any(k.startswith("classifier.") for k in state):
        raise PretrainedFileError(f"{path} holds classifier tensors: it is not an interpreter.ckpt")
    _load_state(interpreter, full, path, f"the {type(interpreter).__name__} interpreter")


#: tensors a warm start may lack: a class-conditioned L-MAC decoder starting from one
#: that is not conditioned keeps its class embedding at the zero (identity) initialisation
WARM_START_NEW = ("decoder.class_film.weight",)


def load_warm_start(interpreter, path):
    """Initialises a training run's interpreter from ``interpreter.ckpt``.

    As strict as :func:`load_interpreter_state`, with one named exception:
    a class-conditioned L-MAC may start from a decoder that is not
    conditioned (every other tensor must fit); its class embedding
    (:data:`WARM_START_NEW`) then stays at its zero initialisation, where
    the conditioned decoder gives exactly the unconditioned one's masks.

    Returns
    -------
    list of str
        The tensors that kept their initialisation.

    Example
    -------
    >>> from speechbrain_interp.examples import small_classifier
    >>> from speechbrain_interp.interpreters import LMAC
    >>> clf, _ = small_classifier(3, seed=0), torch.randn(2, 8000)
    >>> path = getfixture("tmp_path") / "interpreter.ckpt"
    >>> plain = LMAC(clf, decoder_width=8)
    >>> torch.save(interpreter_state(plain), path)
    >>> load_warm_start(LMAC(clf, decoder_width=8, conditioned=True), str(path))
    ['decoder.class_film.weight']
    """
    state = read_checkpoint(path)
    expected = interpreter.state_dict()
    kept = [k for k in WARM_START_NEW if k in expected and k not in state]
    if not kept:
        load_interpreter_state(interpreter, path)
        return []
    for key in kept:
        state[key] = expected[key]
    if any(k.startswith("classifier.") for k in state):
        raise PretrainedFileError(f"{path} holds classifier tensors: it is not an interpreter.ckpt")
    full = dict(interpreter.classifier.state_dict(prefix="classifier."))
    full.update(state)
    _load_state(interpreter, full, path, f"the {type(interpreter).__name__} interpreter")
    return kept


def _labels(label_encoder, classifier):
    if len(label_encoder) != classifier.n_classes:
        raise ValueError(f"the label encoder has {len(label_encoder)} labels, the classifier "
                         f"{classifier.n_classes} outputs")
    return [label_encoder.ind2lab[i] for i in range(len(label_encoder))]


def _header(kind, settings, labels, fingerprint, extra=()):
    values = {"format_version": FORMAT_VERSION, "kind": kind}
    values.update(dict(extra))
    values.update(settings)
    values["labels"] = list(labels)
    values["classifier_fingerprint"] = fingerprint
    return values


_LOAD_HOOKS = {"embedding_model": "load_strict", "classifier": "load_strict",
               "label_encoder": "load_labels", "interpreter": "load_interpreter_state"}


def _pretrainer(loadables, paths):
    lines = ["", "modules:"]
    lines.append("    interpreter: !ref <interpreter>" if "interpreter" in loadables
                 else "    classifier: !ref <classifier>")
    lines += ["", "# files of this folder (or hub repository), loaded strictly",
              "pretrainer: !new:speechbrain.utils.parameter_transfer.Pretrainer",
              "    loadables:"]
    lines += [f"        {name}: !ref <{ref}>" for name, ref in loadables.items()]
    if paths:
        lines.append("    paths:")
        lines += [f"        {name}: {path}" for name, path in paths.items()]
    lines.append("    custom_hooks:")
    lines += [f"        {name}: !name:speechbrain_interp.pretrained.{_LOAD_HOOKS[name]}"
              for name in loadables]
    return "\n".join(lines) + "\n"


def _classifier_objects(classifier):
    return {"frontend": classifier.frontend, "embedding_model": classifier.embedding_model,
            "head": classifier.head, "classifier": classifier}


def is_adapted(classifier):
    """Whether ``classifier`` comes from another toolkit (loaded from its source,
    :meth:`~speechbrain_interp.adapters.AdaptedClassifier.loading_arguments`)."""
    return callable(getattr(classifier, "loading_arguments", None))


def _adapted_objects(classifier, classifier_repo):
    """The ``classifier_source`` key and the call that loads an adapted classifier."""
    arguments = classifier.loading_arguments()
    source = str(classifier_repo or arguments.pop("source"))
    arguments.pop("source", None)
    if not _HUB_ID.match(source):
        logger.warning(
            "the interpreter folder names its classifier by the folder %s: it loads only where "
            "that folder is; export it with --classifier_repo <owner/name> (the classifier's hub "
            "repository) to share it, or load it with classifier_source=<another copy>", source)
    load = Applied(classifier, "speechbrain_interp.inference.classifier.load_classifier",
                   {"source": Ref("classifier_source"), **arguments})
    return {"classifier_source": source, "classifier": load}


def _save_classifier_files(folder, classifier, label_encoder):
    torch.save(classifier.embedding_model.state_dict(), os.path.join(folder, "embedding_model.ckpt"))
    torch.save(classifier.head.state_dict(), os.path.join(folder, "classifier.ckpt"))
    label_encoder.save(os.path.join(folder, "label_encoder.ckpt"))


def _write_text(path, text):
    tmp = tempfile.NamedTemporaryFile("w", dir=os.path.dirname(path), delete=False,
                                      suffix=".tmp", encoding="utf-8")
    with tmp:
        tmp.write(text)
    os.replace(tmp.name, path)


def _warn_if_refused(path):
    """Warns when a written ``hyperparams.yaml`` would need ``trust_remote_code`` to load."""
    from speechbrain_interp.trust import HyperparamsError, check_hyperparams

    try:
        check_hyperparams(path)
    except HyperparamsError as err:
        logger.warning("%s will not load without trust_remote_code=True: %s", path, err)


def _yaml(title, header, objects, loadables, paths, notes=()):
    lines = [
        "# " + "#" * 76,
        f"# {title}",
        "# Written by speechbrain-interp from the trained objects: every value is the",
        "# training run's own. Load with speechbrain_interp.inference (SoundClassifier /",
        "# AudioInterpreter).from_hparams(source=<this folder or hub repo>).",
        "# Loading builds what this file names (HyperPyYAML !new:/!name:); it stays",
        "# within speechbrain_interp.trust's allow-list, so no",
        "# trust_remote_code is needed. Files beyond it are refused without it.",
        *(f"# {line}" for line in notes),
        "# " + "#" * 76,
        "",
    ]
    return ("\n".join(lines) + to_hyperpyyaml(header)
            + "\n" + to_hyperpyyaml(objects)
            + "label_encoder: !new:speechbrain.dataio.encoder.CategoricalEncoder\n"
            + _pretrainer(loadables, paths))


def write_classifier(folder, classifier, label_encoder, settings, title="classifier"):
    """Writes a pretrained classifier folder from the trained objects.

    Arguments
    ---------
    folder : str
        Destination (created; existing files replaced).
    classifier : speechbrain_interp.classifier.AudioClassifier
        The trained classifier (any kind whose parts derive from
        :class:`~speechbrain_interp.recorded.Recorded`).
    label_encoder : speechbrain.dataio.encoder.CategoricalEncoder
        Its labels (as many as the head's outputs).
    settings : dict
        Plain inference settings written at the top of ``hyperparams.yaml``
        (the recipe YAML's ``inference`` block: window, hop, batch size,
        top-k).
    title : str
        First line of the YAML's header.

    Returns
    -------
    str
        ``folder``.
    """
    if is_adapted(classifier):
        raise ValueError(f"this {type(classifier).__name__} is loaded from its own source "
                         f"({getattr(classifier, 'source', None)}): give that source where a "
                         "classifier folder is asked for; nothing needs writing")
    os.makedirs(folder, exist_ok=True)
    labels = _labels(label_encoder, classifier)
    header = _header("classifier", settings, labels, classifier_fingerprint(classifier))
    loadables = {"embedding_model": "embedding_model", "classifier": "head",
                 "label_encoder": "label_encoder"}
    _save_classifier_files(folder, classifier, label_encoder)
    _write_text(os.path.join(folder, "hyperparams.yaml"),
                _yaml(title, header, _classifier_objects(classifier), loadables, {}))
    _warn_if_refused(os.path.join(folder, "hyperparams.yaml"))
    return folder


def write_interpreter(folder, interpreter, label_encoder, settings, classifier_repo=None,
                      title="interpreter"):
    """Writes a pretrained interpreter folder from the trained interpreter.

    Arguments
    ---------
    folder : str
        Destination (created; existing files replaced).
    interpreter : speechbrain_interp.interpreters.Interpreter
        The trained interpreter (its classifier inside).
    label_encoder : speechbrain.dataio.encoder.CategoricalEncoder
        The classifier's labels.
    settings : dict
        Plain inference settings (see :func:`write_classifier`).
    classifier_repo : str, optional
        A HuggingFace repo id (``owner/name``) holding this classifier's
        files: they are then referenced instead of copied. Default: copied;
        a classifier of another toolkit is always referenced, by default by
        the source it was loaded from.
    title : str
        First line of the YAML's header.

    Returns
    -------
    str
        ``folder``.
    """
    classifier = interpreter.classifier
    if classifier_repo is not None and not _HUB_ID.match(str(classifier_repo)):
        raise ValueError(f"classifier_repo must be a HuggingFace repo id (owner/name), got "
                         f"{classifier_repo!r}: a local path would tie the folder to this machine")
    os.makedirs(folder, exist_ok=True)
    labels = _labels(label_encoder, classifier)
    adapted = is_adapted(classifier)
    if adapted:
        objects = _adapted_objects(classifier, classifier_repo)
        source = objects["classifier_source"]
        extra = {"classifier_family": getattr(classifier, "family", None),
                 "classifier_repo": source if _HUB_ID.match(source) else None}
    else:
        objects = _classifier_objects(classifier)
        extra = {"classifier_repo": classifier_repo}
    header = _header("interpreter", settings, labels, classifier_fingerprint(classifier),
                     extra={"method": type(interpreter).__name__, **extra})
    objects["interpreter"] = interpreter
    loadables = {"embedding_model": "embedding_model", "classifier": "head",
                 "label_encoder": "label_encoder", "interpreter": "interpreter"}
    paths, stale = {}, ()
    if adapted:  # the classifier loads from its source; the labels are the folder's
        loadables = {"label_encoder": "label_encoder", "interpreter": "interpreter"}
        label_encoder.save(os.path.join(folder, CLASSIFIER_FILES["label_encoder"]))
        stale = (CLASSIFIER_FILES["embedding_model"], CLASSIFIER_FILES["classifier"])
    elif classifier_repo is None:
        _save_classifier_files(folder, classifier, label_encoder)
    else:
        paths = {name: f"{classifier_repo}/{file}" for name, file in CLASSIFIER_FILES.items()}
        stale = tuple(CLASSIFIER_FILES.values())
    for file in stale:  # a copy left by an earlier export
        if os.path.isfile(os.path.join(folder, file)):
            os.remove(os.path.join(folder, file))
    torch.save(interpreter_state(interpreter), os.path.join(folder, INTERPRETER_FILE))
    notes = ("The classifier is not copied: load_classifier loads it from classifier_source",
             "(another copy: from_hparams(..., classifier_source=...)).") if adapted else ()
    _write_text(os.path.join(folder, "hyperparams.yaml"),
                _yaml(title, header, objects, loadables, paths, notes))
    _warn_if_refused(os.path.join(folder, "hyperparams.yaml"))
    return folder
