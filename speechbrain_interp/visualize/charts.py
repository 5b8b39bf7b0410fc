"""Report charts: figures per method and condition, and similarity curves.

* :func:`plot_metric_bars`: grouped bars, one subplot per metric, groups =
  conditions, one colour per method;
* :func:`plot_similarity_curves`: similarity per randomisation step (the
  model-randomisation sanity check).

Authors
 * speechbrain-interp developers 2026
"""

import math

from speechbrain_interp.visualize.canvas import pyplot

__all__ = ["plot_metric_bars", "plot_similarity_curves"]

_ARROWS = {"up": " ↑", "down": " ↓", None: ""}


def _number(value, where):
    """``float`` of a number, 1-element tensor or ``None`` (-> NaN)."""
    if value is None:
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{where}: expected a number, got {value!r}") from error


def plot_metric_bars(table, metrics, path, title="", directions=None):
    """Grouped bar charts of metrics per condition and method.

    One subplot per metric; on each, one group of bars per condition and one
    bar colour per method (the same colour in every subplot). Missing and
    non-finite (NaN, inf) values draw no bar.

    Arguments
    ---------
    table : dict
        Condition -> method -> {metric name: value}; values are numbers,
        1-element tensors or ``None``. Conditions and methods keep their
        first-seen order.
    metrics : list of str
        Metrics to plot, one subplot each, in this order.
    path : str
        Output PNG.
    title : str
        Figure title.
    directions : dict, optional
        Metric -> ``"up"`` (higher is better), ``"down"`` or ``None``; shown
        as an arrow in the subplot title (``dict(evaluation.COLUMNS)`` fits).

    Returns
    -------
    str
        ``path``.

    Example
    -------
    >>> table = {"clean": {"L-MAC": {"AI": 40.0, "AD": 10.0}, "saliency": {"AI": 55.0}},
    ...          "noisy": {"L-MAC": {"AI": float("nan"), "AD": 20.0}}}
    >>> out = str(getfixture("tmpdir") / "bars.png")
    >>> plot_metric_bars(table, ["AI", "AD"], out,
    ...                  directions={"AI": "up", "AD": "down"}) == out
    True
    """
    from matplotlib.patches import Patch

    metrics = [metrics] if isinstance(metrics, str) else list(metrics)
    if not metrics:
        raise ValueError("plot_metric_bars needs at least one metric")
    directions = dict(directions or {})
    for metric, direction in directions.items():
        if direction not in _ARROWS:
            raise ValueError(f"direction of {metric!r} must be 'up', 'down' or None, "
                             f"got {direction!r}")
    conditions = [str(c) for c in table]
    methods = []
    for rows in table.values():
        methods += [str(m) for m in rows if str(m) not in methods]
    plt = pyplot()
    colours = plt.get_cmap("tab10" if len(methods) <= 10 else "tab20").colors
    width = 0.8 / max(len(methods), 1)
    ncols = min(len(metrics), 4)
    nrows = math.ceil(len(metrics) / ncols)
    panel_width = max(3.2, 1.0 + 0.3 * len(conditions) * max(len(methods), 1))
    fig, axes = plt.subplots(nrows, ncols, figsize=(panel_width * ncols, 3.4 * nrows + 0.6),
                             squeeze=False, layout="constrained")
    axes = axes.ravel()
    for ax, metric in zip(axes, metrics):
        drawn = 0
        for j, method in enumerate(methods):
            xs, heights = [], []
            for i, (condition, rows) in enumerate(table.items()):
                row = {str(k): v for k, v in rows.items()}.get(method) or {}
                value = _number(row.get(metric), f"table[{condition!r}][{method!r}][{metric!r}]")
                if math.isfinite(value):
                    xs.append(i + (j - (len(methods) - 1) / 2) * width)
                    heights.append(value)
            if xs:
                bars = ax.bar(xs, heights, width, color=colours[j % len(colours)])
                if len(conditions) * len(methods) <= 24:
                    ax.bar_label(bars, fmt="%.3g", fontsize=6, padding=1)
                drawn += len(xs)
        if drawn:
            ax.axhline(0, color="black", linewidth=0.6)
        else:
            ax.text(0.5, 0.5, "no values", ha="center", va="center", transform=ax.transAxes,
                    color="grey")
            ax.set_yticks([])
        ax.set_xticks(range(len(conditions)), conditions,
                      rotation=30 if sum(map(len, conditions)) > 30 else 0, fontsize=8)
        ax.set_xlim(-0.6, len(conditions) - 0.4)
        ax.set_title(metric + _ARROWS[directions.get(metric)], fontsize=10)
        ax.margins(y=0.12)
    for ax in axes[len(metrics):]:
        ax.set_visible(False)
    handles = [Patch(color=colours[j % len(colours)], label=m) for j, m in enumerate(methods)]
    if handles:
        fig.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 6),
                   fontsize=8, frameon=False)
    if title:
        fig.suptitle(title, fontsize=11)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def plot_similarity_curves(curves, path, xlabels, ylabel="SSIM", title=""):
    """Similarity to the original explanation per randomisation step.

    The model-randomisation sanity check (Adebayo et al., 2018) re-runs each
    method while the classifier's layers are randomised one after another;
    an explanation that stays similar (flat curve near 1) does not depend on
    the model.

    Arguments
    ---------
    curves : dict
        Method -> list of floats, one per step (NaN leaves a gap).
    path : str
        Output PNG.
    xlabels : list of str
        Step names (e.g. randomised layers), as many as each curve's values.
    ylabel : str
        Y axis label (the similarity measure).
    title : str
        Figure title.

    Returns
    -------
    str
        ``path``.

    Example
    -------
    >>> out = str(getfixture("tmpdir") / "curves.png")
    >>> curves = {"L-MAC": [1.0, 0.6, 0.2], "saliency": [1.0, 0.9, float("nan")]}
    >>> plot_similarity_curves(curves, out, ["none", "head", "all"]) == out
    True
    """
    xlabels = [str(x) for x in xlabels]
    values = {}
    for method, curve in curves.items():
        curve = [_number(v, f"curves[{method!r}]") for v in curve]
        if len(curve) != len(xlabels):
            raise ValueError(f"curve of {method!r} has {len(curve)} values, "
                             f"xlabels {len(xlabels)}")
        values[str(method)] = curve
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(max(5.0, 0.9 * len(xlabels) + 2), 3.8),
                           layout="constrained")
    for method, curve in values.items():
        ax.plot(range(len(xlabels)), curve, marker="o", label=method)
    ax.set_xticks(range(len(xlabels)), xlabels,
                  rotation=30 if max(map(len, xlabels), default=0) > 8 else 0,
                  ha="right" if max(map(len, xlabels), default=0) > 8 else "center",
                  fontsize=8)
    ax.set_xlabel("randomisation step")
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    if values:
        ax.legend(fontsize=8)
    if title:
        ax.set_title(title, fontsize=10)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
