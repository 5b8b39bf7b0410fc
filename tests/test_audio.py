"""Audio loading: every kind of bad or unusual file is handled or named."""

import numpy as np
import pytest
import soundfile as sf
import torch

from speechbrain_interp.audio import (
    AudioError,
    audio_info,
    fix_length,
    load_audio,
    peak_normalize,
    si_sdr,
)

SR = 16000


def _write(path, data, rate, subtype=None):
    sf.write(str(path), data, rate, subtype=subtype)
    return str(path)


def test_corrupt_wav_is_named(tmp_path):
    path = tmp_path / "corrupt.wav"
    path.write_bytes(b"RIFF\x00\x01\x00\x00WAVEfmt garbage" + bytes(range(200)))
    with pytest.raises(AudioError, match="corrupt.wav"):
        load_audio(path, SR)
    with pytest.raises(AudioError, match="corrupt.wav"):
        audio_info(path)


def test_empty_wav_is_named(tmp_path):
    path = _write(tmp_path / "empty.wav", np.zeros(0, dtype="float32"), SR)
    with pytest.raises(AudioError, match="empty.wav.*empty"):
        load_audio(path, SR)


def test_missing_file_is_named(tmp_path):
    with pytest.raises(AudioError, match="nothere.wav"):
        load_audio(tmp_path / "nothere.wav", SR)


def test_silent_wav_stays_silent_without_nan(tmp_path):
    path = _write(tmp_path / "silent.wav", np.zeros(SR, dtype="float32"), SR)
    wave = load_audio(path, SR, length=5 * SR)
    assert wave.shape == (5 * SR,)
    assert torch.isfinite(wave).all() and wave.abs().max() == 0
    with pytest.raises(AudioError, match="silent.wav.*silent"):
        load_audio(path, SR, allow_silent=False)


def test_stereo_48k_is_downmixed_and_resampled(tmp_path):
    t = np.arange(48000 * 2) / 48000
    left = 0.3 * np.sin(2 * np.pi * 440 * t)
    right = 0.1 * np.sin(2 * np.pi * 440 * t)
    path = _write(tmp_path / "stereo48k.wav", np.stack([left, right], 1).astype("float32"), 48000)
    wave = load_audio(path, SR, normalize=False)
    assert wave.shape == (2 * SR,)
    expected = 0.2 * torch.sin(2 * torch.pi * 440 * torch.arange(2 * SR) / SR)
    inner = slice(200, -200)  # resampling edges
    assert float(si_sdr(wave[inner], expected[inner])) > 30
    assert abs(float(wave[inner].abs().max()) - 0.2) < 0.01


def test_short_clip_is_zero_padded_and_long_clip_cropped(tmp_path):
    one_second = _write(tmp_path / "short.wav", 0.5 * np.ones(SR, dtype="float32"), SR)
    wave = load_audio(one_second, SR, length=5 * SR)
    assert wave.shape == (5 * SR,)
    assert torch.all(wave[:SR] == 1.0) and torch.all(wave[SR:] == 0)
    ramp = _write(tmp_path / "long.wav", np.linspace(0, 1, 7 * SR, dtype="float32"), SR)
    cropped = load_audio(ramp, SR, length=5 * SR, normalize=False)
    assert cropped.shape == (5 * SR,) and float(cropped[0]) == 0.0
    shifted = load_audio(ramp, SR, length=SR, offset=2 * SR, normalize=False)
    assert abs(float(shifted[0]) - 2 / 7) < 1e-4


def test_integer_pcm_and_flac_and_other_rates(tmp_path):
    data = (np.random.RandomState(0).randn(22050) * 3000).astype("int16")
    wav = _write(tmp_path / "pcm16.wav", data, 22050)
    flac = _write(tmp_path / "clip.flac", data, 22050)
    a, b = load_audio(wav, SR), load_audio(flac, SR)
    assert a.shape == b.shape == (SR,)
    assert torch.allclose(a, b, atol=1e-4)
    assert abs(float(a.abs().max()) - 1.0) < 1e-6


def test_non_finite_samples_are_named(tmp_path):
    data = np.zeros(100, dtype="float32")
    data[10] = np.nan
    path = _write(tmp_path / "nan.wav", data, SR, subtype="FLOAT")
    with pytest.raises(AudioError, match="nan.wav.*NaN"):
        load_audio(path, SR)


def test_peak_normalize_is_safe_and_batched():
    x = torch.tensor([[0.0, 0.5, -0.25], [0.0, 0.0, 0.0], [1e-12, 0.0, 0.0]])
    y = peak_normalize(x)
    assert torch.allclose(y[0], torch.tensor([0.0, 1.0, -0.5]))
    assert torch.all(y[1] == 0) and torch.all(y[2] == x[2])  # silence untouched
    assert torch.isfinite(y).all()
    assert fix_length(torch.ones(2, 3), 5).shape == (2, 5)
