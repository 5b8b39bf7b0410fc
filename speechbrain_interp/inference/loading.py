"""Loading a pretrained folder the SpeechBrain way, but loudly.

:func:`load_pretrained` is what ``from_hparams`` of
:class:`~speechbrain_interp.inference.SoundClassifier` and
:class:`~speechbrain_interp.inference.AudioInterpreter` run. It resolves the
source first (:mod:`speechbrain_interp.sources`), checks that the
folder holds the right kind of model, then hands over to SpeechBrain's
``pretrained_from_hparams`` (fetching, ``Pretrainer``, ``run_opts``), with
five additions:

* a ``run_opts`` device this machine does not have (``"cuda"`` without a
  GPU) is refused first, naming what there is
  (:func:`~speechbrain_interp.devices.check_device`), instead of torch's
  ``_cuda_setDevice`` error from deep inside SpeechBrain; so is a
  ``run_opts`` precision it cannot run (``fp16`` on the CPU,
  :func:`~speechbrain_interp.precision.check_precision`);
* the folder's ``hyperparams.yaml`` is checked before anything of it runs
  (:func:`~speechbrain_interp.trust.check_hyperparams`): a syntax
  error or a missing ``pretrainer`` key is named with the file, and a file
  that would run code outside the allow-list is refused unless
  ``trust_remote_code=True``;
* under DDP the files are fetched by the main process only;
* a ``savedir`` that cached another source's files gets them replaced (with a
  warning) instead of silently keeping the old model;
* building the models leaves the global random generators (``random``,
  numpy, torch) as they were.

Authors
 * speechbrain-interp developers 2026
"""

import contextlib
import os
import random
import re

import torch
from speechbrain.utils.logger import get_logger

from speechbrain_interp.devices import check_device
from speechbrain_interp.precision import check_precision
from speechbrain_interp.sources import (
    PretrainedSourceError, check_hub, read_kind, resolve_source,
)
from speechbrain_interp.trust import check_hyperparams, parse_hyperparams

logger = get_logger(__name__)

__all__ = ["SOURCE_FILE", "check_run_opts", "keep_random_state", "load_pretrained", "read_kind"]

#: file of a savedir that names the source its cached files came from
SOURCE_FILE = "source.txt"


def _identity(kind, source):
    return source if kind == "hub" else os.path.realpath(source)


def _source_changed(identity, savedir):
    """Whether ``savedir`` caches the files of another source than ``identity``."""
    if savedir is None or os.path.realpath(savedir) == identity:
        return False
    record = os.path.join(savedir, SOURCE_FILE)
    previous = open(record, encoding="utf-8").read().strip() if os.path.isfile(record) else None
    cached = os.path.exists(os.path.join(savedir, "hyperparams.yaml"))
    if previous == identity or (previous is None and not cached):
        return False
    logger.warning("pretrained source changed (%s, now %s): the files cached in %s are replaced",
                   previous or "an unrecorded source", identity, savedir)
    return True


def _fetch_error(err, source, where):
    return PretrainedSourceError(
        f"{source}: {where} could not be fetched ({type(err).__name__}: {err}). Check the "
        "repository id and that it holds the files of an exported folder (hyperparams.yaml, "
        "the .ckpt files)")


def load_pretrained(cls, source, kind, savedir=None, overrides=None, fetch_config=None,
                    trust_remote_code=False, classifier_source=None, **kwargs):
    """Builds ``cls`` (a ``Pretrained`` subclass) from a pretrained folder.

    Arguments
    ---------
    cls : type
        The inference class.
    source : str
        A local folder or a HuggingFace repository id.
    kind : str
        The ``kind`` the folder must declare (``"classifier"`` or
        ``"interpreter"``).
    savedir : str, optional
        Where the files are linked (local sources) or copied from the hub
        cache; ``None``: used in place (local) or from the hub cache, and
        nothing is written in the working directory.
    overrides : dict, optional
        HyperPyYAML overrides (e.g. ``{"hop_s": 1.0}``).
    fetch_config : speechbrain.utils.fetching.FetchConfig, optional
    trust_remote_code : bool
        Load a folder whose ``hyperparams.yaml`` builds or calls things
        outside the allow-list of :mod:`speechbrain_interp.trust`
        (with a warning naming them). Default: refuse it, before any of it
        runs. Only for folders whose origin you trust.
    classifier_source : str, optional
        For a folder that loads its classifier from a ``classifier_source``
        key (an interpreter of a classifier of another toolkit): load this
        source instead. ``instance.classifier_source_applied`` says whether
        the folder had the key (else the caller replaces the classifier).
    **kwargs
        Given to the class (``run_opts``, ``freeze_params``).

    Returns
    -------
    cls instance

    Raises
    ------
    speechbrain_interp.devices.DeviceError
        A ``run_opts`` device this machine does not have, before anything
        is fetched.
    speechbrain_interp.precision.PrecisionError
        A ``run_opts`` precision that is unknown or that the device cannot
        run (``fp16`` on the CPU), before anything is fetched.
    PretrainedSourceError
        A missing folder or repository, or one of another kind.
    speechbrain_interp.trust.HyperparamsError
        A ``hyperparams.yaml`` with a syntax error or without the
        ``pretrainer`` or ``modules`` key (naming the file, line, key).
    speechbrain_interp.trust.UntrustedCodeError
        A ``hyperparams.yaml`` that would run code outside the allow-list,
        without ``trust_remote_code``.
    """
    from speechbrain.inference.interfaces import pretrained_from_hparams
    from speechbrain.utils.distributed import run_on_main
    from speechbrain.utils.fetching import FetchConfig, fetch

    check_run_opts(kwargs.get("run_opts"))
    where, resolved = resolve_source(source, f"pretrained {kind} folder")
    fetch_config = fetch_config or FetchConfig()
    if where == "hub":
        check_hub(resolved, revision=fetch_config.revision,
                  cache_dir=fetch_config.huggingface_cache_dir)
    identity = _identity(where, resolved)
    savedir = None if savedir is None else os.path.abspath(os.fspath(savedir))

    def use_classifier_source(yaml_path):  # the folder loads its classifier from this key
        nonlocal overrides
        if classifier_source is not None and _has_key(yaml_path, "classifier_source"):
            overrides = {**(overrides or {}), "classifier_source": str(classifier_source)}

    def fetch_files():
        changed = _source_changed(identity, savedir)
        config = FetchConfig(**{**vars(fetch_config), "overwrite": changed or fetch_config.overwrite})
        try:
            yaml_path = fetch("hyperparams.yaml", source=resolved, savedir=savedir,
                              fetch_config=config)
        except Exception as err:
            raise _fetch_error(err, resolved, "hyperparams.yaml") from err
        parse_hyperparams(yaml_path)  # a syntax error first, with its line
        found = read_kind(yaml_path)
        if found != kind:
            raise PretrainedSourceError(_wrong_kind(resolved, found, kind))
        use_classifier_source(yaml_path)
        check_hyperparams(yaml_path, trust_remote_code=trust_remote_code, overrides=overrides)
        try:
            pretrained_from_hparams(cls, resolved, savedir=savedir, overrides=overrides or {},
                                    download_only=True, fetch_config=config)
        except PretrainedSourceError as err:
            if not _has_key(yaml_path, "classifier_source"):
                raise
            named = (overrides or {}).get("classifier_source") or _key_value(yaml_path,
                                                                              "classifier_source")
            raise PretrainedSourceError(
                f"{resolved} explains the classifier at {named}, which cannot be loaded ({err}); "
                "load another copy of it with classifier_source=<folder or repo id> (sb-interp "
                "--classifier_source)") from err
        except (OSError, ValueError) as err:
            raise _fetch_error(err, resolved, "a file of the folder") from err
        if savedir is not None and os.path.realpath(savedir) != identity:
            with open(os.path.join(savedir, SOURCE_FILE), "w", encoding="utf-8") as f:
                f.write(identity + "\n")
        return config

    def check_fetched():  # the other processes (DDP) check the file they are about to load
        yaml_path = fetch("hyperparams.yaml", source=resolved, savedir=savedir,
                          fetch_config=FetchConfig(**vars(fetch_config)))
        use_classifier_source(yaml_path)
        check_hyperparams(yaml_path, trust_remote_code=trust_remote_code, overrides=overrides)

    with keep_random_state():
        run_on_main(fetch_files, post_func=check_fetched)
        instance = pretrained_from_hparams(cls, resolved, savedir=savedir,
                                           overrides=overrides or {},
                                           fetch_config=FetchConfig(**vars(fetch_config)),
                                           **kwargs)
    instance.source = identity
    instance.classifier_source_applied = "classifier_source" in (overrides or {})
    return instance


def _has_key(yaml_path, key):
    """Whether the YAML file has the top-level ``key``."""
    with open(yaml_path, encoding="utf-8") as f:
        return re.search(rf"^{re.escape(key)}\s*:", f.read(), flags=re.M) is not None


def _key_value(yaml_path, key):
    """The text of a top-level scalar ``key`` of the YAML file (quotes removed)."""
    with open(yaml_path, encoding="utf-8") as f:
        match = re.search(rf"^{re.escape(key)}\s*:\s*(.*?)\s*$", f.read(), flags=re.M)
    return None if match is None else match.group(1).strip("\"'")


def check_run_opts(run_opts):
    """The device ``run_opts`` names (default: a GPU where there is one), after
    refusing a device this machine does not have or a precision it cannot run
    (:class:`~speechbrain_interp.devices.DeviceError`,
    :class:`~speechbrain_interp.precision.PrecisionError`).

    Example
    -------
    >>> check_run_opts({"device": "cpu", "precision": "bf16"})
    'cpu'
    """
    run_opts = run_opts or {}
    check_device(run_opts.get("device"), option='run_opts["device"]')
    device = run_opts.get("device") or ("cuda" if torch.cuda.is_available() else "cpu")
    check_precision(run_opts.get("precision") or "fp32", device, option='run_opts["precision"]')
    return device


def _wrong_kind(source, found, kind):
    if found is None:
        return (f"{source} holds no speechbrain-interp {kind} (its hyperparams.yaml declares no "
                "kind): export the training run with `python -m speechbrain_interp export`")
    if found == "classifier" and kind == "interpreter":
        return (f"{source} is a classifier folder, not an interpreter: give an interpreter folder "
                "(an interpreter run's pretrained/), or name a method that needs no training, "
                "e.g. AudioInterpreter.from_hparams(source, method='saliency') (see "
                "speechbrain_interp.inference.METHODS)")
    return f"{source} holds a {found}, not a {kind}"


@contextlib.contextmanager
def keep_random_state():
    """Leaves the global generators of ``random``, numpy and torch (CPU and
    CUDA) as they were: building models draws initial weights from them.

    Example
    -------
    >>> before = torch.random.get_rng_state()
    >>> with keep_random_state():
    ...     _ = torch.nn.Linear(10, 10), random.random()
    >>> bool(torch.equal(before, torch.random.get_rng_state()))
    True
    """
    import numpy

    state = random.getstate(), numpy.random.get_state()
    devices = list(range(torch.cuda.device_count())) if torch.cuda.is_available() else []
    try:
        with torch.random.fork_rng(devices=devices):
            yield
    finally:
        random.setstate(state[0])
        numpy.random.set_state(state[1])
