"""The evaluation's tables: faithfulness and ground truth per condition and method.

:func:`write_results` writes what :func:`~speechbrain_interp.evaluation.suite.evaluate`
gathered (``results.{md,csv,json}``, per-clip CSVs, per-class tables of a
multi-label evaluation); :func:`format_table` is one markdown table of method
summaries, with the direction that is better in each column's header.

Authors
 * speechbrain-interp developers 2026
"""

import csv
import json
import math
import os

from speechbrain_interp.evaluation.multilabel import per_class_summary, per_class_table
from speechbrain_interp.evaluation.tracking import MetricTracker

__all__ = ["COLUMNS", "GT_COLUMNS", "MULTILABEL_COLUMNS", "cell", "format_table", "write_results"]

#: columns of the faithfulness table, with the direction that is better
COLUMNS = (("AI", "up"), ("AD", "down"), ("AG", "up"), ("FF", "up"), ("FidIn", "up"),
           ("SPS", "up"), ("COMP", "down"), ("MM", None))
#: columns of the ground-truth table
GT_COLUMNS = (("AUC", "up"), ("IoU", "up"), ("precision", "up"), ("recall", "up"),
              ("SI_SDR", "up"), ("SI_SDRi", "up"), ("Contam", "down"), ("KeepOwn", "up"),
              ("KeepOther", "down"), ("PairIoU", None),
              ("PairOracleIoU", None), ("GT", None))
#: multi-label columns of the faithfulness table (off-target effect)
MULTILABEL_COLUMNS = (("OffDrop", "up"), ("OffKeep", "down"))
_ARROWS = {"up": " ↑", "down": " ↓", None: ""}


def cell(column, value):
    """A table cell: 2 decimals for percentages and dB, 3 otherwise, "-" for none."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if column in ("AI", "AD", "AG", "COMP", "SI_SDR", "SI_SDRi", "Contam", "accuracy"):
        return f"{value:.2f}"
    return f"{value:.3f}"


def format_table(trackers, title="Faithfulness", columns=COLUMNS, note="AI, AD, AG in %"):
    """Markdown table of the dataset means.

    Arguments
    ---------
    trackers : dict
        Name -> MetricTracker (or name -> summary dict).
    title : str
        Table caption.
    columns : sequence of (str, str or None)
        Metric names and the direction that is better.
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
    summaries = {name: (t.summarize() if isinstance(t, MetricTracker) else t)
                 for name, t in trackers.items()}
    present = [(c, d) for c, d in columns if any(c in s for s in summaries.values())]
    header = "| method | " + " | ".join(c + _ARROWS[d] for c, d in present) + " |"
    lines = [f"{title} (mean over clips; {note})", "", header, "|---|" + "---|" * len(present)]
    for name, summary in summaries.items():
        cells = [cell(column, summary.get(column)) for column, _ in present]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _rows(results):
    """Flat rows (condition, method, accuracy, every metric mean)."""
    rows = []
    for cond, result in results.items():
        for method, summary in result.summaries().items():
            rows.append({"condition": cond, "method": method, "accuracy": result.accuracy,
                         **summary})
    return rows


#: metrics of the per-class tables of a multi-label evaluation
PER_CLASS_KEYS = ("AI", "AD", "FF", "FidIn", "OffKeep", "AUC", "IoU", "SI_SDR", "KeepOwn",
                  "KeepOther")


def _per_class_sections(result, cond, class_names):
    """Per-class tables (multi-label rows ``<clip>:<class>``), one per method."""
    if not class_names:
        return []
    sections = []
    for method, tracker in result.trackers.items():
        rows = tracker.to_rows()
        if not rows or ":" not in str(rows[0].get("id", "")):
            continue
        keys = [k for k in PER_CLASS_KEYS if k in rows[0]]
        names = [class_names[i] for i in sorted(class_names)]
        summary = per_class_summary(rows, keys, names)
        result.per_class[method] = summary
        sections += [per_class_table(summary, keys, f"{method}, {cond}: per class "
                                     "(means over pairs; FF also as median)"), ""]
    return sections


def write_results(results, folder, title="Evaluation", class_names=None):
    """Writes every table and per-clip file of an :func:`evaluate` run.

    ``<folder>/results.{md,csv,json}`` (faithfulness and ground-truth tables,
    classifier accuracy per condition; for multi-label rows with
    ``class_names`` (index -> name), the per-class tables) and
    ``<folder>/<condition>/per_clip_<method>.csv``.

    Returns
    -------
    str
        The markdown report.
    """
    os.makedirs(folder, exist_ok=True)
    sections = [f"# {title}", ""]
    for cond, result in results.items():
        acc = result.accuracy
        n = len(result.classifier)
        sections.append(f"## {cond} ({n} items, classifier accuracy {acc:.1f}%)")
        sections.append("")
        sections.append(format_table(result.trackers, title=f"Faithfulness, {cond}",
                                     columns=COLUMNS + MULTILABEL_COLUMNS))
        if any("AUC" in s for s in result.summaries().values()):
            sections.append("")
            sections.append(format_table(
                result.trackers, title=f"Ground truth, {cond}", columns=GT_COLUMNS,
                note="mask vs oracle IBM of the explained source; SI-SDR in dB; GT = share of "
                     "items with ground truth",
            ))
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
                          "methods": r.summaries(), "per_class": r.per_class}
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
