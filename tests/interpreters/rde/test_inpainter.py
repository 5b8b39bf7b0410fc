"""Fourier in-painter for RDE, its masks/loss/composition, and the spectral CNN."""

import math

import pytest
import torch

from speechbrain_interp.interpreters.rde import FourierInpainter
from speechbrain_interp.models import SpectralCNN
from speechbrain_interp.interpreters.rde.inpainting import (
    MASK_KINDS,
    compose,
    energy_score_loss,
    inpainting_loss,
    random_masks,
)

K = 1024


def _note(batch, seed=0):
    gen = torch.Generator().manual_seed(seed)
    magnitude = torch.rand(batch, K, generator=gen)
    magnitude = magnitude / magnitude.pow(2).mean(1, keepdim=True).sqrt()
    phase = 2 * math.pi * torch.rand(batch, K, generator=gen)
    return magnitude, phase


def _toy_spectra(n, generator):
    """Notes made of three Gaussian peaks with a locally linear phase."""
    k = torch.arange(K, dtype=torch.float32)
    centre = 50 + 924 * torch.rand(n, 3, 1, generator=generator)
    width = 8 + 22 * torch.rand(n, 3, 1, generator=generator)
    height = 0.5 + torch.rand(n, 3, 1, generator=generator)
    magnitude = (height * torch.exp(-0.5 * ((k - centre) / width) ** 2)).sum(1) + 0.05
    magnitude = magnitude / magnitude.pow(2).mean(1, keepdim=True).sqrt()
    offset = 2 * math.pi * torch.rand(n, 1, generator=generator)
    period = 64 + 192 * torch.rand(n, 1, generator=generator)
    phase = torch.remainder(offset + 2 * math.pi * k / period, 2 * math.pi)
    return magnitude, phase


# --------------------------------------------------------------------------- #
# FourierInpainter
# --------------------------------------------------------------------------- #


def test_inpainter_has_the_papers_parameter_count():
    model = FourierInpainter()
    assert sum(p.numel() for p in model.parameters() if p.requires_grad) == 737_266


def test_inpainter_follows_the_layer_table_lengths():
    model = FourierInpainter()
    shapes = {}
    for name in ("e1", "e2", "e3", "e4", "d1", "d2", "d3", "o1", "o2"):
        layer = getattr(model, name)
        layer.register_forward_hook(
            lambda mod, inp, out, name=name: shapes.__setitem__(name, tuple(out.shape[1:]))
        )
    magnitude, phase = _note(2)
    model(magnitude, phase, torch.ones(2, 2, K))
    assert shapes == {
        "e1": (32, 1024),
        "e2": (64, 502),
        "e3": (128, 241),
        "e4": (16, 112),
        "d1": (64, 243),
        "d2": (128, 505),
        "d3": (64, 1024),
        "o1": (128, 1024),
        "o2": (2, 1024),
    }
    assert model.d1.in_channels == 32  # 16 features + 16 noise channels
    assert model.o1.in_channels == 103  # d3 + e1 + raw 7-channel input


@pytest.mark.parametrize("train", [True, False])
def test_inpainter_output_shapes_and_non_negativity(train):
    model = FourierInpainter().train(train)
    magnitude, phase = _note(3)
    mask = random_masks(3, K, generator=torch.Generator().manual_seed(0))
    magnitude_hat, phase_hat = model(magnitude, phase, mask)
    assert magnitude_hat.shape == (3, K) and phase_hat.shape == (3, K)
    assert (magnitude_hat >= 0).all() and (phase_hat >= 0).all()
    assert torch.isfinite(magnitude_hat).all() and torch.isfinite(phase_hat).all()


def test_inpaint_keeps_kept_bins_exactly():
    model = FourierInpainter().eval()
    magnitude, phase = _note(4)
    mask = random_masks(4, K, generator=torch.Generator().manual_seed(1), kinds=("mixed",))
    with torch.no_grad():
        magnitude_out, phase_out = model.inpaint(magnitude, phase, mask)
        magnitude_fill, phase_fill = model(
            magnitude, phase, mask, generator=torch.Generator().manual_seed(5)
        )
        magnitude_again, phase_again = model.inpaint(
            magnitude, phase, mask, generator=torch.Generator().manual_seed(5)
        )
    kept_m, kept_w = mask[:, 0] == 1, mask[:, 1] == 1
    assert torch.equal(magnitude_out[kept_m], magnitude[kept_m])
    assert torch.equal(phase_out[kept_w], phase[kept_w])
    # obfuscated bins hold the generator's output
    assert torch.equal(magnitude_again[~kept_m], magnitude_fill[~kept_m])
    assert torch.equal(phase_again[~kept_w], phase_fill[~kept_w])


def test_inpainter_noise_is_reproducible_with_a_generator():
    model = FourierInpainter().eval()
    magnitude, phase = _note(2)
    mask = torch.zeros(2, 2, K)
    with torch.no_grad():
        first = model(magnitude, phase, mask, generator=torch.Generator().manual_seed(7))
        same = model(magnitude, phase, mask, generator=torch.Generator().manual_seed(7))
        other = model(magnitude, phase, mask, generator=torch.Generator().manual_seed(8))
        free = model(magnitude, phase, mask)
    assert torch.equal(first[0], same[0]) and torch.equal(first[1], same[1])
    assert not torch.allclose(first[0], other[0]) or not torch.allclose(first[1], other[1])
    assert not torch.allclose(first[0], free[0]) or not torch.allclose(first[1], free[1])


def test_gradients_reach_the_mask_through_the_inpainter():
    model = FourierInpainter().eval()
    for p in model.parameters():
        p.requires_grad_(False)
    magnitude, phase = _note(2)
    theta = torch.full((2, 2, K), 0.5, requires_grad=True)
    gen = torch.Generator().manual_seed(0)
    # through G alone (the mask is an input of the network) ...
    magnitude_hat, phase_hat = model(magnitude, phase, theta, generator=gen)
    (grad_g,) = torch.autograd.grad((magnitude_hat + torch.cos(phase_hat)).sum(), theta)
    assert torch.isfinite(grad_g).all() and grad_g.abs().sum() > 0
    # ... and through the composition used by RDE
    magnitude_out, phase_out = model.inpaint(magnitude, phase, theta, generator=gen)
    (magnitude_out.pow(2).sum() + torch.sin(phase_out).sum()).backward()
    assert torch.isfinite(theta.grad).all()
    assert (theta.grad[:, 0].abs().sum(-1) > 0).all() and (theta.grad[:, 1].abs().sum(-1) > 0).all()


def test_inpainter_rejects_other_lengths():
    model = FourierInpainter()
    with pytest.raises(ValueError, match="K = 1024"):
        model(torch.rand(1, 512), torch.rand(1, 512), torch.ones(1, 2, 512))
    with pytest.raises(ValueError, match="mask"):
        model(torch.rand(1, K), torch.rand(1, K), torch.ones(1, K))


@pytest.mark.slow  # trains an inpainter (about a minute on 2 cores)
def test_inpainter_training_on_toy_spectra_beats_mean_fill():
    # ~5 s on 2 idle CPU cores (40 Adam steps of batch 8)
    torch.manual_seed(0)
    magnitude, phase = _toy_spectra(64, torch.Generator().manual_seed(0))
    # evaluation: fixed masks and noise on half of the notes; runs short
    # enough to be in-paintable from their neighbourhood
    kinds, mean_run = ("runs", "mixed"), (4.0, 16.0)
    eval_magnitude, eval_phase = magnitude[:32], phase[:32]
    eval_mask = random_masks(
        32, K, generator=torch.Generator().manual_seed(1), kinds=kinds, mean_run=mean_run
    )
    model = FourierInpainter()

    def evaluate():
        model.eval()
        with torch.no_grad():
            out = model(
                eval_magnitude, eval_phase, eval_mask, generator=torch.Generator().manual_seed(2)
            )
            losses = inpainting_loss(*out, eval_magnitude, eval_phase, eval_mask)
        model.train()
        return {key: float(value) for key, value in losses.items()}

    # baseline: the dataset's mean magnitude and circular-mean phase
    mean_magnitude = magnitude.mean(0, keepdim=True).expand_as(eval_magnitude)
    mean_phase = torch.atan2(torch.sin(phase).mean(0), torch.cos(phase).mean(0))
    mean_fill = inpainting_loss(
        mean_magnitude, mean_phase.expand_as(eval_phase), eval_magnitude, eval_phase, eval_mask
    )
    mean_fill = {key: float(value) for key, value in mean_fill.items()}
    start = evaluate()
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-3)
    gen = torch.Generator().manual_seed(3)
    for _ in range(40):
        index = torch.randint(0, 64, (8,), generator=gen)
        mask = random_masks(8, K, generator=gen, kinds=kinds, mean_run=mean_run)
        out = model(magnitude[index], phase[index], mask, generator=gen)
        loss = inpainting_loss(*out, magnitude[index], phase[index], mask)["loss"]
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    end = evaluate()
    # typically 1.45 -> 0.5 against 1.4 for the mean fill
    assert end["loss"] < 0.6 * start["loss"], (start, end)
    assert end["loss"] < 0.75 * mean_fill["loss"], (end, mean_fill)
    assert end["magnitude"] < 0.8 * mean_fill["magnitude"], (end, mean_fill)
    assert end["phase"] < 0.8 * mean_fill["phase"], (end, mean_fill)


# --------------------------------------------------------------------------- #
# random_masks, inpainting_loss, compose
# --------------------------------------------------------------------------- #


def _transitions(masks):
    """Number of 0/1 changes along frequency, ``[B, 2]``."""
    return (masks[..., 1:] != masks[..., :-1]).sum(-1)


def test_random_masks_are_binary_and_contain_every_kind():
    masks, kind = random_masks(
        300, K, generator=torch.Generator().manual_seed(0), return_kinds=True
    )
    assert masks.shape == (300, 2, K) and masks.dtype == torch.float32
    assert ((masks == 0) | (masks == 1)).all()
    assert kind.shape == (300,) and set(kind.tolist()) == {0, 1, 2}
    counts = torch.bincount(kind, minlength=3)
    assert (counts > 60).all()  # about 100 each
    runs, groups, mixed = masks[kind == 0], masks[kind == 1], masks[kind == 2]
    # runs: one per-frequency mask for both parts
    assert torch.equal(runs[:, 0], runs[:, 1])
    # groups: whole parts, at least one part dropped, all three options seen
    assert (_transitions(groups) == 0).all()
    part = groups[:, :, 0]
    assert (part.sum(1) <= 1).all()
    options = {tuple(p.tolist()) for p in part}
    assert options == {(0.0, 1.0), (1.0, 0.0), (0.0, 0.0)}
    # mixed: independent parts
    assert (mixed[:, 0] != mixed[:, 1]).any(-1).float().mean() > 0.9


def test_random_masks_runs_cover_the_unit_interval_in_contiguous_runs():
    masks = random_masks(400, K, generator=torch.Generator().manual_seed(1), kinds=("runs",))
    coverage = masks[:, 0].mean(-1)
    assert coverage.min() < 0.1 and coverage.max() > 0.9
    assert 0.4 < coverage.mean() < 0.6
    assert coverage.std() > 0.2  # roughly U(0, 1): std 0.29
    # spread over the interval: every decile is populated
    hist = torch.histc(coverage, bins=10, min=0, max=1)
    assert (hist >= 10).all(), hist
    # contiguous runs: average run length between ~4 and ~128 bins
    runs = (_transitions(masks[:, :1]).float() + 1).squeeze(1)
    mean_length = K / runs
    assert mean_length.median() > 8 and mean_length.median() < 128


def test_random_masks_options():
    gen_a, gen_b = torch.Generator().manual_seed(4), torch.Generator().manual_seed(4)
    assert torch.equal(random_masks(5, 64, generator=gen_a), random_masks(5, 64, generator=gen_b))
    short = random_masks(50, K, generator=gen_a, kinds=("runs",), mean_run=(2, 2))
    long = random_masks(50, K, generator=gen_a, kinds=("runs",), mean_run=(64, 64))
    assert _transitions(short).float().mean() > 4 * _transitions(long).float().mean()
    groups = random_masks(20, 16, generator=gen_a, kinds=("groups",), dtype=torch.float64)
    assert groups.dtype == torch.float64 and (_transitions(groups) == 0).all()
    with pytest.raises(ValueError, match="kinds"):
        random_masks(2, 16, kinds=("blocks",))
    with pytest.raises(ValueError, match="mean_run"):
        random_masks(2, 16, mean_run=(0.5, 4))


def test_inpainting_loss_by_hand():
    magnitude = torch.tensor([[1.0, 2.0, 3.0, 4.0]])
    phase = torch.tensor([[0.0, 1.0, 2.0, 3.0]])
    # magnitude: bins 0, 1 dropped; phase: bin 3 dropped
    mask = torch.tensor([[[0.0, 0.0, 1.0, 1.0], [1.0, 1.0, 1.0, 0.0]]])
    magnitude_hat = torch.tensor([[2.0, 5.0, 100.0, -50.0]])  # kept bins wildly off
    phase_hat = phase + torch.tensor([[1.0, 2.0, 3.0, math.pi]])
    out = inpainting_loss(magnitude_hat, phase_hat, magnitude, phase, mask)
    assert out["magnitude"].item() == pytest.approx((1 + 3) / 2)
    assert out["phase"].item() == pytest.approx(2.0)  # 1 - cos(pi)
    assert out["loss"].item() == pytest.approx(4.0)
    weighted = inpainting_loss(magnitude_hat, phase_hat, magnitude, phase, mask, phase_weight=0.5)
    assert weighted["loss"].item() == pytest.approx(3.0)
    # phase is circular: 2*pi off is no error
    wrapped = inpainting_loss(magnitude, phase + 2 * math.pi, magnitude, phase, mask)
    assert wrapped["phase"].item() == pytest.approx(0.0, abs=1e-6)


def test_energy_score_by_hand():
    # one bin, both parts dropped: embedding (m, cos w, sin w), 3 entries
    mask = torch.zeros(1, 2, 1)
    target = (torch.ones(1, 1), torch.zeros(1, 1))  # e_y = (1, 1, 0)
    far = (torch.full((1, 1), 2.0), torch.full((1, 1), math.pi))  # e = (2, -1, 0)
    out = energy_score_loss(far, target, *target, mask)
    # |e_a - e_y| = sqrt(5), |e_b - e_y| = 0, |e_a - e_b| = sqrt(5); all / sqrt(3)
    expected_fit = 0.5 * math.sqrt(5) / math.sqrt(3)
    assert float(out["fit"]) == pytest.approx(expected_fit, abs=1e-5)
    assert float(out["spread"]) == pytest.approx(expected_fit, abs=1e-5)
    assert float(out["loss"]) == pytest.approx(0.0, abs=1e-5)
    # both draws far: no spread, the whole distance counts
    out = energy_score_loss(far, far, *target, mask)
    assert float(out["loss"]) == pytest.approx(2 * expected_fit, abs=1e-5)
    # phase_weight scales the phase points: (2, -2, 0) vs (1, 2, 0) -> sqrt(17)
    out = energy_score_loss(far, far, *target, mask, phase_weight=2.0)
    assert float(out["loss"]) == pytest.approx(math.sqrt(17) / math.sqrt(3), abs=1e-5)


def test_energy_score_ignores_kept_bins_and_wraps_phase():
    magnitude, phase = _note(3)
    mask = (torch.rand(3, 2, K, generator=torch.Generator().manual_seed(4)) > 0.5).float()
    # anything on kept bins, and phases shifted by 2 pi on dropped bins
    noisy_m = torch.where(mask[:, 0] > 0, magnitude + 5.0, magnitude)
    noisy_w = torch.where(mask[:, 1] > 0, phase + 1.0, phase + 2 * math.pi)
    draw = (noisy_m, noisy_w)
    out = energy_score_loss(draw, draw, magnitude, phase, mask)
    assert float(out["loss"]) == pytest.approx(0.0, abs=1e-4)
    # a wrong phase on one dropped bin is seen
    dropped = int(torch.nonzero(mask[0, 1] == 0)[0])
    bad_w = noisy_w.clone()
    bad_w[0, dropped] += math.pi
    assert float(energy_score_loss((noisy_m, bad_w), (noisy_m, bad_w), magnitude, phase,
                                   mask)["loss"]) > 1e-3


def test_energy_score_prefers_a_sampler_to_the_mean_on_a_bimodal_target():
    # targets +-1 with equal odds on every dropped bin (jointly: all + or all -)
    gen = torch.Generator().manual_seed(0)
    n = 4000
    sign = torch.where(torch.rand(n, 1, generator=gen) < 0.5, -1.0, 1.0)
    target = 2.0 + sign * torch.ones(n, 8)
    zero = torch.zeros(n, 8)
    mask = torch.zeros(n, 2, 8)
    mask[:, 1] = 1  # phase kept: only the magnitudes count

    def draw():
        s = torch.where(torch.rand(n, 1, generator=gen) < 0.5, -1.0, 1.0)
        return (2.0 + s * torch.ones(n, 8), zero)

    mean = (torch.full((n, 8), 2.0), zero)
    sampler = float(energy_score_loss(draw(), draw(), target, zero, mask)["loss"])
    middle = float(energy_score_loss(mean, mean, target, zero, mask)["loss"])
    assert middle == pytest.approx(1.0, abs=1e-4)
    assert sampler == pytest.approx(0.5, abs=0.05)  # E|a-y| = 1, E|a-b| / 2 = 0.5
    # the regression loss cannot tell them apart (both 1)
    reg_sampler = float(inpainting_loss(*draw(), target, zero, mask)["magnitude"])
    reg_middle = float(inpainting_loss(*mean, target, zero, mask)["magnitude"])
    assert reg_middle == pytest.approx(1.0, abs=1e-4)
    assert reg_sampler == pytest.approx(1.0, abs=0.05)


def test_inpainting_loss_without_dropped_bins_is_zero_and_finite():
    magnitude_hat = torch.rand(2, 8, requires_grad=True)
    phase_hat = torch.rand(2, 8, requires_grad=True)
    target_m, target_w = torch.rand(2, 8), torch.rand(2, 8)
    out = inpainting_loss(magnitude_hat, phase_hat, target_m, target_w, torch.ones(2, 2, 8))
    assert out["loss"].item() == 0.0
    out["loss"].backward()
    assert torch.isfinite(magnitude_hat.grad).all() and torch.isfinite(phase_hat.grad).all()
    # only the magnitude part dropped: the phase term is 0
    mask = torch.ones(2, 2, 8)
    mask[:, 0] = 0
    zeros, ones = torch.zeros(2, 8), torch.ones(2, 8)
    out = inpainting_loss(zeros, zeros, ones, ones, mask)
    assert out["magnitude"].item() == pytest.approx(1.0) and out["phase"].item() == 0.0


def test_compose_gates_each_part():
    magnitude, phase = torch.full((2, 5), 2.0), torch.full((2, 5), 1.0)
    fill_m, fill_w = torch.zeros(2, 5), torch.full((2, 5), 3.0)
    mask = torch.zeros(2, 2, 5)
    mask[0, 0] = 1  # example 0: magnitude kept, phase filled
    mask[1, 1, :2] = 1  # example 1: phase kept on two bins
    mask[1, 0, 4] = 0.25
    out_m, out_w = compose(magnitude, phase, fill_m, fill_w, mask)
    assert torch.equal(out_m[0], magnitude[0]) and torch.equal(out_w[0], fill_w[0])
    assert torch.equal(out_w[1], torch.tensor([1.0, 1.0, 3.0, 3.0, 3.0]))
    assert torch.equal(out_m[1], torch.tensor([0.0, 0.0, 0.0, 0.0, 0.5]))


# --------------------------------------------------------------------------- #
# SpectralCNN
# --------------------------------------------------------------------------- #


def test_spectral_cnn_shapes_and_rep_channels():
    model = SpectralCNN(in_channels=3).eval()
    assert model.rep_channels == [128, 128, 64, 32]
    assert model.emb_dim == 256
    emb, reps = model(torch.randn(4, 3, K))
    assert emb.shape == (4, 256)
    assert [tuple(r.shape) for r in reps] == [
        (4, 128, 64),
        (4, 128, 128),
        (4, 64, 256),
        (4, 32, 512),
    ]
    # ReLUs are modules (hooks / guided backprop)
    assert sum(isinstance(m, torch.nn.ReLU) for m in model.modules()) == 4
    custom = SpectralCNN(in_channels=2, channels=[8, 16, 4], kernel_size=5, pool=4, emb_dim=12)
    emb, reps = custom(torch.randn(3, 2, 256))
    assert custom.emb_dim == 12 and emb.shape == (3, 12)
    assert custom.rep_channels == [4, 16, 8]
    assert [r.shape[-1] for r in reps] == [4, 16, 64]


def test_spectral_cnn_input_errors():
    with pytest.raises(ValueError, match=r"\[B, 3, K\]"):
        SpectralCNN(in_channels=3)(torch.randn(2, 2, K))
    with pytest.raises(ValueError, match="at least 16"):
        SpectralCNN(in_channels=3)(torch.randn(2, 3, 8))


def _two_class_features(n, generator):
    """Class 0: one broad peak; class 1: several narrow peaks (log-magnitude, cos, sin)."""
    k = torch.arange(256, dtype=torch.float32)
    labels = torch.arange(n) % 2
    centre = 20 + 216 * torch.rand(n, 4, 1, generator=generator)
    width = torch.where(labels.view(n, 1, 1) == 0, torch.tensor(24.0), torch.tensor(3.0))
    active = torch.ones(n, 4, 1)
    active[labels == 0, 1:] = 0  # class 0 keeps a single peak
    magnitude = (active * torch.exp(-0.5 * ((k - centre) / width) ** 2)).sum(1) + 0.01
    phase = 2 * math.pi * torch.rand(n, 256, generator=generator)
    feats = torch.stack([magnitude.log(), torch.cos(phase), torch.sin(phase)], dim=1)
    return feats, labels


def test_spectral_cnn_learns_two_toy_classes():
    gen = torch.Generator().manual_seed(0)
    train_x, train_y = _two_class_features(64, gen)
    test_x, test_y = _two_class_features(64, gen)
    model = SpectralCNN(in_channels=3, channels=[8, 16], kernel_size=9, dropout=0.0)
    head = torch.nn.Linear(model.emb_dim, 2)
    params = list(model.parameters()) + list(head.parameters())
    optimiser = torch.optim.Adam(params, lr=1e-2)
    for _ in range(40):
        loss = torch.nn.functional.cross_entropy(head(model(train_x)[0]), train_y)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    model.eval()
    with torch.no_grad():
        accuracy = (head(model(test_x)[0]).argmax(1) == test_y).float().mean()
    assert accuracy >= 0.9, accuracy


# --------------------------------------------------------------------------- #
# InpainterBrain
# --------------------------------------------------------------------------- #


def _brain(tmp_path, loss_kind):
    import speechbrain as sb
    from speechbrain.utils.checkpoints import Checkpointer
    from speechbrain.utils.train_logger import FileTrainLogger

    from speechbrain_interp.interpreters.rde.brain import InpainterBrain
    from speechbrain_interp.fourier import FourierRepresentation

    torch.manual_seed(0)
    model = FourierInpainter()
    return InpainterBrain(
        modules={"inpainter": model},
        opt_class=lambda p: torch.optim.Adam(p, 1e-3),
        hparams={"representation": FourierRepresentation(n_samples=8000),
                 "inpainter_loss": loss_kind,
                 "train_logger": FileTrainLogger(str(tmp_path / "log.txt")),
                 "mask_kinds": MASK_KINDS, "mean_run": (8.0, 64.0), "phase_weight": 1.0,
                 "mask_seed": 0, "lr_scheduler": None, "ckpt_keep": 1, "epoch_counter": None},
        run_opts={"device": "cpu", "noprogressbar": True},
        checkpointer=Checkpointer(str(tmp_path / "save"), {"inpainter": model}),
    ), sb


def test_inpainter_brain_energy_loss_and_checkpointed_naive_fill(tmp_path):
    brain, sb = _brain(tmp_path, "energy")
    gen = torch.Generator().manual_seed(0)
    # a louder low half: the training mean magnitude is not flat
    data = []
    for i in range(4):
        wave = torch.randn(8000, generator=gen)
        low = torch.sin(2 * math.pi * 200 * torch.arange(8000) / 16000)
        data.append({"id": str(i), "sig": wave * 0.1 + low})
    opts = {"batch_size": 2, "collate_fn": sb.dataio.batch.PaddedBatch}
    brain.fit(range(1), data, data, train_loader_kwargs=opts, valid_loader_kwargs=opts)
    valid = brain.last_stats["valid"]
    assert {"loss", "spread", "magnitude", "phase", "baseline_loss"} <= set(valid)
    assert valid["spread"] > 0  # two draws per note, with different noise
    trained_fill = brain.naive_fill.mean.clone()
    assert not torch.allclose(trained_fill, torch.ones_like(trained_fill))
    brain.checkpointer.save_checkpoint(meta={"loss": valid["loss"]})

    # a fresh brain (as in --test_only) recovers the same naive fill
    fresh, _ = _brain(tmp_path, "energy")
    assert torch.allclose(fresh.naive_fill.mean, torch.ones_like(trained_fill))
    fresh.checkpointer.recover_if_possible()
    assert torch.allclose(fresh.naive_fill.mean, trained_fill)


def test_inpainter_brain_rejects_an_unknown_loss(tmp_path):
    brain, sb = _brain(tmp_path, "adversarial")
    data = [{"id": "0", "sig": torch.randn(8000)}]
    opts = {"batch_size": 1, "collate_fn": sb.dataio.batch.PaddedBatch}
    with pytest.raises(ValueError, match="inpainter_loss"):
        brain.fit(range(1), data, train_loader_kwargs=opts)


def _harmonic_notes(n, generator):
    """Harmonic magnitudes; the phase is all 1 ("locked", organ-like) or
    uniform ("random", string-like) with equal odds: given the magnitude,
    the phase is a two-way mixture."""
    k = torch.arange(K, dtype=torch.float32)
    f0 = 20 + 40 * torch.rand(n, 1, generator=generator)
    offset = torch.remainder(k / f0 + 0.5, 1.0) - 0.5  # to the nearest harmonic, in f0
    magnitude = torch.exp(-0.5 * (offset * f0 / 2) ** 2) + 0.02
    magnitude = magnitude / magnitude.pow(2).mean(1, keepdim=True).sqrt()
    locked = torch.rand(n, 1, generator=generator) < 0.5
    random_phase = 2 * math.pi * torch.rand(n, K, generator=generator)
    return magnitude, torch.where(locked, torch.ones(n, K), random_phase)


def _lockedness(phase, magnitude):
    """Magnitude-weighted resultant length of the phases: 1 when all agree."""
    w = magnitude / magnitude.sum(1, keepdim=True)
    return torch.hypot((w * torch.cos(phase)).sum(1), (w * torch.sin(phase)).sum(1))


@pytest.mark.slow  # trains two inpainters (about a minute on 2 cores)
def test_energy_trained_inpainter_samples_where_regression_returns_the_mode():
    # ~20 s on 2 CPU cores. The organ case of the magnitude-vs-phase query
    # in miniature: phase dropped, magnitude kept.
    keep_magnitude = torch.zeros(1, 2, K)
    keep_magnitude[:, 0] = 1
    test_m, _ = _harmonic_notes(64, torch.Generator().manual_seed(5))
    test_mask = keep_magnitude.expand(64, -1, -1)
    lockedness, draws = {}, {}
    for kind in ("regression", "energy"):
        torch.manual_seed(0)
        gen = torch.Generator().manual_seed(0)
        model = FourierInpainter()
        optimiser = torch.optim.Adam(model.parameters(), lr=2e-3)
        for _ in range(80):
            m, w = _harmonic_notes(8, gen)
            mask = keep_magnitude.expand(8, -1, -1)
            if kind == "energy":
                mag_hat, phase_hat = model(m.repeat(2, 1), w.repeat(2, 1), mask.repeat(2, 1, 1))
                loss = energy_score_loss((mag_hat[:8], phase_hat[:8]),
                                         (mag_hat[8:], phase_hat[8:]), m, w, mask)["loss"]
            else:
                loss = inpainting_loss(*model(m, w, mask), m, w, mask)["loss"]
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
        model.eval()
        with torch.no_grad():
            phases = [model(test_m, torch.zeros_like(test_m), test_mask,
                            generator=torch.Generator().manual_seed(s))[1] for s in (1, 2)]
        draws[kind] = phases
        lockedness[kind] = torch.cat([_lockedness(p, test_m) for p in phases])
    # regression: every fill is the mode, a locked pattern (measured ~0.995)
    assert float(lockedness["regression"].median()) > 0.95, lockedness["regression"]
    # energy score: fills spread towards the random half (measured medians
    # 0.57-0.8 depending on the noise drawn, against 0.995)
    energy_median = float(lockedness["energy"].median())
    assert energy_median < float(lockedness["regression"].median()) - 0.1, lockedness
    # and two draws for one note differ on the circle; the regression's hardly do
    differ = {k: float((1 - torch.cos(a - b)).mean()) for k, (a, b) in draws.items()}
    assert differ["energy"] > 0.2 and differ["energy"] > 5 * differ["regression"], differ
