"""The project's programs on classifiers of other toolkits (issue 28): L-MAC trained by the
ESC-50 interpreter recipe with ``--classifier_source`` naming a SpeechBrain ECAPA, an AST or
a wav2vec 2.0 (each small, in its hub's layout), exported as a folder that references the
classifier instead of copying it, and ``sb-interp explain`` on real ESC-10 recordings with
each model, by method name and with the trained L-MAC."""

import csv
import json

import pytest
import soundfile
import torch

from helpers import CLEAN_TRAINING, REPO, load_script, shared_dataset, write_tiny_esc50
from speechbrain_interp.examples import write_speechbrain_ecapa
from speechbrain_interp.inference import AudioInterpreter, SoundClassifier
from speechbrain_interp.programs.cli import main as sb_interp

pytestmark = pytest.mark.slow  # each family trains an L-MAC with the recipe

RECIPE = REPO / "recipes" / "ESC50" / "interpret"
FAMILIES = ("ecapa", "ast", "wav2vec2")
#: L-MAC reads four representations, three of the two-layer AST
N_REPS = {"ecapa": 4, "ast": 3, "wav2vec2": 4}
#: real ESC-10 recordings (44.1 kHz, 5 s) the command line explains
N_CLIPS = 4


def _write_model(family, folder, labels):
    if family == "ecapa":
        return write_speechbrain_ecapa(folder, labels, repo=f"sbinterp-test/{family}")
    pytest.importorskip("transformers", reason="the [hf] extra is not installed")
    from speechbrain_interp.examples import write_transformers_classifier

    return write_transformers_classifier(folder, family, labels)


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """The tiny ESC-50-layout set and its class names, in the manifest's order."""
    folder = write_tiny_esc50(tmp_path_factory.mktemp("esc50"))
    rows = list(csv.DictReader(open(folder / "meta" / "esc50.csv", encoding="utf-8")))
    labels = list(dict.fromkeys(row["category"] for row in rows))
    return folder, labels


@pytest.fixture(scope="module", params=FAMILIES)
def trained(request, data, tmp_path_factory):
    """(family, model folder, run folder, brain): an L-MAC of the family's model trained
    one epoch by the recipe."""
    family = request.param
    folder, labels = data
    root = tmp_path_factory.mktemp(family)
    model = _write_model(family, root / "model", labels)
    run = root / "lmac"
    brain = load_script(RECIPE / "train.py").main([
        str(RECIPE / "hparams" / "lmac_small.yaml"), "--data_folder", str(folder),
        "--classifier_source", str(model), "--output_folder", str(run),
        "--number_of_epochs", "1", "--batch_size", "4", "--signal_length_s", "1.0",
        "--n_reps", str(N_REPS[family]), "--noprogressbar", "--train_folds", "[1, 2, 3]",
        "--valid_folds", "[4]", "--test_folds", "[5]", *CLEAN_TRAINING])
    return family, model, run, brain


def test_the_recipe_trains_lmac_and_exports_a_folder_that_references_the_classifier(trained):
    family, model, run, brain = trained
    assert all(torch.isfinite(torch.tensor(v)) for v in brain.test_stats.values())
    pretrained = run / "pretrained"
    files = sorted(p.name for p in pretrained.iterdir())
    assert files == ["README.md", "example.wav", "hyperparams.yaml", "interpreter.ckpt",
                     "label_encoder.ckpt"]  # no weights of the classifier
    text = (pretrained / "hyperparams.yaml").read_text()
    assert f'classifier_source: "{model.resolve()}"' in text
    expected = "speechbrain" if family == "ecapa" else "transformers"
    assert f'classifier_family: "{expected}"' in text
    assert "named by `classifier_source`" in (pretrained / "README.md").read_text()
    loaded = AudioInterpreter.from_hparams(str(pretrained))
    wave = torch.randn(2, 16000)
    with torch.no_grad():
        a = loaded.interpreter.interpret(wave).mask
        b = brain.interpreter.eval().interpret(wave).mask
    assert torch.allclose(a, b, atol=1e-5)


def test_export_with_the_classifier_repo_loads_from_the_hub(trained, tmp_path, offline_hub):
    family, model, run, brain = trained
    repo = f"sbinterp-test/{family}"
    out = tmp_path / "upload"
    assert sb_interp(["export", str(run), str(out), "--classifier_repo", repo]) == 0
    text = (out / "hyperparams.yaml").read_text()
    assert f'classifier_source: "{repo}"' in text and str(model) not in text
    assert f"[{repo}](https://huggingface.co/{repo})" in (out / "README.md").read_text()
    offline_hub(model, repo)
    loaded = AudioInterpreter.from_hparams(str(out))
    assert loaded.classifier.source == repo
    wave = torch.randn(1, 16000)
    with torch.no_grad():
        a = loaded.interpreter.interpret(wave).mask
        b = brain.interpreter.eval().interpret(wave).mask
    assert torch.allclose(a, b, atol=1e-5)


def test_the_evaluation_program_scores_the_adapted_model_beside_its_baselines(trained, data,
                                                                           tmp_path):
    family, model, run, _ = trained
    out = tmp_path / "eval"
    load_script(RECIPE / "eval.py").main([
        str(RECIPE / "hparams" / "eval_small.yaml"), "--data_folder", str(data[0]),
        "--classifier_source", str(model), "--interpreters", f"{{lmac: {run}}}",
        "--baselines", "[saliency, gradcam, all-ones]", "--conditions", "[clean, mixture]",
        "--test_folds", "[5]", "--signal_length_s", "1.0", "--output_folder", str(out),
        "--n_examples", "1", "--batch_size", "4", "--noprogressbar"])
    summary = json.loads((out / "results.json").read_text())
    methods = ["lmac", "random (lmac)", "saliency", "gradcam", "all-ones"]
    for condition in ("clean", "mixture"):
        assert sorted(summary[condition]["methods"]) == sorted(methods)
        for method in methods:
            stats = summary[condition]["methods"][method]
            assert all(torch.isfinite(torch.tensor(stats[k])) for k in ("AI", "AD", "FF", "MM"))
        assert "AUC" in summary["mixture"]["methods"]["lmac"]  # the truth of the mixtures
        ones = summary[condition]["methods"]["all-ones"]
        assert ones["AI"] == ones["AD"] == 0 and ones["FidIn"] == 1


@pytest.fixture(scope="module")
def esc10_clips():
    audio = shared_dataset("ESC-50-esc10") / "audio"
    return sorted(audio.glob("*.wav"))[:N_CLIPS]


def _check_outputs(out, clips, model, explainer):
    """Every clip's outputs, its decision and probabilities those of the model itself
    (classified window by window as the explainer's folder says)."""
    classifier = SoundClassifier.from_hparams(str(model), overrides={
        "window_s": explainer.hparams.window_s, "hop_s": explainer.hparams.hop_s})
    summary = json.loads((out / "summary.json").read_text())
    assert len(summary) == len(clips) and not any("error" in e for e in summary.values())
    for clip in clips:
        entry = summary[str(clip.resolve())]
        folder = out / entry["output"].split(str(out) + "/")[-1]
        result = json.loads((folder / "result.json").read_text())
        own = classifier.classify_file(str(clip))  # the model's own decision on the recording
        assert result["label"] == own.labels[0]
        assert list(result["probabilities"].values()) == pytest.approx(
            own.probabilities[0].tolist(), abs=1e-5)
        assert all(isinstance(v, float) for v in result["faithfulness"].values())
        heard, rate = soundfile.read(folder / "interpretation.wav")
        assert rate == classifier.sample_rate
        assert len(heard) == round(soundfile.info(str(clip)).duration * rate)
        assert (folder / "explanation.png").stat().st_size > 0


def test_sb_interp_explains_real_recordings_with_each_model(trained, esc10_clips, tmp_path):
    family, model, run, _ = trained
    by_name = tmp_path / "gradcam"
    argv = ["explain", "--classifier_source", str(model), "--method", "gradcam",
            *map(str, esc10_clips), "--out", str(by_name)]
    assert sb_interp(argv) == 0
    _check_outputs(by_name, esc10_clips, model,
                   AudioInterpreter.from_hparams(str(model), method="gradcam"))
    trained_out = tmp_path / "lmac"
    assert sb_interp(["explain", "--source", str(run / "pretrained"), *map(str, esc10_clips),
                      "--out", str(trained_out)]) == 0
    _check_outputs(trained_out, esc10_clips, model,
                   AudioInterpreter.from_hparams(str(run / "pretrained")))
    method = json.loads(next(trained_out.rglob("result.json")).read_text())["method"]
    assert method == "LMAC"


def test_piq_pv_and_l2i_recipes_train_on_an_adapted_model_and_reload(data, tmp_path):
    folder, labels = data
    model = _write_model("ecapa", tmp_path / "ecapa", labels)
    common = ["--data_folder", str(folder), "--classifier_source", str(model),
              "--signal_length_s", "1.0", "--noprogressbar", "--train_folds", "[1, 2, 3]",
              "--valid_folds", "[4]", "--test_folds", "[5]"]
    load_script(RECIPE / "train_nmf.py").main([
        str(RECIPE / "hparams" / "nmf_small.yaml"), "--output_folder", str(tmp_path / "nmf"),
        *common])
    extra = {"l2i_small.yaml": ["--nmf_source", str(tmp_path / "nmf" / "pretrained")]}
    wave = torch.randn(1, 16000)
    for hparams in ("piq_small.yaml", "pv_small.yaml", "l2i_small.yaml"):
        run = tmp_path / hparams.split("_")[0]
        brain = load_script(RECIPE / "train.py").main([
            str(RECIPE / "hparams" / hparams), "--output_folder", str(run),
            "--number_of_epochs", "1", "--batch_size", "4", *common,
            *extra.get(hparams, [])])
        assert not (run / "pretrained" / "embedding_model.ckpt").exists(), hparams
        loaded = AudioInterpreter.from_hparams(str(run / "pretrained"))
        assert type(loaded.interpreter) is type(brain.interpreter)
        with torch.no_grad():
            a = loaded.interpreter.interpret(wave).mask
            b = brain.interpreter.eval().interpret(wave).mask
        assert torch.allclose(a, b, atol=1e-5), hparams
