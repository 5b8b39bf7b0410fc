"""RDE: solver, obfuscations, Fourier-domain queries on synthetic notes, STFT interpreter."""

import numpy as np
import pytest
import torch

from speechbrain_interp.classifier import FourierClassifier
from speechbrain_interp.fourier import FourierRepresentation
from speechbrain_interp.interpreters.rde import FourierInpainter
from speechbrain_interp.models import SpectralCNN
from speechbrain_interp.interpreters.rde.fourier_rde import FourierRDE, band_mass, coefficients
from speechbrain_interp.interpreters.rde.obfuscation import (
    ConstantObfuscation,
    GaussianObfuscation,
    InpainterObfuscation,
    build_obfuscation,
)
from speechbrain_interp.interpreters.rde.solver import rate_distortion_curve, solve_rde
from speechbrain_interp.synthetic.notes import NOTE_FAMILIES, synthesize_note

SR = 16000


def _linear_model(weights):
    """Logits ``[x . w, -x . w]``: only coefficients with weight matter."""
    w = torch.as_tensor(weights, dtype=torch.float32)
    return lambda x: torch.stack([x @ w, -(x @ w)], dim=1)


def test_l1_solver_keeps_exactly_the_coefficients_the_model_reads():
    model = _linear_model([1.0, 1.0, 0, 0, 0, 0, 0, 0])
    res = solve_rde(model, torch.ones(2, 8), ConstantObfuscation(0.0), relaxation="l1",
                    lam=2.0, steps=200, lr=0.05, n_samples=1)
    assert float(res.mask[:, :2].min()) > 0.7 and float(res.mask[:, 2:].max()) < 0.05
    assert res.rate.shape == (2,) and len(res.history["loss"]) == 200
    assert res.history["loss"][-1] < res.history["loss"][0]


def test_bernoulli_solver_finds_the_relevant_bits():
    model = _linear_model([2.0, 0, 0, 2.0, 0, 0, 0, 0])
    res = solve_rde(model, torch.ones(3, 8), ConstantObfuscation(0.0), relaxation="bernoulli",
                    lam=1.0, steps=300, lr=0.05, n_samples=4,
                    generator=torch.Generator().manual_seed(0))
    relevant = res.mask[:, [0, 3]]
    others = res.mask[:, [1, 2, 4, 5, 6, 7]]
    assert float(relevant.min()) > 0.8 and float(others.max()) < 0.2
    assert float(res.distortion.max()) < 0.5


def test_batched_solve_equals_solving_each_input_alone():
    """Objectives are summed and Adam is elementwise: the batch changes nothing."""
    torch.manual_seed(0)
    w = torch.randn(8)
    h = torch.rand(4, 8) + 0.5
    kwargs = dict(relaxation="l1", lam=0.5, steps=60, lr=0.05, n_samples=1)
    batched = solve_rde(_linear_model(w), h, ConstantObfuscation(0.0), **kwargs)
    for i in range(4):
        alone = solve_rde(_linear_model(w), h[i:i + 1], ConstantObfuscation(0.0), **kwargs)
        assert torch.allclose(alone.mask[0], batched.mask[i], atol=1e-5)


def test_groups_share_one_mask_and_average_the_objective():
    # input 0 needs coefficient 0, input 1 needs coefficient 1: one shared mask keeps both
    h = torch.tensor([[1.0, 0.0, 1.0, 1.0], [0.0, 1.0, 1.0, 1.0]])
    model = _linear_model([1.0, 1.0, 0.0, 0.0])
    res = solve_rde(model, h, ConstantObfuscation(0.0), relaxation="l1", lam=0.3,
                    steps=200, groups=torch.tensor([0, 0]), n_samples=1)
    assert res.mask.shape == (1, 4)
    assert float(res.mask[0, :2].min()) > 0.5 and float(res.mask[0, 2:].max()) < 0.05


def test_rate_distortion_curve_falls_as_more_is_kept():
    w = torch.tensor([4.0, 2.0, 1.0, 0.5, 0, 0, 0, 0])
    h = torch.ones(2, 8)
    curve = rate_distortion_curve(_linear_model(w), h, w.expand(2, 8), ConstantObfuscation(0.0),
                                  rates=(0.0, 0.125, 0.25, 0.5), n_samples=1)
    med = curve.mean(1).tolist()
    assert med == sorted(med, reverse=True) and med[-1] == pytest.approx(0.0)
    assert med[1] == pytest.approx((7.5 - 4.0) ** 2)


def test_gaussian_obfuscation_uses_each_parts_statistics():
    h = torch.stack([torch.full((2000,), 5.0), torch.linspace(0, 1, 2000)]).unsqueeze(0)
    h[0, 0, ::2] = 7.0  # magnitude part: mean 6, std 1
    y = GaussianObfuscation(per_part=True, min_value=None)(
        h, torch.zeros_like(h), 50, torch.Generator().manual_seed(0))
    assert float(y[:, 0, 0].mean()) == pytest.approx(6.0, abs=0.05)
    assert float(y[:, 0, 0].std()) == pytest.approx(1.0, abs=0.05)
    assert float(y[:, 0, 1].mean()) == pytest.approx(0.5, abs=0.05)
    kept = GaussianObfuscation()(h, torch.ones_like(h), 2)
    assert torch.equal(kept[0], h)


def test_inpainter_obfuscation_keeps_kept_bins_and_passes_gradients():
    g = FourierInpainter()
    ob = InpainterObfuscation(g)
    h = torch.rand(2, 2, 1024)
    s = (torch.rand(2, 2, 1024) > 0.5).float().requires_grad_(True)
    y = ob(h, s, 3, torch.Generator().manual_seed(0))
    kept = s.detach().bool().unsqueeze(0).expand_as(y)
    assert torch.equal(y[kept], h.unsqueeze(0).expand_as(y)[kept])
    y.sum().backward()
    assert s.grad is not None and float(s.grad.abs().sum()) > 0
    assert not any(p.requires_grad for p in g.parameters())
    with pytest.raises(ValueError, match="in-painter"):
        build_obfuscation("inpainter")
    with pytest.raises(ValueError, match="unknown obfuscation"):
        build_obfuscation("blur")


def test_band_mass_by_hand():
    centres = torch.tensor([30.0, 45.0, 100.0, 1000.0])
    mass, chance = band_mass(torch.tensor([0.5, 0.5, 0.0, 1.0]), centres, [(30, 60)])
    assert (mass, chance) == (0.5, 0.5)
    assert band_mass(torch.zeros(4), centres, [(30, 60)])[0] == 0.0


# ----- Fourier-domain RDE on synthetic notes with known cues ---------------------------

FAMILIES = ("guitar", "bass", "flute", "organ", "string")


@pytest.fixture(scope="module")
def note_classifier():
    """A small Fourier classifier trained on synthetic notes (about 20 s)."""
    torch.manual_seed(0)
    rep = FourierRepresentation(sample_rate=SR, n_samples=4 * SR)
    waves, labels = [], []
    for c, family in enumerate(FAMILIES):
        for k in range(24):
            rng = np.random.default_rng(1000 * c + k)
            waves.append(torch.tensor(synthesize_note(family, 4 * SR, SR, rng)[0],
                                      dtype=torch.float32))
            labels.append(c)
    waves, labels = torch.stack(waves), torch.tensor(labels)
    with torch.no_grad():
        coeffs = rep(waves)
    net = SpectralCNN(in_channels=5, channels=[16, 32, 64, 64], emb_dim=128)
    clf = FourierClassifier(rep, net, torch.nn.Linear(net.emb_dim, len(FAMILIES)))
    opt = torch.optim.Adam(clf.parameters(), 3e-3)
    gen = torch.Generator().manual_seed(0)
    for _ in range(300):
        idx = torch.randint(0, len(labels), (32,), generator=gen)
        loss = torch.nn.functional.cross_entropy(
            clf(magnitude=coeffs.magnitude[idx], phase=coeffs.phase[idx]).logits, labels[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
    clf.freeze()
    test = [torch.tensor(synthesize_note(f, 4 * SR, SR, np.random.default_rng(99000 + k))[0],
                         dtype=torch.float32) for f in FAMILIES for k in range(3)]
    test_labels = torch.tensor([c for c in range(len(FAMILIES)) for _ in range(3)])
    with torch.no_grad():
        test_coeffs = rep(torch.stack(test))
        decided = clf(magnitude=test_coeffs.magnitude, phase=test_coeffs.phase).logits.argmax(-1)
    acc = float((decided == test_labels).float().mean())
    assert acc >= 0.8, f"the toy note classifier reached only {acc:.2f}: {decided.tolist()}"
    return clf, test_coeffs, test_labels


@pytest.mark.slow
def test_frequency_masks_land_in_the_known_bands(note_classifier):
    """Most of each mask's mass lies in the family's cue band.

    The cue bands hold 7-14 % of the grid (a flat mask's share). The
    threshold 0.5 asks for at least 3.5x chance, i.e. "most of the mass".
    """
    clf, coeffs, labels = note_classifier
    rde = FourierRDE(clf, GaussianObfuscation(per_part=True), lam=100.0, steps=150, lr=0.05,
                     n_samples=4)
    banded = [i for i, c in enumerate(labels) if NOTE_FAMILIES[FAMILIES[c]]["bands"]]
    out = rde.explain(coeffs[banded], label=labels[banded],
                      generator=torch.Generator().manual_seed(0))
    shares = []
    for row, i in enumerate(banded):
        mass, chance = band_mass(out.mask[row], clf.frontend.centres,
                                 NOTE_FAMILIES[FAMILIES[labels[i]]]["bands"])
        assert chance < 0.15
        shares.append(mass)
    assert np.median(shares) > 0.5, shares
    assert float(out.rate.median()) < 0.2  # sparse: a fifth of the bands at most


def test_magnitude_vs_phase_query_returns_one_pair_per_class():
    """A model that reads only the phase of class 0's notes and only the magnitude
    of class 1's: the query keeps phase for class 0 and magnitude for class 1."""
    torch.manual_seed(0)
    h = torch.rand(6, 2, 1024) + 0.5
    classes = torch.tensor([0, 0, 0, 1, 1, 1])

    def model(x):
        phase_score, mag_score = x[:, 1].mean(1), x[:, 0].mean(1)
        return torch.stack([4 * phase_score, 4 * mag_score], dim=1)

    class Stub(torch.nn.Module):
        frontend = None

        def freeze(self):
            return self

        def forward(self, magnitude, phase):
            from speechbrain_interp.classifier import ClassifierOutput
            logits = model(torch.stack([magnitude, phase], dim=1))
            return ClassifierOutput(logits, logits, [], None)

    from speechbrain_interp.fourier import FourierCoefficients
    coeffs = FourierCoefficients(h[:, 0], h[:, 1], torch.zeros(6, 3), torch.ones(6))
    rde = FourierRDE(Stub(), ConstantObfuscation(0.0), lam=1.0, steps=150, lr=0.05,
                     n_samples=2, init=0.5)
    # each class explains its own logit
    pairs = rde.magnitude_vs_phase(coeffs, classes, generator=torch.Generator().manual_seed(0))
    assert sorted(pairs) == [0, 1]
    assert pairs[0][1] > 0.9 and pairs[0][0] < 0.1
    assert pairs[1][0] > 0.9 and pairs[1][1] < 0.1
    assert rde.last_result.mask.shape == (2, 2)


def test_exact_solver_enumerates_the_corners_by_hand():
    """Two-entry masks, constant-0 obfuscation, a model reading x[:, 0] for
    class 0 and x[:, 1] for class 1: every corner's distortion is known."""
    h = torch.tensor([[1.0, 2.0], [3.0, 1.0], [2.0, 2.0]])
    label = torch.tensor([0, 0, 1])
    groups = torch.tensor([0, 0, 1])

    def model(x):
        return torch.stack([x[:, 0], x[:, 1]], dim=1)

    res = solve_rde(model, h, ConstantObfuscation(0.0), label=label, groups=groups,
                    relaxation="exact", lam=1.0, steps=300, lr=0.05, n_samples=1, init=0.5)
    # corners [nothing, entry 0 only, entry 1 only, both]; d1 = squared logit change
    # group 0 reads entry 0: (1^2 + 3^2) / 2 = 5 when entry 0 is dropped
    assert res.corners[0].tolist() == pytest.approx([5.0, 0.0, 5.0, 0.0])
    assert res.corners[1].tolist() == pytest.approx([4.0, 4.0, 0.0, 0.0])
    # lambda 1: keeping the read entry costs 0.5 against a distortion of 5 or 4
    assert res.mask.flatten().tolist() == pytest.approx([1.0, 0.0, 0.0, 1.0], abs=1e-3)
    assert res.distortion.tolist() == pytest.approx([0.0, 0.0], abs=1e-3)
    # lambda 20: keeping anything costs 10, more than dropping all (5 or 4)
    res = solve_rde(model, h, ConstantObfuscation(0.0), label=label, groups=groups,
                    relaxation="exact", lam=20.0, steps=300, lr=0.05, n_samples=1, init=0.5)
    assert res.mask.flatten().tolist() == pytest.approx([0.0] * 4, abs=1e-3)
    assert res.distortion.tolist() == pytest.approx([5.0, 4.0], abs=1e-3)


def test_exact_solver_refuses_large_masks():
    with pytest.raises(ValueError, match="exact"):
        solve_rde(lambda x: x[:, :2], torch.ones(1, 16), ConstantObfuscation(0.0),
                  relaxation="exact", steps=1)
