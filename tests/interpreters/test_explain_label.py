"""Explaining the class that was asked (issue 25, high): ``label`` means what it says.

The case reproduced: an L-MAC decoder that is not class-conditioned returned the decided
class's mask whatever ``label`` said (the CLI wrote ``"explained": "hiss"`` beside the
decision's wav), and ``label=3.7`` or ``True`` were taken. Now such an interpreter refuses
another class with a message naming how to train one that can; every method that can
explain any class follows the label; labels are class names or in-range integers.
"""

import json

import numpy as np
import pytest
import soundfile
import torch

from helpers import tiny_classifier, write_tiny_folders
from speechbrain_interp.inference import AudioInterpreter
from speechbrain_interp.interpreters import LMAC, PIQ, GradCAM, Saliency
from speechbrain_interp.interpreters.l2i import L2I
from speechbrain_interp.interpreters.l2i.nmf import NMFDictionary
from speechbrain_interp.pretrained import write_interpreter
from speechbrain_interp.programs.cli import main

CLASSES = ["dog", "rooster", "rain", "sea_waves", "crackling_fire"]


def _classifier():
    return tiny_classifier(len(CLASSES), n_mels=40, seed=0).eval()


def _conditioned(clf):
    """A conditioned L-MAC whose class embedding is not the untrained identity
    (as after training): masks depend on the class it is told."""
    lmac = LMAC(clf, decoder_width=8, conditioned=True, other_class_prob=0.5)
    with torch.no_grad():
        torch.manual_seed(1)
        lmac.decoder.class_film.weight.normal_(0.0, 1.0)
    return lmac.eval()


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    root = tmp_path_factory.mktemp("label")
    clf, encoder, settings = write_tiny_folders(root, CLASSES, window_s=1.0, hop_s=0.5, top_k=3)
    write_interpreter(str(root / "conditioned"), _conditioned(clf), encoder, settings)
    rng = np.random.default_rng(0)
    wave = (0.3 * rng.standard_normal(16000)).astype("float32")
    soundfile.write(str(root / "clip.wav"), wave, 16000)
    return root, torch.from_numpy(wave)


def _decision_and_other(model, wave):
    decision = int(model.classifier(wave=wave.unsqueeze(0)).logits.argmax())
    return decision, (decision + 1) % len(CLASSES)


def test_unconditioned_lmac_refuses_another_class(setup, tmp_path, capsys):
    root, wave = setup
    model = AudioInterpreter.from_hparams(str(root / "lmac"))
    decision, other = _decision_and_other(model, wave)
    # the case: the decoder does not read the label, so any "explanation" of another
    # class would be the decision's mask under another name
    reps = model.classifier(wave=wave.unsqueeze(0)).reps
    assert not model.interpreter.conditioned and model.interpreter.decoder.class_film is None
    assert not model.interpreter.explains_any_class
    assert len(reps) >= model.interpreter.n_reps
    # the fix: refused through the API, naming how to train one that can
    with pytest.raises(ValueError, match="conditioned: True") as err:
        model.interpret_batch(wave, label=other)
    assert CLASSES[other] in str(err.value) and CLASSES[decision] in str(err.value)
    with pytest.raises(ValueError, match="not class-conditioned"):
        model.interpret_file(str(root / "clip.wav"), label=CLASSES[other])
    # the decision itself may still be named
    out = model.interpret_batch(wave, label=CLASSES[decision])
    assert out.label.tolist() == [decision]
    # and through the CLI: a clear refusal before any file, nothing written
    out_dir = tmp_path / "out"
    status = main(["explain", "--source", str(root / "lmac"), str(root / "clip.wav"),
                   "--label", CLASSES[other], "--out", str(out_dir), "--no_faithfulness"])
    assert status == 2
    assert "explains the decision only" in capsys.readouterr().err
    assert not out_dir.exists()


@pytest.mark.parametrize("label", [3.7, True, 2.0, "hiss", 5, -1, "7", np.float64(1.0),
                                   torch.tensor(1.5)])
def test_labels_are_class_names_or_integers_in_range(setup, label):
    root, wave = setup
    model = AudioInterpreter.from_hparams(str(root / "clf"), method="gradcam")
    with pytest.raises(ValueError, match="class|label"):
        model.interpret_batch(wave, label=label)


@pytest.mark.parametrize("label", ["rain", 2, "2", np.int64(2), torch.tensor(2)])
def test_accepted_labels_all_mean_the_same_class(setup, label):
    root, wave = setup
    model = AudioInterpreter.from_hparams(str(root / "clf"), method="gradcam")
    reference = model.interpret_batch(wave, label=2)
    out = model.interpret_batch(wave, label=label)
    assert out.label.tolist() == [2]
    assert torch.equal(out.mask, reference.mask)


def test_interpreter_level_labels_are_checked():
    clf = _classifier()
    wave = torch.randn(2, 16000)
    for bad in (3.7, True, torch.tensor([0.0, 1.0]), torch.tensor([True, False])):
        with pytest.raises(ValueError, match="label"):
            Saliency(clf).interpret(wave, label=bad)


def _methods(clf):
    torch.manual_seed(0)
    nmf = NMFDictionary(clf.frontend.n_freqs, 8)
    nmf.fit(torch.rand(clf.frontend.n_freqs, 64), n_iter=5,
            generator=torch.Generator().manual_seed(0))
    l2i = L2I(clf, nmf, width=8, relevance_threshold=0.0)
    return {
        "saliency": Saliency(clf),
        "gradcam": GradCAM(clf),
        "piq": PIQ(clf),
        "l2i": l2i.eval(),
        "lmac (conditioned)": _conditioned(clf),
    }


@pytest.mark.slow  # every method, each asked class (9 s)
def test_every_method_that_can_follows_the_asked_class():
    """The mask for a class the classifier did not decide is that class's: it differs
    from the decision's, and the interpretation says which class it explains."""
    clf = _classifier()
    torch.manual_seed(3)
    wave = torch.randn(1, 16000)
    decision = int(clf(wave=wave).logits.argmax())
    other = (decision + 2) % len(CLASSES)
    for name, method in _methods(clf).items():
        assert method.explains_any_class, name
        grad = torch.enable_grad if method.needs_input_grad else torch.no_grad
        with grad():
            own = method.interpret(wave, label=decision)
            asked = method.interpret(wave, label=other)
        assert asked.label.tolist() == [other], name
        assert (own.mask - asked.mask).abs().max() > 1e-6, name


def test_cli_explains_the_asked_class_with_a_conditioned_lmac(setup, tmp_path):
    root, wave = setup
    model = AudioInterpreter.from_hparams(str(root / "conditioned"))
    decision, other = _decision_and_other(model, wave)
    out_dir = tmp_path / "out"
    status = main(["explain", "--source", str(root / "conditioned"), str(root / "clip.wav"),
                   "--label", CLASSES[other], "--out", str(out_dir), "--no_faithfulness"])
    assert status == 0
    record = json.loads((out_dir / "clip" / "result.json").read_text())
    assert record["explained"] == CLASSES[other] and record["label"] == CLASSES[decision]
    played, _ = soundfile.read(str(out_dir / "clip" / "interpretation.wav"), dtype="float32")
    asked = model.interpret_file(str(root / "clip.wav"), label=other).wave.numpy()
    own = model.interpret_file(str(root / "clip.wav")).wave.numpy()
    assert np.abs(played - asked).max() < 1e-3  # the asked class's wav (16-bit file)
    assert np.abs(played - own).max() > 1e-2  # not the decision's


def test_conditioned_training_explains_the_contaminating_clips_class():
    clf = _classifier()
    lmac = LMAC(clf, decoder_width=8, conditioned=True, other_class_prob=0.5, finetune=True,
                cct=0.0)
    contaminant = torch.tensor([3, -1, 1, -1] * 1000)
    torch.manual_seed(0)
    drawn = lmac.training_labels(contaminant)
    classed = contaminant >= 0
    # only a class the clip holds is drawn, for about half of those clips; -1: the decision
    assert bool((drawn[~classed] == -1).all())
    assert bool(((drawn[classed] == contaminant[classed]) | (drawn[classed] == -1)).all())
    assert 0.45 < (drawn[classed] >= 0).float().mean() < 0.55
    assert LMAC(clf, decoder_width=8).training_labels(contaminant) is None
    with pytest.raises(ValueError, match="conditioned"):
        LMAC(clf, decoder_width=8, other_class_prob=0.5)
    # -1 stands for the decision
    wave = torch.randn(2, 16000)
    decision = clf(wave=wave).logits.argmax(-1)
    lmac.train()
    out = lmac.interpret(wave, label=torch.tensor([-1, int(decision[1] + 1) % len(CLASSES)]),
                         with_wave=False)
    assert int(out.label[0]) == int(decision[0]) and int(out.label[1]) != int(decision[1])
    # a class other than the decision is guided only when its part is given
    assert float(lmac.loss(out)["guided_fraction"]) == pytest.approx(0.5)
    part = out.magnitude.detach()
    assert float(lmac.loss(out, part, torch.zeros_like(part))["guided_fraction"]) == 1.0


def test_model_card_says_how_to_explain_another_class():
    from speechbrain_interp.programs.export import model_card

    data = ("mod.prepare", {"test_folds": [5]})
    card = model_card("interpreter", "lmac", CLASSES, "LMAC", data, {}, 0, "me/lmac")
    assert "## Explaining another class" in card and "--label crackling_fire" in card
    only = model_card("interpreter", "lmac", CLASSES, "LMAC", data, {}, 0, "me/lmac",
                      any_class=False)
    assert "is refused" in only and "--conditioned True --other_class_prob 0.5" in only
    assert "Explaining another class" not in model_card("classifier", "c", CLASSES, None, data,
                                                         {}, 0, "me/c")


@pytest.mark.slow  # runs tools/label_check.py
def test_label_check_tool_measures_the_asked_class(setup, tmp_path):
    """tools/label_check.py on two clips of different classes, mixed, with Grad-CAM."""
    from helpers import REPO, load_script

    root, _ = setup
    rng = np.random.default_rng(1)
    manifest = {}
    for i, name in enumerate(["dog", "rain"]):
        path = tmp_path / f"{name}.wav"
        soundfile.write(str(path), (0.3 * rng.standard_normal(16000)).astype("float32"), 16000)
        manifest[name] = {"wav": "{data_root}/" + path.name, "class_string": name}
    (tmp_path / "test.json").write_text(json.dumps(manifest))
    tool = load_script(REPO / "tools" / "label_check.py")
    assert tool._partners(["a", "a", "b"]) == [2, 2, 0]
    out = tmp_path / "table.md"
    assert tool.main(["--interpreter", str(root / "clf"), "--method", "gradcam", "--manifest",
                      str(tmp_path / "test.json"), "--data_root", str(tmp_path), "--mixtures",
                      "--out", str(out)]) == 0
    table = out.read_text()
    assert "| runner-up | 2 |" in table and "mixed-in class" in table
