"""Result reports written at test time: tables, JSON and figures.

Authors
 * speechbrain-interp developers 2026
"""

import json
import os

import torch

__all__ = ["confusion_matrix", "plot_confusion_matrix", "write_classification_report"]


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
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

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
        The report: ``accuracy``, ``per_class_accuracy`` (name -> accuracy,
        classes without test items are left out), ``confusion_matrix``,
        ``class_names``, ``n_items`` and ``extra``'s entries.

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
    support = matrix.sum(dim=1)
    per_class = {
        class_names[i]: float(matrix[i, i]) / float(support[i])
        for i in range(n_classes)
        if support[i] > 0
    }
    report = {
        "accuracy": float(matrix.diag().sum()) / max(int(support.sum()), 1),
        "n_items": int(support.sum()),
        "per_class_accuracy": per_class,
        "class_names": list(class_names),
        "confusion_matrix": matrix.tolist(),
    }
    report.update(extra or {})
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "test_report.json"), "w", encoding="utf-8") as f:
        json.dump(report, f, indent=2)
    with open(os.path.join(out_dir, "confusion_matrix.csv"), "w", encoding="utf-8") as f:
        f.write("true\\decided," + ",".join(class_names) + "\n")
        for name, row in zip(class_names, matrix.tolist()):
            f.write(name + "," + ",".join(str(v) for v in row) + "\n")
    plot_confusion_matrix(matrix, class_names, os.path.join(out_dir, "confusion_matrix.png"))
    return report


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
