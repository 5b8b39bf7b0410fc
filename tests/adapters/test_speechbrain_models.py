"""SpeechBrain EncoderClassifier models explained (issue 28): a small ECAPA-TDNN in the
layout of SpeechBrain's hub repositories, loaded by SpeechBrain's own ``from_hparams``
(from a folder and from an offline hub), behind the interpreters' contract."""

import pytest
import torch

from helpers import lmac_against_random, two_tone_clips, write_tiny_speechbrain_ecapa
from speechbrain_interp.adapters import AdaptedClassifier
from speechbrain_interp.adapters.speechbrain_models import from_speechbrain
from speechbrain_interp.evaluation.suite import score_batch
from speechbrain_interp.interpreters import (
    LMAC, PIQ, RDE, GradCAM, GradientSHAP, GuidedGradCAM, IntegratedGradients, Saliency,
    SmoothGrad,
)

LABELS = ["low", "high"]
RATE = 16000


def _sb(folder, savedir):
    from speechbrain.inference.classifiers import EncoderClassifier

    return EncoderClassifier.from_hparams(str(folder), savedir=str(savedir),
                                          overrides={"pretrained_path": str(folder)})


@pytest.fixture(scope="module")
def trained_folder(tmp_path_factory):
    """The small ECAPA trained for a few steps to tell the two tones apart, saved in the
    EncoderClassifier layout."""
    folder = write_tiny_speechbrain_ecapa(tmp_path_factory.mktemp("ecapa") / "repo", LABELS)
    model = _sb(folder, tmp_path_factory.mktemp("sb_save"))
    mods = model.mods.requires_grad_(True)
    params = list(mods.embedding_model.parameters()) + list(mods.classifier.parameters())
    optimizer = torch.optim.Adam(params, lr=1e-2)
    waves, labels = two_tone_clips(32, seed=0)
    torch.manual_seed(0)
    mods.train()
    for step in range(80):
        index = torch.randperm(32)[:16]
        ones = torch.ones(16)
        feats = mods.mean_var_norm(mods.compute_features(waves[index]), ones)
        cosine = mods.classifier(mods.embedding_model(feats, ones)).squeeze(1)
        loss = torch.nn.functional.cross_entropy(30 * cosine, labels[index])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    torch.save(mods.embedding_model.state_dict(), folder / "embedding_model.ckpt")
    torch.save(mods.classifier.state_dict(), folder / "classifier.ckpt")
    return folder


def test_folder_and_offline_hub_load_and_give_the_models_own_scores(tmp_path, offline_hub):
    folder = write_tiny_speechbrain_ecapa(tmp_path / "repo", LABELS + ["mid"],
                                          repo="sbinterp-test/tiny-ecapa")
    offline_hub(folder, "sbinterp-test/tiny-ecapa")
    waves, _ = two_tone_clips(3, seed=1)
    reference = _sb(folder, tmp_path / "ref").classify_batch(waves)[0]
    for source in (folder, "sbinterp-test/tiny-ecapa"):
        clf = from_speechbrain(str(source), savedir=str(tmp_path / "save")).freeze()
        assert isinstance(clf, AdaptedClassifier) and clf.labels == ["low", "high", "mid"]
        assert clf.route == "magnitude" and clf.sample_rate == RATE
        assert (clf.frontend.n_fft, clf.frontend.hop_samples) == (400, 160)  # Fbank's own STFT
        with torch.no_grad():
            out = clf(wave=waves)
        torch.testing.assert_close(out.logits, reference, atol=1e-5, rtol=0)
        assert clf.rep_channels == [48, 16, 16, 16]
        assert [tuple(r.shape) for r in out.reps] == [(3, 48, 101, 1)] + [(3, 16, 101, 1)] * 3


def test_an_all_ones_mask_gives_the_models_own_logits_on_both_routes(trained_folder, tmp_path):
    waves, _ = two_tone_clips(4, seed=2)
    reference = _sb(trained_folder, tmp_path / "ref").classify_batch(waves)[0]
    exact = from_speechbrain(str(trained_folder), savedir=str(tmp_path / "a")).freeze()
    through_wave = from_speechbrain(str(trained_folder), savedir=str(tmp_path / "b"),
                                    route="wave").freeze()
    with torch.no_grad():
        magnitude, phase = exact.frontend.spectrogram(waves)
        ones = torch.ones_like(magnitude)
        torch.testing.assert_close(exact(magnitude=ones * magnitude).logits, reference,
                                   atol=1e-5, rtol=0)
        # the ISTFT of the unmasked STFT is the input (a second is a whole number of hops)
        torch.testing.assert_close(through_wave(magnitude=ones * magnitude, phase=phase).logits,
                                   reference, atol=1e-5, rtol=0)
        with pytest.raises(ValueError, match="phase"):
            through_wave(magnitude=magnitude)


def test_bad_adapter_settings_are_named(trained_folder, tmp_path):
    with pytest.raises(KeyError, match="no submodule 'embedding_model.nope'"):
        from_speechbrain(str(trained_folder), savedir=str(tmp_path / "a"),
                         representations=[("embedding_model.nope", "bct")])
    with pytest.raises(ValueError, match="layout"):
        from_speechbrain(str(trained_folder), savedir=str(tmp_path / "b"),
                         representations=[("embedding_model.mfa", "ctb")])


@pytest.mark.parametrize("route", ["magnitude", "wave"])
@pytest.mark.parametrize("method", [Saliency, SmoothGrad, IntegratedGradients, GradientSHAP,
                                    GradCAM, GuidedGradCAM, RDE, LMAC, PIQ])
def test_every_method_explains_the_adapted_model(trained_folder, tmp_path, method, route):
    """On both routes: the magnitude through Fbank's filterbank, or the ISTFT with the
    phase every method passes on (masked, noisy, interpolated, obfuscated inputs)."""
    clf = from_speechbrain(str(trained_folder), savedir=str(tmp_path / "s"), route=route)
    options = {RDE: {"steps": 5, "n_samples": 2}, LMAC: {"decoder_width": 8},
               PIQ: {"n_codes": 8, "dim": 8, "decoder_width": 8}}.get(method, {})
    waves, _ = two_tone_clips(2, seed=3)
    interpretation, metrics = score_batch(method(clf, **options).eval(), waves, with_wave=True)
    assert interpretation.mask.shape == (2, 101, 201)
    assert float(interpretation.mask.min()) >= 0 and float(interpretation.mask.max()) <= 1
    assert interpretation.wave.shape == (2, RATE)
    assert {"AI", "AD", "FF"} <= set(metrics) and all(bool(torch.isfinite(v).all())
                                                       for v in metrics.values())


def test_grad_cam_of_a_sequence_layer_follows_the_decided_tone_in_time(trained_folder, tmp_path):
    """A clip that is silent but for its second half: Grad-CAM at ECAPA's last block
    lies on the second half (the map is over time only, spread over frequency)."""
    clf = from_speechbrain(str(trained_folder), savedir=str(tmp_path / "s"))
    waves, _ = two_tone_clips(2, seed=4)
    waves[:, : RATE // 2] = 0.001 * torch.randn(2, RATE // 2)
    out = GradCAM(clf, relu_attributions=True).interpret(waves)
    first, second = out.mask[:, :45].mean(), out.mask[:, 56:].mean()
    assert float(second) > float(first)
    assert torch.allclose(out.mask[:, :, 0], out.mask[:, :, 100])  # time-only map


@pytest.mark.slow  # trains
@pytest.mark.parametrize("route", ["magnitude", "wave"])
def test_lmac_trained_on_the_adapted_model_beats_a_random_mask_on_ad(trained_folder, tmp_path,
                                                                     route):
    clf = from_speechbrain(str(trained_folder), savedir=str(tmp_path / "s"), route=route)
    waves, labels = two_tone_clips(16, seed=5)
    with torch.no_grad():
        assert float((clf(wave=waves).logits.argmax(-1) == labels).float().mean()) >= 0.9
    figures = lmac_against_random(clf, waves)
    assert figures["lmac"]["mask"] < 0.9, figures  # it masks, not an all-ones map
    assert figures["lmac"]["AD"] < figures["random"]["AD"], figures
    assert figures["lmac"]["FF"] > figures["random"]["FF"], figures


def test_pv_and_l2i_train_and_explain_on_the_adapted_model(trained_folder, tmp_path):
    from speechbrain_interp.interpreters import L2I, PerceptionVisualization
    from speechbrain_interp.interpreters.l2i.nmf import NMFDictionary

    clf = from_speechbrain(str(trained_folder), savedir=str(tmp_path / "s"))
    waves, _ = two_tone_clips(2, seed=6)
    dictionary = NMFDictionary(clf.frontend.n_freqs, 6)
    with torch.no_grad():
        dictionary.W.copy_(torch.rand(dictionary.W.shape, generator=torch.Generator().manual_seed(0)))
    for method in (PerceptionVisualization(clf, channels=(8, 8, 8, 8, 8)),
                   L2I(clf, nmf_dictionary=dictionary, n_components=6, width=8, attention_dim=8)):
        loss = method.train().loss(method.interpret(waves, with_wave=False))["loss"]
        loss.backward()
        assert bool(torch.isfinite(loss))
        out = method.eval().interpret(waves)
        assert out.mask.shape == (2, 101, 201) and out.wave.shape == (2, RATE)


def test_the_features_domain_is_refused_on_an_adapted_model(trained_folder, tmp_path):
    """Its features are its model's own (Fbank and normalisation), not the front end's."""
    from speechbrain_interp.interpreters import PerceptionVisualization

    clf = from_speechbrain(str(trained_folder), savedir=str(tmp_path / "s"))
    for build in (lambda: Saliency(clf, domain="features"), lambda: LMAC(clf, domain="features"),
                  lambda: PerceptionVisualization(clf, target="mel")):
        with pytest.raises(ValueError, match="use the 'linear' domain"):
            build()


def test_a_missing_or_foreign_folder_is_named_before_loading(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope does not exist"):
        from_speechbrain(str(tmp_path / "nope"))
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "config.json").write_text("{}")
    with pytest.raises(FileNotFoundError, match="does not hold a SpeechBrain EncoderClassifier: "
                                                 "no hyperparams.yaml"):
        from_speechbrain(str(tmp_path / "other"))


def test_odd_lengths_and_silence_are_explained_whole(trained_folder, tmp_path):
    """Clips that are not a whole number of hops, and a silent clip, on both routes."""
    for route in ("magnitude", "wave"):
        clf = from_speechbrain(str(trained_folder), savedir=str(tmp_path / route), route=route)
        for wave in (torch.randn(1, 15999), torch.randn(1, 7001), torch.zeros(1, RATE)):
            out = Saliency(clf).interpret(wave)
            assert out.wave.shape == wave.shape and bool(torch.isfinite(out.mask).all())
