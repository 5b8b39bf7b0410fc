"""Tests of the ESC-50 preparation (tiny synthetic layouts + the real subset).

No test touches the network: ``urllib.request.urlopen`` is replaced by a
function that raises for every test of this file.
"""

import json
import logging
import os
import urllib.error
import urllib.request
import zipfile

import numpy as np
import pytest
import soundfile

from speechbrain.dataio.dataset import DynamicItemDataset
from speechbrain_interp.data import download as download_module
from speechbrain_interp.data import esc50 as esc50_module
from speechbrain_interp.data.download import ArchiveError, extract_archive
from speechbrain_interp.data.esc50 import ESC50_URL, download_esc50, prepare_esc50
from speechbrain_interp.data.manifest import BadAudioFilesError, write_json
from helpers import REPO, load_script, shared_dataset

SR = 8000
DUR = 0.2
HEADER = "filename,fold,target,category,esc10,src_file,take"
CLASSES = [(0, "dog", "True"), (1, "rooster", "True"), (2, "pig", "False")]


pytestmark = pytest.mark.usefixtures("no_network")  # download code runs offline


def write_wav(path, seconds=DUR, sr=SR, channels=1, silent=False, seed=0):
    """A noise (or silent) wav of ``seconds``."""
    frames = int(round(seconds * sr))
    data = np.zeros((frames, channels), dtype="float32")
    if not silent:
        data = 0.1 * np.random.default_rng(seed).standard_normal((frames, channels))
    soundfile.write(str(path), data.astype("float32"), sr)


def make_esc50(root, folds=(1, 2, 3, 4, 5), header=HEADER, extra=""):
    """ESC-50 layout: one clip per (class, fold); returns the csv path."""
    (root / "audio").mkdir(parents=True)
    (root / "meta").mkdir()
    lines = [header + extra]
    for fold in folds:
        for target, category, esc10 in CLASSES:
            name = f"{fold}-{100 + target}-A-{target}.wav"
            write_wav(root / "audio" / name, seed=fold * 10 + target)
            row = f"{name},{fold},{target},{category},{esc10},{100 + target},A"
            lines.append(row + (",x" if extra else ""))
    csv = root / "meta" / "esc50.csv"
    csv.write_text("\n".join(lines) + "\n", "utf-8")
    return csv


def prepare(data, out, **kwargs):
    kwargs.setdefault("download", False)
    kwargs.setdefault("expected_duration", DUR)
    return prepare_esc50(str(data), str(out), **kwargs)


def load(path):
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


@pytest.fixture
def esc(tmp_path):
    make_esc50(tmp_path / "ESC-50")
    return tmp_path / "ESC-50"


def test_manifests_for_folds(esc, tmp_path):
    before = sorted(p.name for p in esc.rglob("*"))
    paths = prepare(esc, tmp_path / "m")
    assert set(paths) == {"train", "valid", "test"}
    train, valid, test = (load(paths[s]) for s in ("train", "valid", "test"))
    assert (len(train), len(valid), len(test)) == (9, 3, 3)
    assert {e["fold"] for e in train.values()} == {1, 2, 3}
    assert {e["fold"] for e in test.values()} == {5}
    assert train["2-101-A-1"] == {
        "wav": "{data_root}/audio/2-101-A-1.wav",
        "class_string": "rooster",
        "classID": 1,
        "fold": 2,
        "duration": pytest.approx(DUR),
        "sample_rate": SR,
        "channels": 1,
    }
    assert load(tmp_path / "m" / "classes.json") == [
        {"classID": 0, "class_string": "dog"},
        {"classID": 1, "class_string": "rooster"},
        {"classID": 2, "class_string": "pig"},
    ]
    # relocatable: SpeechBrain fills {data_root}
    data = DynamicItemDataset.from_json(
        paths["valid"], replacements={"data_root": str(esc)}
    )
    assert all(os.path.isfile(data.data[k]["wav"]) for k in data.data_ids)
    # nothing was written into the data folder
    assert sorted(p.name for p in esc.rglob("*")) == before


def test_empty_split_and_other_folds(esc, tmp_path):
    paths = prepare(
        esc, tmp_path / "m", train_folds=[2, 4], valid_folds=(), test_folds=(1,)
    )
    assert paths["valid"] is None
    assert not (tmp_path / "m" / "valid.json").exists()
    assert {e["fold"] for e in load(paths["train"]).values()} == {2, 4}
    assert len(load(paths["test"])) == 3


def test_esc10_subset(tmp_path):
    root = tmp_path / "ESC-50"
    csv = make_esc50(root)
    # mixed spellings of the flag
    text = csv.read_text().replace("1,rooster,True", "1,rooster,true", 2)
    csv.write_text(text.replace("5,0,dog,True", "5,0,dog,1"))
    paths = prepare(root, tmp_path / "m", esc10_only=True)
    manifests = [load(paths[s]) for s in ("train", "valid", "test")]
    assert sum(len(m) for m in manifests) == 10
    assert all(e["class_string"] != "pig" for m in manifests for e in m.values())
    assert [c["classID"] for c in load(tmp_path / "m" / "classes.json")] == [0, 1]


def test_extra_columns_tolerated(tmp_path):
    root = tmp_path / "ESC-50"
    make_esc50(root, extra=",orig_fold")
    paths = prepare(root, tmp_path / "m")
    entry = load(paths["train"])["1-100-A-0"]
    assert "orig_fold" not in entry and entry["classID"] == 0


def test_missing_required_column(tmp_path):
    root = tmp_path / "ESC-50"
    csv = make_esc50(root)
    cells = [line.split(",") for line in csv.read_text().splitlines()]
    csv.write_text("\n".join(",".join(c[:3] + c[4:]) for c in cells))  # no category
    with pytest.raises(ValueError, match="category") as err:
        prepare(root, tmp_path / "m")
    assert str(csv) in str(err.value)


def test_duplicate_filenames(esc, tmp_path):
    csv = esc / "meta" / "esc50.csv"
    csv.write_text(csv.read_text() + "1-100-A-0.wav,2,0,dog,True,100,A\n")
    with pytest.raises(ValueError, match="duplicate filename.*1-100-A-0.wav"):
        prepare(esc, tmp_path / "m")


def test_missing_file_error_and_skip(esc, tmp_path, caplog):
    (esc / "audio" / "1-100-A-0.wav").unlink()
    (esc / "audio" / "4-102-A-2.wav").unlink()
    with pytest.raises(BadAudioFilesError, match=r"2 missing: \S*1-100-A-0.wav, \S*4-102-A-2.wav"):
        prepare(esc, tmp_path / "m")
    assert not (tmp_path / "m" / "train.json").exists()
    with caplog.at_level(logging.WARNING):
        paths = prepare(esc, tmp_path / "m", skip_missing=True)
    assert "1-100-A-0" in caplog.text and "4-102-A-2" in caplog.text
    assert "1-100-A-0" not in load(paths["train"]) and len(load(paths["train"])) == 8
    assert len(load(paths["valid"])) == 2 and len(load(paths["test"])) == 3


def test_corrupt_and_empty_files(esc, tmp_path):
    (esc / "audio" / "2-101-A-1.wav").write_bytes(b"this is not a wav file at all" * 10)
    empty = np.zeros((0, 1), "float32")
    soundfile.write(str(esc / "audio" / "5-100-A-0.wav"), empty, SR)
    with pytest.raises(BadAudioFilesError) as err:
        prepare(esc, tmp_path / "m")
    message = str(err.value)
    assert "unreadable: 2-101-A-1" in message
    assert "empty (0 samples): " in message and "5-100-A-0.wav" in message
    paths = prepare(esc, tmp_path / "m", skip_missing=True)
    assert "2-101-A-1" not in load(paths["train"])
    assert "5-100-A-0" not in load(paths["test"])


def test_silent_short_and_odd_format_kept(esc, tmp_path, caplog):
    write_wav(esc / "audio" / "1-100-A-0.wav", silent=True)
    write_wav(esc / "audio" / "2-100-A-0.wav", seconds=0.1)
    write_wav(esc / "audio" / "3-100-A-0.wav", sr=16000, channels=2)
    with caplog.at_level(logging.WARNING):
        paths = prepare(esc, tmp_path / "m")
    train = load(paths["train"])
    assert len(train) == 9
    assert train["2-100-A-0"]["duration"] == pytest.approx(0.1)
    odd = train["3-100-A-0"]
    assert (odd["sample_rate"], odd["channels"]) == (16000, 2)
    silent = [r.getMessage() for r in caplog.records if "silent" in r.getMessage()]
    assert silent and "1-100-A-0" in silent[0]
    off = [r.getMessage() for r in caplog.records if "duration" in r.getMessage()]
    assert off and "2-100-A-0" in off[0] and "3-100-A-0" not in off[0]


def test_missing_data_folder_without_download(tmp_path):
    missing = tmp_path / "nothing-here"
    with pytest.raises(FileNotFoundError, match="nothing-here") as err:
        prepare(missing, tmp_path / "m")
    assert "meta/esc50.csv" in str(err.value) and "audio" in str(err.value)
    missing.mkdir()
    with pytest.raises(FileNotFoundError, match="esc50.csv not found"):
        prepare(missing, tmp_path / "m")


def test_download_unreachable(tmp_path):
    target = tmp_path / "ESC-50"
    with pytest.raises(RuntimeError) as err:
        prepare(target, tmp_path / "m", download=True)
    message = str(err.value)
    assert f"could not download ESC-50 from {ESC50_URL}" in message
    assert "network unreachable" in message
    assert str(target / "meta" / "esc50.csv") in message  # how to fix by hand
    assert not target.exists()  # no empty folder left behind


def test_download_fetch_error_is_wrapped(tmp_path, monkeypatch):
    def broken(url, destination, **kwargs):
        raise urllib.error.HTTPError(url, 503, "Service Unavailable", None, None)

    monkeypatch.setattr(download_module, "fetch_url", broken)
    match = "could not download ESC-50 from .*Service Unavailable"
    with pytest.raises(RuntimeError, match=match):
        download_esc50(str(tmp_path / "ESC-50"))


def _esc50_zip(path, root):
    """A zip mimicking the official archive (ESC-50-master/...)."""
    with zipfile.ZipFile(path, "w") as archive:
        for file in sorted(root.rglob("*")):
            if file.is_file():
                name = file.relative_to(root).as_posix()
                archive.write(file, "ESC-50-master/" + name)
        archive.writestr("ESC-50-master/README.md", "ESC-50\n")
    return path


def test_download_unpacks_and_moves_up(esc, tmp_path, monkeypatch):
    archive = _esc50_zip(tmp_path / "master.zip", esc)
    fetched = []

    def local_fetch(url, destination, **kwargs):
        fetched.append(url)
        with open(archive, "rb") as src, open(destination, "wb") as dst:
            dst.write(src.read())

    monkeypatch.setattr(download_module, "fetch_url", local_fetch)
    target = tmp_path / "downloaded"
    paths = prepare(target, tmp_path / "m", download=True)
    assert fetched == [ESC50_URL]
    assert (target / "meta" / "esc50.csv").is_file()
    assert (target / "README.md").is_file()
    assert len(list((target / "audio").glob("*.wav"))) == 15
    # the archive was removed once unpacked
    assert sorted(os.listdir(target)) == ["README.md", "audio", "meta"]
    assert len(load(paths["train"])) == 9
    # csv present now: no second download
    prepare(target, tmp_path / "m2", download=True)
    assert len(fetched) == 1


def test_extract_archive_wrong_member(tmp_path):
    path = tmp_path / "a.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("other-root/meta/esc50.csv", HEADER)
    match = "no top-level folder 'ESC-50-master'.*other-root"
    with pytest.raises(ArchiveError, match=match):
        extract_archive(str(path), str(tmp_path / "out"), member="ESC-50-master")
    assert os.listdir(tmp_path / "out") == []  # scratch folder cleaned
    (tmp_path / "b.zip").write_bytes(b"not a zip")
    with pytest.raises(ArchiveError, match="not a zip or tar archive"):
        extract_archive(str(tmp_path / "b.zip"), str(tmp_path / "out"))


def test_rerun_is_noop_and_changes_regenerate(esc, tmp_path, caplog):
    out = tmp_path / "m"
    paths = prepare(esc, out)
    names = list(paths.values()) + [str(out / "classes.json")]
    stamps = {p: os.stat(p).st_mtime_ns for p in names}
    with caplog.at_level(logging.INFO):
        assert prepare(esc, out) == paths
    assert "manifests up to date" in caplog.text
    assert {p: os.stat(p).st_mtime_ns for p in names} == stamps

    # a modified audio file (other length) regenerates
    write_wav(esc / "audio" / "1-100-A-0.wav", seconds=0.3)
    prepare(esc, out, expected_duration=None)
    assert load(paths["train"])["1-100-A-0"]["duration"] == pytest.approx(0.3)
    stamps = {p: os.stat(p).st_mtime_ns for p in names}
    prepare(esc, out, expected_duration=None)
    assert {p: os.stat(p).st_mtime_ns for p in names} == stamps

    # a changed csv regenerates
    csv = esc / "meta" / "esc50.csv"
    csv.write_text(csv.read_text().replace(",dog,", ",hound,"))
    prepare(esc, out, expected_duration=None)
    assert load(paths["train"])["1-100-A-0"]["class_string"] == "hound"

    # a removed file regenerates (skipped), re-adding it regenerates again
    (esc / "audio" / "5-101-A-1.wav").unlink()
    prepare(esc, out, expected_duration=None, skip_missing=True)
    assert "5-101-A-1" not in load(paths["test"])
    write_wav(esc / "audio" / "5-101-A-1.wav")
    prepare(esc, out, expected_duration=None, skip_missing=True)
    assert "5-101-A-1" in load(paths["test"])

    # changed options regenerate; a split left empty loses its manifest
    prepare(esc, out, expected_duration=None, valid_folds=())
    assert not os.path.exists(paths["valid"])
    # a deleted manifest is rebuilt
    os.remove(paths["test"])
    prepare(esc, out, expected_duration=None, valid_folds=())
    assert os.path.isfile(paths["test"])


@pytest.mark.parametrize(
    "folds, match",
    [
        (
            dict(train_folds=(1, 2), test_folds=(2,)),
            "train_folds and test_folds share fold.*2",
        ),
        (
            dict(valid_folds=(7,)),
            r"valid_folds: fold 7 not in \S*esc50.csv \(folds there: 1, 2, 3, 4, 5\)",
        ),
        (dict(train_folds=(1, 6, 8)), r"train_folds: folds 6, 8 not in"),
        (dict(test_folds=("5",)), "test_folds: fold '5' is not an integer"),
        (dict(train_folds=(), valid_folds=(), test_folds=()), "all empty"),
    ],
)
def test_bad_folds(esc, tmp_path, folds, match):
    with pytest.raises(ValueError, match=match):
        prepare(esc, tmp_path / "m", **folds)


def test_every_bad_split_named_at_once(esc, tmp_path):
    with pytest.raises(ValueError) as err:
        prepare(esc, tmp_path / "m", train_folds=(1, 2, 9), valid_folds=("x", True),
                test_folds=(2, 7))
    for expected in (
        "valid_folds: fold 'x' is not an integer",
        "valid_folds: fold True is not an integer",
        "train_folds and test_folds share fold 2",
        "train_folds: fold 9 not in",
        "test_folds: fold 7 not in",
    ):
        assert expected in str(err.value)
    assert len(str(err.value).split("; ")) == 5
    assert not (tmp_path / "m").exists()


def test_bad_folds_checked_before_a_download(tmp_path, monkeypatch):
    def no_download(*args, **kwargs):
        raise AssertionError("downloaded despite bad fold arguments")

    monkeypatch.setattr(esc50_module, "download_esc50", no_download)
    with pytest.raises(ValueError, match="train_folds and valid_folds share fold 1"):
        prepare(tmp_path / "ESC-50", tmp_path / "m", valid_folds=(1,), download=True)


def test_class_ids_and_names_one_to_one(esc, tmp_path):
    csv = esc / "meta" / "esc50.csv"
    text = csv.read_text()
    # a category under two targets: 'pig' also under target 0 in one row
    csv.write_text(text.replace("3-100-A-0.wav,3,0,dog,", "3-100-A-0.wav,3,0,pig,"))
    with pytest.raises(ValueError) as err:
        prepare(esc, tmp_path / "m")
    message = str(err.value)
    assert str(csv) in message and "target and category must map one to one" in message
    assert ("category pig has 2 target values: 2 (1-102-A-2.wav, 2-102-A-2.wav, "
            "3-102-A-2.wav, 4-102-A-2.wav, 5-102-A-2.wav), 0 (3-100-A-0.wav)") in message
    assert "target 0 has 2 category values: dog (1-100-A-0.wav" in message
    # a category under two targets only (a renumbered row)
    csv.write_text(text.replace("4-101-A-1.wav,4,1,", "4-101-A-1.wav,4,5,"))
    with pytest.raises(ValueError, match=r"category rooster has 2 target values: "
                       r"1 \(1-101-A-1.wav, 2-101-A-1.wav, 3-101-A-1.wav, "
                       r"5-101-A-1.wav\), 5 \(4-101-A-1.wav\)"):
        prepare(esc, tmp_path / "m")
    assert not (tmp_path / "m").exists()


def test_fold_empty_after_esc10(tmp_path):
    root = tmp_path / "ESC-50"
    csv = make_esc50(root)
    lines = csv.read_text().splitlines()
    kept = [l for l in lines if not (l.startswith("4-") and ",True," in l)]
    csv.write_text("\n".join(kept))
    match = r"valid_folds=\(4,\) selects no clip of the ESC-10"
    with pytest.raises(ValueError, match=match):
        prepare(root, tmp_path / "m", esc10_only=True)


def test_audio_folder_outside_data_folder(esc, tmp_path):
    moved = tmp_path / "elsewhere"
    os.rename(esc / "audio", moved)
    paths = prepare(esc, tmp_path / "m", audio_folder=str(moved))
    wav = load(paths["train"])["1-100-A-0"]["wav"]
    assert wav == str(moved / "1-100-A-0.wav")


def test_write_json_atomic(tmp_path):
    path = tmp_path / "x.json"
    write_json({"a": 1}, str(path))
    write_json({"a": 2}, str(path))
    assert load(path) == {"a": 2} and os.listdir(tmp_path) == ["x.json"]


def test_cli(esc, tmp_path, capsys):
    cli = load_script(REPO / "recipes" / "ESC50" / "esc50_prepare.py")
    args = ["--data_folder", str(esc), "--manifest_folder", str(tmp_path / "m"),
            "--train_folds", "1", "2", "--valid_folds", "--test_folds", "3",
            "--esc10_only", "--no_download", "--expected_duration", "0"]
    assert cli.main(args) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["valid"] is None and len(load(printed["train"])) == 4


def test_real_esc10_subset(tmp_path):
    data = shared_dataset("ESC-50-esc10")
    paths = prepare_esc50(
        str(data), str(tmp_path / "m"), (1, 2, 3), (4,), (5,), download=False
    )
    manifests = {s: load(p) for s, p in paths.items()}
    ids = [k for m in manifests.values() for k in m]
    assert len(ids) == len(set(ids)) == 83
    assert {k + ".wav" for k in ids} == set(os.listdir(data / "audio"))
    entries = [e for m in manifests.values() for e in m.values()]
    assert len({e["classID"] for e in entries}) == 10
    assert len(load(tmp_path / "m" / "classes.json")) == 10
    assert all(e["duration"] == pytest.approx(5.0, abs=0.01) for e in entries)
    assert {e["sample_rate"] for e in entries} == {44100}
    assert {e["fold"] for e in manifests["valid"].values()} == {4}
    assert esc50_module.ESC50_URL.startswith("https://github.com/karolpiczak/ESC-50")
