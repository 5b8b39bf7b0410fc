"""Tests of the procedural synthetic datasets (speechbrain_interp.synthetic)."""

import os

import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from speechbrain_interp import synthetic
from speechbrain_interp.synthetic import (
    SOUND_CLASSES,
    make_esc50_like,
    make_wham_like,
    synthesize_clip,
)

SR = 16000
N_CLASSES = len(SOUND_CLASSES)
SETTINGS = dict(n_classes=N_CLASSES, clips_per_class=10, clip_seconds=1.5, n_folds=5, seed=11)


@pytest.fixture(scope="module")
def esc(tmp_path_factory):
    """A small dataset of every class: (root, synthetic.csv table)."""
    root = str(tmp_path_factory.mktemp("esc"))
    return root, make_esc50_like(root, **SETTINGS)


def _read(path):
    wave, rate = sf.read(path, dtype="float32")
    return wave, rate


def _band_fraction(wave, rate, low, high):
    """Share of the energy of ``wave`` between ``low`` and ``high`` Hz."""
    power = np.abs(np.fft.rfft(wave.astype(np.float64))) ** 2
    freqs = np.fft.rfftfreq(len(wave), 1.0 / rate)
    return power[(freqs >= low) & (freqs <= high)].sum() / power.sum()


def _log_mel(wave, rate, n_fft=512, hop=128, n_mels=40):
    """``[n_mels, frames]`` log-mel power in dB re the clip's maximum, floor -60."""
    frames = np.lib.stride_tricks.sliding_window_view(wave, n_fft)[::hop] * np.hanning(n_fft)
    power = np.abs(np.fft.rfft(frames, axis=1)) ** 2
    mel = lambda f: 2595 * np.log10(1 + f / 700)  # noqa: E731
    edges = 700 * (10 ** (np.linspace(0, mel(rate / 2), n_mels + 2) / 2595) - 1)
    freqs = np.fft.rfftfreq(n_fft, 1.0 / rate)
    lo, mid, hi = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    bank = np.maximum(0, np.minimum((freqs - lo) / (mid - lo), (hi - freqs) / (hi - mid)))
    db = 10 * np.log10(bank @ power.T + 1e-12)
    return np.maximum(db - db.max(), -60.0)


def _features(wave, rate):
    """Hand-made summary of a clip, blind to the labels and to the event's position.

    Over the active frames (within 20 dB of the loudest): mean band profile,
    the same sorted (frequency-shift invariant), modulation spectrum of the
    frame energy, 2-D modulation spectrum, slope of the peak band over time
    (repeated to weigh as much as a block), mean absolute frame difference.
    """
    spec = _log_mel(wave, rate)
    energy = spec.max(0)
    spec = spec[:, energy > energy.max() - 20]
    n_t = spec.shape[1]
    window = np.hanning(n_t)
    slope = np.polyfit(np.linspace(-1, 1, n_t), spec.argmax(0), 1)[0] if n_t > 2 else 0.0
    env = energy[energy > energy.max() - 20]
    env_mod = np.abs(np.fft.rfft((env - env.mean()) * window, 128))[1:40]
    mod2 = np.abs(
        np.fft.fft2((spec - spec.mean()) * np.outer(np.hanning(len(spec)), window), s=(len(spec), 64))
    )
    mod2 = np.concatenate([mod2[:10, :16], mod2[-10:, :16]]).ravel()
    return np.concatenate(
        [
            spec.mean(1),
            np.sort(spec.mean(1))[::-1],
            np.log(env_mod + 1e-3),
            np.log(mod2 + 1e-3),
            np.full(10, slope),
            np.abs(np.diff(spec, axis=1)).mean(1),
        ]
    )


def test_layout_and_columns(esc):
    root, table = esc
    meta = pd.read_csv(os.path.join(root, "meta", "esc50.csv"))
    assert list(meta.columns) == ["filename", "fold", "target", "category", "esc10", "src_file", "take"]
    assert list(table.columns) == list(synthetic.SYNTHETIC_COLUMNS)
    assert len(meta) == len(table) == N_CLASSES * 10
    assert list(meta.filename) == list(table.filename) == sorted(meta.filename)
    assert meta.filename.is_unique and set(meta["take"]) == {"A"}
    assert meta.esc10.tolist() == (meta.target < 10).tolist()
    with open(os.path.join(root, "meta", "esc50.csv")) as f:
        assert {line.split(",")[4] for line in f.read().splitlines()[1:]} == {"True", "False"}
    for row in meta.itertuples():
        assert row.filename == f"{row.fold}-{row.src_file}-A-{row.target}.wav"
        assert row.category == SOUND_CLASSES[row.target]
        for sub in ("audio", "sources"):
            info = sf.info(os.path.join(root, sub, row.filename))
            assert (info.samplerate, info.frames, info.channels) == (SR, 24000, 1)
            assert info.subtype == "FLOAT"
    assert sorted(os.listdir(os.path.join(root, "audio"))) == sorted(meta.filename)


def test_every_fold_has_every_class(esc):
    _, table = esc
    counts = pd.crosstab(table.fold, table.target)
    assert counts.shape == (5, N_CLASSES)
    assert (counts.values == 2).all()


def test_deterministic_by_seed_and_index(tmp_path, esc):
    small = dict(n_classes=3, clips_per_class=2, clip_seconds=0.5, n_folds=2)
    runs = [make_esc50_like(str(tmp_path / name), seed=s, **small) for name, s in
            (("a", 5), ("b", 5), ("c", 6))]
    for name in runs[0].filename:
        first, second, other = (
            open(tmp_path / run / "audio" / name, "rb").read() for run in ("a", "b", "c")
        )
        assert first == second and first != other
    for run in ("a", "b"):
        assert open(tmp_path / run / "meta" / "synthetic.csv").read() == open(
            tmp_path / "a" / "meta" / "synthetic.csv"
        ).read()
    # A subset (fewer classes and clips, other clip order) gives the same clips.
    subset = make_esc50_like(str(tmp_path / "d"), n_classes=1, clips_per_class=1, **{
        k: v for k, v in SETTINGS.items() if k not in ("n_classes", "clips_per_class")})
    root, table = esc
    name = subset.filename[0]
    assert open(tmp_path / "d" / "audio" / name, "rb").read() == open(
        os.path.join(root, "audio", name), "rb").read()
    assert subset.seed[0] == table.set_index("filename").seed[name]


def test_clip_is_source_plus_background_and_event_in_interval(esc):
    root, table = esc
    for row in table.itertuples():
        clip, _ = _read(os.path.join(root, "audio", row.filename))
        source, _ = _read(os.path.join(root, "sources", row.filename))
        background = clip - source
        assert np.sqrt(np.mean(background.astype(np.float64) ** 2)) == pytest.approx(
            row.background_rms, rel=1e-3
        )
        ratio_db = 20 * np.log10(row.event_rms / row.background_rms)
        assert 20 - 1e-3 <= ratio_db <= 35 + 1e-3
        energy = source.astype(np.float64) ** 2
        inside = energy[round(row.onset_s * SR) : round(row.offset_s * SR)].sum()
        assert inside > 0.95 * energy.sum() > 0
        event = source[round(row.onset_s * SR) : round(row.offset_s * SR)]
        assert np.sqrt(np.mean(event.astype(np.float64) ** 2)) == pytest.approx(
            row.event_rms, rel=1e-4
        )
        assert 0.3 * 1.5 - 1e-3 <= row.offset_s - row.onset_s <= 0.9 * 1.5 + 1e-3
        # clip - source is background only: no trace of the event in it, and
        # as loud during the event as outside it.
        start, stop = round(row.onset_s * SR), round(row.offset_s * SR)
        residual, src = background.astype(np.float64), source.astype(np.float64)
        assert abs(residual @ src) / (src @ src) < 0.05, row.category
        inside = np.sqrt(np.mean(residual[start:stop] ** 2))
        outside = np.sqrt(np.mean(np.concatenate([residual[:start], residual[stop:]]) ** 2))
        assert 0.5 < inside / outside < 2, row.category
    # Without background the clip is the source; a fixed level is honoured.
    mix, src, info = synthesize_clip("pure_tone", 8000, SR, np.random.default_rng(3), None)
    assert np.array_equal(mix, src) and info["background_rms"] == 0
    mix, src, info = synthesize_clip("drips", 8000, SR, np.random.default_rng(3), 30.0)
    assert 20 * np.log10(info["event_rms"] / info["background_rms"]) == pytest.approx(30, abs=1e-3)


def test_parameters_are_randomised(esc):
    _, table = esc
    for category, group in table.groupby("category"):
        assert group.onset_s.nunique() == len(group), category
        assert (group.offset_s - group.onset_s).nunique() == len(group), category
        assert group.event_rms.std() > 0.1 * group.event_rms.mean(), category
        if category not in ("hiss", "low_rumble"):
            assert group.f_low_hz.nunique() == len(group), category


@pytest.mark.parametrize("rate", [SR, 22050, 44100])
def test_band_holds_the_source_energy(tmp_path, esc, rate):
    if rate == SR:
        root, table = esc
    else:
        root = str(tmp_path)
        table = make_esc50_like(root, n_classes=N_CLASSES, clips_per_class=2,
                                clip_seconds=1.0, sample_rate=rate, seed=3)
    worst = {}
    for row in table.itertuples():
        source, file_rate = _read(os.path.join(root, "sources", row.filename))
        assert file_rate == rate and 0 <= row.f_low_hz < row.f_high_hz <= rate / 2
        fraction = _band_fraction(source, rate, row.f_low_hz, row.f_high_hz)
        worst[row.category] = min(fraction, worst.get(row.category, 1.0))
    assert len(worst) == N_CLASSES
    assert min(worst.values()) > 0.8, worst
    # The bands are informative: a tone's band is narrow, hiss's is high.
    bands = table.groupby("category")[["f_low_hz", "f_high_hz"]].median()
    assert bands.loc["pure_tone"].diff().iloc[-1] < 300
    assert bands.loc["hiss", "f_low_hz"] > 3000 and bands.loc["low_rumble", "f_high_hz"] < 400


def test_classes_have_distinct_signatures(esc):
    root, table = esc
    features = np.stack([_features(_read(os.path.join(root, "audio", f))[0], SR)
                         for f in table.filename])
    labels, train = table.target.values, table.fold.values <= 3
    mean, std = features[train].mean(0), features[train].std(0) + 1e-9
    features = (features - mean) / std
    centroids = np.stack([features[train & (labels == c)].mean(0) for c in range(N_CLASSES)])
    dist = ((features[~train, None] - centroids[None]) ** 2).sum(-1)
    accuracy = (dist.argmin(1) == labels[~train]).mean()
    assert accuracy > 0.7, accuracy  # chance: 1 / 12


def test_rerun_removes_stale_files_only(tmp_path):
    root = tmp_path / "esc"
    make_esc50_like(str(root), n_classes=2, clips_per_class=3, clip_seconds=0.3, n_folds=3)
    (root / "audio" / "1-5-A-0.wav").write_bytes(b"not ours")
    (root / "notes.txt").write_text("keep")
    table = make_esc50_like(str(root), n_classes=1, clips_per_class=2, clip_seconds=0.3,
                            n_folds=3)
    assert sorted(os.listdir(root / "audio")) == sorted(list(table.filename) + ["1-5-A-0.wav"])
    assert sorted(os.listdir(root / "sources")) == sorted(table.filename)
    assert (root / "notes.txt").read_text() == "keep"


def test_total_count_and_errors(tmp_path):
    table = make_esc50_like(str(tmp_path), n_classes=4, n_clips=10, clip_seconds=0.2)
    assert table.target.value_counts().sort_index().tolist() == [3, 3, 2, 2]
    with pytest.raises(ValueError):
        make_esc50_like(str(tmp_path), n_classes=N_CLASSES + 1)
    with pytest.raises(ValueError):
        synthetic.synthesize_event("violin", 100, SR, np.random.default_rng(0))


def test_wham_like_layout(tmp_path):
    n_files = {"tr": 7, "cv": 2, "tt": 2}
    paths = make_wham_like(str(tmp_path / "w"), n_files=n_files, seconds=(0.5, 2.0), seed=9)
    again = make_wham_like(str(tmp_path / "w2"), n_files=n_files, seconds=(0.5, 2.0), seed=9)
    assert sorted(os.listdir(tmp_path / "w")) == ["cv", "metadata", "tr", "tt"]
    lengths, kinds = set(), set()
    for path, twin in zip(paths, again):
        split = os.path.basename(os.path.dirname(path))
        assert os.path.basename(path).startswith(split + "_")
        wave, rate = sf.read(path, dtype="float32")
        assert rate == SR and wave.ndim == 2 and wave.shape[1] == 2
        assert 0.5 * SR <= len(wave) <= 2.0 * SR + 1
        rms = np.sqrt(np.mean(wave**2, axis=0))
        assert (rms > 1e-3).all() and np.abs(wave).max() < 1
        assert not np.allclose(wave[:, 0], wave[:, 1])
        assert open(path, "rb").read() == open(twin, "rb").read()
        lengths.add(len(wave))
        kinds.add(path.rsplit("_", 1)[1][:-4])
    assert len(lengths) == len(paths) and kinds == set(synthetic.WHAM_KINDS)
    assert [len(os.listdir(tmp_path / "w" / s)) for s in ("tr", "cv", "tt")] == [7, 2, 2]
    mono = make_wham_like(str(tmp_path / "m"), n_files={"tr": 1}, seconds=(0.3, 0.3),
                          sample_rate=22050, channels=1)
    info = sf.info(mono[0])
    assert (info.samplerate, info.channels, info.frames) == (22050, 1, round(0.3 * 22050))
