"""Tests of the noise mixing functions and the WHAM! noise augmentation."""

import math
import os
import urllib.error
import zipfile

import pytest
import torch

from speechbrain.dataio import audio_io
from speechbrain_interp.audio import AudioError
from speechbrain_interp.data import download
from speechbrain_interp.augment.mixing import (
    measured_snr,
    mix_at_snr,
    mix_unit_norm,
    scale_to_snr,
)
from speechbrain_interp.augment.wham import WhamAugment
from speechbrain_interp.data.wham import WHAM_URL, NoiseBank, download_wham, prepare_wham

RATE = 16000
SEGMENT = 8000  # 0.5 s
SNRS = torch.tensor([-10.0, -5.0, 0.0, 7.5, 20.0])


def _save(path, wave, rate):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    subtype = "FLOAT" if str(path).endswith(".wav") else None  # exact samples
    audio_io.save(str(path), wave, rate, subtype=subtype)


@pytest.fixture
def wham_root(tmp_path):
    """A tiny WHAM!-like folder: stereo 48 kHz, mono 8 kHz, one short file."""
    gen = torch.Generator().manual_seed(7)
    root = tmp_path / "wham_noise"
    _save(root / "tr" / "a_stereo48k.wav", 0.3 * torch.randn(2, 48000 * 2, generator=gen), 48000)
    _save(root / "tr" / "b_mono8k.wav", 0.3 * torch.randn(8000 * 3, generator=gen), 8000)
    _save(root / "tr" / "c_short8k.wav", 0.3 * torch.randn(2000, generator=gen), 8000)
    _save(root / "cv" / "d.flac", 0.3 * torch.randn(16000, generator=gen), 16000)
    (root / "tt").mkdir()
    return root


@pytest.fixture
def ramp_folder(tmp_path):
    """One long 16 kHz mono file whose sample i holds i / 2**20 (a time index)."""
    folder = tmp_path / "ramp"
    _save(folder / "ramp.wav", torch.arange(RATE * 4, dtype=torch.float32) / 2**20, RATE)
    return folder


def _clean_batch(batch=5, time=SEGMENT, seed=3):
    gen = torch.Generator().manual_seed(seed)
    t = torch.arange(time) / RATE
    freqs = 200 + 300 * torch.rand(batch, 1, generator=gen)
    return 0.8 * torch.sin(2 * math.pi * freqs * t)


# ---------------------------------------------------------------- mixing


def test_scale_to_snr_is_exact_batched():
    clean = _clean_batch()
    noise = torch.randn(clean.shape, generator=torch.Generator().manual_seed(1))
    scaled = scale_to_snr(clean, noise, SNRS)
    assert torch.allclose(measured_snr(clean, scaled), SNRS.double(), atol=1e-3)
    # a single float SNR for the whole batch
    scaled = scale_to_snr(clean, noise, -3.0)
    assert torch.allclose(measured_snr(clean, scaled), torch.full((5,), -3.0).double(), atol=1e-3)


def test_mix_at_snr_without_normalisation():
    clean = _clean_batch()
    noise = torch.randn(clean.shape, generator=torch.Generator().manual_seed(2))
    mix = mix_at_snr(clean, noise, SNRS, normalize=False)
    assert (measured_snr(clean, mix - clean) - SNRS.double()).abs().max() < 0.1


def test_mix_at_snr_normalisation_keeps_snr():
    clean = _clean_batch()
    clean[0] *= 0.01  # quiet clean + 20 dB SNR noise: does not clip
    snrs = SNRS.flip(0)  # 20 dB for the quiet item, -10 dB for a clipping one
    noise = torch.randn(clean.shape, generator=torch.Generator().manual_seed(2))
    mix, clean_part, noise_part = mix_at_snr(clean, noise, snrs, return_parts=True)
    peaks = mix.abs().amax(-1)
    assert (peaks <= 1 + 1e-6).all()
    assert torch.allclose(peaks[1:], torch.ones(4))  # the others clipped: rescaled
    assert torch.equal(mix[0], clean[0] + scale_to_snr(clean, noise, snrs)[0])
    assert torch.allclose(mix, clean_part + noise_part, atol=1e-6)
    assert (measured_snr(clean_part, noise_part) - snrs.double()).abs().max() < 0.1
    # undo the per-item scale: the SNR against the original clean is exact
    gain = (clean_part * clean).sum(-1, keepdim=True) / clean.pow(2).sum(-1, keepdim=True)
    assert torch.allclose(clean_part, gain * clean, atol=1e-6)
    assert (measured_snr(clean, mix / gain - clean) - snrs.double()).abs().max() < 0.1


def test_silent_inputs_never_give_nan():
    clean = _clean_batch(batch=2)
    clean[0] = 0.0
    noise = torch.randn(clean.shape)
    noise[1] = 0.0
    for mix in (
        mix_at_snr(clean, noise, 0.0),
        mix_at_snr(clean, noise, -20.0, normalize=False),
        mix_unit_norm(clean, noise),
    ):
        assert torch.isfinite(mix).all()
    mix = mix_at_snr(clean, noise, 0.0)
    assert torch.equal(mix[0], torch.zeros(SEGMENT))  # silent clean stays silent
    assert torch.equal(mix[1], clean[1])  # silent noise adds nothing
    both_silent = mix_unit_norm(torch.zeros(1, 10), torch.zeros(1, 10))
    assert torch.equal(both_silent, torch.zeros(1, 10))
    assert torch.isfinite(measured_snr(torch.zeros(2, 4), torch.zeros(2, 4))).all()


def test_mix_unit_norm_formula():
    clean = _clean_batch(batch=3)
    noise = torch.randn(clean.shape)
    expected = clean / clean.norm(dim=-1, keepdim=True) + noise / noise.norm(dim=-1, keepdim=True)
    expected = expected / expected.abs().amax(-1, keepdim=True)
    mix = mix_unit_norm(clean, noise)
    assert torch.allclose(mix, expected, atol=1e-6)
    assert torch.allclose(mix.abs().amax(-1), torch.ones(3))
    weighted = 0.8 * clean / clean.norm(dim=-1, keepdim=True) + 0.2 * noise / noise.norm(dim=-1, keepdim=True)
    weighted = weighted / weighted.abs().amax(-1, keepdim=True)
    assert torch.allclose(mix_unit_norm(clean, noise, weights=(0.8, 0.2)), weighted, atol=1e-6)


# ---------------------------------------------------------------- noise bank


def test_bank_handles_rates_channels_and_flac(wham_root):
    bank = NoiseBank(str(wham_root), RATE, SEGMENT, seed=0)
    assert [os.path.basename(f) for f in bank.files] == [
        "a_stereo48k.wav",
        "b_mono8k.wav",
        "c_short8k.wav",
    ]
    batch = bank.sample(12)
    assert batch.shape == (12, SEGMENT) and batch.dtype == torch.float32
    assert torch.isfinite(batch).all() and (batch.abs().amax(-1) > 0.01).all()
    assert bank.sample(2, num_samples=12345).shape == (2, 12345)
    cv = NoiseBank(str(wham_root), RATE, SEGMENT, subset="cv")
    assert cv.sample(1).shape == (1, SEGMENT)


def test_stereo_48k_is_averaged_and_resampled(tmp_path):
    t = torch.arange(48000 * 2) / 48000
    tone = 0.5 * torch.sin(2 * math.pi * 440 * t)
    _save(tmp_path / "n" / "tone.wav", torch.stack([tone, tone]), 48000)
    bank = NoiseBank(str(tmp_path / "n"), RATE, RATE, subset=None)
    segment = bank.sample(1)[0]
    spectrum = torch.fft.rfft(segment).abs()
    assert int(spectrum.argmax()) == 440  # 1 Hz bins for a 1 s segment
    assert abs(float(segment.abs().max()) - 0.5) < 0.01


def test_crop_positions_vary_and_are_contiguous(ramp_folder):
    bank = NoiseBank(str(ramp_folder), RATE, SEGMENT, subset=None, seed=11)
    batch = bank.sample(32)
    starts = torch.round(batch[:, 0] * 2**20).long()
    steps = torch.round(batch.diff(dim=-1) * 2**20)
    assert torch.equal(steps, torch.ones_like(steps))  # contiguous crops
    assert len(set(starts.tolist())) > 25  # not always the same offset
    assert int(starts.min()) < RATE and int(starts.max()) > 2 * RATE  # spread over the file
    assert int(starts.max()) <= 4 * RATE - SEGMENT


def test_resampled_crop_matches_whole_file_crop(wham_root):
    """Reading only the needed frames equals cropping the whole resampled file."""
    partial = NoiseBank(str(wham_root), RATE, SEGMENT, seed=5, cache_size=0)
    whole = NoiseBank(str(wham_root), RATE, SEGMENT, seed=5, cache_size=8)
    for _ in range(3):
        assert torch.allclose(partial.sample(6), whole.sample(6), atol=1e-5)


def test_short_files_are_tiled(wham_root):
    bank = NoiseBank(str(wham_root / "tr"), RATE, SEGMENT, subset=None)
    bank.files = [f for f in bank.files if f.endswith("c_short8k.wav")]
    segment = bank.sample(1)[0]  # the file is 4000 samples long at 16 kHz
    assert torch.equal(segment[:4000], segment[4000:])
    assert segment[4000:].abs().max() > 0.01  # no zero padding


def test_seeded_determinism_and_state_restore(wham_root):
    first = NoiseBank(str(wham_root), RATE, SEGMENT, seed=42)
    second = NoiseBank(str(wham_root), RATE, SEGMENT, seed=42)
    other = NoiseBank(str(wham_root), RATE, SEGMENT, seed=43)
    batch = first.sample(6)
    assert torch.equal(batch, second.sample(6))
    assert not torch.equal(batch, other.sample(6))
    state = first.generator.get_state()
    nxt = first.sample(4)
    first.generator.set_state(state)
    assert torch.equal(first.sample(4), nxt)


def test_checkpointed_generator_reproduces_augmentation(wham_root, tmp_path):
    from speechbrain.utils.checkpoints import Checkpointer
    from speechbrain.utils.repro import SaveableGenerator

    augment = WhamAugment(NoiseBank(str(wham_root), RATE, SEGMENT, seed=9), -5.0, 5.0)
    checkpointer = Checkpointer(
        str(tmp_path / "ckpt"),
        recoverables={"wham_generator": SaveableGenerator({"wham": augment.generator})},
    )
    clean = _clean_batch(batch=4)
    augment(clean)
    checkpointer.save_checkpoint()
    expected = augment(clean)
    augment(clean)
    checkpointer.recover_if_possible()
    assert torch.equal(augment(clean), expected)
    twin = WhamAugment(NoiseBank(str(wham_root), RATE, SEGMENT, seed=9), -5.0, 5.0)
    twin(clean)
    assert torch.equal(twin(clean), expected)


def test_missing_and_empty_folders_name_the_folder(tmp_path):
    missing = tmp_path / "nowhere"
    with pytest.raises(FileNotFoundError, match="nowhere"):
        NoiseBank(str(missing), RATE, SEGMENT)
    empty = tmp_path / "empty"
    (empty / "tr").mkdir(parents=True)
    (empty / "tr" / "notes.txt").write_text("no audio here")
    with pytest.raises(FileNotFoundError, match=str(empty / "tr")):
        NoiseBank(str(empty), RATE, SEGMENT)


def test_unreadable_file_names_the_file(tmp_path):
    (tmp_path / "tr").mkdir()
    (tmp_path / "tr" / "broken.wav").write_bytes(b"not a wav file at all")
    bank = NoiseBank(str(tmp_path), RATE, SEGMENT)
    with pytest.raises(AudioError, match="broken.wav"):
        bank.sample(1)


# ---------------------------------------------------------------- augmentation


def test_augment_snr_mode_hits_drawn_snrs(wham_root):
    bank = NoiseBank(str(wham_root), RATE, SEGMENT, seed=1)
    clean = _clean_batch(batch=8)
    noisy, noise = WhamAugment(bank, snr_low=-5.0, snr_high=5.0)(clean, return_noise=True)
    clean_part = noisy - noise
    snr = measured_snr(clean_part, noise)
    assert (snr >= -5.1).all() and (snr <= 5.1).all() and snr.std() > 1.0
    assert (noisy.abs().amax(-1) <= 1 + 1e-6).all()
    for value in (-7.0, 0.0, 12.0):
        noisy, noise = WhamAugment(bank, value, value)(clean, return_noise=True)
        assert (measured_snr(noisy - noise, noise) - value).abs().max() < 0.1


def test_augment_follows_input_length_and_lengths(wham_root):
    bank = NoiseBank(str(wham_root), RATE, SEGMENT, seed=1)
    augment = WhamAugment(bank, 0.0, 0.0)
    clean = _clean_batch(batch=2, time=12345)
    clean[1, 6000:] = 0.0  # padded item
    noisy = augment(clean, lengths=torch.tensor([1.0, 6000 / 12345]))
    assert noisy.shape == clean.shape
    assert torch.equal(noisy[1, 6000:], torch.zeros(12345 - 6000))
    assert noisy[0, 6000:].abs().max() > 0
    single = augment(clean[0])
    assert single.shape == (12345,)


def test_augment_silent_clean_and_silent_noise(tmp_path):
    _save(tmp_path / "silent" / "zeros.wav", torch.zeros(2, 48000), 48000)
    bank = NoiseBank(str(tmp_path / "silent"), RATE, SEGMENT, subset=None)
    clean = _clean_batch(batch=2)
    clean[0] = 0.0
    for mode in ("snr", "unit_norm_sum"):
        noisy = WhamAugment(bank, mode=mode)(clean)
        assert torch.isfinite(noisy).all()
        assert torch.equal(noisy[0], torch.zeros(SEGMENT))
    assert torch.equal(WhamAugment(bank)(clean), clean)  # silent noise adds nothing


def test_augment_silent_clean_gets_no_noise(wham_root):
    bank = NoiseBank(str(wham_root), RATE, SEGMENT)
    clean = torch.zeros(3, SEGMENT)
    noisy = WhamAugment(bank, -10.0, 10.0)(clean)
    assert torch.equal(noisy, clean)


def test_augment_unit_norm_sum_mode(wham_root):
    bank = NoiseBank(str(wham_root), RATE, SEGMENT, seed=4)
    augment = WhamAugment(bank, mode="unit_norm_sum")
    clean = _clean_batch(batch=4)
    state = bank.generator.get_state()
    noisy = augment(clean)
    # replay the documented draws: B uniforms (prob), B SNRs, then the bank
    bank.generator.set_state(state)
    torch.rand(4, generator=bank.generator)
    torch.rand(4, generator=bank.generator, dtype=torch.float64)
    noise = bank.sample(4, SEGMENT)
    expected = clean / clean.norm(dim=-1, keepdim=True) + noise / noise.norm(dim=-1, keepdim=True)
    expected = expected / expected.abs().amax(-1, keepdim=True)
    assert torch.allclose(noisy, expected, atol=1e-6)
    assert torch.allclose(noisy.abs().amax(-1), torch.ones(4))


def test_augment_prob(wham_root):
    bank = NoiseBank(str(wham_root), RATE, SEGMENT, seed=2)
    clean = _clean_batch(batch=16)
    assert torch.equal(WhamAugment(bank, prob=0.0)(clean), clean)
    noisy, noise = WhamAugment(bank, prob=0.0)(clean, return_noise=True)
    assert torch.equal(noise, torch.zeros_like(clean))
    noisy = WhamAugment(bank, prob=0.5)(clean)
    unchanged = (noisy == clean).all(-1)
    assert 0 < int(unchanged.sum()) < 16


def test_augment_rejects_bad_arguments(wham_root):
    bank = NoiseBank(str(wham_root), RATE, SEGMENT)
    with pytest.raises(ValueError):
        WhamAugment(bank, mode="bogus")
    with pytest.raises(ValueError):
        WhamAugment(bank, snr_low=5.0, snr_high=0.0)
    with pytest.raises(ValueError):
        WhamAugment(bank, prob=1.5)


# ---------------------------------------------------------------- preparation


def test_prepare_finds_existing_layouts(wham_root):
    assert prepare_wham(str(wham_root), download=False) == str(wham_root)
    assert prepare_wham(str(wham_root.parent), download=False) == str(wham_root)


def test_prepare_without_download_names_the_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere"):
        prepare_wham(str(tmp_path / "nowhere"), download=False)


def test_unreachable_download_names_the_url(tmp_path, monkeypatch):
    def unreachable(url, dest, **kwargs):
        raise urllib.error.URLError("network is unreachable")

    monkeypatch.setattr(download, "fetch_url", unreachable)
    target = tmp_path / "missing" / "wham"  # a missing parent is no crash
    with pytest.raises(RuntimeError, match="by hand") as info:
        prepare_wham(str(target))
    assert WHAM_URL in str(info.value) and "network is unreachable" in str(info.value)


def test_download_unpacks_the_archive(tmp_path, monkeypatch):
    payload = tmp_path / "payload.wav"
    _save(payload, 0.1 * torch.randn(800), 8000)

    def fake_fetch(url, dest, **kwargs):
        assert url == WHAM_URL
        with zipfile.ZipFile(dest, "w") as zipped:
            for subset in ("tr", "cv", "tt"):
                zipped.write(payload, f"wham_noise/{subset}/x.wav")

    monkeypatch.setattr(download, "fetch_url", fake_fetch)
    data = prepare_wham(str(tmp_path / "data"))
    assert data == str(tmp_path / "data" / "wham_noise")
    assert not any(p.suffix == ".zip" for p in (tmp_path / "data").iterdir())
    assert NoiseBank(data, 8000, 400).sample(2).shape == (2, 400)
    assert prepare_wham(str(tmp_path / "data"), download=False) == data


def test_download_rejects_unexpected_archive(tmp_path, monkeypatch):
    def fake_fetch(url, dest, **kwargs):
        with zipfile.ZipFile(dest, "w") as zipped:
            zipped.writestr("something_else/readme.txt", "hi")

    monkeypatch.setattr(download, "fetch_url", fake_fetch)
    with pytest.raises(RuntimeError, match="did not unpack"):
        download_wham(str(tmp_path / "data"))
