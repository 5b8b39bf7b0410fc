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

from dataclasses import dataclass, field
from typing import Optional

import torch
import torch.nn.functional as F
from torch import nn

from speechbrain_interp.float32 import as_float32
from speechbrain_interp.precision import autocast, check_precision
from speechbrain_interp.recorded import Recorded

__all__ = [
    "Interpretation", "Interpreter", "as_wave_batch", "decided_classes", "explanation_pairs",
    "log_mask_to_linear",
]


@dataclass
class Interpretation:
    """What :meth:`Interpreter.interpret` returns (batched).

    Attributes
    ----------
    One row per explained (clip, class) pair (``P`` rows; ``P = B`` when
    each clip has one explained class).

    mask : torch.Tensor
        ``[P, T, F]`` in ``[0, 1]`` on the linear magnitude spectrogram.
    label : torch.Tensor
        ``[P]`` explained class indices.
    magnitude : torch.Tensor
        ``[P, T, F]`` linear magnitude ``|X|`` of the row's clip.
    phase : torch.Tensor
        ``[P, T, F]`` phase of the row's clip.
    logits : torch.Tensor
        ``[P, C]`` classifier logits on the row's clip.
    wave : torch.Tensor or None
        ``[P, N]`` listenable interpretation, ``ISTFT(mask * |X| e^{j phase})``.
    extras : dict
        Method-specific outputs (native masks, components, losses' inputs).
    feature_mask : torch.Tensor or None
        ``[B, T, n_features]`` in ``[0, 1]`` for methods that mask the
        classifier features (Mel domain); ``None`` for linear-domain methods.
    base_magnitude : torch.Tensor or None
        ``[B, T, F]`` the spectrogram the mask is applied to when it is not
        the input's: Perception Visualization shows ``mask * D(E(x))``, the
        decoder's reconstruction. ``None``: the input ``|X|``. The metrics
        and the listenable wave use :attr:`shown_magnitude`.
    probabilities : torch.Tensor or None
        ``[P, C]`` the classifier's probabilities on the input (softmax, or
        sigmoid for a multi-label classifier).
    clip : torch.Tensor or None
        ``[P]`` index, in the interpreted batch, of the clip each row
        explains (``None``: row ``b`` is clip ``b``).
    """

    mask: torch.Tensor
    label: torch.Tensor
    magnitude: torch.Tensor
    phase: torch.Tensor
    logits: torch.Tensor
    wave: Optional[torch.Tensor] = None
    extras: dict = field(default_factory=dict)
    feature_mask: Optional[torch.Tensor] = None
    base_magnitude: Optional[torch.Tensor] = None
    probabilities: Optional[torch.Tensor] = None
    clip: Optional[torch.Tensor] = None

    def detach(self):
        """The same interpretation with every tensor detached (in place).

        Example
        -------
        >>> x = torch.ones(1, 2, 3, requires_grad=True)
        >>> out = Interpretation(x * 0.5, torch.zeros(1), x, x, torch.zeros(1, 2),
        ...                      extras={"native": x * 2, "steps": 3}).detach()
        >>> out.mask.requires_grad, out.extras["native"].requires_grad, out.extras["steps"]
        (False, False, 3)
        """
        for name, value in vars(self).items():
            if torch.is_tensor(value):
                setattr(self, name, value.detach())
        self.extras = {k: v.detach() if torch.is_tensor(v) else v for k, v in self.extras.items()}
        return self

    @property
    def clips(self):
        """``[P]`` batch index of each row's clip (``arange(P)`` when :attr:`clip` is None)."""
        if self.clip is None:
            return torch.arange(self.mask.shape[0])
        return self.clip.cpu()

    def row_ids(self, ids, class_names=None):
        """One id per row: the clip's id, ``"<id>:<class>"`` when rows are pairs.

        Arguments
        ---------
        ids : list of str
            ``[B]`` ids of the interpreted clips.
        class_names : list of str, optional
            Names of the classes (default: their indices).

        Example
        -------
        >>> out = Interpretation(torch.zeros(3, 1, 1), torch.tensor([0, 2, 1]), *[torch.zeros(3, 1, 1)] * 2,
        ...                      torch.zeros(3, 3), clip=torch.tensor([0, 0, 1]))
        >>> out.row_ids(["a", "b"], ["dog", "car", "horn"])
        ['a:dog', 'a:horn', 'b:car']
        """
        if self.clip is None:
            return [str(i) for i in ids]
        names = class_names or [str(c) for c in range(int(self.label.max()) + 1)]
        return [f"{ids[int(c)]}:{names[int(k)]}" for c, k in zip(self.clips, self.label)]

    @property
    def shown_magnitude(self):
        """What the mask applies to: :attr:`base_magnitude` or ``|X|``."""
        return self.magnitude if self.base_magnitude is None else self.base_magnitude

    @property
    def domain(self):
        """``"features"`` when :attr:`feature_mask` is set, else ``"linear"``."""
        return "linear" if self.feature_mask is None else "features"

    @property
    def masked_magnitude(self):
        """``mask * shown_magnitude`` (``mask * |X|`` but for PV), ``[B, T, F]``."""
        return self.mask * self.shown_magnitude


def as_wave_batch(wave):
    """Checks and converts what :meth:`Interpreter.interpret` is given.

    Accepted: a torch tensor or numpy array of shape ``[N]``, ``[B, N]`` or
    ``[B, 1, N]`` (one channel), floating point (float64 is converted to
    float32) or int16/int32 PCM (scaled to ``[-1, 1)``).

    Arguments
    ---------
    wave : torch.Tensor or numpy.ndarray

    Returns
    -------
    torch.Tensor
        ``[B, N]`` float32.

    Raises
    ------
    TypeError, ValueError
        Another type or dtype, several channels, no samples, or NaN/Inf
        samples (the message names the batch items).

    Example
    -------
    >>> import numpy as np
    >>> as_wave_batch(np.array([0, 16384, -32768], dtype=np.int16))
    tensor([[ 0.0000,  0.5000, -1.0000]])
    >>> as_wave_batch(torch.zeros(2, 1, 4, dtype=torch.float64)).shape, _.dtype
    (torch.Size([2, 4]), torch.float32)
    >>> as_wave_batch(torch.tensor([[0.0, float("nan")], [0.0, 0.0]]))
    Traceback (most recent call last):
    ...
    ValueError: batch item(s) [0] hold NaN or infinite samples: clean or drop them before interpreting
    """
    if not torch.is_tensor(wave):
        try:
            import numpy as np
        except ImportError:  # pragma: no cover - numpy comes with torch
            np = None
        if np is None or not isinstance(wave, np.ndarray):
            raise TypeError(f"interpret takes a torch.Tensor or numpy array, got {type(wave).__name__}")
        wave = torch.from_numpy(np.ascontiguousarray(wave))
    if wave.dtype in (torch.int16, torch.int32):
        wave = wave.float() / float(2 ** (8 * wave.element_size() - 1))
    elif wave.is_floating_point():
        wave = wave.float()
    else:
        raise TypeError(f"waves must be float or int16/int32 PCM, got {wave.dtype}")
    if wave.dim() == 3:
        if wave.shape[1] != 1:
            raise ValueError(
                f"waves of shape {tuple(wave.shape)} have {wave.shape[1]} channels: give [B, N] "
                "or [B, 1, N] (mix the channels down first, e.g. wave.mean(dim=1))")
        wave = wave[:, 0]
    elif wave.dim() == 1:
        wave = wave.unsqueeze(0)
    elif wave.dim() != 2:
        raise ValueError(f"waves must be [N], [B, N] or [B, 1, N], got shape {tuple(wave.shape)}")
    if wave.shape[-1] == 0 or wave.shape[0] == 0:
        raise ValueError(f"waves of shape {tuple(wave.shape)} hold no samples")
    bad = (~torch.isfinite(wave)).flatten(1).any(dim=1)
    if bool(bad.any()):
        items = bad.nonzero().flatten().tolist()
        raise ValueError(f"batch item(s) {items} hold NaN or infinite samples: clean or drop "
                         "them before interpreting")
    return wave


def log_mask_to_linear(mask, magnitude):
    """Linear-magnitude mask equivalent to masking ``log1p(|X|)``.

    ``expm1(mask * log1p(|X|)) == M_lin * |X|``, so
    ``M_lin = expm1(mask * log1p|X|) / |X|`` (in ``[0, 1]`` for a mask in
    ``[0, 1]``; bins with ``|X| = 0`` get the mask value itself).

    Arguments
    ---------
    mask : torch.Tensor
        ``[B, T, F]`` mask on ``log1p(|X|)``.
    magnitude : torch.Tensor
        ``[B, T, F]`` linear magnitude.

    Returns
    -------
    torch.Tensor
        ``[B, T, F]``.

    Example
    -------
    >>> mag = torch.tensor([[[3.0, 0.0]]])
    >>> m = log_mask_to_linear(torch.tensor([[[0.5, 0.5]]]), mag)
    >>> round(float(m[0, 0, 0] * 3.0), 4), float(m[0, 0, 1])
    (1.0, 0.5)
    """
    masked = torch.expm1(mask * torch.log1p(magnitude))
    tiny = magnitude <= 1e-6
    ratio = masked / magnitude.clamp_min(1e-6)
    return torch.where(tiny, mask, ratio).clamp(0.0, 1.0)


#: in a ``[B]`` label tensor: explain this clip's decision
DECISION = -1


def decided_classes(classifier, logits):
    """What the classifier decided: ``[B]`` classes (single-label) or
    ``[B, C]`` booleans (multi-label; the most probable class where none
    passes the threshold).

    Example
    -------
    >>> from speechbrain_interp.classifier import AudioClassifier
    >>> from speechbrain_interp.frontend import SpectralFrontEnd
    >>> from speechbrain_interp.models import CNN14
    >>> tagger = AudioClassifier(SpectralFrontEnd(), CNN14(base_channels=4),
    ...                          torch.nn.Linear(128, 3), multilabel=True)
    >>> decided_classes(tagger, torch.tensor([[2.0, -1.0, 3.0], [-2.0, -1.0, -3.0]])).tolist()
    [[True, False, True], [False, True, False]]
    """
    logits = logits.detach()
    decided = classifier.decide(logits)
    if decided.dim() == 1:
        return decided.long()
    none = ~decided.any(dim=1)
    return decided | (none[:, None] & F.one_hot(logits.argmax(-1), logits.shape[-1]).bool())


def _label_tensor(label, device):
    """``label`` as a tensor, refused unless it holds class indices.

    Integers (Python, numpy or integer tensors) and, for a ``[B, C]``
    selection, booleans are accepted; floats (``3.7``) and a lone ``True``
    are not, so that a mistaken value never silently explains some class.
    """
    if isinstance(label, bool) or (isinstance(label, float)):
        raise ValueError(f"label must be a class index (int), got {label!r}")
    try:
        tensor = torch.as_tensor(label, device=device)
    except (TypeError, ValueError, RuntimeError) as err:
        raise ValueError(f"label must be a class index or a tensor of them, got {label!r}") from err
    if tensor.is_floating_point() or tensor.is_complex():
        raise ValueError(f"labels must be integer class indices, got a {tensor.dtype} tensor")
    if tensor.dtype == torch.bool and tensor.dim() != 2:
        raise ValueError("boolean labels are a [B, C] class selection; give class indices "
                         f"for one class per clip (got a {tuple(tensor.shape)} boolean tensor)")
    return tensor


def explanation_pairs(classifier, logits, label=None, sample=False, generator=None):
    """Which (clip, class) pairs an interpretation explains.

    Arguments
    ---------
    classifier : speechbrain_interp.classifier.AudioClassifier
        Gives the decision (``decide``) and whether it is multi-label.
    logits : torch.Tensor
        ``[B, C]`` the classifier's logits on the batch.
    label : int, torch.Tensor or None
        ``None``: the decision (single-label), every decided class
        (multi-label; the most probable class where none is decided). An int
        or a ``[B]`` tensor: that class for each clip (single-label: ``-1``,
        :data:`DECISION`, for the clip's decision). A ``[B, C]`` boolean
        (or 0/1) tensor: every selected class of each clip.
    sample : bool
        Multi-label with ``label=None``: one decided class per clip, drawn
        uniformly (training, where each step explains one class per clip).
    generator : torch.Generator, optional
        For the draw.

    Returns
    -------
    clip : torch.Tensor
        ``[P]`` long, batch index of each pair.
    label : torch.Tensor
        ``[P]`` long, class of each pair.

    Example
    -------
    >>> from speechbrain_interp.classifier import AudioClassifier
    >>> from speechbrain_interp.frontend import SpectralFrontEnd
    >>> from speechbrain_interp.models import CNN14
    >>> tagger = AudioClassifier(SpectralFrontEnd(), CNN14(base_channels=4),
    ...                          torch.nn.Linear(128, 3), multilabel=True)
    >>> logits = torch.tensor([[2.0, -1.0, 3.0], [-2.0, -1.0, -3.0]])
    >>> [t.tolist() for t in explanation_pairs(tagger, logits)]
    [[0, 0, 1], [0, 2, 1]]
    >>> [t.tolist() for t in explanation_pairs(tagger, logits, label=1)]
    [[0, 1], [1, 1]]
    >>> picked = torch.tensor([[False, True, True], [True, False, False]])
    >>> [t.tolist() for t in explanation_pairs(tagger, logits, label=picked)]
    [[0, 0, 1], [1, 2, 0]]
    """
    logits = logits.detach()
    n_clips, n_classes = logits.shape
    device = logits.device
    every = torch.arange(n_clips, device=device)
    if label is None:
        decided = decided_classes(classifier, logits)
        if decided.dim() == 1:
            return every, decided
        if sample:
            weights = decided.float()
            chosen = torch.multinomial(weights.cpu(), 1, generator=generator).reshape(-1)
            return every, chosen.to(device)
        label = decided
    label = _label_tensor(label, device)
    if label.dim() == 0:
        label = label.expand(n_clips)
    if label.dim() == 2:
        if tuple(label.shape) != (n_clips, n_classes):
            raise ValueError(f"a [B, C] label selection must be {(n_clips, n_classes)}, got "
                             f"{tuple(label.shape)}")
        clip, label = torch.nonzero(label.bool(), as_tuple=True)
        if clip.numel() == 0:
            raise ValueError("the label selection selects no class to explain")
        return clip, label
    if label.dim() != 1 or label.shape[0] != n_clips:
        raise ValueError(f"label must be an int, [B] or [B, C] for a batch of {n_clips}, "
                         f"got shape {tuple(label.shape)}")
    label = label.long()
    if bool((label == DECISION).any()):
        decided = decided_classes(classifier, logits)
        if decided.dim() != 1:
            raise ValueError("-1 (the decision) is for single-label classifiers")
        label = torch.where(label == DECISION, decided, label)
    if bool(((label < 0) | (label >= n_classes)).any()):
        raise ValueError(f"labels {label.tolist()} out of range for {n_classes} classes")
    return every, label


class Interpreter(Recorded, nn.Module):
    """Base class: a frozen classifier and the ``interpret`` verb.

    Arguments
    ---------
    classifier : speechbrain_interp.classifier.AudioClassifier
        The model to explain; it is frozen here (eval mode, no parameter
        gradients) and never trained by an interpreter.

    Example
    -------
    >>> from speechbrain_interp.classifier import AudioClassifier
    >>> from speechbrain_interp.frontend import SpectralFrontEnd
    >>> from speechbrain_interp.models import CNN14
    >>> class Everything(Interpreter):
    ...     def explain(self, magnitude, output, label):
    ...         return torch.ones_like(magnitude), {}
    >>> clf = AudioClassifier(SpectralFrontEnd(), CNN14(base_channels=4), torch.nn.Linear(128, 3))
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
        >>> from speechbrain_interp.classifier import AudioClassifier
        >>> from speechbrain_interp.frontend import SpectralFrontEnd
        >>> from speechbrain_interp.models import CNN14
        >>> ones = AllOnes(AudioClassifier(SpectralFrontEnd(), CNN14(base_channels=4),
        ...                                torch.nn.Linear(128, 3)))
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
            output = self.classifier(magnitude=magnitude)
        else:
            with torch.no_grad():
                output = self.classifier(magnitude=magnitude)
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
