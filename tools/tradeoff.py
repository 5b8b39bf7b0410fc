#!/usr/bin/env python3
"""Faithfulness against ground-truth localisation, across settings: the trade-off figure.

Each evaluation (``results.json`` of ``recipes/*/interpret/eval.py``) is one
setting (e.g. an L-MAC trained with or without contamination, with one
guidance weight); every method it evaluated is a point, per condition, with
a faithfulness figure (FF, AI or AD) against a localisation figure
(precision, AUC, SI-SDRi, contaminant share). A user picks a setting from
where it sits; the recipe's default is one of the points.

    python tools/tradeoff.py --out results/tradeoff \\
        "--run=today=results/eval_today/results.json" \\
        "--run=mixtures=results/eval_mixtures/results.json" \\
        --conditions mixture speech

Writes ``tradeoff.png`` (one panel per condition and pair of axes),
``tradeoff.md`` and ``tradeoff.json`` (every point) into ``--out``.

Authors
 * speechbrain-interp developers 2026
"""

import argparse
import json
import math
import os

from speechbrain_interp.visualize.canvas import pyplot

FAITHFULNESS = ("FF", "AI", "AD")
LOCALIZATION = ("precision", "AUC", "SI_SDRi", "Contam")


def collect(runs, conditions=None, methods=None):
    """Points ``{setting, method, condition, <metric>...}`` of every run.

    Arguments
    ---------
    runs : dict
        Setting name -> path of a ``results.json``.
    conditions : list of str, optional
        Conditions kept (default: those with ground truth, i.e. with AUC).
    methods : list of str, optional
        Methods kept (default: all).

    Returns
    -------
    list of dict

    Example
    -------
    >>> import tempfile; path = os.path.join(tempfile.mkdtemp(), "results.json")
    >>> _ = open(path, "w").write(json.dumps({"mixture": {"accuracy": 90.0, "methods": {
    ...     "lmac": {"FF": 0.5, "AI": 40.0, "AD": 1.0, "precision": 0.9, "AUC": 0.8,
    ...              "SI_SDRi": 3.0, "Contam": 5.0}}}}))
    >>> collect({"mix": path})[0]["precision"]
    0.9
    """
    points = []
    for setting, path in runs.items():
        with open(path) as f:
            results = json.load(f)
        for cond, result in results.items():
            if conditions and cond not in conditions:
                continue
            for method, stats in result["methods"].items():
                if methods and method not in methods:
                    continue
                if not conditions and stats.get("AUC") is None:
                    continue
                point = {"setting": setting, "method": method, "condition": cond}
                point.update({k: stats.get(k) for k in FAITHFULNESS + LOCALIZATION})
                points.append(point)
    return points


def table(points):
    """Markdown table of the points, one row each."""
    keys = FAITHFULNESS + LOCALIZATION
    lines = ["| condition | setting | method | " + " | ".join(keys) + " |",
             "|---|---|---|" + "---|" * len(keys)]
    for p in points:
        cells = ["-" if p[k] is None or (isinstance(p[k], float) and math.isnan(p[k]))
                 else f"{p[k]:.3f}" for k in keys]
        lines.append(f"| {p['condition']} | {p['setting']} | {p['method']} | "
                     + " | ".join(cells) + " |")
    return "\n".join(lines)


def plot(points, path, y_keys=("FF", "AI"), x_keys=("precision", "AUC", "SI_SDRi", "Contam")):
    """One panel per (condition, y, x); a marker per method, a label per setting."""
    plt = pyplot()

    conditions = sorted({p["condition"] for p in points})
    methods = sorted({p["method"] for p in points})
    markers = dict(zip(methods, "osD^v<>phX*"))
    colors = dict(zip(methods, ("C0", "C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8", "C9")))
    rows = [(c, y) for c in conditions for y in y_keys]
    fig, axes = plt.subplots(len(rows), len(x_keys), figsize=(4.2 * len(x_keys), 3.4 * len(rows)),
                             squeeze=False)
    for r, (cond, y) in enumerate(rows):
        for c, x in enumerate(x_keys):
            ax = axes[r][c]
            for p in points:
                if p["condition"] != cond or p[x] is None or p[y] is None:
                    continue
                ax.scatter(p[x], p[y], marker=markers[p["method"]], s=40, c=colors[p["method"]])
                ax.annotate(p["setting"] if p["method"].startswith("lmac") else p["method"],
                            (p[x], p[y]), fontsize=7, xytext=(3, 3), textcoords="offset points")
            ax.set_xlabel(x + (" (lower is better)" if x == "Contam" else ""))
            ax.set_ylabel(y)
            ax.set_title(cond, fontsize=9)
            ax.grid(alpha=0.3)
    handles = [plt.Line2D([], [], marker=markers[m], color=colors[m], linestyle="", label=m)
               for m in methods]
    fig.legend(handles=handles, loc="upper center", ncol=min(len(methods), 6))
    fig.tight_layout(rect=(0, 0, 1, 0.97))
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--run", action="append", required=True,
                        help="SETTING=path/to/results.json (repeat)")
    parser.add_argument("--conditions", nargs="*", default=None)
    parser.add_argument("--methods", nargs="*", default=None)
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    runs = dict(item.split("=", 1) for item in args.run)
    points = collect(runs, args.conditions, args.methods)
    if not points:
        raise SystemExit("no point: no run has the conditions or methods asked for")
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "tradeoff.json"), "w") as f:
        json.dump(points, f, indent=1)
    text = table(points)
    with open(os.path.join(args.out, "tradeoff.md"), "w") as f:
        f.write(text + "\n")
    plot(points, os.path.join(args.out, "tradeoff.png"))
    print(text)


if __name__ == "__main__":
    main()
