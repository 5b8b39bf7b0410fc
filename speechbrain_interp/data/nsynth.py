"""NSynth data preparation: the published json/wav layout to JSON manifests.

NSynth (https://magenta.tensorflow.org/datasets/nsynth) ships one archive
per split, ``nsynth-{train,valid,test}.jsonwav.tar.gz``, each unpacking to
``nsynth-<split>/examples.json`` and ``nsynth-<split>/audio/<note_str>.wav``
(16 kHz mono, 4 s). ``examples.json`` maps each ``note_str`` to its
annotations (``pitch``, ``velocity``, ``instrument_str``,
``instrument_family``/``_str``, ``instrument_source``/``_str``, ...).

:func:`prepare_nsynth` writes ``train.json``, ``valid.json``, ``test.json``
and ``classes.json`` into a manifest folder, labelling each note with its
instrument family (11 classes) or source (acoustic, electronic, synthetic),
and does nothing on a re-run unless its inputs changed. The test split has
no ``synth_lead`` note: pass ``families`` to keep the same classes in every
split.

Authors
 * speechbrain-interp developers 2026
"""

import json
import numbers
import os
import random

from speechbrain.utils.logger import get_logger
from speechbrain_interp.data.download import download_and_extract
from speechbrain_interp.data.manifest import (
    SPLITS,
    ManifestFolder,
    check_data_folder,
    manifest_path,
    preparation_state,
    scan_audio_files,
)
from speechbrain_interp.data.tables import format_names

__all__ = [
    "NSYNTH_FAMILIES",
    "NSYNTH_SOURCES",
    "NSYNTH_URL",
    "download_nsynth",
    "prepare_nsynth",
]

logger = get_logger(__name__)

#: one archive per split (unpacks to ``nsynth-<split>/``)
NSYNTH_URL = (
    "http://download.magenta.tensorflow.org/datasets/nsynth/"
    "nsynth-{split}.jsonwav.tar.gz"
)
#: instrument families, each at its NSynth integer id
NSYNTH_FAMILIES = (
    "bass", "brass", "flute", "guitar", "keyboard", "mallet",
    "organ", "reed", "string", "synth_lead", "vocal",
)  # fmt: skip
#: instrument sources, each at its NSynth integer id
NSYNTH_SOURCES = ("acoustic", "electronic", "synthetic")
#: task -> (field holding the label name, field holding its id, valid names)
TASKS = {
    "family": ("instrument_family_str", "instrument_family", NSYNTH_FAMILIES),
    "source": ("instrument_source_str", "instrument_source", NSYNTH_SOURCES),
}
LABEL_FIELDS = ("instrument_source_str", "instrument_family_str")
STR_FIELDS = ("note_str", "instrument_str") + LABEL_FIELDS
INT_FIELDS = ("pitch", "velocity", "instrument_family", "instrument_source")
#: copied from examples.json into the manifest entries
COPIED_FIELDS = ("pitch", "velocity", "instrument_str") + LABEL_FIELDS
LAYOUT = (
    "<data_folder>/nsynth-<split>/examples.json and "
    "<data_folder>/nsynth-<split>/audio/<note_str>.wav for split in "
    "train, valid, test"
)
STATE_FILE = "nsynth_prepare_state.json"
#: bump when the manifest content changes, so that old manifests are rebuilt
MANIFEST_VERSION = 1


def _split_paths(data_folder, split):
    """``nsynth-<split>/``, its ``examples.json`` and its ``audio/``."""
    folder = os.path.join(data_folder, f"nsynth-{split}")
    return folder, os.path.join(folder, "examples.json"), os.path.join(folder, "audio")


def _check_names(name, values, valid):
    """Validates a list of names (or one name); ``None`` passes through."""
    if values is None:
        return None
    values = list(dict.fromkeys((values,) if isinstance(values, str) else values))
    unknown = [v for v in values if v not in valid]
    if unknown or not values:
        what = f"unknown {format_names(unknown)}" if unknown else "none given"
        raise ValueError(f"{name}: {what}; valid: {', '.join(valid)}")
    return values


def download_nsynth(data_folder, splits=SPLITS, keep_archive=False):
    """Downloads and unpacks the official NSynth json/wav archives.

    ``nsynth-<split>.jsonwav.tar.gz`` unpacks to ``<data_folder>/nsynth-
    <split>/`` (train is about 22 GB, valid and test about 1 GB each).

    Arguments
    ---------
    data_folder : str
        Destination folder (created if needed).
    splits : tuple of str
        Splits to download, among ``train``, ``valid``, ``test``.
    keep_archive : bool
        Keep the downloaded archives in the split folders.

    Returns
    -------
    str
        ``data_folder``.

    Raises
    ------
    RuntimeError
        When an archive cannot be downloaded (the message names the URL,
        the reason and how to get the data by hand) or lacks
        ``examples.json``.

    Example
    -------
    >>> import urllib.request, urllib.error
    >>> def offline(*args, **kwargs):
    ...     raise urllib.error.URLError("network unreachable")
    >>> getfixture("monkeypatch").setattr(urllib.request, "urlopen", offline)
    >>> download_nsynth(str(getfixture("tmpdir") / "nsynth"), ["test"])
    Traceback (most recent call last):
    ...
    RuntimeError: could not download NSynth test from http://download...
    """
    data_folder, splits = str(data_folder), _check_names("splits", splits, SPLITS)
    folders = [data_folder] + [_split_paths(data_folder, s)[0] for s in splits]
    created = [f for f in folders if not os.path.isdir(f)]
    try:
        for split in splits:
            url = NSYNTH_URL.format(split=split)
            folder, examples, audio = _split_paths(data_folder, split)
            hint = (
                f"To get it by hand, download {url} elsewhere and unpack it "
                f"in {data_folder} so that {examples} and {audio}/*.wav "
                "exist; then run again (download=False skips the download)."
            )
            download_and_extract(
                url,
                folder,
                member=f"nsynth-{split}",
                what=f"NSynth {split}",
                manual_hint=hint,
                keep_archive=keep_archive,
            )
            if not os.path.isfile(examples):
                raise RuntimeError(f"the archive from {url} did not provide {examples}")
    finally:
        for folder in reversed(created):  # leave no empty folder behind
            if os.path.isdir(folder) and not os.listdir(folder):
                os.rmdir(folder)
    return data_folder


def _is_int(value):
    """Whether ``value`` is an integer (bools are not)."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _check_filters(task, sources, families, pitch_range, velocities, max_per_class):
    """Validates the filter arguments; returns them as a JSON-ready dict."""
    if task not in TASKS:
        raise ValueError(f"task must be one of {', '.join(TASKS)}, got {task!r}")
    if pitch_range is not None:
        lo_hi = tuple(pitch_range)
        if len(lo_hi) != 2 or not all(map(_is_int, lo_hi)) or lo_hi[0] > lo_hi[1]:
            raise ValueError(
                f"pitch_range must be two MIDI pitches (lo, hi) with lo <= hi, "
                f"got {pitch_range!r}"
            )
        pitch_range = [int(p) for p in lo_hi]
    if velocities is not None:
        values = (velocities,) if _is_int(velocities) else tuple(velocities)
        if not values or not all(map(_is_int, values)):
            raise ValueError(f"velocities must be integers, got {velocities!r}")
        velocities = sorted({int(v) for v in values})
    if max_per_class is not None and not (_is_int(max_per_class) and max_per_class > 0):
        raise ValueError(f"max_per_class must be an integer > 0, got {max_per_class!r}")
    return {
        "task": task,
        "sources": _check_names("sources", sources, NSYNTH_SOURCES),
        "families": _check_names("families", families, NSYNTH_FAMILIES),
        "pitch_range": pitch_range,
        "velocities": velocities,
        "max_per_class": max_per_class,
    }


def _read_examples(path):
    """The validated ``examples.json``: ``{note_str: annotations}``."""
    try:
        with open(path, encoding="utf-8") as handle:
            examples = json.load(handle)
    except (ValueError, UnicodeDecodeError) as err:
        raise ValueError(f"{path}: not valid JSON ({err})") from err
    if not isinstance(examples, dict):
        raise ValueError(
            f"{path}: expected an object mapping note_str to annotations, "
            f"got a JSON {type(examples).__name__}"
        )
    missing, bad_type, bad_key, bad_label = [], [], [], []
    for key, entry in examples.items():
        if not isinstance(entry, dict):
            bad_type.append(f"{key} (not an object)")
            continue
        absent = [f for f in STR_FIELDS + INT_FIELDS if f not in entry]
        wrong = [f for f in INT_FIELDS if f in entry and not _is_int(entry[f])]
        wrong += [f for f in STR_FIELDS if f in entry and not isinstance(entry[f], str)]
        if absent or wrong:
            missing += [f"{key} ({', '.join(absent)})"] if absent else []
            bad_type += [f"{key} ({', '.join(wrong)})"] if wrong else []
            continue
        if entry["note_str"] != key:
            bad_key.append(f"{key} (note_str {entry['note_str']!r})")
        for name_field, id_field, names in TASKS.values():
            name, number = entry[name_field], entry[id_field]
            if name not in names or names.index(name) != number:
                bad_label.append(f"{key} ({id_field}={number}, {name_field}={name!r})")
    for notes, what in (
        (missing, "entries missing required field(s)"),
        (bad_type, "entries with a wrong type (integer/string fields)"),
        (bad_key, "keys that differ from their note_str field"),
        (bad_label, "family/source ids and names that disagree with NSynth's"),
    ):
        if notes:
            raise ValueError(f"{path}: {len(notes)} {what}: {format_names(notes)}")
    if not examples:
        raise ValueError(f"{path} lists no note")
    return examples


def _selection(filters):
    """The filters in use, for messages (``"all notes"`` when none)."""
    used = [
        f"{name}={filters[name]!r}"
        for name in ("sources", "families", "pitch_range", "velocities", "max_per_class")
        if filters[name] is not None
    ]
    return ", ".join(used) or "all notes"


def _select(examples, filters, split, path):
    """Sorted keys of ``examples`` passing the filters and the subsampling.

    A filter that leaves no note raises a ``ValueError`` naming it, the
    split and the whole selection.
    """
    keys = sorted(examples)
    lo, hi = filters["pitch_range"] or (None, None)
    tests = (
        ("sources", lambda e: e["instrument_source_str"] in filters["sources"]),
        ("families", lambda e: e["instrument_family_str"] in filters["families"]),
        ("pitch_range", lambda e: lo <= e["pitch"] <= hi),
        ("velocities", lambda e: e["velocity"] in filters["velocities"]),
    )
    for name, keep in tests:
        if filters[name] is not None:
            kept = [k for k in keys if keep(examples[k])]
            if not kept:
                raise ValueError(
                    f"{name}={filters[name]!r} leaves no note of the {split} "
                    f"split ({len(keys)} notes before it, {path}; selection: "
                    f"{_selection(filters)})"
                )
            keys = kept
    if filters["max_per_class"] is not None:
        label_field, by_class, chosen = TASKS[filters["task"]][0], {}, set()
        for key in keys:
            by_class.setdefault(examples[key][label_field], []).append(key)
        for label, members in by_class.items():
            if len(members) > filters["max_per_class"]:
                rng = random.Random(f"{filters['seed']}:{split}:{label}")
                members = rng.sample(members, filters["max_per_class"])
            chosen.update(members)
        keys = [k for k in keys if k in chosen]
    return keys


def _locate(data_folder, splits, download):
    """``{split: (folder, examples.json, audio folder)}``, the absent splits downloaded
    (when ``download``); a ``FileNotFoundError`` names the first piece still missing."""
    layout = {s: _split_paths(data_folder, s) for s in splits}
    absent = [
        s
        for s, (_, examples_json, audio) in layout.items()
        if not (os.path.isfile(examples_json) and os.path.isdir(audio))
    ]
    if absent and download:
        logger.info("NSynth %s missing in %s: downloading", absent, data_folder)
        download_nsynth(data_folder, absent)
    check_data_folder(data_folder, LAYOUT + ("" if download else " (download=False)"))
    for split, (folder, examples_json, audio) in layout.items():
        for path, exists in (
            (folder, os.path.isdir),
            (examples_json, os.path.isfile),
            (audio, os.path.isdir),
        ):
            if not exists(path):
                raise FileNotFoundError(
                    f"{path} not found: {data_folder} does not hold the NSynth "
                    f"{split} split (expected layout: {LAYOUT}); fix the folder "
                    "or pass download=True"
                )
    return layout


def prepare_nsynth(
    data_folder,
    manifest_folder,
    splits=SPLITS,
    task="family",
    sources=None,
    families=None,
    pitch_range=None,
    velocities=None,
    max_per_class=None,
    skip_missing=False,
    download=True,
    expected_duration=4.0,
    seed=0,
):
    """Writes SpeechBrain JSON manifests for NSynth splits.

    ``<split>.json`` (from ``nsynth-<split>/``) maps each ``note_str`` to::

        {"wav": "{data_root}/nsynth-<split>/audio/<note_str>.wav",
         "class_string": family or source name, "classID": its NSynth id,
         "pitch", "velocity", "instrument_str", "instrument_source_str",
         "instrument_family_str", "duration", "sample_rate", "channels"}

    Load it with ``DynamicItemDataset.from_json(path,
    replacements={"data_root": data_folder})``. ``classes.json`` lists the
    ``{"classID", "class_string"}`` present, sorted by NSynth's id. Every
    selected wav is read and checked (slow for the 289,205 train notes: the
    filters and ``max_per_class`` apply first). A state file records the
    options, the ``examples.json`` hashes and the (name, size, mtime) of
    the selected wavs; when nothing changed a re-run does nothing.

    Arguments
    ---------
    data_folder : str
        NSynth root holding ``nsynth-<split>/``; only read.
    manifest_folder : str
        Where the JSON files are written (created if needed).
    splits : tuple of str
        Splits to prepare, among ``train``, ``valid``, ``test``.
    task : str
        ``"family"`` or ``"source"``: the label of each note.
    sources, families : list of str, optional
        Instrument sources / families to keep (e.g. all families but
        ``synth_lead``, absent from the test split).
    pitch_range : tuple of int, optional
        Inclusive MIDI pitch range ``(lo, hi)`` to keep.
    velocities : list of int, optional
        Velocities to keep.
    max_per_class : int, optional
        At most this many notes per class and split, drawn with ``seed``.
    skip_missing : bool
        Leave out missing/unreadable/empty wavs (with a warning).
    download : bool
        Download the splits whose ``examples.json`` or ``audio/`` is missing.
    expected_duration : float, optional
        Notes off by more than 10 ms are kept with a warning (``None``: no
        check).
    seed : int
        Seed of the ``max_per_class`` draw.

    Returns
    -------
    dict
        ``{"train": path, "valid": path, "test": path}`` (``None`` for a
        split not prepared).

    Raises
    ------
    FileNotFoundError
        Missing data folder, split folder, ``examples.json`` or ``audio/``.
    RuntimeError
        Failed download (names the URL); ``BadAudioFilesError`` for
        missing/unreadable/empty wavs (names them).
    ValueError
        Bad arguments (unknown names: lists the valid ones), unreadable or
        inconsistent ``examples.json`` (names the file and the notes), or a
        filter that leaves a split empty (names the filter).

    Example
    -------
    >>> import json, os, torch
    >>> from speechbrain.dataio import audio_io
    >>> root = getfixture("tmpdir") / "nsynth"
    >>> os.makedirs(root / "nsynth-test" / "audio")
    >>> note = "bass_synthetic_033-060-100"
    >>> wav = 0.1 * torch.randn(1, 1600)
    >>> audio_io.save(str(root / "nsynth-test" / "audio" / f"{note}.wav"), wav, 16000)
    >>> examples = {note: {"note_str": note, "pitch": 60, "velocity": 100,
    ...     "instrument_str": "bass_synthetic_033", "instrument_source": 2,
    ...     "instrument_source_str": "synthetic", "instrument_family": 0,
    ...     "instrument_family_str": "bass", "qualities": [0] * 10}}
    >>> _ = (root / "nsynth-test" / "examples.json").write(json.dumps(examples))
    >>> out = str(getfixture("tmpdir") / "manifests")
    >>> paths = prepare_nsynth(str(root), out, splits=["test"], download=False,
    ...                        expected_duration=0.1)
    >>> paths["train"] is None
    True
    >>> json.load(open(paths["test"]))  # doctest: +NORMALIZE_WHITESPACE
    {'bass_synthetic_033-060-100':
     {'wav': '{data_root}/nsynth-test/audio/bass_synthetic_033-060-100.wav',
      'class_string': 'bass', 'classID': 0, 'pitch': 60, 'velocity': 100,
      'instrument_str': 'bass_synthetic_033',
      'instrument_source_str': 'synthetic', 'instrument_family_str': 'bass',
      'duration': 0.1, 'sample_rate': 16000, 'channels': 1}}
    """
    splits = _check_names("splits", SPLITS if splits is None else splits, SPLITS)
    filters = _check_filters(
        task, sources, families, pitch_range, velocities, max_per_class
    )
    filters["seed"] = None if max_per_class is None else seed  # only then used
    data_folder = os.path.abspath(str(data_folder))
    manifest_folder = os.path.abspath(str(manifest_folder))
    layout = _locate(data_folder, splits, download)
    examples, selected, paths = {}, {}, {}
    for split, (_, examples_json, audio) in layout.items():
        examples[split] = _read_examples(examples_json)
        selected[split] = _select(examples[split], filters, split, examples_json)
        paths[split] = {k: os.path.join(audio, k + ".wav") for k in selected[split]}

    folder = ManifestFolder(manifest_folder, splits, STATE_FILE, "NSynth")
    options = {
        "manifest_version": MANIFEST_VERSION,
        "data_folder": data_folder,
        "splits": list(splits),
        "filters": filters,
        "skip_missing": bool(skip_missing),
        "expected_duration": expected_duration,
    }
    state = {
        s: preparation_state(options, layout[s][1], list(paths[s].values()))
        for s in splits
    }
    if folder.up_to_date(state):
        return folder.outputs

    logger.info("preparing NSynth manifests in %s", manifest_folder)
    label_field, id_field, _ = TASKS[task]
    classes, manifests = {}, {}
    for split in splits:
        infos = scan_audio_files(
            paths[split], skip_missing=skip_missing, expected_duration=expected_duration
        )
        manifest = manifests[split] = {}
        for key in selected[split]:
            if key in infos:
                entry = examples[split][key]
                classes[entry[id_field]] = entry[label_field]
                manifest[key] = {
                    "wav": manifest_path(paths[split][key], data_folder),
                    "class_string": entry[label_field],
                    "classID": entry[id_field],
                    **{field: entry[field] for field in COPIED_FIELDS},
                    **infos[key],
                }
        if not manifest:
            raise ValueError(
                f"the {split} split has no usable note left after skipping "
                f"the unusable files (selection: {_selection(filters)})"
            )
    classes = [{"classID": i, "class_string": classes[i]} for i in sorted(classes)]
    return folder.write(manifests, classes, state, unit="notes")
