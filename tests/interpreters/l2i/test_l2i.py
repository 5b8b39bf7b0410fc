"""Tests of the L2I interpreter (speechbrain_interp.interpreters.l2i)."""

import math

import pytest
import torch
import torch.nn.functional as F

from helpers import tiny_classifier
from speechbrain_interp.evaluation.metrics import interpretation_metrics
from speechbrain_interp.frontend import SpectralFrontEnd
from speechbrain_interp.interpreters import L2I
from speechbrain_interp.interpreters.l2i import Psi, Theta, relevance, select_components
from speechbrain_interp.interpreters.l2i.nmf import NMFDictionary, nmf_activations, sparse_nmf

SR = 16000
N_CLASSES = 5
K = 12


def make_classifier(n_classes=N_CLASSES, multilabel=False):
    return tiny_classifier(n_classes, multilabel=multilabel).eval()


def tonal_signal(seconds, seed=0):
    """A few tones plus a little noise."""
    g = torch.Generator().manual_seed(seed)
    t = torch.arange(int(seconds * SR)) / SR
    freqs = 200 + 3000 * torch.rand(3, generator=g)
    wave = sum(torch.sin(2 * math.pi * f * t) for f in freqs) / 3
    return wave + 0.05 * torch.randn(t.shape, generator=g)


@pytest.fixture(scope="module")
def dictionary():
    """A K=12 dictionary fitted on log1p frames of tonal and noisy signals."""
    torch.manual_seed(0)
    fe = SpectralFrontEnd()
    waves = [tonal_signal(1.0, seed) for seed in range(4)]
    waves.append(0.3 * torch.randn(SR, generator=torch.Generator().manual_seed(9)))
    mag, _ = fe.spectrogram(torch.stack(waves))
    V = torch.log1p(mag).reshape(-1, mag.shape[-1]).T  # [F, N]
    W, _, _ = sparse_nmf(V, K, mu=0.05, n_iter=40, generator=torch.Generator().manual_seed(0))
    d = NMFDictionary(fe.n_freqs, K)
    d.W.copy_(W)
    return d


def make_l2i(dictionary, **kwargs):
    torch.manual_seed(1)
    d = NMFDictionary(dictionary.n_freqs, dictionary.n_components)
    d.load_state_dict(dictionary.state_dict())
    kwargs.setdefault("width", 8)
    kwargs.setdefault("attention_dim", 8)
    return L2I(make_classifier(kwargs.pop("n_classes", N_CLASSES), kwargs.pop("ml", False)), d, **kwargs)


def batch(seconds=(0.7, 0.7)):
    n = int(seconds[0] * SR)
    return torch.stack([tonal_signal(seconds[0], seed=10 + i) for i in range(len(seconds))])[:, :n]


class FixedPsi(torch.nn.Module):
    """Psi stand-in returning given activations."""

    def __init__(self, H):
        super().__init__()
        self.H = H

    def forward(self, reps, n_frames):
        assert self.H.shape[-1] == n_frames
        return self.H


# --------------------------------------------------------------------------- relevance


def test_relevance_hand_computed():
    z = torch.tensor([[1.0, 2.0, 0.5]])
    theta_w = torch.tensor([[0.0, 0.0, 0.0], [0.5, -1.0, 2.0]])
    rel = relevance(z, theta_w, torch.tensor([1]))
    assert torch.allclose(rel, torch.tensor([[0.25, -1.0, 0.5]]))
    assert select_components(rel, 0.2).tolist() == [[True, False, True]]
    # all-zero contributions: zero relevance, nothing selected
    assert relevance(torch.zeros(1, 3), theta_w, torch.tensor([0])).abs().sum() == 0


def test_relevance_through_theta(dictionary):
    """explain() uses z and Theta's weight of the explained class."""
    l2i = make_l2i(dictionary, relevance_threshold=0.2)
    wave = batch((0.6, 0.6))
    out = l2i.interpret(wave, label=torch.tensor([1, 3]), with_wave=False)
    z, theta_w = out.extras["z"].detach(), l2i.theta.theta_w.detach()
    for b, c in enumerate((1, 3)):
        contrib = z[b] * theta_w[c]
        expected = contrib / contrib.abs().max()
        assert torch.allclose(out.extras["relevance"][b], expected, atol=1e-6)
        assert torch.equal(out.extras["selection"][b], expected > 0.2)


def test_theta_attention_pooling():
    theta = Theta(4, 3, attention_dim=5)
    H = torch.rand(2, 4, 9)
    logits, z = theta(H)
    a = torch.softmax(theta.attention_score(torch.tanh(theta.attention_hidden(H.transpose(1, 2)))).squeeze(-1), -1)
    assert torch.allclose(z, (H * a.unsqueeze(1)).sum(-1), atol=1e-6)
    assert torch.allclose(logits, z @ theta.theta_w.T, atol=1e-6)
    # input dependent: a different H gives different weights
    assert not torch.allclose(theta.attention(H), theta.attention(H.flip(-1)))
    assert torch.allclose(theta.probabilities(logits).sum(-1), torch.ones(2))


# --------------------------------------------------------------------------- masks


def test_vectorised_selection_matches_loop(dictionary):
    l2i = make_l2i(dictionary, relevance_threshold=0.0)
    out = l2i.interpret(batch((0.8,) * 3), with_wave=False)
    H, sel = out.extras["H"].detach(), out.extras["selection"]
    assert sel.any(-1).all()
    W, X = dictionary.W, torch.log1p(out.magnitude)
    for b in range(3):
        chosen = [k for k in range(K) if out.extras["relevance"][b, k] > 0.0]
        assert sel[b].nonzero().flatten().tolist() == chosen
        num = sum(torch.outer(W[:, k], H[b, k]) for k in chosen)
        frac = (num / (W @ H[b] + l2i.eps)).T
        assert torch.allclose(out.extras["native_mask"][b], frac, atol=1e-5)
        lin = torch.expm1(frac * X[b]) / out.magnitude[b]
        ok = out.magnitude[b] > 1e-3
        assert torch.allclose(out.mask[b][ok], lin[ok].clamp(0, 1), atol=1e-4)


@pytest.mark.parametrize("width,seconds", [(4, 0.5), (8, 1.1), (16, 1.7)])
def test_shapes_and_range(dictionary, width, seconds):
    l2i = make_l2i(dictionary, width=width)
    wave = batch((seconds, seconds))
    out = l2i.interpret(wave)
    T = l2i.frontend.n_frames(wave.shape[-1])
    assert out.mask.shape == (2, T, 513) == out.magnitude.shape
    assert out.wave.shape == wave.shape
    ex = out.extras
    assert ex["H"].shape == (2, K, T) and bool((ex["H"] >= 0).all())
    assert ex["z"].shape == ex["relevance"].shape == ex["selection"].shape == (2, K)
    assert ex["theta_logits"].shape == (2, N_CLASSES)
    assert ex["native_mask"].shape == (2, T, 513)
    assert out.mask.min() >= 0 and out.mask.max() <= 1
    # linear mask == expm1(X_int) / |X| where |X| > 0
    X_int = ex["native_mask"] * torch.log1p(out.magnitude)
    ok = out.magnitude > 1e-3
    assert torch.allclose((out.mask * out.magnitude)[ok], torch.expm1(X_int)[ok], atol=1e-4, rtol=1e-4)


def test_psi_cost_independent_of_length():
    psi = Psi([128, 64, 32], n_components=K, width=8)
    reps = [torch.rand(1, 128, 3, 2), torch.rand(1, 64, 3, 2), torch.rand(1, 32, 6, 5)]
    for T in (44, 101, 431):
        assert psi(reps, T).shape == (1, K, T)


def test_all_and_no_components(dictionary):
    l2i = make_l2i(dictionary)
    wave = batch((0.9, 0.9))
    mag, _ = l2i.frontend.spectrogram(wave)
    X = torch.log1p(mag).transpose(1, 2)  # [B, F, T]
    H = nmf_activations(X, dictionary.W, mu=0.0, n_iter=300)
    l2i.psi = FixedPsi(H)
    l2i.relevance_threshold = -1.5  # every component (r >= -1)
    out = l2i.interpret(wave, with_wave=False)
    assert out.extras["selection"].all()
    WH = dictionary.W @ H
    expected = (WH / (WH + l2i.eps) * X).transpose(1, 2)
    X_int = out.extras["native_mask"] * torch.log1p(mag)
    assert torch.allclose(X_int, expected, atol=1e-5)
    # the exact-NMF share of X is almost everything where W H > 0
    assert (out.extras["native_mask"] > 0.999).float().mean() > 0.99
    l2i.relevance_threshold = 1.0  # r <= 1: nothing
    out = l2i.interpret(wave, with_wave=False)
    assert not out.extras["selection"].any()
    assert out.mask.abs().max() == 0 and out.extras["native_mask"].abs().max() == 0


# --------------------------------------------------------------------------- training


def test_gradients_and_frozen_parts(dictionary):
    l2i = make_l2i(dictionary)
    clf_state = {k: v.clone() for k, v in l2i.classifier.state_dict().items()}
    W0 = l2i.nmf.W.clone()
    params = [p for p in l2i.parameters() if p.requires_grad]
    names = {n for n, p in l2i.named_parameters() if p.requires_grad}
    assert names and all(n.startswith(("psi.", "theta.")) for n in names)
    opt = torch.optim.Adam(params, lr=1e-2)
    l2i.train()
    wave = batch((0.6, 0.6))
    losses = []
    for step in range(4):
        out = l2i.interpret(wave, with_wave=False)
        parts = l2i.loss(out)
        opt.zero_grad()
        parts["loss"].backward()
        if step == 0:
            for mod in (l2i.psi, l2i.theta):
                grads = [p.grad for p in mod.parameters()]
                assert all(g is not None for g in grads)
                assert sum(float(g.abs().sum()) for g in grads) > 0
            assert all(p.grad is None for p in l2i.classifier.parameters())
        opt.step()
        losses.append(float(parts["loss"].detach()))
    assert all(math.isfinite(v) for v in losses)
    assert torch.equal(l2i.nmf.W, W0)
    for k, v in l2i.classifier.state_dict().items():
        assert torch.equal(v, clf_state[k]), k
    assert not l2i.classifier.training


def test_loss_parts_and_soft_targets(dictionary):
    l2i = make_l2i(dictionary, alpha=2.0, beta=0.5)
    out = l2i.interpret(batch((0.6, 0.6)), with_wave=False)
    ex = out.extras
    parts = l2i.loss(out)
    assert set(parts) == {"loss", "loss_fid", "loss_nmf", "loss_l1"}
    target = torch.softmax(out.logits, -1)
    fid = -(target * F.log_softmax(ex["theta_logits"], -1)).sum(-1).mean()
    X = torch.log1p(out.magnitude).transpose(1, 2)
    nmf = ((dictionary.W @ ex["H"] - X) ** 2).mean()
    l1 = ex["H"].abs().mean()
    assert torch.allclose(parts["loss_fid"], fid, atol=1e-6)
    assert torch.allclose(parts["loss_nmf"], nmf, atol=1e-6)
    assert torch.allclose(parts["loss"], fid + 2.0 * nmf + 0.5 * l1, atol=1e-5)
    # soft targets: other classifier probabilities change the loss by the formula
    new_logits = torch.tensor([[3.0, 0.0, -1.0, 0.5, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0]])
    out.logits = new_logits
    target = torch.softmax(new_logits, -1)
    fid2 = -(target * F.log_softmax(ex["theta_logits"], -1)).sum(-1).mean()
    assert torch.allclose(l2i.loss(out)["loss_fid"], fid2, atol=1e-6)
    assert not torch.allclose(fid, fid2)
    # and it is not the hard-label cross-entropy
    hard = F.cross_entropy(ex["theta_logits"], new_logits.argmax(-1))
    assert not torch.allclose(fid2, hard)


def test_multilabel_soft_bce(dictionary):
    l2i = make_l2i(dictionary, ml=True, alpha=0.0, beta=0.0)
    assert l2i.multilabel and l2i.theta.multilabel
    out = l2i.interpret(batch((0.6, 0.6)), with_wave=False)
    f = torch.sigmoid(out.logits)
    s = torch.sigmoid(out.extras["theta_logits"])
    expected = -(f * torch.log(s) + (1 - f) * torch.log(1 - s)).sum(-1).mean()
    assert torch.allclose(l2i.loss(out)["loss"], expected, atol=1e-5)


def test_unfitted_dictionary_raises(dictionary):
    l2i = L2I(make_classifier(), None, n_components=K, width=8)
    assert l2i.nmf.n_components == K
    with pytest.raises(RuntimeError, match="never fitted"):
        l2i.interpret(batch((0.5,)))
    l2i.nmf.load_state_dict(dictionary.state_dict())
    assert l2i.interpret(batch((0.5,)), with_wave=False).mask.shape[-1] == 513
    with pytest.raises(ValueError, match="bins"):
        L2I(make_classifier(), NMFDictionary(100, K))


# --------------------------------------------------------------------------- outputs


def test_extra_metrics(dictionary):
    l2i = make_l2i(dictionary, n_classes=4, relevance_threshold=0.0)
    out = l2i.interpret(batch((0.6,) * 3), with_wave=False)
    m = l2i.extra_metrics(out)
    assert set(m) == {"L2I_top1", "L2I_top3", "L2I_top4"}
    assert all(v.shape == (3,) for v in m.values())
    assert torch.all(m["L2I_top4"] == 1)
    top1 = (out.extras["theta_logits"].argmax(-1) == out.logits.argmax(-1)).float()
    assert torch.equal(m["L2I_top1"], top1)


def test_removal_fidelity_is_the_suites_subtractive_ff(dictionary):
    """L2I's removal fidelity (X_int taken out of log1p|X|), computed by hand,
    is the suite's PIQ_FF of L2I's mask: one formula, one classifier call."""
    l2i = make_l2i(dictionary, n_classes=4, relevance_threshold=0.0).eval()
    with torch.no_grad():  # a head that reacts to its input (random CNN14s barely do)
        l2i.classifier.head.weight.mul_(300.0)
    out = l2i.interpret(batch((0.6, 0.3, 0.9)), with_wave=False)
    X = torch.log1p(out.magnitude)
    x2 = torch.expm1(X - out.extras["native_mask"] * X)
    p = l2i.classifier.probabilities
    with torch.no_grad():
        p2 = p(l2i.classifier(magnitude=x2).logits)
    idx = torch.arange(3)
    ff = p(out.logits)[idx, out.label] - p2[idx, out.label]
    assert ff.abs().max() > 1e-3  # the removal changes the decision's probability
    suite = interpretation_metrics(l2i.classifier, out.magnitude, out.mask, out.label,
                                   p_input=p(out.logits), subtractive=True)
    assert torch.allclose(suite["PIQ_FF"], ff, atol=1e-5)


def test_components_waves(dictionary):
    l2i = make_l2i(dictionary, relevance_threshold=0.0)
    wave = batch((0.8, 0.8))
    with torch.no_grad():
        out = l2i.interpret(wave)
    results = l2i.components_waves(out, wave.shape[-1])
    X = torch.log1p(out.magnitude)
    for b, res in enumerate(results):
        n = int(out.extras["selection"][b].sum())
        assert res["components"].shape == (n,) and res["waves"].shape == (n, wave.shape[-1])
        assert sorted(res["components"].tolist()) == out.extras["selection"][b].nonzero().flatten().tolist()
        assert torch.all(res["relevance"][:-1] >= res["relevance"][1:])
        # the components' log1p spectrograms add up to X_int
        X_int = out.extras["native_mask"][b] * X[b]
        assert torch.allclose(torch.log1p(res["magnitudes"]).sum(0), X_int, atol=1e-4)
        assert torch.equal(res["total"], out.wave[b])
        # each wave is the ISTFT of its component with the input phase
        ref = l2i.frontend.waveform(res["magnitudes"], out.phase[b].expand_as(res["magnitudes"]), wave.shape[-1])
        assert torch.allclose(res["waves"], ref, atol=1e-5)
    assert len(l2i.components_waves(out, wave.shape[-1], top=1)[0]["components"]) <= 1


def test_single_component_is_the_interpretation(dictionary):
    """With one selected component, its wave is the interpretation itself."""
    l2i = make_l2i(dictionary, relevance_threshold=0.9999)
    with torch.no_grad():  # non-negative contributions: the largest has r = 1
        l2i.theta.classify.weight.abs_()
    wave = batch((0.8, 0.8))
    with torch.no_grad():
        out = l2i.interpret(wave)
    assert torch.equal(out.extras["selection"].sum(-1), torch.ones(2, dtype=torch.long))
    for b, res in enumerate(l2i.components_waves(out, wave.shape[-1])):
        assert res["waves"].shape == (1, wave.shape[-1])
        assert torch.allclose(res["waves"][0], out.wave[b], atol=1e-4)
