"""Tests of the SONYC-UST-layout synthetic dataset (speechbrain_interp.synthetic.sonyc)."""

import os

import numpy as np
import pandas as pd
import pytest
import soundfile as sf
import yaml

from helpers import REPO, load_script
from speechbrain_interp import synthetic
from speechbrain_interp.synthetic.sonyc import make_sonyc_ust_like
from speechbrain_interp.synthetic.sonyc_layout import (
    SONYC_UST_COARSE_TAGS,
    SONYC_UST_FINE_TAGS,
    SONYC_UST_TAXONOMY,
)

SR, SECONDS = 8000, 2.0
SETTINGS = dict(n_train=6, n_validate=3, n_test=3, clip_seconds=SECONDS, sample_rate=SR, seed=3)
# docs/datasets.md 2.4, written out independently of the module's table
COARSE = ["engine", "machinery-impact", "non-machinery-impact", "powered-saw", "alert-signal",
          "music", "human-voice", "dog"]
FINE = [
    "1-1_small-sounding-engine", "1-2_medium-sounding-engine", "1-3_large-sounding-engine",
    "1-X_engine-of-uncertain-size", "2-1_rock-drill", "2-2_jackhammer", "2-3_hoe-ram",
    "2-4_pile-driver", "2-X_other-unknown-impact-machinery", "3-1_non-machinery-impact",
    "4-1_chainsaw", "4-2_small-medium-rotating-saw", "4-3_large-rotating-saw",
    "4-X_other-unknown-powered-saw", "5-1_car-horn", "5-2_car-alarm", "5-3_siren",
    "5-4_reverse-beeper", "5-X_other-unknown-alert-signal", "6-1_stationary-music",
    "6-2_mobile-music", "6-3_ice-cream-truck", "6-X_music-from-uncertain-source",
    "7-1_person-or-small-group-talking", "7-2_person-or-small-group-shouting", "7-3_large-crowd",
    "7-4_amplified-speech", "7-X_other-unknown-human-voice", "8-1_dog-barking-whining",
]
METADATA = ["split", "sensor_id", "audio_filename", "annotator_id", "borough", "block",
            "latitude", "longitude", "year", "week", "day", "hour"]
FINE_P = [f"{t}_presence" for t in FINE]
COARSE_P = [f"{i}_{name}_presence" for i, name in enumerate(COARSE, start=1)]


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """12 clips of 2 s at 8 kHz: (summary, annotations, synthetic.csv)."""
    root = str(tmp_path_factory.mktemp("sonyc") / "SONYC-UST")
    summary = make_sonyc_ust_like(root, **SETTINGS)
    return summary, pd.read_csv(summary["annotations"]), pd.read_csv(summary["metadata"])


@pytest.fixture(scope="module")
def bigger(tmp_path_factory):
    """90 train, 20 validate, 10 test clips of 1 s, more team rows: (annotations, synthetic)."""
    root = str(tmp_path_factory.mktemp("sonyc_big"))
    summary = make_sonyc_ust_like(root, n_train=90, n_validate=20, n_test=10, clip_seconds=1.0,
                                  sample_rate=SR, seed=5, team_train_fraction=0.3)
    return pd.read_csv(summary["annotations"]), pd.read_csv(summary["metadata"])


def _truth(meta):
    """{audio_filename: set of fine codes} of the ground truth."""
    return {name: set(group.fine_code.dropna()) for name, group in meta.groupby("audio_filename")}


def _tree(root):
    files = sorted(os.path.relpath(os.path.join(d, f), root)
                   for d, _, names in os.walk(root) for f in names)
    return {f: open(os.path.join(root, f), "rb").read() for f in files}


def test_layout_and_columns(small):
    summary, ann, meta = small
    root = summary["root"]
    assert sorted(os.listdir(root)) == [
        "annotations.csv", "audio", "dcase-ust-taxonomy.yaml", "metadata", "sources"]
    proximity = [f"{t}_proximity" for t in FINE]
    assert list(ann.columns) == METADATA + FINE_P + COARSE_P + proximity
    assert list(SONYC_UST_FINE_TAGS) == FINE
    assert SONYC_UST_COARSE_TAGS == [f"{i}_{n}" for i, n in enumerate(COARSE, start=1)]
    assert summary["counts"] == {"train": 6, "validate": 3, "test": 3}
    names = sorted(meta.audio_filename.unique())
    assert len(names) == 12 and sorted(os.listdir(summary["audio_dir"])) == names
    assert set(ann.audio_filename) == set(names)
    for name in names:
        sensor, index = name[:-4].split("_")
        assert len(sensor) == 2 and len(index) == 6 and name.endswith(".wav")
        info = sf.info(os.path.join(summary["audio_dir"], name))
        assert (info.samplerate, info.channels, info.subtype, info.frames) == (
            SR, 1, "FLOAT", int(SR * SECONDS))
        rows = meta[meta.audio_filename == name]
        codes = sorted(rows.fine_code.dropna())
        expected = sorted([f"{c}.wav" for c in codes] + ["background.wav"])
        assert sorted(os.listdir(os.path.join(summary["sources_dir"], name[:-4]))) == expected
        assert (rows.n_events == len(codes)).all()
        assert len(codes) == len(set(rows.coarse_id.dropna()))  # distinct coarse classes
    # split, sensor and metadata values: rows of one clip agree
    per_clip = ann.groupby("audio_filename")[METADATA[:3] + METADATA[4:]].nunique()
    assert (per_clip == 1).all().all()
    assert set(ann.borough) <= {1, 3, 4} and ann.block.min() >= 1
    assert ann.latitude.between(40.5, 40.9).all() and ann.longitude.between(-74.1, -73.7).all()
    assert ann.year.between(2016, 2019).all() and (ann.year[ann.split == "test"] == 2019).all()
    assert ann.week.between(1, 53).all() and ann.day.between(0, 6).all()
    assert ann.hour.between(0, 23).all()
    train = set(ann.sensor_id[ann.split == "train"])
    assert train.isdisjoint(ann.sensor_id[ann.split == "validate"])


def test_mixture_is_background_plus_sources(small):
    summary, _, meta = small
    for name, rows in meta.groupby("audio_filename"):
        mix, rate = sf.read(os.path.join(summary["audio_dir"], name), dtype="float32")
        folder = os.path.join(summary["sources_dir"], name[:-4])
        total = sf.read(os.path.join(folder, "background.wav"), dtype="float32")[0]
        assert rate == SR and abs(np.sqrt(np.mean(total.astype(float) ** 2))
                                  - rows.background_rms.iloc[0]) < 1e-6
        for row in rows.dropna(subset=["fine_code"]).itertuples():
            source = sf.read(os.path.join(folder, f"{row.fine_code}.wav"), dtype="float32")[0]
            start, stop = round(row.onset_s * SR), round(row.offset_s * SR)
            assert not source[:start].any() and not source[stop:].any()
            assert np.sqrt(np.mean(source[start:stop].astype(float) ** 2)) == pytest.approx(
                row.event_rms, rel=1e-4)
            # events stand 10-25 dB above the background
            assert 9.9 < 20 * np.log10(row.event_rms / row.background_rms) < 25.1
            total = total + source
        assert np.abs(mix - total).max() < 1e-6 and np.abs(mix).max() <= 0.9 + 1e-6


def test_verified_rows_equal_the_truth(small):
    _, ann, meta = small
    truth = _truth(meta)
    for name, rows in ann.groupby("audio_filename"):
        verified = rows[rows.annotator_id == 0]
        if rows.split.iloc[0] != "train":
            assert len(verified) == 1, name
        for row in verified.to_dict("records"):
            fine = {t.split("_")[0] for t in FINE if row[f"{t}_presence"] == 1}
            assert fine == truth[name] and not any(row[f"{t}_presence"] for t in FINE
                                                   if t.split("_")[0] not in fine)
            groups = {int(code.split("-")[0]) for code in fine}
            assert [row[c] for c in COARSE_P] == [int(g in groups) for g in range(1, 9)]
            assert all(str(row[f"{t}_proximity"]) == "-1" for t in FINE)
    volunteers = ann[ann.annotator_id > 0]
    assert (volunteers.groupby("audio_filename").size() == 3).all()


def test_volunteers_err_and_aggregations_differ(bigger):
    ann, meta = bigger
    truth = _truth(meta)
    groups = {name: {int(c.split("-")[0]) for c in codes} for name, codes in truth.items()}
    volunteers = ann[ann.annotator_id > 0]
    misses = false = x_tags = 0
    for row in volunteers.to_dict("records"):
        tagged = {g for g in range(1, 9) if row[COARSE_P[g - 1]] == 1}
        misses += len(groups[row["audio_filename"]] - tagged)
        false += len(tagged - groups[row["audio_filename"]])
        x_tags += sum(row[f"{t}_presence"] == 1 for t in FINE if "-X_" in t)
        marked = {t for t in FINE if row[f"{t}_presence"] == 1}
        assert all(str(row[f"{t}_proximity"]) in ("near", "far", "notsure") for t in marked)
        assert all(str(row[f"{t}_proximity"]) == "-1" for t in set(FINE) - marked)
    assert misses > 0 and false > 0 and x_tags > 0
    # coarse columns derive from the fine ones (-1: not annotated, team rows only)
    for g in range(1, 9):
        fine = ann[[f"{t}_presence" for t in FINE if t.startswith(f"{g}-")]]
        assert (ann[COARSE_P[g - 1]] == fine.max(axis=1)).all()
    team = ann[ann.annotator_id < 0]
    assert len(team) and (team.split == "train").all()
    assert ((team[COARSE_P] != -1).sum(axis=1) == 1).all()
    assert (ann[ann.annotator_id >= 0][FINE_P + COARSE_P] >= 0).all().all()
    # L2I (sum of all rows > 0.5) against DCASE (any volunteer) on train
    train = ann[ann.split == "train"]
    l2i = train.groupby("audio_filename")[COARSE_P].sum() > 0.5
    dcase = train[train.annotator_id > 0].groupby("audio_filename")[COARSE_P].max() == 1
    assert (l2i != dcase.loc[l2i.index]).any(axis=1).sum() >= 1
    # classes roughly balanced, every count of events up to 3 occurs
    per_class = meta.coarse_id.value_counts()
    assert len(per_class) == 8 and per_class.max() < 3 * per_class.min()
    assert set(meta.groupby("audio_filename").n_events.first()) == {0, 1, 2, 3}


def test_taxonomy_yaml_round_trips(small):
    summary, _, _ = small
    with open(summary["taxonomy"]) as f:
        taxonomy = yaml.safe_load(f)
    assert taxonomy == SONYC_UST_TAXONOMY and list(taxonomy) == ["coarse", "fine"]
    assert list(taxonomy["coarse"].values()) == COARSE
    complete = [n for group in taxonomy["fine"].values() for k, n in group.items() if k != "X"]
    assert len(complete) == 23 and sum("X" in g for g in taxonomy["fine"].values()) == 6
    assert taxonomy["fine"][1]["X"] == "engine-of-uncertain-size"
    assert synthetic.make_sonyc_ust_like is make_sonyc_ust_like


def test_same_arguments_same_bytes_and_stale_files(tmp_path, small):
    summary, _, _ = small
    again = str(tmp_path / "again")
    make_sonyc_ust_like(again, **SETTINGS)
    first, second = _tree(summary["root"]), _tree(again)
    assert list(first) == list(second) and all(first[f] == second[f] for f in first)
    make_sonyc_ust_like(again, **SETTINGS)  # rerun in place: same files, same bytes
    assert _tree(again) == first
    other = str(tmp_path / "other")
    make_sonyc_ust_like(other, **{**SETTINGS, "seed": 4})
    third = _tree(other)
    assert all(third[f] != first[f] for f in first if f.startswith("audio"))
    # a smaller rerun removes the clips it no longer writes, keeps foreign files
    with open(os.path.join(again, "audio", "99_999999.wav"), "wb") as f:
        f.write(b"not ours")
    make_sonyc_ust_like(again, **{**SETTINGS, "n_train": 2, "n_validate": 1, "n_test": 0})
    audio = sorted(os.listdir(os.path.join(again, "audio")))
    assert audio == ["00_000000.wav", "01_000001.wav", "35_100000.wav", "99_999999.wav"]
    assert sorted(os.listdir(os.path.join(again, "sources"))) == [a[:-4] for a in audio[:3]]
    with pytest.raises(ValueError):
        make_sonyc_ust_like(str(tmp_path / "bad"), n_sensors=(60, 30, 30))


def test_content_band_limited_at_44k(tmp_path):
    summary = make_sonyc_ust_like(str(tmp_path / "s"), n_train=3, n_validate=0, n_test=0,
                                  clip_seconds=1.0, seed=2, event_count_p=(0, 0, 0, 1))
    for name in os.listdir(summary["audio_dir"]):
        wave, rate = sf.read(os.path.join(summary["audio_dir"], name), dtype="float64")
        power = np.abs(np.fft.rfft(wave)) ** 2
        assert rate == 44100 and power[np.fft.rfftfreq(len(wave), 1 / rate) > 7600].sum() < (
            1e-6 * power.sum())


def test_make_synthetic_data_writes_sonyc_on_request(tmp_path):
    tool = load_script(REPO / "tools" / "make_synthetic_data.py")
    tool.main(["--out", str(tmp_path), "--n_classes", "1", "--clips_per_class", "1",
               "--clip_seconds", "0.2", "--wham_files", "0", "--ljspeech_utterances", "0",
               "--sonyc_ust_clips", "10", "--sonyc_ust_seconds", "0.5",
               "--sonyc_ust_sample_rate", "8000"])
    ann = pd.read_csv(tmp_path / "SONYC-UST" / "annotations.csv")
    assert ann.groupby("split").audio_filename.nunique().to_dict() == {
        "test": 1, "train": 7, "validate": 2}
