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

    def to_rows(self):
        """One dict per clip, ``{"id": ..., <metric>: value, ...}``, for a CSV writer."""
        names = list(self.values)
        return [{"id": clip, **{n: self.values[n][i] for n in names}} for i, clip in enumerate(self.ids)]
