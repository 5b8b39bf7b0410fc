"""Tests of the NSynth preparation (tiny layouts written in tmp_path).

No test touches the network: ``urllib.request.urlopen`` is replaced by a
function that raises for every test of this file, and the download test
replaces ``fetch_url`` by a copy of a local archive.
"""

import json
import logging
import os
import tarfile
import urllib.error
import urllib.request

import numpy as np
import pytest
import soundfile

from speechbrain.dataio.dataset import DynamicItemDataset
from speechbrain_interp.data import download as download_module
from speechbrain_interp.data.manifest import BadAudioFilesError
from speechbrain_interp.data.nsynth import (
    NSYNTH_FAMILIES,
    NSYNTH_SOURCES,
    NSYNTH_URL,
    download_nsynth,
    prepare_nsynth,
)
from helpers import REPO, load_script

SR = 16000
DUR = 0.1
#: (family, source, pitch, velocity) of the notes of each split
NOTES = {
    "train": [
        ("bass", "synthetic", 40, 100),
        ("bass", "acoustic", 50, 75),
        ("guitar", "acoustic", 60, 100),
        ("guitar", "electronic", 70, 127),
        ("synth_lead", "synthetic", 80, 100),
        ("vocal", "acoustic", 64, 50),
    ],
    "valid": [
        ("bass", "electronic", 45, 100),
        ("guitar", "acoustic", 62, 75),
        ("vocal", "synthetic", 66, 100),
    ],
    "test": [
        ("bass", "acoustic", 41, 100),
        ("guitar", "electronic", 61, 127),
        ("vocal", "acoustic", 67, 50),
    ],
}


pytestmark = pytest.mark.usefixtures("no_network")  # download code runs offline


def write_wav(path, seconds=DUR, sr=SR, silent=False, seed=0):
    """A mono noise (or silent) wav of ``seconds``."""
    frames = int(round(seconds * sr))
    data = np.zeros(frames, dtype="float32")
    if not silent:
        data = 0.1 * np.random.default_rng(seed).standard_normal(frames)
    soundfile.write(str(path), data.astype("float32"), sr)


def note_entry(index, family, source, pitch, velocity):
    """An ``examples.json`` entry with every published NSynth field."""
    family_id, source_id = NSYNTH_FAMILIES.index(family), NSYNTH_SOURCES.index(source)
    instrument = f"{family}_{source}_{index:03d}"
    return {
        "note": 1000 + index,
        "note_str": f"{instrument}-{pitch:03d}-{velocity:03d}",
        "instrument": 100 * family_id + index,
        "instrument_str": instrument,
        "instrument_source": source_id,
        "instrument_source_str": source,
        "instrument_family": family_id,
        "instrument_family_str": family,
        "pitch": pitch,
        "velocity": velocity,
        "sample_rate": SR,
        "qualities": [0, 1, 0, 0, 0, 0, 0, 0, 0, 0],
        "qualities_str": ["bright"],
    }


def make_nsynth(root, notes=NOTES):
    """NSynth layout under ``root``; returns ``{split: {note_str: entry}}``."""
    written = {}
    for split, rows in notes.items():
        audio = root / f"nsynth-{split}" / "audio"
        audio.mkdir(parents=True)
        examples = {}
        for index, row in enumerate(rows):
            entry = note_entry(index, *row)
            examples[entry["note_str"]] = entry
            write_wav(audio / f"{entry['note_str']}.wav", seed=len(examples))
        write_examples(root, split, examples)
        written[split] = examples
    return written


def write_examples(root, split, examples):
    """Writes ``nsynth-<split>/examples.json`` (any JSON value)."""
    path = root / f"nsynth-{split}" / "examples.json"
    path.write_text(json.dumps(examples, indent=1), "utf-8")
    return path


def prepare(data, out, **kwargs):
    kwargs.setdefault("download", False)
    kwargs.setdefault("expected_duration", DUR)
    return prepare_nsynth(str(data), str(out), **kwargs)


def load(path):
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def labels(path, field="class_string"):
    return sorted(e[field] for e in load(path).values())


@pytest.fixture
def nsynth(tmp_path):
    make_nsynth(tmp_path / "nsynth")
    return tmp_path / "nsynth"


def test_manifests_for_families(nsynth, tmp_path):
    before = sorted(str(p) for p in nsynth.rglob("*"))
    paths = prepare(nsynth, tmp_path / "m")
    assert paths == {s: str(tmp_path / "m" / f"{s}.json") for s in NOTES}
    assert [len(load(paths[s])) for s in NOTES] == [6, 3, 3]
    note = "guitar_electronic_003-070-127"
    assert load(paths["train"])[note] == {
        "wav": f"{{data_root}}/nsynth-train/audio/{note}.wav",
        "class_string": "guitar",
        "classID": 3,
        "pitch": 70,
        "velocity": 127,
        "instrument_str": "guitar_electronic_003",
        "instrument_source_str": "electronic",
        "instrument_family_str": "guitar",
        "duration": pytest.approx(DUR),
        "sample_rate": SR,
        "channels": 1,
    }  # note, instrument, qualities... are not copied
    assert all("/nsynth-test/audio/" in e["wav"] for e in load(paths["test"]).values())
    assert load(tmp_path / "m" / "classes.json") == [
        {"classID": 0, "class_string": "bass"},
        {"classID": 3, "class_string": "guitar"},
        {"classID": 9, "class_string": "synth_lead"},
        {"classID": 10, "class_string": "vocal"},
    ]
    data = DynamicItemDataset.from_json(
        paths["valid"], replacements={"data_root": str(nsynth)}
    )
    assert all(os.path.isfile(data.data[k]["wav"]) for k in data.data_ids)
    assert sorted(str(p) for p in nsynth.rglob("*")) == before  # only read


def test_source_task(nsynth, tmp_path):
    paths = prepare(nsynth, tmp_path / "m", task="source", splits=("train", "test"))
    assert paths["valid"] is None and not (tmp_path / "m" / "valid.json").exists()
    train = load(paths["train"])
    entry = train["bass_acoustic_001-050-075"]
    assert (entry["class_string"], entry["classID"]) == ("acoustic", 0)
    assert entry["instrument_family_str"] == "bass"
    assert labels(paths["test"]) == ["acoustic", "acoustic", "electronic"]
    assert load(tmp_path / "m" / "classes.json") == [
        {"classID": i, "class_string": s} for i, s in enumerate(NSYNTH_SOURCES)
    ]


@pytest.mark.parametrize(
    "filters, train, test",
    [
        (
            dict(families=["bass", "guitar", "vocal"]),
            ["bass", "bass", "guitar", "guitar", "vocal"],
            ["bass", "guitar", "vocal"],
        ),
        (dict(families="vocal"), ["vocal"], ["vocal"]),
        (dict(sources=["acoustic"]), ["bass", "guitar", "vocal"], ["bass", "vocal"]),
        (dict(pitch_range=(41, 64)), ["bass", "guitar", "vocal"], ["bass", "guitar"]),
        (dict(velocities=[100, 127]), ["bass", "guitar", "guitar", "synth_lead"],
         ["bass", "guitar"]),
        (dict(velocities=50, sources=["acoustic"]), ["vocal"], ["vocal"]),
    ],
)
def test_filters(nsynth, tmp_path, filters, train, test):
    paths = prepare(nsynth, tmp_path / "m", splits=["train", "test"], **filters)
    assert labels(paths["train"]) == train
    assert labels(paths["test"]) == test
    classes = [c["class_string"] for c in load(tmp_path / "m" / "classes.json")]
    assert classes == sorted(set(train + test), key=NSYNTH_FAMILIES.index)


@pytest.mark.parametrize(
    "filters, match",
    [
        (
            dict(families=["synth_lead"], splits=["train", "test"]),
            r"families=\['synth_lead'\] leaves no note of the test split",
        ),
        (dict(pitch_range=(100, 120)), r"pitch_range=\[100, 120\] leaves no note"),
        (dict(sources="electronic", velocities=50), r"velocities=\[50\] leaves no"),
        (
            dict(sources="electronic", velocities=50, max_per_class=2),
            r"velocities=\[50\] leaves no note of the train split \(1 notes before it, "
            r"\S+nsynth-train/examples.json; selection: sources=\['electronic'\], "
            r"velocities=\[50\], max_per_class=2\)",
        ),
    ],
)
def test_filter_leaving_a_split_empty(nsynth, tmp_path, filters, match):
    with pytest.raises(ValueError, match=match) as err:
        prepare(nsynth, tmp_path / "m", **filters)
    assert "examples.json" in str(err.value)
    assert not (tmp_path / "m").exists()


@pytest.mark.parametrize(
    "arguments, match",
    [
        (dict(families=["bass", "piano"]), "families: unknown piano; valid: bass, brass"),
        (dict(sources="analog"), "unknown analog; valid: acoustic, electronic, synthetic"),
        (dict(families=[]), "families: none given"),
        (dict(splits=["train", "dev"]), "splits: unknown dev; valid: train, valid, test"),
        (dict(task="pitch"), "task must be one of family, source"),
        (dict(pitch_range=(60,)), "pitch_range must be two MIDI pitches"),
        (dict(pitch_range=(70, 60)), "lo <= hi"),
        (dict(velocities=["loud"]), "velocities must be integers"),
        (dict(max_per_class=0), "max_per_class must be an integer > 0"),
    ],
)
def test_bad_arguments(nsynth, tmp_path, arguments, match):
    with pytest.raises(ValueError, match=match):
        prepare(nsynth, tmp_path / "m", **arguments)


def test_max_per_class_is_seeded(tmp_path):
    rows = [("bass", "acoustic", 30 + i, 100) for i in range(12)]
    rows += [("guitar", "acoustic", 30 + i, 100) for i in range(3)]
    make_nsynth(tmp_path / "nsynth", {"train": rows, "valid": rows})

    def draw(out, **kwargs):
        paths = prepare(tmp_path / "nsynth", tmp_path / out, splits=["train", "valid"],
                        max_per_class=4, **kwargs)
        return {s: sorted(load(paths[s])) for s in ("train", "valid")}

    first = draw("a")
    assert labels(tmp_path / "a" / "train.json") == ["bass"] * 4 + ["guitar"] * 3
    assert draw("b") == first  # same seed: same notes
    assert first["train"] != first["valid"]  # each split draws on its own
    others = [draw(f"s{seed}", seed=seed)["train"] for seed in (1, 2, 3)]
    assert any(o != first["train"] for o in others)
    # a class smaller than max_per_class is kept whole
    assert all(sum(k.startswith("guitar") for k in o) == 3 for o in others)


def test_rerun_is_noop_and_changes_regenerate(nsynth, tmp_path, caplog):
    out = tmp_path / "m"
    paths = prepare(nsynth, out)
    names = list(paths.values()) + [str(out / "classes.json")]
    stamps = {p: os.stat(p).st_mtime_ns for p in names}
    with caplog.at_level(logging.INFO):
        assert prepare(nsynth, out) == paths
    assert "NSynth manifests up to date" in caplog.text
    assert {p: os.stat(p).st_mtime_ns for p in names} == stamps

    # a rewritten wav (other length) regenerates
    note = "vocal_acoustic_002-067-050"
    write_wav(nsynth / "nsynth-test" / "audio" / f"{note}.wav", seconds=0.2)
    prepare(nsynth, out, expected_duration=None)
    assert load(paths["test"])[note]["duration"] == pytest.approx(0.2)

    # a changed examples.json regenerates
    examples = load(nsynth / "nsynth-test" / "examples.json")
    examples[note]["velocity"] = 51
    write_examples(nsynth, "test", examples)
    prepare(nsynth, out, expected_duration=None)
    assert load(paths["test"])[note]["velocity"] == 51

    # changed options regenerate; a split not prepared loses its manifest
    prepare(nsynth, out, expected_duration=None, splits=["train", "test"])
    assert not os.path.exists(paths["valid"])
    prepare(nsynth, out, expected_duration=None, splits=["train", "test"],
            families=["bass", "vocal"])
    assert [c["classID"] for c in load(out / "classes.json")] == [0, 10]
    # a deleted manifest is rebuilt
    os.remove(paths["test"])
    prepare(nsynth, out, expected_duration=None, splits=["train", "test"],
            families=["bass", "vocal"])
    assert os.path.isfile(paths["test"])


def test_missing_layout_without_download(nsynth, tmp_path):
    missing = tmp_path / "nothing-here"
    with pytest.raises(FileNotFoundError, match="data folder .*nothing-here") as err:
        prepare(missing, tmp_path / "m")
    assert "nsynth-<split>/examples.json" in str(err.value)
    # each missing piece of a split is named
    (nsynth / "nsynth-valid" / "examples.json").unlink()
    with pytest.raises(FileNotFoundError, match="nsynth-valid/examples.json not found"):
        prepare(nsynth, tmp_path / "m")
    os.rename(nsynth / "nsynth-test" / "audio", nsynth / "audio-moved")
    with pytest.raises(FileNotFoundError, match=r"nsynth-test/audio not found.*test split"):
        prepare(nsynth, tmp_path / "m", splits=["test"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="nsynth-train not found"):
        prepare(tmp_path / "empty", tmp_path / "m", splits=["train"])
    assert not (tmp_path / "m").exists()


BASS = "bass_acoustic_000-041-100"  # a note of the test split


def edit_bass(examples, drop=(), **changes):
    """``examples`` with fields of BASS dropped or changed."""
    entry = {f: v for f, v in examples[BASS].items() if f not in drop}
    return {**examples, BASS: {**entry, **changes}}


@pytest.mark.parametrize(
    "edit, match",
    [
        (lambda ex: "{not json", "not valid JSON"),
        (lambda ex: list(ex.values()), "mapping note_str to annotations.*a JSON list"),
        (lambda ex: {}, "lists no note"),
        (
            lambda ex: edit_bass(ex, drop=("pitch", "instrument_str")),
            rf"1 entries missing required field\(s\): {BASS} \(instrument_str, pitch\)",
        ),
        (
            lambda ex: edit_bass(ex, note_str="bass_acoustic_000-041-101"),
            rf"differ from their note_str field: {BASS} \(note_str 'bass_\S*-101'\)",
        ),
        (
            lambda ex: edit_bass(ex, pitch="41", velocity=True),
            rf"wrong type.*{BASS} \(pitch, velocity\)",
        ),
        (
            lambda ex: edit_bass(ex, instrument_family=4),
            rf"disagree with NSynth's: {BASS} \(instrument_family=4, "
            r"instrument_family_str='bass'\)",
        ),
        (
            lambda ex: edit_bass(ex, instrument_source_str="analog"),
            r"disagree.*instrument_source_str='analog'",
        ),
        (lambda ex: {**ex, "x-001-002": 3}, r"wrong type.*x-001-002 \(not an object\)"),
    ],
)
def test_bad_examples_json(nsynth, tmp_path, edit, match):
    path = nsynth / "nsynth-test" / "examples.json"
    edited = edit(load(path))
    if isinstance(edited, str):
        path.write_text(edited, "utf-8")
    else:
        write_examples(nsynth, "test", edited)
    with pytest.raises(ValueError, match=match) as err:
        prepare(nsynth, tmp_path / "m")
    assert str(path) in str(err.value)


def test_missing_corrupt_empty_wavs(nsynth, tmp_path, caplog):
    audio = nsynth / "nsynth-train" / "audio"
    (audio / "bass_synthetic_000-040-100.wav").unlink()
    (audio / "guitar_acoustic_002-060-100.wav").write_bytes(b"not a wav file" * 20)
    soundfile.write(str(audio / "vocal_acoustic_005-064-050.wav"), np.zeros(0), SR)
    with pytest.raises(BadAudioFilesError) as err:
        prepare(nsynth, tmp_path / "m")
    message = str(err.value)
    assert "1 missing: " in message and "bass_synthetic_000-040-100.wav" in message
    assert "unreadable: guitar_acoustic_002-060-100" in message
    assert "empty (0 samples): " in message and "vocal_acoustic_005-064-050.wav" in message
    assert not (tmp_path / "m" / "valid.json").exists()  # nothing written
    with caplog.at_level(logging.WARNING):
        paths = prepare(nsynth, tmp_path / "m", skip_missing=True)
    assert "bass_synthetic_000-040-100" in caplog.text
    assert sorted(load(paths["train"])) == [
        "bass_acoustic_001-050-075",
        "guitar_electronic_003-070-127",
        "synth_lead_synthetic_004-080-100",
    ]


def test_every_file_of_a_split_unusable(nsynth, tmp_path):
    for wav in (nsynth / "nsynth-valid" / "audio").iterdir():
        wav.unlink()
    with pytest.raises(ValueError, match="the valid split has no usable note left"):
        prepare(nsynth, tmp_path / "m", skip_missing=True)
    match = r"no usable note left .*\(selection: families=\['bass'\]\)"
    with pytest.raises(ValueError, match=match):
        prepare(nsynth, tmp_path / "m", skip_missing=True, families=["bass"])


def test_silent_and_off_duration_kept(nsynth, tmp_path, caplog):
    audio = nsynth / "nsynth-test" / "audio"
    write_wav(audio / "bass_acoustic_000-041-100.wav", silent=True)
    write_wav(audio / "guitar_electronic_001-061-127.wav", seconds=0.05)
    with caplog.at_level(logging.WARNING):
        paths = prepare(nsynth, tmp_path / "m", splits=["test"])
    test = load(paths["test"])
    assert len(test) == 3
    assert test["guitar_electronic_001-061-127"]["duration"] == pytest.approx(0.05)
    messages = [r.getMessage() for r in caplog.records]
    assert any("silent" in m and "bass_acoustic_000-041-100" in m for m in messages)
    assert any("duration" in m and "guitar_electronic_001-061-127" in m for m in messages)


def test_download_unreachable(tmp_path):
    target = tmp_path / "nsynth"
    with pytest.raises(RuntimeError) as err:
        prepare(target, tmp_path / "m", splits=["valid"], download=True)
    message = str(err.value)
    url = NSYNTH_URL.format(split="valid")
    assert f"could not download NSynth valid from {url}" in message
    assert "network unreachable" in message
    assert str(target / "nsynth-valid" / "examples.json") in message  # by hand
    assert not target.exists()  # no empty folder left behind


def test_download_fetch_error_is_wrapped(tmp_path, monkeypatch):
    def broken(url, destination, **kwargs):
        raise urllib.error.HTTPError(url, 503, "Service Unavailable", None, None)

    monkeypatch.setattr(download_module, "fetch_url", broken)
    match = "nsynth-test.jsonwav.tar.gz .*Service Unavailable"
    with pytest.raises(RuntimeError, match=match):
        download_nsynth(str(tmp_path / "nsynth"), "test")


def test_download_unpacks_the_split(nsynth, tmp_path, monkeypatch):
    archive = tmp_path / "nsynth-test.jsonwav.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(nsynth / "nsynth-test", arcname="nsynth-test")
    fetched = []

    def local_fetch(url, destination, **kwargs):
        fetched.append(url)
        with open(archive, "rb") as src, open(destination, "wb") as dst:
            dst.write(src.read())

    monkeypatch.setattr(download_module, "fetch_url", local_fetch)
    target = tmp_path / "downloaded"
    paths = prepare(target, tmp_path / "m", splits=["test"], download=True)
    assert fetched == [NSYNTH_URL.format(split="test")]
    assert sorted(os.listdir(target)) == ["nsynth-test"]  # archive removed
    assert sorted(os.listdir(target / "nsynth-test")) == ["audio", "examples.json"]
    assert len(load(paths["test"])) == 3
    prepare(target, tmp_path / "m2", splits=["test"], download=True)
    assert len(fetched) == 1  # present now: no second download
    # only the absent split is downloaded; a wrong archive is named
    with pytest.raises(RuntimeError, match="no top-level folder 'nsynth-valid'"):
        prepare(target, tmp_path / "m3", splits=["test", "valid"], download=True)
    assert fetched[1:] == [NSYNTH_URL.format(split="valid")]
    assert sorted(os.listdir(target)) == ["nsynth-test"]  # no empty nsynth-valid


def test_from_hparams(nsynth, tmp_path):
    """The recipe YAML's ``prepare_data`` (the function and its arguments) prepares NSynth."""
    from hyperpyyaml import load_hyperpyyaml

    from speechbrain_interp.programs.run_setup import prepare_data

    yaml_path = REPO / "recipes" / "NSynth" / "classification" / "hparams" / "fourier_cnn_small.yaml"
    overrides = {
        "data_folder": str(nsynth),
        "output_folder": str(tmp_path / "save"),
        "manifest_folder": str(tmp_path / "save"),
        "nsynth_families": ["bass", "guitar"],
        "nsynth_sources": None,
        "pitch_range": [40, 70],
        "max_per_class": 1,
        "signal_length_s": DUR,
    }
    with open(yaml_path) as f:
        hparams = load_hyperpyyaml(f, overrides)
    paths = prepare_data(hparams)
    assert paths["train"] == str(tmp_path / "save" / "train.json")
    assert labels(paths["train"]) == ["bass", "guitar"]
    with open(yaml_path) as f:
        hparams = load_hyperpyyaml(f, dict(overrides, manifest_folder=str(tmp_path / "manifests")))
    paths = prepare_data(hparams)
    assert paths["test"] == str(tmp_path / "manifests" / "test.json")


def test_cli(nsynth, tmp_path, capsys):
    cli = load_script(REPO / "recipes" / "NSynth" / "nsynth_prepare.py")
    args = ["--data_folder", str(nsynth), "--manifest_folder", str(tmp_path / "m"),
            "--splits", "train", "test", "--task", "source", "--families", "bass",
            "guitar", "--pitch_range", "40", "70", "--no_download",
            "--expected_duration", "0"]
    assert cli.main(args) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["valid"] is None
    assert labels(printed["train"]) == ["acoustic", "acoustic", "electronic", "synthetic"]
    with pytest.raises(SystemExit):
        cli.parse_args(["--data_folder", "x", "--manifest_folder", "y",
                        "--families", "piano"])


def test_prepares_the_synthetic_generator_output(tmp_path):
    notes = pytest.importorskip("speechbrain_interp.synthetic.notes")
    root = tmp_path / "synthetic"
    truth = notes.make_nsynth_like(
        str(root), families=("bass", "organ"), notes_per_family=(2, 1, 1), duration_s=0.25
    )
    paths = prepare(root, tmp_path / "m", expected_duration=0.25)
    entries = {k: e for s in ("train", "valid", "test") for k, e in load(paths[s]).items()}
    assert sorted(entries) == sorted(truth)
    assert all(e["class_string"] == truth[k]["family"] for k, e in entries.items())
    assert load(tmp_path / "m" / "classes.json") == [
        {"classID": 0, "class_string": "bass"},
        {"classID": 6, "class_string": "organ"},
    ]
