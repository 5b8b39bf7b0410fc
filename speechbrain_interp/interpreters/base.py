"""The one interface every interpreter satisfies: ``interpret(wave)``.

Like captum's single ``attribute`` verb, :meth:`Interpreter.interpret` is the
only call evaluation code makes, whatever the method (trained decoders,
optimisation-based explanations, gradient baselines):

    interpretation = interpreter.interpret(wave)          # [B, N] at the model rate
    interpretation.mask              # [P, T, F] mask on the LINEAR STFT magnitude
    interpretation.label             # [P] explained class
    interpretation.clip              # [P] batch index of the clip each row explains
    interpretation.masked_magnitude  # mask * |X| (mask * base_magnitude for PV)
    interpretation.wave              # [B, N] listenable interpretation (input phase)
    interpretation.feature_mask      # [B, T, n_mels] or None: the mask of a
                                     # method that masks the classifier features (Mel)

One row per explained (clip, class) pair: with a single-label classifier
and no ``label``, ``P = B`` and row ``b`` explains the decision on clip ``b``;
``label`` may name one class per clip (``[B]`` or an int: explain the
runner-up, or any class), or a ``[B, C]`` boolean selection of several
classes per clip. A multi-label classifier with no ``label`` explains every
class it decides (per-class thresholds), the most probable one for a clip
where it decides none, and one decided class drawn at random per clip in
training mode (:func:`explanation_pairs`).

The mask always covers every STFT frame of the input (no 417/425-frame
mismatch) and lives on the linear magnitude, whatever domain the method
works in: methods that mask the log1p magnitude or the mel features convert
their mask with :func:`log_mask_to_linear` or
:meth:`~speechbrain_interp.frontend.SpectralFrontEnd.features_mask_to_linear`
(the native mask stays in ``extras``). Methods that mask the classifier
features (the papers' "Mel" rows) also return that mask as
``extras["feature_mask"]``; :meth:`Interpreter.interpret` moves it to
:attr:`Interpretation.feature_mask`, and the metrics then mask the features
(``M_f * features``) instead of ``|X|``.

A subclass implements :meth:`Interpreter.explain` (mask from the classifier's
view of the input); trainable ones also implement :meth:`Interpreter.loss`.

Authors
 * speechbrain-interp developers 2026
"""

import torch
from torch import nn

from speechbrain_interp.adapters.adapted import classify_magnitude
from speechbrain_interp.float32 import as_float32
from speechbrain_interp.interpreters.interpretation import Interpretation, as_wave_batch
from speechbrain_interp.interpreters.pairs import decided_classes, explanation_pairs
from speechbrain_interp.precision import autocast, check_precision
from speechbrain_interp.recorded import Recorded

__all__ = ["Interpreter"]


class Interpreter(Recorded, nn.Module):
    """Base class: a frozen classifier and the ``interpret`` verb.

    Arguments
    ---------
    classifier : speechbrain_interp.classifier.AudioClassifier
        The model to explain; it is frozen here (eval mode, no parameter
        gradients) and never trained by an interpreter.

    Example
    -------
    >>> from speechbrain_interp.examples import small_classifier
    >>> class Everything(Interpreter):
    ...     def explain(self, magnitude, output, label):
    ...         return torch.ones_like(magnitude), {}
    >>> clf = small_classifier(3)
    >>> wave = torch.randn(2, 8000)
    >>> out = Everything(clf).interpret(wave)
    >>> out.mask.shape, out.label.shape
    (torch.Size([2, 44, 513]), torch.Size([2]))
    >>> bool((out.wave - wave).abs().max() < 1e-4)
    True
    """

    #: True for methods that need gradients w.r.t. the input (gradient baselines)
    needs_input_grad = False
    #: True for methods with trainable parameters (they implement ``loss``)
    trainable = False
    #: True when ``label`` can ask for any class (the explanation follows it);
    #: False for interpreters that explain the decision only (an L-MAC
    #: decoder that is not class-conditioned): :meth:`interpret` then refuses
    #: a label other than the classifier's decision
    explains_any_class = True
    #: True when :meth:`listen` is ``ISTFT(mask * X)`` with the input's phase
    #: (linear in ``X``: the evaluation splits the wave of a mixture into its
    #: parts' waves by subtraction); False for PV (its own magnitude)
    listens_to_masked_input = True
    #: what :attr:`precision` holds until it is set
    _precision = "fp32"

    def __init__(self, classifier):
        super().__init__()
        self.classifier = classifier.freeze()

    @property
    def precision(self):
        """``"fp32"`` (default), ``"bf16"`` or ``"fp16"``: :meth:`interpret`
        runs the classifier and the method under this autocast
        (:func:`speechbrain_interp.precision.autocast`); its masks,
        magnitudes, logits, probabilities and wave are float32 whatever it
        is. The name is checked when set, the device when interpreting
        (``fp16`` is refused on the CPU).

        Example
        -------
        >>> from speechbrain_interp.interpreters import AllOnes
        >>> from speechbrain_interp.examples import small_classifier
        >>> ones = AllOnes(small_classifier(3))
        >>> ones.precision = "bf16"
        >>> out = ones.interpret(torch.randn(1, 8000))
        >>> out.mask.dtype, out.logits.dtype, out.wave.dtype
        (torch.float32, torch.float32, torch.float32)
        >>> ones.precision = "fp8"
        Traceback (most recent call last):
        ...
        speechbrain_interp.precision.PrecisionError: precision 'fp8' is not a precision; use one of fp32, bf16, fp16
        """
        return self._precision

    @precision.setter
    def precision(self, value):
        self._precision = check_precision(value, option="precision")

    def trained_parts(self):
        """The modules a training run learns: direct children other than the
        classifier that have trainable parameters (name -> module). They are
        what checkpoints save and ``pretrained/`` folders hold."""
        return {
            name: module
            for name, module in self.named_children()
            if module is not self.classifier and any(p.requires_grad for p in module.parameters())
        }

    @property
    def frontend(self):
        """The classifier's spectral front end."""
        return self.classifier.frontend

    def analyse(self, wave):
        """Spectrogram and classifier view of ``wave`` ``[B, N]``.

        Returns
        -------
        magnitude, phase : torch.Tensor
            ``[B, T, F]``.
        output : speechbrain_interp.classifier.ClassifierOutput
        """
        if wave.dim() == 1:
            wave = wave.unsqueeze(0)
        magnitude, phase = self.frontend.spectrogram(wave)
        if self.needs_input_grad:
            output = classify_magnitude(self.classifier, magnitude, phase)
        else:
            with torch.no_grad():
                output = classify_magnitude(self.classifier, magnitude, phase)
        return magnitude, phase, output

    def interpret(self, wave, label=None, with_wave=True):
        """Explains the classifier on ``wave``: one row per (clip, class) pair.

        Arguments
        ---------
        wave : torch.Tensor or numpy.ndarray
            ``[B, N]``, ``[N]`` or ``[B, 1, N]`` at the classifier's sample
            rate (float, or int16/int32 PCM; see :func:`as_wave_batch`).
        label : int or torch.Tensor, optional
            Classes to explain (see :func:`explanation_pairs`): an int or
            ``[B]`` (one class per clip), or ``[B, C]`` booleans (several);
            default: the classifier decision (every decided class for a
            multi-label classifier).
        with_wave : bool
            Also synthesise the listenable wave (skip during training).

        Returns
        -------
        Interpretation
            ``P`` rows (``P = B`` for one class per clip); detached unless
            the interpreter is in training mode (where the loss needs the
            graph).
        """
        device = next(self.classifier.parameters()).device
        wave = as_wave_batch(wave).to(device)
        with autocast(self.precision, device):
            magnitude, phase, output = self.analyse(wave)
            asked = label is not None
            clip, label = explanation_pairs(
                self.classifier, output.logits, label,
                sample=self.training and self.classifier.multilabel,
            )
            if asked and not self.explains_any_class:
                self._refuse_other_classes(output.logits, clip, label)
            expanded = clip.shape[0] != wave.shape[0] or bool(
                (clip != torch.arange(wave.shape[0], device=clip.device)).any())
            if expanded:
                magnitude, phase, output = magnitude[clip], phase[clip], output.select(clip)
                wave = wave[clip]
            mask, extras = self.explain(magnitude, output, label)
        # what autocast left in bfloat16/float16 goes back to float32 (a cast: graphs are kept)
        mask, magnitude, phase = as_float32(mask), as_float32(magnitude), as_float32(phase)
        extras = {key: as_float32(value) for key, value in extras.items()}
        output.logits = as_float32(output.logits)
        if mask.shape != magnitude.shape:
            raise RuntimeError(
                f"{type(self).__name__} produced a mask of shape {tuple(mask.shape)} "
                f"for a spectrogram of shape {tuple(magnitude.shape)}"
            )
        result = Interpretation(
            mask=mask,
            label=label,
            magnitude=magnitude,
            phase=phase,
            logits=output.logits,
            extras=extras,
            feature_mask=extras.get("feature_mask"),
            base_magnitude=extras.get("base_magnitude"),
            probabilities=self.classifier.probabilities(output.logits.detach()),
            clip=clip if expanded else None,
        )
        if with_wave:
            result.wave = self.listen(result, wave.shape[-1])
        return result if self.training else result.detach()

    def training_labels(self, contaminant_labels):
        """Classes a training step explains, given the class of what was mixed
        into each clip (``[B]``, -1 for none: speech, noise, a clean clip).

        ``None`` (the default): the decisions. Interpreters that learn to
        explain a class other than the decision override it (a
        class-conditioned L-MAC explains the contaminating clip's class for
        a share of the mixtures); ``-1`` entries stand for the decision.
        """
        return None

    def cannot_explain_message(self):
        """Why this interpreter refuses a class other than the decision, and
        how to get one that does not."""
        return (f"{type(self).__name__} explains only the classifier's decision; use a method "
                "that takes any class (saliency, smoothgrad, integrated_gradients, gradcam, "
                "rde, piq, l2i, pv)")

    def _refuse_other_classes(self, logits, clip, label):
        """Raises ``ValueError`` when a row asks for a class this interpreter
        cannot explain (one that the classifier did not decide)."""
        decided = decided_classes(self.classifier, logits)
        if decided.dim() == 1:
            ok = decided[clip] == label
        else:
            ok = decided[clip, label]
        if bool(ok.all()):
            return
        row = int(torch.nonzero(~ok)[0, 0])
        names = getattr(self.classifier, "label_encoder", None)

        def name(index):
            index = int(index)
            if names is not None:
                try:
                    return f"{names.ind2lab[index]!r} ({index})"
                except (KeyError, AttributeError):
                    pass
            return str(index)

        said = name(decided[clip[row]]) if decided.dim() == 1 else "other classes"
        raise ValueError(
            f"cannot explain class {name(label[row])} for clip {int(clip[row])}: the classifier "
            f"decided {said}, and {self.cannot_explain_message()}")

    def forward(self, wave, label=None, with_wave=True):
        """:meth:`interpret`, so that a ``DistributedDataParallel`` wrapper
        (which calls ``forward``) averages the trained parts' gradients."""
        return self.interpret(wave, label=label, with_wave=with_wave)

    def listen(self, interpretation, length):
        """Listenable wave of an interpretation (``[B, length]``)."""
        with torch.no_grad():
            return self.frontend.mask_to_wave(
                interpretation.mask.detach(),
                interpretation.shown_magnitude.detach(),
                interpretation.phase,
                length,
            )

    def explain(self, magnitude, output, label):
        """Mask for the given classes.

        Arguments
        ---------
        magnitude : torch.Tensor
            ``[B, T, F]`` linear magnitude.
        output : speechbrain_interp.classifier.ClassifierOutput
            The classifier's view of the input (logits, representations).
        label : torch.Tensor
            ``[B]`` classes to explain.

        Returns
        -------
        mask : torch.Tensor
            ``[B, T, F]`` on the linear magnitude, in ``[0, 1]``.
        extras : dict
        """
        raise NotImplementedError

    def loss(self, interpretation, clean_magnitude=None, rest_magnitude=None):
        """Training objective of a trainable interpreter.

        Arguments
        ---------
        interpretation : Interpretation
            Output of :meth:`interpret` on the (possibly noisy) training batch.
        clean_magnitude : torch.Tensor, optional
            ``[B, T, F]`` magnitude of the clean signal when noise was added
            (of the explained part, when the batch was contaminated: the
            part whose class the classifier decided).
        rest_magnitude : torch.Tensor, optional
            ``[B, T, F]`` magnitude of everything else in the input (the
            contaminant), when known; objectives that do not use it ignore it.

        Returns
        -------
        dict
            ``"loss"`` (scalar to minimise) and its parts (detached scalars).
        """
        raise NotImplementedError(f"{type(self).__name__} is not trainable")

    def listenable_parts(self, interpretation, index, length):
        """Extra waves worth saving for one clip (name -> ``[length]``).

        Default: none. L2I returns one wave per selected NMF component.
        """
        return {}

    def save_figures(self, interpretation, index, folder, sample_rate, hop_samples, title=""):
        """Method-specific figures for one clip, written into ``folder``.

        Default: none (every method gets ``interpretation.png``). PV draws
        input, reconstruction, saliency and PV.
        """
        return []

    def extra_metrics(self, interpretation):
        """Method-specific per-clip metrics (``dict`` of ``[B]`` tensors)."""
        return {}
