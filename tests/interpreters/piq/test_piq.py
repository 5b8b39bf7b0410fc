"""Tests of PIQ: class-partitioned quantisation, masks, loss, multi-label."""

import pytest
import torch

from helpers import tiny_classifier
from speechbrain_interp.frontend import compress
from speechbrain_interp.interpreters import PIQ
from speechbrain_interp.interpreters.piq import ClassPartitionedVQ, partition_codes

SR = 16000


def make_classifier(n_classes=4, base_channels=4, multilabel=False):
    return tiny_classifier(n_classes, base_channels=base_channels, multilabel=multilabel).eval()


def make_piq(clf, **kwargs):
    kwargs.setdefault("n_codes", 24)
    kwargs.setdefault("dim", 16)
    kwargs.setdefault("decoder_width", 8)
    return PIQ(clf, **kwargs)


def assert_in_segment(vq, codes, labels):
    """Every position of item b uses a code of class labels[b]."""
    for b, label in enumerate(labels.tolist()):
        assert (vq.code_class[codes[b]] == label).all()
        allowed = set(vq.codes_of(label).tolist())
        assert set(codes[b].flatten().tolist()) <= allowed


# ---------------------------------------------------------------- partition
def test_partition_awkward_sizes():
    counts = torch.bincount(partition_codes(1024, 50), minlength=50)
    assert counts.numel() == 50 and set(counts.tolist()) <= {20, 21}
    assert int(counts.sum()) == 1024
    assert partition_codes(7, 7).tolist() == list(range(7))
    with pytest.raises(ValueError, match="n_codes >= n_classes"):
        ClassPartitionedVQ(n_codes=3, dim=4, n_classes=5)


def test_partition_every_class_gets_codes():
    for n_classes in (1, 2, 3, 10, 50):
        for n_codes in (n_classes, n_classes + 1, 2 * n_classes + 3, 1024):
            if n_codes < n_classes:
                continue
            part = partition_codes(n_codes, n_classes)
            counts = torch.bincount(part, minlength=n_classes)
            assert counts.numel() == n_classes and counts.min() >= 1
            assert (part[1:] >= part[:-1]).all()


def test_codebook_init_range():
    vq = ClassPartitionedVQ(n_codes=64, dim=8, n_classes=4)
    assert vq.codebook.abs().max() <= 1 / 64
    assert vq.code_class.shape == (64,)


# ---------------------------------------------------------------- quantiser
def test_vq_uses_only_each_items_segment():
    vq = ClassPartitionedVQ(n_codes=20, dim=6, n_classes=5)
    h = torch.randn(5, 6, 4, 3)
    labels = torch.tensor([3, 0, 4, 1, 3])
    out = vq(h, labels)
    assert out.indices.shape == (5, 4, 3)
    assert_in_segment(vq, out.indices, labels)
    # nearest code inside the segment (brute force, one item)
    seg = vq.codes_of(4)
    d = ((h[2].permute(1, 2, 0)[..., None, :] - vq.codebook[seg]) ** 2).sum(-1)
    assert torch.equal(out.indices[2], seg[d.argmin(-1)])


def test_vq_rejects_out_of_range_labels():
    vq = ClassPartitionedVQ(n_codes=8, dim=4, n_classes=4)
    with pytest.raises(ValueError):
        vq(torch.randn(1, 4, 2, 2), torch.tensor([4]))


def test_straight_through_and_codebook_gradient():
    clf = make_classifier()
    piq = make_piq(clf).train()
    out = piq.interpret(torch.randn(2, SR), with_wave=False)
    out.extras["native_mask"].mean().backward(retain_graph=True)
    adapter_grad = [p.grad for p in piq.adapter.parameters()]
    assert all(g is not None and g.abs().sum() > 0 for g in adapter_grad)
    # the decoder path does not train the codebook (straight-through)
    assert piq.vq.codebook.grad is None or piq.vq.codebook.grad.abs().sum() == 0
    out.extras["codebook_loss"].backward()
    grad = piq.vq.codebook.grad
    assert grad is not None and grad.abs().sum() > 0
    # only the codes that were used receive a gradient
    used = torch.unique(out.extras["codes"])
    unused = torch.ones(piq.vq.n_codes, dtype=torch.bool)
    unused[used] = False
    assert grad[unused].abs().sum() == 0


# ---------------------------------------------------------------- interpreter
def test_piq_picks_codes_of_the_decided_class():
    torch.manual_seed(1)
    clf = make_classifier(n_classes=4)
    piq = make_piq(clf, n_codes=22).eval()
    waves = torch.randn(4, SR) * torch.linspace(0.2, 2.0, 4)[:, None]
    # a head that decides a different class per item: bias dominates
    with torch.no_grad():
        clf.head.weight.zero_()
        clf.head.bias.copy_(torch.tensor([0.0, 1.0, 2.0, 3.0]))
    out = piq.interpret(waves)
    assert out.label.tolist() == [3, 3, 3, 3]
    assert_in_segment(piq.vq, out.extras["codes"], out.label)
    # explicit, different labels per item
    labels = torch.tensor([2, 0, 3, 1])
    out = piq.interpret(waves, label=labels)
    assert torch.equal(out.label, labels)
    assert_in_segment(piq.vq, out.extras["codes"], labels)
    # a scalar label is broadcast over the batch
    out = piq.interpret(waves, label=torch.tensor(1))
    assert_in_segment(piq.vq, out.extras["codes"], torch.ones(4, dtype=torch.long))


def test_decision_varies_per_item():
    clf = make_classifier(n_classes=3)
    piq = make_piq(clf).eval()
    magnitude, _, output = piq.analyse(torch.randn(3, SR))
    logits = torch.eye(3) * 5  # a decision per item: 0, 1, 2
    output.logits = logits
    label = clf.decide(logits)
    _, extras = piq.explain(magnitude, output, label)
    assert_in_segment(piq.vq, extras["codes"], torch.tensor([0, 1, 2]))


@pytest.mark.parametrize("base_channels", [4, 8])
@pytest.mark.parametrize("seconds", [0.5, 1.0, 1.7])
def test_mask_shapes(base_channels, seconds):
    clf = make_classifier(base_channels=base_channels)
    piq = make_piq(clf).eval()
    wave = torch.randn(2, int(seconds * SR))
    out = piq.interpret(wave)
    assert out.mask.shape == out.magnitude.shape
    assert out.extras["native_mask"].shape == out.magnitude.shape
    assert out.wave.shape == wave.shape
    assert out.mask.min() >= 0 and out.mask.max() <= 1


@pytest.mark.parametrize("domain", ["log", "linear"])
def test_domain_conversion(domain):
    clf = make_classifier()
    piq = make_piq(clf, domain=domain).eval()
    out = piq.interpret(torch.randn(1, SR))
    native = out.extras["native_mask"]
    expected = piq.masked_magnitude(native, out.magnitude)
    assert torch.allclose(out.masked_magnitude, expected, atol=1e-4, rtol=1e-4)
    if domain == "linear":
        assert torch.equal(out.mask, native)


def test_bce_target_is_the_clean_clip():
    clf = make_classifier()
    piq = make_piq(clf).train()
    noisy = torch.randn(2, SR)
    clean_wave = torch.zeros(2, SR)
    clean_wave[:, 4000:6000] = torch.sin(torch.arange(2000) * 0.3)
    clean, _ = clf.frontend.spectrogram(clean_wave)
    out = piq.interpret(noisy, with_wave=False)
    logits = out.extras["native_logits"]
    target = piq.target(clean)
    comp = compress(clean)
    peak = comp.amax(dim=(1, 2), keepdim=True)
    assert torch.equal(target, (comp >= 0.35 * peak).float())
    with_clean = piq.loss(out, clean_magnitude=clean)
    expected = torch.nn.functional.binary_cross_entropy_with_logits(logits, target)
    assert torch.allclose(with_clean["loss_bce"], expected)
    without = piq.loss(out)
    noisy_target = piq.target(out.magnitude)
    expected_noisy = torch.nn.functional.binary_cross_entropy_with_logits(logits, noisy_target)
    assert torch.allclose(without["loss_bce"], expected_noisy)
    assert not torch.allclose(with_clean["loss_bce"], without["loss_bce"])
    with pytest.raises(ValueError):
        piq.loss(out, clean_magnitude=clean[:, :-1])


def test_loss_parts_and_beta():
    clf = make_classifier()
    piq = make_piq(clf, beta=0.25).train()
    out = piq.interpret(torch.randn(2, SR), with_wave=False)
    parts = piq.loss(out)
    expected = parts["loss_bce"] + parts["loss_codebook"] + 0.25 * parts["loss_commitment"]
    assert torch.allclose(parts["loss"].detach(), expected)
    assert parts["loss"].requires_grad
    assert all(not v.requires_grad for k, v in parts.items() if k != "loss")


def _train_steps(piq, waves, steps=3):
    opt = torch.optim.Adam([p for p in piq.parameters() if p.requires_grad], lr=1e-2)
    for _ in range(steps):
        out = piq.interpret(waves, with_wave=False)
        loss = piq.loss(out)["loss"]
        opt.zero_grad()
        loss.backward()
        opt.step()


def test_classifier_unchanged_by_training():
    clf = make_classifier()
    before = {k: v.clone() for k, v in clf.state_dict().items()}
    piq = make_piq(clf).train()
    decoder_before = [p.clone() for p in piq.decoder.parameters()]
    _train_steps(piq, torch.randn(2, SR))
    for k, v in clf.state_dict().items():
        assert torch.equal(v, before[k]), k
    assert not clf.training
    assert any(not torch.equal(a, b) for a, b in zip(decoder_before, piq.decoder.parameters()))


def test_multilabel_requires_multilabel_classifier():
    with pytest.raises(ValueError):
        make_piq(make_classifier(), multilabel=True)
    assert make_piq(make_classifier(multilabel=True)).multilabel


def _two_label_classifier():
    clf = make_classifier(n_classes=5, multilabel=True)
    with torch.no_grad():  # classes 1 and 3 active for every clip, the
        clf.head.weight.mul_(0.05)  # outputs still depend on the input
        clf.head.bias.copy_(torch.tensor([-5.0, 4.0, -5.0, 3.0, -5.0]))
    return clf


def test_multilabel_two_labels_two_quantisations():
    clf = _two_label_classifier()
    piq = make_piq(clf, n_codes=25).train()
    out = piq.interpret(torch.randn(2, SR), with_wave=False)
    # training: one decided class per clip, drawn at random
    assert out.clip is None and set(out.label.tolist()) <= {1, 3}
    active = piq.active_labels(out)
    assert active.tolist() == [[False, True, False, True, False]] * 2
    h = piq.adapter(out.extras["rep"])
    vq, item, label = piq.vq.forward_multilabel(h, active)
    assert item.tolist() == [0, 0, 1, 1] and label.tolist() == [1, 3, 1, 3]
    assert_in_segment(piq.vq, vq.indices, label)
    # explaining class 3 explicitly uses class 3's segment
    out3 = piq.interpret(torch.randn(2, SR), label=torch.tensor([3, 3]))
    assert_in_segment(piq.vq, out3.extras["codes"], torch.tensor([3, 3]))
    # evaluation: one row per decided (clip, class), each with its own segment
    rows = piq.eval().interpret(torch.randn(2, SR), with_wave=False)
    assert rows.clip.tolist() == [0, 0, 1, 1] and rows.label.tolist() == [1, 3, 1, 3]
    assert_in_segment(piq.vq, rows.extras["codes"], rows.label)
    parts = piq.loss(out)
    assert float(parts["active_per_item"]) == 2.0
    assert "loss_ml" in parts and parts["loss"].requires_grad


def test_multilabel_term_reaches_decoder_through_frozen_classifier():
    clf = _two_label_classifier()
    waves = torch.randn(2, SR)
    grads = {}
    for lambda_ml in (0.0, 1.0):
        torch.manual_seed(0)
        piq = make_piq(clf, n_codes=25, lambda_ml=lambda_ml).train()
        parts = piq.loss(piq.interpret(waves, with_wave=False))
        parts["loss"].backward()
        grads[lambda_ml] = torch.cat([p.grad.flatten() for p in piq.decoder.parameters()])
        assert all(p.grad is None for p in clf.parameters())
    assert not torch.allclose(grads[0.0], grads[1.0])
    before = {k: v.clone() for k, v in clf.state_dict().items()}
    _train_steps(make_piq(clf, n_codes=25).train(), waves)
    assert all(torch.equal(v, before[k]) for k, v in clf.state_dict().items())


def test_consistency_term_is_the_classifier_cross_entropy_on_the_masked_input():
    """lambda_consistency adds CE(classifier(M X), explained class): equal to a hand
    recomputation, its gradient reaches the decoder, the classifier stays frozen."""
    clf = make_classifier(n_classes=4)
    for p in clf.parameters():
        p.requires_grad_(False)
    waves = torch.randn(2, SR)
    torch.manual_seed(0)
    piq = make_piq(clf, lambda_consistency=2.0).train()
    out = piq.interpret(waves, with_wave=False)
    parts = piq.loss(out)
    native = out.extras["native_mask"]
    logits = clf(magnitude=torch.expm1(native * torch.log1p(out.magnitude))).logits
    expected = torch.nn.functional.cross_entropy(logits, out.label.long())
    assert torch.allclose(parts["loss_consistency"], expected.detach(), atol=1e-5)
    plain = parts["loss_bce"] + parts["loss_codebook"] + parts["loss_commitment"]
    assert torch.allclose(parts["loss"].detach(), plain + 2.0 * expected.detach(), atol=1e-5)
    parts["loss"].backward()
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in piq.decoder.parameters())
    assert "loss_consistency" not in make_piq(clf).loss(piq.interpret(waves, with_wave=False))
    with pytest.raises(ValueError, match="lambda_consistency must be >= 0"):
        make_piq(clf, lambda_consistency=-1.0)
