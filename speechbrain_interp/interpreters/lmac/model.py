"""L-MAC: Listenable Maps for Audio Classifiers (Paissan, Ravanelli, Subakan 2024).

A decoder maps the classifier's four deepest representations to a mask
``M`` on the linear magnitude spectrogram ``X``; it is trained so that the
masked-in input keeps the decision and the masked-out input loses it
(paper Eq. 2)::

    lambda_in CE(f(M X), y) - lambda_out CE(f((1 - M) X), y) + lambda_l1 |M|_1 (+ lambda_tv TV(M))

with ``y = argmax f(X)`` the classifier decision (not the ground truth),
``f`` seeing the masked LINEAR spectrogram through the one feature function
(mel filterbank + log1p). The listenable interpretation is
``ISTFT(M X e^{j phase})``.

Fine-tuning (paper section 2.1): a guidance term pulls the mask toward the
binarised CLEAN spectrogram ``B = 1[log1p|X_clean| >= bin_threshold max]``,
only for items whose mask is already close to it (normalised cosine
similarity between ``M`` and ``B`` >= ``cct``); the l1 term stays on the
other items. ``domain="features"`` gives the "Mel" variant (mask on the
classifier features; listenable through the mel-to-linear spreading).

Trained on contaminated clips
(:class:`~speechbrain_interp.augment.contamination.Contamination`: another
class's clip, speech or noise over the clip), the guidance is told the part
the classifier's decision is about and the rest, and its target keeps only
the bins where that part dominates (:func:`guidance_target`): the mask learns
to leave out a loud contaminant, which the masked-in/out terms alone never
ask for (a loud contaminant does not change the decision, so keeping it
costs nothing but l1). The ESC-50 recipe (``lmac.yaml``, ``lmac_small.yaml``)
trains this way from the start (``finetune``, ``lambda_g`` 16, every item
guided: ``cct`` 0, ``bin_threshold`` 0.1); the UrbanSound8K and SONYC-UST
recipes keep the constructor's defaults (below).

Class-conditioned L-MAC (the project's extension for multi-label
classifiers, docs/datasets.md 3.2): the decoder is told the class it explains
(:class:`MaskDecoder` with ``n_classes``, FiLM at every level) and the
objective reads that class's sigmoid probability::

    lambda_in BCE(z_c(M X), 1) + lambda_out BCE(z_c((1 - M) X), 0) + lambda_l1 |M|_1
        + lambda_other mean_{c' decided, c' != c} BCE(z_c'(M X), 0)

(``-log p_c(M X) - log(1 - p_c((1 - M) X))``; the last term, ours, asks the
masked-in input to lose the OTHER classes the classifier decided, as PIQ's
App. I asks each class's interpretation to activate only its class: without
it nothing but the l1 term keeps a mask for ``c`` from keeping every other
sound of the clip as well); training explains one
decided class per clip, drawn at every step
(:func:`~speechbrain_interp.interpreters.pairs.explanation_pairs`), so masks
for each class of a clip are learnt. A single-label classifier keeps the
paper's objective; conditioning it (``conditioned=True``) lets its masks
explain any given class (e.g. the runner-up).

Defaults (upstream reference code, docs/methods.md sections 3.4 and 9; the
paper leaves them open): lambda_in 4, lambda_out 0.2, lambda_l1 0.4, TV 0,
no guidance (finetune False) and, when it is on, lambda_g 1, CCT 0.6,
binarisation 0.35.

Authors
 * speechbrain-interp developers 2026
"""

import torch
import torch.nn.functional as F

from speechbrain_interp.float32 import as_float32
from speechbrain_interp.frontend import compress
from speechbrain_interp.adapters.adapted import check_features_domain, classify_magnitude
from speechbrain_interp.interpreters.base import Interpreter
from speechbrain_interp.interpreters.lmac.decoder import ConvTransposeDecoder, MaskDecoder
from speechbrain_interp.interpreters.lmac.losses import normalized_cosine, guidance_target, total_variation

__all__ = ["LMAC"]


class LMAC(Interpreter):
    """L-MAC interpreter (decoder + objective).

    Arguments
    ---------
    classifier : speechbrain_interp.classifier.AudioClassifier
        The classifier to explain (frozen here).
    decoder : str
        ``"light"`` (:class:`MaskDecoder`, default) or ``"paper"``
        (:class:`ConvTransposeDecoder`, the paper-size reference layout).
    domain : str
        ``"linear"`` (STFT-Mel: mask on ``|X|``, listenable) or
        ``"features"`` (Mel: mask on the classifier features).
    n_reps : int
        Representations used, deepest first (4 in the paper).
    decoder_width : int
        Width of the light decoder.
    use_spectrogram : bool
        Light decoder: gate the mask with the input spectrogram.
    paper_dim : int, optional
        Internal width of the paper decoder (2048 in the paper; default:
        the deepest representation's channels).
    lambda_in, lambda_out, lambda_l1, lambda_tv : float
        Weights of the masked-in CE, masked-out CE, l1 and total variation.
    finetune : bool
        Add the guidance term (fine-tuning stage).
    lambda_g : float
        Guidance weight.
    cct : float
        Cross-correlation (cosine) threshold selecting guided items.
    bin_threshold : float
        Binarisation threshold of the clean target (fraction of the max).
    guidance : str
        ``"bce"`` (BCE between mask and binarised target) or ``"l2"``
        (mean squared distance between ``M X`` and the clean input, in the
        compressed domain).
    conditioned : bool, optional
        Tell the decoder the explained class (light decoder only); default:
        the classifier's ``multilabel``.
    refine_width : int
        Light decoder: channels of its full-resolution refinement (0 = none,
        :class:`MaskDecoder`).
    lambda_other : float
        Multi-label: weight of the term that pushes the other decided
        classes out of the masked-in input (0 = off).
    other_class_prob : float
        Single-label, conditioned: probability that a training clip mixed
        with a clip of another class (contamination ``other_class``)
        explains that clip's class instead of the decision, so that the
        decoder learns to explain a class it is asked for and not only the
        decision ("why not a siren?"), with the same objective and the
        guidance towards that clip's part (0 = the decision only). A class
        the clip does not hold is never drawn: there is no sound to find.

    An unconditioned decoder explains the decision its representations led
    to: :meth:`interpret` refuses any other ``label``
    (:attr:`explains_any_class` is False).

    Example
    -------
    >>> from speechbrain_interp.examples import small_classifier
    >>> clf = small_classifier(3)
    >>> lmac = LMAC(clf, decoder_width=16)
    >>> out = lmac.interpret(torch.randn(2, 16000))
    >>> out.mask.shape, out.wave.shape
    (torch.Size([2, 87, 513]), torch.Size([2, 16000]))
    >>> sorted(lmac.loss(out))
    ['loss', 'loss_in', 'loss_l1', 'loss_out', 'mask_mean']
    >>> tagger = small_classifier(3, multilabel=True)
    >>> per_class = LMAC(tagger, decoder_width=16).interpret(
    ...     torch.randn(1, 16000), label=torch.ones(1, 3, dtype=torch.bool))
    >>> per_class.mask.shape, per_class.label.tolist(), per_class.clip.tolist()
    (torch.Size([3, 87, 513]), [0, 1, 2], [0, 0, 0])
    >>> wave = torch.randn(1, 16000)
    >>> other = (int(clf(wave=wave).logits.argmax()) + 1) % 3
    >>> try:
    ...     lmac.interpret(wave, label=other)
    ... except ValueError as err:
    ...     print(str(err).split(":")[0] == f"cannot explain class {other} for clip 0")
    True
    >>> any_class = LMAC(clf, decoder_width=16, conditioned=True, other_class_prob=0.5)
    >>> any_class.interpret(wave, label=other).label.tolist() == [other]
    True
    """

    trainable = True

    def __init__(
        self,
        classifier,
        decoder="light",
        domain="linear",
        n_reps=4,
        decoder_width=64,
        use_spectrogram=True,
        paper_dim=None,
        lambda_in=4.0,
        lambda_out=0.2,
        lambda_l1=0.4,
        lambda_tv=0.0,
        finetune=False,
        lambda_g=1.0,
        cct=0.6,
        bin_threshold=0.35,
        guidance="bce",
        conditioned=None,
        lambda_other=0.0,
        refine_width=0,
        other_class_prob=0.0,
    ):
        super().__init__(classifier)
        self.conditioned = classifier.multilabel if conditioned is None else bool(conditioned)
        self.lambda_other = float(lambda_other)
        if self.lambda_other and not classifier.multilabel:
            raise ValueError("lambda_other is for multi-label classifiers")
        self.other_class_prob = float(other_class_prob)
        if not 0.0 <= self.other_class_prob <= 1.0:
            raise ValueError(f"other_class_prob must lie in [0, 1], got {other_class_prob}")
        if self.other_class_prob and not self.conditioned:
            raise ValueError("other_class_prob needs a class-conditioned decoder (conditioned=True)")
        if self.other_class_prob and classifier.multilabel:
            raise ValueError("other_class_prob is for single-label classifiers")
        if domain not in ("linear", "features"):
            raise ValueError(f"domain must be 'linear' or 'features', got {domain!r}")
        if domain == "features":
            check_features_domain(classifier, "L-MAC")
        if guidance not in ("bce", "l2"):
            raise ValueError(f"guidance must be 'bce' or 'l2', got {guidance!r}")
        self.domain = domain
        reps = classifier.rep_channels
        if len(reps) < n_reps:
            raise ValueError(f"the classifier has {len(reps)} representations, n_reps={n_reps}: "
                             f"set n_reps to at most {len(reps)} (--n_reps {len(reps)})")
        self.n_reps = int(n_reps)
        if decoder == "light":
            self.decoder = MaskDecoder.for_frontend(
                reps[: self.n_reps], classifier.frontend, linear=domain == "linear",
                width=decoder_width, use_spectrogram=use_spectrogram,
                n_classes=classifier.n_classes if self.conditioned else None,
                refine_width=refine_width,
            )
        elif decoder == "paper":
            if refine_width:
                raise ValueError("refine_width is an option of the light decoder (decoder: light)")
            if self.conditioned:
                raise ValueError("class conditioning needs the light decoder (decoder: light)")
            if self.n_reps != 4:
                raise ValueError("the paper decoder takes exactly 4 representations")
            self.decoder = ConvTransposeDecoder(reps[:4], dim=paper_dim)
        else:
            raise ValueError(f"decoder must be 'light' or 'paper', got {decoder!r}")
        self.lambda_in, self.lambda_out = float(lambda_in), float(lambda_out)
        self.lambda_l1, self.lambda_tv = float(lambda_l1), float(lambda_tv)
        self.finetune, self.lambda_g = bool(finetune), float(lambda_g)
        self.cct, self.bin_threshold, self.guidance = float(cct), float(bin_threshold), guidance

    @property
    def explains_any_class(self):
        """Only a class-conditioned decoder can explain a class other than the decision."""
        return self.conditioned

    def cannot_explain_message(self):
        """How to train an L-MAC that explains any class."""
        return ("this L-MAC decoder is not class-conditioned (it explains the decision only); "
                "train one that is with `conditioned: True` and `other_class_prob` > 0 on "
                "mixtures of clips (e.g. recipes/ESC50/interpret/train.py "
                "hparams/lmac_small.yaml --conditioned True --other_class_prob 0.5) or use a method that takes any class (gradcam, "
                "saliency, smoothgrad, integrated_gradients, rde)")

    def training_labels(self, contaminant_labels):
        """Single-label, conditioned: with probability ``other_class_prob``
        a clip mixed with another class's clip explains that class; the
        others (and every clip without a classed contaminant) their
        decision (``-1``)."""
        if not (self.conditioned and self.other_class_prob > 0) or self.classifier.multilabel:
            return None
        classed = contaminant_labels.long() >= 0
        drawn = torch.rand(classed.shape, device=classed.device) < self.other_class_prob
        return torch.where(classed & drawn, contaminant_labels.long(),
                           torch.full_like(contaminant_labels.long(), -1))

    def _native_input(self, magnitude, output=None):
        """Compressed input in the mask's domain, ``[B, T, F_native]``."""
        if self.domain == "linear":
            return compress(magnitude)
        if output is not None:
            return output.features
        return self.frontend.features(magnitude)

    def explain(self, magnitude, output, label):
        """Mask from the classifier's representations (and ``label`` when
        conditioned; unconditioned, L-MAC explains the decision the
        representations led to)."""
        native_input = self._native_input(magnitude, output)
        if self.conditioned:
            logits = self.decoder(output.reps[: self.n_reps], native_input, label=label)
        else:
            logits = self.decoder(output.reps[: self.n_reps], native_input)
        native = torch.sigmoid(logits)
        if self.domain == "linear":
            mask = native
        else:
            mask = self.frontend.features_mask_to_linear(native)
        extras = {"native_mask": native, "domain": self.domain}
        if self.domain == "features":
            extras["feature_mask"] = native
        return mask, extras

    def masked_logits(self, interpretation):
        """Classifier logits on the masked-in and masked-out inputs.

        One classifier call on the concatenated batch.

        Returns
        -------
        logits_in, logits_out : torch.Tensor
            ``[B, C]`` each.
        """
        native = interpretation.extras["native_mask"]
        magnitude = interpretation.magnitude
        if self.domain == "linear":
            both = torch.cat([native * magnitude, (1 - native) * magnitude])
            logits = classify_magnitude(self.classifier, both, interpretation.phase).logits
        else:
            feats = self.frontend.features(magnitude)
            both = torch.cat([native * feats, (1 - native) * feats])
            logits = self.classifier(features=both).logits
        return logits.chunk(2)

    def _other_classes_term(self, interpretation, logits_in):
        """Mean over rows of ``mean_{c'} -log(1 - p_c'(M X))`` over the other
        classes decided on ``X`` (rows with none add 0)."""
        logits = interpretation.logits.detach()
        others = self.classifier.decide(logits).clone()
        others[torch.arange(logits.shape[0]), interpretation.label.long()] = False
        terms = F.binary_cross_entropy_with_logits(
            logits_in, torch.zeros_like(logits_in), reduction="none")
        weights = others.to(terms.dtype)
        return ((terms * weights).sum(1) / weights.sum(1).clamp_min(1.0)).mean()

    def loss(self, interpretation, clean_magnitude=None, rest_magnitude=None):
        """Paper Eq. 2 (+ the fine-tuning guidance when ``finetune``); for a
        multi-label classifier, the binary form on the explained class.

        The guidance target is the binarised ``clean_magnitude`` (the input
        itself when not given); with ``rest_magnitude`` (a contaminated
        batch, :func:`guidance_target`) only the bins where the explained
        part is louder than the rest."""
        native = as_float32(interpretation.extras["native_mask"])  # float32 under mixed precision
        label = interpretation.label
        logits_in, logits_out = self.masked_logits(interpretation)
        if self.classifier.multilabel:
            index = label.long().reshape(-1, 1)
            z_in, z_out = logits_in.gather(1, index), logits_out.gather(1, index)
            loss_in = F.binary_cross_entropy_with_logits(z_in, torch.ones_like(z_in))
            loss_out = F.binary_cross_entropy_with_logits(z_out, torch.zeros_like(z_out))
            total = self.lambda_in * loss_in + self.lambda_out * loss_out
            if self.lambda_other > 0:
                loss_other = self._other_classes_term(interpretation, logits_in)
                total = total + self.lambda_other * loss_other
        else:
            loss_in = F.cross_entropy(logits_in, label)
            loss_out = F.cross_entropy(logits_out, label)
            total = self.lambda_in * loss_in - self.lambda_out * loss_out
        l1 = native.abs().mean(dim=(1, 2))
        parts = {"loss_in": loss_in, "loss_out": loss_out}
        if self.classifier.multilabel and self.lambda_other > 0:
            parts["loss_other"] = loss_other
        if self.finetune:
            clean = clean_magnitude if clean_magnitude is not None else interpretation.magnitude
            clean_native = self._native_input(clean)
            rest_native = None if rest_magnitude is None else self._native_input(rest_magnitude)
            target = guidance_target(clean_native, rest_native, self.bin_threshold)
            selected = (normalized_cosine(native.detach(), target) >= self.cct).to(native.dtype)
            if rest_magnitude is None and not self.classifier.multilabel:
                # a class other than the decision, and no part given: nothing to guide to
                decided = interpretation.logits.detach().argmax(-1) == label
                selected = selected * decided.to(selected.dtype)
            if self.guidance == "bce":
                guide = F.binary_cross_entropy(native, target, reduction="none").mean(dim=(1, 2))
            else:
                masked = native * self._native_input(interpretation.magnitude)
                guide = (masked - clean_native).pow(2).mean(dim=(1, 2))
            total = total + self.lambda_g * (selected * guide).mean()
            l1 = l1 * (1 - selected)
            parts["loss_guide"] = (selected * guide).mean()
            parts["guided_fraction"] = selected.mean()
        total = total + self.lambda_l1 * l1.mean()
        parts["loss_l1"] = l1.mean()
        if self.lambda_tv > 0:
            tv = total_variation(native).mean()
            total = total + self.lambda_tv * tv
            parts["loss_tv"] = tv
        parts = {k: v.detach() for k, v in parts.items()}
        parts["mask_mean"] = native.detach().mean()
        parts["loss"] = total
        return parts
