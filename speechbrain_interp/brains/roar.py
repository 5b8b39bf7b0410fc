"""ROAR, remove and retrain (Hooker et al. 2019): a sanity check of
interpretations that trains classifiers (docs/methods.md sections 3.8, 10.6).

The top ``k%`` most salient time-frequency bins of every clip (train and
test) are zeroed (:func:`remove_bins`), a fresh classifier is trained on what
remains by :class:`~speechbrain_interp.brains.classification.ClassifierBrain`
and tested on the equally reduced test set; compared with removing as many
random bins. Accuracy should drop faster when the interpreter's bins go.
See :func:`roar`. (The other sanity check, cascading model randomisation,
is :mod:`speechbrain_interp.evaluation.sanity`.)

Choices for what the paper leaves open (docs/methods.md section 11 item 25):
removed bins are set to zero (silence, as L-MAC's masked-out input
``(1 - M) X``); ties between equal scores are broken at random.

Authors
 * speechbrain-interp developers 2026
"""

import os
import tempfile

import torch
from speechbrain.dataio.batch import PaddedBatch
from speechbrain.dataio.sampler import ReproducibleRandomSampler
from speechbrain.utils.train_logger import FileTrainLogger

from speechbrain_interp.brains.classification import ClassifierBrain

__all__ = ["remove_bins", "roar"]


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
    """Trains a fresh classifier on ``train = (x, y)`` with :class:`ClassifierBrain`
    (precomputed magnitudes, seeded batch order); its accuracy on ``test``."""
    cuda = [torch.device(device).index or 0] if torch.device(device).type == "cuda" else []
    with torch.random.fork_rng(devices=cuda), tempfile.TemporaryDirectory() as out:
        torch.manual_seed(seed)
        classifier = make_classifier()
        if getattr(classifier, "_frozen", False):
            raise ValueError("make_classifier returned a frozen classifier; ROAR trains it")
        brain = ClassifierBrain(
            modules={"classifier": classifier},
            opt_class=lambda params: torch.optim.Adam(params, lr=lr),
            hparams={"train_logger": FileTrainLogger(os.path.join(out, "log.txt")),
                     "output_folder": out, "epoch_counter": None, "noise_augment": None,
                     "noise_in_eval": False, "augmentation": None, "lr_scheduler": None,
                     "ckpt_keep": 1, "label_encoder": None},
            run_opts={"device": device, "noprogressbar": True},
        )
        train_set, test_set = (
            [{"id": str(i), "magnitude": x[i], "class_string_encoded": y[i:i + 1]}
             for i in range(len(y))] for x, y in (train, test))
        order = ReproducibleRandomSampler(train_set, seed=seed)
        brain.fit(range(1, epochs + 1), train_set, train_loader_kwargs={
            "batch_size": batch_size, "sampler": order, "collate_fn": PaddedBatch})
        brain.evaluate(test_set, test_loader_kwargs={"batch_size": batch_size,
                                                     "collate_fn": PaddedBatch})
        return brain.last_stats["test"]["acc"]


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
