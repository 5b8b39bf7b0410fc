"""Runs that cannot silently go wrong: a changed classifier source, a run
killed while saving a checkpoint, two runs in one output folder, warnings
that do not apply."""

import json
import os
import pathlib
import subprocess
import sys
import time

import pytest
import torch
import yaml

from helpers import CLEAN_TRAINING, REPO, write_tiny_esc50
from speechbrain_interp.brains.checkpoints import AtomicCheckpointer
from speechbrain_interp.inference import load_classifier
from speechbrain_interp.programs import classification, evaluation, interpretation

CLASSIFICATION = REPO / "recipes" / "ESC50" / "classification"
INTERPRET = REPO / "recipes" / "ESC50" / "interpret"
TINY = ["--n_classes", "4", "--signal_length_s", "1.0", "--base_channels", "4",
        "--emb_dim", "128", "--batch_size", "4", "--noprogressbar"]


def _classifier_args(data, out, *extra):
    return [str(CLASSIFICATION / "hparams" / "cnn14_small.yaml"), "--data_folder", str(data),
            "--output_folder", str(out), *TINY, *extra]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """Tiny data and two different classifiers of it (A: seed 1, B: seed 2)."""
    root = tmp_path_factory.mktemp("safety")
    write_tiny_esc50(root)
    for name, seed in (("A", "1"), ("B", "2")):
        classification.main(_classifier_args(root / "ESC-50", root / name, "--seed", seed,
                                              "--number_of_epochs", "1"))
    return root


def _params(module):
    return {k: v.clone() for k, v in module.state_dict().items()}


def _same(a, b):
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


# ----- a changed classifier source is loaded, or refused, never ignored -------------------

@pytest.mark.slow
def test_load_classifier_loads_a_changed_source_into_a_used_savedir(tiny, tmp_path, caplog):
    a, b = tiny / "A" / "pretrained", tiny / "B" / "pretrained"
    first = _params(load_classifier(a, savedir=tmp_path / "cache"))
    with caplog.at_level("WARNING"):
        second = _params(load_classifier(b, savedir=tmp_path / "cache"))
    assert not _same(first, second)  # A and B differ: the check below can fail
    assert _same(second, _params(load_classifier(b, savedir=tmp_path / "fresh")))
    assert "pretrained source changed" in caplog.text and str(b.resolve()) in caplog.text
    assert (tmp_path / "cache" / "source.txt").read_text().strip() == str(b.resolve())


def _evaluate(data, source, out):
    results = evaluation.main([
        str(INTERPRET / "hparams" / "eval_small.yaml"), "--data_folder", str(data),
        "--classifier_source", str(source), "--output_folder", str(out),
        "--signal_length_s", "1.0", "--conditions", "[clean]", "--baselines", "[saliency]",
        "--gallery", "False", "--n_examples", "0"])
    return {m: s for m, s in results["clean"].summaries().items()}


@pytest.mark.slow
def test_eval_with_another_classifier_in_the_same_folder_scores_the_new_one(tiny, tmp_path):
    """The reported case: the second run's header named B but its numbers were A's."""
    data = tiny / "ESC-50"
    with_a = _evaluate(data, tiny / "A" / "pretrained", tmp_path / "eval")
    again_with_b = _evaluate(data, tiny / "B" / "pretrained", tmp_path / "eval")
    fresh_b = _evaluate(data, tiny / "B" / "pretrained", tmp_path / "fresh")
    assert with_a != fresh_b
    assert again_with_b == fresh_b


def _lmac_args(data, source, out, *extra):
    return [str(INTERPRET / "hparams" / "lmac_small.yaml"), "--data_folder", str(data),
            "--classifier_source", str(source), "--output_folder", str(out),
            "--signal_length_s", "1.0", "--batch_size", "4", "--noprogressbar",
            "--decoder_width", "8", *CLEAN_TRAINING, *extra]


@pytest.mark.slow
def test_resuming_an_interpreter_with_another_classifier_is_refused(tiny, tmp_path):
    data, out = tiny / "ESC-50", tmp_path / "lmac"
    interpretation.main(_lmac_args(data, tiny / "A" / "pretrained", out, "--number_of_epochs", "1"))
    checkpoint = sorted(p for p in (out / "save").iterdir() if p.name.startswith("CKPT"))
    with pytest.raises(RuntimeError, match="started with the classifier .*A.*given .*B"):
        interpretation.main(_lmac_args(data, tiny / "B" / "pretrained", out,
                                       "--number_of_epochs", "2"))
    assert sorted(p for p in (out / "save").iterdir() if p.name.startswith("CKPT")) == checkpoint
    # the first classifier resumes the run
    brain = interpretation.main(_lmac_args(data, tiny / "A" / "pretrained", out,
                                           "--number_of_epochs", "2"))
    assert brain.hparams.epoch_counter.current == 2


# ----- a run killed while saving a checkpoint resumes -------------------------------------

def test_interrupted_save_leaves_no_checkpoint(tmp_path, monkeypatch):
    """A save that dies half-way (here: an exception after the first file) is never loaded."""
    model, other = torch.nn.Linear(3, 3), torch.nn.Linear(3, 3)
    ckpt = AtomicCheckpointer(tmp_path, {"a": model, "b": other})
    ckpt.save_checkpoint(meta={"step": 1})
    real_save, calls = torch.save, []

    def dying_save(obj, path, *args, **kwargs):
        calls.append(path)
        if len(calls) == 2:
            with open(path, "wb") as f:
                f.write(b"PK\x03\x04 half")
            raise KeyboardInterrupt("killed while saving")
        return real_save(obj, path, *args, **kwargs)

    monkeypatch.setattr(torch, "save", dying_save)
    with pytest.raises(KeyboardInterrupt):
        ckpt.save_checkpoint(meta={"step": 2})
    monkeypatch.setattr(torch, "save", real_save)
    assert [c.meta["step"] for c in ckpt.list_checkpoints()] == [1]
    assert ckpt.recover_if_possible().meta["step"] == 1
    ckpt.save_checkpoint(meta={"step": 3})
    assert not (tmp_path / ".partial").exists()  # the leftover is gone after a complete save


@pytest.mark.slow
def test_half_written_newest_checkpoint_is_skipped_and_the_run_resumes(tiny, tmp_path):
    """The state a killed non-atomic save leaves (complete CKPT.yaml, truncated parameter
    file): the resumed run warns, keeps the broken folder aside, resumes from the previous
    checkpoint and ends where an uninterrupted run ends."""
    data = tiny / "ESC-50"
    out = tmp_path / "killed"
    classification.main(_classifier_args(data, out, "--number_of_epochs", "2", "--ckpt_keep", "2"))
    save = out / "save"
    newest = max((p for p in save.iterdir() if p.name.startswith("CKPT")),
                 key=lambda p: p.stat().st_mtime)
    broken = save / (newest.name[:-2] + "99")
    os.mkdir(broken)
    meta = yaml.safe_load((newest / "CKPT.yaml").read_text())
    meta.update(epoch=3, unixtime=meta["unixtime"] + 60)  # the save of epoch 3, killed
    (broken / "CKPT.yaml").write_text(yaml.dump(meta))
    for part in newest.iterdir():
        if part.suffix == ".ckpt":
            data_bytes = part.read_bytes()
            (broken / part.name).write_bytes(data_bytes[: len(data_bytes) // 3])
    (save / ".partial" / "CKPT+interrupted").mkdir(parents=True)  # what an atomic save leaves
    resumed = classification.main(_classifier_args(data, out, "--number_of_epochs", "3",
                                                   "--ckpt_keep", "2"))
    warning = [line for line in (out / "log.txt").read_text().splitlines() if "does not load" in line]
    assert len(warning) == 1 and broken.name in warning[0] and "WARNING" in warning[0]
    assert (save / ("unreadable-" + broken.name)).is_dir()  # kept, never loaded again
    assert not (save / ".partial").exists()
    straight = classification.main(_classifier_args(data, tmp_path / "straight",
                                                    "--number_of_epochs", "3", "--ckpt_keep", "2"))
    assert resumed.test_report["accuracy"] == straight.test_report["accuracy"]
    assert _same(_params(resumed.modules.classifier), _params(straight.modules.classifier))


# ----- one run at a time in an output folder ----------------------------------------------

@pytest.mark.slow
def test_second_concurrent_run_into_one_folder_is_refused(tiny, tmp_path):
    out = tmp_path / "busy"
    cmd = [sys.executable, str(CLASSIFICATION / "train.py"),
           *_classifier_args(tiny / "ESC-50", out, "--number_of_epochs", "10")]
    first = subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    lock = out / ".run.lock"
    deadline = time.time() + 120
    while not (lock.is_file() and lock.read_text()) and time.time() < deadline:
        time.sleep(0.1)
    assert json.loads(lock.read_text())["pid"] == first.pid
    with pytest.raises(RuntimeError, match=f"another run is writing into .*process {first.pid}"):
        classification.main(_classifier_args(tiny / "ESC-50", out, "--number_of_epochs", "1"))
    assert first.poll() is None, "the first run ended before the second started"
    _, first_err = first.communicate(timeout=600)
    assert first.returncode == 0, first_err[-3000:]
    log = (out / "train_log.txt").read_text()
    assert [line.split(",")[0] for line in log.splitlines()[:10]] == [
        f"epoch: {i}" for i in range(1, 11)]
    # once the first has ended, the folder is free again (the run resumes: nothing to redo)
    classification.main(_classifier_args(tiny / "ESC-50", out, "--number_of_epochs", "10"))
    assert (out / "train_log.txt").read_text().count("epoch: ") == 10


# ----- warnings that do not apply are silenced, the others are not ------------------------

def test_torchvision_warning_is_silenced_and_real_warnings_are_not():
    code = ("import logging, speechbrain_interp, speechbrain.utils.train_logger\n"
            "logging.getLogger('speechbrain.utils.train_logger').warning('a real warning')\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=pathlib.Path(__file__).parent, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "torchvision" not in result.stderr and "a real warning" in result.stderr
