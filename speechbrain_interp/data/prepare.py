"""The skeleton shared by the preparations: metadata, splits, audio checks, manifests.

Every ``prepare_<dataset>`` function goes through the same steps:

1. find the metadata file in the data folder, download the dataset when it
   is absent and ``download`` is set, or stop with the expected layout;
2. read and check the metadata table;
3. choose the rows of each split (``train``, ``valid``, ``test``);
4. find the audio file of each item;
5. compare the inputs with the state of the previous run: nothing is done
   when they are the same and the manifests are there;
6. check every audio file (missing, unreadable, empty, silent, duration);
7. build one manifest entry per usable item, refuse a split left empty;
8. write the manifests, ``classes.json`` and the state, atomically.

:class:`Preparation` runs these steps (:meth:`Preparation.run`) and leaves
what differs between datasets to its hooks; :class:`FoldPreparation` fills
them for datasets whose metadata is a csv with one row per clip, one class
per clip and predefined folds (ESC-50, UrbanSound8K), so that such a dataset
is a handful of class attributes. The helpers the steps call live in
:mod:`speechbrain_interp.data.manifest`, :mod:`~speechbrain_interp.data.tables`
and :mod:`~speechbrain_interp.data.folds`.

Authors
 * speechbrain-interp developers 2026
"""

import os

from speechbrain.utils.logger import get_logger
from speechbrain_interp.data.folds import check_splits
from speechbrain_interp.data.manifest import (
    ManifestFolder,
    audio_folder_of,
    check_data_folder,
    check_signal_length,
    log_lengths,
    manifest_path,
    preparation_state,
    scan_audio_files,
)
from speechbrain_interp.data.tables import (
    check_one_to_one,
    check_unique,
    convert_column,
    format_names,
    read_metadata,
)

__all__ = ["FoldPreparation", "Preparation"]

logger = get_logger(__name__)


class Preparation:
    """A dataset's preparation: the steps in :meth:`run`, the differences in hooks.

    A subclass sets the class attributes and writes the hooks that have no
    default (:meth:`read_table`, :meth:`split_rows`, :meth:`entry`,
    :meth:`options`, :meth:`classes`, :meth:`no_usable_message`); the
    others have a default that suits most datasets.

    Class attributes: ``what`` (the dataset's name in messages), ``layout``
    (the expected layout, in words), ``metadata`` (the metadata file's path
    inside the data folder, as a tuple of names), ``state_file`` (the name
    of the state file), ``unit`` (what an item is, in the log).

    Arguments
    ---------
    data_folder : str
        The dataset's root; only read.
    manifest_folder : str
        Where the manifests go (created if needed).
    audio_folder : str, optional
        Where the audio is (default ``<data_folder>/audio``).
    skip_missing : bool
        Leave out unusable audio files (with a warning) instead of raising.
    download : bool
        Call :meth:`fetch` when the metadata file is missing.
    expected_duration : float, optional
        Files whose duration differs by more than 10 ms are listed in a
        warning; ``None`` skips that check.
    signal_length_s : float, optional
        The model's input length: an info line counts the items shorter and
        longer than it; ``None`` skips it. Checked here, first.

    Example
    -------
    >>> import json, os, numpy, soundfile
    >>> class Tones(Preparation):
    ...     what, layout, metadata = "Tones", "<data_folder>/tones.txt", ("tones.txt",)
    ...     state_file = "tones_state.json"
    ...     def read_table(self, path):
    ...         return [line.split() for line in open(path).read().splitlines()]
    ...     def split_rows(self, table):
    ...         return {"train": [row for row in table if row[1] == "train"]}
    ...     def items(self, rows):
    ...         return ((name, row) for name, *row in rows)
    ...     def audio_path(self, name, row):
    ...         return os.path.join(self.audio_folder, name + ".wav")
    ...     def entry(self, split, item, row, path, info):
    ...         return {"wav": manifest_path(path, self.data_folder), "class_string": row[1]}
    ...     def options(self):
    ...         return {"data_folder": self.data_folder}
    ...     def classes(self):
    ...         return [{"classID": 0, "class_string": "tone"}]
    ...     def no_usable_message(self, split):
    ...         return f"no usable tone in {split}"
    >>> root = getfixture("tmpdir")
    >>> _ = root.join("tones.txt").write("a train tone\\nb test tone\\n")
    >>> os.makedirs(root / "audio")
    >>> soundfile.write(str(root / "audio" / "a.wav"), numpy.full(800, 0.1), 8000)
    >>> paths = Tones(str(root), str(root / "m")).run()
    >>> json.load(open(paths["train"])), paths["test"]
    ({'a': {'wav': '{data_root}/audio/a.wav', 'class_string': 'tone'}}, None)
    """

    what = "the dataset"
    layout = ""
    metadata = ()
    state_file = "prepare_state.json"
    unit = "clips"

    def __init__(
        self,
        data_folder,
        manifest_folder,
        audio_folder=None,
        skip_missing=False,
        download=False,
        expected_duration=None,
        signal_length_s=None,
    ):
        self.signal_length_s = check_signal_length(signal_length_s)
        self.data_folder = os.path.abspath(str(data_folder))
        self.manifest_folder = os.path.abspath(str(manifest_folder))
        self.audio_folder = audio_folder
        self.skip_missing = skip_missing
        self.download = download
        self.expected_duration = expected_duration

    # ------------------------------------------------------------ the steps

    def run(self):
        """Prepares the manifests (or finds them up to date).

        Returns
        -------
        dict
            ``{"train": path or None, "valid": ..., "test": ...}``.
        """
        metadata = self.locate()
        table = self.read_table(metadata)
        rows = self.split_rows(table)
        self.audio_folder = audio_folder_of(self.data_folder, self.audio_folder, self.layout)
        paths = self.audio_paths(rows)
        folder = ManifestFolder(self.manifest_folder, rows, self.state_file, self.what)
        inputs = list(paths.values()) + self.extra_inputs(paths)
        state = preparation_state(self.options(), metadata, inputs)
        if folder.up_to_date(state):
            return folder.outputs

        logger.info("preparing %s manifests%s from %s into %s", self.what, self.describe(),
                    self.data_folder, self.manifest_folder)
        infos = scan_audio_files(
            paths, skip_missing=self.skip_missing, expected_duration=self.expected_duration
        )
        manifests = {}
        for split, split_rows in rows.items():
            manifest = manifests[split] = {}
            for item, row in self.items(split_rows):
                if item in infos:
                    manifest[item] = self.entry(split, item, row, paths[item], infos[item])
            if not manifest:
                raise ValueError(self.no_usable_message(split))
            self.split_done(split, manifest)
        if self.signal_length_s is not None:
            log_lengths(manifests, self.signal_length_s, self.what)
        return folder.write(manifests, self.classes(), state, unit=self.unit)

    def locate(self):
        """The metadata file (also ``self.metadata_path``): there, downloaded, or a
        ``FileNotFoundError`` naming the layout."""
        path = self.metadata_path = os.path.join(self.data_folder, *self.metadata)
        if not os.path.isfile(path):
            self.check_before_download()
            if self.download:
                logger.info("%s not found: downloading %s", path, self.what)
                self.fetch()
            else:
                check_data_folder(self.data_folder, self.layout + " (download=False)")
                raise FileNotFoundError(
                    f"{path} not found: {self.data_folder} does not hold the {self.what} "
                    f"layout ({self.layout}); fix the folder or pass download=True"
                )
        return path

    # ---------------------------------------------------------------- hooks

    def check_before_download(self):
        """Checks the arguments that can be checked without the metadata (default: none)."""

    def fetch(self):
        """Downloads the dataset into the data folder (default: not possible)."""
        raise NotImplementedError(f"{self.what} cannot be downloaded: pass download=False")

    def read_table(self, path):
        """The checked metadata read from ``path``."""
        raise NotImplementedError

    def split_rows(self, table):
        """``{split: rows}`` for each prepared split, in train, valid, test order."""
        raise NotImplementedError

    def items(self, rows):
        """``(item id, row)`` of each of a split's ``rows`` (default: ``rows`` is a
        DataFrame with a ``clip_id`` column)."""
        for row in rows.to_dict("records"):
            yield row["clip_id"], row

    def audio_path(self, item, row):
        """The audio file of an item (subclasses that keep :meth:`audio_paths`)."""
        raise NotImplementedError

    def audio_paths(self, rows):
        """``{item id: audio file}`` of every item of every split, in split order."""
        return {
            item: self.audio_path(item, row)
            for split_rows in rows.values()
            for item, row in self.items(split_rows)
        }

    def extra_inputs(self, paths):
        """More files whose (name, size, mtime) the state records (default: none)."""
        return []

    def options(self):
        """The options recorded in the state: any change re-prepares (JSON values)."""
        raise NotImplementedError

    def describe(self):
        """Text after "preparing <what> manifests" in the log (default: none)."""
        return ""

    def entry(self, split, item, row, path, info):
        """The manifest entry of a usable item (``info``: duration, sample_rate, channels)."""
        raise NotImplementedError

    def no_usable_message(self, split):
        """The error when every file of ``split`` was unusable and skipped."""
        raise NotImplementedError

    def split_done(self, split, manifest):
        """Called with each split's finished manifest (default: nothing)."""

    def classes(self):
        """The content of ``classes.json``."""
        raise NotImplementedError


class FoldPreparation(Preparation):
    """A csv of one row per clip, one class per clip, predefined folds.

    The splits are unions of folds (``check_splits``: every problem of every
    split named at once); a clip's ID is its file name without extension;
    entries read ``{"wav", "class_string", "classID", "fold", <copied
    columns>, "duration", "sample_rate", "channels"}``; ``classes.json``
    lists the ``{"classID", "class_string"}`` of the selected table, sorted
    by id.

    Class attributes, beyond :class:`Preparation`'s: ``file_column``,
    ``id_column``, ``name_column`` and ``fold_column`` (the csv columns of
    the audio file, class id, class name and fold); ``required_columns``
    (default those four), ``column_aliases`` (``{column: other
    spellings}``), ``column_types`` (``(column, convert, expected)`` of the
    columns converted; default fold and id as integers), ``optional_columns``
    (same triples: converted and copied into the entries when present),
    ``fold_range`` (``(low, high)`` or ``None``), ``selection_text`` (named
    when a split selects no clip), ``manifest_version`` (recorded in the
    state: bump it when the entries change). Hooks beyond
    :class:`Preparation`'s: :meth:`check_table` (more checks of the read
    table), :meth:`select` (a subset of the rows); :meth:`fetch` to
    download, :meth:`audio_path` when the files are not
    ``<audio_folder>/<file>``, :meth:`options` when more arguments change
    the manifests.

    Arguments
    ---------
    data_folder, manifest_folder : str
        As :class:`Preparation`.
    folds : dict
        ``{"train": folds, "valid": folds, "test": folds}`` as the user gave
        them (an empty or ``None`` entry: no such split).
    **kwargs
        The other arguments of :class:`Preparation`.

    Example
    -------
    >>> import json, os, numpy, soundfile
    >>> class Birds(FoldPreparation):
    ...     what, metadata, state_file = "Birds", ("birds.csv",), "birds_state.json"
    ...     layout = "<data_folder>/audio/*.wav and <data_folder>/birds.csv"
    ...     file_column, id_column, name_column = "file", "bird_id", "bird"
    >>> root = getfixture("tmpdir")
    >>> os.makedirs(root / "audio")
    >>> rows = ["file,fold,bird_id,bird"]
    >>> for fold in (1, 2):
    ...     soundfile.write(str(root / "audio" / f"{fold}.wav"), numpy.full(800, 0.1), 8000)
    ...     rows.append(f"{fold}.wav,{fold},7,wren")
    >>> _ = root.join("birds.csv").write("\\n".join(rows))
    >>> paths = Birds(str(root), str(root / "m"), {"train": (1,), "test": (2,)}).run()
    >>> json.load(open(paths["test"]))  # doctest: +NORMALIZE_WHITESPACE
    {'2': {'wav': '{data_root}/audio/2.wav', 'class_string': 'wren', 'classID': 7,
     'fold': 2, 'duration': 0.1, 'sample_rate': 8000, 'channels': 1}}
    >>> Birds(str(root), str(root / "m"), {"train": (1,), "test": (3,)}).run()
    Traceback (most recent call last):
    ...
    ValueError: test_folds: fold 3 not in ...birds.csv (folds there: 1, 2)
    """

    file_column = "filename"
    id_column = "classID"
    name_column = "class"
    fold_column = "fold"
    required_columns = None
    column_aliases = None
    column_types = None
    optional_columns = ()
    fold_range = None
    #: words after "selects no clip" when a split's folds select nothing
    selection_text = ""
    #: bump in a subclass when its manifest content changes (old manifests are rebuilt)
    manifest_version = 1

    def __init__(self, data_folder, manifest_folder, folds, **kwargs):
        super().__init__(data_folder, manifest_folder, **kwargs)
        self.folds = folds

    def check_before_download(self):
        check_splits(self.folds, self.fold_range)  # bad arguments fail before a download

    def read_table(self, path):
        """The csv with its file names checked, ``clip_id`` added, columns converted
        and class ids and names mapping one to one; then :meth:`check_table`."""
        file = self.file_column
        required = self.required_columns or (file, self.fold_column, self.id_column,
                                             self.name_column)
        table = read_metadata(path, required, aliases=self.column_aliases)
        empty = table.index[table[file] == ""].tolist()
        if empty:
            lines = format_names([i + 1 for i in empty])
            raise ValueError(f"{path}: empty {file} on data line(s) {lines}")
        check_unique(table, file, path)
        table["clip_id"] = [os.path.splitext(os.path.basename(f))[0] for f in table[file]]
        check_unique(table, "clip_id", path)
        types = self.column_types or ((self.fold_column, int, "integers"),
                                      (self.id_column, int, "integers"))
        self.copied = [c for c in self.optional_columns if c[0] in table.columns]
        for column, convert, expected in list(types) + self.copied:
            convert_column(table, column, convert, path, file, expected)
        check_one_to_one(table, self.id_column, self.name_column, file, path)
        self.check_table(table, path)
        return table

    def check_table(self, table, path):
        """More checks of the converted table (default: none)."""

    def select(self, table):
        """The rows the splits draw from (default: all), once the folds are checked."""
        return table

    def split_rows(self, table):
        fold, path = self.fold_column, self.metadata_path
        self.splits = check_splits(self.folds, self.fold_range, csv_folds=set(table[fold]),
                                   csv_path=path)
        self.selected = table = self.select(table)
        rows = {}
        for split, folds in self.splits.items():
            if folds:
                rows[split] = table[table[fold].isin(folds)]
                if rows[split].empty:
                    raise ValueError(f"{split}_folds={folds} selects no clip"
                                     f"{self.selection_text} in {path}")
        return rows

    def audio_path(self, item, row):
        return os.path.join(self.audio_folder, row[self.file_column])

    def options(self):
        return {**self.common_options(), "skip_missing": bool(self.skip_missing)}

    def common_options(self):
        """The options every fold-based preparation records, first."""
        return {
            "manifest_version": self.manifest_version,
            "data_folder": self.data_folder,
            "audio_folder": self.audio_folder,
            "splits": {s: list(f) for s, f in self.splits.items()},
        }

    def entry(self, split, item, row, path, info):
        return {
            "wav": manifest_path(path, self.data_folder),
            "class_string": row[self.name_column],
            "classID": int(row[self.id_column]),
            "fold": int(row[self.fold_column]),
            **{column: row[column] for column, _, _ in self.copied},
            **info,
        }

    def no_usable_message(self, split):
        return (f"{split}_folds={self.splits[split]}: no usable clip left after skipping "
                "the unusable files")

    def classes(self):
        pairs = self.selected[[self.id_column, self.name_column]].drop_duplicates()
        return [
            {"classID": int(i), "class_string": name}
            for i, name in pairs.sort_values(self.id_column).itertuples(index=False)
        ]
