"""Where a pretrained folder comes from: a local folder or a HuggingFace repository.

SpeechBrain's fetching takes any string that is not an existing folder for a
hub repository id, so a mistyped local path (``results/pretrainde``) is
retried against the network for about 20 s before a generic message. Here a
source is resolved first (:func:`resolve_source`):

* an existing folder is local (it must hold ``hyperparams.yaml``); a
  training run's output folder, whose own ``hyperparams.yaml`` is the
  recipe's (no ``kind``) and whose ``pretrained/`` holds the exported
  folder, stands for that ``pretrained/`` (logged);
* a string that looks like a path (starts with ``.``, ``/`` or ``~``, has a
  backslash or several ``/``, or whose first component is an existing
  folder) but is not a folder is a missing local folder: the error names
  it, with the closest existing names;
* ``owner/name`` is a hub repository: it is served from the local
  HuggingFace cache when there, otherwise only after a quick check that
  the hub can be reached (:func:`check_hub`), so that offline
  (``HF_HUB_OFFLINE=1`` or no network) a missing repository fails at once
  with a message that names it and says what to do.

Authors
 * speechbrain-interp developers 2026
"""

import difflib
import os
import re
import socket
from urllib.parse import urlparse

from speechbrain.utils.logger import get_logger

logger = get_logger(__name__)

__all__ = ["PretrainedSourceError", "check_hub", "close_names", "hub_cached", "hub_offline",
           "looks_local", "read_kind", "resolve_source", "run_pretrained_folder"]

#: seconds allowed to open a connection to the hub before calling it unreachable
PROBE_TIMEOUT_S = 3.0
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


class PretrainedSourceError(FileNotFoundError):
    """A pretrained source that is neither a usable folder nor a reachable repository."""


def read_kind(yaml_path):
    """The ``kind`` a pretrained ``hyperparams.yaml`` declares (``None``: none).

    Example
    -------
    >>> path = getfixture("tmpdir") / "hyperparams.yaml"
    >>> _ = path.write('format_version: 1\\nkind: "classifier"\\n')
    >>> read_kind(str(path))
    'classifier'
    """
    with open(yaml_path, encoding="utf-8") as f:
        for line in f:
            match = re.match(r'^kind:\s*"?([\w-]+)"?\s*(#.*)?$', line)
            if match:
                return match.group(1)
    return None


def close_names(path):
    """`` (did you mean ...?)`` with up to three names of ``path``'s folder
    close to its own, or an empty string.

    Example
    -------
    >>> tmp = getfixture("tmpdir")
    >>> _ = tmp.mkdir("pretrained")
    >>> close_names(str(tmp / "pretrainde")).endswith("pretrained?)")
    True
    """
    parent, name = os.path.split(os.path.normpath(path))
    try:
        names = os.listdir(parent or ".")
    except OSError:
        return ""
    close = difflib.get_close_matches(name, names, n=3, cutoff=0.6)
    return f" (did you mean {', '.join(os.path.join(parent, c) for c in close)}?)" if close else ""


def looks_local(source):
    """Whether SpeechBrain's fetching would take ``source`` for a local path here.

    A repository id is ``owner/name``; anything starting with ``.``, ``/``
    or ``~``, with a backslash, with another number of ``/``, or whose
    first part is a folder of the working directory is a local path.

    Example
    -------
    >>> looks_local("speechbrain/cnn14-esc50"), looks_local("/data/clf"), looks_local("clf.ckpt")
    (False, True, True)
    """
    if source.startswith((".", "/", "~")) or "\\" in source or source.count("/") != 1:
        return True
    first = source.split("/", 1)[0]
    return os.path.isdir(first)


def resolve_source(source, what="pretrained folder"):
    """``("local", absolute folder)`` or ``("hub", repo id)`` for ``source``.

    Arguments
    ---------
    source : str or os.PathLike
        A folder or a HuggingFace repository id (``owner/name``).
    what : str
        What is being loaded, for the messages.

    Raises
    ------
    PretrainedSourceError
        A missing local folder (with close names), a folder without
        ``hyperparams.yaml``, or a string that is neither.

    Example
    -------
    >>> tmp = getfixture("tmpdir")
    >>> _ = (tmp.mkdir("pretrained") / "hyperparams.yaml").write("x: 1")
    >>> resolve_source(str(tmp / "pretrained"))[0], resolve_source("speechbrain/cnn14-esc50")
    ('local', ('hub', 'speechbrain/cnn14-esc50'))
    >>> resolve_source(str(tmp / "pretrainde"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    speechbrain_interp.sources.PretrainedSourceError: no such folder: .../pretrainde (did you mean .../pretrained?) ...

    A training run's folder stands for its ``pretrained/``:

    >>> resolve_source(str(tmp))[1] == str(tmp / "pretrained")
    True
    """
    source = os.fspath(source)
    expanded = os.path.expanduser(source)
    if os.path.isdir(expanded):
        folder = run_pretrained_folder(os.path.abspath(expanded))
        if not os.path.isfile(os.path.join(folder, "hyperparams.yaml")):
            raise PretrainedSourceError(
                f"{folder} is not a {what} (no hyperparams.yaml in it): give the folder written "
                "by a training run (<output_folder>/pretrained) or by the export program")
        return "local", folder
    if looks_local(source) or not _HUB_ID.match(source):
        raise PretrainedSourceError(
            f"no such folder: {source}{close_names(expanded)} (taken for a local path: a "
            "HuggingFace repository id is owner/name)")
    return "hub", source


def run_pretrained_folder(folder):
    """``folder/pretrained`` when ``folder`` is a training run's output folder, else ``folder``.

    A run folder holds the recipe's ``hyperparams.yaml`` (which declares no
    ``kind``: it is no pretrained folder) and the exported folder in
    ``pretrained/``; the switch is logged.
    """

    inner = os.path.join(folder, "pretrained")
    own = os.path.join(folder, "hyperparams.yaml")
    if not os.path.isfile(os.path.join(inner, "hyperparams.yaml")):
        return folder
    if os.path.isfile(own) and read_kind(own) is not None:
        return folder
    logger.info("%s is a training run's output folder: loading the pretrained folder it exported, "
                "%s", folder, inner)
    return inner


def hub_offline():
    """Whether the HuggingFace hub is switched off (``HF_HUB_OFFLINE``)."""
    from huggingface_hub import constants

    value = os.environ.get("HF_HUB_OFFLINE", "")
    return bool(constants.HF_HUB_OFFLINE) or value.upper() in ("1", "ON", "YES", "TRUE")


def hub_cached(repo_id, filename, revision=None, cache_dir=None):
    """Whether the local HuggingFace cache holds ``filename`` of ``repo_id``."""
    import huggingface_hub

    try:
        huggingface_hub.hf_hub_download(repo_id, filename, revision=revision,
                                        cache_dir=cache_dir, local_files_only=True)
        return True
    except Exception:  # not in the cache (LocalEntryNotFoundError and relatives)
        return False


def check_hub(repo_id, filename="hyperparams.yaml", revision=None, cache_dir=None):
    """Fails fast when ``repo_id`` is neither cached nor reachable.

    Returns ``"cached"`` when the local HuggingFace cache holds the file
    (loading then needs no network), ``"online"`` when the hub answers.

    Raises
    ------
    PretrainedSourceError
        Offline (``HF_HUB_OFFLINE=1``) or no connection to the hub within
        :data:`PROBE_TIMEOUT_S`, and the file is not cached; the message
        names the repository and what to do.
    """
    if hub_cached(repo_id, filename, revision, cache_dir):
        return "cached"
    advice = (f"check the repository id, or download it where there is a network "
              f"(`hf download {repo_id} --local-dir <folder>`) and pass that folder")
    if hub_offline():
        raise PretrainedSourceError(
            f"{repo_id}: {filename} is not in the local HuggingFace cache and HF_HUB_OFFLINE "
            f"is set, so it cannot be downloaded; {advice}")
    from huggingface_hub import constants

    endpoint = urlparse(constants.ENDPOINT)
    host, port = endpoint.hostname, endpoint.port or (443 if endpoint.scheme == "https" else 80)
    try:
        socket.create_connection((host, port), timeout=PROBE_TIMEOUT_S).close()
    except OSError as err:
        raise PretrainedSourceError(
            f"{repo_id}: {filename} is not in the local HuggingFace cache and {constants.ENDPOINT} "
            f"cannot be reached ({err}); {advice}") from err
    return "online"
