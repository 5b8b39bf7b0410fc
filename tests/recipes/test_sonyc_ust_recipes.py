"""The SONYC-UST recipes end to end on a tiny synthetic SONYC-UST-layout set.

One epoch of the small multi-label classifier (thresholds tuned on
validate, the DCASE report, the export with its thresholds), one epoch of
the class-conditioned L-MAC, then the evaluation: one row per explained
(clip, class) pair, scored against that class's saved source.
"""

import json
import math

import pytest

from helpers import REPO, load_script
from speechbrain_interp.inference import load_classifier
from speechbrain_interp.synthetic import make_sonyc_ust_like

RECIPES = REPO / "recipes" / "SONYC-UST"
SMALL = ["--base_channels", "4", "--emb_dim", "128", "--noprogressbar", "--batch_size", "4",
         "--signal_length_s", "2.0"]


_recipe = load_script


@pytest.fixture(scope="module")
def tagger(tmp_path_factory):
    data = tmp_path_factory.mktemp("sonyc_data")
    make_sonyc_ust_like(data, n_train=12, n_validate=6, n_test=6, clip_seconds=2.0,
                        sample_rate=16000, seed=3)
    out = tmp_path_factory.mktemp("sonyc_classifier")
    brain = _recipe(RECIPES / "classification" / "train.py").main([
        str(RECIPES / "classification" / "hparams" / "cnn14_small.yaml"),
        "--data_folder", str(data), "--output_folder", str(out), "--number_of_epochs", "1",
        *SMALL])
    return data, out, brain


@pytest.mark.slow
def test_classifier_reports_dcase_metrics_and_exports_tuned_thresholds(tagger):
    data, out, brain = tagger
    report = json.loads((out / "tagging_report.json").read_text())
    assert {"micro_AUPRC", "macro_AUPRC", "micro_F1", "per_class_AUPRC",
            "thresholds"} <= set(report)
    assert len(report["per_class_AUPRC"]) == 8 and (out / "tagging_report.png").is_file()
    tuned = brain.modules.classifier.thresholds.tolist()
    classifier = load_classifier(out / "pretrained", savedir=out / "reload")
    assert classifier.multilabel
    assert classifier.thresholds.tolist() == pytest.approx(tuned, abs=1e-6)
    assert report["thresholds"] == pytest.approx(tuned, abs=1e-6)
    manifest = json.loads((out / "manifests" / "valid.json").read_text())
    assert all(e["aggregation"] == "dcase" and e["level"] == "coarse" for e in manifest.values())


@pytest.mark.slow
def test_lmac_and_evaluation_explain_each_decided_class(tagger, tmp_path):
    data, classifier_out, _ = tagger
    source = str(classifier_out / "pretrained")
    lmac_out = tmp_path / "lmac"
    _recipe(RECIPES / "interpret" / "train.py").main([
        str(RECIPES / "interpret" / "hparams" / "lmac_small.yaml"), "--data_folder", str(data),
        "--classifier_source", source, "--output_folder", str(lmac_out),
        "--number_of_epochs", "1", "--decoder_width", "8", "--noprogressbar",
        "--batch_size", "4", "--signal_length_s", "2.0"])
    assert (lmac_out / "pretrained" / "hyperparams.yaml").is_file()
    eval_out = tmp_path / "eval"
    results = _recipe(RECIPES / "interpret" / "eval.py").main([
        str(RECIPES / "interpret" / "hparams" / "eval_small.yaml"), "--data_folder", str(data),
        "--sources_folder", str(data / "sources"), "--classifier_source", source,
        "--interpreters", f"{{lmac: {lmac_out}}}", "--baselines", "[gradcam]",
        "--output_folder", str(eval_out), "--signal_length_s", "2.0", "--n_examples", "1"])
    rows = results["clean"].trackers["lmac"].to_rows()
    assert rows and all(":" in r["id"] for r in rows)
    assert [r["id"] for r in rows] == [r["id"] for r in results["clean"].trackers["gradcam"].to_rows()]
    with_truth = [r for r in rows if r["GT"] == 1.0]
    assert all(not math.isnan(r["KeepOwn"]) for r in with_truth)
    report = (eval_out / "results.md").read_text()
    assert "per class" in report and "OffKeep" in report
    assert (eval_out / "index.html").is_file()
