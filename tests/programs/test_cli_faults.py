"""Issue 25: what a user is told survives faults.

Each test first sets up the fault the issue reports (a hop of 0, a GPU that
is not there, a full disk, a list repeating one clip, SIGTERM, Ctrl-C in a
long file, ...) and then checks what the user gets now: a clear refusal
before any work, or outputs that are whole and a summary that says what
finished.
"""

import errno
import json
import logging
import os
import signal

import numpy as np
import pytest
import soundfile
import torch

from speechbrain_interp.audio import AudioError
from speechbrain_interp.data.manifest import ManifestFolder, warn_untrained_classes
from speechbrain_interp.inference import AudioInterpreter, SoundClassifier
from speechbrain_interp.inference.windows import align_to_frames
from speechbrain_interp.programs import cli, cli_outputs, overrides, run_setup
from speechbrain_interp.programs.cli import main
from speechbrain_interp.programs.evaluation import check_max_clips
from speechbrain_interp.devices import DeviceError, check_device
from speechbrain_interp.programs.overrides import OverrideTypeError
from speechbrain_interp.programs.run_setup import load_experiment

from helpers import REPO, load_script, write_tiny_folders

RATE = 16000
CLASSIFICATION_YAML = REPO / "recipes" / "ESC50" / "classification" / "hparams" / "cnn14_small.yaml"
EVAL_YAML = REPO / "recipes" / "ESC50" / "interpret" / "hparams" / "eval_small.yaml"


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """A tiny 3-class classifier of 1-s clips (windows 0.5 s apart) and an L-MAC of it."""
    root = tmp_path_factory.mktemp("faults")
    write_tiny_folders(root, ["dog", "rain", "sea_waves"], window_s=1.0, hop_s=0.5, top_k=2)
    return root


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    """Three 1-s noise clips and a 10-s recording (20 windows)."""
    root = tmp_path_factory.mktemp("clips")
    rng = np.random.default_rng(0)
    paths = []
    for name in ("a", "b", "c"):
        path = root / f"{name}.wav"
        soundfile.write(str(path), (0.1 * rng.standard_normal(RATE)).astype("float32"), RATE)
        paths.append(path)
    long = root / "long.wav"
    soundfile.write(str(long), (0.1 * rng.standard_normal(10 * RATE)).astype("float32"), RATE)
    return {"short": paths, "long": long}


def _summary(out):
    with open(out / "summary.json", encoding="utf-8") as f:
        return json.load(f)


def _no_model(monkeypatch):
    """Loading a model fails the test: the checks must come before any work."""
    def refuse(args):
        raise AssertionError("a model was loaded")

    monkeypatch.setattr(cli, "_load_model", refuse)


# ----- 1. --hop_s 0 or negative -------------------------------------------------------------

def test_zero_or_negative_hop_is_refused_everywhere_it_enters(folders, clips, tmp_path, capsys):
    # the fault: a hop of 0 seconds became one STFT hop (windows 11.6 ms apart)
    with pytest.raises(ValueError, match="positive"):
        align_to_frames(0, 186)
    out = tmp_path / "out"
    for hop in ("0", "-1", "nan"):
        assert main(["classify", "--source", str(folders / "clf"), str(clips["short"][0]),
                     "--out", str(out), f"--hop_s={hop}"]) == 2
        assert "--hop_s must be a positive number of seconds" in capsys.readouterr().err
    assert not out.exists()  # refused before any work, creating nothing
    for hop in (0, -0.5, "abc"):
        with pytest.raises(ValueError, match="hop_s"):
            SoundClassifier.from_hparams(str(folders / "clf"), overrides={"hop_s": hop})
    with pytest.raises(ValueError, match="hop_s"):
        AudioInterpreter.from_hparams(str(folders / "clf"), method="all_ones",
                                      overrides={"hop_s": 0})
    with pytest.raises(ValueError, match="must not exceed window_s"):
        AudioInterpreter.from_hparams(str(folders / "lmac"), overrides={"hop_s": 2.0})
    # a hop set after loading is refused where it is used, too
    model = SoundClassifier.from_hparams(str(folders / "clf"))
    model.hparams.hop_s = 0
    with pytest.raises(ValueError, match="hop_s"):
        model.classify_file(str(clips["long"]))
    model.hparams.hop_s = 0.5
    assert len(model.classify_file(str(clips["long"])).window_starts) == 20


def test_window_and_the_classifier_options_are_checked_before_any_work(folders, clips, tmp_path,
                                                                      capsys, monkeypatch):
    _no_model(monkeypatch)
    out, clip = tmp_path / "out", str(clips["short"][0])
    for argv, message in (
            (["--source", str(folders / "clf"), "--window_s=0"],
             "--window_s must be a positive number of seconds"),
            ([], "explain needs --source (an interpreter folder, or a classifier with --method), "
                 "or --classifier_source with --method"),
            (["--classifier_source", str(folders / "clf")], "explain needs --source"),
            (["--source", str(folders / "clf"), "--classifier_source", str(folders / "clf"),
              "--method", "saliency"], "with --method, name the classifier once")):
        assert main(["explain", clip, "--out", str(out), *argv]) == 2
        assert message in capsys.readouterr().err
    assert not out.exists()


def test_classifier_source_with_a_method_and_window_s_reach_the_model(folders, clips, tmp_path):
    out = tmp_path / "out"
    assert main(["explain", "--classifier_source", str(folders / "clf"), "--method", "all_ones",
                 str(clips["long"]), "--out", str(out), "--window_s", "2.0", "--hop_s", "1.0",
                 "--no_faithfulness"]) == 0
    starts = [w["start_s"] for w in json.loads(next(out.rglob("result.json")).read_text())["windows"]]
    # windows about 1 s apart (the hop rounded to STFT frames) until one reaches the end (10 s)
    assert [b - a for a, b in zip(starts, starts[1:])] == pytest.approx([1.0] * (len(starts) - 1),
                                                                        abs=0.02)
    assert starts[-1] + 2.0 >= 10.0 > starts[-2] + 2.0


# ----- 2. --device cuda without CUDA -----------------------------------------------------------

def test_cuda_without_a_gpu_is_named_in_the_cli_and_in_training(folders, clips, tmp_path,
                                                                  capsys, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.version, "cuda", None)
    out = tmp_path / "out"
    assert main(["classify", "--source", str(folders / "clf"), str(clips["short"][0]),
                 "--out", str(out), "--device", "cuda"]) == 2
    err = capsys.readouterr().err
    assert "cuda requested but torch.cuda.is_available() is False" in err
    assert "built without CUDA" in err and "--device cpu" in err and "_cuda_setDevice" not in err
    assert not out.exists()
    # a recipe's training program stops at start-up, before its output folder
    train = load_script(REPO / "recipes" / "ESC50" / "classification" / "train.py")
    run = tmp_path / "run"
    with pytest.raises(DeviceError, match="cuda:0 requested .*available: cpu"):
        train.main([str(CLASSIFICATION_YAML), "--data_folder", str(tmp_path / "no_data"),
                    "--output_folder", str(run), "--device", "cuda:0"])
    assert not run.exists()
    # a CUDA build without a visible GPU, and a GPU index past the last
    monkeypatch.setattr(torch.version, "cuda", "12.4")
    with pytest.raises(DeviceError, match="built with CUDA 12.4, but no GPU is visible"):
        check_device("cuda")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    check_device("cuda:1")
    with pytest.raises(DeviceError, match="2 visible GPU.*available: cpu, cuda:0, cuda:1"):
        check_device("cuda:2")
    with pytest.raises(DeviceError, match="not a device name"):
        check_device("gpu0")


def test_cuda_without_a_gpu_is_named_by_from_hparams(folders, monkeypatch):
    # the fault: torch's "module 'torch._C' has no attribute '_cuda_setDevice'"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.version, "cuda", None)
    cuda = {"run_opts": {"device": "cuda"}}
    with pytest.raises(DeviceError, match=r"cuda requested but torch.cuda.is_available\(\) is "
                                          r"False .*built without CUDA.*available: cpu"):
        SoundClassifier.from_hparams(str(folders / "clf"), **cuda)
    with pytest.raises(DeviceError, match="cuda requested"):
        AudioInterpreter.from_hparams(str(folders / "lmac"), **cuda)
    with pytest.raises(DeviceError, match="cuda requested"):
        AudioInterpreter.from_hparams(str(folders / "clf"), method="saliency", **cuda)
    with pytest.raises(DeviceError, match=r"""run_opts\["device"\] 'gpu' is not a device name"""):
        SoundClassifier.from_hparams(str(folders / "clf"), run_opts={"device": "gpu"})
    # the same class wherever it is imported from
    from speechbrain_interp import devices

    assert DeviceError is devices.DeviceError and check_device is devices.check_device
    assert SoundClassifier.from_hparams(str(folders / "clf"),
                                        run_opts={"device": "cpu"}).device == "cpu"


# ----- 3. a full disk during explain ---------------------------------------------------------

def test_full_disk_leaves_whole_files_and_the_summary_of_what_finished(folders, clips, tmp_path,
                                                                        capsys, monkeypatch):
    real = cli_outputs._write_bytes
    calls = {"n": 0}

    def disk_fills(handle, data):
        """The 8th write runs out of space half way, and so does every later one."""
        calls["n"] += 1
        if calls["n"] < 8:
            return real(handle, data)
        real(handle, data[: len(data) // 2])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(cli_outputs, "_write_bytes", disk_fills)
    out = tmp_path / "out"
    a, b, c = clips["short"]
    # per file: original.wav, interpretation.wav, explanation.png, result.json; then summary.json
    status = main(["explain", "--source", str(folders / "lmac"), str(a), str(b), str(c),
                   "--out", str(out), "--no_faithfulness"])
    err = capsys.readouterr().err
    assert status == 1
    assert f"no space left on {out / 'b' / 'explanation.png'}" in err
    assert "stopped after 1 of 3 files done" in err and "System error" not in err
    leftovers = [p for p in out.rglob("*") if p.name.endswith(".part")]
    assert leftovers == []
    summary = _summary(out)  # valid JSON: written whole before the disk filled
    assert summary == {str(a): {"output": str(out / "a"), "label": summary[str(a)]["label"]}}
    assert sorted(p.name for p in (out / "a").iterdir()) == [
        "explanation.png", "interpretation.wav", "original.wav", "result.json"]
    for name in ("original.wav", "interpretation.wav"):
        assert soundfile.read(str(out / "a" / name))[0].shape == (RATE,)
    assert json.loads((out / "a" / "result.json").read_text())["label"] == summary[str(a)]["label"]
    assert not (out / "b").exists() and not (out / "c").exists()  # b's half-done outputs removed


# ----- 4. repeated inputs, SIGTERM, Ctrl-C ----------------------------------------------------

def test_repeated_inputs_are_done_once(folders, clips, tmp_path, capsys):
    a, b, _ = clips["short"]
    listing = tmp_path / "list.txt"
    # the fault: one clip listed 5,004 times was classified over and over
    listing.write_text(f"{a}\n" * 40 + f"{a.parent}/../{a.parent.name}/{a.name}\n{b}\n")
    os.symlink(a, tmp_path / "link.wav")
    out = tmp_path / "out"
    assert main(["classify", "--source", str(folders / "clf"), f"@{listing}",
                 str(tmp_path / "link.wav"), str(b), "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert "42 repeated input(s) dropped" in captured.err
    assert "2 of 2 files done" in captured.out
    assert sorted(p.name for p in out.iterdir()) == ["a", "b", "summary.json"]
    assert sorted(_summary(out)) == [str(a), str(b)]


@pytest.mark.parametrize("stop, status", [("sigterm", 143), ("ctrl-c", 130)])
def test_sigterm_and_ctrl_c_leave_the_summary_of_what_finished(folders, clips, tmp_path, capsys,
                                                               monkeypatch, stop, status):
    a, b, c = clips["short"]
    out = tmp_path / "out"
    real = SoundClassifier.classify_file
    seen = []

    def classify_file(self, path, progress=None):
        seen.append(path)
        if len(seen) == 2:
            # written as files finish: the first file is in the summary already
            assert list(_summary(out)) == [str(a)]
            if stop == "sigterm":
                os.kill(os.getpid(), signal.SIGTERM)
            else:
                raise KeyboardInterrupt
        return real(self, path, progress=progress)

    monkeypatch.setattr(SoundClassifier, "classify_file", classify_file)
    handler = signal.getsignal(signal.SIGTERM)
    assert main(["classify", "--source", str(folders / "clf"), str(a), str(b), str(c),
                 "--out", str(out)]) == status
    assert signal.getsignal(signal.SIGTERM) is handler  # restored
    assert len(seen) == 2  # c was never started
    summary = _summary(out)
    assert summary[str(a)]["output"] == str(out / "a")
    assert summary[str(b)] == {"interrupted": "classified no window"}
    assert str(c) not in summary and not (out / "b").exists()
    reason = "terminated (SIGTERM)" if stop == "sigterm" else "interrupted (Ctrl-C)"
    assert f"{reason}; stopped after 1 of 3 files done" in capsys.readouterr().err


# ----- 5. progress and interruption inside a long file ----------------------------------------

def test_long_file_progress_is_reported_window_by_window(folders, clips):
    model = AudioInterpreter.from_hparams(str(folders / "lmac"))
    calls = []
    result = model.interpret_file(str(clips["long"]), progress=lambda d, t: calls.append((d, t)))
    assert calls == [(4, 20), (8, 20), (12, 20), (16, 20), (20, 20)]
    scored = []
    wave = model.load_file(str(clips["long"]))
    model.faithfulness(wave, result, progress=lambda d, t: scored.append((d, t)))
    assert scored == calls
    counted = []
    classifier = SoundClassifier.from_hparams(str(folders / "clf"))
    classifier.classify_file(str(clips["long"]), progress=lambda d, t: counted.append((d, t)))
    assert counted == calls
    model.interpret_file(str(clips["long"]))  # quiet and unchanged without a callback


def test_long_file_interrupted_says_how_far_it_got(folders, clips, tmp_path, capsys,
                                                   monkeypatch):
    source, long = str(folders / "lmac"), str(clips["long"])
    real_faithfulness = AudioInterpreter.faithfulness

    def stopped_while_scoring(self, wave, result, progress=None):
        def hook(done, total):
            progress(done, total)
            raise KeyboardInterrupt

        return real_faithfulness(self, wave, result, progress=hook)

    monkeypatch.setattr(AudioInterpreter, "faithfulness", stopped_while_scoring)
    out = tmp_path / "scoring"
    assert main(["explain", "--source", source, long, "--out", str(out)]) == 130
    err = capsys.readouterr().err
    assert "long: " in err and "/40" in err  # the bar over the file's windows (2 x 20)
    result = json.loads((out / "long" / "result.json").read_text())
    assert "faithfulness" not in result and "scored 4 of 20 windows" in result["interrupted"]
    assert soundfile.read(str(out / "long" / "interpretation.wav"))[0].shape == (10 * RATE,)
    entry = _summary(out)[long]
    assert entry["label"] == result["label"] and entry["output"] == str(out / "long")
    assert entry["interrupted"] == "explained 20 of 20 windows, scored 4 of 20 windows"

    real_interpret = AudioInterpreter.interpret_long

    def stopped_while_explaining(self, wave, label=None, progress=None):
        def hook(done, total):
            progress(done, total)
            if done == 8:
                raise KeyboardInterrupt

        return real_interpret(self, wave, label=label, progress=hook)

    monkeypatch.setattr(AudioInterpreter, "interpret_long", stopped_while_explaining)
    out = tmp_path / "explaining"
    assert main(["explain", "--source", source, long, "--out", str(out)]) == 130
    assert _summary(out) == {
        long: {"interrupted": "explained 8 of 20 windows, scored no window"}}
    assert not (out / "long").exists()


# ----- 6 to 10: clear messages ------------------------------------------------------------------

def test_a_folder_given_to_the_python_api_is_called_a_folder(folders, clips):
    folder = str(clips["long"].parent)
    with pytest.raises(AudioError, match="is a folder, not an audio file.*sb-interp"):
        SoundClassifier.from_hparams(str(folders / "clf")).classify_file(folder)
    with pytest.raises(AudioError, match="is a folder, not an audio file.*sb-interp"):
        AudioInterpreter.from_hparams(str(folders / "lmac")).interpret_file(folder)


def test_missing_list_file_is_named(folders, tmp_path, capsys, monkeypatch):
    _no_model(monkeypatch)
    missing = tmp_path / "missing.txt"
    assert main(["explain", "--source", str(folders / "lmac"), f"@{missing}"]) == 2
    assert f"list file {missing} (given as @{missing}) does not exist" in capsys.readouterr().err
    assert main(["classify", "--source", str(folders / "clf"), f"@{tmp_path}"]) == 2
    assert "is a folder" in capsys.readouterr().err
    binary = tmp_path / "binary.txt"
    binary.write_bytes(b"\xff\xfe\x00bad")
    assert main(["classify", "--source", str(folders / "clf"), f"@{binary}"]) == 2
    assert "is not UTF-8 text" in capsys.readouterr().err


def test_out_that_is_a_file_is_refused_before_any_work(folders, clips, tmp_path, capsys,
                                                       monkeypatch):
    _no_model(monkeypatch)
    taken = tmp_path / "results.txt"
    taken.write_text("keep me")
    assert main(["classify", "--source", str(folders / "clf"), str(clips["short"][0]),
                 "--out", str(taken)]) == 2
    assert f"--out {taken} is a file, not a folder" in capsys.readouterr().err
    assert main(["classify", "--source", str(folders / "clf"), str(clips["short"][0]),
                 "--out", str(taken / "sub")]) == 2
    assert f"--out {taken / 'sub'} lies in {taken}, a file" in capsys.readouterr().err
    assert taken.read_text() == "keep me"


def test_read_only_out_is_refused_before_any_work(folders, clips, tmp_path, capsys, monkeypatch):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        if os.access(locked, os.W_OK):
            pytest.skip("running as root: a read-only folder stays writable")
        _no_model(monkeypatch)
        assert main(["classify", "--source", str(folders / "clf"), str(clips["short"][0]),
                     "--out", str(locked)]) == 2
        assert f"cannot write in the output folder {locked}" in capsys.readouterr().err
    finally:
        locked.chmod(0o755)


def test_unwritable_out_is_refused_before_any_work(folders, clips, tmp_path, capsys,
                                                  monkeypatch):
    """The same refusal where chmod cannot make a folder read-only (root): the write fails."""
    def refused(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    _no_model(monkeypatch)
    monkeypatch.setattr(cli_outputs.tempfile, "TemporaryFile", refused)
    assert main(["classify", "--source", str(folders / "clf"), str(clips["short"][0]),
                 "--out", str(tmp_path)]) == 2
    assert f"cannot write in the output folder {tmp_path} (Permission denied)" in \
        capsys.readouterr().err


def test_a_second_run_keeps_the_first_runs_summary(folders, clips, tmp_path, capsys):
    a, b, _ = clips["short"]
    out = tmp_path / "out"
    source = str(folders / "clf")
    assert main(["classify", "--source", source, str(a), "--out", str(out)]) == 0
    first = _summary(out)
    # the fault: a second run into the same folder replaced the first run's summary
    missing = tmp_path / "b_missing.wav"
    assert main(["classify", "--source", source, str(b), str(missing), "--out", str(out)]) == 1
    merged = _summary(out)
    assert merged[str(a)] == first[str(a)] and merged[str(b)]["output"] == str(out / "b")
    assert "no such audio file" in merged[str(missing)]["error"]
    # this run's entry replaces the earlier one of the same input
    soundfile.write(str(missing), np.full(RATE, 0.1, dtype="float32"), RATE)
    assert main(["classify", "--source", source, str(missing), "--out", str(out)]) == 0
    assert set(_summary(out)) == {str(a), str(b), str(missing)}
    assert _summary(out)[str(missing)]["output"] == str(out / "b_missing")
    # an earlier summary that cannot be read is kept aside, not lost
    (out / "summary.json").write_text("")
    capsys.readouterr()
    assert main(["classify", "--source", source, str(a), "--out", str(out)]) == 0
    assert "kept as" in capsys.readouterr().err
    assert (out / "summary.json.unreadable").read_text() == "" and list(_summary(out)) == [str(a)]


# ----- 11 to 13: training and evaluation ------------------------------------------------------

def test_class_without_training_clips_is_warned_about(tmp_path, caplog):
    """What a training program prepares: a class only in the test split is named."""
    folder = ManifestFolder(str(tmp_path / "m"), ["train", "test"], "state.json", "X")
    classes = [{"classID": i, "class_string": name}
               for i, name in enumerate(["dog", "rain", "sea_waves", "wind"])]
    manifests = {"train": {"1": {"wav": "1.wav", "class_string": "dog"},
                           "2": {"wav": "2.wav", "class_string": "rain"}},
                 "test": {"3": {"wav": "3.wav", "class_string": "sea_waves"}}}
    paths = folder.write(manifests, classes, {"options": 1})
    # the fault: the program trained on it without a word
    with caplog.at_level(logging.WARNING):
        assert run_setup.prepare_data({"prepare_data": lambda: paths}) == paths
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warned == [f"2 of 4 classes have no training clip in {paths['train']}: sea_waves, "
                      "wind. A model trained on it never learns them (check the folds or the "
                      "subset)"]
    # without a classes.json, the classes are those of all the manifests; multi-label too
    os.remove(tmp_path / "m" / "classes.json")
    assert warn_untrained_classes(paths) == ["sea_waves"]
    (tmp_path / "m" / "train.json").write_text(json.dumps(
        {"1": {"labels": ["dog", "rain"]}, "2": {"labels": []}, "3": {"labels": ["sea_waves"]}}))
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        assert warn_untrained_classes(paths) == []
        assert run_setup.prepare_data({"prepare_data": lambda: dict(paths, train=None)})
    assert not [r for r in caplog.records if r.levelno == logging.WARNING]


def test_override_of_the_wrong_type_names_the_key_and_value(tmp_path):
    train = load_script(REPO / "recipes" / "ESC50" / "classification" / "train.py")
    run = tmp_path / "run"
    with pytest.raises(OverrideTypeError) as info:
        train.main([str(CLASSIFICATION_YAML), "--data_folder", str(tmp_path / "no_data"),
                    "--output_folder", str(run), "--number_of_epochs", "abc"])
    assert str(info.value).startswith("--number_of_epochs abc: number_of_epochs must be a number")
    assert not run.exists()  # before any work
    overrides.check_override_types(str(CLASSIFICATION_YAML),
                                   "lr: 1e-4\nnumber_of_epochs: 2\nseed: null")
    # a value the YAML hands to an object: the building error names the override
    yaml_file = tmp_path / "x.yaml"
    yaml_file.write_text(f"output_folder: {tmp_path / 'x_out'}\nwidth: null\n"
                         "layer: !new:torch.nn.Linear\n    in_features: !ref <width>\n"
                         "    out_features: 2\n")
    with pytest.raises(TypeError, match="with the command-line overrides --width abc"):
        load_experiment([str(yaml_file), "--width", "abc"], lambda h: (), "a test")


def test_max_clips_zero_is_refused(folders, tmp_path):
    assert check_max_clips(None) is None and check_max_clips(3) == 3
    for bad in (0, -2, 2.5, True, "all"):
        with pytest.raises(ValueError, match="max_clips must be a positive number of clips"):
            check_max_clips(bad)
    evaluate = load_script(REPO / "recipes" / "ESC50" / "interpret" / "eval.py")
    # refused before any data is prepared (the data folder does not even exist)
    with pytest.raises(ValueError, match="max_clips .* got 0"):
        evaluate.main([str(EVAL_YAML), "--data_folder", str(tmp_path / "no_data"),
                       "--classifier_source", str(folders / "clf"), "--max_clips", "0",
                       "--output_folder", str(tmp_path / "eval")])
