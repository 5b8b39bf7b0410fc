"""The ESC50 classification recipe end to end: train, resume, test-only, bad data.

Runs the real ``recipes/ESC50/classification/train.py`` (in-process through its
``main``) with the small config on tiny synthetic sets, plus one real-audio
run on the shared ESC-50 subset.
"""

import json
import math
import os
import shutil
import subprocess
import sys

import pandas as pd
import pytest
import torch

from helpers import REPO, check_round_trip, load_script, shared_dataset, torchrun, write_tiny_esc50
from speechbrain_interp.brains.classification import ClassifierBrain
from speechbrain_interp.synthetic import make_wham_like

RECIPE = REPO / "recipes" / "ESC50" / "classification"
SMALL = str(RECIPE / "hparams" / "cnn14_small.yaml")


train_recipe = load_script(RECIPE / "train.py")


@pytest.fixture(scope="module")
def tiny_data(tmp_path_factory):
    """4 classes x 10 one-second clips (2 per fold) and a WHAM!-layout folder."""
    root = tmp_path_factory.mktemp("tiny")
    write_tiny_esc50(root)
    make_wham_like(root / "wham", n_files={"tr": 3, "cv": 1, "tt": 1}, seconds=(0.5, 3.0), seed=8)
    return root


def _args(data, out, *extra):
    return [
        SMALL,
        "--data_folder", str(data / "ESC-50"),
        "--output_folder", str(out),
        "--n_classes", "4",
        "--signal_length_s", "1.0",
        "--base_channels", "4",
        "--emb_dim", "128",
        "--batch_size", "4",
        "--noprogressbar",
        *extra,
    ]


def _state(brain):
    clf = brain.modules.classifier
    return {k: v.clone() for k, v in clf.state_dict().items()}


@pytest.mark.slow
def test_small_run_trains_logs_checkpoints_and_reports(tiny_data, tmp_path, offline_hub):
    out = tmp_path / "run"
    brain = train_recipe.main(_args(tiny_data, out, "--number_of_epochs", "2"))
    log = (out / "train_log.txt").read_text()
    assert "epoch: 1" in log and "epoch: 2" in log and "train acc" in log and "valid loss" in log
    assert "per-class test accuracy" in log
    ckpts = [p for p in os.listdir(out / "save") if p.startswith("CKPT")]
    assert len(ckpts) >= 1
    ckpt = out / "save" / ckpts[0]
    assert (ckpt / "embedding_model.ckpt").is_file() and (ckpt / "classifier.ckpt").is_file()
    assert (out / "save" / "label_encoder.txt").is_file()
    report = json.loads((out / "test_report.json").read_text())
    assert report["n_items"] == 8 and len(report["confusion_matrix"]) == 4
    assert (out / "confusion_matrix.png").stat().st_size > 1000
    assert math.isfinite(brain.last_stats["train"]["loss"])
    # the checkpoint meta holds the key used to pick the best model
    meta = (ckpt / "CKPT.yaml").read_text()
    assert "error" in meta
    # the best model is exported as a pretrained folder that loads back
    from speechbrain_interp.inference import load_classifier

    loaded = load_classifier(out / "pretrained", savedir=tmp_path / "collected")
    wave = torch.randn(2, 16000)
    with torch.no_grad():
        expected = brain.modules.classifier.eval()(wave=wave).logits
        assert torch.allclose(loaded(wave=wave).logits, expected, atol=1e-5)
    assert loaded.label_encoder.ind2lab == brain.hparams.label_encoder.ind2lab
    # upload-ready: model card and example; moved or served as a hub repo, it loads the same
    assert {"README.md", "example.wav", "label_encoder.ckpt"} <= set(os.listdir(out / "pretrained"))
    assert "SoundClassifier.from_hparams" in (out / "pretrained" / "README.md").read_text()
    check_round_trip(out / "pretrained", brain.modules.classifier, tmp_path, offline_hub, wave)


class Interrupted(Exception):
    """Stands for a crash or Ctrl-C in the middle of an epoch."""


@pytest.mark.slow
def test_interrupted_run_resumes_mid_epoch_and_matches_uninterrupted(
    tiny_data, tmp_path, monkeypatch
):
    common = ("--number_of_epochs", "2", "--ckpt_interval_steps", "1",
              "--add_wham_noise", "True", "--wham_folder", str(tiny_data / "wham"))
    reference = train_recipe.main(_args(tiny_data, tmp_path / "ref", *common))
    steps_per_epoch = math.ceil(24 / 4)

    real_fit_batch = ClassifierBrain.fit_batch
    calls = {"n": 0}

    def crash_at_step(self, batch):
        calls["n"] += 1
        if calls["n"] == 4:  # 3 steps done and checkpointed, crash in the 4th
            raise Interrupted()
        return real_fit_batch(self, batch)

    monkeypatch.setattr(ClassifierBrain, "fit_batch", crash_at_step)
    with pytest.raises(Interrupted):
        train_recipe.main(_args(tiny_data, tmp_path / "cut", *common))

    calls["n"] = -10**9  # no more crashes; count the steps of the resumed run
    resumed = train_recipe.main(_args(tiny_data, tmp_path / "cut", *common))
    assert calls["n"] + 10**9 == 2 * steps_per_epoch - 3  # picked up after step 3
    ref_state, res_state = _state(reference), _state(resumed)
    for key in ref_state:
        assert torch.allclose(ref_state[key].float(), res_state[key].float(), atol=1e-6), key
    assert reference.test_report["accuracy"] == resumed.test_report["accuracy"]


@pytest.mark.slow
def test_test_only_evaluates_the_saved_model_without_training(tiny_data, tmp_path, monkeypatch):
    out = tmp_path / "run"
    trained = train_recipe.main(_args(tiny_data, out, "--number_of_epochs", "1"))
    calls = {"n": 0}
    real_fit_batch = ClassifierBrain.fit_batch

    def counting(self, batch):
        calls["n"] += 1
        return real_fit_batch(self, batch)

    monkeypatch.setattr(ClassifierBrain, "fit_batch", counting)
    tested = train_recipe.main(_args(tiny_data, out, "--number_of_epochs", "5", "--test_only"))
    assert calls["n"] == 0
    assert tested.test_report["accuracy"] == trained.test_report["accuracy"]
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        train_recipe.main(_args(tiny_data, tmp_path / "fresh", "--test_only"))


@pytest.mark.slow
def test_wham_noise_is_added_in_training_only(tiny_data, tmp_path, monkeypatch):
    from speechbrain_interp.augment.wham import WhamAugment

    stages = []
    real_forward = ClassifierBrain.compute_forward

    def spy(self, batch, stage):
        stages.append(stage.name)
        return real_forward(self, batch, stage)

    noised = {"n": 0}
    real_aug = WhamAugment.forward

    def count_aug(self, *args, **kwargs):
        noised["n"] += 1
        return real_aug(self, *args, **kwargs)

    monkeypatch.setattr(ClassifierBrain, "compute_forward", spy)
    monkeypatch.setattr(WhamAugment, "forward", count_aug)
    train_recipe.main(_args(tiny_data, tmp_path / "a", "--number_of_epochs", "1",
                            "--add_wham_noise", "True", "--wham_folder", str(tiny_data / "wham")))
    assert noised["n"] == stages.count("TRAIN") > 0
    noised["n"], stages[:] = 0, []
    train_recipe.main(_args(tiny_data, tmp_path / "b", "--number_of_epochs", "1",
                            "--add_wham_noise", "True", "--wham_in_eval", "True",
                            "--wham_folder", str(tiny_data / "wham")))
    assert noised["n"] == len(stages)  # in-domain condition: every stage


def test_wrong_class_count_and_missing_wham_folder_are_clear(tiny_data, tmp_path):
    args = _args(tiny_data, tmp_path / "a", "--number_of_epochs", "1")
    args[args.index("--n_classes") + 1] = "7"
    with pytest.raises(ValueError, match="n_classes.*4 classes"):
        train_recipe.main(args)
    with pytest.raises(ValueError, match="wham_folder"):
        train_recipe.main(_args(tiny_data, tmp_path / "b", "--add_wham_noise", "True"))


def test_missing_data_folder_is_named(tmp_path):
    missing = tmp_path / "no_such_dataset"
    with pytest.raises(FileNotFoundError, match="no_such_dataset"):
        train_recipe.main([SMALL, "--data_folder", str(missing),
                           "--output_folder", str(tmp_path / "out")])


@pytest.mark.slow
def test_csv_row_whose_file_is_missing(tiny_data, tmp_path):
    data = tmp_path / "copy"
    shutil.copytree(tiny_data / "ESC-50", data / "ESC-50")
    table = pd.read_csv(data / "ESC-50" / "meta" / "esc50.csv")
    gone = table.filename[0]
    os.remove(data / "ESC-50" / "audio" / gone)
    with pytest.raises(Exception, match=gone):
        train_recipe.main(_args(data, tmp_path / "a", "--number_of_epochs", "1"))
    brain = train_recipe.main(_args(data, tmp_path / "b", "--number_of_epochs", "1",
                                    "--skip_missing", "True"))
    out = tmp_path / "b" / "manifests"
    kept = {s: json.loads((out / f"{s}.json").read_text()) for s in ("train", "valid", "test")}
    assert sum(len(m) for m in kept.values()) == 39  # everything else was used
    assert all(gone[:-4] not in m for m in kept.values())
    assert brain.test_report["n_items"] == len(kept["test"])


@pytest.mark.slow
def test_command_line_entry_point(tiny_data, tmp_path):
    """The documented command works as a program (argument parsing, exit code)."""
    out = tmp_path / "cli"
    cmd = [sys.executable, str(RECIPE / "train.py"),
           *_args(tiny_data, out, "--number_of_epochs", "1")]
    subprocess.run(cmd, check=True, capture_output=True, cwd=tmp_path)
    assert (out / "test_report.json").is_file()
    result = subprocess.run(cmd + ["--test_only"], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]


@pytest.mark.slow
def test_real_esc10_audio_one_epoch(tmp_path):
    """Real recordings: prepare, one epoch of the small classifier, checkpoint, finite loss."""
    data = shared_dataset("ESC-50-esc10")
    out = tmp_path / "esc10"
    brain = train_recipe.main([
        SMALL, "--data_folder", str(data), "--output_folder", str(out),
        "--number_of_epochs", "1", "--noprogressbar",
    ])
    manifests = {s: json.loads((out / "manifests" / f"{s}.json").read_text())
                 for s in ("train", "valid", "test")}
    assert sum(len(m) for m in manifests.values()) == 83
    assert any(p.startswith("CKPT") for p in os.listdir(out / "save"))
    for stage in ("train", "valid", "test"):
        assert math.isfinite(brain.last_stats[stage]["loss"])
    assert brain.test_report["n_items"] == len(manifests["test"])


@pytest.mark.slow
def test_torchrun_ddp_on_cpu(tiny_data, tmp_path):
    """``torchrun --nproc_per_node=2`` (gloo): one preparation, one log, one report."""
    out = tmp_path / "ddp"
    result = torchrun([RECIPE / "train.py", *_args(tiny_data, out, "--number_of_epochs", "2",
                                                    "--distributed_backend", "gloo")], cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    log = (out / "train_log.txt").read_text().splitlines()
    assert [line.split(",")[0] for line in log[:2]] == ["epoch: 1", "epoch: 2"]
    assert sum(line.startswith("epoch:") for line in log) == 2  # logged by one process
    assert json.loads((out / "test_report.json").read_text())["n_items"] == 8
    assert len(json.loads((out / "manifests" / "train.json").read_text())) == 24
