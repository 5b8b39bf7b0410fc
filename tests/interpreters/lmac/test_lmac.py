"""L-MAC: shapes, gradient path through the frozen classifier, objective, fine-tuning."""

import pytest
import torch
import torch.nn.functional as F

from helpers import tiny_classifier
from speechbrain_interp.frontend import compress
from speechbrain_interp.interpreters import LMAC
from speechbrain_interp.interpreters.lmac import binarized_target

SR = 16000


def classifier(base=4, n_classes=5):
    return tiny_classifier(n_classes, base_channels=base)


@pytest.mark.parametrize("decoder", ["light", "paper"])
@pytest.mark.parametrize("seconds", [4.0, 5.0, 10.0])
def test_mask_covers_every_frame_for_any_length(decoder, seconds):
    lmac = LMAC(classifier(), decoder=decoder, decoder_width=8).eval()
    wave = torch.randn(1, int(seconds * SR))
    out = lmac.interpret(wave)
    frames = int(seconds * SR) // 186 + 1  # 431 for 5 s: no 417/425 mismatch
    assert out.mask.shape == (1, frames, 513) == out.magnitude.shape
    assert out.wave.shape == wave.shape
    assert 0 <= float(out.mask.min()) and float(out.mask.max()) <= 1


@pytest.mark.parametrize("base,n_classes", [(4, 3), (8, 10), (16, 50)])
def test_decoder_reads_channels_and_classes_from_the_classifier(base, n_classes):
    clf = classifier(base, n_classes)
    lmac = LMAC(clf, decoder_width=8)
    assert [p.in_channels for p in lmac.decoder.projections] == clf.rep_channels[:4]
    out = lmac.interpret(torch.randn(2, 2 * SR), with_wave=False)
    assert out.logits.shape == (2, n_classes) and out.mask.shape[0] == 2


def test_mel_variant_masks_features_and_stays_listenable():
    lmac = LMAC(classifier(), domain="features", decoder_width=8)
    out = lmac.interpret(torch.randn(1, SR))
    assert out.extras["native_mask"].shape == (1, 87, 80)
    assert out.mask.shape == (1, 87, 513) and out.wave.shape == (1, SR)
    assert "loss" in lmac.loss(out)


def test_gradient_reaches_decoder_through_frozen_classifier():
    clf = classifier()
    lmac = LMAC(clf, decoder_width=8, lambda_out=0.0, lambda_l1=0.0)  # only the masked-in CE
    out = lmac.interpret(torch.randn(2, SR), with_wave=False)
    lmac.loss(out)["loss"].backward()
    grads = [p.grad for p in lmac.decoder.parameters()]
    assert all(g is not None for g in grads) and sum(float(g.abs().sum()) for g in grads) > 0
    assert all(p.grad is None and not p.requires_grad for p in clf.parameters())
    assert not clf.training


def test_classifier_unchanged_by_interpreter_training():
    clf = classifier()
    before = {k: v.clone() for k, v in clf.state_dict().items()}
    lmac = LMAC(clf, decoder_width=8)
    lmac.train()  # as a Brain does; the classifier must stay in eval mode
    opt = torch.optim.Adam([p for p in lmac.parameters() if p.requires_grad], lr=1e-2)
    first = None
    wave = torch.randn(4, SR)
    for _ in range(5):
        opt.zero_grad()
        loss = lmac.loss(lmac.interpret(wave, with_wave=False))["loss"]
        first = float(loss) if first is None else first
        loss.backward()
        opt.step()
    assert float(loss) < first  # the decoder learns
    for key, value in clf.state_dict().items():
        assert torch.equal(value, before[key]), key  # BN statistics included


def test_objective_is_paper_equation_2():
    clf = classifier().eval()
    lmac = LMAC(clf, decoder_width=8, lambda_in=4, lambda_out=0.2, lambda_l1=0.4, lambda_tv=0.1)
    out = lmac.interpret(torch.randn(3, SR), with_wave=False)
    parts = lmac.loss(out)
    m, x, y = out.mask, out.magnitude, out.label
    with torch.no_grad():
        ce_in = F.cross_entropy(clf(magnitude=m * x).logits, y)
        ce_out = F.cross_entropy(clf(magnitude=(1 - m) * x).logits, y)
        tv = ((m[:, 1:] - m[:, :-1]).abs().mean() + (m[:, :, 1:] - m[:, :, :-1]).abs().mean())
        expected = 4 * ce_in - 0.2 * ce_out + 0.4 * m.mean() + 0.1 * tv
    assert torch.allclose(parts["loss"].detach(), expected, atol=1e-4)
    assert torch.equal(y, out.logits.argmax(-1))  # the decision, not a ground truth


def test_finetuning_guides_only_items_close_to_the_clean_target(monkeypatch):
    clf = classifier().eval()
    lmac = LMAC(clf, decoder_width=8, finetune=True, lambda_g=5.0, cct=0.6, lambda_l1=1.0)
    out = lmac.interpret(torch.randn(2, SR), with_wave=False)
    clean = out.magnitude * torch.rand_like(out.magnitude)
    target = binarized_target(compress(clean), 0.35)
    # item 0's mask equals its clean target, item 1's is its complement
    native = torch.stack([target[0], 1 - target[1]]).clamp(0.01, 0.99)
    out.extras["native_mask"] = native
    out.mask = native
    parts = lmac.loss(out, clean_magnitude=clean)
    assert float(parts["guided_fraction"]) == 0.5
    guide0 = F.binary_cross_entropy(native[0], target[0])
    assert torch.allclose(parts["loss_guide"], guide0 / 2, atol=1e-5)
    assert torch.allclose(parts["loss_l1"], native[1].mean() / 2, atol=1e-5)  # l1 off for guided items
