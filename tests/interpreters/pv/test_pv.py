"""Perception Visualization interpreter: shapes, frozen classifier, gradient path, PV row."""

import pytest
import torch

from helpers import tiny_classifier
from speechbrain_interp.interpreters import GradCAM, PerceptionVisualization
from speechbrain_interp.evaluation.metrics import interpretation_metrics

CHANNELS = (16, 8, 8, 8, 8)


def classifier(n_classes=3):
    return tiny_classifier(n_classes)


def fitted(target="linear", seconds=1.0, batch=2):
    """A PV whose range was fitted by one training-mode pass."""
    pv = PerceptionVisualization(classifier(), target=target, channels=CHANNELS).train()
    wave = torch.randn(batch, int(16000 * seconds))
    pv.interpret(wave, with_wave=False)
    return pv.eval(), wave


@pytest.mark.parametrize("target,n_bins", [("linear", 513), ("mel", 80)])
def test_shapes_for_both_targets(target, n_bins):
    pv, wave = fitted(target, seconds=1.5)
    out = pv.interpret(wave)
    frames = out.magnitude.shape[1]
    assert out.mask.shape == out.magnitude.shape == out.base_magnitude.shape == (2, frames, 513)
    for key in ("reconstruction", "target", "saliency", "pv"):
        assert out.extras[key].shape == (2, frames, n_bins), key
        assert 0 <= float(out.extras[key].min()) and float(out.extras[key].max()) <= 1, key
    assert out.wave.shape == wave.shape and torch.isfinite(out.wave).all()
    # PV is the reconstruction under the saliency, silence where it is zero
    assert torch.allclose(out.extras["pv"], out.extras["saliency"] * out.extras["reconstruction"])
    assert out.feature_mask is None  # scored on the linear grid


def test_metrics_score_the_reconstruction_under_the_saliency():
    pv, wave = fitted()
    out = pv.interpret(wave)
    assert torch.equal(out.masked_magnitude, out.mask * out.base_magnitude)
    # the mask is Grad-CAM's; what differs from the Grad-CAM row is what it masks
    cam = GradCAM(pv.classifier, domain="features", relu_attributions=True).interpret(wave)
    assert torch.allclose(out.mask, cam.mask, atol=1e-6)
    # the metrics see mask * reconstruction, not mask * input: a different spectrogram
    assert not torch.allclose(out.shown_magnitude, out.magnitude)
    assert torch.equal(cam.shown_magnitude, cam.magnitude)
    clf = pv.classifier
    with torch.no_grad():
        metrics = interpretation_metrics(clf, out.shown_magnitude, out.mask, out.label)
    assert torch.isfinite(metrics["AI"]).all()


def test_trained_parts_and_frozen_classifier():
    pv, wave = fitted()
    assert set(pv.trained_parts()) == {"reconstructor"}
    state = pv.trained_parts()["reconstructor"].state_dict()
    assert "range.low" in state and "range.high" in state  # the target range is saved
    before = {k: v.clone() for k, v in pv.classifier.state_dict().items()}
    optimiser = torch.optim.Adam(
        [p for p in pv.parameters() if p.requires_grad], lr=1e-2)
    pv.train()
    for _ in range(2):
        loss = pv.loss(pv.interpret(wave, with_wave=False))["loss"]
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    assert all(p.grad is None for p in pv.classifier.parameters())
    for key, value in pv.classifier.state_dict().items():
        assert torch.equal(value, before[key]), key


def test_feature_consistency_gradient_reaches_the_decoder_through_the_classifier():
    pv, wave = fitted()
    pv.alphas = (0.0, 0.0, 1.0)  # DSIM alone: only the path through E
    pv.train()
    out = pv.interpret(wave, with_wave=False)
    parts = pv.loss(out)
    parts["loss"].backward()
    decoder = pv.reconstructor.decoder
    grads = [p.grad for p in decoder.parameters() if p.requires_grad]
    assert all(g is not None for g in grads)
    assert sum(float(g.abs().sum()) for g in grads) > 0
    assert float(parts["dsim"]) > 0


def test_decoder_training_improves_every_reconstruction_figure():
    torch.manual_seed(0)
    pv, _ = fitted(batch=4)
    gen = torch.Generator().manual_seed(0)
    t = torch.arange(8000) / 16000  # 0.5 s
    # four "classes" of tones: what a decoder must reproduce from z
    waves = torch.stack([torch.sin(2 * torch.pi * f * t) for f in (300.0, 900.0, 2500.0, 5000.0)])
    waves = waves + 0.01 * torch.randn(waves.shape, generator=gen)
    pv.train()
    pv.interpret(waves, with_wave=False)  # the range covers these clips

    def evaluate():
        pv.eval()
        out = pv.interpret(waves, with_wave=False)
        metrics = pv.extra_metrics(out)
        pv.train()
        return {k: float(v.mean()) for k, v in metrics.items()}

    start = evaluate()
    optimiser = torch.optim.Adam(pv.reconstructor.parameters(), lr=3e-3)
    for _ in range(40):
        loss = pv.loss(pv.interpret(waves, with_wave=False))["loss"]
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    end = evaluate()
    assert end["PV_mse"] < 0.5 * start["PV_mse"], (start, end)
    assert end["PV_ssim"] > start["PV_ssim"], (start, end)
    assert end["PV_dsim"] < start["PV_dsim"], (start, end)


def test_bad_arguments_and_unfitted_range():
    with pytest.raises(ValueError, match="target"):
        PerceptionVisualization(classifier(), target="cqt")
    pv = PerceptionVisualization(classifier(), channels=CHANNELS).eval()
    with pytest.raises(RuntimeError):
        pv.interpret(torch.randn(1, 8000))


def test_random_reference_of_pv_shuffles_the_mask_over_the_same_reconstruction():
    from speechbrain_interp.interpreters import RandomMask

    pv, wave = fitted()
    out = pv.interpret(wave, with_wave=False)
    shuffled = RandomMask(pv.classifier, reference=pv, seed=0).interpret(wave, with_wave=False)
    assert torch.allclose(shuffled.shown_magnitude, out.base_magnitude)
    assert torch.allclose(shuffled.mask.flatten(1).sort(1).values,
                          out.mask.flatten(1).sort(1).values)
