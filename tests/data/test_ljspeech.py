"""Tests of the LJSpeech loader (data/ljspeech.py) and the speech-like generator
(synthetic/speech.py)."""

import os
import shutil
import tarfile
import urllib.error

import numpy as np
import pytest
import soundfile as sf
import torch
from scipy import signal

from helpers import shared_dataset
from speechbrain_interp.audio import load_audio
from speechbrain_interp.data.wham import NoiseBank
from speechbrain_interp.data import ljspeech
from speechbrain_interp.data.ljspeech import (
    download_ljspeech,
    ljspeech_files,
    read_ljspeech_metadata,
    speech_bank,
)
from speechbrain_interp.synthetic import make_ljspeech_like, synthesize_utterance

SR = 22050
N_UTT = 6
SECONDS = (1.0, 2.5)


@pytest.fixture(scope="module")
def lj(tmp_path_factory):
    """A generated LJSpeech-layout dataset: (root, synthetic.csv table)."""
    root = tmp_path_factory.mktemp("lj")
    return root, make_ljspeech_like(str(root), n_utterances=N_UTT, seed=5, seconds=SECONDS)


def _copy(lj, tmp_path):
    """A private copy of the dataset folder (root/LJSpeech-1.1)."""
    folder = tmp_path / "LJSpeech-1.1"
    shutil.copytree(lj[0] / "LJSpeech-1.1", folder)
    return folder


# ------------------------------------------------------------------ loader


def test_loader_on_generated_layout(lj):
    root, table = lj
    files = ljspeech_files(str(root))
    ids = [f"LJ001-{i:04d}" for i in range(1, N_UTT + 1)]
    assert [utt for utt, _ in files] == ids == list(table["id"])
    for utt, path in files:
        assert path == str(root / "LJSpeech-1.1" / "wavs" / f"{utt}.wav")
        assert os.path.isfile(path)
    # the dataset folder itself is accepted as well as its parent
    assert ljspeech_files(str(root / "LJSpeech-1.1")) == files


def test_loader_on_shared_espeak_sample():
    root = shared_dataset("LJSpeech-espeak")  # metadata.csv in the root itself
    files = ljspeech_files(str(root))
    rows = read_ljspeech_metadata(str(root / "metadata.csv"))
    assert len(files) == len(rows) == 24
    assert files[0] == ("LJ001-0001", str(root / "wavs" / "LJ001-0001.wav"))
    assert all(text and norm for _, text, norm in rows)
    bank = speech_bank(str(root), 16000, 8000, seed=0)
    crops = bank.sample(4)
    assert crops.shape == (4, 8000) and torch.isfinite(crops).all()
    assert (crops.abs().amax(dim=1) > 1e-3).sum() >= 2  # mostly speech, not silence


def test_missing_folder_and_metadata(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere.*does not exist"):
        ljspeech_files(str(tmp_path / "nowhere"))
    (tmp_path / "wavs").mkdir()
    with pytest.raises(FileNotFoundError, match=f"no metadata.csv in {tmp_path}"):
        ljspeech_files(str(tmp_path))


def test_row_with_one_column_names_file_and_line(lj, tmp_path):
    folder = _copy(lj, tmp_path)
    meta = folder / "metadata.csv"
    lines = meta.read_text("utf-8").splitlines(keepends=True)
    lines[2] = "LJ001-0003 the text without separators\n"
    meta.write_text("".join(lines), "utf-8")
    with pytest.raises(ValueError, match=f"{meta}, line 3: .*got 1 column"):
        ljspeech_files(str(tmp_path))


def test_quotes_are_text_and_duplicates_rejected(tmp_path):
    meta = tmp_path / "metadata.csv"
    # an unbalanced quote would swallow the next line with csv quoting on
    meta.write_text('LJ001-0001|He said "no|He said "no\nLJ001-0002|Two|Two\n\n', "utf-8")
    rows = read_ljspeech_metadata(str(meta))
    assert rows == [("LJ001-0001", 'He said "no', 'He said "no'), ("LJ001-0002", "Two", "Two")]
    meta.write_text("LJ001-0001|a|a\nLJ001-0002|b\nLJ001-0001|c|c\n", "utf-8")
    with pytest.raises(ValueError, match="line 3: utterance id 'LJ001-0001' already on line 1"):
        read_ljspeech_metadata(str(meta))


def test_missing_wav_raises_or_is_skipped(lj, tmp_path):
    folder = _copy(lj, tmp_path)
    gone = folder / "wavs" / "LJ001-0002.wav"
    gone.unlink()
    with pytest.raises(FileNotFoundError, match=f"1 of the {N_UTT} wavs.*{gone}"):
        ljspeech_files(str(tmp_path))
    files = ljspeech_files(str(tmp_path), skip_missing=True)
    assert [utt for utt, _ in files] == [f"LJ001-{i:04d}" for i in (1, 3, 4, 5, 6)]
    for wav in (folder / "wavs").iterdir():
        wav.unlink()
    with pytest.raises(FileNotFoundError, match="no usable utterance"):
        ljspeech_files(str(tmp_path), skip_missing=True)


def test_min_duration_filters(lj):
    root, table = lj
    cut = float(np.median(table["seconds"]))
    kept = {utt for utt, _ in ljspeech_files(str(root), min_duration_s=cut)}
    assert kept == set(table.loc[table["seconds"] >= cut, "id"])
    assert 0 < len(kept) < N_UTT


def test_download_offline_and_from_a_local_archive(tmp_path, lj, monkeypatch):
    def offline(*args, **kwargs):
        raise urllib.error.URLError("network unreachable")

    monkeypatch.setattr("urllib.request.urlopen", offline)
    with pytest.raises(RuntimeError, match="could not download LJSpeech from https://data"):
        download_ljspeech(str(tmp_path / "offline"))
    monkeypatch.undo()
    # an archive laid out as the official one: LJSpeech-1.1/{metadata.csv,wavs/}
    archive = tmp_path / "LJSpeech-1.1.tar.bz2"
    with tarfile.open(archive, "w:bz2") as tar:
        tar.add(lj[0] / "LJSpeech-1.1", arcname="LJSpeech-1.1")
    monkeypatch.setattr(ljspeech, "LJSPEECH_URL", archive.as_uri())
    dest = tmp_path / "dest"
    files = ljspeech_files(str(dest), download=True)
    assert len(files) == N_UTT and os.path.isfile(dest / "LJSpeech-1.1" / "metadata.csv")
    assert not [n for n in os.listdir(dest) if n.startswith(".")]  # archive removed


# -------------------------------------------------------------- speech bank


def test_speech_bank_crops_are_seeded_and_at_the_requested_rate(lj):
    root, _ = lj
    first = speech_bank(str(root), 16000, 12000, seed=7)
    again = speech_bank(str(root), 16000, 12000, seed=7)
    other = speech_bank(str(root), 16000, 12000, seed=8)
    a, b, c = first.sample(5), again.sample(5), other.sample(5)
    assert a.shape == (5, 12000) and a.dtype == torch.float32
    assert torch.equal(a, b) and not torch.equal(a, c)
    assert first.sample(2, num_samples=3000).shape == (2, 3000)
    # a crop is a piece of the file resampled to 16 kHz
    path = ljspeech_files(str(root))[0][1]
    bank = NoiseBank(os.path.dirname(path), 16000, 8000, subset=None, seed=1, files=[path])
    crop = bank.sample(1)[0].numpy().astype(np.float64)
    assert np.abs(crop).max() > 1e-2
    assert _best_match_error(crop, load_audio(path, 16000, normalize=False)) < 1e-3
    assert _best_match_error(crop, load_audio(path, 22050, normalize=False)) > 1e-2


def _best_match_error(crop, whole):
    """Max error, relative to the crop's peak, of the best-aligned piece of ``whole``."""
    whole = whole.numpy().astype(np.float64)
    offset = int(np.argmax(signal.correlate(whole, crop, "valid", method="fft")))
    return np.abs(whole[offset : offset + len(crop)] - crop).max() / np.abs(crop).max()


def test_noise_bank_takes_an_explicit_file_list(tmp_path):
    for name, level in (("a.wav", 0.1), ("b.wav", 0.5)):
        sf.write(str(tmp_path / name), np.full(4000, level), 8000, subtype="FLOAT")
    bank = NoiseBank(str(tmp_path), 8000, 1000, subset=None, files=[str(tmp_path / "b.wav")])
    assert len(bank) == 1 and torch.allclose(bank.sample(6), torch.tensor(0.5))
    assert len(NoiseBank(str(tmp_path), 8000, 1000, subset=None)) == 2
    with pytest.raises(ValueError, match="empty"):
        NoiseBank(str(tmp_path), 8000, 1000, subset=None, files=[])


# --------------------------------------------------------- synthetic speech


def _frames(wave, sr, seconds=0.05):
    size = int(seconds * sr)
    return wave[: len(wave) // size * size].astype(np.float64).reshape(-1, size)


@pytest.fixture(scope="module")
def utterance():
    return synthesize_utterance(SR, 5.0, rng=21, return_info=True)


def test_utterance_deterministic_finite_normalised(utterance):
    wave, info = utterance
    assert wave.shape == (5 * SR,) and wave.dtype == np.float32
    assert np.isfinite(wave).all() and np.abs(wave).max() == pytest.approx(0.5, abs=1e-6)
    assert np.array_equal(synthesize_utterance(SR, 5.0, rng=21), wave)
    assert not np.allclose(synthesize_utterance(SR, 5.0, rng=22), wave)
    assert np.array_equal(synthesize_utterance(SR, 5.0, np.random.default_rng(21)), wave)
    # the plan is drawn in seconds: same syllables at another rate
    assert synthesize_utterance(16000, 5.0, rng=21, return_info=True)[1] == info


def test_utterance_band_limited(utterance):
    wave = utterance[0].astype(np.float64)
    power = np.abs(np.fft.rfft(wave)) ** 2
    freqs = np.fft.rfftfreq(len(wave), 1.0 / SR)
    assert power[freqs > 7500].sum() < 1e-3 * power.sum()
    assert power[freqs > 2000].sum() > 1e-3 * power.sum()  # not just a low rumble


def test_utterance_has_harmonic_voiced_parts(utterance):
    wave, info = utterance
    low, high = int(SR / 250), int(SR / 85)  # lags of a 85-250 Hz pitch
    peaks = []
    for start, end in info["voiced"]:
        seg = wave[int(start * SR) : int(end * SR)].astype(np.float64)
        seg = seg[len(seg) // 4 : 3 * len(seg) // 4]  # steady part
        seg = seg - seg.mean()
        corr = np.correlate(seg, seg, "full")[len(seg) - 1 :] / np.dot(seg, seg)
        corr /= 1 - np.arange(len(seg)) / len(seg)  # unbiased
        lag = low + int(np.argmax(corr[low:high]))
        peaks.append((corr[lag], SR / lag))
    strength, f0 = np.array(peaks).T
    assert np.median(strength) > 0.6
    assert 95 < np.median(f0) < 240
    # white noise of the same length has no such peak
    noise = np.random.default_rng(0).standard_normal(2000)
    corr = np.correlate(noise, noise, "full")[1999:] / np.dot(noise, noise)
    assert corr[low:high].max() < 0.2


def test_utterance_has_silent_pauses_and_syllable_rhythm(utterance):
    wave, info = utterance
    energy = (_frames(wave, SR) ** 2).mean(axis=1)
    silent = energy < 1e-3 * np.median(energy)
    assert silent.sum() >= 3 and not silent.all()
    assert (energy > 0.1 * np.median(energy)).sum() > len(energy) / 2
    rates = [len(synthesize_utterance(SR, 4.0, s, return_info=True)[1]["syllables"]) / 4.0
             for s in range(5)]
    assert 3.0 <= np.mean(rates) <= 5.0
    assert len(info["syllables"]) / 5.0 >= 2.5


# ------------------------------------------------------------ LJSpeech writer


def test_written_layout_is_ljspeech(lj):
    root, table = lj
    folder = root / "LJSpeech-1.1"
    lines = (folder / "metadata.csv").read_text("utf-8").splitlines()
    assert len(lines) == N_UTT
    for line, row in zip(lines, table.itertuples()):
        utt, text, norm = line.split("|")
        assert utt == row.id and text == norm == row.text and text[-1] == "."
        info = sf.info(str(folder / "wavs" / row.filename))
        assert (info.samplerate, info.channels, info.subtype, info.format) == (
            SR, 1, "PCM_16", "WAV")
        assert info.frames == round(row.seconds * SR)
        assert SECONDS[0] - 1e-3 <= row.seconds <= SECONDS[1] + 1e-3
    assert os.path.getsize(folder / "wavs" / "LJ001-0001.wav") == 44 + 2 * round(
        table.seconds[0] * SR)
    assert table["seconds"].nunique() == N_UTT and table["text"].nunique() == N_UTT


def test_writer_same_bytes_no_rewrite_and_stale_removal(lj, tmp_path):
    root, _ = lj
    make_ljspeech_like(str(tmp_path), n_utterances=N_UTT, seed=5, seconds=SECONDS)
    for name in ("metadata.csv", "synthetic.csv", "wavs/LJ001-0004.wav"):
        ours, theirs = tmp_path / "LJSpeech-1.1" / name, root / "LJSpeech-1.1" / name
        assert ours.read_bytes() == theirs.read_bytes()
    wav = tmp_path / "LJSpeech-1.1" / "wavs" / "LJ001-0001.wav"
    os.utime(wav, ns=(10**18, 10**18))
    mine = tmp_path / "LJSpeech-1.1" / "wavs" / "mine.wav"
    mine.write_bytes(b"not ours")
    make_ljspeech_like(str(tmp_path), n_utterances=2, seed=5, seconds=SECONDS)
    assert os.stat(wav).st_mtime_ns == 10**18  # same bytes: not rewritten
    names = sorted(os.listdir(tmp_path / "LJSpeech-1.1" / "wavs"))
    assert names == ["LJ001-0001.wav", "LJ001-0002.wav", "mine.wav"]
    assert len(ljspeech_files(str(tmp_path))) == 2
    make_ljspeech_like(str(tmp_path), n_utterances=2, seed=6, seconds=SECONDS)
    assert os.stat(wav).st_mtime_ns != 10**18  # new seed: new bytes


def test_writer_refuses_to_overwrite_a_real_dataset(tmp_path):
    folder = tmp_path / "LJSpeech-1.1"
    folder.mkdir()
    (folder / "metadata.csv").write_text("LJ001-0001|real|real\n", "utf-8")
    with pytest.raises(FileExistsError, match="not written by make_ljspeech_like"):
        make_ljspeech_like(str(tmp_path), n_utterances=1)
    assert (folder / "metadata.csv").read_text("utf-8") == "LJ001-0001|real|real\n"
    with pytest.raises(ValueError, match="seconds"):
        make_ljspeech_like(str(tmp_path / "other"), seconds=(0.1, 1.0))
