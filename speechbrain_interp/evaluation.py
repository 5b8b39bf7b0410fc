"""Evaluation of any set of interpreters on a dataset, method-agnostic.

Every method is called through ``interpret(wave)`` and scored by
:func:`speechbrain_interp.metrics.interpretation_metrics`; nothing here
branches on the method. Gradients are enabled only for methods that need
them (``needs_input_grad``).

Authors
 * speechbrain-interp developers 2026
"""

import contextlib

import torch

import speechbrain as sb

from speechbrain_interp.metrics import MetricTracker, interpretation_metrics

__all__ = ["evaluate_interpreters", "format_table"]

#: columns of the comparison table, with the direction that is better
COLUMNS = (("AI", "up"), ("AD", "down"), ("AG", "up"), ("FF", "up"), ("FidIn", "up"),
           ("SPS", "up"), ("COMP", "down"), ("MM", None))


def evaluate_interpreters(methods, dataset, batch_size=16, max_batch=None, device="cpu"):
    """Per-clip metrics of every method on every clip of ``dataset``.

    Arguments
    ---------
    methods : dict
        Name -> :class:`~speechbrain_interp.interpreters.Interpreter`, all
        explaining the same classifier.
    dataset : speechbrain.dataio.dataset.DynamicItemDataset
        Provides ``id`` and ``sig``.
    batch_size : int
        Clips per batch.
    max_batch : int, optional
        Most items per classifier call in the metrics.
    device : str
        Where to run.

    Returns
    -------
    dict
        Name -> :class:`~speechbrain_interp.metrics.MetricTracker`.
    """
    loader = sb.dataio.dataloader.make_dataloader(dataset, batch_size=batch_size)
    trackers = {name: MetricTracker(medians=("FF", "L2I_FF")) for name in methods}
    for method in methods.values():
        method.to(device).eval()
    for batch in loader:
        batch = batch.to(device)
        wave = batch.sig.data
        for name, method in methods.items():
            context = torch.enable_grad() if method.needs_input_grad else torch.no_grad()
            with context:
                interpretation = method.interpret(wave, with_wave=False)
            classifier = method.classifier
            metrics = interpretation_metrics(
                classifier, interpretation.magnitude.detach(), interpretation.mask.detach(),
                interpretation.label, max_batch=max_batch,
            )
            with contextlib.suppress(NotImplementedError):
                metrics.update(method.extra_metrics(interpretation))
            trackers[name].append(metrics, ids=batch.id)
    return trackers


def format_table(trackers, title="Faithfulness"):
    """Markdown table of the dataset means (FF also as median).

    Arguments
    ---------
    trackers : dict
        Name -> MetricTracker (or name -> summary dict).
    title : str
        Table caption.

    Returns
    -------
    str

    Example
    -------
    >>> t = MetricTracker(medians=("FF", "L2I_FF"))
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
    present = [(c, d) for c, d in COLUMNS if any(c in s for s in summaries.values())]
    arrows = {"up": " ↑", "down": " ↓", None: ""}
    header = "| method | " + " | ".join(c + arrows[d] for c, d in present) + " |"
    lines = [f"{title} (mean over clips; AI, AD, AG in %)", "", header,
             "|---|" + "---|" * len(present)]
    for name, summary in summaries.items():
        cells = []
        for column, _ in present:
            value = summary.get(column)
            if value is None:
                cells.append("-")
            elif column in ("AI", "AD", "AG", "COMP"):
                cells.append(f"{value:.2f}")
            else:
                cells.append(f"{value:.3f}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
