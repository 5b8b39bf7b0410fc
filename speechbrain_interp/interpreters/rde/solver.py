"""Rate-distortion explanations: the batched solver (RDE paper sections 3.1-3.2).

For inputs with coefficients ``h`` and a mask ``s`` over groups of
coefficients, the expected distortion is

    D(x, s) = E_{v ~ V_s} [ d(Phi(x), Phi(y)) ],   y = s . h + (1 - s) . v,

estimated by Monte-Carlo over ``n_samples`` obfuscations per step. Two
distortions (docs/methods.md 4.2), on the explained class ``j*``:

* ``"logits"`` (d1): ``(Phi_j*(x) - Phi_j*(y))^2`` on pre-softmax scores
  (the paper's audio setting);
* ``"probabilities"`` (d2): the same on softmax probabilities.

Two relaxations of ``min D s.t. ||s||_0 <= l`` (docs/methods.md 4.4):

* ``"l1"`` (P1): ``s in [0, 1]`` optimised directly (projected Adam: clamped
  after every step), objective ``D + lambda * mean(s)``;
* ``"bernoulli"`` (P2): ``s ~ Ber(theta)``, objective
  ``E_s[D] + lambda * mean(theta)``, gradients through the concrete
  relaxation ``s = sigmoid((logit theta + logit u) / t)``, ``u ~ U(0, 1)``;
* ``"exact"`` (P2 without relaxation, for masks of at most
  :data:`MAX_EXACT_ENTRIES` entries, such as the two parts of the
  magnitude-versus-phase query): ``E_s[D]`` is the sum over the ``2^n``
  binary masks ``c`` of ``P_theta(c) D(x, c)``. Each ``D(x, c)`` is
  estimated once (``n_samples`` obfuscations), then ``theta`` is optimised
  on this exact, multilinear objective. No concrete noise or bias: the
  relaxed solver's estimate of a two-entry problem is dominated by the
  noise of 4-16 relaxed draws per step and by vanishing gradients where
  probabilities saturate (d2).

The rate term is the mean (the l1 norm divided by the number of mask
entries, as in the CartoonX code), so ``lambda`` does not depend on the
input size. Every input of a batch has its own mask and its own objective;
the objectives are summed, so Adam (elementwise) solves them independently
and a batch costs one classifier call of ``n_samples * B`` inputs per step.
``groups`` ties several inputs to one mask (one mask per class, objective
averaged over the class's inputs: the magnitude-versus-phase query).

Authors
 * speechbrain-interp developers 2026
"""

from dataclasses import dataclass, field

import torch
import torch.nn.functional as F

__all__ = ["MAX_EXACT_ENTRIES", "RDEResult", "distortion", "expected_distortion",
           "rate_distortion_curve", "solve_corner_table", "solve_rde"]

_RELAXATIONS = ("l1", "bernoulli", "exact")
#: largest mask (entries per group) the ``"exact"`` solver enumerates (2^n masks)
MAX_EXACT_ENTRIES = 6
_DISTORTIONS = ("logits", "probabilities")


def distortion(reference, obfuscated, label, kind="logits"):
    """Squared change of the explained class's score.

    Arguments
    ---------
    reference : torch.Tensor
        ``[B, C]`` logits on the inputs.
    obfuscated : torch.Tensor
        ``[..., B, C]`` logits on obfuscations.
    label : torch.Tensor
        ``[B]`` explained classes ``j*``.
    kind : str
        ``"logits"`` (d1) or ``"probabilities"`` (d2).

    Returns
    -------
    torch.Tensor
        ``[..., B]``.

    Example
    -------
    >>> ref = torch.tensor([[2.0, 0.0]])
    >>> obf = torch.tensor([[[1.0, 0.0]], [[2.0, 1.0]]])
    >>> distortion(ref, obf, torch.tensor([0])).tolist()
    [[1.0], [0.0]]
    >>> round(float(distortion(ref, obf[1:], torch.tensor([0]), "probabilities")), 4)
    0.0224
    """
    if kind not in _DISTORTIONS:
        raise ValueError(f"distortion must be one of {_DISTORTIONS}, got {kind!r}")
    if kind == "probabilities":
        reference, obfuscated = F.softmax(reference, -1), F.softmax(obfuscated, -1)
    index = label.view(*([1] * (obfuscated.dim() - 2)), -1, 1).expand(*obfuscated.shape[:-1], 1)
    ref = reference.gather(-1, label.view(-1, 1)).squeeze(-1)
    return (obfuscated.gather(-1, index).squeeze(-1) - ref).pow(2)


def _classify(model, y):
    """Logits ``[L, B, C]`` of obfuscations ``[L, B, *shape]`` in one call."""
    n, b = y.shape[:2]
    return model(y.reshape(n * b, *y.shape[2:])).view(n, b, -1)


def expected_distortion(model, h, mask, obfuscate, label, reference=None, n_samples=16,
                        kind="logits", generator=None):
    """Monte-Carlo estimate of ``D(x, s)`` for a fixed mask (no optimisation).

    Arguments
    ---------
    model : callable
        ``[N, *shape] -> [N, C]`` logits.
    h : torch.Tensor
        ``[B, *shape]`` coefficients.
    mask : torch.Tensor
        ``[B, *shape]`` mask on the coefficients.
    obfuscate : callable
        See :mod:`speechbrain_interp.interpreters.rde.obfuscation`.
    label : torch.Tensor
        ``[B]``.
    reference : torch.Tensor, optional
        ``[B, C]`` logits on ``h`` (computed when not given).
    n_samples : int
    kind : str
    generator : torch.Generator, optional

    Returns
    -------
    torch.Tensor
        ``[B]``.

    Example
    -------
    >>> from speechbrain_interp.interpreters.rde.obfuscation import ConstantObfuscation
    >>> model = lambda x: torch.stack([x.sum(1), -x.sum(1)], 1)
    >>> h = torch.ones(1, 4)
    >>> d = expected_distortion(model, h, torch.tensor([[1.0, 1.0, 0.0, 0.0]]),
    ...                         ConstantObfuscation(0.0), torch.tensor([0]), n_samples=2)
    >>> d.tolist()
    [4.0]
    """
    with torch.no_grad():
        if reference is None:
            reference = model(h)
        y = obfuscate(h, mask, n_samples, generator)
        return distortion(reference, _classify(model, y), label, kind).mean(0)


@dataclass
class RDEResult:
    """What :func:`solve_rde` returns.

    Attributes
    ----------
    mask : torch.Tensor
        ``[G, *mask_shape]``: ``s`` (l1) or ``theta`` (bernoulli), in [0, 1].
    distortion : torch.Tensor
        ``[G]`` expected distortion with the final mask (mean over the
        group's inputs).
    rate : torch.Tensor
        ``[G]`` ``mean(mask)``: the normalised l1 norm.
    history : dict
        ``"loss"``, ``"distortion"``, ``"rate"``: per-step lists (floats,
        summed over groups), for convergence plots.
    corners : torch.Tensor or None
        ``"exact"`` only: ``[G, 2^n]`` expected distortion of every binary
        mask (mask ``c`` keeps entry ``i`` iff bit ``i`` of ``c`` is set;
        ``[:, 0]`` drops everything, ``[:, -1]`` keeps everything).
    """

    mask: torch.Tensor
    distortion: torch.Tensor
    rate: torch.Tensor
    history: dict = field(default_factory=dict)
    corners: torch.Tensor = None


def _binary_masks(n_entries, dtype, device):
    """``[2^n, n]`` every binary mask; row ``c`` holds the bits of ``c``."""
    codes = torch.arange(2 ** n_entries, device=device).unsqueeze(1)
    return ((codes >> torch.arange(n_entries, device=device)) & 1).to(dtype)


def _corner_probabilities(theta, corners):
    """``[G, 2^n]``: ``P(s = c) = prod_i theta_i^c_i (1 - theta_i)^(1 - c_i)``."""
    t = theta.unsqueeze(1)  # [G, 1, n]
    return (corners * t + (1 - corners) * (1 - t)).prod(-1)


def _solve_exact(model, h, obfuscate, reference, label, mask_shape, expand, groups, n_groups,
                 members, kind, lam, steps, lr, n_samples, init, scale, generator):
    """``"exact"`` relaxation of :func:`solve_rde` (see the module docstring)."""
    n_entries = 1
    for size in mask_shape:
        n_entries *= int(size)
    if n_entries > MAX_EXACT_ENTRIES:
        raise ValueError(f"relaxation 'exact' enumerates 2^n masks; n = {n_entries} entries "
                         f"per mask exceeds {MAX_EXACT_ENTRIES}: use 'bernoulli'")
    corners = _binary_masks(n_entries, h.dtype, h.device)  # [M, n]
    per_input = []
    with torch.no_grad():
        for corner in corners:
            s = expand(corner.view(1, *mask_shape).expand(h.shape[0], *mask_shape))
            per_input.append(expected_distortion(model, h, s, obfuscate, label, reference,
                                                 n_samples, kind, generator))
    per_input = torch.stack(per_input, 1)  # [B, M]
    table = torch.zeros(n_groups, corners.shape[0], dtype=h.dtype, device=h.device)
    table = table.index_add(0, groups, per_input) / members.unsqueeze(1)
    result = solve_corner_table(table, lam, steps, lr, init, scale)
    result.mask = result.mask.view(n_groups, *mask_shape)
    return result


def solve_corner_table(table, lam, steps=300, lr=0.05, init=0.5, scale=1.0):
    """Optimises Bernoulli parameters on a table of corner distortions.

    The ``"exact"`` solver's second half, public so that one table (the
    costly part: classifier calls) serves several ``lambda``.

    Arguments
    ---------
    table : torch.Tensor
        ``[G, 2^n]`` expected distortion of each binary mask (mask ``c``
        keeps entry ``i`` iff bit ``i`` of ``c`` is set).
    lam, steps, lr, init, scale
        As in :func:`solve_rde`.

    Returns
    -------
    RDEResult
        ``mask`` ``[G, n]`` (theta), ``corners`` = ``table``.

    Example
    -------
    Entry 0 alone removes the distortion; entry 1 is useless:

    >>> table = torch.tensor([[4.0, 0.0, 4.0, 0.0]])
    >>> solve_corner_table(table, lam=1.0).mask.round().tolist()
    [[1.0, 0.0]]
    >>> solve_corner_table(table, lam=10.0).mask.round().tolist()
    [[0.0, 0.0]]
    """
    n_groups, n_corners = table.shape
    n_entries = n_corners.bit_length() - 1
    if 2 ** n_entries != n_corners:
        raise ValueError(f"table must have 2^n columns, got {n_corners}")
    corners = _binary_masks(n_entries, table.dtype, table.device)
    theta = torch.full((n_groups, n_entries), float(init), dtype=table.dtype,
                       device=table.device)
    history = _minimise_in_box(
        theta, lambda t: (_corner_probabilities(t, corners) * table).sum(1), lam, scale, steps, lr)
    theta = theta.detach()
    final = (_corner_probabilities(theta, corners) * table).sum(1)
    return RDEResult(theta, final, theta.mean(1), history, table)


def _minimise_in_box(param, group_distortion, lam, scale, steps, lr):
    """Projected Adam on ``sum_g scale * D_g(param) + lam * mean(param_g)``.

    ``group_distortion(param)`` returns ``[G]``; ``param`` ``[G, ...]`` is
    clamped to ``[0, 1]`` after every step. Returns the per-step history.
    """
    param.requires_grad_(True)
    optimizer = torch.optim.Adam([param], lr=lr)
    history = {"loss": [], "distortion": [], "rate": []}
    with torch.enable_grad():
        for _ in range(int(steps)):
            d_group = group_distortion(param)
            rate = param.reshape(param.shape[0], -1).mean(1)
            loss = (scale * d_group + lam * rate).sum()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            with torch.no_grad():
                param.clamp_(0.0, 1.0)
            history["loss"].append(float(loss.detach()))
            history["distortion"].append(float(d_group.detach().sum()))
            history["rate"].append(float(rate.detach().sum()))
    return history


def _concrete(theta, temperature, generator):
    """Relaxed Bernoulli sample ``[L, ...]`` of probabilities ``theta``."""
    u = torch.rand(theta.shape, generator=generator, dtype=theta.dtype).to(theta.device)
    u = u.clamp(1e-6, 1 - 1e-6)
    theta = theta.clamp(1e-6, 1 - 1e-6)
    logits = torch.log(theta) - torch.log1p(-theta) + torch.log(u) - torch.log1p(-u)
    return torch.sigmoid(logits / temperature)


def solve_rde(
    model,
    h,
    obfuscate,
    label=None,
    mask_shape=None,
    expand=None,
    groups=None,
    relaxation="bernoulli",
    kind="logits",
    lam=1.0,
    steps=300,
    lr=0.05,
    n_samples=16,
    temperature=0.1,
    init=1.0,
    scale=1.0,
    generator=None,
):
    """Solves the relaxed RDE problem for a batch (each input or group its mask).

    Arguments
    ---------
    model : callable
        ``[N, *shape] -> [N, C]`` logits of the (frozen) classifier.
    h : torch.Tensor
        ``[B, *shape]`` coefficients of the inputs.
    obfuscate : callable
        ``(h, s, n_samples, generator) -> [n_samples, B, *shape]``
        (:mod:`speechbrain_interp.interpreters.rde.obfuscation`).
    label : torch.Tensor, optional
        ``[B]`` explained classes (default: the decision ``argmax Phi(x)``).
    mask_shape : tuple, optional
        Shape of one mask (default ``shape``: one entry per coefficient).
    expand : callable, optional
        ``[B, *mask_shape] -> [B, *shape]`` (broadcast, upsampling...);
        default: identity (``mask_shape == shape``).
    groups : torch.Tensor, optional
        ``[B]`` long in ``0..G-1``: inputs sharing one mask (default: one
        mask per input, ``G = B``).
    relaxation : str
        ``"l1"``, ``"bernoulli"`` or ``"exact"`` (small masks only).
    kind : str
        Distortion: ``"logits"`` (d1) or ``"probabilities"`` (d2).
    lam : float
        Weight ``lambda`` of the rate ``mean(s)``.
    steps, lr : int, float
        Adam steps and learning rate.
    n_samples : int
        Obfuscations per step (Monte-Carlo samples of ``v``; for
        ``"bernoulli"`` each also draws its own relaxed mask).
    temperature : float
        Concrete temperature (paper: 0.1).
    init : float
        Initial ``s`` or ``theta`` (1: start from the whole input).
    scale : float
        ``C`` in the objective ``C * D + lambda * rate`` (paper images:
        ``100 * d2``; audio: 1).
    generator : torch.Generator, optional
        Seeds every random draw.

    Returns
    -------
    RDEResult

    Example
    -------
    A model that only looks at the first two of eight coefficients:

    >>> from speechbrain_interp.interpreters.rde.obfuscation import ConstantObfuscation
    >>> model = lambda x: torch.stack([x[:, :2].sum(1), -x[:, :2].sum(1)], 1)
    >>> h = torch.ones(3, 8)
    >>> res = solve_rde(model, h, ConstantObfuscation(0.0), relaxation="l1", lam=2.0,
    ...                 steps=200, lr=0.05, n_samples=1)
    >>> res.mask.shape, res.mask[:, :2].min().item() > 0.7, res.mask[:, 2:].max().item() < 0.05
    (torch.Size([3, 8]), True, True)
    """
    if relaxation not in _RELAXATIONS:
        raise ValueError(f"relaxation must be one of {_RELAXATIONS}, got {relaxation!r}")
    batch = h.shape[0]
    mask_shape = tuple(h.shape[1:]) if mask_shape is None else tuple(mask_shape)
    expand = expand if expand is not None else (lambda s: s)
    if groups is None:
        groups = torch.arange(batch, device=h.device)
    n_groups = int(groups.max()) + 1
    members = torch.bincount(groups, minlength=n_groups).to(h.dtype)
    h = h.detach()
    with torch.no_grad():
        reference = model(h)
    if label is None:
        label = reference.argmax(-1)
    if relaxation == "exact":
        return _solve_exact(model, h, obfuscate, reference, label, mask_shape, expand, groups,
                            n_groups, members, kind, lam, steps, lr, n_samples, init, scale,
                            generator)
    param = torch.full((n_groups,) + mask_shape, float(init), device=h.device, dtype=h.dtype)

    def group_distortion(param):
        s = param[groups]  # [B, *mask_shape]
        if relaxation == "bernoulli":
            samples = _concrete(s.unsqueeze(0).expand(n_samples, *s.shape), temperature,
                                generator)
            flat = expand(samples.reshape(n_samples * batch, *mask_shape))
            repeated = h.unsqueeze(0).expand(n_samples, *h.shape).reshape(-1, *h.shape[1:])
            y = obfuscate(repeated, flat, 1, generator).view(n_samples, *h.shape)
        else:
            y = obfuscate(h, expand(s), n_samples, generator)
        d = distortion(reference, _classify(model, y), label, kind).mean(0)  # [B]
        d_group = torch.zeros(n_groups, dtype=h.dtype, device=h.device).index_add(0, groups, d)
        return d_group / members

    history = _minimise_in_box(param, group_distortion, lam, scale, steps, lr)
    mask = param.detach()
    final = expected_distortion(model, h, expand(mask[groups]), obfuscate, label, reference,
                                n_samples, kind, generator)
    final = torch.zeros(n_groups, dtype=h.dtype, device=h.device).index_add(0, groups, final)
    return RDEResult(mask, final / members, mask.reshape(n_groups, -1).mean(1), history)


def rate_distortion_curve(model, h, score, obfuscate, label=None, rates=(0.05, 0.1, 0.2, 0.4),
                          expand=None, n_samples=16, kind="logits", generator=None):
    """Distortion of binary masks keeping the top-``r`` fraction of a score.

    For each rate ``r`` the mask keeps the ``ceil(r * k)`` entries of
    ``score`` with the highest values (an RDE mask, a saliency map...) and
    obfuscates the rest; comparing obfuscations or scores at equal rate gives
    the paper's rate-distortion comparison.

    Arguments
    ---------
    model, h, obfuscate, label, expand, n_samples, kind, generator
        As in :func:`solve_rde`.
    score : torch.Tensor
        ``[B, *mask_shape]`` ranking of the mask entries.
    rates : sequence of float
        Kept fractions in ``[0, 1]``.

    Returns
    -------
    torch.Tensor
        ``[R, B]`` expected distortions.

    Example
    -------
    >>> from speechbrain_interp.interpreters.rde.obfuscation import ConstantObfuscation
    >>> model = lambda x: x[:, :1].repeat(1, 2) * torch.tensor([1.0, -1.0])
    >>> h = torch.ones(1, 4)
    >>> good = torch.tensor([[1.0, 0.0, 0.0, 0.0]])
    >>> rate_distortion_curve(model, h, good, ConstantObfuscation(0.0), rates=(0.0, 0.25)).tolist()
    [[1.0], [0.0]]
    """
    expand = expand if expand is not None else (lambda s: s)
    with torch.no_grad():
        reference = model(h)
    if label is None:
        label = reference.argmax(-1)
    flat = score.reshape(score.shape[0], -1)
    order = flat.argsort(dim=1, descending=True)
    out = []
    for r in rates:
        keep = int(torch.ceil(torch.tensor(float(r) * flat.shape[1])))
        binary = torch.zeros_like(flat)
        binary.scatter_(1, order[:, :keep], 1.0)
        mask = expand(binary.view_as(score))
        out.append(expected_distortion(model, h, mask, obfuscate, label, reference,
                                       n_samples, kind, generator))
    return torch.stack(out)
