"""Tests of the procedural synthetic datasets (speechbrain_interp.synthetic)."""

import os

import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from helpers import REPO, load_script
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


# UrbanSound8K layout ---------------------------------------------------------

US8K_CLASSES = ["air_conditioner", "car_horn", "children_playing", "dog_bark", "drilling",
                "engine_idling", "gun_shot", "jackhammer", "siren", "street_music"]
US8K_RATES = {44100, 48000, 96000, 24000, 16000, 22050, 11025, 192000, 8000, 11024, 32000}
US8K_SUBTYPES = {"PCM_U8", "PCM_16", "PCM_24", "PCM_32", "FLOAT", "DOUBLE"}
US8K_SETTINGS = dict(clips_per_class=3, clip_seconds=1.0, n_folds=3, seed=7)


@pytest.fixture(scope="module")
def us8k(tmp_path_factory):
    """A small UrbanSound8K-like set (30 clips): (root, synthetic.csv table)."""
    root = str(tmp_path_factory.mktemp("us8k"))
    return root, synthetic.make_urbansound8k_like(root, **US8K_SETTINGS)


def _us8k_path(root, row):
    return os.path.join(root, "audio", f"fold{row.fold}", row.filename)


def _chunks(path):
    """``(format tag, [chunk ids])`` of a RIFF/WAVE file."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE"
    assert int.from_bytes(data[4:8], "little") == len(data) - 8
    position, names, tag = 12, [], None
    while position + 8 <= len(data):
        name = data[position : position + 4]
        size = int.from_bytes(data[position + 4 : position + 8], "little")
        if name == b"fmt ":
            tag = int.from_bytes(data[position + 8 : position + 10], "little")
        names.append(name.decode())
        position += 8 + size + (size & 1)
    return tag, names


def test_us8k_metadata(us8k):
    root, table = us8k
    path = os.path.join(root, "metadata", "UrbanSound8K.csv")
    with open(path) as f:
        assert f.readline().strip() == "slice_file_name,fsID,start,end,salience,fold,classID,class"
    meta = pd.read_csv(path)
    assert list(synthetic.URBANSOUND8K_CLASSES) == US8K_CLASSES
    assert len(meta) == 30 and list(meta.slice_file_name) == sorted(meta.slice_file_name)
    assert list(meta.slice_file_name) == list(table.filename)
    assert (meta["class"] == [US8K_CLASSES[i] for i in meta.classID]).all()
    assert (table["class"] == meta["class"]).all() and (table.fold == meta.fold).all()
    assert (table.kind == [SOUND_CLASSES[i] for i in table.classID]).all()
    assert set(meta.salience) == {1, 2} and meta.fsID.min() >= 100000
    assert (pd.crosstab(meta.fold, meta.classID).values == 1).all()  # every fold, every class
    for row in meta.itertuples():
        assert row.slice_file_name.startswith(f"{row.fsID}-{row.classID}-")
        assert row.slice_file_name.count("-") == 3 and row.slice_file_name.endswith(".wav")
        assert 0 <= row.start < row.end
    # end - start is the duration; a fifth or so of the clips are shorter than
    # clip_seconds (one of 0.3 s), the others exactly clip_seconds long.
    assert np.allclose(meta.end - meta.start, table.duration_s, atol=2e-6)
    short = table.duration_s < 1.0
    assert 3 <= short.sum() <= 9 and table.duration_s.min() == pytest.approx(0.3, abs=1e-3)
    assert (table.duration_s[~short] == 1.0).all()
    assert (table.duration_s[short] >= 0.3 - 1e-3).all()
    for folder in sorted(os.listdir(os.path.join(root, "audio"))):
        names = table.filename[table.fold == int(folder[len("fold"):])]
        assert sorted(os.listdir(os.path.join(root, "audio", folder))) == sorted(names)


def test_us8k_headers_cover_the_format_mix(us8k):
    root, table = us8k
    for row in table.itertuples():
        info = sf.info(_us8k_path(root, row))
        assert (info.samplerate, info.channels, info.subtype) == (
            row.sample_rate, row.channels, row.subtype)
        assert info.format == {"wav": "WAV", "wavex": "WAVEX"}[row.header]
        assert info.frames == round(row.duration_s * row.sample_rate)
        tag, names = _chunks(_us8k_path(root, row))
        plain = 3 if row.subtype in ("FLOAT", "DOUBLE") else 1
        assert tag == (65534 if row.header == "wavex" else plain)
        assert "PEAK" not in names and names[-1] == "data"
    assert set(table.sample_rate) == US8K_RATES
    assert set(table.subtype) == US8K_SUBTYPES
    assert set(table.channels) == {1, 2} and set(table.header) == {"wav", "wavex"}
    for subtype, group in table.groupby("subtype"):
        assert set(group.header) == {"wav", "wavex"}, subtype
    # as in the real 103074-7-0-0.wav
    assert ((table.sample_rate == 48000) & (table.subtype == "PCM_24") & (table.channels == 2)
            & (table.header == "wavex")).any()


def test_us8k_clips_load_at_16k(us8k):
    from speechbrain_interp.audio import load_audio

    root, table = us8k
    for row in table.itertuples():
        wave = load_audio(_us8k_path(root, row), 16000, length=64000)
        assert wave.shape == (64000,) and bool(wave.isfinite().all())
        wave = wave.double().numpy()
        end = int(np.ceil(round(row.duration_s * row.sample_rate) * 16000 / row.sample_rate))
        assert not wave[end:].any() and np.abs(wave[:end]).max() == 1.0
        # the event survives: louder than the rest, its energy in its band
        start, stop = round(row.onset_s * 16000), round(row.offset_s * 16000)
        event, rest = wave[start:stop], np.concatenate([wave[:start], wave[stop:end]])
        if len(rest) > 400:
            assert np.mean(event**2) > 2 * np.mean(rest**2), row.filename
        assert _band_fraction(event, 16000, row.f_low_hz, min(row.f_high_hz, 8000)) > 0.6, row


def test_us8k_ground_truth_levels(us8k):
    root, table = us8k
    for row in table.itertuples():
        if row.subtype == "PCM_U8":  # quantisation noise is louder than some backgrounds
            continue
        wave, rate = sf.read(_us8k_path(root, row), dtype="float64", always_2d=True)
        mono = wave.mean(1)
        start, stop = round(row.onset_s * rate), round(row.offset_s * rate)
        assert np.sqrt(np.mean(mono[start:stop] ** 2)) == pytest.approx(
            np.hypot(row.event_rms, row.background_rms), rel=0.05)
        assert np.abs(wave).max() <= 0.9 + 1e-4
    # salience 2: the noise 6-12 dB below the event (+ up to 3 dB in a stereo
    # downmix, where the channels' backgrounds differ), 20-35 dB for salience 1
    snr = 20 * np.log10(table.event_rms / table.background_rms)
    assert snr[table.salience == 2].max() < 16 < 19 < snr[table.salience == 1].min()


def test_us8k_same_arguments_same_bytes(tmp_path, us8k):
    def digest(root):
        files = sorted(os.path.relpath(os.path.join(d, f), root)
                       for d, _, names in os.walk(root) for f in names)
        return {f: open(os.path.join(root, f), "rb").read() for f in files}

    root, _ = us8k
    again = str(tmp_path / "again")
    synthetic.make_urbansound8k_like(again, **US8K_SETTINGS)
    first, second = digest(root), digest(again)
    assert list(first) == list(second) and len(first) == 32
    assert all(first[f] == second[f] for f in first)
    other = str(tmp_path / "other")
    synthetic.make_urbansound8k_like(other, **{**US8K_SETTINGS, "seed": 8})
    third = digest(other)
    assert all(third[f] != first[f] for f in first if f.endswith(".wav"))


def test_us8k_rerun_removes_stale_files_only(tmp_path):
    root = tmp_path / "us8k"
    settings = dict(clip_seconds=0.4, short_fraction=0.0, n_folds=3)
    synthetic.make_urbansound8k_like(str(root), clips_per_class=3, **settings)
    (root / "audio" / "fold1" / "1-0-0-0.wav").write_bytes(b"not ours")
    (root / "notes.txt").write_text("keep")
    table = synthetic.make_urbansound8k_like(str(root), clips_per_class=1, **settings)
    kept = [os.path.join(f"fold{row.fold}", row.filename) for row in table.itertuples()]
    found = [os.path.join(d, f) for d in sorted(os.listdir(root / "audio"))
             for f in os.listdir(root / "audio" / d)]
    assert sorted(found) == sorted(kept + [os.path.join("fold1", "1-0-0-0.wav")])
    assert (root / "notes.txt").read_text() == "keep" and len(table) == 10
    with pytest.raises(ValueError):
        synthetic.make_urbansound8k_like(str(root), formats=[(4000, 1, "PCM_16", "wav")])
    with pytest.raises(ValueError):
        synthetic.make_urbansound8k_like(str(root), formats=[(16000, 1, "PCM_16", "aiff")])


def test_make_synthetic_data_writes_us8k_on_request(tmp_path):
    tool = load_script(REPO / "tools" / "make_synthetic_data.py")
    common = ["--n_classes", "1", "--clips_per_class", "1", "--clip_seconds", "0.2",
              "--wham_files", "0", "--ljspeech_utterances", "0"]
    tool.main(["--out", str(tmp_path / "a"), *common])
    assert sorted(os.listdir(tmp_path / "a")) == ["ESC-50"]
    tool.main(["--out", str(tmp_path / "b"), *common, "--urbansound8k_clips_per_class", "1",
               "--urbansound8k_seconds", "0.5"])
    meta = pd.read_csv(tmp_path / "b" / "UrbanSound8K" / "metadata" / "UrbanSound8K.csv")
    assert len(meta) == 10 and meta.classID.tolist() == list(range(10))
    assert ((meta.end - meta.start) <= 0.5 + 1e-6).all()
