"""Masks, loss and composition for the Fourier-domain in-painter of RDE.

A note is ``h = (m, w)``: magnitude ``m`` and phase ``w``, each ``[B, K]``.
A mask ``s`` is ``[B, 2, K]`` with values in ``[0, 1]`` (part 0 gates the
magnitude, part 1 the phase; 1 = kept, 0 = obfuscated). The functions here
are stateless tensor functions (docs/methods.md section 4.5):

* :func:`random_masks` draws binary training masks for the in-painter,
* :func:`inpainting_loss` scores the in-painter on the masked-out bins
  (regression: L1 and ``1 - cos``, which pulls G to the conditional median
  and mode),
* :func:`energy_score_loss` scores two draws of G against the note (a
  proper scoring rule, so G learns to *sample* the conditional
  distribution),
* :func:`compose` builds the obfuscation ``s*h + (1-s)*fill`` per part.

Authors
 * speechbrain-interp developers 2026
"""

import math

import torch

__all__ = ["MASK_KINDS", "compose", "energy_score_loss", "inpainting_loss", "random_masks"]

#: kinds of training masks understood by :func:`random_masks`
MASK_KINDS = ("runs", "groups", "mixed")


def _uniform(shape, generator, device):
    """``U(0, 1)`` samples drawn on the generator's device, moved to ``device``."""
    gen_device = generator.device if generator is not None else device
    return torch.rand(shape, generator=generator, device=gen_device).to(device)


def _run_masks(batch, n_freqs, mean_run, generator, device):
    """Binary ``[batch, K]`` masks made of alternating kept/dropped runs.

    Per example: keep probability ``p ~ U(0, 1)`` and average run length
    ``L`` log-uniform in ``mean_run``. Kept runs are geometric with mean
    ``max(1, 2*L*p)``, dropped runs with mean ``max(1, 2*L*(1-p))``, so the
    expected fraction kept is ``p`` (up to the clamping at 1 bin). The first
    run's state is ``Bernoulli(p)``; runs are memoryless, so the masks are
    stationary along frequency.
    """
    p = _uniform((batch, 1), generator, device)
    low, high = math.log(mean_run[0]), math.log(mean_run[1])
    run = torch.exp(low + (high - low) * _uniform((batch, 1), generator, device))
    first_kept = _uniform((batch, 1), generator, device) < p
    # segment j is kept iff (j even) == first_kept; K segments always suffice
    index = torch.arange(n_freqs, device=device).unsqueeze(0)
    kept_segment = (index % 2 == 0) == first_kept
    mean_len = torch.where(
        kept_segment, (2 * run * p).clamp_min(1.0), (2 * run * (1 - p)).clamp_min(1.0)
    )
    # geometric on {1, 2, ...} with mean mu: success probability q = 1 / mu
    q = 1.0 / mean_len
    u = _uniform((batch, n_freqs), generator, device).clamp_min(1e-12)
    lengths = torch.floor(torch.log(u) / torch.log1p(-q).clamp_max(-1e-12)) + 1
    lengths = torch.where(q >= 1, torch.ones_like(lengths), lengths)
    ends = torch.cumsum(lengths, dim=1)
    # segment holding each bin: first segment whose end exceeds the bin index
    segment = torch.searchsorted(ends, index.expand(batch, -1).to(ends.dtype), right=True)
    return torch.gather(kept_segment, 1, segment.clamp_max(n_freqs - 1))


def random_masks(
    batch,
    n_freqs,
    generator=None,
    kinds=MASK_KINDS,
    mean_run=(8.0, 64.0),
    return_kinds=False,
    device=None,
    dtype=torch.float32,
):
    """Random binary masks for training the in-painter.

    Each example draws its kind uniformly from ``kinds``:

    * ``"runs"``: one per-frequency mask shared by magnitude and phase (the
      per-frequency RDE query). Keep probability ``p ~ U(0, 1)`` per example,
      arranged in contiguous runs: kept and dropped runs alternate with
      geometric lengths whose overall mean ``L`` is log-uniform in
      ``mean_run`` (kept runs have mean ``2*L*p``, dropped ``2*L*(1-p)``,
      clamped to at least one bin), so the kept fraction is about ``p``.
    * ``"groups"``: whole parts (the magnitude-vs-phase query); uniformly one
      of: magnitude dropped and phase kept, phase dropped and magnitude kept,
      or both dropped.
    * ``"mixed"``: independent ``"runs"`` masks for the two parts.

    Arguments
    ---------
    batch : int
        Number of masks ``B``.
    n_freqs : int
        Number of frequencies ``K``.
    generator : torch.Generator, optional
        Source of randomness (reproducible masks).
    kinds : sequence of str
        Subset of ``("runs", "groups", "mixed")``.
    mean_run : tuple of float
        ``(low, high)`` range of the average run length, in bins.
    return_kinds : bool
        Also return the index into ``kinds`` drawn for each example.
    device : torch.device or str, optional
        Device of the masks (default CPU).
    dtype : torch.dtype
        Floating dtype of the masks.

    Returns
    -------
    masks : torch.Tensor
        ``[B, 2, K]`` with values in ``{0, 1}``.
    kind_index : torch.Tensor
        ``[B]`` long, only if ``return_kinds``.

    Example
    -------
    >>> g = torch.Generator().manual_seed(0)
    >>> masks, kind = random_masks(6, 1024, generator=g, return_kinds=True)
    >>> masks.shape, kind.shape
    (torch.Size([6, 2, 1024]), torch.Size([6]))
    >>> bool(((masks == 0) | (masks == 1)).all())
    True
    >>> runs = random_masks(4, 1024, generator=g, kinds=("runs",))
    >>> torch.equal(runs[:, 0], runs[:, 1])
    True
    """
    kinds = tuple(kinds)
    unknown = [k for k in kinds if k not in MASK_KINDS]
    if not kinds or unknown:
        raise ValueError(f"kinds must be a non-empty subset of {MASK_KINDS}, got {kinds}")
    low, high = (float(v) for v in mean_run)
    if not 1.0 <= low <= high:
        raise ValueError(f"mean_run must satisfy 1 <= low <= high, got {mean_run}")
    device = torch.device("cpu") if device is None else torch.device(device)
    choice = torch.floor(_uniform((batch,), generator, device) * len(kinds)).long()
    choice = choice.clamp_max(len(kinds) - 1)
    kind = torch.tensor([MASK_KINDS.index(k) for k in kinds], device=device)[choice]
    is_runs = (kind == MASK_KINDS.index("runs")).view(batch, 1)
    is_groups = (kind == MASK_KINDS.index("groups")).view(batch, 1)

    # draw every candidate (cheap), then pick per example
    shared = _run_masks(batch, n_freqs, (low, high), generator, device)
    second = _run_masks(batch, n_freqs, (low, high), generator, device)
    group = torch.floor(_uniform((batch,), generator, device) * 3).long().clamp_max(2)
    # group 0: magnitude dropped; 1: phase dropped; 2: both dropped
    keep_magnitude = (group == 1).view(batch, 1).expand(batch, n_freqs)
    keep_phase = (group == 0).view(batch, 1).expand(batch, n_freqs)

    magnitude_part = torch.where(is_groups, keep_magnitude, shared)
    phase_part = torch.where(is_groups, keep_phase, torch.where(is_runs, shared, second))
    masks = torch.stack([magnitude_part, phase_part], dim=1).to(dtype)
    if return_kinds:
        return masks, choice
    return masks


def compose(magnitude, phase, magnitude_fill, phase_fill, mask):
    """Obfuscated note ``s*h + (1-s)*fill``, per part.

    Arguments
    ---------
    magnitude, phase : torch.Tensor
        ``[B, K]`` the note ``h``.
    magnitude_fill, phase_fill : torch.Tensor
        ``[B, K]`` the values ``v`` put in the obfuscated bins.
    mask : torch.Tensor
        ``[B, 2, K]`` in ``[0, 1]``: part 0 gates the magnitude, part 1 the
        phase (1 = kept).

    Returns
    -------
    magnitude, phase : torch.Tensor
        ``[B, K]`` each. The phase is mixed linearly and not re-wrapped.

    Example
    -------
    >>> m, w = torch.ones(1, 4), torch.zeros(1, 4)
    >>> mask = torch.tensor([[[1.0, 0.0, 0.5, 1.0], [0.0, 0.0, 1.0, 1.0]]])
    >>> compose(m, w, torch.zeros(1, 4), torch.full((1, 4), 2.0), mask)
    (tensor([[1.0000, 0.0000, 0.5000, 1.0000]]), tensor([[2., 2., 0., 0.]]))
    """
    s_m, s_w = mask[:, 0], mask[:, 1]
    return (
        s_m * magnitude + (1 - s_m) * magnitude_fill,
        s_w * phase + (1 - s_w) * phase_fill,
    )


def inpainting_loss(magnitude_hat, phase_hat, magnitude, phase, mask, phase_weight=1.0):
    """In-painting loss on the obfuscated bins only.

    ``magnitude = mean |m_hat - m|`` over the bins whose magnitude is masked
    out, ``phase = mean (1 - cos(w_hat - w))`` over the bins whose phase is
    masked out, ``loss = magnitude + phase_weight * phase``. Means pool all
    masked-out bins of the batch; each bin is weighted by ``1 - s`` (so a
    binary mask counts exactly the bins with ``s = 0``). A part with no
    masked-out bin contributes 0.

    Arguments
    ---------
    magnitude_hat, phase_hat : torch.Tensor
        ``[B, K]`` in-painter output.
    magnitude, phase : torch.Tensor
        ``[B, K]`` target note.
    mask : torch.Tensor
        ``[B, 2, K]`` (1 = kept).
    phase_weight : float
        Weight of the circular phase term.

    Returns
    -------
    dict of torch.Tensor
        Scalars ``"loss"``, ``"magnitude"`` and ``"phase"``.

    Example
    -------
    >>> m, w = torch.ones(1, 4), torch.zeros(1, 4)
    >>> mask = torch.tensor([[[0.0, 1.0, 1.0, 1.0], [0.0, 0.0, 1.0, 1.0]]])
    >>> out = inpainting_loss(3 * m, torch.full((1, 4), torch.pi), m, w, mask)
    >>> [round(float(out[k]), 4) for k in ("loss", "magnitude", "phase")]
    [4.0, 2.0, 2.0]
    """
    dropped = 1 - mask.to(magnitude.dtype)
    weight_m, weight_w = dropped[:, 0], dropped[:, 1]
    magnitude_error = (magnitude_hat - magnitude).abs()
    phase_error = 1 - torch.cos(phase_hat - phase)
    magnitude_loss = (magnitude_error * weight_m).sum() / weight_m.sum().clamp_min(1e-8)
    phase_loss = (phase_error * weight_w).sum() / weight_w.sum().clamp_min(1e-8)
    return {
        "loss": magnitude_loss + phase_weight * phase_loss,
        "magnitude": magnitude_loss,
        "phase": phase_loss,
    }


def _dropped_embedding(magnitude, phase, dropped, phase_weight):
    """``[B, 3K]``: ``(1-s_m)*m``, ``(1-s_w)*w_p*cos(w)``, ``(1-s_w)*w_p*sin(w)``."""
    scale = phase_weight * dropped[:, 1]
    return torch.cat([dropped[:, 0] * magnitude, scale * torch.cos(phase),
                      scale * torch.sin(phase)], dim=1)


def energy_score_loss(samples_a, samples_b, magnitude, phase, mask, phase_weight=1.0):
    """Energy score of two in-painter draws on the obfuscated bins.

    Each note and draw is embedded as one vector ``e`` over its masked-out
    bins: the magnitudes, and the phases as points ``(cos w, sin w)`` on the
    unit circle scaled by ``phase_weight`` (kept bins are zeroed, so they
    count for nothing). With two independent draws ``a``, ``b`` of G for the
    same note ``y``, the energy score (Gneiting and Raftery, 2007) is::

        ES = (|e_a - e_y| + |e_b - e_y|) / 2 - |e_a - e_b| / 2

    (Euclidean norms over the whole vector, divided by the square root of the
    number of masked-out entries so that masks of every size weigh alike).
    Its expectation is minimised only when the draws follow the conditional
    distribution of ``y`` given the kept bins, jointly over frequencies:
    the ``- |e_a - e_b|`` term rewards spread where the note is uncertain.
    A regression loss instead pulls every draw to one point; for notes whose
    partial phases are random it returns a fixed phase pattern, which is
    exactly the "locked" look of an organ note (see the NSynth README).

    Arguments
    ---------
    samples_a, samples_b : tuple of torch.Tensor
        ``(magnitude_hat, phase_hat)`` of two draws, each ``[B, K]``.
    magnitude, phase : torch.Tensor
        ``[B, K]`` target note.
    mask : torch.Tensor
        ``[B, 2, K]`` (1 = kept).
    phase_weight : float
        Scale of the phase points (their squared norm is ``phase_weight^2``).

    Returns
    -------
    dict of torch.Tensor
        Scalars (means over the batch): ``"loss"`` (the energy score),
        ``"fit"`` (the first term) and ``"spread"`` (``|e_a - e_b| / 2``).

    Example
    -------
    Target ``0`` or ``2`` with equal odds. A fixed guess at the middle scores
    1 whatever the target; draws of 0 and 2 score 1 on average too for the
    fit, but their spread (1 on average) brings the score down to 0.5.

    >>> mask = torch.tensor([[[0.0], [1.0]]])
    >>> zero = torch.zeros(1, 1)
    >>> middle = (torch.ones(1, 1), zero)
    >>> [round(float(energy_score_loss(middle, middle, t * torch.ones(1, 1), zero, mask)["loss"]), 4)
    ...  for t in (0, 2)]
    [1.0, 1.0]
    >>> draws = [(torch.full((1, 1), v), zero) for v in (0.0, 2.0)]
    >>> scores = [float(energy_score_loss(a, b, t * torch.ones(1, 1), zero, mask)["loss"])
    ...           for a in draws for b in draws for t in (0, 2)]
    >>> round(sum(scores) / len(scores), 4)
    0.5
    """
    dropped = 1 - mask.to(magnitude.dtype)
    target = _dropped_embedding(magnitude, phase, dropped, phase_weight)
    emb_a = _dropped_embedding(samples_a[0], samples_a[1], dropped, phase_weight)
    emb_b = _dropped_embedding(samples_b[0], samples_b[1], dropped, phase_weight)
    size = (dropped[:, 0].sum(1) + 2 * dropped[:, 1].sum(1)).clamp_min(1.0).sqrt()

    def norm(x):
        # smooth at 0: the gradient of |x| is undefined where two draws agree
        return (x.pow(2).sum(1) + 1e-12).sqrt() / size

    fit = 0.5 * (norm(emb_a - target) + norm(emb_b - target))
    spread = 0.5 * norm(emb_a - emb_b)
    return {"loss": (fit - spread).mean(), "fit": fit.mean(), "spread": spread.mean()}
