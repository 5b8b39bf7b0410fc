"""Ground-truth localisation: how well a mask finds the explained source.

None of the papers has ground truth; a mixture does. When the classifier
hears ``mixture = source + contaminant`` and both parts are known, the
explained source (the part whose class the classifier decided, see
:func:`explained_parts`) has an oracle mask, and every method's mask and
listenable wave can be compared with it.

Rules (one implementation each):

- **Oracle**: the ideal binary mask ``IBM = |S| > |N|`` (local SNR above
  0 dB), on the STFT magnitudes of the two parts as they sound in the mix;
  the ideal ratio mask ``IRM = |S| / (|S| + |N|)`` is its soft counterpart
  (its wave is the oracle's SI-SDR reference row).
- **Bins scored**: those where the mixture is within ``floor_db`` (40 dB) of
  the clip's loudest bin. Quieter bins have no meaningful owner: the STFT's
  Hamming window leaks every component into every bin at about -43 dB, so
  below that level the oracle is decided by leakage, not by the sources.
- **AUC**: ROC area of the continuous mask against the IBM (Mann-Whitney,
  ties counted half): threshold-free; 0.5 = chance, 1 = every oracle bin
  ranked above every other.
- **IoU, precision, recall**: of the binarised mask ``M >= 0.5`` (a bin the
  interpretation keeps at more than half its level) against the IBM. A mask
  that keeps no scored bin has precision 0: it is counted as a failure, not
  left out of the mean (left out, two masks of twelve once made a precision
  of 1.000).
- **SI-SDR** (dB) of the interpretation wave against the explained source;
  **SI-SDRi** its improvement over the mixture's own SI-SDR (what the mask
  adds to simply playing the input).
- **Contaminant share** (%): what a listener hears of the rest. The
  interpretation wave is ``ISTFT(M X)`` and ``X = S + N``, so it is exactly
  ``ISTFT(M S) + ISTFT(M N)``; the share is
  ``100 ||ISTFT(M N)||^2 / (||ISTFT(M S)||^2 + ||ISTFT(M N)||^2)``
  (:func:`contaminant_share`). The all-ones mask gives the mixture's own
  share; 0 is an interpretation with nothing of the rest.

Authors
 * speechbrain-interp developers 2026
"""

import math

import torch

from speechbrain_interp.audio import si_sdr

__all__ = [
    "binary_scores", "contaminant_share", "explained_parts", "localization_metrics", "mask_auc",
    "oracle_masks", "scored_bins",
]  # fmt: skip

FLOOR_DB = 40.0
THRESHOLD = 0.5


def oracle_masks(source_magnitude, contaminant_magnitude, eps=1e-10):
    """Ideal binary and ratio masks of the source.

    Arguments
    ---------
    source_magnitude, contaminant_magnitude : torch.Tensor
        ``[B, T, F]`` STFT magnitudes of the two parts.
    eps : float
        Guards the ratio in silent bins.

    Returns
    -------
    ibm : torch.Tensor
        ``[B, T, F]`` boolean, ``|S| > |N|``.
    irm : torch.Tensor
        ``[B, T, F]`` in ``[0, 1]``, ``|S| / (|S| + |N|)``.

    Example
    -------
    >>> ibm, irm = oracle_masks(torch.tensor([[[3.0, 1.0]]]), torch.tensor([[[1.0, 1.0]]]))
    >>> ibm.tolist(), irm.tolist()
    ([[[True, False]]], [[[0.75, 0.5]]])
    """
    ibm = source_magnitude > contaminant_magnitude
    irm = source_magnitude / (source_magnitude + contaminant_magnitude).clamp_min(eps)
    return ibm, irm


def scored_bins(mixture_magnitude, floor_db=FLOOR_DB):
    """Bins within ``floor_db`` of each clip's loudest bin (``[B, T, F]`` boolean).

    Example
    -------
    >>> scored_bins(torch.tensor([[[1.0, 1e-3, 1e-1]]])).tolist()
    [[[True, False, True]]]
    """
    peak = mixture_magnitude.flatten(1).amax(1).reshape(-1, 1, 1)
    return mixture_magnitude > peak * 10 ** (-floor_db / 20)


def mask_auc(mask, target, valid=None):
    """ROC AUC per clip of a continuous ``mask`` against a boolean ``target``.

    ``AUC = (R_pos - n_pos (n_pos + 1) / 2) / (n_pos n_neg)`` with ``R_pos``
    the sum of the (average, for ties) ranks of the positive bins; NaN when a
    clip has no positive or no negative bin.

    Arguments
    ---------
    mask : torch.Tensor
        ``[B, ...]`` scores.
    target : torch.Tensor
        ``[B, ...]`` boolean ground truth.
    valid : torch.Tensor, optional
        ``[B, ...]`` boolean, bins to score (default: all).

    Returns
    -------
    torch.Tensor
        ``[B]`` float64.

    Example
    -------
    >>> t = torch.tensor([[True, True, False, False]])
    >>> mask_auc(torch.tensor([[0.9, 0.8, 0.1, 0.2]]), t), mask_auc(torch.ones(1, 4), t)
    (tensor([1.], dtype=torch.float64), tensor([0.5000], dtype=torch.float64))
    >>> float(mask_auc(torch.tensor([[0.9, 0.1, 0.5, 0.2]]), t))
    0.5
    """
    scores = mask.detach().flatten(1).float()
    truth = target.flatten(1).bool()
    if valid is not None:
        keep = valid.flatten(1).bool()
        truth = truth & keep
        # unscored bins go above every scored one: they shift no scored rank
        scores = torch.where(keep, scores, torch.full_like(scores, math.inf))
    else:
        keep = torch.ones_like(truth)
    values, order = scores.sort(dim=1)
    n = values.shape[1]
    position = torch.arange(n, device=values.device).expand_as(values)
    new_group = torch.ones_like(values, dtype=torch.bool)
    new_group[:, 1:] = values[:, 1:] != values[:, :-1]
    first = torch.where(new_group, position, torch.zeros_like(position)).cummax(dim=1).values
    ends_group = torch.ones_like(new_group)
    ends_group[:, :-1] = new_group[:, 1:]
    last = torch.where(ends_group, position, torch.full_like(position, n))
    last = last.flip(1).cummin(dim=1).values.flip(1)
    ranks = (first + last).double() / 2 + 1  # 1-based average rank of each tie group
    positive = truth.gather(1, order)
    n_pos = truth.sum(1).double()
    n_neg = keep.sum(1).double() - n_pos
    r_pos = (ranks * positive).sum(1)
    auc = (r_pos - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg).clamp_min(1)
    return torch.where((n_pos > 0) & (n_neg > 0), auc, torch.full_like(auc, math.nan)).cpu()


def binary_scores(mask, target, valid=None, threshold=THRESHOLD):
    """IoU, precision and recall per clip of ``mask >= threshold`` against ``target``.

    A mask that keeps nothing has precision 0 (a failure, counted in means);
    an empty target gives NaN recall (nothing to find), and both empty NaN IoU.

    Arguments
    ---------
    mask : torch.Tensor
        ``[B, ...]`` in ``[0, 1]``.
    target : torch.Tensor
        ``[B, ...]`` boolean.
    valid : torch.Tensor, optional
        ``[B, ...]`` boolean, bins to score.
    threshold : float
        Binarisation threshold.

    Returns
    -------
    dict of str to torch.Tensor
        ``IoU``, ``precision``, ``recall``: ``[B]`` float64.

    Example
    -------
    >>> out = binary_scores(torch.tensor([[0.9, 0.6, 0.4, 0.7]]), torch.tensor([[True, True, True, False]]))
    >>> {k: round(float(v), 4) for k, v in out.items()}
    {'IoU': 0.5, 'precision': 0.6667, 'recall': 0.6667}
    >>> float(binary_scores(torch.tensor([[0.1, 0.2]]), torch.tensor([[True, False]]))["precision"])
    0.0
    """
    kept = mask >= threshold
    target = target.bool()
    if valid is not None:
        kept, target = kept & valid, target & valid
    kept, target = kept.flatten(1).double(), target.flatten(1).double()
    tp = (kept * target).sum(1)
    union = ((kept + target) > 0).double().sum(1)

    def ratio(num, den):
        return torch.where(den > 0, num / den.clamp_min(1), torch.full_like(num, math.nan))

    n_kept = kept.sum(1)
    precision = torch.where(n_kept > 0, tp / n_kept.clamp_min(1), torch.zeros_like(tp))
    return {"IoU": ratio(tp, union), "precision": precision,
            "recall": ratio(tp, target.sum(1))}


def contaminant_share(explained_part, rest_part, eps=1e-20):
    """Share (%) of an interpretation's energy that belongs to the rest.

    Arguments
    ---------
    explained_part, rest_part : torch.Tensor
        ``[B, N]`` the interpretation's two components, ``ISTFT(M S)`` and
        ``ISTFT(M N)`` (their sum is the interpretation wave).
    eps : float
        Guards silent interpretations (they get NaN).

    Returns
    -------
    torch.Tensor
        ``[B]`` float64, ``100 E_rest / (E_explained + E_rest)``.

    Example
    -------
    >>> contaminant_share(torch.tensor([[3.0, 0.0]]), torch.tensor([[0.0, 1.0]]))
    tensor([10.], dtype=torch.float64)
    """
    e_rest = rest_part.detach().double().pow(2).sum(-1)
    total = explained_part.detach().double().pow(2).sum(-1) + e_rest
    return torch.where(total > eps, 100.0 * e_rest / total.clamp_min(eps),
                       torch.full_like(total, math.nan))


def explained_parts(decision, source, contaminant, label, contaminant_label=None):
    """Which part the classifier's decision is about, per item.

    The source is explained when the decision is its class, or always when
    the contaminant has no class (noise, speech). When the contaminant is a
    clip whose class was decided, the roles swap. When the decision is
    neither class, the item has no ground truth (``defined`` is False).

    Arguments
    ---------
    decision : torch.Tensor
        ``[B]`` classifier decisions on the mixture.
    source, contaminant : torch.Tensor
        ``[B, ...]`` the two parts (waves or magnitudes).
    label : torch.Tensor
        ``[B]`` class of the source.
    contaminant_label : torch.Tensor, optional
        ``[B]`` class of the contaminant, ``None`` when it has none.

    Returns
    -------
    explained, other : torch.Tensor
        ``[B, ...]`` the explained part and the rest.
    defined : torch.Tensor
        ``[B]`` boolean.

    Example
    -------
    >>> s, n = torch.tensor([[1.0], [1.0], [1.0]]), torch.tensor([[2.0], [2.0], [2.0]])
    >>> e, o, ok = explained_parts(torch.tensor([0, 1, 2]), s, n, torch.tensor([0, 0, 0]), torch.tensor([1, 1, 1]))
    >>> e.flatten().tolist(), ok.tolist()
    ([1.0, 2.0, 1.0], [True, True, False])
    """
    decision, label = decision.to(label.device), label
    if contaminant_label is None:
        return source, contaminant, torch.ones_like(label, dtype=torch.bool)
    swap = (decision != label) & (decision == contaminant_label)
    defined = (decision == label) | swap
    view = swap.reshape((-1,) + (1,) * (source.dim() - 1))
    return torch.where(view, contaminant, source), torch.where(view, source, contaminant), defined


def localization_metrics(mask, source_magnitude, contaminant_magnitude, mixture_magnitude,
                         wave=None, source_wave=None, defined=None, floor_db=FLOOR_DB,
                         threshold=THRESHOLD, mixture_wave=None, part_waves=None):
    """Every ground-truth metric of a batch of masks (``[B]`` each).

    Arguments
    ---------
    mask : torch.Tensor
        ``[B, T, F]`` linear-magnitude mask of the method.
    source_magnitude, contaminant_magnitude, mixture_magnitude : torch.Tensor
        ``[B, T, F]`` magnitudes of the explained part, the rest, the mixture.
    wave, source_wave : torch.Tensor, optional
        ``[B, N]`` interpretation wave and explained part, for ``SI_SDR``.
    defined : torch.Tensor, optional
        ``[B]`` boolean; items without ground truth get NaN everywhere.
    floor_db, threshold : float
        See :func:`scored_bins` and :func:`binary_scores`.
    mixture_wave : torch.Tensor, optional
        ``[B, N]`` the input, for ``SI_SDRi``.
    part_waves : tuple of torch.Tensor, optional
        ``(ISTFT(M S), ISTFT(M N))``, ``[B, N]`` each, for ``Contam``
        (:func:`contaminant_share`).

    Returns
    -------
    dict of str to torch.Tensor
        ``AUC, IoU, precision, recall`` (and ``SI_SDR``, ``SI_SDRi``,
        ``Contam``), ``[B]`` float64; ``GT`` is 1 where the item has
        ground truth.

    Example
    -------
    >>> s = torch.tensor([[[4.0, 0.0], [0.0, 4.0]]])
    >>> n = torch.tensor([[[0.0, 1.0], [1.0, 0.0]]])
    >>> out = localization_metrics((s > 0).float(), s, n, s + n)
    >>> {k: float(v) for k, v in out.items()}
    {'AUC': 1.0, 'IoU': 1.0, 'precision': 1.0, 'recall': 1.0, 'GT': 1.0}
    """
    mask = mask.detach()
    ibm, _ = oracle_masks(source_magnitude, contaminant_magnitude)
    valid = scored_bins(mixture_magnitude, floor_db)
    out = {"AUC": mask_auc(mask, ibm, valid)}
    out.update(binary_scores(mask, ibm, valid, threshold))
    if wave is not None and source_wave is not None:
        out["SI_SDR"] = si_sdr(wave.detach(), source_wave).double().reshape(-1)
        if mixture_wave is not None:
            out["SI_SDRi"] = out["SI_SDR"] - si_sdr(mixture_wave, source_wave).double().reshape(-1)
    if part_waves is not None:
        out["Contam"] = contaminant_share(*part_waves)
    if defined is None:
        defined = torch.ones(mask.shape[0], dtype=torch.bool)
    defined = defined.to("cpu")
    out = {k: torch.where(defined, v.cpu(), torch.full_like(v.cpu(), math.nan)) for k, v in out.items()}
    out["GT"] = defined.double()
    return out
