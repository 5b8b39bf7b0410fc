"""Spectral front end: perfect reconstruction, masks, differentiable features."""

import math

import pytest
import torch

from speechbrain_interp.audio import si_sdr
from speechbrain_interp.frontend import SpectralFrontEnd


def _test_signal(n, sample_rate=16000):
    t = torch.arange(n) / sample_rate
    chirp = torch.sin(2 * math.pi * (200 * t + 900 * t**2))
    return (0.5 * chirp + 0.1 * torch.randn(n)).unsqueeze(0)


@pytest.mark.parametrize("seconds", [1.0, 5.0, 2.37])
def test_istft_of_stft_gives_the_wave_back(seconds):
    fe = SpectralFrontEnd()
    n = int(seconds * 16000)
    wave = _test_signal(n)
    mag, phase = fe.spectrogram(wave)
    back = fe.waveform(mag, phase, length=n)
    assert back.shape == wave.shape
    assert float(si_sdr(back, wave)) > 40.0


def test_all_ones_mask_returns_input_wave():
    fe = SpectralFrontEnd()
    wave = _test_signal(80000)
    mag, phase = fe.spectrogram(wave)
    out = fe.mask_to_wave(torch.ones_like(mag), mag, phase, 80000)
    assert torch.allclose(out, wave, atol=1e-4)
    assert float(si_sdr(out, wave)) > 60.0


def test_zero_mask_gives_silence_and_half_mask_half_wave():
    fe = SpectralFrontEnd()
    wave = _test_signal(16000)
    mag, phase = fe.spectrogram(wave)
    assert fe.mask_to_wave(torch.zeros_like(mag), mag, phase, 16000).abs().max() < 1e-6
    half = fe.mask_to_wave(0.5 * torch.ones_like(mag), mag, phase, 16000)
    assert torch.allclose(half, 0.5 * wave, atol=1e-4)


def test_defaults_follow_methods_10_2():
    fe = SpectralFrontEnd()
    assert fe.compute_stft.win_length == 372 and fe.hop_samples == 186
    assert fe.n_freqs == 513 and fe.n_features == 80
    mag, _ = fe.spectrogram(torch.zeros(1, 80000))
    assert mag.shape == (1, 431, 513)  # 5 s -> 431 frames


def test_features_are_differentiable_wrt_a_mask():
    fe = SpectralFrontEnd()
    mag, _ = fe.spectrogram(_test_signal(16000))
    mask = torch.full_like(mag, 0.5, requires_grad=True)
    feats = fe.features(mask * mag)
    feats.sum().backward()
    assert mask.grad is not None and torch.isfinite(mask.grad).all()
    assert mask.grad.abs().sum() > 0


def test_features_of_silence_are_finite_and_zero():
    fe = SpectralFrontEnd()
    mag, phase = fe.spectrogram(torch.zeros(2, 8000))
    feats = fe.features(mag)
    assert torch.isfinite(feats).all() and feats.abs().max() < 1e-5
    assert torch.isfinite(phase).all()


def test_linear_feature_type_and_other_rates():
    fe = SpectralFrontEnd(sample_rate=22050, feature_type="log1p_linear")
    mag, _ = fe.spectrogram(torch.randn(1, 22050))
    assert fe.features(mag).shape[-1] == 513
    with pytest.raises(ValueError, match="feature_type"):
        SpectralFrontEnd(feature_type="mfcc")


def test_mask_shape_mismatch_is_refused():
    fe = SpectralFrontEnd()
    mag, phase = fe.spectrogram(torch.randn(1, 16000))
    with pytest.raises(ValueError, match="mask"):
        fe.mask_to_wave(torch.ones(1, mag.shape[1] - 6, 513), mag, phase, 16000)
