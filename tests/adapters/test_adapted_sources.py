"""Classifiers of other toolkits where this project's own folders go (issue 28): told apart
by their files, loaded by ``SoundClassifier`` / ``load_classifier`` / ``AudioInterpreter``
with settings from the package and the model's configuration, and referenced (never
copied) by the interpreter folders trained on them."""

import json
import logging
import shutil

import pytest
import torch

from helpers import two_tone_clips, write_tiny_folders
from speechbrain_interp.adapters import AdaptedClassifier, classifier_family
from speechbrain_interp.examples import write_speechbrain_ecapa
from speechbrain_interp.inference import (
    AudioInterpreter, PretrainedSourceError, SoundClassifier, load_classifier,
)
from speechbrain_interp.interpreters import LMAC
from speechbrain_interp.pretrained import CLASSIFIER_FILES, write_classifier, write_interpreter
from speechbrain_interp.trust import UntrustedCodeError

LABELS = ["low", "high"]
SETTINGS = {"window_s": 1.0, "hop_s": 0.5, "batch_size": 4, "top_k": 2,
            "normalize_windows": True}


@pytest.fixture(scope="module")
def sources(tmp_path_factory):
    """A folder of each family: this project's classifier and L-MAC, a SpeechBrain ECAPA,
    and (with the [hf] extra) an AST and a wav2vec 2.0."""
    root = tmp_path_factory.mktemp("sources")
    write_tiny_folders(root, LABELS, window_s=1.0, hop_s=0.5)
    folders = {"ours": root / "clf", "ours_lmac": root / "lmac",
               "ecapa": write_speechbrain_ecapa(root / "ecapa", LABELS, repo="sbinterp-test/ecapa")}
    try:
        from speechbrain_interp.examples import write_transformers_classifier

        folders["ast"] = write_transformers_classifier(root / "ast", "ast", LABELS)
        folders["wav2vec2"] = write_transformers_classifier(root / "w2v", "wav2vec2", LABELS)
    except ImportError:
        pass
    return folders


def _needs(sources, name):
    if name not in sources:
        pytest.skip("the [hf] extra (transformers) is not installed")
    return sources[name]


def test_each_family_is_told_by_its_files_in_a_folder_and_on_the_hub(sources, offline_hub,
                                                                     tmp_path):
    expected = {"ours": "speechbrain-interp", "ours_lmac": "speechbrain-interp",
                "ecapa": "speechbrain", "ast": "transformers", "wav2vec2": "transformers"}
    for name, folder in sources.items():
        assert classifier_family(folder) == expected[name], name
        offline_hub(folder, f"sbinterp-test/{name.replace('_', '-')}")
        assert classifier_family(f"sbinterp-test/{name.replace('_', '-')}") == expected[name]
    (tmp_path / "empty").mkdir()
    with pytest.raises(PretrainedSourceError, match="empty holds no classifier: no "
                                                    "hyperparams.yaml .* and no config.json"):
        classifier_family(tmp_path / "empty")
    with pytest.raises(PretrainedSourceError, match="no such folder: .*emtpy.*did you mean"):
        classifier_family(tmp_path / "emtpy")
    with pytest.raises(PretrainedSourceError, match="sbinterp-test/absent: hyperparams.yaml "
                                                    r"\(or config.json\) is not in the local"):
        classifier_family("sbinterp-test/absent")


@pytest.mark.parametrize("name", ["ecapa", "ast", "wav2vec2"])
def test_sound_classifier_gives_the_adapted_models_scores_and_settings(sources, name):
    folder = _needs(sources, name)
    waves, _ = two_tone_clips(3, seed=2)
    loaded = SoundClassifier.from_hparams(str(folder))
    assert isinstance(loaded.classifier, AdaptedClassifier)
    assert loaded.labels == LABELS and loaded.source == str(folder.resolve())
    own = loaded.classifier(wave=waves).logits
    assert torch.allclose(loaded.classify_batch(waves).logits, own, atol=1e-6)
    if name == "ast":  # 104 Kaldi frames of 25 ms every 10 ms span 1.055 s: 105 whole hops
        assert json.loads((folder / "preprocessor_config.json").read_text())["max_length"] == 104
        assert loaded.classifier.clip_seconds == pytest.approx(1.055)
        assert loaded.hparams.window_s == pytest.approx(1.05)
    else:  # the package's default, the hop half of it
        assert (loaded.hparams.window_s, loaded.hparams.hop_s) == (4.0, 2.0)
    shorter = SoundClassifier.from_hparams(str(folder), overrides={"window_s": 0.5})
    assert (shorter.hparams.window_s, shorter.hparams.hop_s) == (0.5, 0.25)
    assert shorter.window == 8000
    with pytest.raises(KeyError, match="override 'n_mels' does not apply to .*: its settings "
                                       "are .*window_s"):
        SoundClassifier.from_hparams(str(folder), overrides={"n_mels": 40})


def test_load_classifier_takes_the_adapter_settings_and_refuses_them_for_our_folders(sources):
    wave = load_classifier(str(sources["ecapa"]), route="wave",
                           grad_cam_layer="embedding_model.blocks.3")
    exact = load_classifier(str(sources["ecapa"]))
    assert (wave.route, exact.route) == ("wave", "magnitude")
    assert wave.grad_cam_layer_name == "embedding_model.blocks.3"
    assert [wave.label_encoder.ind2lab[i] for i in range(2)] == LABELS
    with pytest.raises(ValueError, match="is a speechbrain-interp classifier folder: "
                                         r"\['route'\] apply to classifiers of other toolkits"):
        load_classifier(str(sources["ours"]), route="wave")
    with pytest.raises(ValueError, match="loaded from its own source"):
        write_classifier(str(sources["ours"].parent / "never"), exact, exact.label_encoder,
                         SETTINGS)


def test_a_speechbrain_folder_beyond_the_allow_list_is_refused_unless_trusted(sources,
                                                                             tmp_path):
    folder = tmp_path / "ecapa"
    shutil.copytree(sources["ecapa"], folder)
    with open(folder / "hyperparams.yaml", "a", encoding="utf-8") as f:
        f.write("extra: !new:collections.OrderedDict\n")
    with pytest.raises(UntrustedCodeError, match="key extra: !new:collections.OrderedDict"):
        SoundClassifier.from_hparams(str(folder))
    assert SoundClassifier.from_hparams(str(folder), trust_remote_code=True).labels == LABELS


def test_an_interpreter_folder_references_its_adapted_classifier(sources, tmp_path, caplog,
                                                                offline_hub):
    clf = load_classifier(str(sources["ecapa"]))
    torch.manual_seed(0)
    lmac = LMAC(clf, decoder_width=8).eval()
    with caplog.at_level(logging.WARNING):
        folder = write_interpreter(str(tmp_path / "lmac"), lmac, clf.label_encoder, SETTINGS)
    assert "names its classifier by the folder" in caplog.text  # a local source: said
    files = sorted(p.name for p in (tmp_path / "lmac").iterdir())
    assert files == ["hyperparams.yaml", "interpreter.ckpt", "label_encoder.ckpt"]
    text = (tmp_path / "lmac" / "hyperparams.yaml").read_text()
    assert f'classifier_source: "{sources["ecapa"].resolve()}"' in text
    assert "classifier: !apply:speechbrain_interp.inference.classifier.load_classifier" in text
    waves, _ = two_tone_clips(2, seed=3)
    reference = lmac.interpret(waves).mask
    loaded = AudioInterpreter.from_hparams(folder)  # no trust_remote_code needed
    assert torch.allclose(loaded.interpreter.interpret(waves).mask, reference, atol=1e-6)

    # another copy of the same classifier, from the hub; other weights are warned about
    offline_hub(sources["ecapa"], "sbinterp-test/ecapa")
    again = AudioInterpreter.from_hparams(folder, classifier_source="sbinterp-test/ecapa")
    assert again.classifier.source == "sbinterp-test/ecapa"
    assert torch.allclose(again.interpreter.interpret(waves).mask, reference, atol=1e-6)
    other = write_speechbrain_ecapa(tmp_path / "other", LABELS, seed=5)
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        AudioInterpreter.from_hparams(folder, classifier_source=str(other))
    assert "is not the classifier this interpreter was trained on" in caplog.text
    renamed = write_speechbrain_ecapa(tmp_path / "renamed", ["low", "mid"], seed=5)
    with pytest.raises(ValueError, match="only in that classifier: 'mid'"):
        AudioInterpreter.from_hparams(folder, classifier_source=str(renamed))

    # referenced by its repository: the folder loads anywhere the hub (or its cache) is
    write_interpreter(folder, lmac, clf.label_encoder, SETTINGS,
                      classifier_repo="sbinterp-test/ecapa")
    assert 'classifier_repo: "sbinterp-test/ecapa"' in (tmp_path / "lmac" / "hyperparams.yaml").read_text()
    hub = AudioInterpreter.from_hparams(folder)
    assert hub.classifier.source == "sbinterp-test/ecapa"
    assert torch.allclose(hub.interpreter.interpret(waves).mask, reference, atol=1e-6)
    assert not any((tmp_path / "lmac" / name).exists()
                   for name in ("embedding_model.ckpt", "classifier.ckpt"))
    assert CLASSIFIER_FILES["label_encoder"] in {p.name for p in (tmp_path / "lmac").iterdir()}


def test_a_missing_classifier_is_named_with_the_way_to_load_another_copy(sources, tmp_path):
    moved = tmp_path / "ecapa"
    shutil.copytree(sources["ecapa"], moved)
    clf = load_classifier(str(moved))
    folder = write_interpreter(str(tmp_path / "lmac"), LMAC(clf, decoder_width=8).eval(),
                               clf.label_encoder, SETTINGS)
    shutil.rmtree(moved)
    with pytest.raises(PretrainedSourceError, match="explains the classifier at .*ecapa, which "
                                                    "cannot be loaded .*classifier_source="):
        AudioInterpreter.from_hparams(folder)
    assert AudioInterpreter.from_hparams(folder, classifier_source=str(sources["ecapa"])).labels \
        == LABELS


def test_a_model_in_memory_is_explained_by_name(sources):
    clf = load_classifier(str(sources["ecapa"]))
    clf.source = None  # as a module built by hand is: no source to reference
    explainer = AudioInterpreter.from_classifier(clf, "saliency", overrides={"window_s": 1.0})
    waves, _ = two_tone_clips(2, seed=4)
    out = explainer.interpret_batch(waves)
    assert out.mask.shape[0] == 2 and explainer.hparams.window_s == 1.0
    with pytest.raises(ValueError, match="was not loaded from a source"):
        write_interpreter(str(sources["ecapa"].parent / "never"), LMAC(clf, decoder_width=8),
                          clf.label_encoder, SETTINGS)


def test_the_last_window_of_a_recording_ends_at_its_end_unpadded(sources, tmp_path):
    import soundfile

    from speechbrain_interp.audio import peak_normalize

    path = tmp_path / "five_seconds.wav"
    waves, _ = two_tone_clips(5, seed=6)
    soundfile.write(str(path), waves.reshape(-1).numpy() / 2, 16000)  # 5 s
    classifier = SoundClassifier.from_hparams(str(sources["ecapa"]))  # 4-s windows, 2-s hop
    result = classifier.classify_file(str(path))
    assert result.window_starts.tolist() == [0.0, 1.0]  # not [0, 2] with 1 s of zeros
    heard = peak_normalize(classifier.load_file(str(path))[16000:].unsqueeze(0))
    own = classifier.classifier.probabilities(classifier.classifier(wave=heard).logits)[0]
    assert torch.allclose(result.window_probabilities[1], own, atol=1e-5)
    explainer = AudioInterpreter.from_hparams(str(sources["ecapa"]), method="all_ones")
    out = explainer.interpret_file(str(path))
    assert out.starts.tolist() == [0, 16000]
    assert torch.allclose(out.window_probabilities, result.window_probabilities, atol=1e-5)
    ours = SoundClassifier.from_hparams(str(sources["ours"]), overrides={"window_s": 4.0,
                                                                         "hop_s": 2.0})
    assert ours.classify_file(str(path)).window_starts.tolist() == pytest.approx([0.0, 2.0],
                                                                                abs=0.02)


def test_an_encoder_classifier_that_is_not_an_ecapa_needs_its_layers_named(sources, tmp_path):
    from hyperpyyaml import load_hyperpyyaml

    from speechbrain_interp.interpreters import GradCAM

    folder = tmp_path / "xvector"
    shutil.copytree(sources["ecapa"], folder)
    text = (folder / "hyperparams.yaml").read_text()
    start, end = text.index("embedding_model: !new:"), text.index("classifier: !new:")
    text = (text[:start] + "embedding_model: !new:speechbrain.lobes.models.Xvector.Xvector\n"
            "    in_channels: !ref <n_mels>\n    tdnn_channels: [16, 16, 16, 16, 24]\n"
            "    lin_neurons: 12\n" + text[end:])
    (folder / "hyperparams.yaml").write_text(text)
    built = load_hyperpyyaml(text, overrides={"pretrained_path": str(folder)})
    torch.save(built["embedding_model"].state_dict(), folder / "embedding_model.ckpt")
    with pytest.raises(ValueError, match="its embedding_model is a Xvector, not an ECAPA-TDNN.*"
                                         "name the representations"):
        load_classifier(str(folder))
    # SpeechBrain's Conv1d and BatchNorm1d keep time before channels: "btc"
    layers = [[f"embedding_model.blocks.{i}", "btc"] for i in (14, 11, 8, 5)]
    clf = load_classifier(str(folder), representations=layers)
    assert clf.rep_channels == [24, 16, 16, 16]
    waves, _ = two_tone_clips(2, seed=7)
    mask = GradCAM(clf).interpret(waves).mask
    assert mask.shape[:2] == (2, 101) and bool(torch.isfinite(mask).all())


@pytest.mark.parametrize("n_samples", [8958, 100])
def test_a_short_recording_of_any_length_is_classified_and_explained(sources, tmp_path,
                                                                     n_samples):
    import soundfile

    path = tmp_path / "short.wav"
    soundfile.write(str(path), two_tone_clips(1, seed=8)[0][0, :n_samples].numpy() / 2, 16000)
    classifier = SoundClassifier.from_hparams(str(sources["ecapa"]))  # hears it unpadded
    result = classifier.classify_file(str(path))
    out = AudioInterpreter.from_hparams(str(sources["ecapa"]), method="gradcam").interpret_file(
        str(path))
    assert out.starts.tolist() == [0] and out.wave.shape[-1] == n_samples
    assert torch.allclose(out.window_probabilities, result.window_probabilities, atol=1e-5)
