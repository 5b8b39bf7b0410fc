"""The reference report: trained interpreters of several seeds, judged with intervals.

``tools/reference.py`` trains every interpreter with several seeds (runs named
``<method>_s<seed>``) and evaluates them all in one ``eval.py`` run; this
module reads that run's ``results.json`` (means, 95 % bootstrap intervals,
paired differences) and writes ``reference.md`` / ``reference.json``:

- **the table**: per condition and method, each figure pooled over the
  seeds: the mean of the seeds' means, the envelope of their intervals
  (lowest low, highest high) and ``±`` half the spread between the seeds;
- **the verdicts** of the issue's comparisons, seed by seed: a trained method
  *beats* a comparator on a figure when, in every seed, its interval and the
  comparator's do not overlap and it lies on the better side; the paired
  difference (``method - comparator``, its interval over the same items)
  is shown beside it: a lead whose interval includes 0 is *not shown*.

Authors
 * speechbrain-interp developers 2026
"""

import json
import math
import os

from speechbrain_interp.evaluation import registry
from speechbrain_interp.evaluation.tables import (
    cell, difference_text, interval_text, signed_cell,
)  # fmt: skip

__all__ = ["LOCALISATION", "pooled", "write_reference", "beats"]

#: figures of the reference table: the registry's compared figures (as imported; the
#: report reads the registry when it is written)
FAITHFULNESS = registry.compared(ground_truth=False)
LOCALISATION = registry.compared(ground_truth=True)
#: (method prefix, comparator, figures) of the verdicts on the clean condition
CLEAN_CHECKS = (("random ({name})", ("AD", "FF", "PIQ_FF")),
                ("saliency", ("AD", "FF", "PIQ_FF")),
                ("gradcam", ("AI", "AD", "FF")))


def pooled(intervals, names):
    """One figure of several seeds: mean of means, envelope of intervals, half spread.

    Arguments
    ---------
    intervals : dict
        Method name -> ``{"mean", "low", "high", "n"}`` of one figure.
    names : list of str
        The seeds' method names.

    Returns
    -------
    dict or None
        ``mean``, ``low``, ``high``, ``spread`` (max - min of the seeds' means),
        ``n`` (items per seed, the smallest).

    Example
    -------
    >>> stats = {"a_s1": {"mean": 1.0, "low": 0.5, "high": 1.5, "n": 10},
    ...          "a_s2": {"mean": 2.0, "low": 1.0, "high": 3.0, "n": 10}}
    >>> pooled(stats, ["a_s1", "a_s2"])
    {'mean': 1.5, 'low': 0.5, 'high': 3.0, 'spread': 1.0, 'n': 10}
    """
    rows = [intervals[n] for n in names if n in intervals and intervals[n]["n"]]
    if not rows:
        return None
    means = [r["mean"] for r in rows]
    return {"mean": sum(means) / len(means), "low": min(r["low"] for r in rows),
            "high": max(r["high"] for r in rows), "spread": max(means) - min(means),
            "n": min(r["n"] for r in rows)}


def beats(method, other, direction):
    """``True`` when ``method``'s interval lies wholly on the better side of ``other``'s.

    Example
    -------
    >>> beats({"low": 2.0, "high": 3.0}, {"low": 0.0, "high": 1.0}, "up")
    True
    >>> beats({"low": 0.5, "high": 3.0}, {"low": 0.0, "high": 1.0}, "up")
    False
    """
    if method is None or other is None:
        return False
    if direction == "up":
        return method["low"] > other["high"]
    return method["high"] < other["low"]


def _cell(column, stats):
    text = interval_text(column, stats)
    if text != "-" and stats.get("spread") is not None:
        text += f" ±{cell(column, stats['spread'] / 2)}"
    return text


def _groups(intervals, methods, seeds):
    """Row name -> the run names it pools (trained methods, their random masks, baselines)."""
    groups = {}
    for method in methods:
        groups[method] = [f"{method}_s{s}" for s in seeds]
        groups[f"random ({method})"] = [f"random ({method}_s{s})" for s in seeds]
    pooled_names = {n for names in groups.values() for n in names}
    for name in intervals:
        if name not in pooled_names:
            groups[name] = [name]
    return groups


def _verdicts(result, methods, seeds):
    """The clean-condition verdicts: per method, comparator and figure."""
    lines, out = [], {}
    intervals, diffs = result["intervals"], result.get("differences", {})
    for method in methods:
        for template, figures in CLEAN_CHECKS:
            if template == "gradcam" and not method.startswith("lmac"):
                continue
            for figure in figures:
                direction = registry.directions()[figure]
                wins, shown = [], []
                for seed in seeds:
                    name = f"{method}_s{seed}"
                    other = template.format(name=name)
                    a, b = intervals.get(name, {}).get(figure), intervals.get(other, {}).get(figure)
                    wins.append(beats(a, b, direction))
                    d = diffs.get(name, {}).get(other, {}).get(figure)
                    shown.append(difference_text(figure, d))
                comparator = template.format(name=method)
                verdict = "yes" if all(wins) else "no"
                out.setdefault(method, {}).setdefault(comparator, {})[figure] = {
                    "beats": verdict, "per_seed_beats": wins, "paired": shown}
                lines.append(f"| {method} | {comparator} | {figure} | **{verdict}** "
                             f"({sum(wins)}/{len(wins)} seeds) | " + "; ".join(shown) + " |")
    return lines, out


def _localisation(results, methods, seeds):
    """L-MAC's localisation in the mixture and speech conditions against Grad-CAM,
    chance and the mixture itself (all-ones)."""
    lines, out = [], {}
    for cond in ("mixture", "speech"):
        if cond not in results:
            continue
        intervals = results[cond]["intervals"]
        diffs = results[cond].get("differences", {})
        for method in [m for m in methods if m.startswith("lmac")]:
            for seed in seeds:
                name = f"{method}_s{seed}"
                stats = intervals.get(name, {})
                auc, sdr, contam = stats.get("AUC"), stats.get("SI_SDRi"), stats.get("Contam")
                vs_cam = diffs.get(name, {}).get("gradcam", {}).get("AUC")
                vs_ones = diffs.get(name, {}).get("all-ones", {}).get("Contam")
                checks = {
                    "AUC > Grad-CAM": vs_cam is not None and vs_cam["verdict"] == "leads",
                    "AUC > 0.5": auc is not None and auc["low"] > 0.5,
                    "Contam < mixture": vs_ones is not None and vs_ones["verdict"] == "leads",
                    "SI-SDRi > 0": sdr is not None and sdr["low"] > 0,
                }
                out.setdefault(cond, {})[name] = checks
                lines.append(
                    f"| {cond} | {name} | {_cell('AUC', auc)} | "
                    f"{'-' if vs_cam is None else signed_cell('AUC', vs_cam['mean'])} "
                    f"{'' if vs_cam is None else vs_cam['verdict']} | {_cell('SI_SDRi', sdr)} | "
                    f"{_cell('Contam', contam)} | "
                    + ", ".join(f"{k}: {'yes' if v else 'no'}" for k, v in checks.items()) + " |")
    return lines, out


def write_reference(evaluation, out, methods, seeds, classifier_report, seconds=None):
    """Writes ``<out>/reference.md`` and ``reference.json`` from an evaluation folder.

    Arguments
    ---------
    evaluation : str
        ``eval.py``'s output folder (its ``results.json``).
    out : str
        Where to write.
    methods : list of str
        Trained methods (runs ``<method>_s<seed>``).
    seeds : list of int
        Their seeds.
    classifier_report : dict
        The classifier's ``test_report.json`` (``accuracy``, ``n_items``).
    seconds : float, optional
        Wall time of every step together.

    Returns
    -------
    str
        The markdown report.
    """
    with open(os.path.join(evaluation, "results.json")) as f:
        results = json.load(f)
    acc = classifier_report.get("accuracy", math.nan)
    lines = ["# Reference results on real recordings", "",
             f"Classifier test accuracy {100 * acc:.1f} % on {classifier_report.get('n_items')} "
             f"clips; interpreters of seeds {', '.join(map(str, seeds))}; each cell: mean "
             "[95 % bootstrap interval over items] ±half the spread between seeds (trained "
             "methods and their random masks: mean of the seeds' means, envelope of their "
             "intervals); AI, AD in %, SI-SDRi in dB, Contam in % of the interpretation's energy; "
             "FF removes the masked part from |X| (the L-MAC paper's rule), PIQ_FF subtracts the "
             "interpretation in the log1p domain (the PIQ and L2I papers' rule).",
             ""]
    figures = registry.compared()
    header = "| condition | method | n | " + " | ".join(figures) + " |"
    lines += [header, "|---|---|---|" + "---|" * len(figures)]
    table = {}
    for cond, result in results.items():
        intervals = result.get("intervals", {})
        for row, names in _groups(intervals, methods, seeds).items():
            stats = {fig: pooled({n: intervals[n][fig] for n in names
                                  if fig in intervals.get(n, {})}, names) for fig in figures}
            if all(v is None for v in stats.values()):
                continue
            if len(names) == 1:
                stats = {k: v and {**v, "spread": None} for k, v in stats.items()}
            table.setdefault(cond, {})[row] = stats
            n = max((v["n"] for v in stats.values() if v), default=0)
            lines.append(f"| {cond} | {row} | {n} | "
                         + " | ".join(_cell(f, stats[f]) for f in figures) + " |")
    verdict_lines, verdicts = ([], {}) if "clean" not in results else \
        _verdicts(results["clean"], methods, seeds)
    lines += ["", "## Verdicts, clean test clips", "",
              "Beats: in every seed the method's interval lies wholly on the better side of "
              "the comparator's (no overlap). Paired: method - comparator over the same clips "
              "per seed, with its interval.", "",
              "| method | comparator | figure | beats | paired difference per seed |",
              "|---|---|---|---|---|", *verdict_lines]
    loc_lines, localisation = _localisation(results, methods, seeds)
    lines += ["", "## Localisation in mixture and speech", "",
              "| condition | run | AUC | AUC - Grad-CAM (paired) | SI-SDRi | Contam | checks |",
              "|---|---|---|---|---|---|---|", *loc_lines]
    if seconds is not None:
        lines += ["", f"Wall time of every step together: {seconds / 60:.1f} min."]
    report = "\n".join(lines) + "\n"
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "reference.md"), "w") as f:
        f.write(report)
    with open(os.path.join(out, "reference.json"), "w") as f:
        json.dump({"classifier": classifier_report, "table": table, "verdicts": verdicts,
                   "localisation": localisation}, f, indent=1, allow_nan=True)
    return report
