"""L2I: Listen to Interpret (Parekh, Parekh, Mozharovskyi, d'Alché-Buc, Richard;
NeurIPS 2022).

The interpreter reads the classifier's three deepest representations and
encodes them as time activations ``H`` (``[K, T]``) of a FIXED, pre-learnt
NMF dictionary ``W`` (``[F, K]``, log1p-magnitude spectral patterns,
:class:`~speechbrain_interp.interpreters.l2i.nmf.NMFDictionary`); a small head ``Theta`` pools
``H`` over time (attention) and mimics the classifier (docs/methods.md section 2)::

    H = Psi(reps)                 z = sum_t a_t h_t       Theta(H) = softmax(theta_w z)
    loss = -f(x)^T log Theta(H) + alpha mean(X - W H)^2 + beta mean|H|

with ``X = log1p|STFT|`` and ``f(x)`` the classifier PROBABILITIES (soft
targets; binary cross-entropy for multi-label heads). The decision ``c`` is
explained by the components whose relevance
``r_k = z_k theta_w[c, k] / max_l |z_l theta_w[c, l]|`` exceeds ``tau``
(signed, so components pushing against ``c`` are never selected), and the
interpretation is their share of the NMF reconstruction applied to ``X``::

    X_int = (W diag(s) H) / (W H + eps) * X,   x_int = ISTFT(expm1(X_int), input phase)

Its mask on the linear magnitude is ``expm1(X_int) / |X|``
(:func:`~speechbrain_interp.interpreters.interpretation.log_mask_to_linear`); the native
log1p-domain mask stays in ``extras["native_mask"]``.

Authors
 * speechbrain-interp developers 2026
"""

import torch
import torch.nn.functional as F
from torch import nn

from speechbrain_interp.float32 import as_float32, float32_only
from speechbrain_interp.frontend import compress
from speechbrain_interp.interpreters.base import Interpreter
from speechbrain_interp.interpreters.interpretation import Interpretation, log_mask_to_linear
from speechbrain_interp.evaluation.metrics import topk_fidelity
from speechbrain_interp.interpreters.l2i.nmf import NMFDictionary, component_masks, selected_mask

__all__ = ["L2I", "Psi", "Theta", "relevance", "select_components"]


def relevance(z, theta_w, label, eps=1e-12):
    """Signed relevance of every component for the explained class.

    ``r_k = z_k theta_w[c, k] / max_l |z_l theta_w[c, l]|`` (0 when every
    contribution is 0).

    Arguments
    ---------
    z : torch.Tensor
        ``[B, K]`` pooled activations.
    theta_w : torch.Tensor
        ``[C, K]`` weights of Theta's class layer.
    label : torch.Tensor
        ``[B]`` explained classes.
    eps : float
        Floor of the normaliser.

    Returns
    -------
    torch.Tensor
        ``[B, K]`` in ``[-1, 1]``.

    Example
    -------
    >>> relevance(torch.tensor([[1.0, 2.0, 0.5]]), torch.tensor([[0.5, -1.0, 2.0]]), torch.tensor([0]))
    tensor([[ 0.2500, -1.0000,  0.5000]])
    """
    contribution = z * theta_w[label.long()]
    peak = contribution.abs().amax(dim=-1, keepdim=True).clamp_min(eps)
    return contribution / peak


@float32_only
def _reconstruction_error(W, H, X):
    """``mean (W H - X)^2`` (float32 under mixed precision)."""
    return (W @ H - X).pow(2).mean()


def select_components(rel, threshold):
    """Selected set ``{k : r_k > threshold}`` as a ``[B, K]`` boolean tensor.

    Example
    -------
    >>> select_components(torch.tensor([[0.25, -1.0, 0.5]]), 0.2)
    tensor([[ True, False,  True]])
    """
    return rel > threshold


class Psi(nn.Module):
    """Classifier representations -> NMF activations ``H`` ``[B, K, T]``.

    The three maps (deepest first) are projected by 1x1 convolutions to
    ``width`` channels, resized (bilinear) to the shallowest one's grid,
    concatenated and mixed by a 3x3 convolution; frequency is pooled to
    ``freq_bands`` bands that are stacked as channels (the next 1-D
    convolution weighs them: a learned frequency collapse that works for any
    number of bins); two 1-D convolutions over time, a linear upsampling to
    the ``T`` STFT frames, a 1x1 convolution to ``K`` and a ReLU.

    Arguments
    ---------
    in_channels : list of int
        Channels of the three representations, deepest first.
    n_components : int
        ``K``.
    width : int
        Internal channels.
    freq_bands : int
        Frequency bands kept before the time convolutions.

    Example
    -------
    >>> psi = Psi([32, 16, 8], n_components=12, width=8)
    >>> reps = [torch.rand(2, 32, 13, 2), torch.rand(2, 16, 13, 2), torch.rand(2, 8, 26, 5)]
    >>> H = psi(reps, 431)
    >>> H.shape, bool((H >= 0).all())
    (torch.Size([2, 12, 431]), True)
    """

    def __init__(self, in_channels, n_components, width=64, freq_bands=4):
        super().__init__()
        if len(in_channels) != 3:
            raise ValueError(f"Psi takes 3 representations, got channels {in_channels}")
        self.freq_bands = int(freq_bands)
        self.projections = nn.ModuleList(
            nn.Sequential(nn.Conv2d(c, width, 1), nn.ReLU()) for c in in_channels
        )
        self.joint = nn.Sequential(
            nn.Conv2d(3 * width, width, 3, padding=1, bias=False),
            nn.BatchNorm2d(width),
            nn.ReLU(),
        )
        self.temporal = nn.Sequential(
            nn.Conv1d(width * self.freq_bands, width, 3, padding=1, bias=False),
            nn.BatchNorm1d(width),
            nn.ReLU(),
            nn.Conv1d(width, width, 3, padding=1),
            nn.ReLU(),
        )
        self.to_components = nn.Conv1d(width, int(n_components), 1)

    def forward(self, reps, n_frames):
        """``reps`` (3 maps ``[B, C_i, T_i, F_i]``, deepest first) -> ``[B, K, n_frames]``."""
        size = reps[2].shape[-2:]
        maps = []
        for rep, proj in zip(reps, self.projections):
            x = proj(rep)
            if x.shape[-2:] != size:
                x = F.interpolate(x, size=size, mode="bilinear", align_corners=False)
            maps.append(x)
        h = self.joint(torch.cat(maps, dim=1))  # [B, w, T', F']
        h = F.adaptive_avg_pool2d(h, (h.shape[-2], self.freq_bands))
        h = h.permute(0, 1, 3, 2).flatten(1, 2)  # [B, w * bands, T']
        h = self.temporal(h)
        h = F.interpolate(h, size=int(n_frames), mode="linear", align_corners=False)
        return F.relu(self.to_components(h))


class Theta(nn.Module):
    """Attention pooling over time (Ilse et al. 2018) and a linear class layer.

    ``a = softmax_t(w^T tanh(V h_t))``, ``z = sum_t a_t h_t``,
    ``logits = theta_w z`` (no bias).

    Arguments
    ---------
    n_components : int
        ``K``.
    n_classes : int
        ``C``.
    attention_dim : int
        Hidden size of the attention scorer.
    multilabel : bool
        Sigmoid (True) or softmax outputs in :meth:`probabilities`.

    Example
    -------
    >>> theta = Theta(12, 5, attention_dim=8)
    >>> logits, z = theta(torch.rand(2, 12, 40))
    >>> logits.shape, z.shape, theta.theta_w.shape
    (torch.Size([2, 5]), torch.Size([2, 12]), torch.Size([5, 12]))
    """

    def __init__(self, n_components, n_classes, attention_dim=64, multilabel=False):
        super().__init__()
        self.attention_hidden = nn.Linear(n_components, attention_dim)
        self.attention_score = nn.Linear(attention_dim, 1, bias=False)
        self.classify = nn.Linear(n_components, n_classes, bias=False)
        self.multilabel = bool(multilabel)

    @property
    def theta_w(self):
        """``[C, K]`` class weights (used for relevance)."""
        return self.classify.weight

    def attention(self, H):
        """Attention weights ``[B, T]`` (sum to 1 over time) of ``H`` ``[B, K, T]``."""
        scores = self.attention_score(torch.tanh(self.attention_hidden(H.transpose(1, 2))))
        return torch.softmax(scores.squeeze(-1), dim=-1)

    def forward(self, H):
        """``H`` ``[B, K, T]`` -> ``(logits [B, C], z [B, K])``."""
        z = torch.einsum("bkt,bt->bk", H, self.attention(H))
        return self.classify(z), z

    def probabilities(self, logits):
        """Softmax (single-label) or sigmoid (multi-label) of the logits."""
        return torch.sigmoid(logits) if self.multilabel else torch.softmax(logits, dim=-1)


class L2I(Interpreter):
    """L2I interpreter: Psi, Theta and a frozen NMF dictionary.

    Arguments
    ---------
    classifier : speechbrain_interp.classifier.AudioClassifier
        The classifier to explain (frozen here; needs >= 3 representations).
    nmf_dictionary : speechbrain_interp.interpreters.l2i.nmf.NMFDictionary, optional
        The fitted dictionary (``F`` = the front end's bins). ``None``
        creates an unfitted one with ``n_components`` that must be loaded
        (``load_state_dict`` / Pretrainer) before interpreting.
    n_components : int
        ``K`` when ``nmf_dictionary`` is None.
    relevance_threshold : float
        ``tau``; components with relevance ``> tau`` are selected.
    alpha, beta : float
        Weights of the NMF reconstruction and the l1 term on ``H``.
    width : int
        Internal channels of :class:`Psi`.
    attention_dim : int
        Hidden size of Theta's attention.
    freq_bands : int
        Frequency bands kept by :class:`Psi`.
    eps : float
        Denominator floor of the soft masks ``W_L H_L / (W H + eps)``.
    multilabel : bool, optional
        Binary cross-entropy fidelity and sigmoid Theta; default: the
        classifier's ``multilabel``.
    reconstruct_clean : bool
        Fit ``W H`` to the CLEAN spectrogram when the training batch is
        noisy (``loss(..., clean_magnitude)``); default: the input.

    Example
    -------
    >>> from speechbrain_interp.examples import small_classifier
    >>> clf = small_classifier(3)
    >>> d = NMFDictionary(513, 8)
    >>> _ = d.fit(torch.rand(513, 64), n_iter=5, generator=torch.Generator().manual_seed(0))
    >>> l2i = L2I(clf, d, width=8)
    >>> out = l2i.interpret(torch.randn(2, 16000))
    >>> out.mask.shape, out.wave.shape, out.extras["H"].shape
    (torch.Size([2, 87, 513]), torch.Size([2, 16000]), torch.Size([2, 8, 87]))
    >>> sorted(l2i.loss(out))
    ['loss', 'loss_fid', 'loss_l1', 'loss_nmf']
    >>> sorted(l2i.extra_metrics(out))
    ['L2I_top1', 'L2I_top3']
    """

    trainable = True

    def __init__(
        self,
        classifier,
        nmf_dictionary=None,
        n_components=100,
        relevance_threshold=0.2,
        alpha=10.0,
        beta=0.8,
        width=64,
        attention_dim=64,
        freq_bands=4,
        eps=1e-10,
        multilabel=None,
        reconstruct_clean=False,
    ):
        super().__init__(classifier)
        reps = classifier.rep_channels
        if len(reps) < 3:
            raise ValueError(f"L2I needs 3 representations, the classifier has {len(reps)}")
        n_freqs = self.frontend.n_freqs
        if nmf_dictionary is None:
            nmf_dictionary = NMFDictionary(n_freqs, n_components)
        if nmf_dictionary.n_freqs != n_freqs:
            raise ValueError(
                f"the NMF dictionary has {nmf_dictionary.n_freqs} bins, the front end {n_freqs}"
            )
        self.nmf = nmf_dictionary.requires_grad_(False)
        K = self.nmf.n_components
        self.multilabel = classifier.multilabel if multilabel is None else bool(multilabel)
        self.psi = Psi(reps[:3], K, width=width, freq_bands=freq_bands)
        self.theta = Theta(K, classifier.n_classes, attention_dim, self.multilabel)
        self.relevance_threshold = float(relevance_threshold)
        self.alpha, self.beta, self.eps = float(alpha), float(beta), float(eps)
        self.reconstruct_clean = bool(reconstruct_clean)
        self._checked = None

    @property
    def W(self):
        """``[F, K]`` the fixed dictionary (checked to be fitted)."""
        W = self.nmf.W
        key = (W.data_ptr(), W._version)
        if self._checked != key:
            if W.numel() > 1 and bool((W == W.reshape(-1)[0]).all()):
                raise RuntimeError(
                    "the NMF dictionary of L2I was never fitted nor loaded (W is the constant "
                    "placeholder): call NMFDictionary.fit on log1p spectrogram frames or load "
                    "a fitted one (load_state_dict / Pretrainer) before interpreting"
                )
            self._checked = key
        return W

    def explain(self, magnitude, output, label):
        """Activations, Theta's view and the mask of the selected components.

        Extras: ``H`` ``[B, K, T]``, ``z`` ``[B, K]``, ``theta_logits``
        ``[B, C]``, ``relevance`` and ``selection`` ``[B, K]``,
        ``native_mask`` ``[B, T, F]`` (fraction of ``log1p|X|`` kept).
        """
        W = self.W
        H = self.psi(output.reps[:3], magnitude.shape[1])
        theta_logits, z = self.theta(H)
        rel = relevance(z.detach(), self.theta.theta_w.detach(), label)
        selection = select_components(rel, self.relevance_threshold)
        native = selected_mask(W, H, selection, self.eps).transpose(1, 2)
        mask = log_mask_to_linear(native, magnitude)
        extras = {
            "H": H, "z": z, "theta_logits": theta_logits, "relevance": rel,
            "selection": selection, "native_mask": native, "domain": "log1p",
        }
        return mask, extras

    def loss(self, interpretation, clean_magnitude=None, rest_magnitude=None):
        """Paper Eq. 4: soft-target fidelity + alpha NMF MSE + beta mean|H|."""
        extras = interpretation.extras
        # float32 under mixed precision (CPU autocast leaves log_softmax in bf16)
        H, theta_logits = as_float32(extras["H"]), as_float32(extras["theta_logits"])
        target = self.theta.probabilities(as_float32(interpretation.logits.detach()))
        if self.multilabel:
            fid = F.binary_cross_entropy_with_logits(theta_logits, target, reduction="none")
            fid = fid.sum(-1).mean()
        else:
            fid = -(target * F.log_softmax(theta_logits, dim=-1)).sum(-1).mean()
        magnitude = interpretation.magnitude
        if self.reconstruct_clean and clean_magnitude is not None:
            magnitude = clean_magnitude
        X = compress(magnitude.detach()).transpose(1, 2)  # [B, F, T]
        nmf = _reconstruction_error(self.W, H, X)
        l1 = H.abs().mean()
        total = fid + self.alpha * nmf + self.beta * l1
        parts = {"loss_fid": fid, "loss_nmf": nmf, "loss_l1": l1}
        return {"loss": total, **{k: v.detach() for k, v in parts.items()}}

    def extra_metrics(self, interpretation):
        """Top-k fidelity of Theta (k = 1, 3, 5, capped at ``C``).

        ``L2I_top<k>``: 1 if the classifier decision (argmax of its logits)
        is among Theta's ``k`` best classes (no classifier call). L2I's
        removal fidelity ``f(x)_c - f(x_2)_c`` with
        ``|X_2| = expm1(log1p|X| - X_int)`` is the metric suite's
        ``PIQ_FF`` of this method's mask (the linear mask is
        :func:`log_mask_to_linear` of the native one, so the compressed-domain
        subtraction removes exactly ``X_int``), computed in the suite's
        batched classifier call, not here.
        """
        scores = interpretation.extras["theta_logits"].detach()
        decision = interpretation.logits.detach().argmax(dim=-1)
        return {f"L2I_top{k}": topk_fidelity(decision, scores, k)
                for k in sorted({min(k, scores.shape[-1]) for k in (1, 3, 5)})}

    def listenable_parts(self, interpretation, index, length, top=5):
        """The ``top`` most relevant selected components of clip ``index`` as
        waves named ``component_<k>`` (k = dictionary index)."""
        sub = Interpretation(
            mask=interpretation.mask[index : index + 1],
            label=interpretation.label[index : index + 1],
            magnitude=interpretation.magnitude[index : index + 1],
            phase=interpretation.phase[index : index + 1],
            logits=interpretation.logits[index : index + 1],
            wave=None if interpretation.wave is None else interpretation.wave[index : index + 1],
            extras={k: interpretation.extras[k][index : index + 1]
                    for k in ("H", "relevance", "selection")},
        )
        parts = self.components_waves(sub, length, top=top)[0]
        return {f"component_{int(k)}": w for k, w in zip(parts["components"], parts["waves"])}

    @torch.no_grad()
    def components_waves(self, interpretation, length, top=None):
        """Listenable selected components of every clip, most relevant first.

        ``X_k = w_k h_k^T / (W H + eps) * log1p|X|`` and
        ``x_k = ISTFT(expm1(X_k), input phase)``; the selected ``X_k`` sum to
        ``X_int`` (the waves do not sum exactly: expm1 is not linear).

        Arguments
        ---------
        interpretation : Interpretation
            Output of :meth:`interpret`.
        length : int
            Samples per wave.
        top : int, optional
            Keep at most the ``top`` most relevant selected components.

        Returns
        -------
        list of dict
            One per clip: ``components`` ``[n]`` indices, ``relevance`` ``[n]``,
            ``magnitudes`` ``[n, T, F]`` (``expm1(X_k)``), ``waves``
            ``[n, length]`` and ``total`` ``[length]`` (the interpretation,
            all selected components).
        """
        extras = interpretation.extras
        H, rel, selection = extras["H"].detach(), extras["relevance"], extras["selection"]
        X = compress(interpretation.magnitude.detach())
        W = self.W
        total = interpretation.wave
        if total is None:
            total = self.listen(interpretation, length)
        results = []
        for b in range(H.shape[0]):
            idx = torch.nonzero(selection[b]).flatten()
            idx = idx[rel[b, idx].argsort(descending=True)]
            if top is not None:
                idx = idx[: int(top)]
            masks = component_masks(W, H[b], self.eps, components=idx)  # [n, F, T]
            mags = torch.expm1(masks.transpose(1, 2) * X[b])
            phase = interpretation.phase[b].expand_as(mags)
            waves = self.frontend.waveform(mags, phase, length) if len(idx) else mags.new_zeros(0, length)
            results.append({"components": idx, "relevance": rel[b, idx], "magnitudes": mags,
                            "waves": waves, "total": total[b]})
        return results
