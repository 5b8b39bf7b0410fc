"""NSynth recipes end to end on a few synthetic notes: classifier, in-painter, explain."""

import json
import os

import pytest

from helpers import REPO, load_script
from speechbrain_interp.synthetic.notes import make_nsynth_like

RECIPES = os.path.join(REPO, "recipes", "NSynth")


def _main(path):
    return load_script(path).main


@pytest.mark.slow
def test_classifier_inpainter_and_explain_recipes(tmp_path):
    data = str(tmp_path / "nsynth")
    make_nsynth_like(data, families=("bass", "organ", "string"), notes_per_family=(4, 2, 2))
    common = ["--data_folder", data, "--noprogressbar"]
    clf_out = str(tmp_path / "clf")
    brain = _main(os.path.join(RECIPES, "classification", "train.py"))([
        os.path.join(RECIPES, "classification", "hparams", "fourier_cnn_small.yaml"),
        "--output_folder", clf_out, "--number_of_epochs", "2", "--n_classes", "3", *common])
    assert brain.test_report is not None
    assert os.path.isfile(os.path.join(clf_out, "pretrained", "hyperparams.yaml"))

    inp_out = str(tmp_path / "inpainter")
    brain = _main(os.path.join(RECIPES, "rde", "train_inpainter.py"))([
        os.path.join(RECIPES, "rde", "hparams", "inpainter_small.yaml"),
        "--output_folder", inp_out, "--number_of_epochs", "1", *common])
    assert set(brain.last_stats["test"]) >= {"loss", "baseline_loss"}
    assert os.path.isfile(os.path.join(inp_out, "pretrained", "inpainter.ckpt"))

    out = str(tmp_path / "explain")
    results = _main(os.path.join(RECIPES, "rde", "explain.py"))([
        os.path.join(RECIPES, "rde", "hparams", "explain_small.yaml"),
        "--output_folder", out, "--classifier_source", os.path.join(clf_out, "pretrained"),
        "--inpainter_source", os.path.join(inp_out, "pretrained"), "--notes_per_class", "1",
        "--n_figures", "1", "--curve_samples", "1",
        "--frequency_query", json.dumps({"steps": 2, "n_samples": 1, "lam": 100.0}),
        "--phase_query", json.dumps({"steps": 2, "n_samples": 1, "lam": 30.0}), *common])
    assert set(results["obfuscations"]) == {"inpainter", "gaussian", "constant"}
    assert set(results["magnitude_vs_phase"]) <= {"bass", "organ", "string"}
    assert "band_mass" in results  # synthetic.json found: ground truth scored
    for name in ("results.md", "results.json", "rate_distortion.png", "masks.pt"):
        assert os.path.isfile(os.path.join(out, name)), name
    example = os.path.join(out, "examples", os.listdir(os.path.join(out, "examples"))[0])
    assert {"masks.png", "original.wav", "kept_inpainter.wav",
            "obfuscated_inpainter.wav"} <= set(os.listdir(example))
