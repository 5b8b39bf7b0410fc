"""Pretrained folders: loading that fails loudly, never silently (issue 13, point 6),
hub loading offline, and the inputs ``interpret`` accepts or refuses.

Every case is tried as a new user would: a folder written from a tiny
classifier and interpreter, then damaged, moved or misnamed.
"""

import os
import pickle
import random
import shutil
import time

import numpy as np
import pytest
import torch
from speechbrain.dataio.encoder import CategoricalEncoder

from helpers import serve_as_hub, tiny_classifier
from speechbrain_interp.inference import (
    AudioInterpreter, PretrainedSourceError, SoundClassifier, load_interpreter,
)  # fmt: skip
from speechbrain_interp.interpreters import LMAC
from speechbrain_interp.pretrained import PretrainedFileError, write_classifier, write_interpreter

SETTINGS = {"window_s": 1.0, "hop_s": 0.5, "batch_size": 4, "top_k": 2,
            "normalize_windows": True}


def _classifier(labels, seed=0):
    clf = tiny_classifier(len(labels), n_mels=40, seed=seed).eval()
    encoder = CategoricalEncoder()
    encoder.update_from_iterable(labels)
    return clf, encoder


def _lmac(clf):
    interpreter = LMAC(clf, decoder_width=8).eval()
    for p in interpreter.decoder.parameters():  # "trained": not the initial weights
        p.data.normal_(0, 0.1)
    return interpreter


LABELS = [f"class{i}" for i in range(10)]


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("pretrained")
    clf, encoder = _classifier(LABELS)
    write_classifier(str(root / "clf"), clf, encoder, SETTINGS)
    interpreter = _lmac(clf)
    write_interpreter(str(root / "lmac"), interpreter, encoder, SETTINGS)
    small, small_encoder = _classifier(["a", "b"], seed=1)
    write_classifier(str(root / "clf2"), small, small_encoder, SETTINGS)
    other, _ = _classifier(LABELS, seed=2)
    write_classifier(str(root / "clf_other_weights"), other, encoder, SETTINGS)
    return root, clf, interpreter


def _copy(folders, name, tmp_path):
    target = tmp_path / name
    shutil.copytree(folders[0] / name, target)
    return target


# ------------------------------------------------------------- damaged files


@pytest.mark.parametrize("damage", ["truncated", "empty", "foreign", "text"])
def test_damaged_checkpoint_names_the_file(folders, tmp_path, damage):
    folder = _copy(folders, "clf", tmp_path)
    ckpt = folder / "embedding_model.ckpt"
    if damage == "truncated":
        ckpt.write_bytes(ckpt.read_bytes()[:1000])
    elif damage == "empty":
        ckpt.write_bytes(b"")
    elif damage == "foreign":  # a valid checkpoint of another model
        torch.save(torch.nn.Linear(3, 3).state_dict(), ckpt)
    else:
        ckpt.write_text("not a checkpoint")
    with pytest.raises(PretrainedFileError, match="embedding_model.ckpt"):
        SoundClassifier.from_hparams(str(folder))


def test_checkpoint_that_runs_code_is_refused(folders, tmp_path):
    """torch.load is weights-only: a pickle that would run a command is not executed."""
    folder = _copy(folders, "clf", tmp_path)
    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    with open(folder / "classifier.ckpt", "wb") as f:
        pickle.dump({"weight": Payload()}, f)
    with pytest.raises(PretrainedFileError, match="classifier.ckpt"):
        SoundClassifier.from_hparams(str(folder))
    assert not marker.exists()


def test_missing_label_file_is_an_error_not_zero_classes(folders, tmp_path):
    folder = _copy(folders, "clf", tmp_path)
    (folder / "label_encoder.ckpt").unlink()
    with pytest.raises((PretrainedFileError, PretrainedSourceError), match="label_encoder"):
        SoundClassifier.from_hparams(str(folder))
    with pytest.raises((PretrainedFileError, PretrainedSourceError), match="label_encoder"):
        SoundClassifier.from_hparams(str(folder), savedir=str(tmp_path / "linked"))


def test_label_file_of_the_wrong_size_is_an_error(folders, tmp_path):
    folder = _copy(folders, "clf", tmp_path)
    encoder = CategoricalEncoder()
    encoder.update_from_iterable(["a", "b"])
    encoder.save(str(folder / "label_encoder.ckpt"))
    with pytest.raises(PretrainedFileError, match="2 labels but the classifier has 10 outputs"):
        SoundClassifier.from_hparams(str(folder))


# ------------------------------------------------------- classifier mismatches


def test_interpreter_refuses_a_classifier_with_other_classes(folders):
    root = folders[0]
    with pytest.raises(ValueError, match="2 classes .* trained for 10"):
        AudioInterpreter.from_hparams(str(root / "lmac"), classifier_source=str(root / "clf2"))


def test_interpreter_warns_about_a_classifier_with_other_weights(folders, caplog):
    root = folders[0]
    AudioInterpreter.from_hparams(str(root / "lmac"), classifier_source=str(root / "clf"))
    assert "not the classifier this interpreter was trained on" not in caplog.text
    AudioInterpreter.from_hparams(str(root / "lmac"),
                                  classifier_source=str(root / "clf_other_weights"))
    assert "not the classifier this interpreter was trained on" in caplog.text


def test_classifier_folder_given_as_interpreter_says_what_to_do(folders):
    with pytest.raises(PretrainedSourceError, match="classifier folder, not an interpreter.*method="):
        AudioInterpreter.from_hparams(str(folders[0] / "clf"))
    # ... and with a method name it is what gradient baselines explain
    saliency = AudioInterpreter.from_hparams(str(folders[0] / "clf"), method="saliency")
    assert saliency.interpret_batch(torch.randn(1, 16000)).mask.shape == (1, 87, 513)


# ---------------------------------------------------------------- sources


def test_mistyped_local_path_is_not_taken_for_a_repo(folders, tmp_path, monkeypatch):
    shutil.copytree(folders[0] / "clf", tmp_path / "results" / "pretrained")
    monkeypatch.chdir(tmp_path)
    start = time.monotonic()
    with pytest.raises(PretrainedSourceError, match=r"no such folder: results/pretrainde .*did you "
                                                    r"mean results/pretrained"):
        SoundClassifier.from_hparams("results/pretrainde")
    assert time.monotonic() - start < 5
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results"]  # no pretrained_models/


def test_folder_without_hyperparams_is_named(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(PretrainedSourceError, match="no hyperparams.yaml"):
        SoundClassifier.from_hparams(str(tmp_path / "empty"))


def test_missing_repo_offline_fails_at_once_naming_it(offline_hub):
    start = time.monotonic()
    with pytest.raises(PretrainedSourceError, match="nobody/nothing-here.*HF_HUB_OFFLINE.*download"):
        SoundClassifier.from_hparams("nobody/nothing-here")
    assert time.monotonic() - start < 5


def test_missing_repo_without_network_fails_at_once_naming_it(tmp_path, monkeypatch):
    import socket

    import huggingface_hub.constants as hf_constants

    monkeypatch.setattr(hf_constants, "HF_HUB_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(hf_constants, "HF_HUB_OFFLINE", False)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)

    def no_network(*args, **kwargs):
        raise OSError("Network is unreachable")

    monkeypatch.setattr(socket, "create_connection", no_network)
    start = time.monotonic()
    with pytest.raises(PretrainedSourceError, match="nobody/nothing-here.*cannot be reached"):
        SoundClassifier.from_hparams("nobody/nothing-here")
    assert time.monotonic() - start < 5


def test_hub_repo_loads_from_the_cache_offline_like_the_folder(folders, tmp_path, offline_hub):
    offline_hub(folders[0] / "lmac", "someone/lmac-tiny")
    hub = AudioInterpreter.from_hparams("someone/lmac-tiny")  # no savedir: nothing written here
    local = AudioInterpreter.from_hparams(str(folders[0] / "lmac"))
    wave = torch.randn(2, 16000)
    assert torch.equal(hub.interpret_batch(wave).mask, local.interpret_batch(wave).mask)


def test_classifier_referenced_on_the_hub(folders, tmp_path, offline_hub):
    """An interpreter folder may reference its classifier's repo instead of copying it."""
    root, clf, interpreter = folders
    offline_hub(root / "clf", "someone/cnn14-tiny")
    encoder = CategoricalEncoder()
    encoder.update_from_iterable(LABELS)
    write_interpreter(str(tmp_path / "ref"), interpreter, encoder, SETTINGS,
                      classifier_repo="someone/cnn14-tiny")
    assert not (tmp_path / "ref" / "embedding_model.ckpt").exists()
    loaded = AudioInterpreter.from_hparams(str(tmp_path / "ref"), savedir=str(tmp_path / "s"))
    wave = torch.randn(1, 16000)
    assert torch.allclose(loaded.interpret_batch(wave).mask, interpreter.interpret(wave).mask,
                          atol=1e-6)
    with pytest.raises(ValueError, match="repo id"):
        write_interpreter(str(tmp_path / "bad"), interpreter, encoder, SETTINGS,
                          classifier_repo=str(root / "clf"))


def test_changed_source_replaces_the_files_of_a_savedir(folders, tmp_path, caplog):
    root = folders[0]
    cache = str(tmp_path / "cache")
    first = SoundClassifier.from_hparams(str(root / "clf"), savedir=cache)
    second = SoundClassifier.from_hparams(str(root / "clf_other_weights"), savedir=cache)
    assert "pretrained source changed" in caplog.text
    wave = torch.randn(1, 16000)
    assert not torch.equal(first.classify_batch(wave).logits, second.classify_batch(wave).logits)


def test_loading_leaves_the_global_generators_alone(folders):
    random.seed(3)
    np.random.seed(3)
    torch.manual_seed(3)
    expected = (random.random(), np.random.rand(), torch.rand(1))
    random.seed(3)
    np.random.seed(3)
    torch.manual_seed(3)
    load_interpreter(folders[0] / "lmac")
    SoundClassifier.from_hparams(str(folders[0] / "clf"))
    assert (random.random(), np.random.rand()) == expected[:2]
    assert torch.equal(torch.rand(1), expected[2])


def test_speechbrain_pretrained_loads_an_exported_folder(folders):
    """SpeechBrain's own interface reads the folder (modules and pretrainer, no placeholder)."""
    from speechbrain.inference.interfaces import Pretrained

    plain = Pretrained.from_hparams(str(folders[0] / "clf"))
    wave = torch.randn(1, 16000)
    with torch.no_grad():
        assert torch.allclose(plain.mods.classifier(wave=wave).logits,
                              folders[1](wave=wave).logits, atol=1e-6)


# --------------------------------------------------------- interpret inputs


@pytest.fixture(scope="module")
def lmac(folders):
    return AudioInterpreter.from_hparams(str(folders[0] / "lmac"))


def test_nan_or_inf_samples_are_refused_naming_the_items(lmac):
    wave = torch.randn(3, 16000)
    wave[1, 5], wave[2, 9] = float("nan"), float("inf")
    with pytest.raises(ValueError, match=r"batch item\(s\) \[1, 2\]"):
        lmac.interpret_batch(wave)
    with pytest.raises(ValueError, match=r"\[1, 2\]"):
        lmac.interpreter.interpret(wave)


def test_other_dtypes_and_layouts_give_the_same_mask(lmac):
    pcm = (torch.randn(2, 16000) * 3000).clamp(-32768, 32767).to(torch.int16)
    reference = lmac.interpret_batch(pcm.float() / 32768).mask
    for same in (pcm, pcm.numpy(), (pcm.double() / 32768), (pcm.float() / 32768).unsqueeze(1),
                 (pcm.float() / 32768).numpy()):
        assert torch.allclose(lmac.interpret_batch(same).mask, reference, atol=1e-6)
    with pytest.raises(ValueError, match="2 channels"):
        lmac.interpret_batch(torch.zeros(2, 2, 16000))
    with pytest.raises(TypeError, match="list"):
        lmac.interpret_batch([0.0, 0.1])


def test_returned_tensors_are_detached(lmac, folders):
    out = lmac.interpret_batch(torch.randn(1, 16000))
    assert out.mask.numpy().shape == (1, 87, 513) and out.wave.numpy().shape == (1, 16000)
    direct = load_interpreter(folders[0] / "lmac").interpret(torch.randn(1, 16000))
    assert not direct.mask.requires_grad and direct.probabilities.shape == (1, 10)


@pytest.mark.parametrize("method", ["smoothgrad", "gradient_shap"])
def test_stochastic_baselines_give_the_same_mask_for_the_same_input(folders, method):
    explain = AudioInterpreter.from_hparams(str(folders[0] / "clf"), method=method,
                                            method_overrides={"n_samples": 3})
    wave = torch.randn(2, 16000)
    first, second = explain.interpret_batch(wave).mask, explain.interpret_batch(wave).mask
    assert torch.equal(first, second)
    other = AudioInterpreter.from_hparams(str(folders[0] / "clf"), method=method,
                                          method_overrides={"n_samples": 3, "seed": 1})
    assert not torch.equal(other.interpret_batch(wave).mask, first)


def test_a_named_class_is_explained_instead_of_the_decision(lmac, folders):
    wave = torch.randn(1, 16000)
    decided = int(lmac.interpret_batch(wave).label)
    other = LABELS[(decided + 1) % 10]
    # L-MAC's decoder here is not class-conditioned: the decision only, others refused
    assert int(lmac.interpret_batch(wave, label=LABELS[decided]).label) == decided
    with pytest.raises(ValueError, match="not class-conditioned"):
        lmac.interpret_batch(wave, label=other)
    with pytest.raises(ValueError, match="unknown class 'cat'"):
        lmac.interpret_batch(wave, label="cat")
    saliency = AudioInterpreter.from_hparams(str(folders[0] / "clf"), method="saliency")
    assert int(saliency.interpret_batch(wave, label=other).label) == LABELS.index(other)
    assert int(saliency.interpret_batch(wave, label=3).label) == 3
    # a gradient's mask depends on the class
    assert not torch.equal(saliency.interpret_batch(wave, label=other).mask,
                           saliency.interpret_batch(wave).mask)


def test_short_clips_are_padded_and_cropped_back(lmac):
    out = lmac.interpret_batch(torch.randn(2, 8000))
    assert out.mask.shape == (2, 8000 // 186 + 1, 513) and out.wave.shape == (2, 8000)
    with pytest.raises(ValueError, match="longer than the classifier's 1.0 s: use interpret_file"):
        lmac.interpret_batch(torch.randn(1, 20000))


def test_served_repo_fetches_the_same_files(folders, tmp_path):
    """serve_as_hub lays files out as hf_hub_download expects them."""
    import huggingface_hub

    snapshot = serve_as_hub(folders[0] / "clf", "a/b", tmp_path)
    path = huggingface_hub.hf_hub_download("a/b", "classifier.ckpt", cache_dir=str(tmp_path),
                                           local_files_only=True)
    assert open(path, "rb").read() == (folders[0] / "clf" / "classifier.ckpt").read_bytes()
    assert os.path.dirname(path) == str(snapshot)


def test_a_stage_two_run_starts_from_a_pretrained_interpreter(folders, tmp_path):
    """``pretrained_interpreter`` (e.g. L-MAC's fine-tuning stage) loads interpreter.ckpt strictly."""
    from speechbrain_interp.programs.parts import load_interpreter_parts

    root, clf, trained = folders
    fresh = LMAC(clf, decoder_width=8, finetune=True)
    load_interpreter_parts(fresh, str(root / "lmac"), str(tmp_path / "save"))
    for key, value in trained.decoder.state_dict().items():
        assert torch.equal(fresh.decoder.state_dict()[key], value), key
    with pytest.raises(PretrainedFileError, match="interpreter.ckpt does not fit"):
        load_interpreter_parts(LMAC(clf, decoder_width=16), str(root / "lmac"),
                               str(tmp_path / "other"))


def test_a_fourier_note_classifier_round_trips_and_classifies_files(tmp_path):
    """The NSynth classifier kind (Fourier representation, no STFT frames) uses the same folder."""
    import soundfile

    from speechbrain_interp.classifier import FourierClassifier
    from speechbrain_interp.fourier import FourierRepresentation
    from speechbrain_interp.models import SpectralCNN

    torch.manual_seed(0)
    clf = FourierClassifier(FourierRepresentation(n_samples=16000, n_freqs=64),
                            SpectralCNN(in_channels=5, channels=(8, 8), emb_dim=16),
                            torch.nn.Linear(16, 3)).eval()
    encoder = CategoricalEncoder()
    encoder.update_from_iterable(["bass", "flute", "organ"])
    write_classifier(str(tmp_path / "notes"), clf, encoder, SETTINGS)
    loaded = SoundClassifier.from_hparams(str(tmp_path / "notes"))
    wave = torch.randn(2, 16000)
    with torch.no_grad():
        assert torch.allclose(loaded.classify_batch(wave).logits, clf(wave=wave).logits, atol=1e-6)
    soundfile.write(str(tmp_path / "note.wav"), 0.1 * np.random.default_rng(0).standard_normal(40000), 16000)
    result = loaded.classify_file(str(tmp_path / "note.wav"))
    assert result.window_starts.tolist() == [0.0, 0.5, 1.0, 1.5] and result.labels[0] in encoder.lab2ind
