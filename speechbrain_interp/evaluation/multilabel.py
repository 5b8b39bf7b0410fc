"""Ground truth and tables for multi-label interpretations (one row per (clip, class)).

A multi-label classifier is explained one class at a time: each row of an
:class:`~speechbrain_interp.interpreters.Interpretation` is a pair (clip
``b``, class ``c``). Where the clip's sources are known (synthetic SONYC-UST
data: every event's clean source saved), the row has its own ground truth:

- **explained part**: the source of class ``c`` as it sounds in the mix;
  **the rest**: everything else (the other classes, the background, added
  noise). The localisation metrics of
  :func:`~speechbrain_interp.evaluation.localization.localization_metrics`
  (AUC, IoU, precision, recall against the oracle mask of ``c``, SI-SDR of
  the listenable wave against ``c``'s source) follow. Rows whose class is not
  in the clip (a false positive of the classifier) have none (NaN, ``GT`` 0).
- ``KeepOwn``: fraction of the energy of ``c``'s source that the mask lets
  through, ``sum (M |S_c|)^2 / sum |S_c|^2``; ``KeepOther``: the same for the
  summed sources of the OTHER classes present in the clip (NaN when there is
  none). A mask that explains ``c`` and not the rest has ``KeepOwn`` high and
  ``KeepOther`` low.
- ``PairIoU`` (clips with exactly two explained present classes): IoU of the
  two rows' binarised masks (``M >= 0.5``) on the scored bins, beside
  ``PairOracleIoU``, the IoU of the two classes' presence masks, the bins
  where each source is louder than the clip's background (how much the two
  sources really share the time-frequency plane; their oracle masks, each
  source against everything else, are disjoint by construction).

Tables: micro (mean over all rows), macro (mean of the per-class means) and
per-class means and medians (L2I reports class-wise medians of its
faithfulness), from the ``"<clip>:<class>"`` row ids.

Authors
 * speechbrain-interp developers 2026
"""

import math

import torch

from speechbrain_interp.evaluation.localization import (
    binary_scores, localization_metrics, oracle_masks, scored_bins,
)  # fmt: skip

__all__ = ["class_ground_truth", "per_class_table", "per_class_summary"]


def _energy_kept(mask, magnitude):
    """``sum (M |S|)^2 / sum |S|^2`` per row (NaN for a silent part)."""
    total = magnitude.pow(2).flatten(1).sum(1).double()
    kept = (mask * magnitude).pow(2).flatten(1).sum(1).double()
    return torch.where(total > 0, kept / total.clamp_min(1e-30), torch.full_like(total, math.nan))


def class_ground_truth(interpretation, mixture, class_sources, truth, spectrogram):
    """Localisation metrics of every row against its class's known source.

    Arguments
    ---------
    interpretation : Interpretation
        ``P`` rows (``clips``, ``label``, ``mask``, ``wave`` when synthesised).
    mixture : torch.Tensor
        ``[B, N]`` what the classifier heard.
    class_sources : torch.Tensor
        ``[B, C, N]`` each class's source as it sounds in ``mixture``.
    truth : torch.Tensor
        ``[B, C]`` multi-hot true classes.
    spectrogram : callable
        ``wave [K, N] -> (magnitude [K, T, F], phase)`` (the front end's).

    Returns
    -------
    dict of str to torch.Tensor
        ``AUC, IoU, precision, recall, GT`` (``SI_SDR`` with a wave),
        ``KeepOwn, KeepOther, PairIoU, PairOracleIoU``: ``[P]`` float64.

    Example
    -------
    >>> from speechbrain_interp.interpreters.interpretation import Interpretation
    >>> spec = lambda w: (w.reshape(w.shape[0], 2, 2).abs(), None)
    >>> sources = torch.tensor([[[4.0, 0.0, 0.0, 0.0], [0.0, 0.0, 3.0, 0.0]]])
    >>> mixture = sources.sum(1) + torch.tensor([[0.0, 0.1, 0.0, 0.1]])
    >>> masks = spec(sources[0])[0]                      # each row keeps exactly its class
    >>> rows = Interpretation(masks.bool().float(), torch.tensor([0, 1]), masks, masks,
    ...                       torch.zeros(2, 2), clip=torch.tensor([0, 0]))
    >>> out = class_ground_truth(rows, mixture, sources, torch.ones(1, 2), spec)
    >>> [out[k].tolist() for k in ("AUC", "KeepOwn", "KeepOther", "PairIoU", "PairOracleIoU")]
    [[1.0, 1.0], [1.0, 1.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0]]
    """
    clip = interpretation.clips.to(mixture.device)
    label = interpretation.label.long().to(mixture.device)
    explained = class_sources[clip, label]
    present = truth.to(mixture.device).bool()
    others = (class_sources * present[:, :, None]).sum(1)[clip] - explained
    defined = present[clip, label] & (explained.abs().amax(-1) > 0)
    mix_mag = spectrogram(mixture)[0][clip]
    own_mag = spectrogram(explained)[0]
    rest_mag = spectrogram(mixture[clip] - explained)[0]
    mask = interpretation.mask.detach().to(mix_mag.device)
    out = localization_metrics(mask, own_mag, rest_mag, mix_mag, wave=interpretation.wave,
                               source_wave=explained if interpretation.wave is not None else None,
                               defined=defined)
    nan = torch.full((clip.shape[0],), math.nan, dtype=torch.float64)
    out["KeepOwn"] = torch.where(defined.cpu(), _energy_kept(mask, own_mag).cpu(), nan)
    out["KeepOther"] = torch.where(defined.cpu(),
                                   _energy_kept(mask, spectrogram(others)[0]).cpu(), nan)
    out["PairIoU"], out["PairOracleIoU"] = nan.clone(), nan.clone()
    valid = scored_bins(mix_mag)
    background = mixture[clip] - explained - others
    presence = oracle_masks(own_mag, spectrogram(background)[0])[0]
    for b in clip.unique().tolist():
        rows = ((clip == b) & defined).nonzero().flatten().tolist()
        if len(rows) != 2:
            continue
        first, second = rows
        both = valid[first:first + 1]
        keep = (mask[second:second + 1] >= 0.5).float()
        mask_iou = binary_scores(mask[first:first + 1], keep.bool(), both)["IoU"]
        oracle = binary_scores(presence[first:first + 1].float(), presence[second:second + 1],
                               both)["IoU"]
        for row in rows:
            out["PairIoU"][row], out["PairOracleIoU"][row] = float(mask_iou), float(oracle)
    return out


def per_class_summary(rows, keys, class_names):
    """Per-class means and medians, macro and micro means of per-row metrics.

    Arguments
    ---------
    rows : list of dict
        Per-row metrics with an ``id`` ``"<clip>:<class>"`` (as
        :meth:`MetricTracker.to_rows` gives them).
    keys : list of str
        Metrics to summarise (NaN values are left out).
    class_names : list of str
        Classes in table order.

    Returns
    -------
    dict
        ``per_class``: class -> ``{"n": rows, key: mean, key + "_median": median}``;
        ``macro``: key -> mean of the per-class means (classes with rows);
        ``micro``: key -> mean over all rows.

    Example
    -------
    >>> rows = [{"id": "a:dog", "FF": 0.2}, {"id": "b:dog", "FF": 0.4},
    ...         {"id": "b:horn", "FF": 0.9}]
    >>> out = per_class_summary(rows, ["FF"], ["dog", "horn", "music"])
    >>> out["per_class"]["dog"], round(out["macro"]["FF"], 4), round(out["micro"]["FF"], 4)
    ({'n': 2, 'FF': 0.30000000000000004, 'FF_median': 0.30000000000000004}, 0.6, 0.5)
    """
    def finite(values):
        return [v for v in values if v is not None and not math.isnan(v)]

    def median(values):
        ordered = sorted(values)
        n = len(ordered)
        return ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2

    by_class = {name: [] for name in class_names}
    for row in rows:
        name = str(row["id"]).rsplit(":", 1)[-1]
        if name in by_class:
            by_class[name].append(row)
    per_class, macro, micro = {}, {}, {}
    for name, members in by_class.items():
        stats = {"n": len(members)}
        for key in keys:
            values = finite([float(r[key]) for r in members if key in r])
            stats[key] = sum(values) / len(values) if values else math.nan
            stats[key + "_median"] = median(values) if values else math.nan
        per_class[name] = stats
    for key in keys:
        means = finite([per_class[n][key] for n in class_names if per_class[n]["n"]])
        macro[key] = sum(means) / len(means) if means else math.nan
        values = finite([float(r[key]) for r in rows if key in r])
        micro[key] = sum(values) / len(values) if values else math.nan
    return {"per_class": per_class, "macro": macro, "micro": micro}


def per_class_table(summary, keys, title, medians=("FF",)):
    """Markdown table of :func:`per_class_summary`: a row per class, then macro and micro.

    Example
    -------
    >>> s = per_class_summary([{"id": "a:dog", "FF": 0.5}], ["FF"], ["dog"])
    >>> print(per_class_table(s, ["FF"], "L-MAC"))
    ### L-MAC
    <BLANKLINE>
    | class | pairs | FF | FF median |
    |---|---:|---:|---:|
    | dog | 1 | 0.500 | 0.500 |
    | macro |  | 0.500 |  |
    | micro (all pairs) | 1 | 0.500 |  |
    """
    shown = [k for k in medians if k in keys]
    header = ["class", "pairs"] + list(keys) + [f"{k} median" for k in shown]
    lines = [f"### {title}", "", "| " + " | ".join(header) + " |",
             "|---|" + "---:|" * (len(header) - 1)]

    def cell(value):
        return "" if value is None or math.isnan(value) else f"{value:.3f}"

    total = 0
    for name, stats in summary["per_class"].items():
        total += stats["n"]
        values = [cell(stats[k]) for k in keys] + [cell(stats[k + "_median"]) for k in shown]
        lines.append(f"| {name} | {stats['n']} | " + " | ".join(values) + " |")
    lines.append("| macro |  | " + " | ".join(cell(summary["macro"][k]) for k in keys)
                 + " |" + " |" * len(shown))
    lines.append(f"| micro (all pairs) | {total} | "
                 + " | ".join(cell(summary["micro"][k]) for k in keys) + " |" + " |" * len(shown))
    return "\n".join(lines)
