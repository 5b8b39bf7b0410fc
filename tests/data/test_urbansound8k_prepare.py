"""Tests of the UrbanSound8K preparation (the real 10-clip sample + tiny layouts).

The real-data tests use ``<shared data>/UrbanSound8K-sample`` (10 genuine
clips, one per class, official layout) and skip when it is absent; the
other tests write small layouts in tmp_path. No test touches the network:
``urllib.request.urlopen`` is replaced by a function that raises, and the
download tests serve local archives through ``file://`` URLs.
"""

import importlib.util
import io
import json
import logging
import math
import os
import pathlib
import shutil
import tarfile

import numpy as np
import pytest
import soundfile
import torch

from speechbrain.dataio.dataset import DynamicItemDataset
from speechbrain_interp.audio import load_audio
from speechbrain_interp.data import urbansound8k as us8k
from speechbrain_interp.data.download import (
    ArchiveError,
    download_and_extract,
    file_md5,
)
from speechbrain_interp.data.manifest import BadAudioFilesError
from speechbrain_interp.data.urbansound8k import (
    OFFICIAL_CLASSES,
    URBANSOUND8K_MD5,
    URBANSOUND8K_URL,
    download_urbansound8k,
    prepare_urbansound8k,
)
from helpers import REPO, shared_dataset

SR = 8000
DUR = 0.1
HEADER = "slice_file_name,fsID,start,end,salience,fold,classID,class"
#: (classID, class) of the tiny layouts
CLASSES = [(3, "dog_bark"), (8, "siren")]
#: the real sample: clip -> (fold, classID)
SAMPLE_CLIPS = {
    "100032-3-0-0": (5, 3),
    "100263-2-0-117": (5, 2),
    "100648-1-0-0": (10, 1),
    "100852-0-0-0": (5, 0),
    "101848-9-0-0": (7, 9),
    "102305-6-0-0": (1, 6),
    "102853-8-0-0": (7, 8),
    "102857-5-0-0": (10, 5),
    "103074-7-0-0": (1, 7),
    "103199-4-0-0": (3, 4),
}


pytestmark = pytest.mark.usefixtures("no_network")  # download code runs offline


def write_wav(path, seconds=DUR, sr=SR, channels=2, seed=0):
    """A stereo noise wav of ``seconds``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frames = int(round(seconds * sr))
    data = 0.1 * np.random.default_rng(seed).standard_normal((frames, channels))
    soundfile.write(str(path), data.astype("float32"), sr)


def make_us8k(root, folds=range(1, 11), header=HEADER):
    """Official layout, one clip per (fold, class); returns the csv path."""
    lines = [header]
    for fold in folds:
        for class_id, name in CLASSES:
            clip = f"{fold}0{class_id}-{class_id}-0-0.wav"
            write_wav(root / "audio" / f"fold{fold}" / clip, seed=10 * fold + class_id)
            salience = 1 + fold % 2
            lines.append(f"{clip},{fold}0{class_id},1.5,1.6,{salience},{fold},{class_id},{name}")
    csv = root / "metadata" / "UrbanSound8K.csv"
    csv.parent.mkdir(parents=True, exist_ok=True)
    csv.write_text("\n".join(lines) + "\n", "utf-8")
    return csv


def prepare(data, out, **kwargs):
    return prepare_urbansound8k(str(data), str(out), **kwargs)


def load(path):
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def listing(folder):
    """Every path under ``folder`` with its size and mtime."""
    return sorted(
        (str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*")
    )


@pytest.fixture
def tiny(tmp_path):
    make_us8k(tmp_path / "UrbanSound8K")
    return tmp_path / "UrbanSound8K"


@pytest.fixture
def sample_copy(tmp_path):
    """A writable copy of the real sample."""
    copy = tmp_path / "UrbanSound8K"
    shutil.copytree(shared_dataset("UrbanSound8K-sample"), copy)
    return copy


# ---------------------------------------------------------------- real clips


def test_real_sample_manifests_and_classes(tmp_path, caplog):
    data = shared_dataset("UrbanSound8K-sample")
    before = listing(data)
    with caplog.at_level(logging.INFO):
        paths = prepare(data, tmp_path / "m", train_folds=(1, 3, 7), valid_folds=(5,),
                        test_folds=(10,))
    manifests = {s: load(p) for s, p in paths.items()}
    assert set(manifests["train"]) == {
        "102305-6-0-0", "103074-7-0-0", "103199-4-0-0", "101848-9-0-0", "102853-8-0-0"}
    assert set(manifests["valid"]) == {"100032-3-0-0", "100263-2-0-117", "100852-0-0-0"}
    assert set(manifests["test"]) == {"100648-1-0-0", "102857-5-0-0"}
    entries = {k: e for m in manifests.values() for k, e in m.items()}
    for clip, (fold, class_id) in SAMPLE_CLIPS.items():
        entry = entries[clip]
        assert (entry["fold"], entry["classID"]) == (fold, class_id)
        assert entry["class_string"] == OFFICIAL_CLASSES[class_id]
        assert entry["wav"] == f"{{data_root}}/audio/fold{fold}/{clip}.wav"
        # the header duration agrees with the csv's start/end
        assert entry["duration"] == pytest.approx(entry["end"] - entry["start"], abs=0.01)
    assert entries["100032-3-0-0"] == {
        "wav": "{data_root}/audio/fold5/100032-3-0-0.wav",
        "class_string": "dog_bark",
        "classID": 3,
        "fold": 5,
        "salience": 1,
        "fsID": 100032,
        "start": 0.0,
        "end": 0.317551,
        "duration": pytest.approx(14004 / 44100),
        "sample_rate": 44100,
        "channels": 2,
    }
    extensible = entries["103074-7-0-0"]
    assert (extensible["sample_rate"], extensible["channels"]) == (48000, 2)
    assert extensible["duration"] == pytest.approx(4.0)
    assert entries["102853-8-0-0"]["salience"] == 2
    assert load(tmp_path / "m" / "classes.json") == [
        {"classID": i, "class_string": name} for i, name in enumerate(OFFICIAL_CLASSES)
    ]
    assert OFFICIAL_CLASSES[:4] == ("air_conditioner", "car_horn", "children_playing",
                                    "dog_bark")
    # one summary line, no warning per short clip
    lines = [r.getMessage() for r in caplog.records if "zero-padded" in r.getMessage()]
    assert len(lines) == 1 and "3 of 10 clips are shorter than 4.00 s" in lines[0]
    assert "0 longer" in lines[0] and "0.318 s" in lines[0]
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert listing(data) == before  # nothing written into the data folder


def test_real_clips_load_at_a_fixed_length(tmp_path):
    data = shared_dataset("UrbanSound8K-sample")
    paths = prepare(data, tmp_path / "m", train_folds=(1, 3, 7), valid_folds=(5,),
                    test_folds=(10,))
    waves = {}
    for path in paths.values():
        dataset = DynamicItemDataset.from_json(path, replacements={"data_root": str(data)})
        for clip in dataset.data_ids:
            waves[clip] = load_audio(dataset.data[clip]["wav"], 16000, length=64000)
    assert sorted(waves) == sorted(SAMPLE_CLIPS)
    for clip, wave in waves.items():
        assert wave.shape == (64000,) and wave.dtype == torch.float32, clip
        assert torch.isfinite(wave).all(), clip
        assert float(wave.abs().max()) == pytest.approx(1.0), clip  # peak-normalised
    # the 0.32 s clip (14004 frames at 44.1 kHz) resamples to 5081 samples,
    # and everything after them is padding: exactly zero, normalisation or not
    dog = waves["100032-3-0-0"]
    kept = math.ceil(14004 * 16000 / 44100)
    assert kept == round(0.317551 * 16000) == 5081
    assert torch.all(dog[kept:] == 0)
    assert float(dog[kept - 200 : kept].abs().max()) > 0
    car_horn = waves["100648-1-0-0"]  # 0.65 s
    assert torch.all(car_horn[math.ceil(28600 * 16000 / 44100):] == 0)
    # the 24-bit WAVE_FORMAT_EXTENSIBLE 48 kHz stereo file fills the 4 s
    jackhammer = waves["103074-7-0-0"]
    assert float(jackhammer[-1600:].abs().max()) > 0
    raw = load_audio(str(data / "audio" / "fold1" / "103074-7-0-0.wav"), 48000,
                     normalize=False)
    assert raw.shape == (192000,) and 0 < float(raw.abs().max()) <= 1


def test_real_default_folds_name_every_absent_fold(tmp_path):
    data = shared_dataset("UrbanSound8K-sample")
    with pytest.raises(ValueError) as err:
        prepare(data, tmp_path / "m")  # train 1-8, valid 9, test 10
    message = str(err.value)
    csv = str(data / "metadata" / "UrbanSound8K.csv")
    assert f"train_folds: folds 2, 4, 6, 8 not in {csv} (folds there: 1, 3, 5, 7, 10)" in message
    assert f"valid_folds: fold 9 not in {csv}" in message
    assert "test_folds" not in message
    assert not (tmp_path / "m").exists()


@pytest.mark.parametrize(
    "folds, problem",
    [
        (dict(train_folds=(1, 11), valid_folds=(3,), test_folds=(10,)),
         "train_folds: fold 11 out of range 1-10"),
        (dict(train_folds=(1, 5, 7), valid_folds=(3,), test_folds=(7, 10)),
         "train_folds and test_folds share fold 7 (splits must not overlap)"),
    ],
)
def test_real_fold_out_of_range_and_overlap(tmp_path, folds, problem):
    data = shared_dataset("UrbanSound8K-sample")
    with pytest.raises(ValueError) as err:
        prepare(data, tmp_path / "m", **folds)
    assert str(err.value) == problem
    assert not (tmp_path / "m").exists()


def test_real_missing_file_named_or_skipped(sample_copy, tmp_path, caplog):
    (sample_copy / "audio" / "fold10" / "102857-5-0-0.wav").unlink()
    folds = dict(train_folds=(1, 3, 7), valid_folds=(5,), test_folds=(10,))
    with pytest.raises(BadAudioFilesError, match=r"1 missing: \S*fold10/102857-5-0-0.wav"):
        prepare(sample_copy, tmp_path / "m", **folds)
    assert not (tmp_path / "m" / "test.json").exists()
    with caplog.at_level(logging.WARNING):
        paths = prepare(sample_copy, tmp_path / "m", skip_missing=True, **folds)
    assert "102857-5-0-0.wav" in caplog.text
    assert list(load(paths["test"])) == ["100648-1-0-0"]
    assert len(load(paths["train"])) == 5
    # the classes still come from the whole csv
    assert len(load(tmp_path / "m" / "classes.json")) == 10


# ------------------------------------------------------------- tiny layouts


def test_tiny_layout_defaults(tiny, tmp_path):
    paths = prepare(tiny, tmp_path / "m")
    train, valid, test = (load(paths[s]) for s in ("train", "valid", "test"))
    assert (len(train), len(valid), len(test)) == (16, 2, 2)
    assert {e["fold"] for e in train.values()} == set(range(1, 9))
    assert set(test) == {"1003-3-0-0", "1008-8-0-0"}
    assert test["1008-8-0-0"] == {
        "wav": "{data_root}/audio/fold10/1008-8-0-0.wav",
        "class_string": "siren", "classID": 8, "fold": 10, "salience": 1,
        "fsID": 1008, "start": 1.5, "end": 1.6, "duration": pytest.approx(DUR),
        "sample_rate": SR, "channels": 2,
    }
    assert load(tmp_path / "m" / "classes.json") == [
        {"classID": 3, "class_string": "dog_bark"}, {"classID": 8, "class_string": "siren"}]


def test_only_required_columns_and_extra_columns(tmp_path):
    root = tmp_path / "UrbanSound8K"
    csv = make_us8k(root, folds=(1, 2))
    rows = [line.split(",") for line in csv.read_text().splitlines()]
    # required columns only, in another order, plus an unknown column
    csv.write_text("\n".join(",".join([r[7], r[0], r[6], r[5], "x"]) for r in rows))
    paths = prepare(root, tmp_path / "m", train_folds=(1,), valid_folds=(2,), test_folds=())
    assert paths["test"] is None
    assert load(paths["valid"])["203-3-0-0"] == {
        "wav": "{data_root}/audio/fold2/203-3-0-0.wav", "class_string": "dog_bark",
        "classID": 3, "fold": 2, "duration": pytest.approx(DUR), "sample_rate": SR,
        "channels": 2,
    }


def test_class_name_column_fallback(tiny, tmp_path):
    csv = tiny / "metadata" / "UrbanSound8K.csv"
    csv.write_text(csv.read_text().replace(",class\n", ",class_name\n", 1))
    paths = prepare(tiny, tmp_path / "m")
    assert load(paths["test"])["1003-3-0-0"]["class_string"] == "dog_bark"


@pytest.mark.parametrize(
    "column, named",
    [("classID", "classID"), ("fold", "fold"), ("slice_file_name", "slice_file_name"),
     ("class", "class or class_name")],
)
def test_missing_required_column(tiny, tmp_path, column, named):
    csv = tiny / "metadata" / "UrbanSound8K.csv"
    rows = [line.split(",") for line in csv.read_text().splitlines()]
    drop = rows[0].index(column)
    csv.write_text("\n".join(",".join(r[:drop] + r[drop + 1:]) for r in rows))
    with pytest.raises(ValueError, match=f"missing required column\\(s\\) {named} ") as err:
        prepare(tiny, tmp_path / "m")
    assert str(csv) in str(err.value)


def test_bad_cells_named(tiny, tmp_path):
    csv = tiny / "metadata" / "UrbanSound8K.csv"
    csv.write_text(csv.read_text().replace("503,1.5,1.6,2,5,", "503,1.5,1.6,2,five,"))
    match = r"column fold must hold integers; bad value\(s\) at 503-3-0-0.wav='five'"
    with pytest.raises(ValueError, match=match):
        prepare(tiny, tmp_path / "m")


@pytest.mark.parametrize(
    "folds, problem",
    [
        (dict(train_folds=(1, 11)), "train_folds: fold 11 out of range 1-10"),
        (dict(test_folds=(0,)), "test_folds: fold 0 out of range 1-10"),
        (dict(valid_folds=(8,)), "train_folds and valid_folds share fold 8"),
        (dict(valid_folds=(1, 2), test_folds=(2, 1)),
         "valid_folds and test_folds share folds 1, 2"),
        (dict(test_folds=("10",)), "test_folds: fold '10' is not an integer"),
        (dict(train_folds="1,2"), "train_folds must be a sequence of fold numbers"),
        (dict(train_folds=(), valid_folds=None, test_folds=()), "are all empty"),
    ],
)
def test_bad_fold_arguments(tiny, tmp_path, folds, problem):
    with pytest.raises(ValueError) as err:
        prepare(tiny, tmp_path / "m", **folds)
    assert problem in str(err.value)
    assert not (tmp_path / "m").exists()


def test_every_bad_split_named_at_once(tmp_path):
    root = tmp_path / "UrbanSound8K"
    csv = make_us8k(root, folds=(1, 2, 3, 4, 5, 6, 7, 8, 10))  # no fold 9
    with pytest.raises(ValueError) as err:
        prepare(root, tmp_path / "m", train_folds=(1, 2, 3, 11), valid_folds=(9,),
                test_folds=(3, 12))
    assert str(err.value).split("; ") == [
        "train_folds: fold 11 out of range 1-10",
        "test_folds: fold 12 out of range 1-10",
        "train_folds and test_folds share fold 3 (splits must not overlap)",
        f"valid_folds: fold 9 not in {csv} (folds there: 1, 2, 3, 4, 5, 6, 7, 8, 10)",
    ]


def test_bad_fold_arguments_fail_before_a_download(tmp_path, monkeypatch):
    def no_download(*args, **kwargs):
        raise AssertionError("downloaded despite bad fold arguments")

    monkeypatch.setattr(us8k, "download_urbansound8k", no_download)
    with pytest.raises(ValueError, match="fold 11 out of range"):
        prepare(tmp_path / "UrbanSound8K", tmp_path / "m", test_folds=(11,), download=True)


def test_empty_split_names_split_and_folds(tiny, tmp_path):
    for wav in (tiny / "audio" / "fold9").iterdir():
        wav.unlink()
    with pytest.raises(ValueError, match=r"valid_folds=\(9,\): no usable clip left"):
        prepare(tiny, tmp_path / "m", skip_missing=True)
    csv = tiny / "metadata" / "UrbanSound8K.csv"
    csv.write_text("\n".join(l for l in csv.read_text().splitlines() if ",9," not in l))
    with pytest.raises(ValueError, match=r"valid_folds: fold 9 not in \S+UrbanSound8K.csv"):
        prepare(tiny, tmp_path / "m")


def test_class_name_under_two_ids_and_id_under_two_names(tiny, tmp_path):
    csv = tiny / "metadata" / "UrbanSound8K.csv"
    text = csv.read_text()
    # 'siren' also under classID 3 in one row
    csv.write_text(text.replace("403-3-0-0.wav,403,1.5,1.6,1,4,3,dog_bark",
                                "403-3-0-0.wav,403,1.5,1.6,1,4,3,siren"))
    with pytest.raises(ValueError) as err:
        prepare(tiny, tmp_path / "m")
    message = str(err.value)
    assert f"{csv}: classID and class must map one to one" in message
    assert "classID 3 has 2 class values: dog_bark (103-3-0-0.wav, 203-3-0-0.wav" in message
    assert "siren (403-3-0-0.wav)" in message
    assert "class siren has 2 classID values: 8 (108-8-0-0.wav" in message
    # an id under two names only ("dog" in one row of classID 3)
    csv.write_text(text.replace("503-3-0-0.wav,503,1.5,1.6,2,5,3,dog_bark",
                                "503-3-0-0.wav,503,1.5,1.6,2,5,3,dog"))
    with pytest.raises(ValueError, match=r"classID 3 has 2 class values: dog_bark "
                       r"\(103-3-0-0.wav, .*\), dog \(503-3-0-0.wav\)$"):
        prepare(tiny, tmp_path / "m")
    # a name under two ids only
    csv.write_text(text.replace("608,1.5,1.6,1,6,8,", "608,1.5,1.6,1,6,9,"))
    with pytest.raises(ValueError, match=r"class siren has 2 classID values: 8 \(.*\), "
                       r"9 \(608-8-0-0.wav\)$"):
        prepare(tiny, tmp_path / "m")
    assert not (tmp_path / "m").exists()


def test_file_name_class_id_disagreement_warns(tiny, tmp_path, caplog):
    csv = tiny / "metadata" / "UrbanSound8K.csv"
    old = "703-3-0-0.wav,703,1.5,1.6,2,7,3,dog_bark"
    assert old in csv.read_text()
    fold7 = tiny / "audio" / "fold7"
    os.rename(fold7 / "703-3-0-0.wav", fold7 / "703-5-0-0.wav")
    csv.write_text(csv.read_text().replace(old, old.replace("703-3-0-0", "703-5-0-0")))
    with caplog.at_level(logging.WARNING):
        paths = prepare(tiny, tmp_path / "m")
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "703-5-0-0.wav (classID 3)" in warnings[0]
    assert load(paths["train"])["703-5-0-0"]["classID"] == 3  # the column wins


def test_missing_data_folder_and_csv(tmp_path):
    missing = tmp_path / "nothing-here"
    with pytest.raises(FileNotFoundError, match="data folder .*nothing-here") as err:
        prepare(missing, tmp_path / "m")
    assert "metadata/UrbanSound8K.csv" in str(err.value)
    missing.mkdir()
    with pytest.raises(FileNotFoundError, match="UrbanSound8K.csv not found.*download=True"):
        prepare(missing, tmp_path / "m")


def test_audio_folder_outside_data_folder(tiny, tmp_path):
    moved = tmp_path / "elsewhere"
    os.rename(tiny / "audio", moved)
    with pytest.raises(FileNotFoundError, match="audio folder .*UrbanSound8K/audio"):
        prepare(tiny, tmp_path / "m")
    paths = prepare(tiny, tmp_path / "m", audio_folder=str(moved))
    assert load(paths["test"])["1003-3-0-0"]["wav"] == str(moved / "fold10" / "1003-3-0-0.wav")


def test_nothing_written_into_the_data_folder(tiny, tmp_path):
    before = listing(tiny)
    prepare(tiny, tmp_path / "m")
    assert listing(tiny) == before
    assert sorted(os.listdir(tmp_path / "m")) == [
        "classes.json", "test.json", "train.json", "urbansound8k_prepare_state.json",
        "valid.json"]


def test_rerun_is_noop_and_changes_regenerate(tiny, tmp_path, caplog):
    out = tmp_path / "m"
    paths = prepare(tiny, out)
    names = list(paths.values()) + [str(out / "classes.json")]
    stamps = {p: os.stat(p).st_mtime_ns for p in names}
    with caplog.at_level(logging.INFO):
        assert prepare(tiny, out) == paths
    assert "UrbanSound8K manifests up to date" in caplog.text
    assert {p: os.stat(p).st_mtime_ns for p in names} == stamps
    # signal_length_s only changes a log line: still up to date
    prepare(tiny, out, signal_length_s=5.0)
    assert {p: os.stat(p).st_mtime_ns for p in names} == stamps

    # a changed csv rebuilds
    csv = tiny / "metadata" / "UrbanSound8K.csv"
    csv.write_text(csv.read_text().replace("1003,1.5,1.6,1,", "1003,1.5,1.6,2,"))
    prepare(tiny, out)
    assert load(paths["test"])["1003-3-0-0"]["salience"] == 2
    # a modified audio file rebuilds
    write_wav(tiny / "audio" / "fold10" / "1003-3-0-0.wav", seconds=0.3)
    prepare(tiny, out)
    assert load(paths["test"])["1003-3-0-0"]["duration"] == pytest.approx(0.3)
    # a split left empty loses its manifest; a deleted manifest is rebuilt
    paths2 = prepare(tiny, out, train_folds=(1, 2, 3, 4, 5, 6, 7, 8, 9), valid_folds=())
    assert paths2["valid"] is None and not os.path.exists(paths["valid"])
    os.remove(paths["test"])
    prepare(tiny, out, train_folds=(1, 2, 3, 4, 5, 6, 7, 8, 9), valid_folds=())
    assert os.path.isfile(paths["test"])


def test_length_summary_counts_short_and_long_clips(tiny, tmp_path, caplog):
    write_wav(tiny / "audio" / "fold1" / "103-3-0-0.wav", seconds=0.3)
    write_wav(tiny / "audio" / "fold2" / "203-3-0-0.wav", seconds=0.05)
    with caplog.at_level(logging.INFO):
        prepare(tiny, tmp_path / "m", signal_length_s=0.1)
    lines = [r.getMessage() for r in caplog.records if "zero-padded" in r.getMessage()]
    assert lines == ["UrbanSound8K: 1 of 20 clips are shorter than 0.10 s (zero-padded "
                     "when loaded; the shortest lasts 0.050 s), 1 longer (cropped when loaded)"]
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    with pytest.raises(ValueError, match="signal_length_s must be a positive number"):
        prepare(tiny, tmp_path / "m2", signal_length_s=0)


def test_cli(tiny, tmp_path, capsys):
    spec = importlib.util.spec_from_file_location(
        "urbansound8k_prepare_cli", REPO / "recipes" / "UrbanSound8k" / "urbansound8k_prepare.py"
    )
    cli = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cli)
    args = ["--data_folder", str(tiny), "--manifest_folder", str(tmp_path / "m"),
            "--train_folds", "1", "2", "--valid_folds", "--test_folds", "3",
            "--signal_length_s", "0"]
    assert cli.main(args) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["valid"] is None and len(load(printed["train"])) == 4
    assert len(load(printed["test"])) == 2


# ------------------------------------------------------------------ download


def test_download_unreachable(tmp_path):
    target = tmp_path / "UrbanSound8K"
    with pytest.raises(RuntimeError) as err:
        prepare(target, tmp_path / "m", download=True)
    message = str(err.value)
    assert f"could not download UrbanSound8K from {URBANSOUND8K_URL}" in message
    assert "network unreachable" in message
    assert URBANSOUND8K_MD5 in message  # how to check a copy fetched by hand
    assert str(target / "metadata" / "UrbanSound8K.csv") in message
    assert not target.exists()  # no empty folder left behind
    assert URBANSOUND8K_URL == (
        "https://zenodo.org/record/1203745/files/UrbanSound8K.tar.gz?download=1")
    assert URBANSOUND8K_MD5 == "9aa69802bbf37fb986f71ec1483a196e"


def _us8k_tar(path, root):
    """A tar.gz mimicking the official archive (UrbanSound8K/...)."""
    with tarfile.open(path, "w:gz") as archive:
        archive.add(str(root), arcname="UrbanSound8K")
        readme = b"UrbanSound8K\n"
        info = tarfile.TarInfo("UrbanSound8K/UrbanSound8K_README.txt")
        info.size = len(readme)
        archive.addfile(info, io.BytesIO(readme))
    return path


def test_download_md5_mismatch_deletes_the_archive(tiny, tmp_path, monkeypatch):
    archive = _us8k_tar(tmp_path / "UrbanSound8K.tar.gz", tiny)
    monkeypatch.setattr(us8k, "URBANSOUND8K_URL", archive.as_uri())
    target = tmp_path / "downloaded"
    with pytest.raises(ArchiveError) as err:
        download_urbansound8k(str(target))
    message = str(err.value)
    assert f"MD5 {file_md5(str(archive))}, expected {URBANSOUND8K_MD5}" in message
    assert archive.as_uri() in message and "deleted" in message
    assert not target.exists()  # neither the archive nor an empty folder is left


def test_download_checks_md5_unpacks_and_prepares(tiny, tmp_path, monkeypatch):
    archive = _us8k_tar(tmp_path / "UrbanSound8K.tar.gz", tiny)
    monkeypatch.setattr(us8k, "URBANSOUND8K_URL", archive.as_uri())
    monkeypatch.setattr(us8k, "URBANSOUND8K_MD5", file_md5(str(archive)).upper())
    target = tmp_path / "downloaded"
    paths = prepare(target, tmp_path / "m", download=True)
    assert sorted(os.listdir(target)) == ["UrbanSound8K_README.txt", "audio", "metadata"]
    assert len(load(paths["train"])) == 16
    # the csv is there now: no second download
    monkeypatch.setattr(us8k, "URBANSOUND8K_URL", "file:///no/such/archive.tar.gz")
    prepare(target, tmp_path / "m2", download=True)


def test_download_and_extract_md5_on_a_reused_archive(tiny, tmp_path):
    archive = _us8k_tar(tmp_path / "UrbanSound8K.tar.gz", tiny)
    good = file_md5(str(archive))
    target = tmp_path / "out"
    download_and_extract(archive.as_uri(), str(target), "UrbanSound8K", keep_archive=True,
                         md5=good)
    kept = target / ".download-UrbanSound8K.tar.gz"
    assert kept.is_file() and (target / "metadata" / "UrbanSound8K.csv").is_file()
    # a later run reuses the kept archive, checks it again and rejects it
    with pytest.raises(ArchiveError, match=f"has MD5 {good}, expected {'f' * 32}"):
        download_and_extract(archive.as_uri(), str(target), "UrbanSound8K", md5="f" * 32)
    assert not kept.exists()
    assert (target / "metadata" / "UrbanSound8K.csv").is_file()  # unpacked data untouched


# ------------------------------------------------- scipy's WAV format fixtures

#: scipy's WAV fixtures that libsndfile cannot decode: truncated files and odd bit depths
UNREADABLE_FIXTURES = {
    "test-44100Hz-le-1ch-4bytes-early-eof-no-data.wav", "test-44100Hz-le-1ch-4bytes-early-eof.wav",
    "test-44100Hz-le-1ch-4bytes-incomplete-chunk.wav", "test-8000Hz-le-3ch-5S-36bit.wav",
    "test-8000Hz-le-3ch-5S-45bit.wav", "test-8000Hz-le-3ch-5S-53bit.wav",
    "test-8000Hz-le-3ch-5S-64bit.wav",
}


def test_wav_format_fixtures_in_the_layout(tmp_path, caplog):
    """scipy's fixtures (u-law, 8-bit unsigned, 24-bit big-endian, float BE/LE, extensible
    float64, RF64, 3-5 channels, 1234 Hz...) as UrbanSound8K clips: the readable ones load at
    16 kHz, the unreadable ones are named, all at once, and can be left out."""
    import scipy

    fixtures = sorted((pathlib.Path(scipy.__file__).parent / "io" / "tests" / "data").glob("*.wav"))
    if len(fixtures) < 20:
        pytest.skip("scipy's WAV test files are not installed")
    root = tmp_path / "UrbanSound8K"
    (root / "metadata").mkdir(parents=True)
    (root / "audio" / "fold1").mkdir(parents=True)
    rows = [HEADER]
    for k, fixture in enumerate(fixtures):
        name = f"{900 + k}-3-0-0.wav"
        shutil.copy(fixture, root / "audio" / "fold1" / name)
        rows.append(f"{name},{900 + k},0.0,0.1,1,1,3,dog_bark")
    (root / "metadata" / "UrbanSound8K.csv").write_text("\n".join(rows) + "\n")
    bad = {f"{900 + k}-3-0-0" for k, f in enumerate(fixtures) if f.name in UNREADABLE_FIXTURES}
    assert len(bad) == len(UNREADABLE_FIXTURES)

    with pytest.raises(BadAudioFilesError) as err:
        prepare(root, tmp_path / "m", train_folds=(1,), valid_folds=(), test_folds=())
    named = {clip for clip in bad if clip in str(err.value)}
    assert named == bad and "7 unreadable" in str(err.value)

    with caplog.at_level(logging.WARNING):
        paths = prepare(root, tmp_path / "m", train_folds=(1,), valid_folds=(), test_folds=(),
                        skip_missing=True)
    manifest = load(paths["train"])
    assert set(manifest) == {f"{900 + k}-3-0-0" for k in range(len(fixtures))} - bad
    for clip, entry in manifest.items():
        wave = load_audio(entry["wav"].replace("{data_root}", str(root)), 16000, length=64000)
        assert wave.shape == (64000,) and torch.isfinite(wave).all() and wave.abs().max() > 0, clip
