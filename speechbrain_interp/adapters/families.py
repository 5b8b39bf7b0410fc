"""Which toolkit a classifier source comes from, and loading any of them adapted.

A classifier source (a local folder or a HuggingFace repository id) is one of
:data:`FAMILIES`, told apart by its files (:func:`classifier_family`):

* ``"speechbrain-interp"``: a pretrained folder of this project
  (``hyperparams.yaml`` that declares a ``kind``, or a training run's
  folder);
* ``"speechbrain"``: SpeechBrain's ``EncoderClassifier`` layout
  (``hyperparams.yaml`` with ``compute_features``, ``embedding_model``,
  ``classifier``; no ``kind``);
* ``"transformers"``: a HuggingFace ``AutoModelForAudioClassification``
  (``config.json``, no ``hyperparams.yaml``).

:func:`load_adapted` loads the last two behind the interpreters' contract
(:class:`~speechbrain_interp.adapters.adapted.AdaptedClassifier`), recording
where from, so that a pretrained interpreter folder can reference the
classifier instead of copying its weights.

Authors
 * speechbrain-interp developers 2026
"""

import os
import re

from speechbrain_interp.sources import (
    PretrainedSourceError, check_hub, hub_cached, hub_offline, read_kind, resolve_source,
    run_pretrained_folder,
)  # fmt: skip

__all__ = ["ADAPTED_FAMILIES", "FAMILIES", "classifier_family", "load_adapted"]

#: where a classifier comes from
FAMILIES = ("speechbrain-interp", "speechbrain", "transformers")
#: the families loaded through an adapter
ADAPTED_FAMILIES = FAMILIES[1:]
#: the modules of SpeechBrain's EncoderClassifier a hyperparams.yaml must build
_ENCODER_KEYS = ("compute_features", "embedding_model", "classifier")


def _yaml_family(path):
    """The family of a source whose ``hyperparams.yaml`` is ``path``."""
    if read_kind(path) is not None:
        return "speechbrain-interp"
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if all(re.search(rf"^{key}\s*:", text, flags=re.M) for key in _ENCODER_KEYS):
        return "speechbrain"
    return "speechbrain-interp"  # its own loading names what is missing


def _hub_file(repo_id, filename, revision, cache_dir):
    """The path of ``filename`` of a hub repository (from the cache when offline),
    ``None`` when the repository has no such file."""
    import huggingface_hub
    from huggingface_hub.errors import EntryNotFoundError, LocalEntryNotFoundError

    try:
        return huggingface_hub.hf_hub_download(repo_id, filename, revision=revision,
                                               cache_dir=cache_dir,
                                               local_files_only=hub_offline())
    except (EntryNotFoundError, LocalEntryNotFoundError):
        return None
    except Exception as err:  # a missing repository, a refused token, a network error
        raise PretrainedSourceError(f"{repo_id}: {filename} could not be fetched "
                                    f"({type(err).__name__}: {err})") from err


def classifier_family(source, revision=None, cache_dir=None):
    """Which of :data:`FAMILIES` the classifier at ``source`` belongs to.

    Arguments
    ---------
    source : str or os.PathLike
        A local folder or a HuggingFace repository id.
    revision, cache_dir : str, optional
        For a hub repository (as ``huggingface_hub`` takes them).

    Returns
    -------
    str

    Raises
    ------
    speechbrain_interp.sources.PretrainedSourceError
        A missing folder (with close names), a folder or repository that
        holds neither ``hyperparams.yaml`` nor ``config.json``, a repository
        that is neither cached nor reachable.

    Example
    -------
    >>> tmp = getfixture("tmpdir")
    >>> _ = tmp.mkdir("hf").join("config.json").write("{}")
    >>> classifier_family(str(tmp / "hf"))
    'transformers'
    >>> _ = tmp.mkdir("sb").join("hyperparams.yaml").write(
    ...     "compute_features: 1\\nembedding_model: 2\\nclassifier: 3\\n")
    >>> classifier_family(str(tmp / "sb"))
    'speechbrain'
    """
    return _locate(source, revision, cache_dir)[0]


def _locate(source, revision, cache_dir):
    """``(family, path of its hyperparams.yaml or None)``."""
    text = os.path.expanduser(os.fspath(source))
    if os.path.isdir(text):
        folder = run_pretrained_folder(os.path.abspath(text))
        yaml_path = os.path.join(folder, "hyperparams.yaml")
        if os.path.isfile(yaml_path):
            return _yaml_family(yaml_path), yaml_path
        if os.path.isfile(os.path.join(folder, "config.json")):
            return "transformers", None
        raise PretrainedSourceError(
            f"{folder} holds no classifier: no hyperparams.yaml (a speechbrain-interp or "
            "SpeechBrain folder) and no config.json (a HuggingFace transformers model)")
    _, repo_id = resolve_source(source, "classifier folder")  # a missing folder is named here
    if not any(hub_cached(repo_id, name, revision, cache_dir)
               for name in ("hyperparams.yaml", "config.json")):
        check_hub(repo_id, "hyperparams.yaml (or config.json)", revision, cache_dir)
    yaml_path = _hub_file(repo_id, "hyperparams.yaml", revision, cache_dir)
    if yaml_path is not None:
        return _yaml_family(yaml_path), yaml_path
    if _hub_file(repo_id, "config.json", revision, cache_dir) is not None:
        return "transformers", None
    raise PretrainedSourceError(
        f"{repo_id} holds no classifier: no hyperparams.yaml (a speechbrain-interp or "
        "SpeechBrain repository) and no config.json (a HuggingFace transformers model)")


def load_adapted(source, savedir=None, device="cpu", representations=None, route=None,
                 grad_cam_layer=None, revision=None, cache_dir=None, trust_remote_code=False):
    """A SpeechBrain or HuggingFace classifier, adapted, with its source recorded.

    Arguments
    ---------
    source : str
        A local folder or a HuggingFace repository id.
    savedir : str, optional
        Where SpeechBrain puts the fetched files (SpeechBrain sources).
    device : str
        Where the model goes.
    representations : list of (str, layout), optional
        Hooked layers, deepest first (default: the family's).
    route : str, optional
        How a masked magnitude reaches the model (``"magnitude"``, ``"wave"``;
        default: exact where the model allows it).
    grad_cam_layer : str, optional
        The representation Grad-CAM reads.
    revision, cache_dir : str, optional
        For a hub repository.
    trust_remote_code : bool
        Load a SpeechBrain folder whose ``hyperparams.yaml`` builds or calls
        things outside the allow-list of :mod:`speechbrain_interp.trust`
        (with a warning). Default: refuse it before any of it runs, as this
        project's own folders are.

    Returns
    -------
    speechbrain_interp.adapters.adapted.AdaptedClassifier
        With ``source`` (the repository id, or the folder's absolute path) and
        ``family`` set.
    """
    family, yaml_path = _locate(source, revision, cache_dir)
    if family not in ADAPTED_FAMILIES:
        raise ValueError(f"{source} is a {family} classifier, not one of {ADAPTED_FAMILIES}: "
                         "load it with speechbrain_interp.inference.load_classifier")
    layers = None if representations is None else [
        (name, tuple(layout) if isinstance(layout, (list, tuple)) else layout)
        for name, layout in representations]
    if family == "speechbrain":
        from speechbrain_interp.trust import check_hyperparams
        from speechbrain_interp.adapters.speechbrain_models import (
            ECAPA_REPRESENTATIONS, from_speechbrain,
        )  # fmt: skip

        check_hyperparams(yaml_path, trust_remote_code=trust_remote_code)
        classifier = from_speechbrain(source, savedir=savedir,
                                      representations=layers or ECAPA_REPRESENTATIONS,
                                      route=route, run_opts={"device": device},
                                      grad_cam_layer=grad_cam_layer)
    else:
        from speechbrain_interp.adapters.transformers_models import from_transformers

        classifier = from_transformers(source, representations=layers, revision=revision,
                                       cache_dir=cache_dir, device=device,
                                       grad_cam_layer=grad_cam_layer, route=route or "wave")
    text = os.path.expanduser(os.fspath(source))
    classifier.source = os.path.realpath(text) if os.path.isdir(text) else str(source)
    classifier.family = family
    return classifier
