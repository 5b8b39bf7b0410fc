"""One scoring of an interpretation, the same for training, evaluation and the command line.

:func:`score_interpretation` is what every caller uses to turn an
interpretation into per-row figures: the interpreter's Brain on valid and
test (:class:`~speechbrain_interp.brains.interpretation.InterpreterBrain`),
the evaluation suite (:func:`~speechbrain_interp.evaluation.suite.score_batch`)
and the long-recording faithfulness of
:meth:`~speechbrain_interp.inference.AudioInterpreter.faithfulness`. It holds
the rules once:

- gradients off, every tensor of the interpretation detached;
- the masking figures from one batched classifier call
  (:func:`~speechbrain_interp.evaluation.metrics.interpretation_metrics`),
  reusing the probabilities the interpretation already holds (an
  interpretation without logits has its input classified in that call);
- the method's own ``extra_metrics``, a method without them
  (``NotImplementedError``) adding none;
- with the parts of the input, the ground-truth figures
  (:func:`~speechbrain_interp.evaluation.localization.localization_metrics`,
  or :func:`~speechbrain_interp.evaluation.multilabel.class_ground_truth`
  with one source per class);
- every figure of the registry that has its own ``compute``
  (:mod:`~speechbrain_interp.evaluation.registry`).

Authors
 * speechbrain-interp developers 2026
"""

import torch

from speechbrain_interp.evaluation import registry
from speechbrain_interp.evaluation.localization import explained_parts, localization_metrics
from speechbrain_interp.evaluation.metrics import interpretation_metrics
from speechbrain_interp.evaluation.multilabel import class_ground_truth

__all__ = ["ground_truth_metrics", "method_metrics", "score_interpretation"]


def _detached(value):
    return None if value is None else value.detach()


def method_metrics(method, interpretation):
    """The method's own per-row figures (``extra_metrics``); none when it has none.

    Arguments
    ---------
    method : speechbrain_interp.interpreters.Interpreter or None
        The interpreter (None: no method figures).
    interpretation : Interpretation
        What it returned.

    Returns
    -------
    dict of str to torch.Tensor

    Example
    -------
    >>> class NoExtras:
    ...     def extra_metrics(self, interpretation):
    ...         raise NotImplementedError
    >>> method_metrics(NoExtras(), None), method_metrics(None, None)
    ({}, {})
    """
    if method is None:
        return {}
    try:
        return dict(method.extra_metrics(interpretation))
    except NotImplementedError:
        return {}


def ground_truth_metrics(interpretation, classifier, parts, listens_to_masked_input=False):
    """The figures of an interpretation against the parts of its input.

    Arguments
    ---------
    interpretation : Interpretation
        Its ``mask``, ``label``, ``wave`` (or None) and ``base_magnitude``.
    classifier : speechbrain_interp.classifier.AudioClassifier
        Its front end makes the spectrograms and waves of the parts.
    parts : dict
        ``source``, ``contaminant`` (``[B, N]``), ``magnitudes``
        (``(mixture, source, contaminant)`` ``[B, T, F]``), ``label`` and
        ``contaminant_label`` (``[B]`` or None); for multi-label data
        ``class_sources`` ``[B, C, N]``, ``truth`` ``[B, C]`` and
        ``mixture`` ``[B, N]`` instead (see
        :func:`~speechbrain_interp.evaluation.suite.score_batch`).
    listens_to_masked_input : bool
        The interpretation's wave is ``ISTFT(M X)`` of the input (the
        method's ``listens_to_masked_input``): the rest's part of it is the
        wave minus the explained part, one ISTFT less.

    Returns
    -------
    dict of str to torch.Tensor
        ``[P]`` each (:func:`~speechbrain_interp.evaluation.localization.localization_metrics`
        or :func:`~speechbrain_interp.evaluation.multilabel.class_ground_truth`).

    Example
    -------
    >>> from speechbrain_interp.examples import small_classifier
    >>> from speechbrain_interp.interpreters import Interpretation
    >>> clf = small_classifier(2)
    >>> source, noise = torch.randn(1, 8000), 0.1 * torch.randn(1, 8000)
    >>> mix_mag, phase = clf.frontend.spectrogram(source + noise)
    >>> mags = (mix_mag, clf.frontend.spectrogram(source)[0], clf.frontend.spectrogram(noise)[0])
    >>> interp = Interpretation(torch.ones_like(mix_mag), torch.tensor([0]), mix_mag, phase,
    ...                         torch.zeros(1, 2))
    >>> parts = {"source": source, "contaminant": noise, "magnitudes": mags,
    ...          "label": torch.tensor([0]), "contaminant_label": None}
    >>> out = ground_truth_metrics(interp, clf, parts)
    >>> float(out["recall"]), float(out["GT"])
    (1.0, 1.0)
    """
    frontend = classifier.frontend
    mask = interpretation.mask.detach()
    if "class_sources" in parts:
        return class_ground_truth(interpretation, parts["mixture"], parts["class_sources"],
                                  parts["truth"], frontend.spectrogram)
    mix_mag, src_mag, con_mag = parts["magnitudes"]
    label, other = parts["label"], parts.get("contaminant_label")
    expl_mag, other_mag, defined = explained_parts(interpretation.label, src_mag, con_mag,
                                                   label, other)
    expl_wave, other_wave, _ = explained_parts(interpretation.label, parts["source"],
                                               parts["contaminant"], label, other)
    length = expl_wave.shape[-1]
    expl_part = frontend.mask_to_wave(mask, *frontend.spectrogram(expl_wave), length)
    if (interpretation.wave is not None and interpretation.base_magnitude is None
            and listens_to_masked_input):
        # ISTFT(M X_mix) = ISTFT(M X_expl) + ISTFT(M X_other): the STFT is linear
        other_part = interpretation.wave - expl_part
    else:
        other_part = frontend.mask_to_wave(mask, *frontend.spectrogram(other_wave), length)
    return localization_metrics(
        mask, expl_mag, other_mag, mix_mag, wave=interpretation.wave, source_wave=expl_wave,
        defined=defined, mixture_wave=expl_wave + other_wave, part_waves=(expl_part, other_part),
    )


@torch.no_grad()
def score_interpretation(classifier, interpretation, method=None, parts=None, max_batch=None,
                         subtractive=True, precision="fp32"):
    """Every per-row figure of an interpretation: masking, the method's own, ground truth.

    Runs without gradients and reads detached tensors; the interpretation
    itself is left as it is.

    Arguments
    ---------
    classifier : speechbrain_interp.classifier.AudioClassifier
        The interpreted classifier (eval mode).
    interpretation : Interpretation
        Scored on :attr:`shown_magnitude`, ``mask``, ``label`` and
        ``feature_mask`` (Mel-domain methods); its ``logits`` give the
        probabilities on the input (None: the input is classified in the
        metrics' call).
    method : speechbrain_interp.interpreters.Interpreter, optional
        The interpreter: its ``extra_metrics`` are added (none when it
        raises ``NotImplementedError``) and its ``listens_to_masked_input``
        saves an ISTFT of the ground truth. None: no method figures.
    parts : dict, optional
        The parts of the input (:func:`ground_truth_metrics`): the
        ground-truth figures are added.
    max_batch : int, optional
        Most items per classifier call.
    subtractive : bool
        Also compute PIQ's subtractive faithfulness (``PIQ_FF``).
    precision : str
        Autocast of the metrics' classifier call (``"fp32"``, ``"bf16"``,
        ``"fp16"``).

    Returns
    -------
    dict of str to torch.Tensor
        ``[P]`` each.

    Example
    -------
    >>> from speechbrain_interp.examples import small_classifier
    >>> from speechbrain_interp.interpreters import AllOnes
    >>> clf = small_classifier(3).eval()
    >>> method = AllOnes(clf)
    >>> interp = method.interpret(torch.randn(2, 8000))
    >>> out = score_interpretation(clf, interp, method, subtractive=False)
    >>> sorted(out), out["AD"].tolist()
    (['AD', 'AG', 'AI', 'COMP', 'FF', 'FidIn', 'MM', 'SPS'], [0.0, 0.0])
    """
    logits = interpretation.logits
    feature_mask = interpretation.feature_mask
    metrics = interpretation_metrics(
        classifier, interpretation.shown_magnitude.detach(), interpretation.mask.detach(),
        interpretation.label, max_batch=max_batch, feature_mask=_detached(feature_mask),
        p_input=None if logits is None else classifier.probabilities(logits.detach()),
        subtractive=subtractive, precision=precision, phase=interpretation.phase,
    )
    metrics.update(method_metrics(method, interpretation))
    if parts is not None:
        listens = bool(getattr(method, "listens_to_masked_input", False))
        metrics.update(ground_truth_metrics(interpretation, classifier, parts, listens))
    for figure in registry.computed(ground_truth=parts is not None):
        metrics[figure.name] = figure.compute(interpretation, classifier, parts).detach()
    return metrics
