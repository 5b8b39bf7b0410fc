"""The classifier wrapper every recipe, interpreter and metric talks to.

:class:`AudioClassifier` bundles a :class:`~speechbrain_interp.frontend.SpectralFrontEnd`,
an encoder that returns ``(embedding, representations)`` (e.g.
:class:`~speechbrain_interp.models.CNN14`) and a linear head. It takes waves,
linear magnitude spectrograms or ready features, and returns the logits with
the intermediate representations (deepest first) whose channel counts
interpreters read from :attr:`AudioClassifier.rep_channels`.

Single-label heads use a softmax (decision = argmax); multi-label heads a
sigmoid (decision = probabilities above a threshold).

:class:`FourierClassifier` is the same wrapper on a note's Fourier
representation (:mod:`speechbrain_interp.fourier`, the RDE paper's NSynth
setting): it takes waves or ``(magnitude, phase)`` on the log-frequency grid.

Freezing (for interpreter training) is done with :meth:`AudioClassifier.freeze`:
eval mode that survives ``.train()`` calls and ``requires_grad_(False)``, never
``torch.no_grad``, so gradients still reach a mask applied to its input.

Authors
 * speechbrain-interp developers 2026
"""

from dataclasses import dataclass
from typing import List, Optional

import torch
import torch.nn.functional as F
from torch import nn

from speechbrain_interp.fourier import spectral_features
from speechbrain_interp.recorded import Recorded, record_argument

__all__ = ["AudioClassifier", "ClassifierOutput", "FourierClassifier"]


@dataclass
class ClassifierOutput:
    """What a classifier forward returns.

    Attributes
    ----------
    logits : torch.Tensor
        ``[B, C]`` pre-softmax (or pre-sigmoid) scores.
    embedding : torch.Tensor
        ``[B, E]`` pooled embedding.
    reps : list of torch.Tensor
        Encoder block outputs, deepest first, ``[B, C_k, T_k, F_k]``.
    features : torch.Tensor
        ``[B, T, n_features]`` classifier features that were classified.
    phase : torch.Tensor, optional
        ``[B, T, F]`` the input's phase when the classifier was given one
        with a magnitude; a method that classifies other magnitudes of the
        same clips (masked, obfuscated) passes it on, for classifiers that
        hear waves (:class:`~speechbrain_interp.adapters.AdaptedClassifier`).
    """

    logits: torch.Tensor
    embedding: torch.Tensor
    reps: List[torch.Tensor]
    features: torch.Tensor
    phase: Optional[torch.Tensor] = None

    def select(self, index):
        """The output of the items ``index`` (``[P]`` batch indices, repeats allowed).

        Example
        -------
        >>> out = ClassifierOutput(torch.arange(4.0).reshape(2, 2), torch.zeros(2, 3),
        ...                        [torch.zeros(2, 1, 1, 1)], torch.zeros(2, 5, 4))
        >>> picked = out.select(torch.tensor([1, 1, 0]))
        >>> picked.logits.tolist(), picked.reps[0].shape[0]
        ([[2.0, 3.0], [2.0, 3.0], [0.0, 1.0]], 3)
        """
        index = index.to(self.logits.device)
        return ClassifierOutput(
            self.logits[index], self.embedding[index], [r[index] for r in self.reps],
            self.features[index], None if self.phase is None else self.phase[index],
        )


class AudioClassifier(Recorded, nn.Module):
    """Front end + encoder + linear head.

    Arguments
    ---------
    frontend : speechbrain_interp.frontend.SpectralFrontEnd
        STFT and feature computation.
    embedding_model : torch.nn.Module
        Maps ``[B, T, n_features]`` to ``(embedding [B, E], reps)``; must
        expose ``rep_channels`` (deepest first) and ``emb_dim``.
    head : torch.nn.Linear
        ``E -> n_classes``.
    multilabel : bool
        Sigmoid (True) or softmax (False) outputs.
    threshold : float or list of float
        Multi-label decision threshold on the probabilities, one for every
        class or one per class. Kept as the buffer :attr:`thresholds`
        (``[C]``, saved with the model) so that thresholds tuned on the
        validation split travel with a multi-label classifier.
    pos_weight : list of float, optional
        Multi-label: weight of the positive term of each class's binary
        cross-entropy (``pos_weight`` of
        :func:`torch.nn.functional.binary_cross_entropy_with_logits`; L2I
        used ``[1, 3, 3, 3, 3, 5, 1.5, 10]`` on SONYC-UST).

    Example
    -------
    >>> from speechbrain_interp.frontend import SpectralFrontEnd
    >>> from speechbrain_interp.models import CNN14
    >>> clf = AudioClassifier(
    ...     SpectralFrontEnd(),
    ...     CNN14(n_mels=80, base_channels=4),
    ...     torch.nn.Linear(128, 10),
    ... )
    >>> out = clf(wave=torch.randn(2, 16000))
    >>> out.logits.shape, clf.n_classes, clf.rep_channels[:2]
    (torch.Size([2, 10]), 10, [128, 64])
    >>> clf.decide(out.logits).shape
    torch.Size([2])
    >>> tagger = AudioClassifier(SpectralFrontEnd(), CNN14(n_mels=80, base_channels=4),
    ...                          torch.nn.Linear(128, 3), multilabel=True,
    ...                          threshold=[0.5, 0.2, 0.9])
    >>> tagger.decide(torch.zeros(1, 3))
    tensor([[ True,  True, False]])
    """

    def __init__(
        self, frontend, embedding_model, head, multilabel=False, threshold=0.5, pos_weight=None
    ):
        super().__init__()
        self.frontend = frontend
        self.embedding_model = embedding_model
        self.head = head
        self.multilabel = bool(multilabel)
        self._frozen = False
        if head.in_features != embedding_model.emb_dim:
            raise ValueError(
                f"head expects {head.in_features} inputs but the embedding "
                f"model gives {embedding_model.emb_dim}"
            )
        n_classes = head.out_features
        thresholds = torch.as_tensor(threshold, dtype=torch.float32).reshape(-1)
        if thresholds.numel() not in (1, n_classes):
            raise ValueError(f"threshold has {thresholds.numel()} values for {n_classes} classes")
        if self.multilabel:
            self.register_buffer("thresholds", thresholds.expand(n_classes).clone())
            # a checkpoint's tuned thresholds become the recorded argument too
            self.register_load_state_dict_post_hook(lambda module, keys: module._record_thresholds())
        else:
            self.thresholds = thresholds.expand(n_classes).clone()
        self.pos_weight = None
        if pos_weight is not None:
            if not self.multilabel:
                raise ValueError("pos_weight is for multi-label (BCE) classifiers")
            weight = torch.as_tensor(pos_weight, dtype=torch.float32).reshape(-1)
            if weight.numel() != n_classes:
                raise ValueError(f"pos_weight has {weight.numel()} values for {n_classes} classes")
            self.register_buffer("pos_weight", weight, persistent=False)

    @property
    def threshold(self):
        """``[C]`` decision thresholds (multi-label; see :attr:`thresholds`)."""
        return self.thresholds

    def set_thresholds(self, thresholds):
        """Replaces the multi-label decision thresholds (e.g. tuned ones).

        Arguments
        ---------
        thresholds : float or list of float
            One value or ``C`` values in ``(0, 1)``.
        """
        values = torch.as_tensor(thresholds, dtype=torch.float32).reshape(-1)
        if values.numel() not in (1, self.n_classes):
            raise ValueError(f"{values.numel()} thresholds for {self.n_classes} classes")
        if bool(((values <= 0) | (values >= 1)).any()):
            raise ValueError(f"thresholds must lie in (0, 1), got {values.tolist()}")
        self.thresholds.copy_(values.expand(self.n_classes).to(self.thresholds.device))
        self._record_thresholds()

    def _record_thresholds(self):
        """The exported YAML rebuilds the classifier with its current thresholds."""
        if "_recorded_arguments" in self.__dict__:
            record_argument(self, "threshold", [round(float(v), 6) for v in self.thresholds])

    @property
    def n_classes(self):
        """Number of outputs of the head."""
        return self.head.out_features

    @property
    def rep_channels(self):
        """Channel counts of the representations, deepest first."""
        return list(self.embedding_model.rep_channels)

    @property
    def sample_rate(self):
        """Sample rate the front end expects."""
        return self.frontend.sample_rate

    def forward(self, wave=None, magnitude=None, features=None, phase=None):
        """Classifies one of: waves, linear magnitudes, features.

        Arguments
        ---------
        wave : torch.Tensor, optional
            ``[B, N]`` at :attr:`sample_rate`.
        magnitude : torch.Tensor, optional
            ``[B, T, F]`` linear STFT magnitude (e.g. a masked one).
        features : torch.Tensor, optional
            ``[B, T, n_features]`` classifier features.
        phase : torch.Tensor, optional
            ``[B, T, F]`` the input's phase: not needed here (the features
            are a function of ``|X|``), kept in the output for the methods
            that pass it on.

        Returns
        -------
        ClassifierOutput
        """
        given = [x is not None for x in (wave, magnitude, features)]
        if sum(given) != 1:
            raise ValueError("pass exactly one of wave, magnitude, features")
        if wave is not None:
            magnitude, _ = self.frontend.spectrogram(wave)
        if magnitude is not None:
            features = self.frontend.features(magnitude)
        embedding, reps = self.embedding_model(features)
        logits = self.head(embedding)
        return ClassifierOutput(logits, embedding, reps, features, phase)

    def logits_from_deepest(self, deepest):
        """Logits from the deepest representation ``reps[0]`` alone.

        The rest of :meth:`forward` after the encoder's last block: its
        ``pool`` (e.g. :meth:`speechbrain_interp.models.CNN14.pool`) and the
        head. ``None`` when the encoder has no ``pool``.

        Example
        -------
        >>> from speechbrain_interp.examples import small_classifier
        >>> clf = small_classifier(3).eval()
        >>> out = clf(wave=torch.randn(2, 8000))
        >>> bool(torch.allclose(clf.logits_from_deepest(out.reps[0]), out.logits))
        True
        """
        pool = getattr(self.embedding_model, "pool", None)
        return None if pool is None else self.head(pool(deepest))

    def probabilities(self, logits):
        """Softmax (single-label) or sigmoid (multi-label) of ``[B, C]`` logits."""
        if self.multilabel:
            return torch.sigmoid(logits)
        return F.softmax(logits, dim=-1)

    def decide(self, logits):
        """The classifier decision.

        Returns
        -------
        torch.Tensor
            ``[B]`` class indices (single-label) or ``[B, C]`` booleans
            (multi-label: probability >= threshold).
        """
        if self.multilabel:
            return self.probabilities(logits) >= self.thresholds.to(logits.device)
        return logits.argmax(dim=-1)

    def loss(self, logits, targets, mask=None):
        """Training loss: cross-entropy, or binary cross-entropy (multi-label).

        Arguments
        ---------
        logits : torch.Tensor
            ``[B, C]``.
        targets : torch.Tensor
            ``[B]`` class indices, or ``[B, C]`` {0, 1} (multi-label).
        mask : torch.Tensor, optional
            Multi-label: ``[B, C]`` weights of the BCE terms (0 = not
            trained, e.g. the fine classes of a group tagged only as "X");
            the loss is the mean over the kept terms.

        Returns
        -------
        torch.Tensor
            Scalar mean loss.
        """
        if self.multilabel:
            if mask is None:
                return F.binary_cross_entropy_with_logits(logits, targets.float(),
                                                          pos_weight=self.pos_weight)
            terms = F.binary_cross_entropy_with_logits(
                logits, targets.float(), pos_weight=self.pos_weight, reduction="none")
            mask = mask.to(terms.dtype)
            return (terms * mask).sum() / mask.sum().clamp_min(1.0)
        return F.cross_entropy(logits, targets.long())

    def freeze(self):
        """Eval mode (kept through later ``.train()`` calls), no parameter grads.

        Gradients still flow through the classifier to its inputs.

        Returns
        -------
        AudioClassifier
            ``self``.
        """
        self._frozen = True
        self.requires_grad_(False)
        return super().train(False)

    def train(self, mode=True):
        """Sets the training mode unless the classifier is frozen."""
        if self._frozen:
            mode = False
        return super().train(mode)


class FourierClassifier(AudioClassifier):
    """An :class:`AudioClassifier` on the Fourier representation of a note.

    ``wave --FourierRepresentation--> (m, omega) [B, K] --spectral_features-->
    [B, 5, K] --embedding model--> embedding --head--> logits``. The same
    training brain, decision, loss and freezing as :class:`AudioClassifier`.

    Arguments
    ---------
    frontend : speechbrain_interp.fourier.FourierRepresentation
        The representation (its ``sample_rate`` is the classifier's).
    embedding_model : torch.nn.Module
        ``[B, 5, K] -> (embedding [B, E], reps)`` with ``emb_dim`` and
        ``rep_channels`` (e.g. :class:`~speechbrain_interp.models.SpectralCNN`).
    head : torch.nn.Linear
        ``E -> n_classes``.
    floor : float
        Floor of :func:`~speechbrain_interp.fourier.spectral_features`.

    Example
    -------
    >>> from speechbrain_interp.fourier import FourierRepresentation
    >>> class Mean(nn.Module):
    ...     emb_dim, rep_channels = 5, [5]
    ...     def forward(self, x):
    ...         return x.mean(-1), [x]
    >>> clf = FourierClassifier(FourierRepresentation(n_samples=8000, n_freqs=64),
    ...                         Mean(), nn.Linear(5, 3))
    >>> clf(wave=torch.randn(2, 8000)).logits.shape
    torch.Size([2, 3])
    >>> clf(magnitude=torch.ones(2, 64), phase=torch.zeros(2, 64)).logits.shape
    torch.Size([2, 3])
    """

    def __init__(self, frontend, embedding_model, head, floor=1e-3):
        super().__init__(frontend, embedding_model, head)
        self.floor = float(floor)

    def forward(self, wave=None, magnitude=None, phase=None, features=None):
        """Classifies waves, a representation ``(magnitude, phase)`` or features.

        Arguments
        ---------
        wave : torch.Tensor, optional
            ``[B, N]`` notes at :attr:`sample_rate`.
        magnitude, phase : torch.Tensor, optional
            ``[B, K]`` (both or neither).
        features : torch.Tensor, optional
            ``[B, 5, K]``.

        Returns
        -------
        ClassifierOutput
        """
        given = [wave is not None, magnitude is not None or phase is not None,
                 features is not None]
        if sum(given) != 1:
            raise ValueError("pass exactly one of wave, (magnitude, phase), features")
        if wave is not None:
            coeffs = self.frontend(wave)
            magnitude, phase = coeffs.magnitude, coeffs.phase
        if features is None:
            if magnitude is None or phase is None:
                raise ValueError("pass both magnitude and phase")
            features = spectral_features(magnitude, phase, self.floor)
        embedding, reps = self.embedding_model(features)
        logits = self.head(embedding)
        return ClassifierOutput(logits, embedding, reps, features)

    def coefficients_model(self):
        """``h [N, 2, K] -> logits [N, C]``: the model the RDE solver calls."""
        return lambda h: self(magnitude=h[:, 0], phase=h[:, 1]).logits
