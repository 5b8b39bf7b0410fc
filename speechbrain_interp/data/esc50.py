"""ESC-50 data preparation: the published layout to SpeechBrain JSON manifests.

ESC-50 (https://github.com/karolpiczak/ESC-50) ships as
``<data_folder>/audio/*.wav`` (5 s, 44.1 kHz mono clips) and
``<data_folder>/meta/esc50.csv`` with the columns
``filename,fold,target,category,esc10,src_file,take``. The five folds keep
clips cut from the same recording together, so splits are made of folds.

:func:`prepare_esc50` writes ``train.json``, ``valid.json``, ``test.json``
and ``classes.json`` into a manifest folder (never into the data folder),
and does nothing on a re-run unless its inputs changed.

Authors
 * speechbrain-interp developers 2026
"""

import os

from speechbrain_interp.data.download import download_and_extract
from speechbrain_interp.data.prepare import FoldPreparation
from speechbrain_interp.data.tables import parse_bool

__all__ = ["ESC50_URL", "download_esc50", "prepare_esc50"]

#: the official archive (unpacks to ``ESC-50-master/{audio,meta,...}``)
ESC50_URL = "https://github.com/karolpiczak/ESC-50/archive/master.zip"
ESC50_ARCHIVE_ROOT = "ESC-50-master"
REQUIRED_COLUMNS = ("filename", "fold", "target", "category", "esc10")
LAYOUT = (
    "<data_folder>/audio/*.wav and <data_folder>/meta/esc50.csv with the "
    "columns " + ",".join(REQUIRED_COLUMNS)
)
#: the metadata file inside the data folder
CSV = ("meta", "esc50.csv")
STATE_FILE = "esc50_prepare_state.json"
#: bump when the manifest content changes, so that old manifests are rebuilt
MANIFEST_VERSION = 1


def _csv_path(data_folder):
    return os.path.join(data_folder, *CSV)


def download_esc50(data_folder, keep_archive=False):
    """Downloads and unpacks the official ESC-50 archive into ``data_folder``.

    The content of the archive's ``ESC-50-master/`` folder is moved up, so
    that ``<data_folder>/audio/*.wav`` and ``<data_folder>/meta/esc50.csv``
    exist afterwards.

    Arguments
    ---------
    data_folder : str
        Destination folder (created if needed).
    keep_archive : bool
        Keep the downloaded zip (about 600 MB) in ``data_folder``.

    Returns
    -------
    str
        ``data_folder``.

    Raises
    ------
    RuntimeError
        When the archive cannot be downloaded (the message names the URL,
        the reason, and how to get the data by hand) or does not hold
        ``meta/esc50.csv``.

    Example
    -------
    >>> import urllib.request, urllib.error
    >>> def offline(*args, **kwargs):
    ...     raise urllib.error.URLError("network unreachable")
    >>> getfixture("monkeypatch").setattr(urllib.request, "urlopen", offline)
    >>> download_esc50(str(getfixture("tmpdir") / "esc50"))
    Traceback (most recent call last):
    ...
    RuntimeError: could not download ESC-50 from https://github.com/...
    (network unreachable)...
    """
    data_folder = str(data_folder)
    hint = (
        f"To get it by hand, download {ESC50_URL} elsewhere, unzip it, and "
        f"copy the content of its {ESC50_ARCHIVE_ROOT}/ folder into "
        f"{data_folder} so that {_csv_path(data_folder)} and "
        f"{os.path.join(data_folder, 'audio')}/*.wav exist; then run again "
        "(download=False skips the download)."
    )
    download_and_extract(
        ESC50_URL,
        data_folder,
        member=ESC50_ARCHIVE_ROOT,
        what="ESC-50",
        manual_hint=hint,
        keep_archive=keep_archive,
    )
    if not os.path.isfile(_csv_path(data_folder)):
        raise RuntimeError(
            f"the archive from {ESC50_URL} did not provide {_csv_path(data_folder)}"
        )
    return data_folder


class _ESC50(FoldPreparation):
    """ESC-50's hooks: its columns, the esc10 flag, the expected duration."""

    what, layout, state_file = "ESC-50", LAYOUT, STATE_FILE
    metadata = CSV
    manifest_version = MANIFEST_VERSION
    file_column, id_column, name_column = "filename", "target", "category"
    required_columns = REQUIRED_COLUMNS
    column_types = (
        ("fold", int, "integers"),
        ("target", int, "integers"),
        ("esc10", parse_bool, "True/False"),
    )

    def __init__(self, data_folder, manifest_folder, folds, esc10_only, **kwargs):
        super().__init__(data_folder, manifest_folder, folds, **kwargs)
        self.esc10_only = esc10_only
        self.selection_text = " of the ESC-10 subset" if esc10_only else ""

    def fetch(self):
        download_esc50(self.data_folder)

    def select(self, table):
        # fold presence was checked against the whole csv, emptiness after this
        if not self.esc10_only:
            return table
        table = table[table["esc10"]]
        if table.empty:
            raise ValueError(f"{self.metadata_path}: no row has esc10 set, but esc10_only=True")
        return table

    def options(self):
        return {
            **self.common_options(),
            "esc10_only": bool(self.esc10_only),
            "skip_missing": bool(self.skip_missing),
            "expected_duration": self.expected_duration,
        }


def prepare_esc50(
    data_folder,
    manifest_folder,
    train_folds=(1, 2, 3),
    valid_folds=(4,),
    test_folds=(5,),
    esc10_only=False,
    audio_folder=None,
    skip_missing=False,
    download=True,
    expected_duration=5.0,
):
    """Writes SpeechBrain JSON manifests for ESC-50 fold splits.

    Each split manifest maps the clip ID (filename without extension) to::

        {"wav": "{data_root}/audio/<filename>", "class_string": category,
         "classID": target, "fold": fold, "duration": seconds,
         "sample_rate": Hz, "channels": n}

    Load it with ``DynamicItemDataset.from_json(path,
    replacements={"data_root": data_folder})``; when ``audio_folder`` lies
    outside ``data_folder`` the paths are absolute. ``classes.json`` lists
    ``{"classID", "class_string"}`` sorted by classID over the selected
    table (all folds; ESC-10 only when ``esc10_only``).

    A state file records the options, the csv hash and the (name, size,
    mtime) of every referenced audio file; when nothing changed and the
    manifests exist, they are left untouched ("manifests up to date").

    Arguments
    ---------
    data_folder : str
        ESC-50 root holding ``audio/`` and ``meta/esc50.csv``; only read.
    manifest_folder : str
        Where the JSON files are written (created if needed).
    train_folds, valid_folds, test_folds : tuple of int
        Folds of each split; mutually exclusive. An empty tuple means no
        such split (its manifest path is returned as ``None``).
    esc10_only : bool
        Keep only the rows whose ``esc10`` column is true.
    audio_folder : str, optional
        Folder of the wav files (default ``<data_folder>/audio``).
    skip_missing : bool
        Leave out (with a warning) files that are missing, unreadable or
        empty instead of raising.
    download : bool
        Download the official archive into ``data_folder`` when
        ``meta/esc50.csv`` is missing.
    expected_duration : float, optional
        Clips whose duration differs by more than 10 ms are kept but listed
        in a warning; ``None`` disables the check.

    Returns
    -------
    dict
        ``{"train": path, "valid": path, "test": path}`` (``None`` for a
        split without folds).

    Raises
    ------
    FileNotFoundError
        Missing data folder, csv or audio folder (download disabled).
    RuntimeError
        Failed download (names the URL); ``BadAudioFilesError`` for
        missing/unreadable/empty files (names them).
    ValueError
        Bad fold arguments (every bad split named in one message), missing
        csv columns, duplicate filenames, a category under two targets or a
        target under two categories (the rows named).

    Example
    -------
    >>> import json, os, torch
    >>> from speechbrain.dataio import audio_io
    >>> root = str(getfixture("tmpdir") / "ESC-50")
    >>> os.makedirs(os.path.join(root, "audio"))
    >>> os.makedirs(os.path.join(root, "meta"))
    >>> rows = ["filename,fold,target,category,esc10,src_file,take"]
    >>> for fold in (1, 2, 3):
    ...     name = f"{fold}-100-A-0.wav"
    ...     wav = 0.1 * torch.randn(1, 800)
    ...     audio_io.save(os.path.join(root, "audio", name), wav, 8000)
    ...     rows.append(f"{name},{fold},0,dog,True,100,A")
    >>> with open(os.path.join(root, "meta", "esc50.csv"), "w") as csv:
    ...     _ = csv.write("\\n".join(rows))
    >>> out = str(getfixture("tmpdir") / "manifests")
    >>> paths = prepare_esc50(root, out, (1,), (2,), (3,), download=False,
    ...                       expected_duration=0.1)
    >>> json.load(open(paths["train"]))  # doctest: +NORMALIZE_WHITESPACE
    {'1-100-A-0': {'wav': '{data_root}/audio/1-100-A-0.wav',
     'class_string': 'dog', 'classID': 0, 'fold': 1, 'duration': 0.1,
     'sample_rate': 8000, 'channels': 1}}
    >>> paths["valid"] == os.path.join(out, "valid.json")
    True
    """
    folds = {"train": train_folds, "valid": valid_folds, "test": test_folds}
    preparation = _ESC50(
        data_folder,
        manifest_folder,
        folds,
        esc10_only,
        audio_folder=audio_folder,
        skip_missing=skip_missing,
        download=download,
        expected_duration=expected_duration,
    )
    return preparation.run()
