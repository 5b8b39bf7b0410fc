"""The evaluation program end to end on data the project makes itself.

A narrow classifier and an L-MAC interpreter are trained for one epoch on a
tiny synthetic ESC-50-layout set; ``recipes/ESC50/interpret/eval.py`` then
scores them with captum baselines under every condition (WHAM!-layout and
LJSpeech-layout contaminants made by the synthetic generators) and writes
the tables, per-clip files, listening examples, figures and the gallery.
"""

import csv
import html.parser
import json
import math
import os

import pytest

from helpers import REPO, load_script
from speechbrain_interp.synthetic import make_esc50_like, make_ljspeech_like, make_wham_like

RECIPES = REPO / "recipes" / "ESC50"
SMALL = ["--base_channels", "4", "--emb_dim", "128", "--noprogressbar"]
FOLDS = ["--train_folds", "[1, 2, 3]", "--valid_folds", "[4]", "--test_folds", "[5]"]

pytestmark = pytest.mark.slow  # every test uses the module's trained classifier and L-MAC


_recipe = load_script


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """Synthetic data, a one-epoch classifier and a one-epoch L-MAC."""
    root = tmp_path_factory.mktemp("eval_data")
    make_esc50_like(root / "ESC-50", n_classes=3, clips_per_class=10, clip_seconds=1.0, seed=3)
    make_wham_like(root / "wham", n_files={"tr": 2, "cv": 1, "tt": 2}, seconds=(0.5, 2.0), seed=4)
    make_ljspeech_like(root / "lj", n_utterances=3, seconds=(1.0, 2.0), seed=5)
    data = root / "ESC-50"
    clf_out = root / "classifier"
    _recipe(RECIPES / "classification" / "train.py").main([
        str(RECIPES / "classification" / "hparams" / "cnn14_small.yaml"), "--data_folder", str(data),
        "--output_folder", str(clf_out), "--number_of_epochs", "1", "--n_classes", "3",
        "--signal_length_s", "1.0", *SMALL, *FOLDS])
    lmac_out = root / "lmac"
    _recipe(RECIPES / "interpret" / "train.py").main([
        str(RECIPES / "interpret" / "hparams" / "lmac_small.yaml"), "--data_folder", str(data),
        "--classifier_source", str(clf_out / "pretrained"), "--output_folder", str(lmac_out),
        "--number_of_epochs", "1", "--batch_size", "8", "--signal_length_s", "1.0",
        "--noprogressbar", "--wham_folder", str(root / "wham"), "--speech_folder", str(root / "lj"),
        *FOLDS])  # the default training: contaminated by other clips, speech and WHAM!
    return root, clf_out / "pretrained", lmac_out


class _Sources(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.sources = []

    def handle_starttag(self, tag, attrs):
        if tag in ("audio", "img"):
            self.sources.append(dict(attrs)["src"])


def test_eval_program_every_condition_and_output(trained, tmp_path):
    root, classifier, lmac = trained
    out = tmp_path / "eval"
    baselines = "[saliency, gradcam (Mel), all-ones]"
    results = _recipe(RECIPES / "interpret" / "eval.py").main([
        str(RECIPES / "interpret" / "hparams" / "eval_small.yaml"),
        "--data_folder", str(root / "ESC-50"), "--classifier_source", str(classifier),
        "--interpreters", f"{{lmac: {lmac}}}", "--baselines", baselines,
        "--test_folds", "[4, 5]", "--signal_length_s", "1.0", "--output_folder", str(out),
        "--wham_folder", str(root / "wham"), "--speech_folder", str(root / "lj"),
        "--n_examples", "1", "--batch_size", "4",
    ])
    conditions = ["clean", "wham", "mixture", "mixture_snr", "speech", "white"]
    methods = ["lmac", "random (lmac)", "saliency", "gradcam (Mel)", "all-ones"]
    assert list(results) == conditions
    n_clips = 12  # folds 4 and 5 of 3 classes x 10 clips
    summary = json.loads((out / "results.json").read_text())
    for cond in conditions:
        assert summary[cond]["items"] == (2 * n_clips if cond.startswith("mixture") else n_clips)
        assert 0.0 <= summary[cond]["accuracy"] <= 100.0
        assert sorted(summary[cond]["methods"]) == sorted(methods)
        for method in methods:
            stats = summary[cond]["methods"][method]
            assert all(math.isfinite(stats[k]) for k in ("AI", "AD", "AG", "FF", "FidIn", "MM"))
            assert ("AUC" in stats) == (cond != "clean")
            rows = list(csv.DictReader(open(out / cond / f"per_clip_{''.join(c if c.isalnum() else '_' for c in method)}.csv")))
            assert len(rows) == summary[cond]["items"]
        ones = summary[cond]["methods"]["all-ones"]
        assert ones["AI"] == ones["AD"] == 0 and ones["FidIn"] == 1
    # the Mel-domain baseline is scored on the features: its MM is the feature mask's mean
    assert summary["clean"]["methods"]["gradcam (Mel)"]["MM"] > 0
    report = (out / "results.md").read_text()
    assert "Ground truth, speech" in report and "| lmac |" in report
    # listening examples: every part and every method, and the gallery points at them
    example = out / "mixture" / "examples"
    folder = next(example.iterdir())
    names = {p.name for p in folder.iterdir()}
    assert {"mixture.wav", "source.wav", "contaminant.wav", "masks.png", "interpretation_lmac.wav"} <= names
    page = out / "index.html"
    parser = _Sources()
    parser.feed(page.read_text())
    assert len(parser.sources) >= len(conditions) * (len(methods) + 1)
    for src in parser.sources:
        assert os.path.isfile(os.path.join(out, src.replace("%20", " ").replace("%28", "(").replace("%29", ")")))
    assert (out / "metrics.png").is_file() and (out / "localization.png").is_file()


def test_eval_program_names_what_is_missing(trained, tmp_path):
    root, classifier, _ = trained
    main = _recipe(RECIPES / "interpret" / "eval.py").main
    common = [str(RECIPES / "interpret" / "hparams" / "eval_small.yaml"),
              "--data_folder", str(root / "ESC-50"), "--classifier_source", str(classifier),
              "--signal_length_s", "1.0", "--output_folder", str(tmp_path / "e")]
    with pytest.raises(ValueError, match="speech_folder"):
        main(common + ["--conditions", "[speech]"])
    with pytest.raises(ValueError, match="unknown .*'sailency'|sailency"):
        main(common + ["--conditions", "[clean]", "--baselines", "[x]",
                       "--baseline_settings", "{x: {method: sailency}}"])
    with pytest.raises(ValueError, match="no entry in baseline_settings"):
        main(common + ["--conditions", "[clean]", "--baselines", "[not_configured]"])
    with pytest.raises(FileNotFoundError, match="no_such_run"):
        main(common + ["--conditions", "[clean]", "--interpreters", f"{{a: {tmp_path / 'no_such_run'}}}"])


def test_moved_run_loads_from_another_working_directory(trained, tmp_path, monkeypatch):
    """A run folder is self-contained: moved, and loaded from elsewhere, it
    gives the same masks and writes nothing where it is loaded from."""
    import shutil

    import torch

    from speechbrain_interp.inference import load_interpreter

    _, classifier, lmac = trained
    moved = tmp_path / "moved" / "lmac"
    shutil.copytree(lmac, moved, ignore=shutil.ignore_patterns("save"))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    interpreter = load_interpreter(moved)
    wave = torch.randn(1, 16000)
    expected = load_interpreter(lmac).interpret(wave).mask
    assert torch.allclose(interpreter.interpret(wave).mask, expected, atol=1e-6)
    assert list(elsewhere.iterdir()) == []  # no ./results, no ./pretrained_models


def test_eval_program_scores_pv_and_rde_beside_lmac(trained, tmp_path):
    """A one-epoch PV run and the STFT RDE baseline go through the same program."""
    root, classifier, lmac = trained
    pv = tmp_path / "pv"
    _recipe(RECIPES / "interpret" / "train.py").main([
        str(RECIPES / "interpret" / "hparams" / "pv_small.yaml"), "--data_folder",
        str(root / "ESC-50"), "--classifier_source", str(classifier), "--output_folder", str(pv),
        "--number_of_epochs", "1", "--batch_size", "8", "--signal_length_s", "1.0",
        "--decoder_channels", "[16, 8, 8, 8, 8]", "--noprogressbar", *FOLDS])
    out = tmp_path / "eval"
    _recipe(RECIPES / "interpret" / "eval.py").main([
        str(RECIPES / "interpret" / "hparams" / "eval_small.yaml"),
        "--data_folder", str(root / "ESC-50"), "--classifier_source", str(classifier),
        "--interpreters", f"{{lmac: {lmac}, pv: {pv}}}", "--baselines", "[gradcam, rde]",
        "--baseline_settings", "{gradcam: {method: gradcam, domain: linear}, rde: {method: rde, "
        "domain: linear, steps: 5, n_samples: 2, pool: [4, 8]}}",
        "--conditions", "[mixture]", "--random_references", "False", "--gallery", "False",
        "--test_folds", "[5]", "--signal_length_s", "1.0", "--output_folder", str(out),
        "--n_examples", "1", "--batch_size", "4",
    ])
    summary = json.loads((out / "results.json").read_text())["mixture"]["methods"]
    assert sorted(summary) == ["gradcam", "lmac", "pv", "rde"]
    for stats in summary.values():
        assert all(math.isfinite(stats[k]) for k in ("AI", "AD", "FF", "FidIn", "AUC"))
    assert 0.0 <= summary["pv"]["PV_agree"] <= 1.0  # PV's own figures reach the table
    report = (out / "results.md").read_text()
    assert "| pv |" in report and "| rde |" in report


def test_eval_program_runs_on_the_given_device(trained, tmp_path, monkeypatch):
    """``--device`` reaches the evaluation (it ran on the CPU whatever was asked, issue 26)."""
    import speechbrain_interp.programs.evaluation as evaluation

    root, classifier, _ = trained
    seen = {}

    class Stop(Exception):
        pass

    def recording(*args, **kwargs):
        seen.update(kwargs)
        raise Stop

    monkeypatch.setattr(evaluation, "evaluate", recording)
    with pytest.raises(Stop):
        _recipe(RECIPES / "interpret" / "eval.py").main([
            str(RECIPES / "interpret" / "hparams" / "eval_small.yaml"),
            "--data_folder", str(root / "ESC-50"), "--classifier_source", str(classifier),
            "--signal_length_s", "1.0", "--output_folder", str(tmp_path / "e"),
            "--conditions", "[clean]", "--baselines", "[saliency]", "--device", "cpu:0"])
    assert seen["device"] == "cpu:0"
