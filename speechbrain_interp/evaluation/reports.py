"""Result reports written at test time: tables, JSON and figures.

Authors
 * speechbrain-interp developers 2026
"""

import json
import os

import torch

from speechbrain_interp.visualize.canvas import pyplot

__all__ = [
    "confusion_matrix", "cross_validation_summary", "format_cross_validation", "matrix_report",
    "plot_confusion_matrix", "write_classification_report", "write_confusion_matrix",
    "write_table",
]


def confusion_matrix(decisions, targets, n_classes):
    """Counts of (true class, decided class) pairs.

    Arguments
    ---------
    decisions : torch.Tensor
        ``[N]`` decided class indices.
    targets : torch.Tensor
        ``[N]`` true class indices.
    n_classes : int
        Number of classes ``C``.

    Returns
    -------
    torch.Tensor
        ``[C, C]`` int64, rows = true class, columns = decision.

    Example
    -------
    >>> confusion_matrix(torch.tensor([0, 1, 1]), torch.tensor([0, 0, 1]), 2)
    tensor([[1, 1],
            [0, 1]])
    """
    index = targets.long() * n_classes + decisions.long()
    counts = torch.bincount(index, minlength=n_classes * n_classes)
    return counts.reshape(n_classes, n_classes)


def plot_confusion_matrix(matrix, class_names, path, title="Confusion matrix"):
    """Saves a confusion-matrix heat map (rows normalised) as an image.

    Arguments
    ---------
    matrix : torch.Tensor
        ``[C, C]`` counts.
    class_names : list of str
        ``C`` names.
    path : str
        Output image (PNG/PDF by extension).
    title : str
        Figure title.
    """
    plt = pyplot()

    counts = matrix.float()
    rates = counts / counts.sum(dim=1, keepdim=True).clamp_min(1)
    n = len(class_names)
    size = max(4.0, 0.45 * n + 2)
    fig, ax = plt.subplots(figsize=(size, size))
    ax.imshow(rates.numpy(), cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(n), class_names, rotation=90, fontsize=7)
    ax.set_yticks(range(n), class_names, fontsize=7)
    ax.set_xlabel("decided class")
    ax.set_ylabel("true class")
    ax.set_title(title)
    if n <= 30:
        for i in range(n):
            for j in range(n):
                if counts[i, j] > 0:
                    ax.text(j, i, int(counts[i, j]), ha="center", va="center",
                            fontsize=6, color="white" if rates[i, j] > 0.5 else "black")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def matrix_report(matrix, class_names):
    """Accuracy figures of a confusion matrix (rows = true class).

    Arguments
    ---------
    matrix : torch.Tensor
        ``[C, C]`` counts.
    class_names : list of str
        ``C`` names.

    Returns
    -------
    dict
        ``accuracy``, ``n_items``, ``per_class_accuracy`` (name -> accuracy;
        classes without items are left out), ``class_names`` and
        ``confusion_matrix`` (nested lists).

    Example
    -------
    >>> matrix_report(torch.tensor([[1, 1], [0, 2]]), ["a", "b"])["per_class_accuracy"]
    {'a': 0.5, 'b': 1.0}
    """
    support = matrix.sum(dim=1)
    per_class = {
        class_names[i]: float(matrix[i, i]) / float(support[i])
        for i in range(len(class_names))
        if support[i] > 0
    }
    return {
        "accuracy": float(matrix.diag().sum()) / max(int(support.sum()), 1),
        "n_items": int(support.sum()),
        "per_class_accuracy": per_class,
        "class_names": list(class_names),
        "confusion_matrix": matrix.tolist(),
    }


def write_confusion_matrix(matrix, class_names, out_dir, title="Confusion matrix"):
    """Writes ``confusion_matrix.csv`` and ``confusion_matrix.png`` into ``out_dir``."""
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "confusion_matrix.csv"), "w", encoding="utf-8") as f:
        f.write("true\\decided," + ",".join(class_names) + "\n")
        for name, row in zip(class_names, matrix.tolist()):
            f.write(name + "," + ",".join(str(v) for v in row) + "\n")
    plot_confusion_matrix(matrix, class_names, os.path.join(out_dir, "confusion_matrix.png"),
                          title=title)


def write_classification_report(
    decisions, targets, n_classes, class_names=None, out_dir=".", extra=None
):
    """Writes ``test_report.json``, ``confusion_matrix.csv`` and ``.png``.

    Arguments
    ---------
    decisions : torch.Tensor
        ``[N]`` decided classes.
    targets : torch.Tensor
        ``[N]`` true classes.
    n_classes : int
        Number of classes.
    class_names : list of str, optional
        Names in index order (default: the indices).
    out_dir : str
        Folder for the files.
    extra : dict, optional
        More entries for the JSON report.

    Returns
    -------
    dict
        The report: :func:`matrix_report`'s entries and ``extra``'s.

    Example
    -------
    >>> report = write_classification_report(
    ...     torch.tensor([0, 1, 1]), torch.tensor([0, 0, 1]), 2, ["a", "b"],
    ...     out_dir=str(getfixture("tmpdir")))
    >>> report["accuracy"], report["per_class_accuracy"]
    (0.6666666666666666, {'a': 0.5, 'b': 1.0})
    """
    if class_names is None:
        class_names = [str(i) for i in range(n_classes)]
    matrix = confusion_matrix(decisions, targets, n_classes)
    report = matrix_report(matrix, class_names)
    report.update(extra or {})
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "test_report.json"), "w", encoding="utf-8") as f:
        json.dump(report, f, indent=2)
    write_confusion_matrix(matrix, class_names, out_dir)
    return report


def cross_validation_summary(fold_reports, protocol):
    """Per-fold and mean +- std accuracy and the summed confusion matrix.

    Arguments
    ---------
    fold_reports : dict
        Test fold -> that fold's ``test_report.json`` content (same classes).
    protocol : str
        What was run, e.g. "official 10-fold cross-validation" or
        "single split (test fold 10 only): not the official protocol".

    Returns
    -------
    dict
        ``protocol``, ``folds`` (fold -> accuracy, n_items), ``mean``,
        ``std`` (sample standard deviation over folds, ddof 1; 0 for one
        fold), ``pooled`` (:func:`matrix_report` of the summed matrix).

    Example
    -------
    >>> reports = {1: {"class_names": ["a", "b"], "confusion_matrix": [[2, 0], [0, 2]]},
    ...            2: {"class_names": ["a", "b"], "confusion_matrix": [[1, 1], [0, 2]]}}
    >>> summary = cross_validation_summary(reports, "2 folds")
    >>> summary["mean"], round(summary["std"], 4), summary["pooled"]["confusion_matrix"]
    (0.875, 0.1768, [[3, 1], [0, 4]])
    """
    if not fold_reports:
        raise ValueError("no fold has a test report yet")
    names = None
    total, accuracies, folds = None, [], {}
    for fold, report in sorted(fold_reports.items()):
        if names is None:
            names = report["class_names"]
        elif report["class_names"] != names:
            raise ValueError(
                f"fold {fold} has the classes {report['class_names']}, fold "
                f"{min(fold_reports)} has {names}: the folds are not comparable"
            )
        matrix = torch.tensor(report["confusion_matrix"], dtype=torch.long)
        total = matrix if total is None else total + matrix
        figures = matrix_report(matrix, names)
        accuracies.append(figures["accuracy"])
        folds[fold] = {"accuracy": figures["accuracy"], "n_items": figures["n_items"]}
    values = torch.tensor(accuracies, dtype=torch.float64)
    std = float(values.std()) if len(accuracies) > 1 else 0.0
    return {
        "protocol": protocol,
        "folds": folds,
        "mean": float(values.mean()),
        "std": std,
        "pooled": matrix_report(total, names),
    }


def format_cross_validation(summary):
    """The summary as a markdown table (one row per fold, then mean +- std).

    Example
    -------
    >>> print(format_cross_validation({"protocol": "p", "mean": 0.5, "std": 0.1,
    ...     "folds": {3: {"accuracy": 0.5, "n_items": 4}}, "pooled": {"accuracy": 0.5}}))
    Protocol: p
    <BLANKLINE>
    | test fold | clips | accuracy (%) |
    |---|---|---|
    | 3 | 4 | 50.0 |
    | mean +- std over 1 fold(s) | 4 | 50.0 +- 10.0 |
    | pooled (summed confusion matrix) | 4 | 50.0 |
    """
    lines = [f"Protocol: {summary['protocol']}", "",
             "| test fold | clips | accuracy (%) |", "|---|---|---|"]
    n_items = 0
    for fold, stats in summary["folds"].items():
        n_items += stats["n_items"]
        lines.append(f"| {fold} | {stats['n_items']} | {100 * stats['accuracy']:.1f} |")
    lines.append(f"| mean +- std over {len(summary['folds'])} fold(s) | {n_items} | "
                 f"{100 * summary['mean']:.1f} +- {100 * summary['std']:.1f} |")
    lines.append(f"| pooled (summed confusion matrix) | {n_items} | "
                 f"{100 * summary['pooled']['accuracy']:.1f} |")
    return "\n".join(lines)


def write_table(out_dir, stem, table, payload):
    """Prints a markdown table and writes it to ``<out_dir>/<stem>.md``, with
    ``payload`` (the figures behind it) in ``<stem>.json``.

    Example
    -------
    >>> out = str(getfixture("tmpdir"))
    >>> write_table(out, "bench", "| a |\\n|---|", {"a": 1})
    | a |
    |---|
    >>> sorted(os.listdir(out)), json.load(open(os.path.join(out, "bench.json")))
    (['bench.json', 'bench.md'], {'a': 1})
    """
    print(table)
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, f"{stem}.md"), "w", encoding="utf-8") as f:
        f.write(table + "\n")
    with open(os.path.join(out_dir, f"{stem}.json"), "w", encoding="utf-8") as f:
        json.dump(payload, f, indent=2)
