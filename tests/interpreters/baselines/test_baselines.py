"""Reference interpreters and the method-agnostic evaluation loop."""

import torch
from speechbrain.dataio.dataset import DynamicItemDataset

from helpers import tiny_classifier
from speechbrain_interp.evaluation.suite import evaluate_interpreters
from speechbrain_interp.evaluation.tables import format_table
from speechbrain_interp.interpreters import LMAC, AllOnes, RandomMask, Saliency, attribution_to_mask


def classifier():
    return tiny_classifier(4).eval()


def test_random_mask_shuffles_the_reference_values_per_clip():
    clf = classifier()
    lmac = LMAC(clf, decoder_width=8)
    rand = RandomMask(clf, reference=lmac, seed=3)
    wave = torch.randn(2, 16000)
    with torch.no_grad():
        ref = lmac.interpret(wave).mask
        out = rand.interpret(wave).mask
    for i in range(2):  # same values (hence mean and distribution), other places
        assert torch.equal(ref[i].flatten().sort().values, out[i].flatten().sort().values)
    assert not torch.equal(ref, out)
    again = RandomMask(clf, reference=lmac, seed=3).interpret(wave).mask
    assert torch.equal(out, again)  # reproducible


def test_bernoulli_random_mask_has_the_requested_mean():
    out = RandomMask(classifier(), mean=0.3).interpret(torch.randn(3, 32000)).mask
    assert set(out.unique().tolist()) <= {0.0, 1.0}
    assert abs(float(out.mean()) - 0.3) < 0.01


def test_saliency_is_the_normalised_absolute_gradient():
    clf = classifier()
    wave = torch.randn(2, 16000)
    out = Saliency(clf).interpret(wave)
    mag = out.magnitude.detach().requires_grad_(True)
    logits = clf(magnitude=mag).logits
    logits.gather(1, out.label[:, None]).sum().backward()
    expected = attribution_to_mask(mag.grad)
    assert torch.allclose(out.mask, expected, atol=1e-6)
    assert torch.allclose(out.mask.amax(dim=(1, 2)), torch.ones(2))
    assert torch.all(attribution_to_mask(torch.zeros(1, 3, 4)) == 0)


def test_evaluation_loop_is_method_agnostic(tmp_path):
    clf = classifier()
    data = {str(i): {"sig": torch.randn(16000)} for i in range(5)}
    dataset = DynamicItemDataset(data, output_keys=["id", "sig"])
    methods = {"ones": AllOnes(clf), "saliency": Saliency(clf),
               "lmac": LMAC(clf, decoder_width=8)}
    trackers = evaluate_interpreters(methods, dataset, batch_size=2)
    ones = trackers["ones"].summarize()
    assert ones["AI"] == ones["AD"] == ones["AG"] == 0 and ones["FidIn"] == 1 and ones["MM"] == 1
    assert all(len(t) == 5 for t in trackers.values())
    assert [r["id"] for r in trackers["lmac"].to_rows()] == ["0", "1", "2", "3", "4"]
    table = format_table(trackers)
    assert table.count("\n| ") == 4 and "| ones | 0.00 | 0.00 | 0.00 |" in table
