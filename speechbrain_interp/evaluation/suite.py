"""Evaluation of any set of interpreters under any set of conditions, method-agnostic.

Every method is called through ``interpret(wave)`` and scored by
:func:`speechbrain_interp.evaluation.scoring.score_interpretation`, as the
interpreter's Brain and the command line score it: the masking figures of
:func:`speechbrain_interp.evaluation.metrics.interpretation_metrics` (in the
domain the method masks: ``Interpretation.feature_mask`` for Mel-domain
methods), the method's own, and, where the condition knows the parts of the
mixture, those of :func:`speechbrain_interp.evaluation.localization.localization_metrics`;
nothing here branches on the method. Gradients are enabled only for methods that need
them (``needs_input_grad``).

Cost per clip and method: the interpretation (one classifier forward plus
the method's own work), then ``2`` classifier inputs for the masking
metrics (``M*X`` and ``(1-M)*X``: the probabilities on ``X`` are the
interpretation's own logits) and one ISTFT when the ground truth needs the
wave. ``tools/benchmark.py`` measures it.

Multi-label classifiers: each method explains every class the classifier
decides on a clip (one row per (clip, class) pair, the same pairs for every
method since they come from the classifier), the metrics read that class's
sigmoid probability, and where the data knows each class's source
(``class_sources``) every row is scored against its own class's source
(:mod:`speechbrain_interp.evaluation.multilabel`). The report adds, per
method, the per-class table (means, FF medians, macro and micro).

Authors
 * speechbrain-interp developers 2026
"""

import math
import os

import torch

from speechbrain_interp.evaluation import registry
from speechbrain_interp.evaluation.conditions import CleanCondition
from speechbrain_interp.evaluation.registry import cell
from speechbrain_interp.evaluation.scoring import score_interpretation
from speechbrain_interp.evaluation.tracking import MetricTracker
from speechbrain_interp.precision import check_precision

__all__ = [
    "ConditionResult", "EvenlySpaced", "evaluate", "evaluate_interpreters", "headline",
    "score_batch",
]  # fmt: skip

class EvenlySpaced:
    """``n`` items of a dataset taken at evenly spaced positions (all when ``n >= len``).

    Manifests are often sorted by class: the first ``n`` clips would cover a
    few classes only, evenly spaced ones cover them all.

    Arguments
    ---------
    dataset : speechbrain.dataio.dataset.DynamicItemDataset
        The full dataset.
    n : int
        Number of items.

    Example
    -------
    >>> from speechbrain.dataio.dataset import DynamicItemDataset
    >>> data = DynamicItemDataset({str(i): {"x": i} for i in range(10)}, output_keys=["id", "x"])
    >>> [item["x"] for item in EvenlySpaced(data, 4)]
    [0, 2, 5, 7]
    """

    def __init__(self, dataset, n):
        self.dataset = dataset
        total = len(dataset)
        n = min(int(n), total)
        self.indices = [i * total // n for i in range(n)] if n > 0 else []

    def __len__(self):
        return len(self.indices)

    def __getitem__(self, index):
        return self.dataset[self.indices[index]]

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def output_keys_as(self, keys):
        """As ``DynamicItemDataset.output_keys_as``."""
        return self.dataset.output_keys_as(keys)


def _shared_classifier(methods):
    classifiers = {id(m.classifier): m.classifier for m in methods.values()}
    if len(classifiers) != 1:
        raise ValueError(
            "all methods must explain the same classifier object; got "
            f"{len(classifiers)} different ones (set method.classifier = classifier)"
        )
    return next(iter(classifiers.values()))


def score_batch(method, wave, parts=None, max_batch=None, subtractive=False, with_wave=False,
                precision=None):
    """One method on one batch: the interpretation and its per-clip metrics.

    The method interprets the batch (with gradients when it needs them,
    under ``precision``), then
    :func:`~speechbrain_interp.evaluation.scoring.score_interpretation`
    scores it, as the Brain and the command line do.

    Arguments
    ---------
    method : speechbrain_interp.interpreters.Interpreter
        Any interpreter.
    wave : torch.Tensor
        ``[B, N]`` what the classifier hears.
    parts : dict, optional
        Ground truth: ``source``, ``contaminant`` (``[B, N]`` waves),
        ``magnitudes`` (``(mixture, source, contaminant)`` ``[B, T, F]``),
        ``label`` and ``contaminant_label`` (``[B]`` or ``None``); for
        multi-label data ``class_sources`` ``[B, C, N]``, ``truth``
        ``[B, C]`` and ``mixture`` ``[B, N]`` instead.
    max_batch : int, optional
        Most items per classifier call in the metrics.
    subtractive : bool
        Also compute PIQ's subtractive faithfulness.
    with_wave : bool
        Synthesise the interpretation wave even without ground truth.
    precision : str, optional
        ``"fp32"``, ``"bf16"`` or ``"fp16"``: the autocast of the
        interpretation and of the metrics' classifier calls (default: the
        method's :attr:`~speechbrain_interp.interpreters.Interpreter.precision`,
        left as it was). Masks, probabilities and figures stay float32 (or
        float64).

    Returns
    -------
    interpretation : Interpretation
    metrics : dict of str to torch.Tensor
        ``[P]`` each (one per interpretation row).

    Example
    -------
    >>> from speechbrain_interp.examples import small_classifier
    >>> from speechbrain_interp.interpreters import AllOnes
    >>> clf = small_classifier(3).eval()
    >>> interpretation, metrics = score_batch(AllOnes(clf), torch.randn(2, 8000))
    >>> metrics["FF"].shape, "PIQ_FF" in metrics
    (torch.Size([2]), False)
    """
    need_wave = with_wave or parts is not None
    context = torch.enable_grad() if method.needs_input_grad else torch.no_grad()
    kept = getattr(method, "precision", "fp32")
    precision = kept if precision is None else check_precision(precision, wave.device)
    try:
        method.precision = precision
        with context:
            interpretation = method.interpret(wave, with_wave=need_wave)
    finally:
        method.precision = kept
    metrics = score_interpretation(method.classifier, interpretation, method, parts, max_batch,
                                   subtractive, precision)
    return interpretation, metrics


class ConditionResult:
    """What :func:`evaluate` gathers for one condition.

    Attributes
    ----------
    trackers : dict
        Method name -> :class:`MetricTracker` (per-clip metrics).
    classifier : MetricTracker
        Per-clip ``accuracy`` (decision on the mixture = class of the source
        clip) and, for mixtures, ``decided_contaminant``.
    examples : list of dict
        Saved examples (gallery records, see :func:`speechbrain_interp.evaluation.gallery.write_gallery`).
    """

    def __init__(self, names):
        self.trackers = {name: MetricTracker(medians=registry.medians()) for name in names}
        self.classifier = MetricTracker(medians=())
        self.examples = []
        self.example_classes = set()
        self.per_class = {}

    def summaries(self):
        """Method name -> dataset means."""
        return {name: t.summarize() for name, t in self.trackers.items()}

    @property
    def accuracy(self):
        """Classifier accuracy (%) on the condition."""
        return 100.0 * self.classifier.summarize().get("accuracy", math.nan)


def _save_example(folder, condition, batch, index, interpretations, classifier, class_names):
    """Waves and the overlay figure of one clip (a gallery record): every
    explained class of the clip, for every method, side by side."""
    from speechbrain.dataio import audio_io

    from speechbrain_interp.audio import peak_normalize
    from speechbrain_interp.visualize import plot_mask_overlays

    clip = batch.ids[index]
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in clip)
    where = os.path.join(folder, condition, "examples", safe)
    os.makedirs(where, exist_ok=True)
    rate = classifier.sample_rate
    names = class_names or {}
    audio = {}

    def save(name, wave):
        stem = "".join(c if c.isalnum() or c in "-_" else "_" for c in name)
        path = os.path.join(where, f"{stem}.wav")
        audio_io.save(path, peak_normalize(wave.detach().cpu().reshape(1, -1)), rate)
        return path

    audio["input" if batch.contaminant is None else "mixture"] = save("mixture", batch.mixture[index])
    if batch.contaminant is not None:
        audio["source"] = save("source", batch.source[index])
        audio["contaminant"] = save("contaminant", batch.contaminant[index])
    first = next(iter(interpretations.values()))
    rows = [r for r, b in enumerate(first.clips.tolist()) if b == index]
    several = len(rows) > 1 or first.clip is not None
    if batch.class_sources is not None:
        for k in batch.label[index].nonzero().flatten().tolist():
            audio[f"source {names.get(k, k)}"] = save(f"source_{names.get(k, k)}",
                                                      batch.class_sources[index, k])
    masks = {}
    for name, interp in interpretations.items():
        for row in rows:
            explained = names.get(int(interp.label[row]), int(interp.label[row]))
            key = f"{name} / {explained}" if several else name
            audio[key] = save(f"interpretation_{name}_{explained}" if several
                              else f"interpretation_{name}", interp.wave[row])
            masks[key] = interp.mask[row].detach().cpu()
    decided = ", ".join(str(names.get(int(first.label[r]), int(first.label[r]))) for r in rows)
    true = batch.label[index]
    true = ", ".join(str(names.get(k, k)) for k in true.nonzero().flatten().tolist()) \
        if true.dim() else names.get(int(true), int(true))
    caption = f"{condition}: {clip}; true class {true or 'none'}, explained {decided}"
    figure = plot_mask_overlays(
        first.magnitude[rows[0]].detach().cpu(), masks, os.path.join(where, "masks.png"),
        rate, classifier.frontend.hop_samples, title=caption,
    )
    return {"id": f"{condition}/{clip}", "caption": caption, "audio": audio,
            "figures": [figure], "condition": condition}


def _example_key(label):
    """Hashable true class (set of classes for multi-hot labels)."""
    if label.dim() == 0:
        return int(label)
    return tuple(label.nonzero().flatten().tolist())


def _decision_stats(classifier, interpretation, batch):
    """Per-clip classifier figures: accuracy (per-label accuracy at the
    thresholds for a multi-label classifier), and for mixtures whether the
    contaminant's class was decided."""
    first = interpretation.clips.tolist()
    rows = [first.index(b) for b in range(len(batch.ids))]
    logits = interpretation.logits.detach().cpu()[rows]
    if classifier.multilabel:
        decided = classifier.decide(logits).cpu()
        truth = batch.label.bool()
        return {"accuracy": (decided == truth).double().mean(-1)}
    decision = logits.argmax(-1)
    known = batch.label >= 0
    stats = {"accuracy": torch.where(known, (decision == batch.label).double(),
                                     torch.full(known.shape, math.nan, dtype=torch.float64))}
    if batch.contaminant_label is not None:
        stats["decided_contaminant"] = (decision == batch.contaminant_label).double()
    return stats


def headline(name, result):
    """One line of a finished condition: accuracy, then each method's headline figures
    (:func:`speechbrain_interp.evaluation.registry.headline`).

    Example
    -------
    >>> result = ConditionResult(["lmac"])
    >>> result.trackers["lmac"].append({"AI": torch.tensor([50.0]), "FF": torch.tensor([0.5])})
    >>> result.classifier.append({"accuracy": torch.tensor([1.0])})
    >>> headline("clean", result)
    'clean: accuracy 100.0% | lmac AI 50.00 FF 0.500'
    """
    cells = [f"{name}: accuracy {result.accuracy:.1f}%"]
    for method, stats in result.summaries().items():
        shown = " ".join(f"{k} {cell(k, stats[k])}" for k in registry.headline()
                         if stats.get(k) is not None and not math.isnan(stats[k]))
        cells.append(f"{method} {shown}")
    return " | ".join(cells)


def evaluate(methods, dataset, conditions=None, batch_size=16, max_batch=None, device="cpu",
             subtractive=False, out_folder=None, n_examples=0, class_names=None, progress=False,
             precision="fp32"):
    """Per-clip metrics of every method under every condition.

    Arguments
    ---------
    methods : dict
        Name -> :class:`~speechbrain_interp.interpreters.Interpreter`, all
        explaining the same classifier object.
    dataset : speechbrain.dataio.dataset.DynamicItemDataset
        Provides ``id``, ``sig`` and ``class_string_encoded``.
    conditions : dict, optional
        Name -> condition (:mod:`speechbrain_interp.evaluation.conditions`); default:
        clean only.
    batch_size : int
        Items per batch.
    max_batch : int, optional
        Most items per classifier call in the metrics.
    device : str
        Where to run.
    subtractive : bool
        Also compute PIQ's subtractive faithfulness.
    out_folder : str, optional
        Where examples are saved (needed when ``n_examples > 0``).
    n_examples : int
        Items saved per condition (waves of every part and every method,
        and the mask figure): the first item of each true class met, up to
        ``n_examples``.
    class_names : dict, optional
        Class index -> name for captions.
    progress : bool
        A progress bar per condition (items done, on standard error) and,
        when a condition is finished, its :func:`headline` on standard output.
    precision : str
        ``"fp32"``, ``"bf16"`` or ``"fp16"`` (checked against ``device``
        first): set as every method's
        :attr:`~speechbrain_interp.interpreters.Interpreter.precision`, and
        the autocast of the metrics' classifier calls (:func:`score_batch`).

    Returns
    -------
    dict
        Condition name -> :class:`ConditionResult`.
    """
    from tqdm import tqdm

    check_precision(precision, device)
    classifier = _shared_classifier(methods).to(device)
    for method in methods.values():
        method.to(device).eval()
        method.precision = precision
    conditions = conditions or {"clean": CleanCondition()}
    results = {}
    for cond_name, condition in conditions.items():
        result = results[cond_name] = ConditionResult(methods)
        bar = tqdm(total=condition.n_items(dataset), desc=cond_name, unit="clip",
                   disable=not progress, dynamic_ncols=True)
        for batch in condition.batches(dataset, batch_size):
            mixture = batch.mixture.to(device)
            parts = None
            if batch.class_sources is not None:
                parts = {"class_sources": batch.class_sources.to(device), "mixture": mixture,
                         "truth": batch.label.to(device)}
            elif batch.contaminant is not None and not classifier.multilabel:
                spectrogram = classifier.frontend.spectrogram
                parts = {
                    "source": batch.source.to(device), "contaminant": batch.contaminant.to(device),
                    "magnitudes": tuple(spectrogram(w.to(device))[0] for w in
                                        (batch.mixture, batch.source, batch.contaminant)),
                    "label": batch.label.to(device),
                    "contaminant_label": None if batch.contaminant_label is None
                    else batch.contaminant_label.to(device),
                }
            saving = max(0, n_examples - len(result.examples))
            interpretations = {}
            for name, method in methods.items():
                interp, metrics = score_batch(method, mixture, parts, max_batch, subtractive,
                                              with_wave=saving > 0, precision=precision)
                names = [class_names.get(i, str(i)) for i in range(classifier.n_classes)] \
                    if class_names else None
                result.trackers[name].append(metrics, ids=interp.row_ids(batch.ids, names))
                interpretations[name] = interp
            result.classifier.append(_decision_stats(classifier, interp, batch), ids=batch.ids)
            for index in range(len(batch.ids)):
                label = _example_key(batch.label[index])
                if len(result.examples) >= n_examples or label in result.example_classes:
                    continue  # one example per class (set), the first ones met
                result.example_classes.add(label)
                result.examples.append(_save_example(
                    out_folder, cond_name, batch, index, interpretations, classifier, class_names))
            bar.update(len(batch.ids))
        bar.close()
        if progress:
            print(headline(cond_name, result), flush=True)
    return results


def evaluate_interpreters(methods, dataset, batch_size=16, max_batch=None, device="cpu",
                          precision="fp32"):
    """Clean-condition shortcut of :func:`evaluate`: name -> MetricTracker."""
    results = evaluate(methods, dataset, None, batch_size, max_batch, device, subtractive=True,
                       precision=precision)
    return results["clean"].trackers
