"""UrbanSound8K data preparation: the published layout to SpeechBrain JSON manifests.

UrbanSound8K (https://urbansounddataset.weebly.com/urbansound8k.html) holds
8732 urban sound excerpts of at most 4 s in 10 classes, shipped as
``<data_folder>/audio/fold<k>/<slice_file_name>`` (k = 1..10) and
``<data_folder>/metadata/UrbanSound8K.csv`` with the columns
``slice_file_name,fsID,start,end,salience,fold,classID,class``. File names
read ``<fsID>-<classID>-<occurrenceID>-<sliceID>.wav``. The files keep the
sample rate, bit depth and channel count of their Freesound upload (mostly
44.1 or 48 kHz, 16 or 24 bits, stereo). The official protocol is 10-fold
cross-validation on the predefined folds, which keep the slices of one
recording together: splits are made of folds, never of reshuffled clips.

:func:`prepare_urbansound8k` writes ``train.json``, ``valid.json``,
``test.json`` and ``classes.json`` into a manifest folder (never into the
data folder), labels each clip with its official ``classID`` (stable
whatever the folds), and does nothing on a re-run unless its inputs
changed. Clips shorter than the model's input are zero-padded when loaded
(:func:`speechbrain_interp.audio.load_audio` with ``length``), longer ones
cropped.

Authors
 * speechbrain-interp developers 2026
"""

import os

from speechbrain.utils.logger import get_logger
from speechbrain_interp.data.download import download_and_extract
from speechbrain_interp.data.prepare import FoldPreparation
from speechbrain_interp.data.tables import format_names

__all__ = [
    "OFFICIAL_CLASSES",
    "URBANSOUND8K_MD5",
    "URBANSOUND8K_URL",
    "download_urbansound8k",
    "prepare_urbansound8k",
]

logger = get_logger(__name__)

#: the Zenodo mirror of the official archive (unpacks to ``UrbanSound8K/``)
URBANSOUND8K_URL = (
    "https://zenodo.org/record/1203745/files/UrbanSound8K.tar.gz?download=1"
)
#: MD5 of that archive, checked before it is unpacked
URBANSOUND8K_MD5 = "9aa69802bbf37fb986f71ec1483a196e"
URBANSOUND8K_ARCHIVE_ROOT = "UrbanSound8K"
#: the official request form (the dataset's own download route)
URBANSOUND8K_FORM = "https://urbansounddataset.weebly.com/download-urbansound8k.html"
#: class names at their official classID
OFFICIAL_CLASSES = (
    "air_conditioner", "car_horn", "children_playing", "dog_bark", "drilling",
    "engine_idling", "gun_shot", "jackhammer", "siren", "street_music",
)  # fmt: skip
#: official fold numbers
FOLD_RANGE = (1, 10)
REQUIRED_COLUMNS = ("slice_file_name", "fold", "classID", "class")
#: other spellings of a required column found in copies of the dataset
COLUMN_ALIASES = {"class": ("class_name",)}
#: optional columns copied into the manifest when present, with their type
OPTIONAL_COLUMNS = (
    ("salience", int, "integers"),
    ("fsID", int, "integers"),
    ("start", float, "numbers"),
    ("end", float, "numbers"),
)
LAYOUT = (
    "<data_folder>/audio/fold<k>/<slice_file_name> and "
    "<data_folder>/metadata/UrbanSound8K.csv with the columns "
    + ",".join(REQUIRED_COLUMNS)
)
#: the metadata file inside the data folder
CSV = ("metadata", "UrbanSound8K.csv")
STATE_FILE = "urbansound8k_prepare_state.json"
#: bump when the manifest content changes, so that old manifests are rebuilt
MANIFEST_VERSION = 1


def _csv_path(data_folder):
    return os.path.join(data_folder, *CSV)


def download_urbansound8k(data_folder, keep_archive=False):
    """Downloads, checks and unpacks the UrbanSound8K archive into ``data_folder``.

    The archive (several GB, from the Zenodo mirror :data:`URBANSOUND8K_URL`)
    is checked against :data:`URBANSOUND8K_MD5` before it is unpacked, and
    the content of its ``UrbanSound8K/`` folder is moved up, so that
    ``<data_folder>/metadata/UrbanSound8K.csv`` and
    ``<data_folder>/audio/fold1..fold10/`` exist afterwards.

    Arguments
    ---------
    data_folder : str
        Destination folder (created if needed).
    keep_archive : bool
        Keep the downloaded ``.tar.gz`` in ``data_folder``.

    Returns
    -------
    str
        ``data_folder``.

    Raises
    ------
    RuntimeError
        When the archive cannot be downloaded (the message names the URL,
        the reason and how to get the data by hand), has another MD5 (both
        digests named; the archive is deleted) or does not hold
        ``metadata/UrbanSound8K.csv``.

    Example
    -------
    >>> import urllib.request, urllib.error
    >>> def offline(*args, **kwargs):
    ...     raise urllib.error.URLError("network unreachable")
    >>> getfixture("monkeypatch").setattr(urllib.request, "urlopen", offline)
    >>> download_urbansound8k(str(getfixture("tmpdir") / "us8k"))
    Traceback (most recent call last):
    ...
    RuntimeError: could not download UrbanSound8K from https://zenodo.org/...
    (network unreachable)...
    """
    data_folder = str(data_folder)
    csv_path = _csv_path(data_folder)
    hint = (
        f"To get it by hand, download {URBANSOUND8K_URL} elsewhere (or "
        f"request it at {URBANSOUND8K_FORM}), check that its MD5 is "
        f"{URBANSOUND8K_MD5}, unpack it and copy the content of its "
        f"{URBANSOUND8K_ARCHIVE_ROOT}/ folder into {data_folder} so that "
        f"{csv_path} and {os.path.join(data_folder, 'audio', 'fold1')}/*.wav "
        "exist; then run again (download=False skips the download)."
    )
    download_and_extract(
        URBANSOUND8K_URL,
        data_folder,
        member=URBANSOUND8K_ARCHIVE_ROOT,
        what="UrbanSound8K",
        manual_hint=hint,
        keep_archive=keep_archive,
        md5=URBANSOUND8K_MD5,
    )
    if not os.path.isfile(csv_path):
        raise RuntimeError(
            f"the archive from {URBANSOUND8K_URL} did not provide {csv_path}"
        )
    return data_folder


def _file_class_ids(table):
    """Rows whose file name's classID part disagrees with the classID column."""
    disagree = []
    for name, class_id in zip(table["slice_file_name"], table["classID"]):
        parts = os.path.splitext(os.path.basename(name))[0].split("-")
        if len(parts) == 4 and parts[1].isdigit() and int(parts[1]) != class_id:
            disagree.append(f"{name} (classID {class_id})")
    return disagree


class _UrbanSound8K(FoldPreparation):
    """UrbanSound8K's hooks: its columns, fold sub-folders, class-id warnings."""

    what, layout, state_file = "UrbanSound8K", LAYOUT, STATE_FILE
    metadata = CSV
    manifest_version = MANIFEST_VERSION
    file_column, id_column, name_column = "slice_file_name", "classID", "class"
    required_columns, column_aliases = REQUIRED_COLUMNS, COLUMN_ALIASES
    optional_columns, fold_range = OPTIONAL_COLUMNS, FOLD_RANGE

    def fetch(self):
        download_urbansound8k(self.data_folder)

    def audio_path(self, item, row):
        return os.path.join(self.audio_folder, f"fold{row['fold']}", row["slice_file_name"])

    def check_table(self, table, path):
        """Warns about file names whose classID part disagrees, and unofficial classes."""
        disagree = _file_class_ids(table)
        if disagree:
            logger.warning(
                "%s: %d row(s) whose file name's classID part "
                "(<fsID>-<classID>-<occurrence>-<slice>.wav) differs from the "
                "classID column (the column is used): %s",
                path,
                len(disagree),
                format_names(disagree),
            )
        classes = table[["classID", "class"]].drop_duplicates()
        unofficial = [
            f"{i}={name}"
            for i, name in classes.itertuples(index=False)
            if not (0 <= i < len(OFFICIAL_CLASSES) and OFFICIAL_CLASSES[i] == name)
        ]
        if unofficial:
            logger.warning(
                "%s: classID/class pair(s) that differ from the official ones "
                "(%s): %s",
                path,
                ", ".join(f"{i}={n}" for i, n in enumerate(OFFICIAL_CLASSES)),
                format_names(unofficial),
            )


def prepare_urbansound8k(
    data_folder,
    manifest_folder,
    train_folds=(1, 2, 3, 4, 5, 6, 7, 8),
    valid_folds=(9,),
    test_folds=(10,),
    audio_folder=None,
    skip_missing=False,
    download=False,
    signal_length_s=4.0,
):
    """Writes SpeechBrain JSON manifests for UrbanSound8K fold splits.

    Each split manifest maps the clip ID (file name without extension) to::

        {"wav": "{data_root}/audio/fold<k>/<slice_file_name>",
         "class_string": class, "classID": official id, "fold": k,
         "salience": 1 or 2, "fsID": Freesound id, "start": s, "end": s,
         "duration": seconds, "sample_rate": Hz, "channels": n}

    (``salience``, ``fsID``, ``start`` and ``end`` only when the csv has
    those columns). Load it with ``DynamicItemDataset.from_json(path,
    replacements={"data_root": data_folder})``; when ``audio_folder`` lies
    outside ``data_folder`` the paths are absolute. ``classes.json`` lists
    ``{"classID", "class_string"}`` sorted by classID over the whole csv, so
    labels are the official ids whatever the folds. Durations come from the
    file headers.

    The csv columns are read by name (extra columns are ignored; a copy
    that calls ``class`` ``class_name`` is accepted). A class name under two
    ids, or an id under two names, is an error naming the rows; a file name
    whose classID part differs from the ``classID`` column is only warned
    about. A state file records the options, the csv hash and the (name,
    size, mtime) of every referenced audio file; when nothing changed and
    the manifests exist, they are left untouched ("manifests up to date").

    Arguments
    ---------
    data_folder : str
        UrbanSound8K root holding ``audio/`` and
        ``metadata/UrbanSound8K.csv``; only read.
    manifest_folder : str
        Where the JSON files are written (created if needed).
    train_folds, valid_folds, test_folds : tuple of int
        Folds (1 to 10) of each split; mutually exclusive, each present in
        the csv. An empty tuple means no such split (its manifest path is
        returned as ``None``). The defaults are the upstream single split;
        the official protocol is 10-fold cross-validation.
    audio_folder : str, optional
        Folder holding ``fold1/`` ... ``fold10/`` (default
        ``<data_folder>/audio``).
    skip_missing : bool
        Leave out (with a warning) files that are missing, unreadable or
        empty instead of raising.
    download : bool
        Download the archive (Zenodo mirror, MD5-checked) into
        ``data_folder`` when ``metadata/UrbanSound8K.csv`` is missing.
    signal_length_s : float, optional
        The classifier's input length: an info line counts the clips shorter
        (zero-padded when loaded) and longer (cropped) than it, by more than
        10 ms; ``None`` skips it. Clips of any length are kept.

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
        Bad fold arguments (every bad split named in one message), a split
        left without clips (names it and its folds), missing csv columns,
        duplicate file names, bad numbers, a class name under two ids or an
        id under two names (names the rows).

    Example
    -------
    >>> import json, os, torch
    >>> from speechbrain.dataio import audio_io
    >>> root = str(getfixture("tmpdir") / "UrbanSound8K")
    >>> os.makedirs(os.path.join(root, "metadata"))
    >>> rows = ["slice_file_name,fsID,start,end,salience,fold,classID,class"]
    >>> for fold in (1, 2, 3):
    ...     name = f"{fold}00-3-0-0.wav"
    ...     os.makedirs(os.path.join(root, "audio", f"fold{fold}"))
    ...     wav = 0.1 * torch.randn(2, 800)
    ...     audio_io.save(os.path.join(root, "audio", f"fold{fold}", name), wav, 8000)
    ...     rows.append(f"{name},{fold}00,0.0,0.1,1,{fold},3,dog_bark")
    >>> with open(os.path.join(root, "metadata", "UrbanSound8K.csv"), "w") as csv:
    ...     _ = csv.write("\\n".join(rows))
    >>> out = str(getfixture("tmpdir") / "manifests")
    >>> paths = prepare_urbansound8k(root, out, (1,), (2,), (3,))
    >>> json.load(open(paths["train"]))  # doctest: +NORMALIZE_WHITESPACE
    {'100-3-0-0': {'wav': '{data_root}/audio/fold1/100-3-0-0.wav',
     'class_string': 'dog_bark', 'classID': 3, 'fold': 1, 'salience': 1,
     'fsID': 100, 'start': 0.0, 'end': 0.1, 'duration': 0.1,
     'sample_rate': 8000, 'channels': 2}}
    >>> json.load(open(os.path.join(out, "classes.json")))
    [{'classID': 3, 'class_string': 'dog_bark'}]
    >>> prepare_urbansound8k(root, out, (1, 11), (2,), (1, 12))
    ... # doctest: +NORMALIZE_WHITESPACE
    Traceback (most recent call last):
    ...
    ValueError: train_folds: fold 11 out of range 1-10;
    test_folds: fold 12 out of range 1-10;
    train_folds and test_folds share fold 1 (splits must not overlap)
    """
    folds = {"train": train_folds, "valid": valid_folds, "test": test_folds}
    preparation = _UrbanSound8K(
        data_folder,
        manifest_folder,
        folds,
        audio_folder=audio_folder,
        skip_missing=skip_missing,
        download=download,
        signal_length_s=signal_length_s,
    )
    return preparation.run()
