"""Tests of the SONYC-UST v2 preparation on a small hand-written real-layout fixture.

The fixture has the real taxonomy (8 coarse, 23 fine + 6 X classes, docs/datasets.md
2.4) and an ``annotations.csv`` with the real columns (12 metadata, 29 fine presence,
29 proximity, 8 coarse presence) for 9 clips: three volunteer rows each, verified rows
(annotator_id 0) for the validate/test clips and for one train clip, SONYC-team rows
(negative ids, -1 in the groups they did not annotate). The expected label counts are
worked out by hand in the comments. No test touches the network.
"""

import csv
import json
import logging
import os
import random
import shutil
import tarfile

import numpy as np
import pytest
import soundfile

from speechbrain_interp.data import sonyc_ust
from speechbrain_interp.data.download import file_md5
from speechbrain_interp.data.manifest import BadAudioFilesError
from speechbrain_interp.data.sonyc_ust import (
    SONYC_UST_MD5,
    SONYC_UST_URL,
    download_sonyc_ust,
    prepare_sonyc_ust,
    read_taxonomy,
)
from helpers import REPO, load_script

SR = 8000
DUR = 0.5
COARSE = {1: "engine", 2: "machinery-impact", 3: "non-machinery-impact", 4: "powered-saw",
          5: "alert-signal", 6: "music", 7: "human-voice", 8: "dog"}
#: the real taxonomy (code, name), X tags included
FINE = [
    ("1-1", "small-sounding-engine"), ("1-2", "medium-sounding-engine"),
    ("1-3", "large-sounding-engine"), ("1-X", "engine-of-uncertain-size"),
    ("2-1", "rock-drill"), ("2-2", "jackhammer"), ("2-3", "hoe-ram"), ("2-4", "pile-driver"),
    ("2-X", "other-unknown-impact-machinery"),
    ("3-1", "non-machinery-impact"),
    ("4-1", "chainsaw"), ("4-2", "small-medium-rotating-saw"), ("4-3", "large-rotating-saw"),
    ("4-X", "other-unknown-powered-saw"),
    ("5-1", "car-horn"), ("5-2", "car-alarm"), ("5-3", "siren"), ("5-4", "reverse-beeper"),
    ("5-X", "other-unknown-alert-signal"),
    ("6-1", "stationary-music"), ("6-2", "mobile-music"), ("6-3", "ice-cream-truck"),
    ("6-X", "music-from-uncertain-source"),
    ("7-1", "person-or-small-group-talking"), ("7-2", "person-or-small-group-shouting"),
    ("7-3", "large-crowd"), ("7-4", "amplified-speech"), ("7-X", "other-unknown-human-voice"),
    ("8-1", "dog-barking-whining"),
]
COMPLETE_FINE = [(c, n) for c, n in FINE if not c.endswith("X")]
METADATA = ["split", "sensor_id", "audio_filename", "annotator_id", "borough", "block",
            "latitude", "longitude", "year", "week", "day", "hour"]
HEADER = (METADATA + [f"{c}_{n}_presence" for c, n in FINE]
          + [f"{c}_{n}_proximity" for c, n in FINE]
          + [f"{c}_{n}_presence" for c, n in COARSE.items()])
TAXONOMY_YAML = "coarse:\n" + "".join(f"  {c}: {n}\n" for c, n in COARSE.items()) + "fine:\n"
for _group in COARSE:
    TAXONOMY_YAML += f"  {_group}:\n" + "".join(
        f"    {c.split('-')[1]}: {n}\n" for c, n in FINE if c.startswith(f"{_group}-"))

#: (split, sensor, folder, volunteer tag sets, verified tags or None, team rows
#: (annotator_id, annotated coarse groups, tags))
CLIPS = {
    "00_000001": ("train", 10, "audio-0/audio", [{"1-1"}, set(), {"7-1"}], None, []),
    # only the verified row says dog: l2i positive (sum 1), dcase negative
    "00_000002": ("train", 10, "audio-0/audio", [set(), set(), set()], {"8-1"}, []),
    # one volunteer says siren; a team row that tagged human-voice only writes -1 there:
    # l2i sum 1 + (-1) = 0 (negative), dcase positive
    "00_000003": ("train", 11, "audio-3", [{"5-3"}, set(), set()], None, [(-5, {7}, set())]),
    "00_000004": ("train", 11, "audio-3", [{"1-X", "2-2"}, {"1-X"}, {"2-2", "6-1"}], None, []),
    # team rows are never used for validate/test: the -4 row's dog is not a label
    "20_000101": ("validate", 20, "audio-7/nested/deeper", [{"5-3"}, {"5-3"}, set()],
                  {"5-3", "7-1"}, [(-3, {5}, {"5-3"}), (-4, {8}, {"8-1"})]),
    # no verified row: left out of validate under both aggregations
    "20_000102": ("validate", 20, "audio-7", [{"8-1"}, set(), set()], None, []),
    "20_000103": ("validate", 21, "audio-7", [set(), set(), set()], {"1-X", "1-2"}, []),
    "30_000201": ("test", 30, "audio-18", [{"2-1"}, set(), set()], {"2-1", "4-2"}, []),
    "30_000202": ("test", 31, "audio-18/x", [set(), set(), set()], {"3-1"}, []),
}
META = {s: {"borough": 1 + s % 3, "block": 500 + s, "latitude": round(40.7 + s / 1000, 3),
            "longitude": round(-73.9 - s / 1000, 3), "year": 2019, "week": s % 52, "day": s % 7,
            "hour": s % 24} for s in (10, 11, 20, 21, 30, 31)}
COARSE_NAMES = list(COARSE.values())
FINE_NAMES = [n for _, n in COMPLETE_FINE]


pytestmark = pytest.mark.usefixtures("no_network")  # download code runs offline


def write_wav(path, seconds=DUR, seed=0):
    path.parent.mkdir(parents=True, exist_ok=True)
    data = 0.1 * np.random.default_rng(seed).standard_normal(int(seconds * SR))
    soundfile.write(str(path), data.astype("float32"), SR)


def annotation_row(clip, annotator, tags, groups=None):
    """One csv row; ``groups``: the coarse groups a team member annotated (others -1)."""
    split, sensor = CLIPS[clip][:2]
    cells = {"split": split, "sensor_id": sensor, "audio_filename": f"{clip}.wav",
             "annotator_id": annotator, **META[sensor]}
    for code, name in FINE:
        skipped = groups is not None and int(code[0]) not in groups
        cells[f"{code}_{name}_presence"] = -1 if skipped else int(code in tags)
        cells[f"{code}_{name}_proximity"] = "near" if annotator > 0 and code in tags else -1
    for group, name in COARSE.items():
        skipped = groups is not None and group not in groups
        present = any(t.startswith(f"{group}-") for t in tags)
        cells[f"{group}_{name}_presence"] = -1 if skipped else int(present)
    return cells


def make_sonyc(root, header=HEADER, clips=CLIPS):
    """The real layout: annotations.csv, taxonomy, wavs in nested archive folders."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "dcase-ust-taxonomy.yaml").write_text(TAXONOMY_YAML, "utf-8")
    rows = []
    for k, (clip, (_, _, folder, volunteers, verified, team)) in enumerate(clips.items()):
        rows += [annotation_row(clip, 100 + 7 * k + i, tags) for i, tags in enumerate(volunteers)]
        if verified is not None:
            rows.append(annotation_row(clip, 0, verified))
        rows += [annotation_row(clip, a, tags, groups) for a, groups, tags in team]
        write_wav(root / folder / f"{clip}.wav", seed=k)
    with open(root / "annotations.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    (root / "README.md").write_text("SONYC-UST\n", "utf-8")
    return root


@pytest.fixture
def data(tmp_path):
    return make_sonyc(tmp_path / "SONYC-UST")


def prepare(data, out, **kwargs):
    return prepare_sonyc_ust(str(data), str(out), **kwargs)


def load(path):
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def counts(manifest, names):
    """Positives per class of a manifest, in class order."""
    return {n: sum(n in e["labels"] for e in manifest.values()) for n in names}


def listing(folder):
    return sorted((str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*"))


def zeros(names, **positives):
    return {n: positives.get(n.replace("-", "_"), 0) for n in names}


# ------------------------------------------------------------- label counts


def test_taxonomy_of_the_fixture(data):
    taxonomy = read_taxonomy(str(data / "dcase-ust-taxonomy.yaml"))
    assert [n for _, n, _ in taxonomy["coarse"]] == COARSE_NAMES
    assert [(c, n) for c, n, _ in taxonomy["fine"]] == COMPLETE_FINE and len(COMPLETE_FINE) == 23
    assert [c for c, _, _ in taxonomy["incomplete"]] == ["1-X", "2-X", "4-X", "5-X", "6-X", "7-X"]
    assert len(HEADER) == 12 + 29 + 29 + 8


def test_coarse_dcase(data, tmp_path, caplog):
    before = listing(data)
    with caplog.at_level(logging.INFO):
        paths = prepare(data, tmp_path / "m")
    train, valid, test = (load(paths[s]) for s in ("train", "valid", "test"))
    assert list(train) == ["00_000001", "00_000002", "00_000003", "00_000004"]
    # validate: 20_000102 has no verified row -> left out
    assert list(valid) == ["20_000101", "20_000103"] and list(test) == ["30_000201", "30_000202"]
    # train, any volunteer: 01 engine + human-voice; 02 nothing (verified row ignored);
    # 03 alert-signal; 04 engine (1-X) + machinery-impact + music
    assert counts(train, COARSE_NAMES) == zeros(
        COARSE_NAMES, engine=2, machinery_impact=1, alert_signal=1, music=1, human_voice=1)
    assert train["00_000002"]["labels"] == [] and train["00_000002"]["class_string"] == ""
    # validate, verified rows: 101 alert-signal + human-voice (team rows' dog unused); 103 engine
    assert counts(valid, COARSE_NAMES) == zeros(
        COARSE_NAMES, engine=1, alert_signal=1, human_voice=1)
    # test: 201 machinery-impact + powered-saw; 202 non-machinery-impact
    assert counts(test, COARSE_NAMES) == zeros(
        COARSE_NAMES, machinery_impact=1, powered_saw=1, non_machinery_impact=1)
    assert train["00_000001"] == {
        "wav": "{data_root}/audio-0/audio/00_000001.wav", "duration": DUR,
        "labels": ["engine", "human-voice"], "class_string": "engine;human-voice",
        "split": "train", "sensor_id": 10, "borough": 2, "block": 510, "latitude": 40.71,
        "longitude": -73.91, "year": 2019, "week": 10, "day": 3, "hour": 10,
        "level": "coarse", "aggregation": "dcase"}
    assert valid["20_000101"]["split"] == "validate"
    assert test["30_000202"]["wav"] == "{data_root}/audio-18/x/30_000202.wav"
    assert "validate: 1 of 3 file(s) have no verified (annotator_id 0) row" in caplog.text
    assert "8 clips are shorter than 10.00 s" in caplog.text
    assert listing(data) == before  # nothing written into the data folder
    assert load(tmp_path / "m" / "classes.json") == [
        {"classID": i, "class_string": n, "code": str(i + 1)} for i, n in enumerate(COARSE_NAMES)]


def test_coarse_l2i_differs_on_train_only(data, tmp_path):
    dcase = {s: load(p) for s, p in prepare(data, tmp_path / "d").items()}
    paths = prepare(data, tmp_path / "m", aggregation="l2i")
    train = load(paths["train"])
    assert list(train) == ["00_000001", "00_000002", "00_000003", "00_000004"]
    # sums over all rows: 02 dog = 1 (verified row) -> positive; 03 alert-signal
    # = 1 (volunteer) - 1 (team row) = 0 -> negative; 03 engine = -1
    assert counts(train, COARSE_NAMES) == zeros(
        COARSE_NAMES, engine=2, machinery_impact=1, music=1, human_voice=1, dog=1)
    assert train["00_000002"]["labels"] == ["dog"] and train["00_000003"]["labels"] == []
    assert train["00_000001"]["aggregation"] == "l2i"
    for split in ("valid", "test"):  # the verified row under both aggregations
        l2i = load(paths[split])
        assert {k: e["labels"] for k, e in l2i.items()} == {
            k: e["labels"] for k, e in dcase[split].items()}


@pytest.mark.parametrize("aggregation", ["dcase", "l2i"])
def test_fine_level_and_incomplete(data, tmp_path, aggregation):
    paths = prepare(data, tmp_path / "m", level="fine", aggregation=aggregation)
    train, valid, test = (load(paths[s]) for s in ("train", "valid", "test"))
    labels = {k: e["labels"] for m in (train, valid, test) for k, e in m.items()}
    incomplete = {k: e["incomplete"] for m in (train, valid, test) for k, e in m.items()}
    assert labels == {
        "00_000001": ["small-sounding-engine", "person-or-small-group-talking"],
        "00_000002": ["dog-barking-whining"] if aggregation == "l2i" else [],
        "00_000003": [] if aggregation == "l2i" else ["siren"],
        "00_000004": ["jackhammer", "stationary-music"],
        "20_000101": ["siren", "person-or-small-group-talking"],
        "20_000103": ["medium-sounding-engine"],
        "30_000201": ["rock-drill", "small-medium-rotating-saw"],
        "30_000202": ["non-machinery-impact"],
    }
    # 1-X: two volunteers on 04 (sum 2), the verified row of 103
    assert incomplete == {k: ["engine"] if k in ("00_000004", "20_000103") else []
                          for k in labels}
    assert counts(train, FINE_NAMES)["siren"] == (0 if aggregation == "l2i" else 1)
    assert train["00_000004"]["level"] == "fine"
    classes = load(tmp_path / "m" / "classes.json")
    assert [(c["classID"], c["code"], c["class_string"]) for c in classes] == [
        (i, code, name) for i, (code, name) in enumerate(COMPLETE_FINE)]


def test_shuffled_columns_give_identical_manifests(tmp_path):
    header = list(HEADER)
    random.Random(3).shuffle(header)
    shuffled = make_sonyc(tmp_path / "shuffled", header=header)
    plain = make_sonyc(tmp_path / "plain")
    for level in ("coarse", "fine"):
        a = prepare(plain, tmp_path / f"a-{level}", level=level)
        b = prepare(shuffled, tmp_path / f"b-{level}", level=level)
        for split in ("train", "valid", "test"):
            assert load(a[split]) == load(b[split])


# ------------------------------------------------------------------ errors


@pytest.mark.parametrize("level, columns", [
    ("coarse", ["hour", "5_alert-signal_presence"]),
    ("fine", ["1-X_engine-of-uncertain-size_presence"]),
    ("coarse", ["annotator_id"]),
])
def test_missing_column_named(tmp_path, level, columns):
    data = make_sonyc(tmp_path / "d", header=[c for c in HEADER if c not in columns])
    with pytest.raises(ValueError) as err:
        prepare(data, tmp_path / "m", level=level)
    message = str(err.value)
    assert str(data / "annotations.csv") in message
    assert f"missing required column(s) {', '.join(columns)}" in message


def test_unused_columns_may_be_absent(tmp_path):
    """Proximity columns are never needed, fine columns not at coarse level."""
    header = [c for c in HEADER if not c.endswith("proximity") and not c[1] == "-"]
    data = make_sonyc(tmp_path / "d", header=header)
    assert len(load(prepare(data, tmp_path / "m")["train"])) == 4


@pytest.mark.parametrize("value", ["2", "yes", ""])
def test_bad_presence_value_named(data, tmp_path, value):
    path = data / "annotations.csv"
    lines = path.read_text().splitlines()
    column = HEADER.index("7_human-voice_presence")
    cells = lines[5].split(",")  # data row 5: 00_000002, second volunteer
    cells[column] = value
    lines[5] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ValueError) as err:
        prepare(data, tmp_path / "m")
    assert str(err.value) == (
        f"{path}: column 7_human-voice_presence must hold 1, 0 or -1 (not annotated); "
        f"bad value(s) at row 5 (00_000002.wav)={value!r}")


def test_bad_metadata_and_annotator_named(data, tmp_path):
    path = data / "annotations.csv"
    path.write_text(path.read_text().replace(",40.71,", ",north,", 1))
    with pytest.raises(ValueError, match=r"column latitude must hold numbers; bad value\(s\) "
                                         r"at row 1 \(00_000001.wav\)='north'"):
        prepare(data, tmp_path / "m")


def test_duplicate_base_name_named(data, tmp_path):
    copy = data / "audio-9" / "00_000003.wav"
    write_wav(copy)
    with pytest.raises(ValueError) as err:
        prepare(data, tmp_path / "m")
    assert "found more than once" in str(err.value)
    assert str(data / "audio-3" / "00_000003.wav") in str(err.value)
    assert str(copy) in str(err.value)


def test_missing_wav_named_or_skipped(data, tmp_path, caplog):
    os.remove(data / "audio-0" / "audio" / "00_000002.wav")
    (data / "audio-18" / "30_000201.wav").write_bytes(b"")
    with pytest.raises(BadAudioFilesError) as err:
        prepare(data, tmp_path / "m")
    message = str(err.value)
    assert "1 missing: " + str(data / "00_000002.wav") in message
    assert str(data / "audio-18" / "30_000201.wav") in message
    with caplog.at_level(logging.WARNING):
        paths = prepare(data, tmp_path / "m", skip_missing=True)
    assert "00_000002" not in load(paths["train"]) and len(load(paths["train"])) == 3
    assert list(load(paths["test"])) == ["30_000202"]
    assert "skipping audio files" in caplog.text and "00_000002.wav" in caplog.text


def test_bad_options(data, tmp_path):
    with pytest.raises(ValueError, match="level must be one of coarse, fine, got 'medium'"):
        prepare(data, tmp_path / "m", level="medium")
    with pytest.raises(ValueError, match="aggregation must be one of dcase, l2i, got 'vote'"):
        prepare(data, tmp_path / "m", aggregation="vote")
    with pytest.raises(ValueError, match="unknown: 'valid', 'dev'"):
        prepare(data, tmp_path / "m", splits=("train", "valid", "dev"))
    with pytest.raises(ValueError, match="signal_length_s must be a positive number"):
        prepare(data, tmp_path / "m", signal_length_s=0)
    assert not (tmp_path / "m").exists()


def test_empty_split_names_split_and_aggregation(tmp_path):
    clips = {k: v for k, v in CLIPS.items() if k != "20_000101" and k != "20_000103"}
    data = make_sonyc(tmp_path / "d", clips=clips)
    with pytest.raises(ValueError, match="split validate: no clip left with aggregation l2i"):
        prepare(data, tmp_path / "m", aggregation="l2i")
    paths = prepare(data, tmp_path / "m", splits=["train", "test"])
    assert paths["valid"] is None and len(load(paths["test"])) == 2


def test_taxonomy_errors(data, tmp_path):
    taxonomy = data / "dcase-ust-taxonomy.yaml"
    taxonomy.write_text(TAXONOMY_YAML.split("fine:")[0])
    with pytest.raises(ValueError, match=f"{taxonomy}: missing or empty key.s. fine"):
        prepare(data, tmp_path / "m")
    os.remove(taxonomy)
    with pytest.raises(FileNotFoundError, match=f"taxonomy file {taxonomy} does not exist"):
        prepare(data, tmp_path / "m")


def test_missing_data_folder_and_csv(tmp_path):
    with pytest.raises(FileNotFoundError, match="data folder .*nowhere does not exist"):
        prepare(tmp_path / "nowhere", tmp_path / "m")
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="annotations.csv not found"):
        prepare(tmp_path / "empty", tmp_path / "m")


# ------------------------------------------------------------------ sources


def test_sources_attached_at_both_levels(data, tmp_path):
    sources = tmp_path / "sources"
    for name in ("1-1", "7-1", "7-X", "background"):
        write_wav(sources / "00_000001" / f"{name}.wav")
    write_wav(sources / "30_000201" / "4-2.wav")
    coarse = prepare(data, tmp_path / "c", sources_folder=str(sources))
    train = load(coarse["train"])
    folder = str(sources / "00_000001")
    assert train["00_000001"]["sources"] == {
        "engine": [f"{folder}/1-1.wav"],
        "human-voice": [f"{folder}/7-1.wav", f"{folder}/7-X.wav"]}
    assert "sources" not in train["00_000002"]  # no folder, no key
    assert load(coarse["test"])["30_000201"]["sources"] == {
        "powered-saw": [str(sources / "30_000201" / "4-2.wav")]}
    fine = load(prepare(data, tmp_path / "f", level="fine", sources_folder=str(sources))["train"])
    assert fine["00_000001"]["sources"] == {
        "small-sounding-engine": [f"{folder}/1-1.wav"],
        "person-or-small-group-talking": [f"{folder}/7-1.wav"]}
    # sources inside the data folder: relative paths, and not taken for clips
    inside = data / "sources"
    shutil.copytree(sources, inside)
    write_wav(inside / "00_000001" / "00_000003.wav")  # not indexed as the clip
    train = load(prepare(data, tmp_path / "i", sources_folder=str(inside))["train"])
    assert train["00_000001"]["sources"]["engine"] == ["{data_root}/sources/00_000001/1-1.wav"]


# ------------------------------------------------------------ state / re-run


def test_rerun_is_noop_and_changes_reprepare(data, tmp_path, caplog):
    out = tmp_path / "m"
    paths = prepare(data, out)
    state = out / "sonyc_ust_prepare_state.json"
    names = [state] + list(paths.values()) + [out / "classes.json"]
    stamps = {p: os.stat(p).st_mtime_ns for p in names}
    with caplog.at_level(logging.INFO):
        assert prepare(data, out) == paths
    assert "SONYC-UST manifests up to date" in caplog.text
    assert {p: os.stat(p).st_mtime_ns for p in names} == stamps
    # another aggregation re-prepares
    prepare(data, out, aggregation="l2i")
    assert os.stat(state).st_mtime_ns != stamps[state]
    assert load(paths["train"])["00_000002"]["labels"] == ["dog"]
    assert load(state)["options"]["aggregation"] == "l2i"
    # so do another level, fewer splits, a changed taxonomy
    prepare(data, out, level="fine", splits=("test",))
    assert not os.path.exists(paths["train"]) and len(load(out / "classes.json")) == 23
    taxonomy = data / "dcase-ust-taxonomy.yaml"
    taxonomy.write_text(TAXONOMY_YAML.replace("dog-barking-whining", "barking-dog"))
    with pytest.raises(ValueError, match="missing required column.s. 8-1_barking-dog_presence"):
        prepare(data, out, level="fine", splits=("test",))


def test_cli(data, tmp_path, capsys):
    cli = load_script(REPO / "recipes" / "SONYC-UST" / "sonyc_ust_prepare.py")
    args = ["--data_folder", str(data), "--manifest_folder", str(tmp_path / "m"),
            "--level", "fine", "--aggregation", "l2i", "--splits", "train", "test",
            "--signal_length_s", "0"]
    assert cli.main(args) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["valid"] is None and len(load(printed["train"])) == 4
    assert load(printed["test"])["30_000202"]["labels"] == ["non-machinery-impact"]


# ------------------------------------------------------------------ download


def test_download_unreachable_names_the_url(tmp_path):
    target = tmp_path / "SONYC-UST"
    with pytest.raises(RuntimeError) as err:
        prepare(target, tmp_path / "m", download=True)
    message = str(err.value)
    url = SONYC_UST_URL.format(name="dcase-ust-taxonomy.yaml")
    assert f"could not download SONYC-UST dcase-ust-taxonomy.yaml from {url}" in message
    assert "network unreachable" in message and "zenodo.org/record/3966543" in message
    assert "audio-0.tar.gz ... audio-18.tar.gz" in message and str(target) in message
    assert not target.exists()  # no empty folder left behind
    assert SONYC_UST_MD5["annotations.csv"] == "70b507b15bb4cfcce4870925302f276b"
    assert SONYC_UST_MD5["dcase-ust-taxonomy.yaml"] == "6c1cca1c4c383a6ebb0cb71cb74fe3a9"
    assert len(SONYC_UST_MD5) == 21 and SONYC_UST_MD5["audio-18.tar.gz"]


def test_download_checks_unpacks_and_prepares(data, tmp_path, monkeypatch):
    """The record served from file:// URLs, with two audio parts."""
    served = tmp_path / "served"
    served.mkdir()
    for name in ("annotations.csv", "dcase-ust-taxonomy.yaml"):
        shutil.copy(data / name, served / name)
    parts = ("audio-0.tar.gz", "audio-1.tar.gz")
    for part, folders in zip(parts, (["audio-0", "audio-3"], ["audio-7", "audio-18"])):
        with tarfile.open(served / part, "w:gz") as archive:
            for folder in folders:
                archive.add(str(data / folder), arcname=f"audio/{folder}")
    monkeypatch.setattr(sonyc_ust, "SONYC_UST_URL", served.as_uri() + "/{name}")
    monkeypatch.setattr(sonyc_ust, "AUDIO_PARTS", parts)
    md5 = {name: file_md5(str(served / name)) for name in os.listdir(served)}
    monkeypatch.setattr(sonyc_ust, "SONYC_UST_MD5", {**md5, "audio-1.tar.gz": "0" * 32})
    target = tmp_path / "downloaded"
    with pytest.raises(RuntimeError, match=f"expected {'0' * 32}"):
        download_sonyc_ust(str(target))
    assert (target / ".audio-0.tar.gz.done").is_file()  # part 0 is not fetched again
    assert not (target / "annotations.csv").exists()
    monkeypatch.setattr(sonyc_ust, "SONYC_UST_MD5", md5)
    paths = prepare(target, tmp_path / "m", download=True)
    assert (target / "audio" / "audio-7" / "nested" / "deeper" / "20_000101.wav").is_file()
    assert len(load(paths["train"])) == 4 and len(load(paths["test"])) == 2
    assert not [n for n in os.listdir(target) if n.endswith(".tar.gz")]
