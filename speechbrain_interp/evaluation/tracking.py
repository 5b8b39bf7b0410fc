"""Per-clip metric bookkeeping: :class:`MetricTracker`.

Authors
 * speechbrain-interp developers 2026
"""

import math
import warnings
from collections import defaultdict

import numpy as np
import torch

__all__ = ["MetricTracker"]


class MetricTracker:
    """Accumulates per-clip metric dicts over batches (ids kept for per-clip CSVs).

    Each process tracks only the clips it saw (no DDP gathering): in a
    distributed run, gather :meth:`to_rows` (or evaluate on one process)
    before reporting dataset figures.

    Arguments
    ---------
    medians : sequence of str
        Metrics whose median is summarised too, as ``<name>_median``.

    Example
    -------
    >>> tracker = MetricTracker()
    >>> tracker.append({"AI": torch.tensor([100.0, 0.0]), "FF": torch.tensor([0.2, 0.4])}, ids=["a", "b"])
    >>> tracker.append({"AI": torch.tensor([100.0]), "FF": torch.tensor([0.9])}, ids=["c"])
    >>> {k: round(v, 4) for k, v in tracker.summarize().items()}
    {'AI': 66.6667, 'FF': 0.5, 'FF_median': 0.4}
    >>> [(r["id"], r["AI"]) for r in tracker.to_rows()]
    [('a', 100.0), ('b', 0.0), ('c', 100.0)]
    """

    def __init__(self, medians=("FF",)):
        self.medians = tuple(medians)
        self.clear()

    def clear(self):
        """Forgets all clips."""
        self.ids = []
        self.values = defaultdict(list)

    def __len__(self):
        return len(self.ids)

    def append(self, metrics, ids=None):
        """Adds a batch: ``metrics`` maps names to ``[B]`` values; ``ids``: ``B`` clip ids.

        Without ids, clips are numbered in order of arrival. A metric missing
        from some batches is NaN for their clips.
        """
        metrics = {k: torch.as_tensor(v).detach().reshape(-1).double().cpu() for k, v in metrics.items()}
        sizes = {v.numel() for v in metrics.values()}
        if len(sizes) != 1:
            raise ValueError(f"the metrics of a batch must have one size, got {sorted(sizes)}")
        (size,) = sizes
        start = len(self.ids)
        ids = [str(start + i) for i in range(size)] if ids is None else [str(i) for i in ids]
        if len(ids) != size:
            raise ValueError(f"{len(ids)} ids for {size} clips")
        self.ids.extend(ids)
        for key in list(self.values) + [k for k in metrics if k not in self.values]:
            column = self.values[key]
            column.extend([math.nan] * (start - len(column)))
            column.extend(metrics[key].tolist() if key in metrics else [math.nan] * size)

    def summarize(self, key=None):
        """Dataset figures: the mean of each metric (NaNs left out) and the requested medians.

        Returns a dict of floats, or the float named ``key`` (e.g. ``"FF_median"``).
        """
        out = {}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # empty or all-NaN columns
            for name, column in self.values.items():
                column = np.asarray(column, dtype=np.float64)
                out[name] = float(np.nanmean(column)) if column.size else math.nan
                if name in self.medians:
                    out[f"{name}_median"] = float(np.nanmedian(column)) if column.size else math.nan
        return out if key is None else out[key]

    def intervals(self, n_resamples=None, seed=0, level=None, keys=None):
        """Each metric's mean with its bootstrap interval over clips and the clips it covers.

        Arguments
        ---------
        n_resamples, level : optional
            As in :func:`~speechbrain_interp.evaluation.confidence.bootstrap_mean`
            (default: its defaults).
        seed : int
            Seed of the draws (the same for every metric).
        keys : sequence of str, optional
            The metrics (default: all).

        Returns
        -------
        dict
            Metric -> ``{"mean", "low", "high", "n"}``.

        Example
        -------
        >>> tracker = MetricTracker()
        >>> tracker.append({"AI": torch.tensor([100.0, 100.0]), "FF": torch.tensor([0.5, float("nan")])})
        >>> tracker.intervals()
        {'AI': {'mean': 100.0, 'low': 100.0, 'high': 100.0, 'n': 2}, 'FF': {'mean': 0.5, 'low': 0.5, 'high': 0.5, 'n': 1}}
        """
        from speechbrain_interp.evaluation.confidence import LEVEL, N_RESAMPLES, bootstrap_mean

        n_resamples = N_RESAMPLES if n_resamples is None else n_resamples
        level = LEVEL if level is None else level
        return {name: bootstrap_mean(column, n_resamples, level, seed)
                for name, column in self.values.items() if keys is None or name in keys}

    def column(self, key):
        """``[N]`` float64 array of one metric over the clips (NaN where it is missing)."""
        values = self.values.get(key)
        return np.asarray(values if values is not None else [math.nan] * len(self.ids),
                          dtype=np.float64)

    def subset(self, keep):
        """A tracker of the clips whose position in ``keep`` (``[N]`` booleans) is true.

        Example
        -------
        >>> tracker = MetricTracker()
        >>> tracker.append({"AI": torch.tensor([100.0, 0.0, 50.0])}, ids=["a", "b", "c"])
        >>> part = tracker.subset([True, False, True])
        >>> part.ids, part.summarize()
        (['a', 'c'], {'AI': 75.0})
        """
        keep = [bool(k) for k in keep]
        if len(keep) != len(self.ids):
            raise ValueError(f"{len(keep)} flags for {len(self.ids)} clips")
        out = MetricTracker(self.medians)
        out.ids = [clip for clip, k in zip(self.ids, keep) if k]
        for name, column in self.values.items():
            out.values[name] = [v for v, k in zip(column, keep) if k]
        return out

    def to_rows(self):
        """One dict per clip, ``{"id": ..., <metric>: value, ...}``, for a CSV writer."""
        names = list(self.values)
        return [{"id": clip, **{n: self.values[n][i] for n in names}} for i, clip in enumerate(self.ids)]
