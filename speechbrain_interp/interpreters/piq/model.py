"""PIQ: Posthoc Interpretation via Quantization (Paissan et al. 2023).

The deepest classifier representation goes through an adapter, is vector
quantised with the codebook segment of the explained class only (paper
Eq. 1: a clip decided as ``c`` can only use the codes of ``D_c``), and a
decoder turns the quantised map into a mask (the paper's "binary-masking
mode")::

    h' = Adapter(h)    k*(i, j) = argmin_{k in D_c} |h'_ij - d_k|    M = sigmoid(Decoder(d_k*))

Training (paper Eq. 2, audio target of App. G)::

    BCE(M, 1[log1p|X_clean| >= 0.35 max]) + |sg(h') - q|^2 + beta |h' - sg(q)|^2

with the target computed on the CLEAN clip when one is given (docs/methods.md
1.5). Multi-label classifiers (App. I): every active label is quantised with
its own segment and decoded separately, and the masked input for class ``c``
must make the classifier output the one-hot vector of ``c`` (per-class BCE on
its sigmoid outputs).

Project choices (docs/methods.md 11.7-11.11): the mask lives on ``log1p|X|`` by
default (``domain="linear"`` masks ``|X|``); the adapter is a 1x1 conv from
the classifier channels to ``dim`` (2048 -> 256 for CNN14) followed by a
residual block; the decoder is the shared
:class:`~speechbrain_interp.interpreters.lmac.decoder.MaskDecoder`, so masks
cover every input frame.

Authors
 * speechbrain-interp developers 2026
"""

import torch
import torch.nn.functional as F
from torch import nn

from speechbrain_interp.frontend import compress
from speechbrain_interp.adapters.adapted import classify_magnitude
from speechbrain_interp.interpreters.base import Interpreter
from speechbrain_interp.interpreters.interpretation import log_mask_to_linear
from speechbrain_interp.interpreters.lmac.decoder import MaskDecoder
from speechbrain_interp.interpreters.lmac.losses import binarized_target
from speechbrain_interp.interpreters.piq.codebook import ClassPartitionedVQ, ResBlock

__all__ = ["PIQ"]


class PIQ(Interpreter):
    """PIQ interpreter (adapter, class-partitioned codebook, mask decoder).

    Arguments
    ---------
    classifier : speechbrain_interp.classifier.AudioClassifier
        The classifier to explain (frozen here).
    n_codes : int
        Codebook size, split over the classes (1024: paper App. G).
    dim : int
        Code dimension; the deepest representation is projected to it
        (256: docs/methods.md 11.11, the PIQ classifier's width).
    mask_threshold : float
        Training target ``1[log1p|X| >= mask_threshold * max]`` (0.35: App. G).
    beta : float
        Commitment weight (1.0: Eq. 2 as printed; VQ-VAE often uses 0.25).
    domain : str
        ``"log"``: the mask applies to ``log1p|X|`` (papers, default) and is
        converted with :func:`log_mask_to_linear`; ``"linear"``: on ``|X|``.
    decoder_width : int
        Width of the :class:`MaskDecoder` top-down path.
    use_spectrogram : bool
        Let the decoder gate the mask with the input spectrogram.
    multilabel : bool, optional
        App. I training for multi-label classifiers (default:
        ``classifier.multilabel``).
    lambda_ml : float
        Weight of the App. I term (1.0: the paper adds it unweighted).
    lambda_consistency : float
        Single-label classifiers: weight of a classifier-consistency term,
        the cross-entropy of the classifier on the masked input against the
        explained class (0: the paper, which trains on the energy target
        only; [X] the App. I idea carried to one label, so that the mask
        keeps what the decision rests on). Costs one more classifier pass
        per training step.

    Example
    -------
    >>> from speechbrain_interp.examples import small_classifier
    >>> clf = small_classifier(3)
    >>> piq = PIQ(clf, n_codes=30, dim=16, decoder_width=16)
    >>> out = piq.interpret(torch.randn(2, 16000))
    >>> out.mask.shape, out.extras["codes"].shape
    (torch.Size([2, 87, 513]), torch.Size([2, 2, 2]))
    >>> sorted(piq.loss(out))
    ['loss', 'loss_bce', 'loss_codebook', 'loss_commitment', 'mask_mean']
    """

    trainable = True

    def __init__(
        self,
        classifier,
        n_codes=1024,
        dim=256,
        mask_threshold=0.35,
        beta=1.0,
        domain="log",
        decoder_width=64,
        use_spectrogram=True,
        multilabel=None,
        lambda_ml=1.0,
        lambda_consistency=0.0,
    ):
        super().__init__(classifier)
        if domain not in ("log", "linear"):
            raise ValueError(f"domain must be 'log' or 'linear', got {domain!r}")
        self.multilabel = classifier.multilabel if multilabel is None else bool(multilabel)
        if self.multilabel and not classifier.multilabel:
            raise ValueError("multilabel=True needs a multi-label (sigmoid) classifier")
        self.domain = domain
        self.mask_threshold, self.beta = float(mask_threshold), float(beta)
        self.lambda_ml = float(lambda_ml)
        self.lambda_consistency = float(lambda_consistency)
        if self.lambda_consistency < 0:
            raise ValueError(f"lambda_consistency must be >= 0, got {lambda_consistency}")
        self.adapter = nn.Sequential(
            nn.Conv2d(classifier.rep_channels[0], dim, kernel_size=1), ResBlock(dim)
        )
        self.vq = ClassPartitionedVQ(n_codes, dim, classifier.n_classes)
        self.decoder = MaskDecoder.for_frontend(
            [dim], classifier.frontend, width=decoder_width, use_spectrogram=use_spectrogram
        )

    def decode(self, quantized, magnitude):
        """Native mask logits ``[B, T, F]`` from a quantised map."""
        return self.decoder([quantized], compress(magnitude))

    def to_linear(self, native, magnitude):
        """Mask on ``|X|`` equivalent to the native mask (``[B, T, F]``)."""
        if self.domain == "log":
            return log_mask_to_linear(native, magnitude)
        return native

    def masked_magnitude(self, native, magnitude):
        """Linear magnitude of the interpretation (differentiable, ``[B, T, F]``)."""
        if self.domain == "log":
            return torch.expm1(native * torch.log1p(magnitude))
        return native * magnitude

    def target(self, magnitude):
        """Training target ``1[log1p|X| >= mask_threshold * max]`` per clip."""
        with torch.no_grad():
            return binarized_target(compress(magnitude), self.mask_threshold)

    def explain(self, magnitude, output, label):
        """Mask for ``label`` ``[B]``, quantised with that class's codes only.

        ``extras``: ``native_mask`` and ``native_logits`` (mask domain),
        ``codes`` ``[B, H, W]``, ``codebook_loss``, ``commitment_loss``,
        ``domain`` (and ``rep``, the deepest representation, in multi-label
        mode for the App. I loss).
        """
        label = torch.as_tensor(label, device=magnitude.device).long()
        label = label.reshape(-1).expand(magnitude.shape[0])
        rep = output.reps[0]
        vq = self.vq(self.adapter(rep), label)
        logits = self.decode(vq.quantized, magnitude)
        native = torch.sigmoid(logits)
        extras = {
            "native_mask": native,
            "native_logits": logits,
            "codes": vq.indices,
            "codebook_loss": vq.codebook_loss,
            "commitment_loss": vq.commitment_loss,
            "domain": self.domain,
        }
        if self.multilabel:
            extras["rep"] = rep
        return self.to_linear(native, magnitude), extras

    def active_labels(self, interpretation):
        """``[B, C]`` booleans: the classifier's active labels, the top one
        and the explained one always included."""
        logits = interpretation.logits.detach()
        active = torch.sigmoid(logits) >= self.classifier.threshold
        n_classes = logits.shape[-1]
        active |= F.one_hot(logits.argmax(dim=-1), n_classes).bool()
        active |= F.one_hot(interpretation.label.long().reshape(-1), n_classes).bool()
        return active

    def loss(self, interpretation, clean_magnitude=None, rest_magnitude=None):
        """Eq. 2 with the BCE target from ``clean_magnitude`` ``[B, T, F]``
        (the input itself when not given), + the App. I term (multi-label).

        Multi-label: every active label (:meth:`active_labels`) is decoded
        with its own segment; BCE and VQ terms are averaged over the
        (item, label) pairs, each against its item's target; the App. I term
        is the BCE of the classifier on each pair's masked input against the
        pair's one-hot label, summed over classes and labels (Eq. 5),
        averaged over items.

        Returns
        -------
        dict
            ``loss``, ``loss_bce``, ``loss_codebook``, ``loss_commitment``,
            ``mask_mean`` (+ ``loss_ml``, ``active_per_item``; or
            ``loss_consistency``), parts detached.
        """
        magnitude = interpretation.magnitude
        clean = magnitude if clean_magnitude is None else clean_magnitude
        if clean.shape != magnitude.shape:
            raise ValueError(
                f"clean magnitude {tuple(clean.shape)} differs from the input "
                f"{tuple(magnitude.shape)}"
            )
        target = self.target(clean)
        extras = interpretation.extras
        parts = {}
        if not self.multilabel:
            logits, native = extras["native_logits"], extras["native_mask"]
            codebook, commitment = extras["codebook_loss"], extras["commitment_loss"]
        else:
            vq, item, label = self.vq.forward_multilabel(
                self.adapter(extras["rep"]), self.active_labels(interpretation)
            )
            logits = self.decode(vq.quantized, magnitude[item])
            native, target = torch.sigmoid(logits), target[item]
            codebook, commitment = vq.codebook_loss, vq.commitment_loss
            phase = None if interpretation.phase is None else interpretation.phase[item]
            clf_logits = classify_magnitude(
                self.classifier, self.masked_magnitude(native, magnitude[item]), phase).logits
            one_hot = F.one_hot(label, clf_logits.shape[-1]).to(clf_logits.dtype)
            per_pair = F.binary_cross_entropy_with_logits(
                clf_logits, one_hot, reduction="none"
            ).sum(dim=-1)  # summed over classes (Eq. 5)
            loss_ml = per_pair.sum() / magnitude.shape[0]  # summed over labels, mean over items
            parts["loss_ml"] = loss_ml
            parts["active_per_item"] = torch.tensor(
                item.numel() / magnitude.shape[0], device=magnitude.device
            )
        bce = F.binary_cross_entropy_with_logits(logits, target)
        total = bce + codebook + self.beta * commitment
        if self.multilabel:
            total = total + self.lambda_ml * parts["loss_ml"]
        elif self.lambda_consistency > 0:
            clf_logits = classify_magnitude(
                self.classifier, self.masked_magnitude(native, magnitude),
                interpretation.phase).logits
            parts["loss_consistency"] = F.cross_entropy(
                clf_logits, interpretation.label.long().reshape(-1).to(clf_logits.device))
            total = total + self.lambda_consistency * parts["loss_consistency"]
        parts.update(loss_bce=bce, loss_codebook=codebook, loss_commitment=commitment)
        parts = {k: v.detach() for k, v in parts.items()}
        parts["mask_mean"] = native.detach().mean()
        parts["loss"] = total
        return parts
