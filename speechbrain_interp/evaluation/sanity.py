"""Sanity checks of interpretations: cascading model randomisation and ROAR.

Two protocols of the L-MAC paper (docs/methods.md sections 3.8 and 10.6):

- **Cascading model randomisation** (Adebayo et al. 2018): the classifier's
  weights are re-initialised block by block from the logits down (head,
  then ``conv_block6``, ``conv_block5``, ... cumulatively) and each
  randomised model's interpretation of the same clips (same explained
  classes) is compared with the original one by SSIM (:func:`map_ssim`) and
  Spearman rank correlation (:func:`rank_correlation`). An interpretation
  that depends on what the model learned changes; one that does not
  (an edge detector) stays put. See :func:`cascading_randomization`.
- **ROAR**, remove and retrain (Hooker et al. 2019): the top ``k%`` most
  salient time-frequency bins of every clip (train and test) are zeroed,
  a fresh classifier is trained on what remains and tested on the equally
  reduced test set; compared with removing as many random bins. Accuracy
  should drop faster when the interpreter's bins go. See :func:`roar`.

Choices for what the paper leaves open (docs/methods.md section 11 item 25):
removed bins are set to zero (silence, as L-MAC's masked-out input
``(1 - M) X``); ties between equal scores are broken at random; SSIM uses a
7x7 Gaussian window (sigma 1.5) on the ``[T, F]`` masks with data range 1.

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
    "remove_bins",
    "map_ssim",
    "roar",
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
    >>> from speechbrain_interp.classifier import AudioClassifier
    >>> from speechbrain_interp.frontend import SpectralFrontEnd
    >>> from speechbrain_interp.models import CNN14
    >>> clf = AudioClassifier(SpectralFrontEnd(), CNN14(base_channels=4), torch.nn.Linear(128, 3))
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
    >>> from speechbrain_interp.classifier import AudioClassifier
    >>> from speechbrain_interp.frontend import SpectralFrontEnd
    >>> from speechbrain_interp.interpreters.baselines.gradients import Saliency
    >>> from speechbrain_interp.models import CNN14
    >>> clf = AudioClassifier(SpectralFrontEnd(), CNN14(base_channels=4), torch.nn.Linear(128, 3))
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


def remove_bins(magnitude, scores, fraction, generator=None):
    """Zeroes the ``fraction`` highest-scored time-frequency bins of each clip.

    Arguments
    ---------
    magnitude : torch.Tensor
        ``[B, T, F]`` linear magnitude.
    scores : torch.Tensor or None
        ``[B, T, F]`` saliency (e.g. an interpreter's mask); ``None`` removes
        random bins. Ties are broken at random.
    fraction : float
        In ``[0, 1]``; ``round(fraction * T * F)`` bins go per clip.
    generator : torch.Generator, optional
        CPU generator of the random choices (reproducible removal).

    Returns
    -------
    torch.Tensor
        ``[B, T, F]``: ``magnitude`` with the removed bins set to 0.

    Example
    -------
    >>> mag = torch.ones(1, 2, 3)
    >>> scores = torch.tensor([[[0.9, 0.1, 0.2], [0.8, 0.3, 0.0]]])
    >>> remove_bins(mag, scores, 1 / 3)
    tensor([[[0., 1., 1.],
             [0., 1., 1.]]])
    >>> float(remove_bins(mag, None, 0.5).sum())
    3.0
    """
    if magnitude.dim() != 3:
        raise ValueError(f"magnitude must be [B, T, F], got shape {tuple(magnitude.shape)}")
    if scores is not None and scores.shape != magnitude.shape:
        raise ValueError(f"scores has shape {tuple(scores.shape)}, magnitude {tuple(magnitude.shape)}")
    if not 0.0 <= float(fraction) <= 1.0:
        raise ValueError(f"fraction must be in [0, 1], got {fraction}")
    batch, n_bins = magnitude.shape[0], magnitude[0].numel()
    k = int(round(float(fraction) * n_bins))
    if k == 0:
        return magnitude.clone()
    # random order first, then a stable sort by score: ties end up in random order
    order = torch.rand(batch, n_bins, generator=generator).argsort(dim=1)
    if scores is not None:
        shuffled = scores.detach().reshape(batch, n_bins).cpu().gather(1, order)
        by_score = torch.sort(shuffled, dim=1, descending=True, stable=True).indices
        order = order.gather(1, by_score)
    keep = torch.ones(batch, n_bins, dtype=torch.bool)
    keep.scatter_(1, order[:, :k], False)
    return magnitude * keep.view_as(magnitude).to(magnitude.device)


def _train_and_test(make_classifier, train, test, epochs, batch_size, lr, seed, device):
    """Trains a fresh classifier on ``train = (x, y)``; accuracy on ``test``."""
    with torch.random.fork_rng(devices=_cuda_devices(tensors=[torch.empty(0, device=device)])):
        torch.manual_seed(seed)
        classifier = make_classifier().to(device)
        if getattr(classifier, "_frozen", False):
            raise ValueError("make_classifier returned a frozen classifier; ROAR trains it")
        classifier.train()
        optimizer = torch.optim.Adam(classifier.parameters(), lr=lr)
        order = torch.Generator().manual_seed(seed)
        x_train, y_train = train
        for _ in range(epochs):
            for idx in torch.randperm(len(y_train), generator=order).split(batch_size):
                logits = classifier(magnitude=x_train[idx].to(device)).logits
                loss = classifier.loss(logits, y_train[idx].to(device))
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
        classifier.eval()
        x_test, y_test = test
        correct = 0
        with torch.no_grad():
            for idx in torch.arange(len(y_test)).split(batch_size):
                logits = classifier(magnitude=x_test[idx].to(device)).logits
                correct += int((logits.argmax(dim=-1).cpu() == y_test[idx]).sum())
    return correct / len(y_test)


def roar(
    train_magnitudes,
    train_labels,
    test_magnitudes,
    test_labels,
    train_scores,
    test_scores,
    fractions,
    make_classifier,
    epochs=5,
    runs=3,
    batch_size=16,
    lr=1e-3,
    seed=0,
    device="cpu",
):
    """ROAR: remove the most salient bins, retrain, test (Hooker et al. 2019).

    For each fraction, each removal (the interpreter's scores, or random
    bins) and each run, the bins are removed from every training and test
    clip (:func:`remove_bins`), a fresh classifier from ``make_classifier()``
    is trained with Adam on the reduced training set, and its accuracy on
    the reduced test set is recorded. Run ``r`` uses the same initialisation
    and batch order for every removal (paired comparison); random bins
    differ between runs.

    Arguments
    ---------
    train_magnitudes, test_magnitudes : torch.Tensor
        ``[N, T, F]`` linear magnitudes (kept on the CPU; batches move to
        ``device``).
    train_labels, test_labels : torch.Tensor
        ``[N]`` class indices (ground truth).
    train_scores, test_scores : torch.Tensor or dict
        ``[N, T, F]`` saliency of each clip (e.g. masks), or a dict
        ``method name -> [N, T, F]`` to compare several interpreters (the
        random removal is trained once for all).
    fractions : list of float
        Fractions of bins removed, in ``[0, 1]``.
    make_classifier : callable
        Returns a fresh trainable classifier taking ``magnitude=`` and
        providing ``loss(logits, labels)`` (an ``AudioClassifier``).
    epochs, runs, batch_size : int
        Training epochs per classifier, repetitions, batch size.
    lr : float
        Adam learning rate.
    seed : int
        Base seed (initialisation, batch order, random bins and ties).
    device : str
        Where the classifiers train.

    Returns
    -------
    dict
        ``fractions``, ``methods`` (``["interpreter", "random"]`` or the
        dict's names + ``"random"``), per method ``[[acc per run] per
        fraction]``, and ``mean`` / ``std``: method -> ``[per fraction]``.

    Example
    -------
    >>> from speechbrain_interp.classifier import AudioClassifier
    >>> from speechbrain_interp.frontend import SpectralFrontEnd
    >>> from speechbrain_interp.models import CNN14
    >>> def make():
    ...     fe = SpectralFrontEnd(n_fft=16, feature_type="log1p_linear")
    ...     return AudioClassifier(fe, CNN14(9, base_channels=2, n_blocks=1), torch.nn.Linear(2, 2))
    >>> mag, y = torch.rand(8, 4, 9), torch.arange(8) % 2
    >>> out = roar(mag, y, mag, y, mag, mag, [0.5], make, epochs=1, runs=2)
    >>> out["methods"], len(out["interpreter"][0]), len(out["mean"]["random"])
    (['interpreter', 'random'], 2, 1)
    """
    if isinstance(train_scores, dict) != isinstance(test_scores, dict):
        raise ValueError("train_scores and test_scores must both be tensors or both dicts")
    if not isinstance(train_scores, dict):
        train_scores, test_scores = {"interpreter": train_scores}, {"interpreter": test_scores}
    if set(train_scores) != set(test_scores) or "random" in train_scores:
        raise ValueError(
            f"train_scores and test_scores need the same method names (not 'random'), "
            f"got {sorted(train_scores)} and {sorted(test_scores)}"
        )
    for name, (x, y) in {"train": (train_magnitudes, train_labels), "test": (test_magnitudes, test_labels)}.items():
        if x.dim() != 3 or y.dim() != 1 or x.shape[0] != y.shape[0]:
            raise ValueError(f"{name}_magnitudes [N, T, F] and {name}_labels [N] do not match: "
                             f"{tuple(x.shape)} vs {tuple(y.shape)}")
    for fraction in fractions:
        if not 0.0 <= float(fraction) <= 1.0:
            raise ValueError(f"fractions must lie in [0, 1], got {fraction}")
    if epochs < 1 or runs < 1 or batch_size < 1:
        raise ValueError(f"epochs, runs and batch_size must be >= 1, got {epochs}, {runs}, {batch_size}")
    methods = {name: (train_scores[name], test_scores[name]) for name in train_scores}
    methods["random"] = (None, None)
    y_train, y_test = train_labels.long().cpu(), test_labels.long().cpu()
    result = {"fractions": [float(f) for f in fractions], "methods": list(methods)}
    for name, (score_train, score_test) in methods.items():
        per_fraction = []
        for f_index, fraction in enumerate(fractions):
            accuracies = []
            for run in range(runs):  # same random draws (bins, ties) for every method
                bins = torch.Generator().manual_seed((seed * 1000 + f_index) * 1000 + run)
                x_train = remove_bins(train_magnitudes.cpu(), score_train, fraction, bins)
                x_test = remove_bins(test_magnitudes.cpu(), score_test, fraction, bins)
                accuracies.append(_train_and_test(
                    make_classifier, (x_train, y_train), (x_test, y_test),
                    int(epochs), int(batch_size), float(lr), seed * 1000 + run, device,
                ))
            per_fraction.append(accuracies)
        result[name] = per_fraction
    runs_of = {name: torch.tensor(result[name], dtype=torch.float64) for name in methods}
    result["mean"] = {name: acc.mean(dim=1).tolist() for name, acc in runs_of.items()}
    result["std"] = {name: (acc.std(dim=1) if runs > 1 else torch.zeros(len(fractions))).tolist()
                     for name, acc in runs_of.items()}
    return result
