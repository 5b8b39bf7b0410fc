"""CNN14: compatibility with SpeechBrain's Cnn14, configurable size, representations."""

import pytest
import torch

from helpers import tiny_classifier
from speechbrain_interp.models import CNN14


def test_loads_speechbrain_cnn14_state_dict_and_gives_same_embedding():
    from speechbrain.lobes.models.Cnn14 import Cnn14

    torch.manual_seed(3)
    reference = Cnn14(mel_bins=80, emb_dim=2048, return_reps=True)
    # non-trivial BatchNorm statistics, as in a trained checkpoint
    reference.train()
    with torch.no_grad():
        reference(torch.randn(4, 120, 80) * 3 + 1)
    reference.eval()
    ours = CNN14(n_mels=80)
    ours.load_state_dict(reference.state_dict(), strict=True)
    ours.eval()
    feats = torch.rand(2, 431, 80) * 4
    with torch.no_grad():
        emb_ref, reps_ref = reference(feats)
        emb, reps = ours(feats)
    assert torch.allclose(emb, emb_ref.squeeze(1), atol=1e-5, rtol=0)
    # upstream returns the 4 deepest blocks, deepest first
    for mine, theirs in zip(reps, reps_ref):
        assert torch.allclose(mine, theirs, atol=1e-5, rtol=0)
    assert sum(p.numel() for p in ours.parameters()) == sum(
        p.numel() for p in reference.parameters()
    )


@pytest.mark.parametrize("base,blocks", [(8, 6), (16, 4), (4, 3)])
def test_width_and_depth_are_configurable(base, blocks):
    model = CNN14(n_mels=64, base_channels=base, n_blocks=blocks).eval()
    emb, reps = model(torch.rand(3, 200, 64))
    expected = [base * 2**k for k in range(blocks)][::-1]
    assert model.rep_channels == expected
    assert [r.shape[1] for r in reps] == expected
    assert emb.shape == (3, expected[0])
    # deepest first: time resolution grows along the list
    times = [r.shape[2] for r in reps]
    assert times == sorted(times)


def test_wrong_feature_size_is_a_clear_error():
    with pytest.raises(ValueError, match="80 feature bins"):
        CNN14(n_mels=80, base_channels=4)(torch.rand(1, 100, 64))


def _small_classifier(multilabel=False, n_classes=5):
    return tiny_classifier(n_classes, multilabel=multilabel).eval()


def test_classifier_wave_and_magnitude_paths_agree():
    clf = _small_classifier()
    wave = torch.randn(2, 16000)
    mag, _ = clf.frontend.spectrogram(wave)
    with torch.no_grad():
        a = clf(wave=wave)
        b = clf(magnitude=mag)
        c = clf(features=clf.frontend.features(mag))
    assert torch.allclose(a.logits, b.logits) and torch.allclose(a.logits, c.logits)
    assert [r.shape[1] for r in a.reps] == clf.rep_channels
    with pytest.raises(ValueError):
        clf(wave=wave, magnitude=mag)


def test_single_and_multi_label_heads():
    logits = torch.tensor([[2.0, -1.0, 0.5], [-3.0, 4.0, 1.0]])
    single = _small_classifier(n_classes=3)
    assert torch.allclose(single.probabilities(logits).sum(-1), torch.ones(2))
    assert single.decide(logits).tolist() == [0, 1]
    assert float(single.loss(logits, torch.tensor([0, 1]))) < float(
        single.loss(logits, torch.tensor([1, 0]))
    )
    multi = _small_classifier(multilabel=True, n_classes=3)
    assert multi.decide(logits).tolist() == [[True, False, True], [False, True, True]]
    targets = torch.tensor([[1, 0, 1], [0, 1, 1]])
    assert float(multi.loss(logits, targets)) < float(multi.loss(logits, 1 - targets))


def test_frozen_classifier_stays_in_eval_and_passes_gradients():
    clf = _small_classifier().freeze()
    clf.train()  # e.g. Brain calling modules.train()
    assert not clf.training and not any(m.training for m in clf.modules())
    assert not any(p.requires_grad for p in clf.parameters())
    wave = torch.randn(1, 16000)
    mag, _ = clf.frontend.spectrogram(wave)
    mask = torch.full_like(mag, 0.5, requires_grad=True)
    clf(magnitude=mask * mag).logits[0, 0].backward()
    assert mask.grad is not None and mask.grad.abs().sum() > 0
