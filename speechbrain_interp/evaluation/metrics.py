"""Batched interpretation metrics (docs/methods.md section 7) for training logs and evaluation.

Notation: ``c`` = explained class (default: the classifier decision on the
input; for multi-label heads each row is one explained (clip, class) pair and
the metrics read the sigmoid probability of that class, docs/datasets.md 3.2); ``f`` = classifier probabilities, computed ONCE from the logits by
:meth:`AudioClassifier.probabilities` (softmax; sigmoid for multi-label heads);
the functions below take probabilities and never apply a softmax again
(upstream's AD did); ``X`` = linear magnitude ``[B, T, F]``; ``M`` = mask
``[B, T, F]`` in [0, 1]. Every metric is a per-clip tensor ``[B]``; the dataset
figure is its mean (:class:`MetricTracker`).

==========  ===================================================================
``AI``      ``100 * 1[f(M*X)_c > f(X)_c]``
``AD``      ``100 * max(0, f(X)_c - f(M*X)_c) / f(X)_c`` (0 if ``f(X)_c = 0``)
``AG``      ``100 * max(0, f(M*X)_c - f(X)_c) / (1 - f(X)_c)`` (0 if ``f(X)_c = 1``)
``FF``      ``f(X)_c - f((1-M)*X)_c`` (probabilities; mean and median)
``FidIn``   ``1[argmax f(M*X) = c]`` (multi-label: ``f(M*X)_c >= t_c``)
``OffDrop`` multi-label: mean over the OTHER classes ``c'`` decided on ``X``
            of ``f(X)_c' - f(M*X)_c'`` (how much a mask for ``c`` removes of
            the rest; NaN when no other class is decided)
``OffKeep`` multi-label: fraction of those other classes still decided on
            ``M*X`` (``f(M*X)_c' >= t_c'``): what the mask for ``c`` keeps
            of the other present classes (0 = only ``c``)
``SPS``     Gini index of the map, as Quantus ``Sparseness``
``COMP``    entropy (nats) of the normalised map, as Quantus ``Complexity``
``MM``      mean of ``M`` over ``T x F``
``PIQ_FF``  ``f(X)_c - f(X_removed)_c``, the interpretation subtracted in the
            classifier's log1p domain (:func:`subtract_compressed`)
==========  ===================================================================

SPS/COMP reproduce quantus 0.6.0 with the defaults upstream used (``abs=True,
normalise=True``, i.e. ``normalise_by_max``). Quantus divides by the max over
the WHOLE attribution batch; here each map is divided by its own max (= Quantus
called on one clip), so values do not depend on the batch. Quantus refuses
all-zero attributions and upstream skipped them: here their SPS and COMP are
NaN, which :class:`MetricTracker` leaves out of the means.

Authors
 * speechbrain-interp developers 2026
"""

import math

import torch
import torch.nn.functional as F

from speechbrain_interp.adapters.adapted import classify_magnitude, phase_for
from speechbrain_interp.evaluation.tracking import MetricTracker
from speechbrain_interp.float32 import as_float32
from speechbrain_interp.precision import autocast

__all__ = [
    "MetricTracker", "average_drop", "average_gain", "average_increase",
    "complexity", "faithfulness", "input_fidelity", "interpretation_metrics",
    "mask_mean", "masked_probabilities", "masking_metrics", "off_target", "sparseness",
    "subtract_compressed", "subtractive_faithfulness", "topk_fidelity",
]  # fmt: skip

SPS_EPS = 1e-7  # quantus.Sparseness: a += 1e-7 (after abs and max-normalisation)
COMP_EPS = 1e-12  # quantus.Complexity: -(p * log(p + 1e-12)).sum()


def _pick(probs, label):
    """``probs[b, label[b]]`` for ``[B, C]`` probabilities and ``[B]`` labels."""
    return probs.gather(-1, label.long().reshape(-1, 1).to(probs.device)).squeeze(-1)


def _safe_ratio(num, den):
    """``num / den`` where ``den > 0``, else 0 (no NaN, no NaN gradient)."""
    ok = den > 0
    return torch.where(ok, num / torch.where(ok, den, torch.ones_like(den)), torch.zeros_like(num))


def average_increase(p_input, p_in, label):
    """AI per clip: ``100 * 1[f(M*X)_c > f(X)_c]``.

    Arguments
    ---------
    p_input : torch.Tensor
        ``[B, C]`` probabilities on the input ``X``.
    p_in : torch.Tensor
        ``[B, C]`` probabilities on the masked-in input ``M*X``.
    label : torch.Tensor
        ``[B]`` explained classes.

    Returns
    -------
    torch.Tensor
        ``[B]``, 0 or 100.

    Example
    -------
    >>> average_increase(torch.tensor([[0.5, 0.3, 0.2]]), torch.tensor([[0.7, 0.2, 0.1]]), torch.tensor([0]))
    tensor([100.])
    """
    return 100.0 * (_pick(p_in, label) > _pick(p_input, label)).to(p_input.dtype)


def average_drop(p_input, p_in, label):
    """AD per clip: ``100 * max(0, f(X)_c - f(M*X)_c) / f(X)_c`` (0 if ``f(X)_c = 0``).

    Arguments and shapes as :func:`average_increase` (probabilities, not logits).

    Example
    -------
    >>> average_drop(torch.tensor([[0.5, 0.3, 0.2]]), torch.tensor([[0.4, 0.3, 0.3]]), torch.tensor([0]))
    tensor([20.0000])
    """
    p, q = _pick(p_input, label), _pick(p_in, label)
    return 100.0 * _safe_ratio(F.relu(p - q), p)


def average_gain(p_input, p_in, label):
    """AG per clip: ``100 * max(0, f(M*X)_c - f(X)_c) / (1 - f(X)_c)`` (0 if ``f(X)_c = 1``).

    Arguments and shapes as :func:`average_increase`.

    Example
    -------
    >>> average_gain(torch.tensor([[0.5, 0.3, 0.2]]), torch.tensor([[0.7, 0.2, 0.1]]), torch.tensor([0]))
    tensor([40.0000])
    """
    p, q = _pick(p_input, label), _pick(p_in, label)
    return 100.0 * _safe_ratio(F.relu(q - p), 1.0 - p)


def faithfulness(p_input, p_out, label):
    """FF per clip: ``f(X)_c - f((1-M)*X)_c`` (probabilities, in ``[-1, 1]``).

    ``p_out`` ``[B, C]``: probabilities on the masked-out input; the rest as
    :func:`average_increase`.

    Example
    -------
    >>> faithfulness(torch.tensor([[0.5, 0.5]]), torch.tensor([[0.125, 0.875]]), torch.tensor([0]))
    tensor([0.3750])
    """
    return _pick(p_input, label) - _pick(p_out, label)


def subtractive_faithfulness(p_input, p_removed, label):
    """PIQ faithfulness per clip: ``f(X)_c - f(X_removed)_c``, see :func:`subtract_compressed`.

    Example
    -------
    >>> subtractive_faithfulness(torch.tensor([[0.9, 0.1]]), torch.tensor([[0.4, 0.6]]), torch.tensor([0]))
    tensor([0.5000])
    """
    return faithfulness(p_input, p_removed, label)


def input_fidelity(p_in, label, threshold=None):
    """Fid-In per clip: ``1[argmax f(M*X) = c]``.

    Arguments
    ---------
    p_in : torch.Tensor
        ``[B, C]`` probabilities on ``M*X``.
    label : torch.Tensor
        ``[B]`` explained classes.
    threshold : float or torch.Tensor, optional
        Multi-label heads: ``1[f(M*X)_c >= t_c]`` instead of the argmax,
        ``t`` one threshold or ``[C]`` per-class ones.

    Returns
    -------
    torch.Tensor
        ``[B]``, 0 or 1.

    Example
    -------
    >>> input_fidelity(torch.tensor([[0.7, 0.3], [0.4, 0.6]]), torch.tensor([0, 0]))
    tensor([1., 0.])
    >>> input_fidelity(torch.tensor([[0.7, 0.3], [0.4, 0.6]]), torch.tensor([1, 1]),
    ...                threshold=torch.tensor([0.5, 0.5]))
    tensor([0., 1.])
    """
    if threshold is not None:
        t = torch.as_tensor(threshold, dtype=p_in.dtype, device=p_in.device)
        if t.dim() == 1:
            t = t[label.long().to(p_in.device)]
        return (_pick(p_in, label) >= t).to(p_in.dtype)
    return (p_in.argmax(-1) == label.to(p_in.device)).to(p_in.dtype)


def off_target(p_input, p_in, label, thresholds):
    """What a mask for class ``c`` does to the other decided classes (multi-label).

    Arguments
    ---------
    p_input, p_in : torch.Tensor
        ``[B, C]`` sigmoid probabilities on ``X`` and ``M*X``.
    label : torch.Tensor
        ``[B]`` explained classes.
    thresholds : torch.Tensor
        ``[C]`` decision thresholds.

    Returns
    -------
    dict of str to torch.Tensor
        ``OffDrop`` and ``OffKeep`` ``[B]`` (see the module table); NaN for
        rows whose clip has no other decided class.

    Example
    -------
    >>> p = torch.tensor([[0.9, 0.8, 0.1], [0.9, 0.1, 0.1]])
    >>> p_in = torch.tensor([[0.95, 0.2, 0.1], [0.9, 0.1, 0.1]])
    >>> out = off_target(p, p_in, torch.tensor([0, 0]), torch.full((3,), 0.5))
    >>> [round(float(v), 2) for v in out["OffDrop"]], out["OffKeep"].tolist()
    ([0.6, nan], [0.0, nan])
    """
    t = torch.as_tensor(thresholds, dtype=p_input.dtype, device=p_input.device)
    others = p_input >= t
    others[torch.arange(p_input.shape[0]), label.long().to(p_input.device)] = False
    count = others.sum(-1).to(p_input.dtype)
    drop = ((p_input - p_in) * others).sum(-1)
    kept = ((p_in >= t) & others).sum(-1).to(p_input.dtype)
    nan = torch.full_like(count, math.nan)
    return {"OffDrop": torch.where(count > 0, drop / count.clamp_min(1), nan),
            "OffKeep": torch.where(count > 0, kept / count.clamp_min(1), nan)}


def topk_fidelity(decision, scores, k):
    """L2I top-k fidelity per clip: ``1[decision in top-k(scores)]``.

    Arguments
    ---------
    decision : torch.Tensor
        ``[B]`` classifier decisions.
    scores : torch.Tensor
        ``[B, C]`` interpreter class scores ``Theta(H_I(x))``.
    k : int
        Size of the top set (clamped to ``C``).

    Returns
    -------
    torch.Tensor
        ``[B]``, 0 or 1.

    Example
    -------
    >>> s = torch.tensor([[0.1, 0.5, 0.3, 0.2]])
    >>> [float(topk_fidelity(torch.tensor([2]), s, k)) for k in (1, 2, 3)]
    [0.0, 1.0, 1.0]
    """
    top = scores.topk(min(int(k), scores.shape[-1]), dim=-1).indices
    return (top == decision.to(top.device).long().reshape(-1, 1)).any(-1).float()


def mask_mean(mask):
    """MM per clip: mean of ``mask`` ``[B, ...]`` over all but the batch axis.

    Example
    -------
    >>> mask_mean(torch.tensor([[[1.0, 0.0], [0.5, 0.5]]]))
    tensor([0.5000])
    """
    return mask.reshape(mask.shape[0], -1).mean(-1)


def _prepare_maps(maps, normalise):
    """``[B, d]`` float64 ``|maps|`` (over their max if ``normalise``), all-zero flags ``[B]``."""
    a = maps.detach().reshape(maps.shape[0], -1).double().abs()
    peak = a.amax(-1, keepdim=True)
    if normalise:
        a = a / torch.where(peak > 0, peak, torch.ones_like(peak))
    return a, peak.squeeze(-1) == 0


def _finish(score, zero, maps):
    """NaN for all-zero maps; back to the dtype of ``maps``."""
    score = torch.where(zero, torch.full_like(score, math.nan), score)
    return score.to(maps.dtype if maps.is_floating_point() else torch.float32)


def sparseness(maps, normalise=True):
    """SPS per clip: Gini index, as ``quantus.Sparseness(abs=True)`` (0.6.0).

    ``a = sort(|e| / max|e| + 1e-7)`` over the flattened map (``d`` values),
    ``SPS = sum_i (2i - d - 1) a_i / (d sum_i a_i)``, ``i = 1..d``: 0 for a
    uniform map, ``1 - 1/d`` (up to the epsilon) for a one-hot map.

    Arguments
    ---------
    maps : torch.Tensor
        ``[B, ...]`` explanation maps (e.g. masks ``[B, T, F]``).
    normalise : bool
        Divide each map by its max ``|e|`` first (Quantus' default
        ``normalise_by_max``, here per clip).

    Returns
    -------
    torch.Tensor
        ``[B]`` (dtype of ``maps``, computed in float64); NaN for all-zero maps.

    Example
    -------
    >>> m = torch.zeros(2, 4, 5)
    >>> m[0, 1, 2] = 1.0
    >>> m[1] = 0.3
    >>> sparseness(m).round(decimals=4)
    tensor([0.9500, 0.0000])
    """
    a, zero = _prepare_maps(maps, normalise)
    a = (a + SPS_EPS).sort(-1).values
    d = a.shape[-1]
    i = torch.arange(1, d + 1, device=a.device, dtype=a.dtype)
    return _finish(((2 * i - d - 1) * a).sum(-1) / (d * a.sum(-1)), zero, maps)


def complexity(maps, normalise=True):
    """COMP per clip: entropy (nats), as ``quantus.Complexity(abs=True)`` (0.6.0).

    ``p = |e| / sum |e|`` over the flattened map (max-normalising first does
    not change ``p``), ``COMP = -sum_i p_i ln(p_i + 1e-12)``, so zero entries
    add nothing: ``ln d`` for a uniform map, ~0 for a one-hot map. Arguments
    and returns as :func:`sparseness` (NaN for all-zero maps).

    Example
    -------
    >>> m = torch.zeros(2, 4, 5)
    >>> m[0, 1, 2] = 1.0
    >>> m[1] = 0.3
    >>> complexity(m).abs().round(decimals=4), round(math.log(20), 4)
    (tensor([0.0000, 2.9957]), 2.9957)
    """
    a, zero = _prepare_maps(maps, normalise)
    total = a.sum(-1, keepdim=True)
    p = a / torch.where(total > 0, total, torch.ones_like(total))
    return _finish(-(p * torch.log(p + COMP_EPS)).sum(-1), zero, maps)


def subtract_compressed(magnitude, mask):
    """The input minus the interpretation in the classifier's compressed domain (PIQ).

    PIQ subtracts the interpretation from the log1p spectrogram:
    ``X_removed = expm1(max(0, log1p(X) - log1p(M*X)))``. For a binary mask
    this is ``(1 - M) * X``; for a soft mask it removes more than
    ``(1 - M) * X`` does (log1p is concave).

    Arguments
    ---------
    magnitude : torch.Tensor
        ``[B, T, F]`` linear magnitudes ``X``.
    mask : torch.Tensor
        ``[B, T, F]`` in ``[0, 1]``.

    Returns
    -------
    torch.Tensor
        ``[B, T, F]`` linear magnitudes.

    Example
    -------
    >>> subtract_compressed(torch.tensor([[[2.0, 3.0]]]), torch.tensor([[[1.0, 0.0]]]))
    tensor([[[0., 3.]]])
    """
    return torch.expm1(F.relu(torch.log1p(magnitude) - torch.log1p(mask * magnitude)))


def _classify(classifier, inputs, domain, max_batch, precision="fp32", phase=None):
    """Probabilities of ``[N, T, F]`` magnitudes (or features) in chunks of ``max_batch``.

    The classifier runs under ``precision`` (autocast); its logits are cast
    back to float32 before the probabilities. ``phase`` (``[N, T, F]`` or
    None) is split as the inputs are."""
    size = int(max_batch) if max_batch else inputs.shape[0]
    chunks = inputs.split(size, dim=0)
    phases = [None] * len(chunks) if phase is None else phase.split(size, dim=0)
    with autocast(precision, inputs.device):
        if domain == "features":
            logits = [classifier(features=chunk).logits for chunk in chunks]
        else:
            logits = [classify_magnitude(classifier, chunk, p).logits
                      for chunk, p in zip(chunks, phases)]
    return classifier.probabilities(as_float32(torch.cat(logits, dim=0)))


def masked_probabilities(
    classifier, magnitude, mask, extra=(), max_batch=None, feature_mask=None, with_input=True,
    precision="fp32", phase=None,
):
    """Probabilities on ``X``, ``M*X``, ``(1-M)*X`` (and ``extra``) from ONE classifier call.

    The inputs are concatenated along the batch (``3B`` items plus the extra
    ones; in chunks of ``max_batch`` if given), the logits go through
    ``classifier.probabilities`` once and are split back. Grad mode is the
    caller's (wrap in ``torch.no_grad()`` to evaluate). The classifier should
    be in eval mode: batch norm must not use the statistics of this batch.

    With ``feature_mask`` (the "Mel" domain), the mask multiplies the
    classifier features ``phi(X)`` instead of ``X``: the masked-in and
    masked-out inputs are ``M_f * phi(X)`` and ``(1 - M_f) * phi(X)``
    (``extra`` magnitudes go through ``phi`` unmasked).

    Arguments
    ---------
    classifier : speechbrain_interp.classifier.AudioClassifier
        Called as ``classifier(magnitude=...)`` (or ``features=...``).
    magnitude : torch.Tensor
        ``[B, T, F]`` linear magnitudes ``X``.
    mask : torch.Tensor
        ``[B, T, F]`` in ``[0, 1]``.
    extra : sequence of torch.Tensor
        More ``[B_k, T, F]`` magnitudes to classify in the same call.
    max_batch : int, optional
        Most items per classifier call.
    feature_mask : torch.Tensor, optional
        ``[B, T, n_features]`` in ``[0, 1]``: mask the features instead.
    with_input : bool
        Classify ``X`` too. ``False`` when the caller already has ``f(X)``
        (e.g. from the interpretation's logits): one third less work, and
        ``None`` is returned in its place.
    precision : str
        ``"fp32"``, ``"bf16"`` or ``"fp16"``: the classifier call runs under
        this autocast (:func:`speechbrain_interp.precision.autocast`); the
        masking and the probabilities stay float32.
    phase : torch.Tensor, optional
        ``[B, T, F]`` phase of ``X``, for classifiers that hear waves
        (:func:`~speechbrain_interp.adapters.adapted.phase_for`); every
        classified magnitude (``extra`` ones too) is one of the ``B`` clips'.

    Returns
    -------
    tuple of torch.Tensor
        ``(p_input, p_in, p_out, *p_extra)``: ``[B, C]`` each (``[B_k, C]``).

    Example
    -------
    >>> from speechbrain_interp.examples import small_classifier
    >>> clf = small_classifier(5).eval()
    >>> x = torch.rand(2, 50, 513)
    >>> p_x, p_in, p_out = masked_probabilities(clf, x, torch.rand(2, 50, 513), max_batch=4)
    >>> p_in.shape, bool(torch.allclose(p_out.sum(-1), torch.ones(2)))
    (torch.Size([2, 5]), True)
    >>> _, p_in_f, _ = masked_probabilities(clf, x, torch.ones_like(x), with_input=False,
    ...                                     feature_mask=torch.ones(2, 50, 80))
    >>> bool(torch.allclose(p_in_f, p_x, atol=1e-6))
    True
    """
    if mask.shape != magnitude.shape:
        raise ValueError(
            f"mask {tuple(mask.shape)} must have the shape of the spectrogram {tuple(magnitude.shape)}"
        )
    if feature_mask is None:
        domain, base, m = "linear", magnitude, mask
        extra = list(extra)
    else:
        domain, base, m = "features", classifier.frontend.features(magnitude), feature_mask
        if m.shape != base.shape:
            raise ValueError(
                f"feature_mask {tuple(m.shape)} must have the shape of the features {tuple(base.shape)}"
            )
        extra = [classifier.frontend.features(e) for e in extra]
    parts = ([base] if with_input else []) + [m * base, (1.0 - m) * base, *extra]
    inputs = torch.cat(parts, dim=0)
    phase = None if domain == "features" else phase_for(classifier, phase, inputs.shape[0])
    heard = {} if phase is None else {"phase": phase}  # only classifiers that hear waves
    probs = _classify(classifier, inputs, domain, max_batch, precision, **heard)
    out = probs.split([p.shape[0] for p in parts], dim=0)
    return tuple(out) if with_input else (None, *out)


def masking_metrics(p_input, p_in, p_out, label=None, threshold=None):
    """AI, AD, AG, FF, FidIn from probabilities already computed (e.g. in a training step).

    Arguments
    ---------
    p_input, p_in, p_out : torch.Tensor
        ``[B, C]`` probabilities on ``X``, ``M*X``, ``(1-M)*X``.
    label : torch.Tensor, optional
        ``[B]`` explained classes (default: ``argmax p_input``).
    threshold : float, optional
        Multi-label Fid-In threshold (see :func:`input_fidelity`).

    Returns
    -------
    dict of str to torch.Tensor
        ``[B]`` per metric (detached).

    Example
    -------
    >>> p = torch.tensor([[0.5, 0.3, 0.2]])
    >>> out = masking_metrics(p, torch.tensor([[0.7, 0.2, 0.1]]), torch.tensor([[0.1, 0.6, 0.3]]))
    >>> {k: round(float(v), 4) for k, v in out.items()}
    {'AI': 100.0, 'AD': 0.0, 'AG': 40.0, 'FF': 0.4, 'FidIn': 1.0}
    """
    p_input, p_in, p_out = p_input.detach(), p_in.detach(), p_out.detach()
    label = p_input.argmax(-1) if label is None else label
    return {
        "AI": average_increase(p_input, p_in, label),
        "AD": average_drop(p_input, p_in, label),
        "AG": average_gain(p_input, p_in, label),
        "FF": faithfulness(p_input, p_out, label),
        "FidIn": input_fidelity(p_in, label, threshold),
    }


@torch.no_grad()
def interpretation_metrics(
    classifier, magnitude, mask, label=None, maps=None, max_batch=None,
    feature_mask=None, p_input=None, subtractive=True, precision="fp32", phase=None,
):
    """All per-clip metrics of a batch of masks, with one batched classifier call.

    Runs under ``torch.no_grad()``; in a training step, reuse the step's
    probabilities with :func:`masking_metrics` instead. The call classifies
    ``M*X``, ``(1-M)*X``, plus ``X`` unless ``p_input`` is given (an
    interpretation already holds the logits on ``X``) and the PIQ input
    ``X_removed`` when ``subtractive``: from ``2B`` to ``4B`` items.

    Arguments
    ---------
    classifier : speechbrain_interp.classifier.AudioClassifier
        The interpreted classifier (eval mode).
    magnitude : torch.Tensor
        ``[B, T, F]`` linear magnitudes ``X``.
    mask : torch.Tensor
        ``[B, T, F]`` in ``[0, 1]``.
    label : torch.Tensor, optional
        ``[B]`` explained classes; default: the decision on ``X`` (argmax of
        the probabilities; for multi-label heads the most probable label).
    maps : torch.Tensor, optional
        ``[B, ...]`` map for SPS and COMP (default: the mask that is scored,
        ``feature_mask`` if given, else ``mask``).
    max_batch : int, optional
        Most items per classifier call.
    feature_mask : torch.Tensor, optional
        ``[B, T, n_features]``: score the mask on the classifier features
        (Mel domain, :func:`masked_probabilities`); MM is its mean.
    p_input : torch.Tensor, optional
        ``[B, C]`` probabilities on ``X`` already computed.
    subtractive : bool
        Also compute ``PIQ_FF`` (one more classifier input per clip).
    precision : str
        Autocast of the classifier call (see :func:`masked_probabilities`);
        the figures are computed from float32 probabilities whatever it is.
    phase : torch.Tensor, optional
        ``[B, T, F]`` phase of ``X`` (see :func:`masked_probabilities`).

    Returns
    -------
    dict of str to torch.Tensor
        ``AI, AD, AG, FF, FidIn, SPS, COMP, MM`` (and ``PIQ_FF``; and
        ``OffDrop, OffKeep`` for a multi-label classifier), each ``[B]``.

    Example
    -------
    >>> from speechbrain_interp.examples import small_classifier
    >>> clf = small_classifier(5).eval()
    >>> x = torch.rand(3, 50, 513)
    >>> out = interpretation_metrics(clf, x, torch.ones_like(x))
    >>> sorted(out), out["AD"], out["FidIn"]
    (['AD', 'AG', 'AI', 'COMP', 'FF', 'FidIn', 'MM', 'PIQ_FF', 'SPS'], tensor([0., 0., 0.]), tensor([1., 1., 1.]))
    """
    extra = (subtract_compressed(magnitude, mask),) if subtractive else ()
    p_x, p_in, p_out, *p_extra = masked_probabilities(
        classifier, magnitude, mask, extra=extra, max_batch=max_batch,
        feature_mask=feature_mask, with_input=p_input is None, precision=precision, phase=phase,
    )
    p_input = p_x if p_input is None else as_float32(p_input.detach())
    label = p_input.argmax(-1) if label is None else label
    multilabel = getattr(classifier, "multilabel", False)
    threshold = classifier.thresholds if multilabel else None
    out = masking_metrics(p_input, p_in, p_out, label, threshold)
    if multilabel:
        out.update(off_target(p_input, p_in, label, threshold))
    scored = mask if feature_mask is None else feature_mask
    maps = scored if maps is None else maps
    out["SPS"], out["COMP"] = sparseness(maps), complexity(maps)
    out["MM"] = mask_mean(scored)
    if subtractive:
        out["PIQ_FF"] = subtractive_faithfulness(p_input, p_extra[0], label)
    return out
