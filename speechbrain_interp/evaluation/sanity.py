"""Sanity check of interpretations: cascading model randomisation.

One of the two protocols of the L-MAC paper (docs/methods.md sections 3.8
and 10.6); the other, ROAR, retrains classifiers and lives with the
training layer (:mod:`speechbrain_interp.brains.roar`):

- **Cascading model randomisation** (Adebayo et al. 2018): the classifier's
  weights are re-initialised block by block from the logits down (head,
  then ``conv_block6``, ``conv_block5``, ... cumulatively) and each
  randomised model's interpretation of the same clips (same explained
  classes) is compared with the original one by SSIM (:func:`map_ssim`) and
  Spearman rank correlation (:func:`rank_correlation`). An interpretation
  that depends on what the model learned changes; one that does not
  (an edge detector) stays put. See :func:`cascading_randomization`.

Choice for what the paper leaves open (docs/methods.md section 11 item 25):
SSIM uses a 7x7 Gaussian window (sigma 1.5) on the ``[T, F]`` masks with
data range 1.

Authors
 * speechbrain-interp developers 2026
"""

import copy
import math

import torch

from speechbrain_interp.evaluation.ssim import ssim as _ssim

__all__ = [
    "cascading_randomization",
    "randomization_steps",
    "rank_correlation",
    "reinitialize",
    "map_ssim",
]


def _check_maps(a, b, name_a="a", name_b="b"):
    """Both ``[B, T, F]`` with the same shape."""
    if a.dim() != 3:
        raise ValueError(f"{name_a} must be [B, T, F], got shape {tuple(a.shape)}")
    if a.shape != b.shape:
        raise ValueError(f"{name_a} and {name_b} differ in shape: {tuple(a.shape)} vs {tuple(b.shape)}")


def map_ssim(a, b, window=7, sigma=1.5, data_range=1.0):
    """Structural similarity of two batches of 2-D maps (Wang et al. 2004).

    Local means, variances and covariance are Gaussian-weighted averages
    over ``window x window`` neighbourhoods; per position::

        SSIM = (2 mu_a mu_b + C1)(2 cov_ab + C2) / ((mu_a^2 + mu_b^2 + C1)(var_a + var_b + C2))

    with ``C1 = (0.01 L)^2``, ``C2 = (0.03 L)^2``, ``L = data_range``,
    averaged over the positions where the window fits entirely (no padding).
    Computed in float64.

    Arguments
    ---------
    a, b : torch.Tensor
        ``[B, T, F]`` maps (e.g. masks in ``[0, 1]``).
    window : int
        Odd side of the Gaussian window; ``T`` and ``F`` must be at least this.
    sigma : float
        Standard deviation of the Gaussian, in bins.
    data_range : float
        ``L``: the range of the values (1 for masks).

    Returns
    -------
    torch.Tensor
        ``[B]`` in ``[-1, 1]``, 1 for identical maps.

    Example
    -------
    >>> x = torch.rand(2, 20, 30)
    >>> map_ssim(x, x)
    tensor([1., 1.])
    >>> bool((map_ssim(x, torch.rand(2, 20, 30)) < 0.5).all())
    True
    """
    _check_maps(a, b)
    if int(window) != window or window < 1 or window % 2 == 0:
        raise ValueError(f"window must be a positive odd integer, got {window}")
    if sigma <= 0 or data_range <= 0:
        raise ValueError(f"sigma and data_range must be > 0, got sigma={sigma}, data_range={data_range}")
    if min(a.shape[1:]) < window:
        raise ValueError(f"window={window} does not fit maps of shape {tuple(a.shape[1:])}")
    # the one SSIM of the project (speechbrain_interp.evaluation.ssim), in float64
    x = a.detach().to(torch.float64)
    y = b.detach().to(torch.float64).to(x.device)
    out_dtype = a.dtype if a.dtype.is_floating_point else torch.float32
    return _ssim(x, y, window_size=int(window), sigma=float(sigma),
                 data_range=float(data_range)).to(out_dtype)


def _average_ranks(values):
    """1-based ranks of a 1-D tensor, tied values sharing their mean rank."""
    _, inverse, counts = torch.unique(values, sorted=True, return_inverse=True, return_counts=True)
    counts = counts.to(torch.float64)
    below = counts.cumsum(0) - counts
    return (below + (counts + 1) / 2)[inverse]


def rank_correlation(a, b):
    """Spearman rank correlation of each pair of flattened maps.

    Pearson correlation of the ranks; tied values get their average rank.
    A constant map has no ranking: its correlation is NaN.

    Arguments
    ---------
    a, b : torch.Tensor
        ``[B, ...]`` maps (e.g. ``[B, T, F]`` masks) of the same shape.

    Returns
    -------
    torch.Tensor
        ``[B]`` float64 in ``[-1, 1]`` (NaN where a map is constant).

    Example
    -------
    >>> x = torch.tensor([[1.0, 2.0, 2.0, 5.0]])
    >>> rank_correlation(x, x.exp()), rank_correlation(x, -x)
    (tensor([1.], dtype=torch.float64), tensor([-1.], dtype=torch.float64))
    """
    if a.shape != b.shape or a.dim() < 2:
        raise ValueError(f"a and b must be [B, ...] of one shape, got {tuple(a.shape)} and {tuple(b.shape)}")
    out = []
    for x, y in zip(a.detach().flatten(1).cpu(), b.detach().flatten(1).cpu()):
        rx, ry = _average_ranks(x), _average_ranks(y)
        rx, ry = rx - rx.mean(), ry - ry.mean()
        denom = (rx.pow(2).sum() * ry.pow(2).sum()).sqrt()
        out.append((rx * ry).sum() / denom if denom > 0 else torch.tensor(math.nan, dtype=torch.float64))
    return torch.stack(out)


def randomization_steps(classifier):
    """The cascade of Adebayo et al.: what is random after each step.

    From the logits down: the head, then the encoder blocks deepest first.
    Steps are cumulative (step ``k`` lists the head and the ``k`` deepest
    blocks).

    Arguments
    ---------
    classifier : speechbrain_interp.classifier.AudioClassifier
        Its ``embedding_model`` must expose ``blocks`` (shallowest first),
        like :class:`~speechbrain_interp.models.CNN14`.

    Returns
    -------
    list of (str, list of torch.nn.Module)
        ``[("head", [head]), ("conv_block6", [head, block6]), ...]``.

    Example
    -------
    >>> from speechbrain_interp.examples import small_classifier
    >>> clf = small_classifier(3)
    >>> [(name, len(modules)) for name, modules in randomization_steps(clf)][:3]
    [('head', 1), ('conv_block6', 2), ('conv_block5', 3)]
    """
    head = getattr(classifier, "head", None)
    encoder = getattr(classifier, "embedding_model", None)
    if head is None or encoder is None or not hasattr(encoder, "blocks"):
        raise TypeError(
            f"classifier must have a head and an embedding_model with blocks "
            f"(an AudioClassifier with CNN14), got {type(classifier).__name__}"
        )
    names = {id(module): name for name, module in encoder.named_children()}
    modules = [head]
    steps = [("head", list(modules))]
    blocks = list(encoder.blocks)
    for depth, block in enumerate(reversed(blocks)):
        modules = modules + [block]
        steps.append((names.get(id(block), f"block{len(blocks) - depth}"), list(modules)))
    return steps


def _cuda_devices(modules=(), tensors=()):
    """CUDA device indices the given modules / tensors live on (for fork_rng)."""
    found = {p.device.index for m in modules for p in m.parameters() if p.is_cuda}
    found |= {t.device.index for t in tensors if t is not None and t.is_cuda}
    return sorted(i if i is not None else torch.cuda.current_device() for i in found)


def reinitialize(modules, seed=0):
    """Re-initialises modules in place with seeded random weights.

    Every submodule's ``reset_parameters()`` is called (convolutions and
    linear layers draw new random weights; normalisation layers return to
    their initial affine parameters) and ``reset_running_stats()`` resets
    batch-norm statistics. The global random state is left untouched.

    Arguments
    ---------
    modules : list of torch.nn.Module
        Modules to re-initialise.
    seed : int
        Seed of the draw.

    Example
    -------
    >>> layer = torch.nn.Linear(3, 2)
    >>> reinitialize([layer], seed=1); first = layer.weight.clone()
    >>> reinitialize([layer], seed=1); torch.equal(first, layer.weight)
    True
    """
    with torch.random.fork_rng(devices=_cuda_devices(modules)):
        torch.manual_seed(int(seed))
        for module in modules:
            for sub in module.modules():
                if callable(getattr(sub, "reset_parameters", None)):
                    sub.reset_parameters()
                if callable(getattr(sub, "reset_running_stats", None)):
                    sub.reset_running_stats()


def _explain(interpreter, waves, labels, seed, batch_size):
    """Masks ``[B, T, F]`` (CPU float) and explained labels ``[B]`` of ``waves``.

    The global random state is seeded with ``seed`` for the call (stochastic
    methods draw the same noise for the original and the randomised models)
    and restored afterwards.
    """
    grad_mode = torch.enable_grad if interpreter.needs_input_grad else torch.no_grad
    masks, explained = [], []
    with torch.random.fork_rng(devices=_cuda_devices([interpreter], [waves])):
        torch.manual_seed(int(seed))
        for start in range(0, waves.shape[0], batch_size):
            chunk = waves[start:start + batch_size]
            label = None if labels is None else labels[start:start + batch_size].to(waves.device)
            with grad_mode():
                out = interpreter.interpret(chunk, label=label, with_wave=False)
            mask = out.mask.detach().float().cpu()
            if not torch.isfinite(mask).all():
                raise RuntimeError(f"{type(interpreter).__name__} produced non-finite mask values")
            masks.append(mask)
            explained.append(out.label.detach().cpu())
    return torch.cat(masks), torch.cat(explained)


def cascading_randomization(interpreter, waves, labels=None, seed=0, max_steps=None, batch_size=8):
    """Cascading model-randomisation test (Adebayo et al. 2018).

    A deep copy of the interpreter (its classifier included) is made first;
    its classifier's head and blocks are then re-initialised cumulatively
    from the logits down (:func:`randomization_steps`, :func:`reinitialize`
    with seed ``seed + 1 + step``), staying frozen in eval mode. After each
    step the copy explains ``waves`` for the SAME classes as the original
    explanation (the original model's decision unless ``labels`` is given),
    and its masks are compared with the original ones. The first entry,
    ``"original"``, is the unrandomised copy (SSIM 1 for a deterministic
    method). The original interpreter and classifier are not modified.

    Works for any :class:`~speechbrain_interp.interpreters.Interpreter`
    whose ``classifier`` is an ``AudioClassifier`` with CNN14 blocks: a
    trained decoder reads the randomised classifier's representations,
    gradient methods differentiate the randomised classifier.

    Arguments
    ---------
    interpreter : speechbrain_interp.interpreters.Interpreter
        The method to test.
    waves : torch.Tensor
        ``[B, N]`` clips at the classifier's rate (on the interpreter's device).
    labels : torch.Tensor, optional
        ``[B]`` classes to explain (default: the original decision); an
        interpreter that explains the decision only
        (``explains_any_class`` False) is given none and explains the
        randomised classifier's decision at each step.
    seed : int
        Seeds the re-initialisations and each ``interpret`` call.
    max_steps : int, optional
        Stop after this many randomisation steps (default: all).
    batch_size : int
        Clips per ``interpret`` call.

    Returns
    -------
    dict
        ``steps`` (``["original", "head", "conv_block6", ...]``),
        ``n_randomized`` (0, 1, 2, ...: randomised head + blocks),
        ``ssim`` and ``rank`` (mean over clips per step; the rank mean
        ignores NaN from constant masks), ``ssim_per_clip`` and
        ``rank_per_clip`` (``[S, B]`` tensors), ``labels`` (``[B]``).

    Example
    -------
    >>> from speechbrain_interp.examples import small_classifier
    >>> from speechbrain_interp.interpreters.baselines.gradients import Saliency
    >>> clf = small_classifier(3)
    >>> out = cascading_randomization(Saliency(clf), torch.randn(2, 8000), max_steps=2)
    >>> out["steps"], out["ssim_per_clip"].shape
    (['original', 'head', 'conv_block6'], torch.Size([3, 2]))
    >>> out["ssim"][0] == 1.0 and out["ssim"][2] < 1.0
    True
    """
    if not torch.is_tensor(waves) or waves.dim() not in (1, 2):
        raise ValueError(f"waves must be a [B, N] tensor, got {getattr(waves, 'shape', type(waves))}")
    if waves.dim() == 1:
        waves = waves.unsqueeze(0)
    if labels is not None and (labels.dim() != 1 or labels.shape[0] != waves.shape[0]):
        raise ValueError(f"labels must be [B={waves.shape[0]}], got shape {tuple(labels.shape)}")
    batch_size = max(1, int(batch_size))
    randomized = copy.deepcopy(interpreter)  # before any call: same generator states
    original, labels = _explain(interpreter, waves, labels, seed, batch_size)
    steps = randomization_steps(randomized.classifier)
    if max_steps is not None:
        steps = steps[: int(max_steps)]
    names, ssims, ranks = [], [], []
    done = set()
    for index, (name, modules) in enumerate([("original", [])] + steps):
        fresh = [m for m in modules if id(m) not in done]
        if fresh:
            reinitialize(fresh, seed=seed + index)
            done.update(id(m) for m in fresh)
            randomized.classifier.freeze()
        # an interpreter that explains the decision only follows the randomised
        # classifier's decision (it cannot be asked for the original classes)
        follow = labels if randomized.explains_any_class else None
        masks, _ = _explain(randomized, waves, follow, seed, batch_size)
        names.append(name)
        ssims.append(map_ssim(original, masks))
        ranks.append(rank_correlation(original, masks))
    ssim_per_clip, rank_per_clip = torch.stack(ssims).double(), torch.stack(ranks)
    return {
        "steps": names,
        "n_randomized": list(range(len(names))),
        "ssim": ssim_per_clip.mean(dim=1).tolist(),
        "rank": rank_per_clip.nanmean(dim=1).tolist(),
        "ssim_per_clip": ssim_per_clip,
        "rank_per_clip": rank_per_clip,
        "labels": labels,
    }
