"""Multi-label tagging metrics of DCASE 2020 Task 5 (SONYC-UST), coarse level.

Mirrors ``src/metrics.py`` of the official baseline
(``sonyc-project/dcase2020task5-uststc-baseline``, functions
``calculate_base_classification_metrics``, ``micro_averaged_auprc``,
``macro_averaged_auprc``, ``compute_metrics``; read at commits 700dbbc and
8873e67, identical in these parts), see also ``docs/datasets.md`` 2.6.

Rules (one implementation each):

- **Per-class table** (:func:`class_counts`): thresholds = the class's scores
  that are ``>= 0.01``, plus ``1.0``, unique, in *decreasing* order (the row
  order of the official table); prediction = ``score >= t``; TP, FP, FN over
  clips. ``P = TP / max(TP + FP, 0.5)``, ``R = TP / max(TP + FN, 0.5)``.
- **Area** (:func:`precision_recall_area`): the points are ordered by
  ``np.argsort(R)`` with NumPy's default (unstable quicksort) kind, exactly
  the call of the official code, then ``(R=0, P=1)`` is prepended and
  ``(R=1, P=0)`` appended and the trapezoid rule is applied (what
  ``sklearn.metrics.auc`` does on increasing x). Tie order matters: among
  points of equal recall it decides which precision meets the neighbouring
  segments, unless its two neighbours are at equal recall distances. The
  per-class rows are in decreasing-threshold order, so recall is already
  sorted (NumPy 2.x here returns that order unchanged: within a tie the
  highest-threshold, highest-precision point comes first; the introsort of
  older NumPy may permute ties in tables of over 16 rows). The micro rows
  are in *increasing*-threshold order, so the sort must reverse them and the
  order inside a tie is whatever NumPy's quicksort gives: not the stable
  reversal, and dependent on the NumPy version/CPU (on 40-clip random tables
  it moves micro-AUPRC by 0.001 to 0.008). Like the original, this module gives
  whatever the installed NumPy gives, i.e. the original's number on the
  same NumPy.
- **Quirk of the end points**: at ``t = 1.0`` nothing is predicted (unless a
  score is exactly 1), giving the point ``(R=0, P=0)`` after ``(0, 1)``; so a
  perfect ranking whose top score is below 1 scores ``1 - 1 / (2 n_pos)``,
  not 1 (exactly 1 when its top score is 1.0).
- **macro-AUPRC**: unweighted mean of the per-class areas.
- **micro-AUPRC**: for each threshold in the union of the class threshold
  lists (increasing), every class is read at the smallest of its own
  thresholds ``>= t``; TP/FP/FN are summed; same P/R/area recipe.
- **F1** ``= 2 / (1/P + 1/R)``, which is 0 whenever TP = 0 (P = R = 0).
  micro-F1, micro precision and recall: the micro row at the first threshold
  ``>= 0.5`` (the same as predicting ``score >= 0.5``). Per-class F1 (not in
  the official output): the class table read the same way.
- **Class without positives**: R = 0 and P = 0 at every threshold, so its
  AUPRC is **0.0** and it counts in the macro mean. (The original cannot score
  such a class: sklearn's ``confusion_matrix`` returns a 1x1 matrix when no
  clip is predicted positive and the ``cm[0, 1]`` lookup fails.)
- Scores are compared as float64 (the original reads them from a CSV); they
  must be finite and ``<= 1`` (a larger score breaks the micro lookup).

Authors
 * speechbrain-interp developers 2026
"""

import os

import numpy as np

from speechbrain_interp.evaluation.reports import write_table
from speechbrain_interp.visualize.canvas import pyplot

__all__ = [
    "class_counts", "dcase_metrics", "f1_at_thresholds", "plot_tagging_report",
    "precision_recall_area", "tune_thresholds", "write_tagging_report",
]  # fmt: skip

MIN_THRESHOLD = 0.01
MU = 0.5
_trapezoid = getattr(np, "trapezoid", None) or getattr(np, "trapz")


def _check(scores, truth, ndim):
    scores, raw = (np.asarray(x.detach().cpu().numpy() if hasattr(x, "detach") else x,
                              dtype=np.float64) for x in (scores, truth))
    if scores.ndim != ndim or scores.shape != raw.shape:
        raise ValueError(f"scores {scores.shape} and truth {raw.shape} must have the "
                         f"same {ndim}-D shape")
    if not np.all(np.isfinite(scores)) or np.any(scores > 1.0):
        raise ValueError("scores must be finite probabilities (<= 1)")
    if not np.all((raw == 0) | (raw == 1)):
        raise ValueError("truth must hold only 0 and 1 (drop or resolve -1 entries)")
    return scores, raw.astype(bool)


def _pr(tp, fp, fn):
    return tp / np.maximum(tp + fp, MU), tp / np.maximum(tp + fn, MU)


def _f1(precision, recall):
    with np.errstate(divide="ignore"):
        return 2.0 / (1.0 / precision + 1.0 / recall)


def class_counts(scores, truth):
    """Threshold table of one class, rows in the official (decreasing) order.

    Arguments
    ---------
    scores : array-like
        ``[N]`` predicted probabilities.
    truth : array-like
        ``[N]`` 0/1 ground truth.

    Returns
    -------
    thresholds : numpy.ndarray
        ``[T]`` float64, decreasing: unique scores ``>= 0.01`` and 1.0.
    tp, fp, fn : numpy.ndarray
        ``[T]`` int64 counts with prediction ``score >= threshold``.

    Example
    -------
    >>> t, tp, fp, fn = class_counts([0.9, 0.5, 0.5, 0.005], [1, 0, 1, 1])
    >>> t.tolist(), tp.tolist(), fp.tolist(), fn.tolist()
    ([1.0, 0.9, 0.5], [0, 1, 2], [0, 0, 1], [3, 2, 1])
    """
    scores, truth = _check(scores, truth, 1)
    kept = np.sort(scores)
    kept = kept[np.searchsorted(kept, MIN_THRESHOLD):]
    thresholds = np.unique(np.append(kept, 1.0))[::-1]
    order = np.argsort(scores, kind="stable")
    ranked, positive = scores[order], truth[order]
    positives_below = np.concatenate([[0], np.cumsum(positive)])  # among the i lowest
    first = np.searchsorted(ranked, thresholds, side="left")
    n_pos = int(positive.sum())
    tp = n_pos - positives_below[first]
    fp = (len(scores) - first) - tp
    return thresholds, tp.astype(np.int64), fp.astype(np.int64), (n_pos - tp).astype(np.int64)


def precision_recall_area(precision, recall):
    """Area under a PR curve by the official recipe (sort, end points, trapezoid).

    Arguments
    ---------
    precision, recall : array-like
        ``[T]`` points in table-row order (the order decides recall ties).

    Returns
    -------
    float
        Trapezoid area of ``(0, 1)``, the points sorted by
        ``np.argsort(recall)``, and ``(1, 0)``.

    Example
    -------
    >>> precision_recall_area([0.0, 1.0, 0.5], [0.0, 0.5, 1.0])
    0.625
    """
    precision = np.asarray(precision, dtype=np.float64)
    recall = np.asarray(recall, dtype=np.float64)
    order = np.argsort(recall)  # default kind, as the official code
    x = np.concatenate([[0.0], recall[order], [1.0]])
    y = np.concatenate([[1.0], precision[order], [0.0]])
    return float(_trapezoid(y, x))


def dcase_metrics(scores, truth, class_names=None):
    """DCASE 2020 Task 5 coarse metrics of a score table.

    Arguments
    ---------
    scores : numpy.ndarray or torch.Tensor
        ``[N, C]`` probabilities.
    truth : numpy.ndarray or torch.Tensor
        ``[N, C]`` 0/1 ground truth.
    class_names : list of str, optional
        ``C`` names (default ``"0"``, ``"1"``, ...).

    Returns
    -------
    dict
        ``micro_AUPRC``, ``macro_AUPRC``, ``micro_F1``, ``micro_precision``,
        ``micro_recall`` (floats; the last three at the first threshold
        ``>= 0.5``), ``per_class_AUPRC``, ``per_class_F1`` (at 0.5) and
        ``n_positive`` (name -> value).

    Example
    -------
    >>> m = dcase_metrics([[0.9, 0.1], [0.2, 0.8], [0.6, 0.7]], [[1, 0], [0, 1], [0, 1]])
    >>> round(m["micro_F1"], 4), m["per_class_F1"], m["n_positive"]
    (0.8571, {'0': 0.6666666666666666, '1': 1.0}, {'0': 1, '1': 2})
    """
    scores, truth = _check(scores, truth, 2)
    n_classes = scores.shape[1]
    names = [str(c) for c in range(n_classes)] if class_names is None else list(class_names)
    if len(names) != n_classes:
        raise ValueError(f"{len(names)} class names for {n_classes} classes")
    tables = [class_counts(scores[:, c], truth[:, c]) for c in range(n_classes)]
    areas, class_f1 = {}, {}
    for name, (thresholds, tp, fp, fn) in zip(names, tables):
        precision, recall = _pr(tp, fp, fn)
        areas[name] = precision_recall_area(precision, recall)
        row = np.nonzero(thresholds >= 0.5)[0][-1]  # smallest own threshold >= 0.5
        class_f1[name] = float(_f1(precision[row], recall[row]))
    union = np.unique(np.concatenate([t for t, *_ in tables]))  # increasing
    totals = np.zeros((3, len(union)), dtype=np.int64)
    for thresholds, tp, fp, fn in tables:
        rows = np.searchsorted(thresholds[::-1], union, side="left")  # smallest >= t
        totals += np.stack([tp[::-1][rows], fp[::-1][rows], fn[::-1][rows]])
    precision, recall = _pr(*totals)
    at_half = np.nonzero(union >= 0.5)[0][0]
    return {
        "micro_AUPRC": precision_recall_area(precision, recall),
        "macro_AUPRC": float(np.mean(list(areas.values()))),
        "micro_F1": float(_f1(precision[at_half], recall[at_half])),
        "micro_precision": float(precision[at_half]),
        "micro_recall": float(recall[at_half]),
        "per_class_AUPRC": areas,
        "per_class_F1": class_f1,
        "n_positive": {name: int(truth[:, c].sum()) for c, name in enumerate(names)},
    }


def _counts_at(scores, truth, thresholds):
    decided = scores >= np.asarray(thresholds, dtype=np.float64)
    tp = (decided & truth).sum(axis=0)
    return tp, (decided & ~truth).sum(axis=0), (~decided & truth).sum(axis=0)


def tune_thresholds(scores, truth, grid=None):
    """Per-class decision thresholds maximising F1 (on a validation split).

    Arguments
    ---------
    scores : array-like
        ``[N, C]`` probabilities.
    truth : array-like
        ``[N, C]`` 0/1 ground truth.
    grid : list of float, optional
        Candidates (default 0.05, 0.10, ..., 0.95).

    Returns
    -------
    list of float
        ``[C]`` thresholds; F1 ties go to the candidate closest to 0.5 (then
        the lower one); a class without positives keeps 0.5.

    Example
    -------
    >>> tune_thresholds([[0.3, 0.9], [0.1, 0.6], [0.35, 0.2]], [[1, 0], [0, 0], [1, 0]])
    [0.3, 0.5]
    """
    scores, truth = _check(scores, truth, 2)
    if grid is None:
        grid = np.round(np.arange(1, 20) * 0.05, 2)
    grid = [float(g) for g in grid]
    table = np.array([_counts_at(scores, truth, [g] * scores.shape[1]) for g in grid])
    tp, fp, fn = table[:, 0], table[:, 1], table[:, 2]  # [G, C]
    f1 = 2 * tp / np.maximum(2 * tp + fp + fn, 1)
    chosen = []
    for c in range(scores.shape[1]):
        if not truth[:, c].any():
            chosen.append(0.5)
            continue
        best = np.nonzero(f1[:, c] >= f1[:, c].max() - 1e-12)[0]
        chosen.append(min((grid[i] for i in best), key=lambda g: (abs(g - 0.5), g)))
    return chosen


def f1_at_thresholds(scores, truth, thresholds):
    """micro-F1 and per-class F1 with one decision threshold per class.

    Arguments
    ---------
    scores, truth : array-like
        ``[N, C]`` probabilities and 0/1 ground truth.
    thresholds : list of float
        ``[C]``; prediction = ``score >= threshold``.

    Returns
    -------
    micro_f1 : float
        From TP/FP/FN summed over classes (official P/R/F1 formulas).
    per_class : list of float
        ``[C]`` F1 per class.

    Example
    -------
    >>> f1_at_thresholds([[0.3, 0.9], [0.1, 0.6]], [[1, 1], [0, 0]], [0.25, 0.5])
    (0.8, [1.0, 0.6666666666666666])
    """
    scores, truth = _check(scores, truth, 2)
    if len(thresholds) != scores.shape[1]:
        raise ValueError(f"{len(thresholds)} thresholds for {scores.shape[1]} classes")
    tp, fp, fn = _counts_at(scores, truth, thresholds)
    per_class = _f1(*_pr(tp, fp, fn))
    micro = _f1(*_pr(tp.sum(), fp.sum(), fn.sum()))
    return float(micro), [float(v) for v in per_class]


def plot_tagging_report(report, path, title="DCASE tagging metrics"):
    """Saves horizontal bars of per-class AUPRC and F1@0.5 of ``report`` (a
    :func:`dcase_metrics` dict; micro/macro figures in the title) to ``path``
    (PNG/PDF by extension) and returns ``path``."""
    plt = pyplot()

    names = list(report["per_class_AUPRC"])
    rows = np.arange(len(names))
    fig, ax = plt.subplots(figsize=(7, max(3.0, 0.45 * len(names) + 1.5)))
    ax.barh(rows - 0.2, [report["per_class_AUPRC"][n] for n in names], 0.4, label="AUPRC")
    ax.barh(rows + 0.2, [report["per_class_F1"][n] for n in names], 0.4, label="F1 @ 0.5")
    ax.set_yticks(rows, names, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("score")
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title(f"{title}\nmicro-AUPRC {report['micro_AUPRC']:.3f}, macro-AUPRC "
                 f"{report['macro_AUPRC']:.3f}, micro-F1 {report['micro_F1']:.3f}",
                 fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def write_tagging_report(scores, truth, class_names, out_dir, thresholds=None, extra=None,
                         stem="tagging_report"):
    """Writes ``<stem>.json``, ``<stem>.md`` and ``<stem>.png`` into ``out_dir``.

    Arguments
    ---------
    scores, truth, class_names
        As in :func:`dcase_metrics` (names required).
    out_dir : str
        Folder for the files.
    thresholds : list of float, optional
        ``[C]`` tuned thresholds (e.g. :func:`tune_thresholds` on validation);
        adds ``micro_F1_tuned`` and ``per_class_F1_tuned``.
    extra : dict, optional
        More entries for the JSON report.
    stem : str
        File name stem.

    Returns
    -------
    dict
        :func:`dcase_metrics`'s entries, ``thresholds`` and ``extra``'s.

    Example
    -------
    >>> out = str(getfixture("tmpdir"))
    >>> report = write_tagging_report([[0.9, 0.1], [0.2, 0.8]], [[1, 0], [0, 1]], ["a", "b"],
    ...                               out, thresholds=[0.5, 0.5])  # doctest: +ELLIPSIS
    | class | positives | AUPRC | F1 @ 0.5 | F1 @ tuned | tuned threshold |
    ...
    >>> sorted(os.listdir(out)), report["micro_F1_tuned"]
    (['tagging_report.json', 'tagging_report.md', 'tagging_report.png'], 1.0)
    """
    names = list(class_names)
    report = dcase_metrics(scores, truth, names)
    report["thresholds"] = None if thresholds is None else [float(t) for t in thresholds]
    if thresholds is not None:
        micro, per_class = f1_at_thresholds(scores, truth, thresholds)
        report["micro_F1_tuned"] = micro
        report["per_class_F1_tuned"] = dict(zip(names, per_class))
    report.update(extra or {})
    tuned = report.get("per_class_F1_tuned", {})
    lines = ["| class | positives | AUPRC | F1 @ 0.5 | F1 @ tuned | tuned threshold |",
             "|---|---|---|---|---|---|"]
    for i, name in enumerate(names):
        f1_tuned = f"{tuned[name]:.4f}" if tuned else "-"
        threshold = f"{report['thresholds'][i]:.2f}" if tuned else "-"
        lines.append(f"| {name} | {report['n_positive'][name]} | "
                     f"{report['per_class_AUPRC'][name]:.4f} | "
                     f"{report['per_class_F1'][name]:.4f} | {f1_tuned} | {threshold} |")
    micro_tuned = f"{report['micro_F1_tuned']:.4f}" if tuned else "-"
    lines.append(f"| micro | {sum(report['n_positive'].values())} | "
                 f"{report['micro_AUPRC']:.4f} | {report['micro_F1']:.4f} | {micro_tuned} | - |")
    lines.append(f"| macro (unweighted mean) | - | {report['macro_AUPRC']:.4f} | - | - | - |")
    write_table(out_dir, stem, "\n".join(lines), report)
    plot_tagging_report(report, os.path.join(out_dir, f"{stem}.png"))
    return report
