"""Every preparation the prepare tests run, and the digests of the files it writes.

A case builds a fixture the way the prepare tests do (their own layout
builders: ``make_esc50``, ``make_us8k``, ``make_nsynth``, ``make_sonyc``;
the synthetic generators; the real subsets of the shared data folder;
scipy's WAV fixtures), runs ``prepare_esc50``, ``prepare_urbansound8k``,
``prepare_nsynth`` or ``prepare_sonyc_ust`` on it with the arguments the
tests use, and returns the SHA-256 of every file of the manifest folder
(``train/valid/test.json``, ``classes.json``, the state file) and of the
fixture's input files.

``tests/fixtures/prepare_manifests.json`` holds these digests as recorded from
the preparation code before the four preparations shared one skeleton
(:mod:`speechbrain_interp.data.prepare`); ``tests/data/test_prepare_manifests.py``
runs every case again and compares. To record them again (only after a
deliberate change of the manifests or of a fixture)::

    .venv/bin/python tests/data/prepare_cases.py --record

Two things of a run are not content and are normalised before hashing: the
temporary folder (absolute paths hold it; it is written ``<root>``) and the
mtimes of the audio files listed in the state file (set to 0).
"""

import argparse
import hashlib
import json
import os
import pathlib
import random
import shutil
import sys
import tempfile

import pytest

HERE = pathlib.Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))  # the test modules and conftest, when run as a script

import test_esc50_prepare as esc_tests  # noqa: E402
import test_nsynth_data as nsynth_tests  # noqa: E402
import test_sonyc_ust_prepare as sonyc_tests  # noqa: E402
import test_urbansound8k_prepare as us8k_tests  # noqa: E402
from helpers import SHARED_DATA, shared_dataset  # noqa: E402
from speechbrain_interp.data.esc50 import prepare_esc50  # noqa: E402
from speechbrain_interp.data.nsynth import prepare_nsynth  # noqa: E402
from speechbrain_interp.data.sonyc_ust import prepare_sonyc_ust  # noqa: E402
from speechbrain_interp.data.urbansound8k import prepare_urbansound8k  # noqa: E402

#: where the digests recorded from the pre-skeleton code live
DIGESTS = HERE.parent / "fixtures" / "prepare_manifests.json"

#: name -> (function(root) -> [(manifest folder, data folder)], inputs may change)
CASES = {}


def case(name, volatile=False):
    """Registers a case; ``volatile``: its inputs are not ours (shared data, scipy)."""

    def register(function):
        CASES[name] = (function, volatile)
        return function

    return register


# ----------------------------------------------------------------- digests


def _sha256(data):
    return hashlib.sha256(data).hexdigest()


def _zero_mtimes(value):
    """The state with the mtime of every listed audio file set to 0."""
    if isinstance(value, dict):
        return {
            key: [[p, size, 0] for p, size, _ in item] if key == "audio" else _zero_mtimes(item)
            for key, item in value.items()
        }
    return value


def folder_digests(folder, root):
    """``{file name: sha256}`` of a manifest folder, ``root`` written ``<root>``
    (and the shared data folder ``<shared>``)."""
    digests = {}
    for path in sorted(pathlib.Path(folder).iterdir()):
        data = path.read_bytes()
        if path.name.endswith("_prepare_state.json"):
            state = _zero_mtimes(json.loads(data))
            data = json.dumps(state, indent=2).encode("utf-8")
        data = data.replace(str(root).encode("utf-8"), b"<root>")
        data = data.replace(str(SHARED_DATA.resolve()).encode("utf-8"), b"<shared>")
        digests[path.name] = _sha256(data)
    return digests


def input_digest(folder, leave_out=()):
    """One SHA-256 over the relative names and bytes of every file under ``folder``
    but those under the folders ``leave_out``."""
    digest = hashlib.sha256()
    folder = pathlib.Path(folder)
    files = [p for p in folder.rglob("*") if p.is_file()]
    files = [p for p in files if not any(out in p.parents for out in leave_out)]
    for path in sorted(files):
        digest.update(path.relative_to(folder).as_posix().encode("utf-8") + b"\0")
        digest.update(_sha256(path.read_bytes()).encode("ascii"))
    return digest.hexdigest()


def run_case(name, root):
    """Runs case ``name`` under the empty folder ``root``; returns its digests.

    ``{"inputs": {folder: sha256}, "outputs": {manifest folder: {file:
    sha256}}}`` (folders relative to ``root``; the inputs are everything
    under ``root`` but the manifest folders, and a shared data folder).
    """
    root = pathlib.Path(root)
    function, _ = CASES[name]
    runs = function(root)
    outs = [pathlib.Path(out) for out, _ in runs]
    result = {"inputs": {".": input_digest(root, outs)}, "outputs": {}}
    for out, data in runs:
        result["outputs"][_relative(out, root)] = folder_digests(out, root)
        if root not in pathlib.Path(data).parents:
            result["inputs"][_relative(data, root)] = input_digest(data)
    return result


def _relative(path, root):
    path = pathlib.Path(path)
    return path.relative_to(root).as_posix() if root in path.parents else "<shared>/" + path.name


# ------------------------------------------------------------------ ESC-50


def _esc(root, **kwargs):
    data = root / "ESC-50"
    esc_tests.make_esc50(data, **kwargs)
    return data


def _run_esc(root, data, **kwargs):
    kwargs = {"download": False, "expected_duration": esc_tests.DUR, **kwargs}
    prepare_esc50(str(data), str(root / "m"), **kwargs)
    return [(root / "m", data)]


@case("esc50/default_folds")
def _(root):
    return _run_esc(root, _esc(root))


@case("esc50/other_folds_empty_valid")
def _(root):
    return _run_esc(root, _esc(root), train_folds=[2, 4], valid_folds=(), test_folds=(1,))


@case("esc50/esc10_only_mixed_flags")
def _(root):
    data = _esc(root)
    csv = data / "meta" / "esc50.csv"
    text = csv.read_text().replace("1,rooster,True", "1,rooster,true", 2)
    csv.write_text(text.replace("5,0,dog,True", "5,0,dog,1"))
    return _run_esc(root, data, esc10_only=True)


@case("esc50/extra_column")
def _(root):
    return _run_esc(root, _esc(root, extra=",orig_fold"))


@case("esc50/missing_files_skipped")
def _(root):
    data = _esc(root)
    (data / "audio" / "1-100-A-0.wav").unlink()
    (data / "audio" / "4-102-A-2.wav").unlink()
    return _run_esc(root, data, skip_missing=True)


@case("esc50/corrupt_and_empty_skipped")
def _(root):
    data = _esc(root)
    (data / "audio" / "2-101-A-1.wav").write_bytes(b"this is not a wav file at all" * 10)
    esc_tests.write_wav(data / "audio" / "5-100-A-0.wav", seconds=0)
    return _run_esc(root, data, skip_missing=True)


@case("esc50/silent_short_odd_format")
def _(root):
    data = _esc(root)
    esc_tests.write_wav(data / "audio" / "1-100-A-0.wav", silent=True)
    esc_tests.write_wav(data / "audio" / "2-100-A-0.wav", seconds=0.1)
    esc_tests.write_wav(data / "audio" / "3-100-A-0.wav", sr=16000, channels=2)
    return _run_esc(root, data, expected_duration=None)


@case("esc50/renamed_category")
def _(root):
    data = _esc(root)
    csv = data / "meta" / "esc50.csv"
    csv.write_text(csv.read_text().replace(",dog,", ",hound,"))
    return _run_esc(root, data, valid_folds=(), expected_duration=None)


@case("esc50/audio_folder_outside")
def _(root):
    data = _esc(root)
    os.rename(data / "audio", root / "elsewhere")
    return _run_esc(root, data, audio_folder=str(root / "elsewhere"))


@case("esc50/synthetic_generator")
def _(root):
    from speechbrain_interp.synthetic import make_esc50_like

    data = root / "esc-like"
    make_esc50_like(data, n_classes=3, clips_per_class=5, clip_seconds=0.5, seed=11)
    return _run_esc(root, data, expected_duration=0.5)


@case("esc50/real_esc10", volatile=True)
def _(root):
    data = shared_dataset("ESC-50-esc10")
    prepare_esc50(str(data), str(root / "m"), (1, 2, 3), (4,), (5,), download=False)
    return [(root / "m", data)]


# ------------------------------------------------------------ UrbanSound8K


def _us8k(root, **kwargs):
    data = root / "UrbanSound8K"
    us8k_tests.make_us8k(data, **kwargs)
    return data


def _run_us8k(root, data, **kwargs):
    prepare_urbansound8k(str(data), str(root / "m"), **kwargs)
    return [(root / "m", data)]


@case("us8k/default_folds")
def _(root):
    return _run_us8k(root, _us8k(root))


@case("us8k/required_columns_only_reordered")
def _(root):
    data = root / "UrbanSound8K"
    csv = us8k_tests.make_us8k(data, folds=(1, 2))
    rows = [line.split(",") for line in csv.read_text().splitlines()]
    csv.write_text("\n".join(",".join([r[7], r[0], r[6], r[5], "x"]) for r in rows))
    return _run_us8k(root, data, train_folds=(1,), valid_folds=(2,), test_folds=())


@case("us8k/class_name_column")
def _(root):
    data = _us8k(root)
    csv = data / "metadata" / "UrbanSound8K.csv"
    csv.write_text(csv.read_text().replace(",class\n", ",class_name\n", 1))
    return _run_us8k(root, data)


@case("us8k/file_name_class_id_disagrees")
def _(root):
    data = _us8k(root)
    csv = data / "metadata" / "UrbanSound8K.csv"
    old = "703-3-0-0.wav,703,1.5,1.6,2,7,3,dog_bark"
    fold7 = data / "audio" / "fold7"
    os.rename(fold7 / "703-3-0-0.wav", fold7 / "703-5-0-0.wav")
    csv.write_text(csv.read_text().replace(old, old.replace("703-3-0-0", "703-5-0-0")))
    return _run_us8k(root, data)


@case("us8k/audio_folder_outside")
def _(root):
    data = _us8k(root)
    os.rename(data / "audio", root / "elsewhere")
    return _run_us8k(root, data, audio_folder=str(root / "elsewhere"))


@case("us8k/changed_csv_and_lengths_nine_train_folds")
def _(root):
    data = _us8k(root)
    csv = data / "metadata" / "UrbanSound8K.csv"
    csv.write_text(csv.read_text().replace("1003,1.5,1.6,1,", "1003,1.5,1.6,2,"))
    us8k_tests.write_wav(data / "audio" / "fold10" / "1003-3-0-0.wav", seconds=0.3)
    us8k_tests.write_wav(data / "audio" / "fold2" / "203-3-0-0.wav", seconds=0.05)
    return _run_us8k(root, data, train_folds=tuple(range(1, 10)), valid_folds=(),
                     signal_length_s=0.1)


@case("us8k/missing_fold_skipped")
def _(root):
    data = _us8k(root)
    (data / "audio" / "fold9" / "903-3-0-0.wav").unlink()
    return _run_us8k(root, data, skip_missing=True, signal_length_s=None)


@case("us8k/synthetic_format_mix")
def _(root):
    from speechbrain_interp.synthetic import make_urbansound8k_like

    data = root / "us8k-like"
    make_urbansound8k_like(data, clips_per_class=2, clip_seconds=0.5, n_folds=2,
                           short_seconds=(0.1, 0.4), seed=5)
    return _run_us8k(root, data, train_folds=(1,), valid_folds=(), test_folds=(2,))


@case("us8k/real_sample", volatile=True)
def _(root):
    data = shared_dataset("UrbanSound8K-sample")
    return _run_us8k(root, data, train_folds=(1, 3, 7), valid_folds=(5,), test_folds=(10,))


@case("us8k/real_sample_missing_skipped", volatile=True)
def _(root):
    data = root / "UrbanSound8K"
    shutil.copytree(shared_dataset("UrbanSound8K-sample"), data)
    (data / "audio" / "fold10" / "102857-5-0-0.wav").unlink()
    return _run_us8k(root, data, train_folds=(1, 3, 7), valid_folds=(5,), test_folds=(10,),
                     skip_missing=True)


@case("us8k/scipy_wav_fixtures", volatile=True)
def _(root):
    import scipy

    fixtures = sorted((pathlib.Path(scipy.__file__).parent / "io" / "tests" / "data").glob("*.wav"))
    if len(fixtures) < 20:
        pytest.skip("scipy's WAV test files are not installed")
    data = root / "UrbanSound8K"
    (data / "metadata").mkdir(parents=True)
    (data / "audio" / "fold1").mkdir(parents=True)
    rows = [us8k_tests.HEADER]
    for k, fixture in enumerate(fixtures):
        name = f"{900 + k}-3-0-0.wav"
        shutil.copy(fixture, data / "audio" / "fold1" / name)
        rows.append(f"{name},{900 + k},0.0,0.1,1,1,3,dog_bark")
    (data / "metadata" / "UrbanSound8K.csv").write_text("\n".join(rows) + "\n")
    return _run_us8k(root, data, train_folds=(1,), valid_folds=(), test_folds=(),
                     skip_missing=True)


# ------------------------------------------------------------------ NSynth


def _nsynth(root, notes=None):
    data = root / "nsynth"
    nsynth_tests.make_nsynth(data, **({} if notes is None else {"notes": notes}))
    return data


def _run_nsynth(root, data, out="m", **kwargs):
    kwargs = {"download": False, "expected_duration": nsynth_tests.DUR, **kwargs}
    prepare_nsynth(str(data), str(root / out), **kwargs)
    return [(root / out, data)]


@case("nsynth/families")
def _(root):
    return _run_nsynth(root, _nsynth(root))


@case("nsynth/source_task_two_splits")
def _(root):
    return _run_nsynth(root, _nsynth(root), task="source", splits=("train", "test"))


@case("nsynth/filters")
def _(root):
    data, runs = _nsynth(root), []
    for k, filters in enumerate([
        dict(families=["bass", "guitar", "vocal"]),
        dict(families="vocal"),
        dict(sources=["acoustic"]),
        dict(pitch_range=(41, 64)),
        dict(velocities=[100, 127]),
        dict(velocities=50, sources=["acoustic"]),
    ]):
        runs += _run_nsynth(root, data, f"m{k}", splits=["train", "test"], **filters)
    return runs


@case("nsynth/max_per_class_seeds")
def _(root):
    rows = [("bass", "acoustic", 30 + i, 100) for i in range(12)]
    rows += [("guitar", "acoustic", 30 + i, 100) for i in range(3)]
    data, runs = _nsynth(root, {"train": rows, "valid": rows}), []
    for seed in (0, 1, 2):
        runs += _run_nsynth(root, data, f"s{seed}", splits=["train", "valid"], max_per_class=4,
                            seed=seed)
    return runs


@case("nsynth/missing_corrupt_empty_skipped")
def _(root):
    data = _nsynth(root)
    audio = data / "nsynth-train" / "audio"
    (audio / "bass_synthetic_000-040-100.wav").unlink()
    (audio / "guitar_acoustic_002-060-100.wav").write_bytes(b"not a wav file" * 20)
    nsynth_tests.write_wav(audio / "vocal_acoustic_005-064-050.wav", seconds=0)
    return _run_nsynth(root, data, skip_missing=True)


@case("nsynth/silent_and_off_duration")
def _(root):
    data = _nsynth(root)
    audio = data / "nsynth-test" / "audio"
    nsynth_tests.write_wav(audio / "bass_acoustic_000-041-100.wav", silent=True)
    nsynth_tests.write_wav(audio / "guitar_electronic_001-061-127.wav", seconds=0.05)
    return _run_nsynth(root, data, splits=["test"])


@case("nsynth/edited_examples_families")
def _(root):
    data = _nsynth(root)
    examples = json.loads((data / "nsynth-test" / "examples.json").read_text())
    examples["vocal_acoustic_002-067-050"]["velocity"] = 51
    nsynth_tests.write_examples(data, "test", examples)
    return _run_nsynth(root, data, splits=["train", "test"], families=["bass", "vocal"],
                       expected_duration=None)


@case("nsynth/synthetic_generator")
def _(root):
    from speechbrain_interp.synthetic.notes import make_nsynth_like

    data = root / "synthetic"
    make_nsynth_like(str(data), families=("bass", "organ"), notes_per_family=(2, 1, 1),
                     duration_s=0.25)
    return _run_nsynth(root, data, expected_duration=0.25)


# --------------------------------------------------------------- SONYC-UST


def _sonyc(root, name="SONYC-UST", **kwargs):
    return sonyc_tests.make_sonyc(root / name, **kwargs)


def _run_sonyc(root, data, out="m", **kwargs):
    prepare_sonyc_ust(str(data), str(root / out), **kwargs)
    return [(root / out, data)]


@case("sonyc/levels_and_aggregations")
def _(root):
    data, runs = _sonyc(root), []
    for level in ("coarse", "fine"):
        for aggregation in ("dcase", "l2i"):
            runs += _run_sonyc(root, data, f"{level}-{aggregation}", level=level,
                               aggregation=aggregation)
    return runs


@case("sonyc/shuffled_columns")
def _(root):
    header = list(sonyc_tests.HEADER)
    random.Random(3).shuffle(header)
    data = _sonyc(root, "shuffled", header=header)
    return _run_sonyc(root, data, "coarse") + _run_sonyc(root, data, "fine", level="fine")


@case("sonyc/unused_columns_absent")
def _(root):
    header = [c for c in sonyc_tests.HEADER if not c.endswith("proximity") and c[1] != "-"]
    return _run_sonyc(root, _sonyc(root, header=header))


@case("sonyc/missing_and_empty_skipped")
def _(root):
    data = _sonyc(root)
    os.remove(data / "audio-0" / "audio" / "00_000002.wav")
    (data / "audio-18" / "30_000201.wav").write_bytes(b"")
    return _run_sonyc(root, data, skip_missing=True)


@case("sonyc/two_splits_without_verified_validate")
def _(root):
    clips = {k: v for k, v in sonyc_tests.CLIPS.items() if k not in ("20_000101", "20_000103")}
    data = _sonyc(root, clips=clips)
    return _run_sonyc(root, data, splits=["train", "test"], level="fine", aggregation="l2i")


@case("sonyc/sources_outside_and_inside")
def _(root):
    data = _sonyc(root)
    sources = root / "sources"
    for name in ("1-1", "7-1", "7-X", "background"):
        sonyc_tests.write_wav(sources / "00_000001" / f"{name}.wav")
    sonyc_tests.write_wav(sources / "30_000201" / "4-2.wav")
    runs = _run_sonyc(root, data, "c", sources_folder=str(sources))
    runs += _run_sonyc(root, data, "f", level="fine", sources_folder=str(sources))
    shutil.copytree(sources, data / "sources")
    sonyc_tests.write_wav(data / "sources" / "00_000001" / "00_000003.wav")
    return runs + _run_sonyc(root, data, "i", sources_folder=str(data / "sources"))


@case("sonyc/synthetic_generator")
def _(root):
    from speechbrain_interp.synthetic import make_sonyc_ust_like

    data = root / "sonyc-like"
    make_sonyc_ust_like(str(data), n_train=6, n_validate=3, n_test=3, clip_seconds=0.5,
                        sample_rate=8000, n_sensors=(3, 2, 2), n_volunteers=6,
                        verified_train_fraction=0.5, team_train_fraction=0.5, seed=2)
    return _run_sonyc(root, data, "coarse") + _run_sonyc(root, data, "fine", level="fine",
                                                         aggregation="l2i")


# --------------------------------------------------------------- recording


def record(path=DIGESTS, names=None):
    """Runs the cases (all by default) and writes their digests to ``path``."""
    recorded = {}
    if os.path.isfile(path):
        with open(path, encoding="utf-8") as handle:
            recorded = json.load(handle)
    for name in names or CASES:
        with tempfile.TemporaryDirectory() as tmp:
            try:
                recorded[name] = run_case(name, pathlib.Path(tmp).resolve())
            except pytest.skip.Exception as skipped:
                print(f"{name}: skipped ({skipped})")
                continue
        print(f"{name}: {sum(len(f) for f in recorded[name]['outputs'].values())} files")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(dict(sorted(recorded.items())), handle, indent=1)
        handle.write("\n")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--record", action="store_true", help=f"write {DIGESTS}")
    parser.add_argument("cases", nargs="*", help="case names (default: all)")
    args = parser.parse_args(argv)
    if args.record:
        record(names=args.cases)
    else:
        for name in args.cases or CASES:
            print(name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
