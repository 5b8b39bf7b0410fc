"""How sure each figure is: bootstrap intervals over clips and paired differences.

Every dataset figure of the evaluation is a mean over items (clips, or
mixtures, or (clip, class) pairs). Its 95 % interval is the percentile
bootstrap: the items are drawn with replacement ``n_resamples`` times, the
mean is taken on each draw, and the interval runs from the 2.5th to the
97.5th percentile of those means. Items where the figure is undefined
(NaN, e.g. no ground truth) are left out first, and every figure says how
many items it covers (``n``).

Two methods scored on the same items are compared by the **paired**
difference: per item ``a_i - b_i`` (items where both are defined), its
mean, and the bootstrap interval of that mean. Resampling the differences
keeps the pairing, so a method that is consistently ahead on the same clips
is shown ahead even when both marginal intervals are wide; the difference
of a method with itself is 0 with an interval of zero width. A lead is
**shown** only when the interval excludes 0 (:func:`verdict`).

Every draw comes from ``numpy.random.default_rng(seed)``: the same values
and seed give the same interval.

Authors
 * speechbrain-interp developers 2026
"""

import math

import numpy as np

__all__ = ["LEVEL", "N_RESAMPLES", "bootstrap_mean", "paired_difference", "verdict"]

#: default coverage of the intervals
LEVEL = 0.95
#: default number of bootstrap resamples
N_RESAMPLES = 1000


def _defined(values):
    values = np.asarray(values, dtype=np.float64).reshape(-1)
    return values[~np.isnan(values)]


def _interval(values, n_resamples, level, seed):
    """``(mean, low, high)`` of the percentile bootstrap of ``values`` (no NaN)."""
    n = values.size
    if n == 0:
        return math.nan, math.nan, math.nan
    mean = float(values.mean())
    if np.all(values == values[0]):  # one item, or all equal: every resample's mean is it
        return mean, mean, mean
    rng = np.random.default_rng(seed)
    means = np.empty(int(n_resamples))
    chunk = max(1, 2_000_000 // n)  # resamples drawn at once (bounded memory)
    for start in range(0, int(n_resamples), chunk):
        stop = min(int(n_resamples), start + chunk)
        means[start:stop] = values[rng.integers(0, n, size=(stop - start, n))].mean(axis=1)
    tail = (1.0 - level) / 2.0
    low, high = np.quantile(means, [tail, 1.0 - tail])
    return mean, float(low), float(high)


def bootstrap_mean(values, n_resamples=N_RESAMPLES, level=LEVEL, seed=0):
    """Mean of the defined items and its percentile-bootstrap interval.

    Arguments
    ---------
    values : array-like
        ``[N]`` per-item values; NaN marks an item where the figure is undefined.
    n_resamples : int
        Bootstrap draws.
    level : float
        Coverage of the interval (0.95: from the 2.5th to the 97.5th percentile).
    seed : int
        Seed of the draws.

    Returns
    -------
    dict
        ``mean``, ``low``, ``high`` (NaN when no item is defined) and ``n``,
        the number of items the mean covers.

    Example
    -------
    >>> out = bootstrap_mean([1.0, 2.0, 3.0, float("nan")], seed=0)
    >>> out["mean"], out["n"], out["low"] <= 2.0 <= out["high"]
    (2.0, 3, True)
    >>> bootstrap_mean([0.5, 0.5])
    {'mean': 0.5, 'low': 0.5, 'high': 0.5, 'n': 2}
    """
    values = _defined(values)
    mean, low, high = _interval(values, n_resamples, level, seed)
    return {"mean": mean, "low": low, "high": high, "n": int(values.size)}


def paired_difference(a, b, n_resamples=N_RESAMPLES, level=LEVEL, seed=0):
    """Mean of ``a - b`` over the items where both are defined, with its interval.

    Arguments
    ---------
    a, b : array-like
        ``[N]`` per-item values of two methods on the same items, in the same order.
    n_resamples, level, seed
        As in :func:`bootstrap_mean`.

    Returns
    -------
    dict
        As :func:`bootstrap_mean`, for the differences.

    Example
    -------
    >>> paired_difference([1.0, 2.0, 4.0], [1.0, 2.0, 4.0])
    {'mean': 0.0, 'low': 0.0, 'high': 0.0, 'n': 3}
    >>> out = paired_difference([3.0, 5.0, float("nan")], [1.0, 2.0, 0.0])
    >>> out["mean"], out["n"]
    (2.5, 2)
    """
    a = np.asarray(a, dtype=np.float64).reshape(-1)
    b = np.asarray(b, dtype=np.float64).reshape(-1)
    if a.shape != b.shape:
        raise ValueError(f"paired values need the same items: {a.size} against {b.size}")
    return bootstrap_mean(a - b, n_resamples, level, seed)


def verdict(difference, direction):
    """Reads a paired difference (``method - comparator``) as a lead, a lag or neither.

    Arguments
    ---------
    difference : dict
        From :func:`paired_difference`.
    direction : str or None
        ``"up"`` when higher is better, ``"down"`` when lower is.

    Returns
    -------
    str
        ``"leads"`` (the interval lies on the better side of 0), ``"trails"``
        (on the worse side), ``"not shown"`` (it includes 0), ``"-"`` (no
        direction, or no item).

    Example
    -------
    >>> verdict({"low": 0.1, "high": 0.4}, "up"), verdict({"low": 0.1, "high": 0.4}, "down")
    ('leads', 'trails')
    >>> verdict({"low": -0.1, "high": 0.4}, "up")
    'not shown'
    """
    low, high = difference.get("low", math.nan), difference.get("high", math.nan)
    if direction not in ("up", "down") or math.isnan(low) or math.isnan(high):
        return "-"
    if low > 0 or high < 0:
        better = (low > 0) == (direction == "up")
        return "leads" if better else "trails"
    return "not shown"
