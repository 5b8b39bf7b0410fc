"""The evaluation's tables: faithfulness and ground truth per condition and method.

:func:`write_results` writes what :func:`~speechbrain_interp.evaluation.suite.evaluate`
gathered (``results.{md,csv,json}``, per-clip CSVs, per-class tables of a
multi-label evaluation): every figure as its mean with a 95 % bootstrap
interval over items and the number of items it covers
(:func:`format_interval_table`), the paired differences between each trained
method and its comparators (:func:`format_differences`), and, in conditions
whose contaminant has no class (noise, speech), the ground truth again over
the items the classifier decided as the source's class. :func:`format_table`
is one markdown table of plain means, with the direction that is better in
each column's header.

Authors
 * speechbrain-interp developers 2026
"""

import csv
import json
import math
import os

from speechbrain_interp.evaluation import registry
from speechbrain_interp.evaluation.confidence import N_RESAMPLES, paired_difference, verdict
from speechbrain_interp.evaluation.multilabel import per_class_summary, per_class_table
from speechbrain_interp.evaluation.registry import FAITHFULNESS, GROUND_TRUTH, cell
from speechbrain_interp.evaluation.tracking import MetricTracker

__all__ = ["COLUMNS", "DIFFERENCE_KEYS", "DIRECTIONS", "GT_COLUMNS", "MULTILABEL_COLUMNS", "cell",
           "default_comparisons", "difference_text", "differences", "format_differences",
           "format_interval_table", "format_table", "interval_text", "signed_cell",
           "source_decided", "write_results"]

# The lists of figures below are those of the registry (speechbrain_interp.evaluation.registry)
# when the package is imported, for the modules that import them; the functions here read
# the registry when they are called.
#: columns of the faithfulness table, with the direction that is better
COLUMNS = registry.columns(FAITHFULNESS, multilabel=False)
#: columns of the ground-truth table
GT_COLUMNS = registry.columns(GROUND_TRUTH)
#: multi-label columns of the faithfulness table (off-target effect)
MULTILABEL_COLUMNS = registry.columns(FAITHFULNESS, multilabel=True)
_ARROWS = registry.ARROWS
#: figures compared between a method and its comparators (paired differences)
DIFFERENCE_KEYS = registry.compared()
#: comparators of every trained method, when present: its random mask, then baselines
COMPARATORS = ("random ({name})", "saliency", "gradcam", "all-ones")
#: direction that is better, per figure
DIRECTIONS = registry.directions()


def format_table(trackers, title="Faithfulness", columns=None, note="AI, AD, AG in %"):
    """Markdown table of the dataset means.

    Arguments
    ---------
    trackers : dict
        Name -> MetricTracker (or name -> summary dict).
    title : str
        Table caption.
    columns : sequence of (str, str or None), optional
        Metric names and the direction that is better (default: the
        registry's faithfulness columns).
    note : str
        Added to the caption.

    Returns
    -------
    str

    Example
    -------
    >>> import torch
    >>> t = MetricTracker(medians=("FF",))
    >>> t.append({"AI": torch.tensor([100.0]), "FF": torch.tensor([0.5])})
    >>> print(format_table({"x": t}))
    Faithfulness (mean over clips; AI, AD, AG in %)
    <BLANKLINE>
    | method | AI ↑ | FF ↑ |
    |---|---|---|
    | x | 100.00 | 0.500 |
    """
    columns = registry.columns(FAITHFULNESS, multilabel=False) if columns is None else columns
    summaries = {name: (t.summarize() if isinstance(t, MetricTracker) else t)
                 for name, t in trackers.items()}
    present = [(c, d) for c, d in columns if any(c in s for s in summaries.values())]
    header = "| method | " + " | ".join(c + _ARROWS[d] for c, d in present) + " |"
    lines = [f"{title} (mean over clips; {note})", "", header, "|---|" + "---|" * len(present)]
    for name, summary in summaries.items():
        cells = [cell(column, summary.get(column)) for column, _ in present]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def format_interval_table(trackers, title, columns=None, note="AI, AD, AG in %",
                          n_resamples=N_RESAMPLES, seed=0):
    """Markdown table of means with their 95 % bootstrap intervals over items.

    Each row says how many items it covers (``n``: the most any of its
    figures covers); a figure defined on fewer items says so, ``(n=k)``.

    Arguments
    ---------
    trackers : dict
        Name -> :class:`MetricTracker`.
    title : str
        Table caption.
    columns : sequence of (str, str or None), optional
        Metric names and the direction that is better (default: the
        registry's faithfulness columns).
    note : str
        Added to the caption.
    n_resamples, seed : int
        Bootstrap draws and their seed.

    Returns
    -------
    str

    Example
    -------
    >>> import torch
    >>> t = MetricTracker()
    >>> t.append({"AI": torch.tensor([100.0, 100.0]), "FF": torch.tensor([0.5, float("nan")])})
    >>> print(format_interval_table({"x": t}, "Faithfulness"))
    Faithfulness (mean [95% bootstrap interval] over items; n = items covered; AI, AD, AG in %)
    <BLANKLINE>
    | method | n | AI ↑ | FF ↑ |
    |---|---|---|---|
    | x | 2 | 100.00 [100.00, 100.00] | 0.500 [0.500, 0.500] (n=1) |
    """
    columns = registry.columns(FAITHFULNESS, multilabel=False) if columns is None else columns
    stats = {name: t.intervals(n_resamples, seed) for name, t in trackers.items()}
    present = [(c, d) for c, d in columns if any(c in s for s in stats.values())]
    lines = [f"{title} (mean [95% bootstrap interval] over items; n = items covered; {note})", "",
             "| method | n | " + " | ".join(c + _ARROWS[d] for c, d in present) + " |",
             "|---|---|" + "---|" * len(present)]
    for name, row in stats.items():
        n = max([row[c]["n"] for c, _ in present if c in row] or [0])
        cells = [_interval_cell(c, row.get(c), n) for c, _ in present]
        lines.append(f"| {name} | {n} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def interval_text(column, stats):
    """``"mean [low, high]"`` of a bootstrap result in the column's format, ``"-"`` for none.

    Example
    -------
    >>> interval_text("FF", {"mean": 0.5, "low": 0.25, "high": 0.75, "n": 9})
    '0.500 [0.250, 0.750]'
    """
    if stats is None or not stats.get("n", 1) or math.isnan(stats["mean"]):
        return "-"
    return f"{cell(column, stats['mean'])} [{cell(column, stats['low'])}, {cell(column, stats['high'])}]"


def difference_text(column, diff):
    """A paired difference with its sign and verdict, ``"-"`` for none.

    Example
    -------
    >>> difference_text("AD", {"mean": -2.0, "low": -3.0, "high": -1.0, "n": 8, "verdict": "leads"})
    '-2.00 [-3.00, -1.00] leads'
    """
    if diff is None or not diff["n"]:
        return "-"
    return (f"{signed_cell(column, diff['mean'])} [{signed_cell(column, diff['low'])}, "
            f"{signed_cell(column, diff['high'])}] {diff['verdict']}")


def _interval_cell(column, stats, n_row):
    text = interval_text(column, stats)
    return text if text == "-" or stats["n"] == n_row else f"{text} (n={stats['n']})"


def default_comparisons(trained, methods):
    """Trained method -> its comparators among ``methods``: its random mask, saliency,
    Grad-CAM, all-ones (those present).

    Example
    -------
    >>> default_comparisons(["lmac"], ["lmac", "random (lmac)", "gradcam"])
    {'lmac': ['random (lmac)', 'gradcam']}
    """
    return {name: [c.format(name=name) for c in COMPARATORS if c.format(name=name) in methods]
            for name in trained}


def _aligned(a, b, key):
    """Values of ``key`` of two trackers on their common items, in one order."""
    if a.ids == b.ids:
        return a.column(key), b.column(key)
    index = {clip: i for i, clip in enumerate(b.ids)}
    rows = [(i, index[clip]) for i, clip in enumerate(a.ids) if clip in index]
    ca, cb = a.column(key), b.column(key)
    return ca[[i for i, _ in rows]], cb[[j for _, j in rows]]


def differences(trackers, comparisons, keys=None, n_resamples=N_RESAMPLES, seed=0):
    """Paired differences ``method - comparator`` on the same items, with intervals and verdicts.

    Arguments
    ---------
    trackers : dict
        Name -> :class:`MetricTracker` of one condition.
    comparisons : dict
        Method -> list of comparator names (:func:`default_comparisons`).
    keys : sequence of str, optional
        Figures compared (those both trackers have; default: the
        registry's compared figures).
    n_resamples, seed : int
        Bootstrap draws and their seed.

    Returns
    -------
    dict
        ``{method: {comparator: {key: {"mean", "low", "high", "n", "verdict"}}}}``.

    Example
    -------
    >>> import torch
    >>> a, b = MetricTracker(), MetricTracker()
    >>> a.append({"AD": torch.tensor([1.0, 2.0, 3.0])}, ids=["x", "y", "z"])
    >>> b.append({"AD": torch.tensor([1.0, 2.0, 3.0])}, ids=["x", "y", "z"])
    >>> differences({"a": a, "b": b}, {"a": ["b"]})["a"]["b"]["AD"]
    {'mean': 0.0, 'low': 0.0, 'high': 0.0, 'n': 3, 'verdict': 'not shown'}
    """
    keys = registry.compared() if keys is None else keys
    directions = registry.directions()
    out = {}
    for method, comparators in comparisons.items():
        if method not in trackers:
            continue
        for other in comparators:
            if other not in trackers:
                continue
            row = out.setdefault(method, {}).setdefault(other, {})
            for key in keys:
                if key not in trackers[method].values or key not in trackers[other].values:
                    continue
                a, b = _aligned(trackers[method], trackers[other], key)
                diff = paired_difference(a, b, n_resamples, seed=seed)
                diff["verdict"] = verdict(diff, directions.get(key)) if diff["n"] else "-"
                row[key] = diff
    return out


def format_differences(diffs, title):
    """Markdown table of :func:`differences`: one row per (method, comparator).

    Example
    -------
    >>> d = {"lmac": {"gradcam": {"AD": {"mean": -2.0, "low": -3.0, "high": -1.0, "n": 8,
    ...                                   "verdict": "leads"}}}}
    >>> print(format_differences(d, "Paired differences"))
    Paired differences (method - comparator, mean [95% bootstrap interval] over the same items; a lead whose interval includes 0 is not shown)
    <BLANKLINE>
    | method | comparator | AD ↓ |
    |---|---|---|
    | lmac | gradcam | -2.00 [-3.00, -1.00] leads |
    """
    keys = [k for k in registry.compared()
            if any(k in row for by in diffs.values() for row in by.values())]
    directions = registry.directions()
    lines = [f"{title} (method - comparator, mean [95% bootstrap interval] over the same "
             "items; a lead whose interval includes 0 is not shown)", "",
             "| method | comparator | " + " | ".join(k + _ARROWS[directions.get(k)] for k in keys)
             + " |", "|---|---|" + "---|" * len(keys)]
    for method, by in diffs.items():
        for other, row in by.items():
            cells = [difference_text(k, row.get(k)) for k in keys]
            lines.append(f"| {method} | {other} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def signed_cell(column, value):
    """:func:`cell` with its sign."""
    text = cell(column, value)
    return text if text.startswith("-") else "+" + text


def source_decided(result):
    """The condition's trackers restricted to the items decided as the source's class,
    or None when that subset says nothing new.

    Only for conditions whose contaminant has no class (noise, speech): there
    the explained part is always the source, even when the classifier decided
    something else. Single-label rows only (one row per item).
    """
    summaries = result.summaries()
    if not any("AUC" in s for s in summaries.values()):
        return None
    if "decided_contaminant" in result.classifier.values or "accuracy" not in result.classifier.values:
        return None
    keep = result.classifier.column("accuracy") == 1.0
    subset = {}
    for name, tracker in result.trackers.items():
        if tracker.ids != result.classifier.ids:
            return None  # several rows per item (multi-label)
        subset[name] = tracker.subset(keep)
    return subset


def _rows(results):
    """Flat rows (condition, method, accuracy, every metric mean)."""
    rows = []
    for cond, result in results.items():
        for method, summary in result.summaries().items():
            rows.append({"condition": cond, "method": method, "accuracy": result.accuracy,
                         **summary})
    return rows


#: metrics of the per-class tables of a multi-label evaluation
PER_CLASS_KEYS = registry.per_class()


def _per_class_sections(result, cond, class_names):
    """Per-class tables (multi-label rows ``<clip>:<class>``), one per method."""
    if not class_names:
        return []
    sections = []
    for method, tracker in result.trackers.items():
        rows = tracker.to_rows()
        if not rows or ":" not in str(rows[0].get("id", "")):
            continue
        keys = [k for k in registry.per_class() if k in rows[0]]
        names = [class_names[i] for i in sorted(class_names)]
        summary = per_class_summary(rows, keys, names)
        result.per_class[method] = summary
        sections += [per_class_table(summary, keys, f"{method}, {cond}: per class "
                                     "(means over pairs; FF also as median)",
                                     medians=registry.medians()), ""]
    return sections


def write_results(results, folder, title="Evaluation", class_names=None, comparisons=None,
                  n_resamples=N_RESAMPLES, seed=0):
    """Writes every table and per-clip file of an :func:`evaluate` run.

    ``<folder>/results.{md,csv,json}`` (faithfulness and ground-truth tables
    with 95 % bootstrap intervals and items covered, paired differences,
    classifier accuracy per condition; for multi-label rows with
    ``class_names`` (index -> name), the per-class tables) and
    ``<folder>/<condition>/per_clip_<method>.csv``.

    Arguments
    ---------
    results : dict
        Condition -> ``ConditionResult``.
    folder : str
        Where to write.
    title : str
        Heading of the report.
    class_names : dict, optional
        Class index -> name (per-class tables of multi-label rows).
    comparisons : dict, optional
        Method -> comparators for the paired differences
        (:func:`default_comparisons`); none when omitted.
    n_resamples, seed : int
        Bootstrap draws and their seed.

    Returns
    -------
    str
        The markdown report.
    """
    os.makedirs(folder, exist_ok=True)
    sections = [f"# {title}", ""]
    extra = {}
    boot = {"n_resamples": n_resamples, "seed": seed}
    for cond, result in results.items():
        acc = result.accuracy
        n = len(result.classifier)
        sections.append(f"## {cond} ({n} items, classifier accuracy {acc:.1f}%)")
        sections.append("")
        sections.append(format_interval_table(result.trackers, f"Faithfulness, {cond}",
                                              registry.columns(FAITHFULNESS), **boot))
        extra[cond] = {"intervals": {m: t.intervals(**boot) for m, t in result.trackers.items()}}
        gt_note = ("mask vs oracle IBM of the explained source; SI-SDR in dB; precision 0 "
                   "where the mask keeps no bin (a failure); GT = share of items with ground truth")
        if any("AUC" in s for s in result.summaries().values()):
            sections.append("")
            sections.append(format_interval_table(result.trackers, f"Ground truth, {cond}",
                                                  registry.columns(GROUND_TRUTH), gt_note, **boot))
        decided = source_decided(result)
        if decided is not None:
            k = len(next(iter(decided.values())))
            sections += ["", format_interval_table(
                decided, f"Ground truth, {cond}, the {k} of {n} items decided as the source's "
                "class", registry.columns(GROUND_TRUTH), gt_note, **boot)]
            extra[cond]["source_decided"] = {
                "items": k, "intervals": {m: t.intervals(**boot) for m, t in decided.items()}}
        if comparisons:
            diffs = differences(result.trackers, comparisons, **boot)
            extra[cond]["differences"] = diffs
            if diffs:
                sections += ["", format_differences(diffs, f"Paired differences, {cond}")]
        sections.append("")
        sections.extend(_per_class_sections(result, cond, class_names))
        cond_folder = os.path.join(folder, cond)
        os.makedirs(cond_folder, exist_ok=True)
        for method, tracker in result.trackers.items():
            safe = "".join(c if c.isalnum() else "_" for c in method)
            _write_csv(os.path.join(cond_folder, f"per_clip_{safe}.csv"), tracker.to_rows())
        _write_csv(os.path.join(cond_folder, "classifier.csv"), result.classifier.to_rows())
    report = "\n".join(sections)
    with open(os.path.join(folder, "results.md"), "w") as f:
        f.write(report + "\n")
    rows = _rows(results)
    _write_csv(os.path.join(folder, "results.csv"), rows)
    with open(os.path.join(folder, "results.json"), "w") as f:
        json.dump({cond: {"accuracy": r.accuracy, "items": len(r.classifier),
                          "methods": r.summaries(), "per_class": r.per_class, **extra[cond]}
                   for cond, r in results.items()},
                  f, indent=2, allow_nan=True)
    return report


def _write_csv(path, rows):
    if not rows:
        return
    names = []
    for row in rows:
        names.extend(k for k in row if k not in names)
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=names)
        writer.writeheader()
        writer.writerows(rows)
