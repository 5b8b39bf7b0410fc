"""Sparse NMF dictionary of L2I: monotone objective, recovery, masks, sklearn."""

import math

import pytest
import torch
from scipy.optimize import linear_sum_assignment

from speechbrain_interp.frontend import SpectralFrontEnd
from speechbrain_interp.interpreters.l2i.nmf import (
    NMFDictionary,
    component_masks,
    nmf_activations,
    nmf_objective,
    normalize_columns,
    selected_mask,
    sparse_nmf,
)

F, K, N = 64, 5, 300


def _gen(seed=0):
    return torch.Generator().manual_seed(seed)


def _ground_truth(seed=0):
    """V = W H with 5 spectral bumps (unit-norm columns) and sparse H."""
    g = _gen(seed)
    f = torch.arange(F, dtype=torch.float32).unsqueeze(1)
    centres = torch.tensor([6.0, 18.0, 30.0, 42.0, 55.0])
    W = torch.exp(-0.5 * ((f - centres) / 3.0) ** 2)
    W = W + 0.3 * torch.exp(-0.5 * ((f - (centres + 20) % F) / 2.0) ** 2)
    W = normalize_columns(W)
    H = torch.rand(K, N, generator=g) * (torch.rand(K, N, generator=g) < 0.4)
    return W, 3.0 * H


def _float_noise(V):
    """Tolerance of the float32 history: ~1e-6 of 0.5 ||V||^2."""
    return 1e-6 * 0.5 * float((V.double() ** 2).sum())


def _rel_err(V, W, H):
    return float((V - W @ H).norm() / V.norm())


@pytest.mark.parametrize("mu", [0.0, 0.1, 1.0])
def test_objective_non_increasing_and_constraints(mu):
    W0, H0 = _ground_truth()
    V = W0 @ H0 + 0.05 * torch.rand(F, N, generator=_gen(1))
    W, H, history = sparse_nmf(V, K, mu=mu, n_iter=150, generator=_gen(2))
    assert history.shape == (150,)
    steps = history[1:] - history[:-1]
    assert float(steps.max()) <= _float_noise(V), steps.max()
    assert float(history[-1]) < 0.9 * float(history[0])
    assert torch.allclose(W.norm(dim=0), torch.ones(K), atol=1e-5)
    assert bool((W >= 0).all()) and bool((H >= 0).all())
    direct = float(nmf_objective(V, W, H, mu))
    assert math.isclose(float(history[-1]), direct, rel_tol=1e-3)


def test_recovers_known_factors_up_to_permutation():
    W0, H0 = _ground_truth()
    V = W0 @ H0
    W, H, _ = sparse_nmf(V, K, mu=0.0, n_iter=500, generator=_gen(3))
    err = _rel_err(V, W, H)
    assert err < 0.05, err
    cos = (normalize_columns(W0).T @ W).numpy()  # both unit norm
    rows, cols = linear_sum_assignment(-cos)
    assert float(cos[rows, cols].min()) > 0.9, cos[rows, cols]


def test_larger_mu_gives_sparser_activations():
    W0, H0 = _ground_truth()
    V = W0 @ H0 + 0.05 * torch.rand(F, N, generator=_gen(1))
    l1_per_fit, near_zero = [], []
    for mu in (0.0, 0.5, 2.0):
        W, H, _ = sparse_nmf(V, K, mu=mu, n_iter=200, generator=_gen(4))
        l1_per_fit.append(float(H.sum()) / float((W @ H).norm()))
        near_zero.append(float((H < 1e-3 * H.max()).float().mean()))
    assert l1_per_fit[0] > l1_per_fit[1] > l1_per_fit[2], l1_per_fit
    assert near_zero[0] < near_zero[1] < near_zero[2], near_zero


def test_fixed_W_only_updates_H():
    W0, H0 = _ground_truth()
    V = W0 @ H0
    W, H, history = sparse_nmf(
        V, K, mu=0.0, n_iter=300, W_init=W0, fixed_W=True
    )
    assert torch.allclose(W, W0)
    assert _rel_err(V, W, H) < 0.02
    assert float((history[1:] - history[:-1]).max()) <= _float_noise(V)


def _stft_frames():
    """log1p |STFT| frames [513, T] of tones + noise (3 clips concatenated)."""
    fe = SpectralFrontEnd()
    t = torch.arange(16000) / 16000.0
    g = _gen(5)
    waves = []
    for f0 in (220.0, 440.0, 1000.0):
        tone = sum(torch.sin(2 * math.pi * f0 * h * t) / h for h in (1, 2, 3))
        env = (torch.sin(2 * math.pi * 2 * t) > 0).float()
        waves.append(0.3 * tone * env + 0.05 * torch.randn(16000, generator=g))
    mag, _ = fe.spectrogram(torch.stack(waves))  # [3, T, 513]
    return torch.cat(list(torch.log1p(mag).transpose(1, 2)), dim=1)


@pytest.mark.parametrize("data", ["random", "stft"])
def test_matches_sklearn_nmf(data):
    sk = pytest.importorskip(
        "sklearn.decomposition", reason="scikit-learn not installed in this venv"
    )
    if data == "random":
        V, k = torch.rand(100, 400, generator=_gen(6)), 10
    else:
        V, k = _stft_frames(), 8
    n_iter = 200
    W, H, _ = sparse_nmf(V, k, mu=0.0, n_iter=n_iter, generator=_gen(7))
    ours = _rel_err(V, W, H)
    model = sk.NMF(
        n_components=k,
        init="nndsvda",
        solver="mu",
        beta_loss="frobenius",
        max_iter=n_iter,
        tol=0,
    )
    Vn = V.double().numpy()
    Ws = model.fit_transform(Vn)
    residual = Vn - Ws @ model.components_
    ref = float((residual**2).sum() ** 0.5 / (Vn**2).sum() ** 0.5)
    assert ours <= 1.1 * ref, f"{data}: ours {ours:.4f} vs sklearn {ref:.4f}"
    print(f"{data} (K={k}, {n_iter} it): ours {ours:.4f}, sklearn {ref:.4f}")


def test_activations_recover_H_and_are_batched():
    W0, H0 = _ground_truth()
    Hb = torch.stack([H0[:, :100], H0[:, 100:200], H0[:, 200:]])  # [3, K, 100]
    V = W0 @ Hb
    H = nmf_activations(V, W0, mu=0.0, n_iter=500)
    assert H.shape == (3, K, 100)
    assert float((H - Hb).norm() / Hb.norm()) < 0.02
    single = torch.stack([nmf_activations(V[b], W0, mu=0.3) for b in range(3)])
    assert torch.allclose(nmf_activations(V, W0, mu=0.3), single, atol=1e-5)


def test_selected_mask():
    W0, H0 = _ground_truth()
    H = torch.stack([H0[:, :50], H0[:, 50:100]])  # [2, K, 50]
    eps = 1e-8
    WH = W0 @ H
    ones = selected_mask(W0, H, torch.ones(2, K, dtype=torch.bool), eps)
    assert ones.shape == (2, F, 50)
    assert torch.allclose(ones, WH / (WH + eps))
    assert torch.allclose(ones[WH > 1e-3], torch.ones(()), atol=1e-4)
    none = selected_mask(W0, H, torch.zeros(2, K), eps)
    assert torch.equal(none, torch.zeros(2, F, 50))
    sel = torch.tensor([[1, 0, 1, 0, 0], [0, 1, 1, 1, 0]], dtype=torch.bool)
    mask = selected_mask(W0, H, sel, eps)
    per = component_masks(W0, H, eps)  # [2, K, F, 50]
    assert per.shape == (2, K, F, 50)
    for b in range(2):
        assert torch.allclose(mask[b], per[b, sel[b]].sum(0), atol=1e-6)
        assert torch.allclose(mask[b], selected_mask(W0, H[b], sel[b], eps), atol=1e-6)
    few = component_masks(W0, H, eps, components=[3, 1])
    assert torch.allclose(few, per[:, [3, 1]])
    assert bool((mask >= 0).all()) and bool((mask <= 1 + 1e-6).all())


def test_dictionary_module_state_dict_round_trip(tmp_path):
    W0, H0 = _ground_truth()
    d = NMFDictionary(F, K, mu=0.0, n_iter=300)
    H, history = d.fit(W0 @ H0, generator=_gen(8))
    assert (d.n_freqs, d.n_components) == (F, K)
    assert "W" in d.state_dict() and not list(d.parameters())
    assert _rel_err(W0 @ H0, d.W, H) < 0.05
    torch.save(d.state_dict(), tmp_path / "nmf.ckpt")
    d2 = NMFDictionary(F, K)
    d2.load_state_dict(torch.load(tmp_path / "nmf.ckpt"))
    assert torch.equal(d2.W, d.W)
    Hb = d2.activations((W0 @ H0).unsqueeze(0), mu=0.0)
    assert d2.reconstruct(Hb).shape == (1, F, N)
    assert torch.allclose(d2(W0 @ H0), d2.activations(W0 @ H0))
