"""Checking the fold arguments of a fold-based preparation (ESC-50, UrbanSound8K).

Datasets such as ESC-50 and UrbanSound8K come with predefined folds that
keep clips cut from one recording together, so their splits are unions of
folds. :func:`check_splits` validates the ``train_folds``/``valid_folds``/
``test_folds`` arguments of a preparation: integers, within the dataset's
fold range, present in its metadata, mutually exclusive, not all empty.
Every problem of every split is collected first and reported in a single
``ValueError``, so that one run shows all that must be fixed.

Authors
 * speechbrain-interp developers 2026
"""

import numbers

from speechbrain_interp.data.tables import format_names

__all__ = ["check_folds", "check_splits", "folds_text"]


def folds_text(folds):
    """``"fold 3"`` or ``"folds 3, 4"``, for messages.

    Example
    -------
    >>> folds_text([3]), folds_text([3, 4])
    ('fold 3', 'folds 3, 4')
    """
    folds = list(folds)
    return ("fold " if len(folds) == 1 else "folds ") + format_names(folds)


def _is_integer(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _parse_folds(name, folds, fold_range):
    """``(valid folds as a tuple of ints, [problems])`` of one argument.

    Folds that are not integers or out of range are reported and left out
    of the tuple (so later checks do not report them twice); repeated
    folds are kept once.
    """
    if folds is None:
        return (), []
    if _is_integer(folds):
        folds = (folds,)
    if isinstance(folds, (str, bytes)):
        return (), [f"{name} must be a sequence of fold numbers, got {folds!r}"]
    try:
        folds = tuple(folds)
    except TypeError:
        return (), [f"{name} must be a sequence of fold numbers, got {folds!r}"]
    problems = [
        f"{name}: fold {fold!r} is not an integer"
        for fold in folds
        if not _is_integer(fold)
    ]
    folds = tuple(dict.fromkeys(int(f) for f in folds if _is_integer(f)))
    if fold_range is not None:
        low, high = fold_range
        outside = [f for f in folds if not low <= f <= high]
        if outside:
            problems.append(
                f"{name}: {folds_text(outside)} out of range {low}-{high}"
            )
            folds = tuple(f for f in folds if low <= f <= high)
    return folds, problems


def check_folds(name, folds, fold_range=None):
    """Validates one ``*_folds`` argument; returns a tuple of ints.

    Arguments
    ---------
    name : str
        Argument name, for the message (e.g. ``"train_folds"``).
    folds : int or sequence of int or None
        The folds (``None``: none; one integer: that fold).
    fold_range : tuple of int, optional
        Inclusive ``(low, high)`` range of valid fold numbers.

    Returns
    -------
    tuple of int
        The folds, each once, in the given order.

    Raises
    ------
    ValueError
        Naming every fold that is not an integer or out of range.

    Example
    -------
    >>> check_folds("train_folds", [1, 2, 2])
    (1, 2)
    >>> check_folds("train_folds", [1, "2", 11], fold_range=(1, 10))
    Traceback (most recent call last):
    ...
    ValueError: train_folds: fold '2' is not an integer; train_folds: fold 11 out of range 1-10
    """
    folds, problems = _parse_folds(name, folds, fold_range)
    if problems:
        raise ValueError("; ".join(problems))
    return folds


def check_splits(splits, fold_range=None, csv_folds=None, csv_path=None):
    """Validates the fold arguments of every split at once.

    Collects all the problems of all the splits -- folds that are not
    integers, out of ``fold_range``, absent from the metadata
    (``csv_folds``), shared by two splits, or no fold at all -- and raises
    one ``ValueError`` that lists them.

    Arguments
    ---------
    splits : dict
        ``{split: folds}`` as the user gave them (``{"train": (1, 2),
        "valid": (3,), "test": ()}``); the argument of split ``s`` is
        named ``s_folds`` in messages.
    fold_range : tuple of int, optional
        Inclusive ``(low, high)`` range of valid fold numbers.
    csv_folds : set of int, optional
        Folds present in the metadata; ``None`` skips that check (e.g.
        before the metadata is downloaded).
    csv_path : str, optional
        The metadata file, named when a fold is absent from it.

    Returns
    -------
    dict
        ``{split: tuple of int}`` (an empty tuple for a split without
        folds), in the order of ``splits``.

    Raises
    ------
    ValueError
        ``"<problem>; <problem>; ..."`` naming every bad split.

    Example
    -------
    >>> check_splits({"train": [1, 2], "valid": 3, "test": None})
    {'train': (1, 2), 'valid': (3,), 'test': ()}
    >>> check_splits({"train": (3, 11), "valid": (9,), "test": (3, 12)},
    ...              fold_range=(1, 10))  # doctest: +NORMALIZE_WHITESPACE
    Traceback (most recent call last):
    ...
    ValueError: train_folds: fold 11 out of range 1-10;
    test_folds: fold 12 out of range 1-10;
    train_folds and test_folds share fold 3 (splits must not overlap)
    >>> check_splits({"train": [1], "test": [2]}, csv_folds={1}, csv_path="m.csv")
    Traceback (most recent call last):
    ...
    ValueError: test_folds: fold 2 not in m.csv (folds there: 1)
    """
    checked, problems = {}, []
    for split, folds in splits.items():
        checked[split], found = _parse_folds(f"{split}_folds", folds, fold_range)
        problems += found
    names = list(checked)
    for i, first in enumerate(names):
        for second in names[i + 1 :]:
            common = sorted(set(checked[first]) & set(checked[second]))
            if common:
                problems.append(
                    f"{first}_folds and {second}_folds share "
                    f"{folds_text(common)} (splits must not overlap)"
                )
    if csv_folds is not None:
        for split, folds in checked.items():
            absent = [f for f in folds if f not in csv_folds]
            if absent:
                problems.append(
                    f"{split}_folds: {folds_text(absent)} not in "
                    f"{csv_path or 'the metadata'} (folds there: "
                    f"{format_names(sorted(csv_folds))})"
                )
    if not problems and not any(checked.values()):
        listed = [f"{s}_folds" for s in names]
        problems.append(
            f"{', '.join(listed[:-1])} and {listed[-1]} are all empty"
            if len(listed) > 1
            else f"{''.join(listed)} is empty"
        )
    if problems:
        raise ValueError("; ".join(problems))
    return checked
