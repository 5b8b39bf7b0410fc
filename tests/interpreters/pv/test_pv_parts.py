"""Perception Visualization parts: decoder, SSIM, range, loss, composition."""

import math

import pytest
import torch
from torch import nn

from speechbrain_interp.evaluation.ssim import gaussian_window, ssim
from speechbrain_interp.interpreters.pv import (
    PVDecoder,
    SpectrogramRange,
    perception_visualization,
    pv_loss,
)


def narrow_decoder(**kwargs):
    """Small decoder for the 256 x 13 x 2 latent of a base_channels=8 CNN14."""
    return PVDecoder(256, channels=(64, 32, 16, 8, 8), **kwargs)


# --------------------------------------------------------------- decoder


@pytest.mark.parametrize("n_freqs", [513, 80])
def test_decoder_shapes_and_range(n_freqs):
    decoder = narrow_decoder()
    z = 3 * torch.randn(2, 256, 13, 2)
    for mode in (True, False):
        decoder.train(mode)
        y = decoder(z, n_frames=431, n_freqs=n_freqs)
        assert y.shape == (2, 431, n_freqs)
        assert y.min() >= 0 and y.max() <= 1
        assert torch.isfinite(y).all()


def test_decoder_output_depends_on_z_only():
    decoder = narrow_decoder()
    z = torch.randn(2, 256, 4, 2)
    with torch.no_grad():
        # calibrate the batch-norm running statistics (cumulative averages
        # over a few batches), then freeze them
        for module in decoder.modules():
            if isinstance(module, nn.BatchNorm2d):
                module.reset_running_stats()
                module.momentum = None
        for _ in range(4):
            decoder(torch.randn(8, 256, 4, 2), 64, 40)
        decoder.eval()
        first = decoder(z, 64, 40)
        again = decoder(z.clone(), 64, 40)
        other = decoder(torch.randn(2, 256, 4, 2), 64, 40)
        # eval mode: an example's output does not depend on its batch mates
        alone = decoder(z[:1], 64, 40)
    assert torch.equal(first, again)
    assert (first - other).abs().amax() > 0.05
    torch.testing.assert_close(alone, first[:1], atol=1e-6, rtol=1e-5)


def test_decoder_has_no_skip_inputs():
    # forward takes nothing but z and the output size
    decoder = narrow_decoder()
    with pytest.raises(TypeError):
        decoder(torch.randn(1, 256, 13, 2), 431, 80, torch.rand(1, 431, 80))


def test_decoder_layer_structure():
    decoder = PVDecoder(32, channels=(16, 8))
    assert len(decoder.stages) == 2 and decoder.upsampling == 4
    convt = [m for m in decoder.modules() if isinstance(m, nn.ConvTranspose2d)]
    convs = [m for m in decoder.modules() if type(m) is nn.Conv2d]
    assert [m.kernel_size for m in convt] == [(4, 4)] * 2
    assert all(m.stride == (2, 2) for m in convt)
    assert all(m.kernel_size == (3, 3) for m in convs)
    assert len(convs) == 3  # one per stage + output layer
    # each transposed conv is directly followed by batch norm (no activation)
    stage = decoder.stages[0]
    assert isinstance(stage[0], nn.ConvTranspose2d) and isinstance(stage[1], nn.BatchNorm2d)
    assert isinstance(stage[-1], nn.LeakyReLU) and stage[-1].negative_slope == 0.2
    # exact x2 per stage before any resizing
    x = decoder.stages[1](decoder.stages[0](torch.randn(1, 32, 5, 3)))
    assert x.shape == (1, 8, 20, 12)


@pytest.mark.parametrize("shape", [(2, 128, 13, 2), (256, 13, 2), (2, 256, 13)])
def test_decoder_rejects_wrong_latent(shape):
    with pytest.raises(ValueError, match=str(tuple(shape)).replace("(", r"\(").replace(")", r"\)")):
        narrow_decoder()(torch.randn(*shape), 431, 80)


def test_decoder_gradients_reach_all_parameters():
    decoder = narrow_decoder()
    y = decoder(torch.randn(2, 256, 13, 2), 64, 40)
    ((y - torch.rand_like(y)) ** 2).mean().backward()
    for name, param in decoder.named_parameters():
        assert param.grad is not None, name
        assert param.grad.abs().sum() > 0, name


def _synthetic_spectrograms(n, n_frames, n_freqs):
    """Harmonic stripes with decaying envelopes, in [0, 1]."""
    t = torch.linspace(0, 1, n_frames).view(1, -1, 1)
    f = torch.arange(n_freqs).view(1, 1, -1).float()
    f0 = torch.tensor([3.0, 5.0, 7.0, 4.0])[:n].view(-1, 1, 1)
    decay = torch.tensor([2.0, 5.0, 1.0, 8.0])[:n].view(-1, 1, 1)
    stripes = torch.exp(-((f % f0) ** 2) / 0.5)
    return (stripes * torch.exp(-decay * t) * 0.9 + 0.05).clamp(0, 1)


def test_decoder_learns_to_reconstruct():
    torch.manual_seed(0)
    n_frames, n_freqs = 32, 16
    target = _synthetic_spectrograms(4, n_frames, n_freqs)
    # fixed random "encoder" E: pooled spectrogram -> 1x1 conv, frozen
    encoder = nn.Sequential(nn.AdaptiveAvgPool2d((4, 2)), nn.Conv2d(1, 8, 1))
    encoder.requires_grad_(False)

    def encode(s):
        return encoder(s.unsqueeze(1))

    z = torch.randn(4, 8, 4, 2)  # fixed random latents, one per example
    decoder = PVDecoder(8, channels=(16, 8, 8))
    optimizer = torch.optim.Adam(decoder.parameters(), lr=1e-2)
    initial = None
    for _ in range(60):
        y = decoder(z, n_frames, n_freqs)
        terms = pv_loss(y, target, encode(y), encode(target))
        if initial is None:
            initial = {key: float(value.detach()) for key, value in terms.items()}
        optimizer.zero_grad()
        terms["loss"].backward()
        optimizer.step()
    decoder.eval()
    with torch.no_grad():
        y = decoder(z, n_frames, n_freqs)
        final = pv_loss(y, target, encode(y), encode(target))
    assert float(final["loss"]) < 0.1 * initial["loss"]
    assert float(final["mse"]) < 0.25 * initial["mse"]
    assert float(final["ssim"]) < 0.25 * initial["ssim"]


# --------------------------------------------------------------- SSIM


def test_ssim_identity_and_range():
    x = torch.rand(3, 50, 40)
    torch.testing.assert_close(ssim(x, x), torch.ones(3))
    values = ssim(x, torch.rand(3, 50, 40))
    assert (values <= 1).all() and (values > -1).all()


def test_ssim_constant_images_hand_formula():
    c1 = (0.01 * 1.0) ** 2
    for a, b in [(0.2, 0.7), (0.0, 1.0), (0.5, 0.5), (0.9, 0.1)]:
        x = torch.full((1, 20, 20), a, dtype=torch.float64)
        y = torch.full((1, 20, 20), b, dtype=torch.float64)
        expected = (2 * a * b + c1) / (a * a + b * b + c1)
        assert float(ssim(x, y)) == pytest.approx(expected, rel=1e-9)


def test_ssim_data_range_sets_constants():
    # constants scale with L: scaling both images and L leaves SSIM unchanged
    x, y = torch.rand(2, 30, 30), torch.rand(2, 30, 30)
    torch.testing.assert_close(ssim(10 * x, 10 * y, data_range=10.0), ssim(x, y))


def test_ssim_drops_with_noise_and_is_symmetric():
    x = _synthetic_spectrograms(2, 64, 48)
    previous = ssim(x, x)
    for level in (0.02, 0.1, 0.3):
        noisy = (x + level * torch.randn_like(x)).clamp(0, 1)
        value = ssim(x, noisy)
        assert (value < previous).all()
        torch.testing.assert_close(ssim(noisy, x), value)
        previous = value


def test_ssim_window_shrinks_on_tiny_inputs():
    x = torch.rand(2, 5, 40)
    y = torch.rand(2, 5, 40)
    # 5 frames: the 11-tap window shrinks to 5 (and 6 frames -> 5 as well)
    torch.testing.assert_close(ssim(x, y), ssim(x, y, window_size=5))
    # the limit may come from either axis: 40 frames x 6 bins -> 5
    x6, y6 = torch.rand(2, 40, 6), torch.rand(2, 40, 6)
    torch.testing.assert_close(ssim(x6, y6), ssim(x6, y6, window_size=5))
    assert not torch.allclose(ssim(x6, y6, window_size=3), ssim(x6, y6))
    # a single frame: 1x1 window, the per-pixel luminance formula
    a, b = torch.rand(1, 1, 7), torch.rand(1, 1, 7)
    c1 = 1e-4
    expected = ((2 * a * b + c1) / (a**2 + b**2 + c1)).mean()
    torch.testing.assert_close(ssim(a, b)[0], expected)


def test_ssim_is_differentiable_and_validates():
    x = torch.rand(2, 20, 20, requires_grad=True)
    (1 - ssim(x, torch.rand(2, 20, 20))).mean().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0
    with pytest.raises(ValueError, match="same shape"):
        ssim(torch.rand(2, 20, 20), torch.rand(2, 20, 21))
    with pytest.raises(ValueError, match="odd"):
        ssim(torch.rand(2, 20, 20), torch.rand(2, 20, 20), window_size=4)


def test_gaussian_window():
    w = gaussian_window(11, 1.5, dtype=torch.float64)
    assert float(w.sum()) == pytest.approx(1.0)
    torch.testing.assert_close(w, w.flip(0))
    assert float(w[6] / w[5]) == pytest.approx(math.exp(-1 / (2 * 1.5**2)))


# --------------------------------------------------------------- range


def test_spectrogram_range_round_trip_and_state():
    rng = SpectrogramRange()
    with pytest.raises(RuntimeError, match="update"):
        rng.normalise(torch.rand(2, 10, 8))
    with pytest.raises(RuntimeError, match="update"):
        rng.denormalise(torch.rand(2, 10, 8))
    batches = [torch.log1p(10 * torch.rand(2, 10, 8)) - 0.3 for _ in range(3)]
    for batch in batches:
        rng.update(batch)
    everything = torch.cat(batches)
    assert float(rng.low) == float(everything.min())
    assert float(rng.high) == float(everything.max())
    normalised = rng.normalise(batches[1])
    assert normalised.min() >= 0 and normalised.max() <= 1
    torch.testing.assert_close(rng.denormalise(normalised), batches[1])
    # global, not per utterance: a quiet clip stays quiet
    quiet = rng.normalise(torch.full((1, 4, 4), float(rng.low) + 0.01))
    assert quiet.max() < 0.01
    # outside the fitted range: clamped
    assert float(rng.normalise(torch.tensor([1e6]))) == 1.0
    # buffers travel with the state_dict
    state = rng.state_dict()
    assert set(state) == {"low", "high"}
    restored = SpectrogramRange()
    restored.load_state_dict(state)
    assert restored.fitted
    torch.testing.assert_close(restored.normalise(batches[0]), rng.normalise(batches[0]))


def test_spectrogram_range_rejects_degenerate_input():
    rng = SpectrogramRange()
    rng.update(torch.full((3,), 2.0))
    with pytest.raises(RuntimeError, match="empty"):
        rng.normalise(torch.rand(3))
    with pytest.raises(ValueError):
        SpectrogramRange().update(torch.tensor([0.0, math.inf]))


# --------------------------------------------------------------- loss


def test_pv_loss_zero_for_perfect_inputs():
    x, z = torch.rand(2, 40, 30), torch.randn(2, 8, 3, 2)
    terms = pv_loss(x, x, z, z)
    for key in ("loss", "mse", "ssim", "dsim"):
        assert float(terms[key]) == pytest.approx(0.0, abs=1e-6), key


def test_pv_loss_terms_respond_to_their_own_error():
    x, z = torch.rand(2, 40, 30), torch.randn(2, 8, 3, 2)
    # latent error only
    terms = pv_loss(x, x, z + 0.5, z)
    assert float(terms["dsim"]) == pytest.approx(0.25)
    assert float(terms["mse"]) == 0 and float(terms["ssim"]) == pytest.approx(0, abs=1e-6)
    assert float(terms["loss"]) == pytest.approx(0.4 * 0.25)
    # image error only
    y = (x + 0.2 * torch.randn_like(x)).clamp(0, 1)
    terms = pv_loss(y, x, z, z, alphas=(0.5, 0.5, 0.0))
    assert float(terms["dsim"]) == 0
    assert float(terms["mse"]) == pytest.approx(float(((y - x) ** 2).mean()))
    assert float(terms["ssim"]) == pytest.approx(1 - float(ssim(y, x).mean()))
    assert float(terms["ssim"]) > 0.05
    expected = 0.5 * terms["mse"] + 0.5 * terms["ssim"]
    assert float(terms["loss"]) == pytest.approx(float(expected))
    # a structural change at the same MSE: a shifted copy vs uniform offset
    offset = (x + 0.1).clamp(0, 1)
    assert float(pv_loss(offset, x, z, z)["ssim"]) < float(pv_loss(x.roll(7, dims=1), x, z, z)["ssim"])


def test_pv_loss_targets_are_detached():
    x, z = torch.rand(1, 20, 20, requires_grad=True), torch.randn(1, 4, 2, 2, requires_grad=True)
    y = torch.rand(1, 20, 20, requires_grad=True)
    pv_loss(y, x, z + 1, z)["loss"].backward()
    assert y.grad is not None and x.grad is None and z.grad is not None  # z + 1 is E(y) here


@pytest.mark.parametrize(
    "alphas", [(0.5, 0.5), (0.5, 0.6, -0.1), (0.3, 0.3, 0.3), (0.2, 0.4, math.nan), "abc"]
)
def test_pv_loss_validates_alphas(alphas):
    x, z = torch.rand(1, 20, 20), torch.rand(1, 4, 2, 2)
    with pytest.raises(ValueError, match="alphas"):
        pv_loss(x, x, z, z, alphas=alphas)


def test_pv_loss_validates_shapes():
    x, z = torch.rand(1, 20, 20), torch.rand(1, 4, 2, 2)
    with pytest.raises(ValueError, match="same shape"):
        pv_loss(x[:, :10], x, z, z)
    with pytest.raises(ValueError, match="same shape"):
        pv_loss(x, x, z[..., :1], z)


# --------------------------------------------------------------- composition


def test_perception_visualization():
    y = torch.rand(2, 431, 80)
    m = torch.zeros(2, 431, 80)
    m[:, 100:200, 10:30] = 1.0
    pv = perception_visualization(m, y)
    assert torch.equal(pv[m == 0], torch.zeros_like(pv[m == 0]))
    assert torch.equal(pv[m == 1], y[m == 1])
    torch.testing.assert_close(perception_visualization(torch.full_like(y, 0.5), y), 0.5 * y)
    with pytest.raises(ValueError, match="grid"):
        perception_visualization(torch.rand(2, 13, 2), y)


def test_pipeline_with_cnn14_latent():
    from speechbrain_interp.models import CNN14

    encoder = CNN14(n_mels=80, base_channels=8, n_blocks=6).eval()
    with torch.no_grad():
        _, reps = encoder(torch.rand(2, 431, 80))
    y = narrow_decoder().eval()(reps[0], 431, 513)
    from speechbrain_interp.interpreters.baselines.reference import attribution_to_mask
    from speechbrain_interp.interpreters.baselines.grad_cam import upsample_layer_map

    saliency = upsample_layer_map(attribution_to_mask(reps[0].mean(dim=1).relu()), 431, 513)
    pv = perception_visualization(saliency, y)
    assert pv.shape == (2, 431, 513)
    assert pv.min() >= 0 and pv.max() <= 1
