"""Every trainable interpreter honours the same contract.

Shapes for several classifier widths and clip lengths (4, 5 and 10 s), the
gradient path into the trained parts through the frozen classifier, and a
classifier left untouched by interpreter training.
"""

import pytest
import torch

from helpers import tiny_classifier
from speechbrain_interp.interpreters import L2I, LMAC, PIQ
from speechbrain_interp.interpreters.l2i.nmf import NMFDictionary

SR = 16000


def classifier(base=4, n_classes=6):
    return tiny_classifier(n_classes, base_channels=base)


def build(name, clf):
    if name == "lmac":
        return LMAC(clf, decoder_width=8)
    if name == "piq":
        return PIQ(clf, n_codes=24, dim=8, decoder_width=8)
    nmf = NMFDictionary(clf.frontend.n_freqs, 10)
    nmf.W.copy_(torch.rand_like(nmf.W))
    return L2I(clf, nmf, width=8, attention_dim=8)


METHODS = ["lmac", "piq", "l2i"]


@pytest.mark.parametrize("name", METHODS)
@pytest.mark.parametrize("seconds,base", [(4.0, 4), (5.0, 8), (10.0, 4)])
def test_shapes_for_widths_and_lengths(name, seconds, base):
    clf = classifier(base)
    interpreter = build(name, clf).eval()
    n = int(seconds * SR)
    with torch.no_grad():
        out = interpreter.interpret(torch.randn(2, n))
    frames = n // 186 + 1
    assert out.mask.shape == out.magnitude.shape == (2, frames, 513)
    assert out.wave.shape == (2, n) and out.logits.shape == (2, 6) and out.label.shape == (2,)
    assert float(out.mask.min()) >= 0 and float(out.mask.max()) <= 1


@pytest.mark.parametrize("name", METHODS)
def test_training_reaches_the_parts_and_leaves_the_classifier(name):
    clf = classifier()
    before = {k: v.clone() for k, v in clf.state_dict().items()}
    interpreter = build(name, clf)
    parts = interpreter.trained_parts()
    assert parts and "classifier" not in parts
    interpreter.train()
    params = [p for p in interpreter.parameters() if p.requires_grad]
    assert {id(p) for p in params} == {id(p) for m in parts.values() for p in m.parameters()}
    opt = torch.optim.Adam(params, lr=1e-2)
    wave = torch.randn(3, SR)
    for _ in range(3):
        opt.zero_grad()
        loss = interpreter.loss(interpreter.interpret(wave, with_wave=False))["loss"]
        loss.backward()
        for part, module in parts.items():
            grads = [p.grad for p in module.parameters() if p.grad is not None]
            assert grads and sum(float(g.abs().sum()) for g in grads) > 0, part
        opt.step()
    assert not clf.training
    for key, value in clf.state_dict().items():
        assert torch.equal(value, before[key]), key


@pytest.mark.parametrize("name", METHODS)
def test_explains_the_decision_or_a_given_class(name):
    clf = classifier().eval()
    interpreter = build(name, clf).eval()
    wave = torch.randn(2, SR)
    with torch.no_grad():
        out = interpreter.interpret(wave)
        assert torch.equal(out.label, out.logits.argmax(-1))
        if not interpreter.explains_any_class:  # the decision only: others are refused
            other = (out.label + 1) % out.logits.shape[-1]
            with pytest.raises(ValueError, match="cannot explain class"):
                interpreter.interpret(wave, label=other)
            given = interpreter.interpret(wave, label=out.label)
            assert torch.equal(given.label, out.label)
            return
        given = interpreter.interpret(wave, label=torch.tensor([3, 5]))
    assert given.label.tolist() == [3, 5]
