"""Captum gradient baselines in two domains (interpreters.gradients)."""

import copy

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from captum.attr import GuidedGradCam
from torch import nn

from helpers import tiny_classifier
from speechbrain_interp.interpreters import (
    GRADIENT_METHODS,
    GradCAM,
    GradientSHAP,
    GuidedBackprop,
    GuidedGradCAM,
    IntegratedGradients,
    Saliency,
    SmoothGrad,
    attribution_to_mask,
    build_baseline,
)
from speechbrain_interp.interpreters.baselines.grad_cam import upsample_layer_map
from speechbrain_interp.interpreters.baselines.gradients import DOMAINS

# cheap settings so the whole file stays fast on 2 CPU cores
FAST = {"smoothgrad": {"n_samples": 3}, "integrated_gradients": {"n_steps": 4},
        "gradient_shap": {"n_samples": 2}}


def classifier(n_blocks=6, seed=0):
    """A tiny CNN14 classifier (frozen) with randomised BatchNorm statistics.

    With fresh BatchNorms (mean 0, variance 1, no shift) a random CNN14 is
    positively homogeneous in its features, which makes integrated gradients
    exact at any step count and GradCAM maps all negative; shifted statistics
    give a less degenerate test network.
    """
    gen = torch.Generator().manual_seed(seed)
    clf = tiny_classifier(3, n_blocks=n_blocks, seed=seed)
    enc = clf.embedding_model
    for norm in enc.modules():
        if isinstance(norm, nn.BatchNorm2d):
            n = norm.num_features
            shift = 3.0 if norm is enc.norm0 else 0.0  # log1p features are ~3
            norm.running_mean.copy_(torch.rand(n, generator=gen) * 0.4 - 0.2 + shift)
            norm.running_var.copy_(torch.rand(n, generator=gen) + 0.5)
            norm.bias.data.copy_(torch.rand(n, generator=gen) * 0.4 - 0.1)
    return clf.freeze()


@pytest.fixture(autouse=True)
def _one_thread():
    """Tiny convolutions: one intra-op thread avoids OpenMP contention (tens
    of times slower with 2 threads on a busy 2-core machine)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def clf():
    return classifier()


def waves(seconds=0.5, batch=2, seed=1):
    return torch.randn(batch, int(16000 * seconds), generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("name", sorted(GRADIENT_METHODS))
def test_masks_cover_the_input_with_unit_maximum_in_both_domains(clf, name, domain):
    method = build_baseline(name, clf, domain=domain, **FAST.get(name, {}))
    assert method.needs_input_grad
    with torch.no_grad():  # explain enables gradients itself
        out = method.interpret(waves(), with_wave=False)
    batch, frames, freqs = out.magnitude.shape
    assert out.mask.shape == (batch, frames, freqs)
    assert float(out.mask.min()) >= 0.0 and float(out.mask.max()) <= 1.0
    attribution = out.extras["attribution"]
    if domain == "linear":
        assert out.feature_mask is None and attribution.shape == (batch, frames, freqs)
        normalised = out.mask
    else:
        assert out.feature_mask.shape == (batch, frames, 80) == attribution.shape
        assert torch.allclose(out.mask, clf.frontend.features_mask_to_linear(out.feature_mask))
        normalised = out.feature_mask
    assert torch.equal(normalised, attribution_to_mask(attribution))  # the one rule
    assert torch.allclose(normalised.amax(dim=(1, 2)), torch.ones(batch))


def test_features_domain_attributes_the_features(clf):
    wave = waves()
    out = Saliency(clf, domain="features").interpret(wave)
    feats = clf.frontend.features(out.magnitude.detach()).requires_grad_(True)
    clf(features=feats).logits.gather(1, out.label[:, None]).sum().backward()
    assert torch.allclose(out.extras["attribution"], feats.grad.abs(), atol=1e-7)
    with torch.enable_grad():  # the caller's grad mode does not matter
        again = Saliency(clf, domain="features").interpret(wave)
    assert torch.equal(out.feature_mask, again.feature_mask)


class _FunctionalReLU(nn.Module):
    """``F.relu`` behind a module that is not an ``nn.ReLU`` (the old CNN14)."""

    def forward(self, x):
        return F.relu(x)


def test_guided_backprop_differs_from_saliency_thanks_to_relu_modules(clf):
    wave = waves()
    saliency = Saliency(clf).interpret(wave).extras["attribution"]
    guided = GuidedBackprop(clf).interpret(wave).extras["attribution"]
    assert not torch.allclose(guided.abs(), saliency, rtol=1e-3, atol=1e-8)
    # with functional ReLUs guided backprop silently becomes saliency (upstream)
    functional = copy.deepcopy(clf)
    for block in functional.embedding_model.blocks:
        block.relu1, block.relu2 = _FunctionalReLU(), _FunctionalReLU()
    same = GuidedBackprop(functional).interpret(wave).extras["attribution"]
    assert torch.allclose(same.abs(), saliency, rtol=1e-4, atol=1e-9)


@pytest.mark.parametrize("domain", DOMAINS)
def test_integrated_gradients_are_complete(clf, domain):
    ig = IntegratedGradients(clf, domain=domain, n_steps=32)
    out = ig.interpret(waves())
    inputs = ig.attribution_inputs(out.magnitude)
    with torch.no_grad():
        gap = ig.forward_model(inputs) - ig.forward_model(torch.zeros_like(inputs))
    gap = gap.gather(1, out.label[:, None])[:, 0]
    total = out.extras["attribution"].sum(dim=(1, 2))
    assert torch.all((total - gap).abs() <= 0.05 * gap.abs())
    assert torch.allclose(out.extras["convergence_delta"], total - gap, atol=1e-6)


def kinks(attribution):
    """Number of frames where ``[B, T, D]`` is not linear in time."""
    curvature = attribution.diff(n=2, dim=1).abs().amax(dim=(0, 2))
    return int((curvature > 1e-6 * attribution.abs().max()).sum())


def test_gradcam_map_is_the_bilinear_upsampling_on_the_mel_axis():
    clf = classifier(n_blocks=4)  # layer map of 10 frames x 10 mel columns
    wave = waves(seconds=1.0)
    feats = GradCAM(clf, domain="features").interpret(wave)
    layer = feats.extras["layer_attribution"]
    up = feats.extras["attribution"]
    batch, frames, _ = feats.magnitude.shape
    assert layer.shape == (batch, frames // 8, 10) and up.shape == (batch, frames, 80)
    expected = F.interpolate(layer[:, None], size=(frames, 80), mode="bilinear")[:, 0]
    assert torch.allclose(up, expected)
    # piecewise linear in time: kinks only next to the layer's frames
    assert 0 < kinks(up) <= 2 * layer.shape[1]
    sal = Saliency(clf, domain="features").interpret(wave).extras["attribution"]
    assert kinks(sal) > 2 * layer.shape[1]  # (a gradient map has kinks everywhere)
    # linear domain: the mel map spread over the linear bins, not stretched to 513
    lin = GradCAM(clf, domain="linear").interpret(wave)
    spread = clf.frontend.features_mask_to_linear(up)
    assert lin.mask.shape == lin.magnitude.shape
    assert torch.allclose(lin.extras["attribution"], spread)
    upstream = F.interpolate(layer[:, None], size=(frames, 513), mode="bilinear")[:, 0]
    assert not torch.allclose(lin.mask, attribution_to_mask(upstream), atol=0.05)


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("relu", [False, True])
def test_gradcam_from_the_deepest_map_equals_captum_layer_gradcam(domain, relu):
    """Grad-CAM from the interpretation's own deepest map (gradient through
    the pooling and head only) is captum's LayerGradCam to 1e-5, for a map
    that is not trivially small."""
    from captum.attr import LayerGradCam

    clf = classifier(n_blocks=4)
    with torch.no_grad():
        clf.head.weight.mul_(50.0)
    method = GradCAM(clf, domain=domain, relu_attributions=relu)
    calls = []
    hook = clf.embedding_model.register_forward_hook(lambda *_: calls.append(1))
    out = method.interpret(waves(seconds=1.0))
    hook.remove()
    assert len(calls) == 1  # the interpretation's own forward, no second pass
    inputs = method.attribution_inputs(out.magnitude).requires_grad_(True)
    theirs = LayerGradCam(method.forward_model, clf.embedding_model.blocks[-1]).attribute(
        inputs, target=out.label, relu_attributions=relu)[:, 0]
    ours = out.extras["layer_attribution"]
    assert float(theirs.abs().max()) > 1e-3
    assert torch.allclose(ours, theirs, atol=1e-5, rtol=0)
    # the forward hook path is what other layers (and encoders without pool) use
    hooked = method.layer_map(inputs, out.label, relu)[:, 0]
    assert torch.allclose(hooked, theirs, atol=1e-7)


@pytest.mark.filterwarnings("ignore:Setting backward hooks")
def test_guided_gradcam_matches_captum_in_the_features_domain():
    clf = classifier(n_blocks=4)
    wave = waves(seconds=1.0)
    ours = GuidedGradCAM(clf, domain="features").interpret(wave)
    assert float(ours.feature_mask.amax()) == 1.0

    class Logits4d(nn.Module):  # captum's class wants [B, 1, T, M] inputs
        def __init__(self):
            super().__init__()
            self.clf = clf

        def forward(self, x):
            return self.clf(features=x[:, 0]).logits

    feats = clf.frontend.features(ours.magnitude.detach())[:, None].requires_grad_(True)
    theirs = GuidedGradCam(Logits4d(), clf.embedding_model.blocks[-1]).attribute(
        feats, target=ours.label, interpolate_mode="bilinear")[:, 0]
    assert torch.allclose(ours.extras["attribution"], theirs, atol=1e-9, rtol=1e-4)


def test_upsample_layer_map_interpolates_between_layer_frames():
    up = upsample_layer_map(torch.tensor([[[0.0, 0.0], [4.0, 4.0]]]), 8, 3)
    assert up.shape == (1, 8, 3)
    assert up[0, :, 1].tolist() == [0.0, 0.0, 0.5, 1.5, 2.5, 3.5, 4.0, 4.0]


@pytest.mark.parametrize("cls", [SmoothGrad, GradientSHAP])
def test_noisy_methods_are_reproducible_and_leave_the_global_rng_alone(clf, cls):
    wave = waves()
    kwargs = {"n_samples": 3}
    torch_state, numpy_state = torch.get_rng_state(), np.random.get_state()[1].copy()
    first = cls(clf, seed=5, **kwargs).interpret(wave).mask
    assert torch.equal(torch.get_rng_state(), torch_state)
    assert np.array_equal(np.random.get_state()[1], numpy_state)
    torch.manual_seed(123)
    np.random.seed(123)  # other global states change nothing
    assert torch.equal(first, cls(clf, seed=5, **kwargs).interpret(wave).mask)
    assert not torch.equal(first, cls(clf, seed=6, **kwargs).interpret(wave).mask)


def test_noise_and_baselines_are_non_negative_and_scaled_to_the_clip(clf):
    out = SmoothGrad(clf, n_samples=2, noise_level=0.15).interpret(waves())
    mag = out.magnitude.detach().flatten(1)
    expected = 0.15 * (mag.amax(dim=1) - mag.amin(dim=1))
    assert torch.allclose(out.extras["sigma"], expected)
    shap = GradientSHAP(clf, domain="features", n_samples=2).interpret(waves())
    baselines = shap.extras["baselines"]
    assert baselines.shape == (2, 3, 44, 80) and float(baselines.min()) >= 0.0
    clip_means = clf.frontend.features(shap.magnitude.detach()).mean(dim=(1, 2))
    assert torch.allclose(baselines.mean(dim=(1, 2, 3)), clip_means, rtol=0.05)


def test_build_baseline_names_and_errors(clf):
    known = r"unknown baseline 'lime'; known: all_ones, gradcam, .*, saliency, smoothgrad$"
    with pytest.raises(ValueError, match=known):
        build_baseline("lime", clf)
    with pytest.raises(ValueError, match="reference=<Interpreter> or mean"):
        build_baseline("random", clf)
    with pytest.raises(ValueError, match="domain must be one of"):
        build_baseline("saliency", clf, domain="mel")
    coin = build_baseline("random", clf, mean=0.5, seed=2).interpret(waves(), with_wave=False)
    assert set(coin.mask.unique().tolist()) == {0.0, 1.0}
    ones = build_baseline("all_ones", clf, seed=1).interpret(waves(), with_wave=False)
    assert float(ones.mask.min()) == 1.0
    method = build_baseline("integrated_gradients", clf, domain="features", n_steps=7)
    assert isinstance(method, IntegratedGradients) and method.n_steps == 7
    assert method.domain == "features"
