"""SONYC-UST v2 preparation: ``annotations.csv`` + taxonomy to SpeechBrain JSON manifests.

Facts (v2.3, Zenodo record 3966543, CC BY 4.0; ``docs/datasets.md`` section 2):
18510 ten-second recordings of the SONYC sensor network (New York City) in the
official splits train (13538), validate (4308) and test (664), shipped as 19
archives ``audio-<k>.tar.gz`` of undocumented inner layout. ``annotations.csv``
has one row per (recording, annotation): ``annotator_id > 0`` a volunteer
(three per recording), ``< 0`` a SONYC team member (one coarse group at a
time, -1 "not annotated" in the others), ``0`` the verified ground truth (1380
recordings, all the test ones). Presence columns ``<c>-<f>_<fine>_presence``
(23 fine classes + 6 "X" tags: coarse class known, fine class not) and
``<c>_<coarse>_presence`` (8) hold 1, 0 or -1. ``dcase-ust-taxonomy.yaml``
(``coarse: {id: name}``, ``fine: {coarse id: {fine id or X: name}}``) is the
only source of class names here.

Choices: columns are read by name. ``level="coarse"``: the coarse classes in
id order, from the coarse columns; ``"fine"``: the complete fine classes in
(coarse id, fine id) order, and ``incomplete`` lists the coarse groups whose X
tag is positive (to mask their fine terms). ``aggregation="dcase"`` (DCASE
2020 task 5 baseline): train = volunteer rows, positive if any volunteer
marked the tag; validate/test = the ``annotator_id == 0`` row, only for the
files that have one. ``"l2i"`` (L2I's code): train = positive when the sum of
the column over all the file's rows (verified and team rows, -1 included)
exceeds 0.5; validate/test as ``dcase``. The audio is found by file name
anywhere under the audio folder (hidden folders and ``sources_folder``
skipped). The official split ``validate`` is written as ``valid.json``.

Authors
 * speechbrain-interp developers 2026
"""

import math
import os

import pandas
import yaml

from speechbrain.utils.logger import get_logger
from speechbrain_interp.data.download import (
    DOWNLOAD_ERRORS, check_md5, download_and_extract, fetch_url, file_md5,
)  # fmt: skip
from speechbrain_interp.data.manifest import manifest_path
from speechbrain_interp.data.prepare import Preparation
from speechbrain_interp.data.tables import (
    check_unique, convert_column, format_names, read_metadata,
)  # fmt: skip

__all__ = [
    "SONYC_UST_MD5", "SONYC_UST_URL", "download_sonyc_ust", "prepare_sonyc_ust", "read_taxonomy",
]  # fmt: skip

logger = get_logger(__name__)

SONYC_UST_RECORD = "https://zenodo.org/record/3966543"
#: URL of a file of the Zenodo record
SONYC_UST_URL = SONYC_UST_RECORD + "/files/{name}?download=1"
ANNOTATIONS = "annotations.csv"
TAXONOMY = "dcase-ust-taxonomy.yaml"
AUDIO_PARTS = tuple(f"audio-{k}.tar.gz" for k in range(19))
#: MD5 of the record's files: annotations.csv and the taxonomy from
#: docs/datasets.md 2.1, the audio parts from soundata's loader
#: (soundata/soundata, soundata/datasets/sonyc_ust.py, REMOTES)
SONYC_UST_MD5 = {
    ANNOTATIONS: "70b507b15bb4cfcce4870925302f276b",
    TAXONOMY: "6c1cca1c4c383a6ebb0cb71cb74fe3a9",
    **dict(zip(AUDIO_PARTS, (
        "bbb4dbae7d2e58e18d24878b9ee1eb51", "7c369ff37ac6a1fdd8493fdffe62e0a1",
        "412241c063d7f196953d3dd1c44aeb5e", "d2a872392d95993a2c238d305b940812",
        "b15b0e0cb3f8584259ef0d24293a9be3", "de745f887067433757a2f2c8f99f99bb",
        "b0286c67468369d66336f6f5ddede31f", "ff300183ab7a9d3f2f74c3b730ffeb52",
        "7be76b821fa6dbe20f6b50ca440e1024", "959f7edfbb26eadad9865069f38aa9dd",
        "84e94de273666c537a3e6b709ee88d9b", "44fe1f43121a7d1178aa0cdf7477793b",
        "a7eb21011f460b5ac289f8e285e875ab", "27945a8b1008eec787f97213164951e6",
        "fb8c7d81c3bde3a0c86c1e55e6a85a24", "f6af9b65d876ef96d199b9e5f0473cb9",
        "e8337c61a90c30989d500f950fbe443a", "3e47e85eb4564a30fe7f442ee97ec7b9",
        "c6b2ef4d0d5b7269d465c469cdbbdc4b",
    ))),
}  # fmt: skip
METADATA_COLUMNS = (
    "split", "sensor_id", "audio_filename", "annotator_id", "borough", "block",
    "latitude", "longitude", "year", "week", "day", "hour",
)  # fmt: skip
#: metadata copied into each entry (from the file's first row)
COPIED_COLUMNS = tuple(
    c for c in METADATA_COLUMNS if c not in ("split", "audio_filename", "annotator_id")
)
LEVELS = ("coarse", "fine")
AGGREGATIONS = ("dcase", "l2i")
OFFICIAL_SPLITS = ("train", "validate", "test")
#: official split -> manifest split (ManifestFolder's names)
MANIFEST_SPLITS = {"train": "train", "validate": "valid", "test": "test"}
#: manifest split -> official split
OFFICIAL_OF = {manifest: official for official, manifest in MANIFEST_SPLITS.items()}
LAYOUT = (
    f"<data_folder>/{ANNOTATIONS}, <data_folder>/{TAXONOMY} and the "
    "<audio_filename> wav files anywhere under <data_folder> (or audio_folder)"
)
STATE_FILE = "sonyc_ust_prepare_state.json"
#: bump when the manifest content changes, so that old manifests are rebuilt
MANIFEST_VERSION = 1


def download_sonyc_ust(data_folder, keep_archive=False):
    """Downloads the SONYC-UST v2.3 files (Zenodo record 3966543) into ``data_folder``.

    Each file is checked against :data:`SONYC_UST_MD5` (a mismatch deletes
    it and names both digests). The taxonomy comes first, then the 19 audio
    archives (about 720 MB each), each unpacked into ``data_folder`` (a
    hidden ``.<part>.done`` marker lets an interrupted download resume at
    the next part), and ``annotations.csv`` last: its presence means a
    complete download.

    Arguments
    ---------
    data_folder : str
        Destination folder (created if needed); returned.
    keep_archive : bool
        Keep the downloaded ``.tar.gz`` files in ``data_folder``.

    Raises
    ------
    RuntimeError
        A file that cannot be downloaded (the message names the URL, the
        reason and how to get the data by hand) or has another MD5.

    Example
    -------
    >>> import urllib.request, urllib.error
    >>> def offline(*args, **kwargs):
    ...     raise urllib.error.URLError("network unreachable")
    >>> getfixture("monkeypatch").setattr(urllib.request, "urlopen", offline)
    >>> download_sonyc_ust(str(getfixture("tmpdir") / "sonyc"))
    Traceback (most recent call last):
    ...
    RuntimeError: could not download SONYC-UST dcase-ust-taxonomy.yaml from
    https://zenodo.org/record/3966543/files/dcase-ust-taxonomy.yaml?download=1
    (network unreachable)...
    """
    data_folder = str(data_folder)
    hint = (
        f"To get the data by hand, download {ANNOTATIONS}, {TAXONOMY} and "
        f"{AUDIO_PARTS[0]} ... {AUDIO_PARTS[-1]} from {SONYC_UST_RECORD} "
        "elsewhere, check their MD5 (SONYC_UST_MD5 in "
        f"speechbrain_interp.data.sonyc_ust), put {ANNOTATIONS} and {TAXONOMY} "
        f"into {data_folder} and unpack the archives anywhere under it; then "
        "run again (download=False skips the download)."
    )
    created = not os.path.isdir(data_folder)
    try:
        _fetch_checked(TAXONOMY, data_folder, hint)
        for part in AUDIO_PARTS:
            done = os.path.join(data_folder, f".{part}.done")
            if os.path.isfile(done):
                continue
            download_and_extract(
                SONYC_UST_URL.format(name=part),
                data_folder,
                what=f"SONYC-UST {part}",
                manual_hint=hint,
                keep_archive=keep_archive,
                md5=SONYC_UST_MD5.get(part),
            )
            with open(done, "w", encoding="utf-8") as marker:
                marker.write(SONYC_UST_MD5.get(part) or "")
        _fetch_checked(ANNOTATIONS, data_folder, hint)
    finally:
        if created and os.path.isdir(data_folder) and not os.listdir(data_folder):
            os.rmdir(data_folder)  # leave no empty folder behind
    return data_folder


def _fetch_checked(name, data_folder, hint):
    """Downloads one plain file of the record (kept when already there and good)."""
    path, url = os.path.join(data_folder, name), SONYC_UST_URL.format(name=name)
    md5 = SONYC_UST_MD5.get(name)
    if os.path.isfile(path) and (md5 is None or file_md5(path) == md5):
        return
    logger.info("downloading SONYC-UST %s from %s", name, url)
    try:
        fetch_url(url, path)
    except DOWNLOAD_ERRORS as err:
        reason = getattr(err, "reason", None) or err
        raise RuntimeError(
            f"could not download SONYC-UST {name} from {url} ({reason}). {hint}"
        ) from err
    if md5:
        check_md5(path, url, md5, f"SONYC-UST {name}", hint)


def _taxonomy_entry(key, name, where):
    """``(id or "X", name)`` of one taxonomy entry, checked."""
    key = str(key).strip()
    if not (key.isdigit() or key == "X") or not isinstance(name, str) or not name.strip():
        raise ValueError(f"{where}: bad entry {key}: {name!r} (expected <integer id>: <name>)")
    if ";" in name:
        raise ValueError(f"{where}: class name {name!r} must not hold ';'")
    return (int(key) if key.isdigit() else key), name.strip()


def read_taxonomy(path):
    """Reads ``dcase-ust-taxonomy.yaml``: the coarse, fine and "X" classes.

    Arguments
    ---------
    path : str
        The YAML file (``coarse: {id: name}``, ``fine: {coarse id: {fine id
        or X: name}}``).

    Returns
    -------
    dict
        ``{"coarse", "fine", "incomplete"}``: lists of ``(code, name, coarse
        name)`` sorted by id (codes ``"1"``, ``"1-1"``, ``"1-X"``); ``fine``
        holds the complete fine classes, ``incomplete`` the X tags. A class's
        csv column is ``<code>_<name>_presence``.

    Raises
    ------
    FileNotFoundError, ValueError
        Missing file; unreadable YAML, missing key, bad id or name, duplicate
        name, fine group of an unknown coarse id, coarse id without fine ids.

    Example
    -------
    >>> path = getfixture("tmpdir") / "taxonomy.yaml"
    >>> _ = path.write_text("coarse: {1: engine, 8: dog}\\nfine:\\n"
    ...     "  1: {1: small-sounding-engine, X: engine-of-uncertain-size}\\n"
    ...     "  8: {1: dog-barking-whining}\\n", "utf-8")
    >>> taxonomy = read_taxonomy(str(path))
    >>> taxonomy["coarse"]
    [('1', 'engine', 'engine'), ('8', 'dog', 'dog')]
    >>> taxonomy["fine"]
    [('1-1', 'small-sounding-engine', 'engine'), ('8-1', 'dog-barking-whining', 'dog')]
    >>> taxonomy["incomplete"]
    [('1-X', 'engine-of-uncertain-size', 'engine')]
    """
    path = str(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"taxonomy file {path} does not exist (expected layout: {LAYOUT})")
    try:
        with open(path, encoding="utf-8") as handle:
            content = yaml.safe_load(handle)
    except (yaml.YAMLError, UnicodeDecodeError) as err:
        raise ValueError(f"{path}: not a readable YAML file ({err})") from err
    content = content if isinstance(content, dict) else {}
    missing = [k for k in ("coarse", "fine") if not isinstance(content.get(k), dict)
               or not content[k]]
    if missing:
        raise ValueError(
            f"{path}: missing or empty key(s) {', '.join(missing)} (expected coarse: "
            "{id: name} and fine: {coarse id: {fine id or X: name}})"
        )
    coarse = dict(_taxonomy_entry(k, n, f"{path}: coarse") for k, n in content["coarse"].items())
    fine, incomplete = [], []
    for group, members in content["fine"].items():
        c = _taxonomy_entry(group, "-", f"{path}: fine")[0]
        if c not in coarse or not isinstance(members, dict) or not members:
            raise ValueError(f"{path}: fine: {group} must be a coarse id {sorted(coarse)} "
                             "mapping fine ids (or X) to names")
        for key, name in members.items():
            f, name = _taxonomy_entry(key, name, f"{path}: fine: {group}")
            (incomplete if f == "X" else fine).append(((c, 0 if f == "X" else f), f"{c}-{f}",
                                                       name, coarse[c]))
    alone = sorted(set(coarse) - {key[0] for key, *_ in fine})
    if alone:
        raise ValueError(f"{path}: coarse id(s) without fine classes: {format_names(alone)}")
    taxonomy = {
        "coarse": [(str(c), name, name) for c, name in sorted(coarse.items())],
        "fine": [entry[1:] for entry in sorted(fine)],
        "incomplete": [entry[1:] for entry in sorted(incomplete)],
    }
    for level in LEVELS:
        names = pandas.Series([name for _, name, _ in taxonomy[level]])
        if names.duplicated().any():
            twice = format_names(names[names.duplicated()])
            raise ValueError(f"{path}: duplicate {level} class name(s): {twice}")
    return taxonomy


def _column(code, name):
    return f"{code}_{name}_presence"


def _number(text):
    try:
        return int(text)
    except ValueError:
        value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {text!r}")
    return value


def _presence(text):
    if float(text) not in (1, 0, -1):
        raise ValueError(f"not a presence value: {text!r}")
    return int(float(text))


def _official_split(text):
    if text not in OFFICIAL_SPLITS:
        raise ValueError(f"not an official split: {text!r}")
    return text


def _read_annotations(csv_path, columns):
    """The checked table (split, annotator_id, metadata and ``columns`` converted)."""
    table = read_metadata(csv_path, METADATA_COLUMNS + tuple(columns))
    table["_where"] = [f"row {i + 1} ({f})" for i, f in enumerate(table["audio_filename"])]
    empty = table["_where"][table["audio_filename"] == ""].tolist()
    if empty:
        raise ValueError(f"{csv_path}: empty audio_filename at {format_names(empty)}")
    checks = [("split", _official_split, "train, validate or test"),
              ("annotator_id", int, "integers")]
    checks += [(column, _number, "numbers") for column in COPIED_COLUMNS]
    for column, convert, expected in checks:
        convert_column(table, column, convert, csv_path, "_where", expected)
    for column in columns:  # vectorised; convert_column names the bad cells
        values = pandas.to_numeric(table[column], errors="coerce")
        if not values.isin((1, 0, -1)).all():
            convert_column(table, column, _presence, csv_path, "_where",
                           "1, 0 or -1 (not annotated)")
        table[column] = values.astype(int)
    splits = table.groupby("audio_filename", sort=False)["split"].nunique()
    if (splits > 1).any():
        several = format_names(splits.index[splits > 1])
        raise ValueError(f"{csv_path}: file(s) listed under several splits: {several}")
    files = pandas.DataFrame({"audio_filename": table["audio_filename"].unique()})
    files["clip id"] = [os.path.splitext(os.path.basename(f))[0] for f in files["audio_filename"]]
    check_unique(files, "clip id", csv_path)
    return table


def _aggregate(table, columns, split, aggregation):
    """``({file: {column: bool}}, files of the split, left out, why)`` of one split."""
    rows = table[table["split"] == split]
    files = rows["audio_filename"].unique().tolist()
    if split == "train" and aggregation == "l2i":
        why = "have no row"
        labels = rows.groupby("audio_filename", sort=False)[columns].sum() > 0.5
    else:
        if split == "train":
            why, kept = "have no volunteer (annotator_id > 0) row", rows[rows["annotator_id"] > 0]
        else:
            why, kept = "have no verified (annotator_id 0) row", rows[rows["annotator_id"] == 0]
        labels = (kept[columns] == 1).groupby(kept["audio_filename"], sort=False).any()
    labels = labels.to_dict("index")
    labels = {f: labels[f] for f in files if f in labels}  # in csv order
    return labels, len(files), len(files) - len(labels), why


def _index_audio(audio_folder, wanted, skip):
    """``{file name: path}`` of the wanted names found under ``audio_folder``."""
    found = {}
    for root, folders, files in os.walk(audio_folder):
        folders[:] = sorted(
            d for d in folders if not d.startswith(".") and os.path.join(root, d) != skip
        )
        for name in files:
            if name in wanted:
                found.setdefault(name, []).append(os.path.join(root, name))
    twice = [f"{name}: {' and '.join(p)}" for name, p in found.items() if len(p) > 1]
    if twice:
        raise ValueError(
            f"audio file name(s) found more than once under {audio_folder} (files are "
            f"found by name, which must be unique): {format_names(twice)}"
        )
    return {name: paths[0] for name, paths in found.items()}


def _find_sources(sources_folder, clips, taxonomy, level):
    """``{clip: {class name: [paths]}}`` of the clips with a sources folder."""
    if not os.path.isdir(sources_folder):
        raise FileNotFoundError(f"sources folder {sources_folder} does not exist")
    if level == "coarse":
        owner = {code: group for code, _, group in taxonomy["fine"] + taxonomy["incomplete"]}
    else:
        owner = {code: name for code, name, _ in taxonomy["fine"]}
    sources = {}
    for clip in clips:
        folder = os.path.join(sources_folder, clip)
        if not os.path.isdir(folder):
            continue
        found = {}
        for file in sorted(os.listdir(folder)):
            code, ext = os.path.splitext(file)
            if ext.lower() == ".wav" and code in owner:
                found.setdefault(owner[code], []).append(os.path.join(folder, file))
        sources[clip] = {n: found[n] for _, n, _ in taxonomy[level] if n in found}
    return sources




def _check_options(level, aggregation, splits):
    """The requested official splits, in official order."""
    for name, value, allowed in (("level", level, LEVELS),
                                 ("aggregation", aggregation, AGGREGATIONS)):
        if value not in allowed:
            raise ValueError(f"{name} must be one of {', '.join(allowed)}, got {value!r}")
    splits = (splits,) if isinstance(splits, str) else tuple(splits)
    unknown = [s for s in splits if s not in OFFICIAL_SPLITS]
    if unknown or not splits:
        raise ValueError(
            f"splits must be a non-empty subset of {', '.join(OFFICIAL_SPLITS)}; "
            f"unknown: {', '.join(map(repr, unknown)) or 'none'}"
        )
    return [s for s in OFFICIAL_SPLITS if s in splits]


class _SonycUst(Preparation):
    """SONYC-UST's hooks: taxonomy, label aggregation, audio found by name, sources."""

    what, layout, state_file = "SONYC-UST", LAYOUT, STATE_FILE
    metadata = (ANNOTATIONS,)

    def __init__(self, data_folder, manifest_folder, level, aggregation, splits,
                 sources_folder=None, **kwargs):
        self.official = _check_options(level, aggregation, splits)
        super().__init__(data_folder, manifest_folder, **kwargs)
        self.level, self.aggregation = level, aggregation
        self.audio_folder = self.audio_folder or self.data_folder
        if sources_folder is not None:
            sources_folder = os.path.abspath(str(sources_folder))
        self.sources_folder = sources_folder
        self.taxonomy_path = os.path.join(self.data_folder, TAXONOMY)

    def fetch(self):
        download_sonyc_ust(self.data_folder)

    def read_table(self, path):
        self.taxonomy = read_taxonomy(self.taxonomy_path)
        self.class_list = self.taxonomy[self.level]
        self.tags = self.taxonomy["incomplete"] if self.level == "fine" else []
        self.columns = [_column(code, name) for code, name, _ in self.class_list + self.tags]
        return _read_annotations(path, self.columns)

    def split_rows(self, table):
        """``{manifest split: {file: labels}}``; the metadata of each file from its first row."""
        rows = {}
        for split in self.official:
            labels, total, left_out, why = _aggregate(table, self.columns, split, self.aggregation)
            if left_out:
                logger.info("SONYC-UST %s: %d of %d file(s) %s and are left out (aggregation %s)",
                            split, left_out, total, why, self.aggregation)
            if not labels:
                raise ValueError(
                    f"SONYC-UST split {split}: no clip left with aggregation {self.aggregation} "
                    f"({self.metadata_path} lists {total} file(s) of this split, {left_out} of "
                    f"which {why})"
                )
            rows[MANIFEST_SPLITS[split]] = labels
        first = table.drop_duplicates("audio_filename").set_index("audio_filename")
        self.first = first[list(COPIED_COLUMNS)].to_dict("index")
        return rows

    def items(self, labels):
        for file, row in labels.items():
            yield os.path.splitext(os.path.basename(file))[0], (file, row)

    def audio_paths(self, rows):
        files = {f: os.path.basename(f) for labels in rows.values() for f in labels}
        found = _index_audio(self.audio_folder, set(files.values()), self.sources_folder)
        return {
            os.path.splitext(name)[0]: found.get(name, os.path.join(self.audio_folder, f))
            for f, name in files.items()
        }

    def extra_inputs(self, paths):
        self.sources = {}
        if self.sources_folder is not None:
            self.sources = _find_sources(self.sources_folder, paths, self.taxonomy, self.level)
        return [p for s in self.sources.values() for ps in s.values() for p in ps]

    def options(self):
        return {
            "manifest_version": MANIFEST_VERSION, "data_folder": self.data_folder,
            "audio_folder": self.audio_folder, "sources_folder": self.sources_folder,
            "level": self.level, "aggregation": self.aggregation, "splits": self.official,
            "skip_missing": bool(self.skip_missing), "taxonomy_md5": file_md5(self.taxonomy_path),
        }  # fmt: skip

    def describe(self):
        return f" ({self.level} level, {self.aggregation} aggregation)"

    def entry(self, split, clip, file_row, path, info):
        file, row = file_row
        positive = [name for code, name, _ in self.class_list if row[_column(code, name)]]
        entry = {
            "wav": manifest_path(path, self.data_folder),
            "duration": info["duration"],
            "labels": positive,
            "class_string": ";".join(positive),
            "split": OFFICIAL_OF[split],
            **self.first[file],
            "level": self.level,
            "aggregation": self.aggregation,
        }
        if self.level == "fine":
            entry["incomplete"] = [g for code, name, g in self.tags if row[_column(code, name)]]
        if clip in self.sources:
            entry["sources"] = {
                name: [manifest_path(p, self.data_folder) for p in ps]
                for name, ps in self.sources[clip].items()
            }
        return entry

    def no_usable_message(self, split):
        return (f"SONYC-UST split {OFFICIAL_OF[split]}: no usable clip left after skipping "
                "the unusable files")

    def split_done(self, split, manifest):
        names = [name for _, name, _ in self.class_list]
        counts = {n: sum(n in e["labels"] for e in manifest.values()) for n in names}
        logger.info("SONYC-UST %s: %d clips; positives per class: %s", OFFICIAL_OF[split],
                    len(manifest), ", ".join(f"{n} {k}" for n, k in counts.items()))

    def classes(self):
        return [
            dict({"classID": i, "class_string": name, "code": code},
                 **({"group": group} if self.level == "fine" else {}))
            for i, (code, name, group) in enumerate(self.class_list)
        ]


def prepare_sonyc_ust(
    data_folder,
    manifest_folder,
    level="coarse",
    aggregation="dcase",
    splits=("train", "validate", "test"),
    audio_folder=None,
    sources_folder=None,
    skip_missing=False,
    download=False,
    signal_length_s=10.0,
):
    """Writes SpeechBrain JSON manifests for SONYC-UST v2 (multi-label tagging).

    ``train.json``, ``valid.json`` (official split ``validate``) and
    ``test.json`` map the clip ID (``audio_filename`` without extension) to::

        {"wav": "{data_root}/...", "duration": s, "labels": [class names],
         "class_string": "a;b", "split": official split, "sensor_id",
         "borough", "block", "latitude", "longitude", "year", "week", "day",
         "hour", "level": level, "aggregation": aggregation,
         "incomplete": [coarse names] (fine level only),
         "sources": {class name: [paths]} (clips with a sources folder only)}

    ``labels`` are the positive classes in classID order (empty when none);
    the metadata come from the file's first row. ``classes.json`` lists
    ``{"classID", "class_string", "code"}`` (and ``group``, the coarse name, at
    the fine level). Levels and aggregations are
    described in the module docstring; the files that a rule leaves out
    (validate/test without a verified row) are counted in the log. A state
    file records the options and the csv, taxonomy and audio files; when
    nothing changed, the manifests are left untouched.

    Arguments
    ---------
    data_folder : str
        Holds ``annotations.csv`` and ``dcase-ust-taxonomy.yaml``; only read.
    manifest_folder : str
        Where the JSON files are written (created if needed).
    level, aggregation : str
        ``"coarse"`` (8 classes) or ``"fine"`` (23); ``"dcase"`` or ``"l2i"``.
    splits : tuple of str
        Official splits to prepare among ``train``, ``validate``, ``test``.
    audio_folder : str, optional
        Searched recursively for the wav files (default: the data folder).
    sources_folder : str, optional
        Synthetic data with known truth: ``<sources_folder>/<clip id>/
        <code>.wav`` (``code`` a fine code such as ``5-1`` or ``5-X``; other
        files ignored) give the entry's ``sources`` (coarse level: the files
        of group ``<c>-``; fine level: the file of that code), only for the
        classes with a file.
    skip_missing : bool
        Leave out (with a warning) missing, unreadable or empty wav files.
    download : bool
        Download the record (MD5-checked) into ``data_folder`` when
        ``annotations.csv`` is missing.
    signal_length_s : float, optional
        Model input length: an info line counts the clips shorter or longer
        than it (not recorded in the state); ``None`` skips it.

    Returns
    -------
    dict
        ``{"train": path or None, "valid": ..., "test": ...}``.

    Raises
    ------
    FileNotFoundError, ValueError, RuntimeError
        Missing data folder, csv, taxonomy, audio or sources folder; bad
        option, missing column, bad cell (file, row and column named), bad
        taxonomy, duplicate wav name, split left empty; failed download, and
        ``BadAudioFilesError`` for unusable wav files (all named).

    Example
    -------
    >>> import json, os, numpy, soundfile
    >>> root = getfixture("tmpdir") / "SONYC-UST"
    >>> _ = root.mkdir().join("dcase-ust-taxonomy.yaml").write_text(
    ...     "coarse: {1: engine, 8: dog}\\nfine:\\n  1: {1: small-sounding-engine}\\n"
    ...     "  8: {1: dog-barking-whining}\\n", "utf-8")
    >>> head = ("split,sensor_id,audio_filename,annotator_id,borough,block,latitude,"
    ...         "longitude,year,week,day,hour,1_engine_presence,8_dog_presence")
    >>> rows = ["train,3,a.wav,12,1,547,40.73,-73.99,2019,5,0,9,1,0",
    ...         "train,3,a.wav,13,1,547,40.73,-73.99,2019,5,0,9,0,0",
    ...         "validate,4,b.wav,12,3,100,40.6,-73.9,2019,6,2,18,1,1",
    ...         "validate,4,b.wav,0,3,100,40.6,-73.9,2019,6,2,18,0,1"]
    >>> _ = root.join("annotations.csv").write_text("\\n".join([head] + rows), "utf-8")
    >>> for name in "ab":
    ...     wav = str(root.mkdir(f"audio-{name}").join(f"{name}.wav"))
    ...     soundfile.write(wav, numpy.full(800, 0.1), 8000)
    >>> out = str(getfixture("tmpdir") / "manifests")
    >>> paths = prepare_sonyc_ust(str(root), out, splits=("train", "validate"))
    >>> json.load(open(paths["train"]))
    {'a': {'wav': '{data_root}/audio-a/a.wav', 'duration': 0.1, 'labels': ['engine'],
     'class_string': 'engine', 'split': 'train', 'sensor_id': 3, 'borough': 1,
     'block': 547, 'latitude': 40.73, 'longitude': -73.99, 'year': 2019, 'week': 5,
     'day': 0, 'hour': 9, 'level': 'coarse', 'aggregation': 'dcase'}}
    >>> json.load(open(paths["valid"]))["b"]["labels"], paths["test"]  # the verified row
    (['dog'], None)
    >>> json.load(open(os.path.join(out, "classes.json")))
    [{'classID': 0, 'class_string': 'engine', 'code': '1'},
     {'classID': 1, 'class_string': 'dog', 'code': '8'}]
    """
    preparation = _SonycUst(
        data_folder, manifest_folder, level, aggregation, splits, sources_folder,
        audio_folder=audio_folder, skip_missing=skip_missing, download=download,
        signal_length_s=signal_length_s,
    )  # fmt: skip
    return preparation.run()
