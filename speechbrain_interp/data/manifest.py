"""Dataset-independent helpers for writing SpeechBrain JSON manifests.

A ``prepare_<dataset>`` function typically

1. checks the data folder (:func:`check_data_folder`),
2. reads and validates the metadata table (the helpers of
   :mod:`speechbrain_interp.data.tables`; fold arguments:
   :mod:`speechbrain_interp.data.folds`),
3. checks that every listed audio file exists and is readable
   (:func:`scan_audio_files`),
4. writes the manifests atomically (:func:`write_json`), with relocatable
   ``{data_root}`` paths (:func:`manifest_path`),
5. records a state file so that a re-run is a no-op unless its inputs changed
   (:func:`preparation_state`, :func:`is_up_to_date`, :func:`write_json`).

Errors always name the offending file, column or key.
:class:`speechbrain_interp.data.prepare.Preparation` runs these steps in
this order, with per-dataset hooks.

Authors
 * speechbrain-interp developers 2026
"""

import hashlib
import json
import numbers
import os
import tempfile

from speechbrain.utils.logger import get_logger
from speechbrain_interp.audio import (
    SILENCE_PEAK,
    AudioError,
    audio_info,
    load_audio,
)
from speechbrain_interp.data.tables import format_names

__all__ = [
    "BadAudioFilesError",
    "ManifestFolder",
    "SPLITS",
    "audio_folder_of",
    "LENGTH_TOLERANCE",
    "check_data_folder",
    "classes_without_clips",
    "warn_untrained_classes",
    "check_signal_length",
    "is_up_to_date",
    "log_lengths",
    "manifest_path",
    "preparation_state",
    "scan_audio_files",
    "write_json",
]

logger = get_logger(__name__)

#: clips within this many seconds of ``signal_length_s`` count as full length
LENGTH_TOLERANCE = 0.01

#: version of the state-file format; bump it to invalidate every old state
STATE_VERSION = 1


class BadAudioFilesError(RuntimeError):
    """Audio files listed in a metadata table are missing or unusable.

    The message names every file (or the first ones and a count).
    """


def audio_folder_of(data_folder, audio_folder, layout):
    """The absolute audio folder (default ``<data_folder>/audio``), or a
    ``FileNotFoundError`` naming it and the expected ``layout``.

    Example
    -------
    >>> audio_folder_of("/no/data", None, "audio/*.wav")
    Traceback (most recent call last):
    ...
    FileNotFoundError: audio folder /no/data/audio does not exist (expected layout: audio/*.wav)
    """
    if audio_folder is None:
        audio_folder = os.path.join(data_folder, "audio")
    audio_folder = os.path.abspath(str(audio_folder))
    if not os.path.isdir(audio_folder):
        raise FileNotFoundError(
            f"audio folder {audio_folder} does not exist (expected layout: {layout})"
        )
    return audio_folder


def check_signal_length(signal_length_s):
    """``signal_length_s`` as a float (or None); anything but a positive number is an error.

    Example
    -------
    >>> check_signal_length(4), check_signal_length(None)
    (4.0, None)
    >>> check_signal_length(0)
    Traceback (most recent call last):
    ...
    ValueError: signal_length_s must be a positive number of seconds or None, got 0
    """
    if signal_length_s is None:
        return None
    if (
        not isinstance(signal_length_s, numbers.Real)
        or isinstance(signal_length_s, bool)
        or not signal_length_s > 0
    ):
        raise ValueError(
            f"signal_length_s must be a positive number of seconds or None, "
            f"got {signal_length_s!r}"
        )
    return float(signal_length_s)


def log_lengths(manifests, signal_length_s, what):
    """One info line: how many clips of ``manifests`` (split -> {id: entry with
    ``duration``}) are padded or cropped to ``signal_length_s`` when loaded."""
    durations = [e["duration"] for m in manifests.values() for e in m.values()]
    short = [d for d in durations if d < signal_length_s - LENGTH_TOLERANCE]
    long = [d for d in durations if d > signal_length_s + LENGTH_TOLERANCE]
    logger.info(
        "%s: %d of %d clips are shorter than %.2f s (zero-padded when loaded%s), "
        "%d longer (cropped when loaded)",
        what, len(short), len(durations), signal_length_s,
        f"; the shortest lasts {min(short):.3f} s" if short else "", len(long),
    )  # fmt: skip


def check_data_folder(folder, layout):
    """Raises ``FileNotFoundError`` naming ``folder`` and the expected
    ``layout`` (a human-readable description) when the folder is missing.

    Example
    -------
    >>> check_data_folder("/no/such/folder", "audio/*.wav")
    Traceback (most recent call last):
    ...
    FileNotFoundError: data folder /no/such/folder does not exist ...
    """
    if not os.path.isdir(folder):
        raise FileNotFoundError(
            f"data folder {folder} does not exist (expected layout: {layout})"
        )


def manifest_path(path, data_root, placeholder="data_root"):
    """Writes ``path`` relative to ``data_root`` with a ``{placeholder}``.

    SpeechBrain replaces ``{data_root}`` when loading the manifest
    (``DynamicItemDataset.from_json(..., replacements={"data_root": ...})``),
    so the manifest can be moved with the data. A path outside ``data_root``
    is written absolute.

    Arguments
    ---------
    path : str
        File path.
    data_root : str
        Dataset root folder.
    placeholder : str
        Name of the replacement key.

    Returns
    -------
    str
        ``"{data_root}/rel/path"`` or an absolute path.

    Example
    -------
    >>> manifest_path("/d/audio/x.wav", "/d")
    '{data_root}/audio/x.wav'
    >>> manifest_path("/elsewhere/x.wav", "/d")
    '/elsewhere/x.wav'
    """
    path = os.path.abspath(path)
    root = os.path.abspath(data_root)
    rel = os.path.relpath(path, root)
    outside = rel == os.pardir or rel.startswith(os.pardir + os.sep)
    if outside or os.path.isabs(rel):
        return path
    return "{" + placeholder + "}/" + rel.replace(os.sep, "/")


def scan_audio_files(
    paths, skip_missing=False, expected_duration=None, tolerance=0.01
):
    """Reads the header (and samples) of every listed file and checks it.

    Missing, unreadable and empty (0-sample) files are errors (all of them
    named in one message) unless ``skip_missing``, in which case they are
    left out with a warning. Silent files and files whose duration differs
    from ``expected_duration`` by more than ``tolerance`` are kept, with a
    warning that lists them.

    Arguments
    ---------
    paths : dict
        ``{key: path}``; the key names the file in messages.
    skip_missing : bool
        Leave out unusable files instead of raising.
    expected_duration : float, optional
        Expected clip duration in seconds; ``None`` skips the check.
    tolerance : float
        Allowed duration mismatch in seconds.

    Returns
    -------
    dict
        ``{key: {"duration": float, "sample_rate": int, "channels": int}}``
        for the usable files, in the order of ``paths``.

    Raises
    ------
    BadAudioFilesError
        Listing unusable files (when not ``skip_missing``).

    Example
    -------
    >>> import torch
    >>> from speechbrain.dataio import audio_io
    >>> path = str(getfixture("tmpdir") / "a.wav")
    >>> audio_io.save(path, 0.1 * torch.ones(1, 800), 8000)
    >>> scan_audio_files({"a": path})
    {'a': {'duration': 0.1, 'sample_rate': 8000, 'channels': 1}}
    """
    infos, missing, unreadable, empty = {}, [], [], []
    silent, off_duration = [], []
    for key, path in paths.items():
        if not os.path.isfile(path):
            missing.append(str(path))
            continue
        try:
            rate, frames, channels = audio_info(path)
            if frames == 0:
                empty.append(str(path))
                continue
            wave = load_audio(path, rate, normalize=False)
        except AudioError as err:
            if "0 samples" in str(err):
                empty.append(str(path))
            else:
                unreadable.append(f"{key} ({err})")
            continue
        duration = frames / rate
        if float(wave.abs().max()) <= SILENCE_PEAK:
            silent.append(key)
        if (
            expected_duration is not None
            and abs(duration - expected_duration) > tolerance
        ):
            off_duration.append(f"{key} ({duration:.3f} s)")
        infos[key] = {
            "duration": duration,
            "sample_rate": rate,
            "channels": channels,
        }

    problems = []
    if missing:
        problems.append(f"{len(missing)} missing: {format_names(missing)}")
    if unreadable:
        problems.append(
            f"{len(unreadable)} unreadable: {format_names(unreadable)}"
        )
    if empty:
        problems.append(f"{len(empty)} empty (0 samples): {format_names(empty)}")
    if problems:
        text = "; ".join(problems)
        if not skip_missing:
            raise BadAudioFilesError(
                f"audio files listed in the metadata are unusable: {text}. "
                "Fix them, or pass skip_missing=True to leave them out."
            )
        logger.warning("skipping audio files listed in the metadata: %s", text)
    if silent:
        logger.warning(
            "%d silent audio file(s) kept: %s", len(silent), format_names(silent)
        )
    if off_duration:
        logger.warning(
            "%d audio file(s) kept whose duration differs from %.3f s "
            "(they are padded/cropped when loaded): %s",
            len(off_duration),
            expected_duration,
            format_names(off_duration),
        )
    return infos


def _hash_file(path, chunk_size=1 << 20):
    """SHA-256 hex digest of a file's content (read in chunks)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _file_listing(paths):
    """``[path, size, mtime_ns]`` of each file (``None``s when absent)."""
    listing = []
    for path in paths:
        try:
            stat = os.stat(path)
            listing.append([str(path), stat.st_size, stat.st_mtime_ns])
        except OSError:
            listing.append([str(path), None, None])
    return listing


def preparation_state(options, csv_path, audio_paths):
    """The inputs of a preparation, as a JSON-serialisable dict.

    Arguments
    ---------
    options : dict
        The preparation options (JSON-serialisable).
    csv_path : str
        The metadata file (its content is hashed).
    audio_paths : list of str
        Referenced audio files (their path, size and mtime are recorded).

    Returns
    -------
    dict
        Compare it with :func:`is_up_to_date`, store it with
        :func:`write_json`.

    Example
    -------
    >>> path = getfixture("tmpdir") / "m.csv"
    >>> _ = path.write_text("a", "utf-8")
    >>> sorted(preparation_state({"x": 1}, str(path), []))
    ['audio', 'csv_sha256', 'options', 'version']
    """
    state = {
        "version": STATE_VERSION,
        "options": options,
        "csv_sha256": _hash_file(csv_path),
        "audio": _file_listing(audio_paths),
    }
    return json.loads(json.dumps(state))  # tuples -> lists, as when reloaded


def is_up_to_date(state_path, state, outputs):
    """Whether a previous run recorded the same ``state`` and left ``outputs``.

    Arguments
    ---------
    state_path : str
        State file written by the previous run.
    state : dict
        State of the current inputs (see :func:`preparation_state`).
    outputs : list of str
        Files the previous run must have written.

    Returns
    -------
    bool

    Example
    -------
    >>> is_up_to_date("/no/such/state.json", {}, [])
    False
    """
    if not all(os.path.isfile(p) for p in outputs):
        return False
    try:
        with open(state_path, encoding="utf-8") as handle:
            return json.load(handle) == state
    except (OSError, ValueError):
        return False


def write_json(obj, path, indent=2):
    """Writes JSON atomically (temp file in the same folder, then replace).

    A concurrent reader sees either the old file or the complete new one.

    Arguments
    ---------
    obj : object
        JSON-serialisable content.
    path : str
        Destination; its folder is created if needed.
    indent : int
        JSON indentation.

    Example
    -------
    >>> path = str(getfixture("tmpdir") / "sub" / "x.json")
    >>> write_json({"a": 1}, path)
    >>> open(path).read()
    '{\\n  "a": 1\\n}'
    """
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=folder)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(obj, out, indent=indent)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


#: the splits a preparation may write, in order
SPLITS = ("train", "valid", "test")


def classes_without_clips(manifest, classes):
    """The class names of ``classes`` that no entry of ``manifest`` has.

    An entry's classes are its ``labels`` (multi-label manifests) or its
    ``class_string``.

    Arguments
    ---------
    manifest : dict
        ``{id: entry}``.
    classes : list of dict or str
        ``{"classID", "class_string"}`` entries (or names), in index order.

    Returns
    -------
    list of str
        In the order of ``classes``.

    Example
    -------
    >>> classes_without_clips({"a": {"class_string": "dog"}, "b": {"labels": ["rain"]}},
    ...                       ["dog", "rain", "sea_waves"])
    ['sea_waves']
    """
    present = set()
    for entry in manifest.values():
        if "labels" in entry:
            present.update(entry["labels"])
        elif "class_string" in entry:
            present.add(entry["class_string"])
    names = [c["class_string"] if isinstance(c, dict) else c for c in classes]
    return [name for name in names if name not in present]


def warn_untrained_classes(manifests, classes_file="classes.json"):
    """Logs a warning naming the classes that have no clip in the training manifest.

    A model trained on it never sees them (a fold or subset choice that
    left a class out), yet they stay among its outputs. The classes are
    those of the ``classes.json`` beside the training manifest (what
    preparations write: the whole dataset's), else those of all the
    manifests.

    Arguments
    ---------
    manifests : dict
        ``{"train": path or None, "valid": ..., "test": ...}``.
    classes_file : str
        Name of the class list beside the manifests.

    Returns
    -------
    list of str
        The classes without a training clip (none without a training
        manifest; manifests that do not exist are passed over).

    Example
    -------
    >>> folder = getfixture("tmpdir")
    >>> write_json({"1": {"class_string": "dog"}}, str(folder / "train.json"))
    >>> write_json({"2": {"class_string": "rain"}}, str(folder / "test.json"))
    >>> warn_untrained_classes({"train": str(folder / "train.json"),
    ...                         "test": str(folder / "test.json")})
    ['rain']
    """
    train = manifests.get("train")
    if train is None or not os.path.isfile(train):
        return []
    loaded = {}
    for split, path in manifests.items():
        if path is not None and os.path.isfile(path):
            with open(path, encoding="utf-8") as f:
                loaded[split] = json.load(f)
    listed = os.path.join(os.path.dirname(os.path.abspath(train)), classes_file)
    if os.path.isfile(listed):
        with open(listed, encoding="utf-8") as f:
            classes = json.load(f)
    else:
        classes = []
        for manifest in loaded.values():
            for entry in manifest.values():
                for name in entry.get("labels", [entry.get("class_string")]):
                    if name is not None and name not in classes:
                        classes.append(name)
    missing = classes_without_clips(loaded["train"], classes)
    if missing:
        logger.warning(
            "%d of %d classes have no training clip in %s: %s. A model trained on it never "
            "learns them (check the folds or the subset)", len(missing), len(classes), train,
            format_names(missing))
    return missing


class ManifestFolder:
    """What a preparation writes into its manifest folder, and when.

    ``<split>.json`` for each prepared split, ``classes.json`` and the
    state file, written in that order (the state last, so that a run that
    fails half-way never looks up to date); manifests of splits that are
    no longer prepared are removed.

    Arguments
    ---------
    folder : str
        The manifest folder.
    splits : iterable of str
        The splits prepared this time (a subset of ``train, valid, test``).
    state_file : str
        Name of the state file (one per dataset).
    what : str
        The dataset's name, for messages.

    Example
    -------
    >>> folder = ManifestFolder(str(getfixture("tmpdir")), ["train"], "x_state.json", "X")
    >>> state = {"options": 1}
    >>> folder.up_to_date(state)
    False
    >>> outputs = folder.write({"train": {"a": {"wav": "a.wav"}}},
    ...                        [{"classID": 0, "class_string": "dog"}], state)
    >>> sorted(os.listdir(folder.folder)), outputs["valid"]
    (['classes.json', 'train.json', 'x_state.json'], None)
    >>> folder.up_to_date(state)
    True
    """

    def __init__(self, folder, splits, state_file, what):
        self.folder = os.path.abspath(str(folder))
        self.splits = [s for s in SPLITS if s in set(splits)]
        self.outputs = {
            s: os.path.join(self.folder, f"{s}.json") if s in self.splits else None
            for s in SPLITS
        }
        self.classes_path = os.path.join(self.folder, "classes.json")
        self.state_path = os.path.join(self.folder, state_file)
        self.what = what

    def up_to_date(self, state):
        """Whether an earlier run with the same ``state`` left every file.

        When not, an old state file is removed first, so that this run,
        should it fail, is not taken for a finished one.
        """
        written = [p for p in self.outputs.values() if p] + [self.classes_path]
        if is_up_to_date(self.state_path, state, written):
            logger.info("%s manifests up to date in %s", self.what, self.folder)
            return True
        if os.path.exists(self.state_path):
            os.remove(self.state_path)
        return False

    def write(self, manifests, classes, state, unit="clips"):
        """Writes the manifests, ``classes.json`` and then the state.

        Arguments
        ---------
        manifests : dict
            Split -> ``{id: entry}`` for every prepared split.
        classes : list of dict
            ``{"classID", "class_string"}`` sorted by ``classID``.
        state : dict
            From :func:`preparation_state`.
        unit : str
            What an entry is, for the log.

        Returns
        -------
        dict
            ``{"train": path or None, "valid": ..., "test": ...}``.
        """
        for split in self.splits:
            write_json(manifests[split], self.outputs[split])
            logger.info("%s: %d %s -> %s", split, len(manifests[split]), unit,
                        self.outputs[split])
        write_json(classes, self.classes_path)
        for split in SPLITS:
            stale = os.path.join(self.folder, f"{split}.json")
            if split not in self.splits and os.path.isfile(stale):
                logger.info("removing %s: the %s split is not prepared now", stale, split)
                os.remove(stale)
        write_json(state, self.state_path)
        return dict(self.outputs)
