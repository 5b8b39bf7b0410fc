"""Interpretation recipes end to end on real recordings (ESC-10 subset of ESC-50).

A small classifier is trained for one epoch, exported, and each recipe
(train.py with lmac, piq, pv, l2i after train_nmf.py) runs one epoch on it: logs,
checkpoints, interpretations, test metrics, exported parts that load back.
"""

import json
import math

import pytest
import torch

from helpers import REPO, check_round_trip, load_script, shared_dataset
from speechbrain_interp.inference import load_classifier, load_interpreter
from speechbrain_interp.synthetic import make_wham_like

RECIPES = REPO / "recipes" / "ESC50"


_recipe = load_script


SMALL = ["--base_channels", "4", "--emb_dim", "128", "--noprogressbar"]
FOLDS = ["--train_folds", "[1]", "--valid_folds", "[4]", "--test_folds", "[5]"]

pytestmark = pytest.mark.slow  # every test uses the classifier the module trains


@pytest.fixture(scope="module")
def esc10_classifier(tmp_path_factory):
    """A one-epoch narrow classifier of the real ESC-10 clips, exported."""
    data = shared_dataset("ESC-50-esc10")
    out = tmp_path_factory.mktemp("esc10_classifier")
    train = _recipe(RECIPES / "classification" / "train.py")
    train.main([str(RECIPES / "classification" / "hparams" / "cnn14_small.yaml"),
                "--data_folder", str(data), "--output_folder", str(out),
                "--number_of_epochs", "1", *SMALL, *FOLDS])
    return data, out / "pretrained"


#: what an interpreter run's pretrained/ folder holds (upload-ready, self-contained)
PRETRAINED_FILES = sorted(["README.md", "classifier.ckpt", "embedding_model.ckpt", "example.wav",
                           "hyperparams.yaml", "interpreter.ckpt", "label_encoder.ckpt"])


def _run(script, hparams, data, classifier, out, *extra):
    module = _recipe(RECIPES / "interpret" / script)
    return module.main([str(RECIPES / "interpret" / "hparams" / hparams),
                        "--data_folder", str(data), "--classifier_source", str(classifier),
                        "--output_folder", str(out), "--number_of_epochs", "1",
                        "--batch_size", "8", "--noprogressbar", *FOLDS, *extra])


def _check_run(out, brain, parts):
    log = (out / "train_log.txt").read_text()
    for key in ("train loss", "valid AI", "valid AD", "valid FF", "valid FidIn", "valid SPS", "test AG"):
        assert key in log, key
    metrics = json.loads((out / "metrics.json").read_text())
    assert all(math.isfinite(metrics[k]) for k in ("AI", "AD", "AG", "FF", "FidIn", "MM"))
    assert (out / "metrics_per_clip.csv").read_text().count("\n") == 1 + 8  # header + test clips
    saved = list((out / "interpretations" / "test").iterdir())
    assert saved and all({"original.wav", "interpretation.wav", "interpretation.png"} <= {p.name for p in d.iterdir()}
                         for d in saved)
    assert sorted(p.name for p in (out / "pretrained").iterdir()) == PRETRAINED_FILES
    state = torch.load(out / "pretrained" / "interpreter.ckpt")
    assert sorted({key.split(".")[0] for key in state if key.split(".")[0] in parts}) == sorted(parts)
    ckpt = next(p for p in (out / "save").iterdir() if p.name.startswith("CKPT"))
    assert "loss" in (ckpt / "CKPT.yaml").read_text()  # the selection key is in the meta
    return metrics


def _assert_classifier_untouched(brain, classifier_folder, tmp_path):
    fresh = load_classifier(classifier_folder, savedir=tmp_path / "fresh")
    trained = brain.interpreter.classifier.state_dict()
    for key, value in fresh.state_dict().items():
        assert torch.equal(value, trained[key]), key


def test_lmac_recipe_real_audio(esc10_classifier, tmp_path, offline_hub):
    """The default training: clips mixed with other classes' clips, speech and WHAM! noise."""
    data, classifier = esc10_classifier
    out = tmp_path / "lmac"
    make_wham_like(tmp_path / "wham", n_files={"tr": 2, "cv": 1, "tt": 1}, seconds=(1.0, 2.0), seed=4)
    contaminants = ["--wham_folder", str(tmp_path / "wham"),
                    "--speech_folder", str(shared_dataset("LJSpeech-espeak"))]
    brain = _run("train.py", "lmac_small.yaml", data, classifier, out, *contaminants)
    _check_run(out, brain, ["decoder"])
    _assert_classifier_untouched(brain, classifier, tmp_path)
    loaded = load_interpreter(out)
    wave = torch.randn(1, 16000 * 5)
    with torch.no_grad():
        a = loaded.interpret(wave).mask
        b = brain.interpreter.eval().interpret(wave).mask
    assert torch.allclose(a, b, atol=1e-5)
    check_round_trip(out / "pretrained", brain.interpreter, tmp_path, offline_hub, wave)
    card = (out / "pretrained" / "README.md").read_text()
    assert "The classifier's test accuracy" in card and "| AI |" in card
    assert str(tmp_path) not in card + (out / "pretrained" / "hyperparams.yaml").read_text()
    # --test_only reuses the checkpoint and trains nothing
    again = _run("train.py", "lmac_small.yaml", data, classifier, out, "--test_only", *contaminants)
    assert again.test_stats["AI"] == pytest.approx(brain.test_stats["AI"])


def test_pv_recipe_real_audio(esc10_classifier, tmp_path, offline_hub):
    data, classifier = esc10_classifier
    out = tmp_path / "pv"
    brain = _run("train.py", "pv_small.yaml", data, classifier, out,
                 "--decoder_channels", "[16, 8, 8, 8, 8]")
    _check_run(out, brain, ["reconstructor"])
    _assert_classifier_untouched(brain, classifier, tmp_path)
    log = (out / "train_log.txt").read_text()
    for key in ("valid PV_mse", "valid PV_ssim", "valid PV_dsim", "valid PV_agree", "test PV_agree"):
        assert key in log, key
    clip = next((out / "interpretations" / "test").iterdir())
    assert {"pv.png", "reconstruction.wav"} <= {p.name for p in clip.iterdir()}
    # the exported reconstructor (decoder and target range) reloads to the same PV
    loaded = load_interpreter(out)
    wave = torch.randn(1, 16000 * 5)
    a = loaded.interpret(wave)
    b = brain.interpreter.eval().interpret(wave)
    assert torch.allclose(a.extras["pv"], b.extras["pv"], atol=1e-5)
    assert torch.allclose(a.base_magnitude, b.base_magnitude, rtol=1e-4, atol=1e-5)
    check_round_trip(out / "pretrained", brain.interpreter, tmp_path, offline_hub, wave)


def test_piq_recipe_real_audio(esc10_classifier, tmp_path, offline_hub):
    data, classifier = esc10_classifier
    out = tmp_path / "piq"
    brain = _run("train.py", "piq_small.yaml", data, classifier, out, "--n_codes", "64", "--dim", "16")
    _check_run(out, brain, ["adapter", "vq", "decoder"])
    _assert_classifier_untouched(brain, classifier, tmp_path)
    check_round_trip(out / "pretrained", brain.interpreter, tmp_path, offline_hub,
                     torch.randn(1, 16000 * 5))


def test_nmf_then_l2i_recipes_real_audio(esc10_classifier, tmp_path, offline_hub):
    data, classifier = esc10_classifier
    nmf_out = tmp_path / "nmf"
    nmf = _recipe(RECIPES / "interpret" / "train_nmf.py")
    report = nmf.main([str(RECIPES / "interpret" / "hparams" / "nmf_small.yaml"),
                       "--data_folder", str(data), "--classifier_source", str(classifier),
                       "--output_folder", str(nmf_out), "--n_components", "16",
                       "--nmf_iterations", "30", "--max_frames", "3000", *FOLDS])
    assert (nmf_out / "pretrained" / "nmf_dictionary.ckpt").is_file()
    assert (nmf_out / "nmf_dictionary.png").is_file()
    assert 0 < report["relative_error"] < 0.6
    history = report["objective_history"]
    assert history[-1] <= history[0]
    out = tmp_path / "l2i"
    brain = _run("train.py", "l2i_small.yaml", data, classifier, out,
                 "--nmf_source", str(nmf_out / "pretrained"))
    metrics = _check_run(out, brain, ["psi", "theta"])
    assert {"L2I_top1", "PIQ_FF"} <= set(metrics)
    # the NMF dictionary travels inside interpreter.ckpt: the folder needs no nmf_source
    check_round_trip(out / "pretrained", brain.interpreter, tmp_path, offline_hub,
                     torch.randn(1, 16000 * 5))
    # the selected components are saved as waves beside the interpretation
    clips = list((out / "interpretations" / "test").iterdir())
    assert any(p.name.startswith("component_") for d in clips for p in d.iterdir())
    _assert_classifier_untouched(brain, classifier, tmp_path)
