"""Reading and validating metadata tables (csv files listing a dataset's clips).

Every check names the offending file, column and rows, so that a broken
metadata file can be fixed without reading the code:

* :func:`read_metadata` reads a csv as strings and checks its columns
  (optionally accepting another spelling of a column),
* :func:`check_unique` rejects duplicated values of a column,
* :func:`convert_column` turns a string column into numbers or booleans
  (:func:`parse_bool`),
* :func:`check_one_to_one` checks that an id column and a name column map
  one to one (a class name under two ids, or an id under two names),
* :func:`format_names` keeps the lists in messages short.

Authors
 * speechbrain-interp developers 2026
"""

import os

import pandas

from speechbrain.utils.logger import get_logger

__all__ = [
    "check_one_to_one",
    "check_unique",
    "convert_column",
    "format_names",
    "parse_bool",
    "read_metadata",
]

logger = get_logger(__name__)


def format_names(names, limit=20):
    """Joins names for a message: at most ``limit``, then ``... and N more``.

    Example
    -------
    >>> format_names(["a", "b", "c"], limit=2)
    'a, b ... and 1 more'
    """
    names = [str(n) for n in names]
    shown = ", ".join(names[:limit])
    if len(names) > limit:
        shown += f" ... and {len(names) - limit} more"
    return shown


def read_metadata(csv_path, required_columns, aliases=None):
    """Reads a metadata csv as strings and checks its columns.

    Extra columns are kept (callers ignore them). Cells are read as ``str``
    with no NaN conversion so that nothing is silently reinterpreted.

    Arguments
    ---------
    csv_path : str
        The csv file.
    required_columns : list of str
        Columns that must be present.
    aliases : dict, optional
        ``{column: (other spellings, ...)}``: when a required column is
        absent but one of its other spellings is present (e.g. a copy of the
        dataset that renamed ``class`` to ``class_name``), that column is
        renamed to the required name (logged).

    Returns
    -------
    pandas.DataFrame
        One row per csv line, every cell a ``str`` (leading/trailing spaces
        stripped).

    Raises
    ------
    FileNotFoundError
        When the csv does not exist.
    ValueError
        When it cannot be parsed or misses required columns (all named).

    Example
    -------
    >>> path = getfixture("tmpdir") / "meta.csv"
    >>> _ = path.write_text("filename,fold,extra\\na.wav,1,x\\n", "utf-8")
    >>> read_metadata(str(path), ["filename", "fold"])["fold"].tolist()
    ['1']
    >>> read_metadata(str(path), ["file", "fold"], {"file": ["filename"]}).columns[0]
    'file'
    >>> read_metadata(str(path), ["filename", "target"])
    Traceback (most recent call last):
    ...
    ValueError: ...meta.csv: missing required column(s) target (found: ...)
    """
    csv_path = str(csv_path)
    aliases = aliases or {}
    if not os.path.isfile(csv_path):
        raise FileNotFoundError(f"metadata file {csv_path} does not exist")
    try:
        table = pandas.read_csv(
            csv_path, dtype=str, keep_default_na=False, skipinitialspace=True
        )
    except (
        pandas.errors.ParserError,
        pandas.errors.EmptyDataError,
        UnicodeDecodeError,
    ) as err:
        raise ValueError(f"{csv_path}: not a readable csv ({err})") from err
    table.columns = [str(c).strip() for c in table.columns]
    missing = []
    for column in required_columns:
        if column in table.columns:
            continue
        other = [a for a in aliases.get(column, ()) if a in table.columns]
        if other:
            logger.info("%s: using the column %s as %s", csv_path, other[0], column)
            table = table.rename(columns={other[0]: column})
        else:
            spellings = [column, *aliases.get(column, ())]
            missing.append(" or ".join(spellings))
    if missing:
        raise ValueError(
            f"{csv_path}: missing required column(s) {', '.join(missing)} "
            f"(found: {', '.join(table.columns)})"
        )
    for column in table.columns:
        table[column] = table[column].str.strip()
    return table


def check_unique(table, column, csv_path):
    """Raises ``ValueError`` naming ``csv_path`` and the duplicated values
    when ``table[column]`` is not unique.

    Example
    -------
    >>> import pandas
    >>> check_unique(pandas.DataFrame({"f": ["a", "b", "a"]}), "f", "m.csv")
    Traceback (most recent call last):
    ...
    ValueError: m.csv: duplicate f value(s): a
    """
    dup = table[column][table[column].duplicated()].unique().tolist()
    if dup:
        raise ValueError(
            f"{csv_path}: duplicate {column} value(s): {format_names(dup)}"
        )


def convert_column(table, column, convert, csv_path, key_column, expected):
    """Converts a string column in place, naming every row that fails.

    Arguments
    ---------
    table : pandas.DataFrame
        The metadata (modified in place).
    column : str
        Column to convert.
    convert : callable
        ``str -> value``, raising ``ValueError``/``TypeError`` on bad cells
        (e.g. ``int`` or :func:`parse_bool`).
    csv_path : str
        Named in the error.
    key_column : str
        Column identifying rows in the error (e.g. the filename).
    expected : str
        What the column must hold, for the error message.

    Raises
    ------
    ValueError
        Naming the rows whose value cannot be converted.

    Example
    -------
    >>> import pandas
    >>> t = pandas.DataFrame({"f": ["a", "b"], "fold": ["1", "x"]})
    >>> convert_column(t, "fold", int, "m.csv", "f", "integers")
    Traceback (most recent call last):
    ...
    ValueError: m.csv: column fold must hold integers; bad value(s) at b='x'
    """
    values, bad = [], []
    for key, value in zip(table[key_column], table[column]):
        try:
            values.append(convert(value))
        except (TypeError, ValueError):
            bad.append(f"{key}={value!r}")
    if bad:
        raise ValueError(
            f"{csv_path}: column {column} must hold {expected}; bad value(s) "
            f"at {format_names(bad)}"
        )
    table[column] = values


def parse_bool(value):
    """Parses a boolean cell (True/"True"/"true"/1/"yes"...); else ValueError.

    Example
    -------
    >>> [parse_bool(v) for v in (True, "True", "true", 1, "0", "False", "")]
    [True, True, True, True, False, False, False]
    """
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "y", "t", "1.0"):
        return True
    if text in ("false", "0", "no", "n", "f", "0.0", ""):
        return False
    raise ValueError(f"not a boolean: {value!r}")


def _several(table, column, other, key_column, limit):
    """``column`` values found with more than one ``other`` value, described."""
    found = {}
    for value, partner, key in zip(table[column], table[other], table[key_column]):
        found.setdefault(value, {}).setdefault(partner, []).append(key)
    problems = []
    for value, partners in found.items():
        if len(partners) > 1:
            listed = ", ".join(
                f"{p} ({format_names(keys, limit=limit)})"
                for p, keys in partners.items()
            )
            problems.append(
                f"{column} {value} has {len(partners)} {other} values: {listed}"
            )
    return problems


def check_one_to_one(table, id_column, name_column, key_column, csv_path, limit=5):
    """Raises ``ValueError`` unless ids and names map one to one.

    A name found under two ids, or an id found under two names, is an error;
    all of them are listed in one message, each with the rows (values of
    ``key_column``, e.g. the file names) that hold every spelling.

    Arguments
    ---------
    table : pandas.DataFrame
        The metadata.
    id_column : str
        Column of class ids (e.g. ``classID``).
    name_column : str
        Column of class names (e.g. ``class``).
    key_column : str
        Column naming the rows in the error.
    csv_path : str
        Named in the error.
    limit : int
        At most this many rows are named per (id, name) pair.

    Raises
    ------
    ValueError
        ``"<csv_path>: <id_column> and <name_column> must map one to one: ..."``.

    Example
    -------
    >>> import pandas
    >>> t = pandas.DataFrame({"f": ["a.wav", "b.wav", "c.wav"],
    ...                       "id": [0, 1, 1], "name": ["dog", "cat", "dog"]})
    >>> check_one_to_one(t.iloc[:2], "id", "name", "f", "m.csv")
    >>> check_one_to_one(t, "id", "name", "f", "m.csv")
    ... # doctest: +NORMALIZE_WHITESPACE
    Traceback (most recent call last):
    ...
    ValueError: m.csv: id and name must map one to one:
    id 1 has 2 name values: cat (b.wav), dog (c.wav);
    name dog has 2 id values: 0 (a.wav), 1 (c.wav)
    """
    problems = _several(table, id_column, name_column, key_column, limit)
    problems += _several(table, name_column, id_column, key_column, limit)
    if problems:
        raise ValueError(
            f"{csv_path}: {id_column} and {name_column} must map one to one: "
            + "; ".join(problems)
        )
