"""The UrbanSound8k recipes end to end: real clips, the 10-fold program, evaluation.

* the 10 real UrbanSound8K clips of the shared folder (one per class, the
  real format mix): one epoch of the small classifier and of L-MAC, then the
  evaluation with ESC-10 clips as cross-dataset contaminants;
* the synthetic UrbanSound8K-layout set: the cross-validation program over
  its 10 folds with a tiny model, interrupted after fold 3 and run again.
"""

import json
import math

import pytest
import torch

from helpers import REPO, load_script, shared_dataset
from speechbrain_interp.inference import load_classifier
from speechbrain_interp.synthetic import make_urbansound8k_like

RECIPES = REPO / "recipes" / "UrbanSound8k"
SMALL = ["--base_channels", "4", "--emb_dim", "128", "--noprogressbar"]
#: folds of the real sample: 1 (gun_shot, jackhammer), 3 (drilling), 5 (air_conditioner,
#: children_playing, dog_bark), 7 (siren, street_music), 10 (car_horn, engine_idling)
REAL_FOLDS = ["--train_folds", "[1, 5, 7]", "--valid_folds", "[3]", "--test_folds", "[10]"]


_recipe = load_script


@pytest.fixture(scope="module")
def real_classifier(tmp_path_factory):
    """One epoch of the small classifier on the real clips, exported."""
    data = shared_dataset("UrbanSound8K-sample")
    out = tmp_path_factory.mktemp("us8k_classifier")
    brain = _recipe(RECIPES / "classification" / "train.py").main([
        str(RECIPES / "classification" / "hparams" / "cnn14_small.yaml"),
        "--data_folder", str(data), "--output_folder", str(out), "--number_of_epochs", "1",
        "--batch_size", "4", *SMALL, *REAL_FOLDS])
    return data, out, brain


def _losses(log):
    """Every ``<stage> loss: value`` of a train log."""
    values = []
    for line in log.splitlines():
        for part in line.split(" - "):
            for item in part.split(", "):
                name, _, value = item.partition(": ")
                if name.endswith(" loss"):
                    values.append(float(value))
    return values


@pytest.mark.slow
def test_real_clips_train_the_classifier_with_official_ids(real_classifier):
    data, out, _ = real_classifier
    losses = _losses((out / "train_log.txt").read_text())
    assert len(losses) >= 3 and all(math.isfinite(v) for v in losses)  # train, valid, test
    manifest = json.loads((out / "manifests" / "train.json").read_text())
    assert sorted(manifest) == ["100032-3-0-0", "100263-2-0-117", "100852-0-0-0",
                                "101848-9-0-0", "102305-6-0-0", "102853-8-0-0", "103074-7-0-0"]
    assert manifest["103074-7-0-0"]["classID"] == 7  # the 24-bit extensible 48 kHz stereo file
    # the label index is the official classID, whatever the folds
    classifier = load_classifier(out / "pretrained", savedir=out / "reload")
    names = [classifier.label_encoder.ind2lab[i] for i in range(10)]
    assert names == ["air_conditioner", "car_horn", "children_playing", "dog_bark", "drilling",
                     "engine_idling", "gun_shot", "jackhammer", "siren", "street_music"]
    report = json.loads((out / "test_report.json").read_text())
    assert report["n_items"] == 2 and report["class_names"] == names
    # every clip reaches the model at 16 kHz and 4 s, the 0.32 s one zero-padded
    from speechbrain_interp.data.dataio import build_datasets

    datasets, _ = build_datasets({"train": str(out / "manifests" / "train.json")}, str(data),
                                 16000, 4.0, label_encoder=classifier.label_encoder)
    items = {item["id"]: item for item in datasets["train"]}
    assert all(item["sig"].shape == (64000,) for item in items.values())
    short = items["100032-3-0-0"]["sig"]
    assert short[:5000].abs().max() > 0 and short[5200:].abs().max() == 0
    assert int(items["100032-3-0-0"]["class_string_encoded"]) == 3


@pytest.mark.slow
def test_real_clips_train_lmac_and_evaluate_with_esc50_contaminants(real_classifier, tmp_path):
    data, clf_out, _ = real_classifier
    lmac_out = tmp_path / "lmac"
    _recipe(RECIPES / "interpret" / "train.py").main([
        str(RECIPES / "interpret" / "hparams" / "lmac_small.yaml"), "--data_folder", str(data),
        "--classifier_source", str(clf_out / "pretrained"), "--output_folder", str(lmac_out),
        "--number_of_epochs", "1", "--batch_size", "4", "--noprogressbar", *REAL_FOLDS])
    log = (lmac_out / "train_log.txt").read_text()
    assert "test AI" in log
    losses = _losses(log)
    assert len(losses) >= 2 and all(math.isfinite(v) for v in losses)
    metrics = json.loads((lmac_out / "metrics.json").read_text())
    assert all(math.isfinite(metrics[k]) for k in ("AI", "AD", "AG", "FF", "FidIn"))
    assert (lmac_out / "pretrained" / "interpreter.ckpt").is_file()

    esc10 = shared_dataset("ESC-50-esc10")
    out = tmp_path / "eval"
    results = _recipe(RECIPES / "interpret" / "eval.py").main([
        str(RECIPES / "interpret" / "hparams" / "eval_small.yaml"), "--data_folder", str(data),
        "--classifier_source", str(clf_out / "pretrained"),
        "--interpreters", f"{{lmac: {lmac_out}}}", "--baselines", "[saliency, all-ones]",
        "--conditions", "[clean, mixture, cross_dataset, white]",
        "--cross_dataset_folder", str(esc10 / "audio"), "--output_folder", str(out),
        "--n_examples", "1", "--gallery", "False"])
    assert list(results) == ["clean", "mixture", "cross_dataset", "white"]
    summary = json.loads((out / "results.json").read_text())
    # 2 test clips: one pair, mixed once (each pair of clips is mixed once at most)
    assert summary["cross_dataset"]["items"] == 2 and summary["mixture"]["items"] == 1
    for method in ("lmac", "saliency", "all-ones"):
        stats = summary["cross_dataset"]["methods"][method]
        assert all(math.isfinite(stats[k]) for k in ("AI", "AD", "FF", "AUC"))
    # the contaminant is an ESC-10 recording, kept apart from the source for the ground truth
    example = next((out / "cross_dataset" / "examples").iterdir())
    assert {"mixture.wav", "source.wav", "contaminant.wav"} <= {p.name for p in example.iterdir()}


@pytest.mark.slow
def test_real_clips_run_the_other_interpreter_recipes(real_classifier, tmp_path):
    """PIQ, PV and L2I (after its NMF dictionary): the UrbanSound8K YAMLs run one epoch."""
    data, clf_out, _ = real_classifier
    common = ["--data_folder", str(data), "--classifier_source", str(clf_out / "pretrained"),
              *REAL_FOLDS]
    nmf_out = tmp_path / "nmf"
    report = _recipe(RECIPES / "interpret" / "train_nmf.py").main([
        str(RECIPES / "interpret" / "hparams" / "nmf_small.yaml"), *common,
        "--output_folder", str(nmf_out), "--n_components", "8", "--nmf_iterations", "10"])
    assert 0 < report["relative_error"] < 1
    runs = {"piq": ["--n_codes", "16", "--dim", "8"], "pv": ["--decoder_channels", "[8, 8, 8, 8, 8]"],
            "l2i": ["--nmf_source", str(nmf_out / "pretrained")]}
    for method, extra in runs.items():
        out = tmp_path / method
        _recipe(RECIPES / "interpret" / "train.py").main([
            str(RECIPES / "interpret" / "hparams" / f"{method}_small.yaml"), *common,
            "--output_folder", str(out), "--number_of_epochs", "1", "--batch_size", "4",
            "--noprogressbar", *extra])
        losses = _losses((out / "train_log.txt").read_text())
        assert losses and all(math.isfinite(v) for v in losses), method
        metrics = json.loads((out / "metrics.json").read_text())
        assert all(math.isfinite(metrics[k]) for k in ("AI", "AD", "FF")), method
        assert (out / "pretrained" / "interpreter.ckpt").is_file(), method


@pytest.fixture(scope="module")
def synthetic_us8k(tmp_path_factory):
    """10 classes x 10 half-second clips in 10 folds, in the real format mix."""
    root = tmp_path_factory.mktemp("us8k_synthetic") / "UrbanSound8K"
    table = make_urbansound8k_like(root, clips_per_class=10, clip_seconds=0.5, seed=5)
    # every format of the real data goes through the recipes' loading below
    assert table["sample_rate"].nunique() == 11 and table["channels"].nunique() == 2
    assert set(table["subtype"]) == {"PCM_U8", "PCM_16", "PCM_24", "PCM_32", "FLOAT", "DOUBLE"}
    assert set(table["header"]) == {"wav", "wavex"}
    return root


class _Interrupt(Exception):
    """Stands for a run stopped between two folds."""


@pytest.mark.slow
def test_ten_fold_program_runs_and_resumes_only_the_remaining_folds(synthetic_us8k, tmp_path):
    from speechbrain_interp.programs import cross_validation
    from speechbrain_interp.programs.classification import run_classification

    cv_out = tmp_path / "cv"
    argv = [str(RECIPES / "classification" / "hparams" / "cnn14_small.yaml"),
            "--data_folder", str(synthetic_us8k), "--cv_output_folder", str(cv_out),
            "--signal_length_s", "0.5", "--number_of_epochs", "1", "--batch_size", "8", *SMALL]
    calls = []

    def stop_at_fold_4(hparams, run_opts, manifests):
        fold = hparams["test_folds"][0]
        if fold == 4:
            raise _Interrupt
        calls.append((fold, list(hparams["train_folds"]), list(hparams["valid_folds"])))
        return run_classification(hparams, run_opts, manifests)

    with pytest.raises(_Interrupt):
        cross_validation.run_cross_validation(argv, run_fold=stop_at_fold_4)
    assert [c[0] for c in calls] == [1, 2, 3]
    assert calls[0][1:] == ([2, 3, 4, 5, 6, 7, 8, 9], [10])  # fold 1 validates on fold 10
    partial = json.loads((cv_out / "cross_validation.json").read_text())
    assert sorted(partial["folds"]) == ["1", "2", "3"]
    assert partial["protocol"].startswith("10-fold cross-validation")
    assert partial["protocol"].endswith("[in progress: 3 of 10 folds finished]")
    first_report = (cv_out / "fold_1" / "test_report.json").stat().st_mtime_ns

    calls.clear()

    def count(hparams, run_opts, manifests):
        calls.append(hparams["test_folds"][0])
        return run_classification(hparams, run_opts, manifests)

    summary = cross_validation.run_cross_validation(argv, run_fold=count)
    assert calls == [4, 5, 6, 7, 8, 9, 10]  # the finished folds are not run again
    assert (cv_out / "fold_1" / "test_report.json").stat().st_mtime_ns == first_report
    assert sorted(summary["folds"]) == list(range(1, 11))
    accuracies = []
    for fold in range(1, 11):
        report = json.loads((cv_out / f"fold_{fold}" / "test_report.json").read_text())
        assert report["n_items"] == 10  # one clip per class in every fold
        assert json.loads((cv_out / f"fold_{fold}" / "cv_fold.json").read_text())["test_folds"] == [fold]
        assert (cv_out / f"fold_{fold}" / "pretrained" / "hyperparams.yaml").is_file()
        accuracies.append(report["accuracy"])
    assert summary["mean"] == pytest.approx(sum(accuracies) / 10)
    assert summary["std"] == pytest.approx(float(torch.tensor(accuracies, dtype=torch.float64).std()), abs=1e-9)
    pooled = torch.tensor(summary["pooled"]["confusion_matrix"])
    assert int(pooled.sum()) == 100 and pooled.sum(dim=1).tolist() == [10] * 10
    table = (cv_out / "cross_validation.md").read_text()
    assert "mean +- std over 10 fold(s)" in table and "in progress" not in table
    assert (cv_out / "confusion_matrix.csv").read_text().count("\n") == 11
    assert (cv_out / "confusion_matrix.png").stat().st_size > 1000

    # a fold folder of another split is refused, not mixed in
    with pytest.raises(ValueError, match="holds a run of the split"):
        cross_validation.run_cross_validation(
            argv + ["--cv_folds", "[1, 2, 3, 4, 5, 6, 7, 8, 10, 9]"], run_fold=count)


def test_cross_validation_refuses_bad_settings(synthetic_us8k, tmp_path):
    from speechbrain_interp.programs import cross_validation

    argv = [str(RECIPES / "classification" / "hparams" / "cnn14_small.yaml"),
            "--data_folder", str(synthetic_us8k), "--cv_output_folder", str(tmp_path / "cv")]
    with pytest.raises(ValueError, match=r"cv_test_folds \[11\] are not in cv_folds"):
        cross_validation.run_cross_validation(argv + ["--cv_test_folds", "[11]"])
    with pytest.raises(ValueError, match="sets output_folder, test_folds"):
        cross_validation.run_cross_validation(argv + ["--test_folds", "[3]", "--output_folder", "x"])
    # a YAML without the cross-validation keys is refused, naming the key and the file
    source = RECIPES / "classification" / "hparams" / "cnn14_small.yaml"
    plain = tmp_path / "no_cv.yaml"
    plain.write_text("".join(line for line in source.read_text().splitlines(keepends=True)
                             if not line.startswith(("cv_folds:", "cv_test_folds:"))))
    with pytest.raises(KeyError, match=f"'cv_folds'.*{plain}"):
        cross_validation.run_cross_validation([str(plain), "--data_folder", str(synthetic_us8k)])
