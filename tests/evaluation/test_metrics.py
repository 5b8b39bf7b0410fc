"""Interpretation metrics: hand-computed values, pipeline invariants, Quantus equality, tracker."""

import math
import types
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from helpers import tiny_classifier
from speechbrain_interp.evaluation.metrics import (
    MetricTracker,
    average_drop,
    average_gain,
    average_increase,
    complexity,
    faithfulness,
    input_fidelity,
    interpretation_metrics,
    mask_mean,
    masked_probabilities,
    masking_metrics,
    sparseness,
    subtract_compressed,
    subtractive_faithfulness,
    topk_fidelity,
)


@pytest.fixture
def clf():
    """A small CNN14 classifier with calibrated batch norm and a standardising head.

    At initialisation the embedding barely depends on the input; calibrating
    gives input-dependent, confident probabilities, so the checks are not vacuous.
    """
    model = tiny_classifier(5, seed=0)
    calib = torch.rand(16, 40, 513) * torch.rand(16, 1, 1) * 4
    with torch.no_grad():
        model.train()
        for _ in range(3):
            model(magnitude=calib)  # batch-norm running statistics
        model.eval()
        emb = model(magnitude=calib).embedding
        weight = torch.randn(5, 128) * 3 / 128**0.5 / (emb.std(0) + 1e-8)
        model.head.weight.copy_(weight)
        model.head.bias.copy_(-weight @ emb.mean(0))
    return model


def _spec(batch, frames=40, seed=1):
    gen = torch.Generator().manual_seed(seed)
    return torch.rand(batch, frames, 513, generator=gen) * 3.0


def P(*rows):
    return torch.tensor(rows, dtype=torch.float64)


# ---------------------------------------------------------------- hand-computed


def test_increase_case():
    p_x, p_in, c = P([0.5, 0.3, 0.2]), P([0.7, 0.2, 0.1]), torch.tensor([0])
    assert average_increase(p_x, p_in, c).item() == 100.0
    assert average_drop(p_x, p_in, c).item() == 0.0
    assert average_gain(p_x, p_in, c).item() == pytest.approx(100 * 0.2 / 0.5)
    assert input_fidelity(p_in, c).item() == 1.0


def test_drop_case():
    p_x, p_in, c = P([0.5, 0.3, 0.2]), P([0.2, 0.5, 0.3]), torch.tensor([0])
    assert average_increase(p_x, p_in, c).item() == 0.0
    assert average_drop(p_x, p_in, c).item() == pytest.approx(100 * 0.3 / 0.5)
    assert average_gain(p_x, p_in, c).item() == 0.0
    assert input_fidelity(p_in, c).item() == 0.0  # argmax moved to class 1


def test_equal_probability_is_no_increase():
    p = P([0.5, 0.3, 0.2])
    c = torch.tensor([0])
    assert average_increase(p, p.clone(), c).item() == 0.0
    assert average_drop(p, p.clone(), c).item() == 0.0
    assert average_gain(p, p.clone(), c).item() == 0.0


def test_certain_input_gain_is_zero_not_nan():
    p_x, c = P([1.0, 0.0, 0.0], [1.0, 0.0, 0.0]), torch.tensor([0, 0])
    p_in = P([1.0, 0.0, 0.0], [0.6, 0.3, 0.1])
    ag = average_gain(p_x, p_in, c)
    assert torch.equal(ag, torch.zeros(2, dtype=ag.dtype))
    assert average_drop(p_x, p_in, c).tolist() == pytest.approx([0.0, 40.0])


def test_zero_probability_drop_is_zero_not_nan():
    # an explicit label whose input probability underflowed to 0
    ad = average_drop(P([1.0, 0.0]), P([0.9, 0.1]), torch.tensor([1]))
    assert ad.item() == 0.0


def test_guards_keep_gradients_finite():
    p_x = P([1.0, 0.0, 0.0], [0.0, 1.0, 0.0]).requires_grad_(True)
    p_in = P([0.5, 0.3, 0.2], [0.5, 0.3, 0.2]).requires_grad_(True)
    c = torch.tensor([0, 0])
    (average_drop(p_x, p_in, c) + average_gain(p_x, p_in, c)).sum().backward()
    assert torch.isfinite(p_x.grad).all() and torch.isfinite(p_in.grad).all()


def test_faithfulness_values():
    c = torch.tensor([0, 2])
    p_x = P([0.5, 0.3, 0.2], [0.1, 0.1, 0.8])
    p_out = P([0.1, 0.6, 0.3], [0.0, 0.1, 0.9])
    assert faithfulness(p_x, p_out, c).tolist() == pytest.approx([0.4, -0.1])
    assert subtractive_faithfulness(p_x, p_out, c).tolist() == pytest.approx([0.4, -0.1])


def test_masking_metrics_default_label_is_input_argmax():
    p_x = P([0.2, 0.5, 0.3])
    out = masking_metrics(p_x, P([0.1, 0.8, 0.1]), P([0.4, 0.2, 0.4]))
    assert out["AI"].item() == 100.0
    assert out["AG"].item() == pytest.approx(100 * 0.3 / 0.5)
    assert out["FF"].item() == pytest.approx(0.3)
    assert out["FidIn"].item() == 1.0


def test_multilabel_input_fidelity_uses_threshold():
    p_in = P([0.6, 0.9], [0.4, 0.9])
    c = torch.tensor([0, 0])
    assert input_fidelity(p_in, c, threshold=0.5).tolist() == [1.0, 0.0]


def test_topk_fidelity():
    scores = torch.tensor([[0.1, 0.5, 0.3, 0.2, 0.0], [0.9, 0.0, 0.05, 0.04, 0.03]])
    decision = torch.tensor([3, 4])
    assert topk_fidelity(decision, scores, 1).tolist() == [0.0, 0.0]
    assert topk_fidelity(decision, scores, 3).tolist() == [1.0, 0.0]
    assert topk_fidelity(decision, scores, 5).tolist() == [1.0, 1.0]
    assert topk_fidelity(decision, scores, 50).tolist() == [1.0, 1.0]  # k clamped


def test_mask_mean():
    mask = torch.zeros(2, 4, 5)
    mask[0, :2] = 1.0
    assert mask_mean(mask).tolist() == [0.5, 0.0]


def test_subtract_compressed():
    x = _spec(2)
    binary = (torch.rand_like(x) > 0.5).float()
    assert torch.allclose(subtract_compressed(x, binary), (1 - binary) * x, atol=1e-6)
    soft = torch.rand_like(x)
    removed = subtract_compressed(x, soft)
    assert (removed >= 0).all() and (removed <= (1 - soft) * x + 1e-5).all()
    # exactly the log1p-domain difference
    assert torch.allclose(torch.log1p(removed), torch.log1p(x) - torch.log1p(soft * x), atol=1e-5)


# --------------------------------------------------------------- SPS and COMP


@pytest.mark.parametrize("d", [10, 513, 40 * 513])
def test_sparseness_and_complexity_extremes(d):
    one_hot = torch.zeros(1, d)
    one_hot[0, d // 3] = 1.0
    uniform = torch.full((1, d), 0.37)
    # the 1e-7 added to every entry: (1 - 1/d) / (1 + d * 1e-7)
    assert sparseness(one_hot).item() == pytest.approx((1 - 1 / d) / (1 + d * 1e-7), abs=1e-6)
    if d <= 513:
        assert sparseness(one_hot).item() == pytest.approx(1 - 1 / d, abs=1e-4)
    assert sparseness(uniform).item() == pytest.approx(0.0, abs=1e-6)
    assert complexity(uniform).item() == pytest.approx(math.log(d), abs=1e-5)
    assert complexity(one_hot).item() == pytest.approx(0.0, abs=1e-6)


def test_sparseness_complexity_use_abs_and_are_scale_free():
    maps = torch.randn(3, 20, 30)
    for fn in (sparseness, complexity):
        ref = fn(maps)
        assert torch.allclose(fn(maps.abs()), ref, atol=1e-6)
        assert torch.allclose(fn(-7.0 * maps), ref, atol=1e-6)
        assert fn(maps).shape == (3,)


def test_all_zero_map_is_nan():
    maps = torch.rand(2, 6, 7)
    maps[1] = 0.0
    for fn in (sparseness, complexity):
        out = fn(maps)
        assert math.isfinite(out[0].item()) and math.isnan(out[1].item())


def _quantus():
    try:
        import quantus
    except ImportError:
        pytest.skip("quantus not installed (optional, test-only: pip install -r requirements-test.txt)")
    return quantus


def _quantus_call(metric, maps, aggregate):
    a = maps.unsqueeze(1).numpy().copy()  # [B, 1, T, F], as upstream passed masks
    x = np.random.default_rng(0).random(a.shape).astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return metric(model=None, x_batch=x, y_batch=np.zeros(len(a), dtype=int), a_batch=a)


@pytest.mark.parametrize("kind", ["sigmoid_mask", "sparse_mask", "signed_saliency"])
def test_matches_quantus(kind):
    quantus = _quantus()
    gen = torch.Generator().manual_seed(7)
    maps = torch.randn(4, 60, 513, generator=gen)
    if kind == "sigmoid_mask":
        maps = torch.sigmoid(2 * maps)
    elif kind == "sparse_mask":
        maps = torch.sigmoid(maps) * (maps > 1.0)  # mostly exact zeros
    maps[1] *= 0.5  # a clip whose max differs from the batch max
    ours = {"SPS": sparseness(maps), "COMP": complexity(maps)}
    for name, cls in (("SPS", quantus.Sparseness), ("COMP", quantus.Complexity)):
        # Quantus on one clip at a time: our per-clip definition
        per_clip = [
            _quantus_call(cls(abs=True, disable_warnings=True), maps[i : i + 1], False)[0]
            for i in range(len(maps))
        ]
        assert ours[name].double().numpy() == pytest.approx(np.array(per_clip, dtype=np.float64), abs=1e-5)
        # upstream's call: whole batch, aggregated (batch-wide max normalisation)
        upstream = cls(return_aggregate=True, abs=True, disable_warnings=True)
        agg = _quantus_call(upstream, maps, True)[0]
        assert ours[name].double().mean().item() == pytest.approx(float(agg), abs=1e-5)


# ----------------------------------------------------------- classifier pipeline


def test_all_ones_mask(clf):
    x = _spec(3)
    out = interpretation_metrics(clf, x, torch.ones_like(x))
    zeros = torch.zeros(3)
    assert torch.equal(out["AI"], zeros)
    assert torch.allclose(out["AD"], zeros, atol=1e-4)
    assert torch.allclose(out["AG"], zeros, atol=1e-4)
    assert torch.equal(out["FidIn"], torch.ones(3))
    assert torch.allclose(out["MM"], torch.ones(3))
    with torch.no_grad():
        p_x = clf.probabilities(clf(magnitude=x).logits)
        p_zero = clf.probabilities(clf(magnitude=torch.zeros_like(x)).logits)
    c = clf.decide(clf(magnitude=x).logits)
    expected = p_x.gather(1, c[:, None])[:, 0] - p_zero.gather(1, c[:, None])[:, 0]
    assert expected.abs().max() > 1e-3  # the check is not vacuous
    assert torch.allclose(out["FF"], expected, atol=1e-5)
    assert torch.allclose(out["PIQ_FF"], expected, atol=1e-5)  # binary mask: same removal
    assert torch.allclose(out["SPS"], zeros, atol=1e-6)
    assert torch.allclose(out["COMP"], torch.full((3,), math.log(40 * 513)), atol=1e-4)


class _FixedLogits(torch.nn.Module):
    """A stand-in classifier whose logits are a known function of the magnitude."""

    multilabel, threshold = False, 0.5

    def forward(self, magnitude):
        logits = 8.0 * magnitude[:, :, :4].mean(1) - 2.0 * magnitude[:, :, 4:8].mean(1)
        return types.SimpleNamespace(logits=logits)

    def probabilities(self, logits):
        return F.softmax(logits, dim=-1)


def test_no_double_softmax():
    model = _FixedLogits()
    gen = torch.Generator().manual_seed(3)
    x = torch.rand(6, 10, 8, generator=gen)
    mask = torch.rand(6, 10, 8, generator=gen)
    out = interpretation_metrics(model, x, mask)
    p_x = F.softmax(model(x).logits, -1)
    p_in = F.softmax(model(mask * x).logits, -1)
    c = p_x.argmax(-1)
    pc, qc = p_x.gather(1, c[:, None])[:, 0], p_in.gather(1, c[:, None])[:, 0]
    expected = 100 * torch.relu(pc - qc) / pc
    assert torch.allclose(out["AD"], expected, atol=1e-5)
    # upstream's double softmax gives different numbers: the test discriminates
    p2x, p2in = F.softmax(p_x, -1), F.softmax(p_in, -1)
    c2x, c2in = p2x.gather(1, c[:, None])[:, 0], p2in.gather(1, c[:, None])[:, 0]
    double = 100 * torch.relu(c2x - c2in) / c2x
    assert (double - expected).abs().max() > 1.0
    # and the probabilities returned are exactly one softmax of the logits
    probs = masked_probabilities(model, x, mask)
    assert torch.allclose(probs[0], p_x) and torch.allclose(probs[1], p_in)


def test_batched_equals_per_item(clf):
    x = _spec(5, seed=2)
    mask = torch.rand_like(x)
    whole = interpretation_metrics(clf, x, mask)
    parts = [interpretation_metrics(clf, x[:2], mask[:2]), interpretation_metrics(clf, x[2:], mask[2:])]
    single = [interpretation_metrics(clf, x[i : i + 1], mask[i : i + 1]) for i in range(5)]
    chunked = interpretation_metrics(clf, x, mask, max_batch=3)
    for key, value in whole.items():
        assert value.shape == (5,)
        assert torch.allclose(value, torch.cat([p[key] for p in parts]), atol=1e-4), key
        assert torch.allclose(value, torch.cat([s[key] for s in single]), atol=1e-4), key
        assert torch.allclose(value, chunked[key], atol=1e-4), key


def test_explicit_label_and_maps(clf):
    x = _spec(2)
    mask = torch.rand_like(x)
    label = torch.tensor([4, 1])
    maps = torch.zeros(2, 40, 513)
    maps[:, 3, 7] = 1.0
    out = interpretation_metrics(clf, x, mask, label=label, maps=maps)
    with torch.no_grad():
        p_x, p_in, _ = masked_probabilities(clf, x, mask)
    assert torch.allclose(out["AD"], average_drop(p_x, p_in, label), atol=1e-5)
    assert torch.allclose(out["SPS"], torch.full((2,), (1 - 1 / 20520) / (1 + 20520e-7)), atol=1e-5)
    assert torch.allclose(out["MM"], mask_mean(mask))


def test_masked_probabilities_passes_gradients_and_extras(clf):
    x = _spec(2)
    mask = torch.rand_like(x).requires_grad_(True)
    extra = _spec(3, seed=5)
    p_x, p_in, p_out, p_extra = masked_probabilities(clf.freeze(), x, mask, extra=(extra,), max_batch=4)
    assert p_x.shape == (2, 5) and p_extra.shape == (3, 5)
    (p_in[:, 0].sum() - p_out[:, 0].sum()).backward()
    assert mask.grad is not None and mask.grad.abs().sum() > 0
    with torch.no_grad():
        direct = clf.probabilities(clf(magnitude=extra).logits)
    assert torch.allclose(p_extra.detach(), direct, atol=1e-4)  # batch composition: float32 rounding
    with pytest.raises(ValueError):
        masked_probabilities(clf, x, mask[:, :10])


# --------------------------------------------------------------------- tracker


def test_tracker_summary_is_mean_of_clips_and_keeps_ids(clf):
    tracker = MetricTracker()
    batches, ids = [], []
    for b, size in enumerate((3, 2)):
        x = _spec(size, seed=10 + b)
        out = interpretation_metrics(clf, x, torch.rand_like(x))
        names = [f"clip{b}_{i}" for i in range(size)]
        tracker.append(out, ids=names)
        batches.append(out)
        ids.extend(names)
    assert len(tracker) == 5 and tracker.ids == ids
    summary = tracker.summarize()
    for key in batches[0]:
        values = torch.cat([b[key] for b in batches]).double()
        assert summary[key] == pytest.approx(values.mean().item(), abs=1e-6), key
    ff = torch.cat([b["FF"] for b in batches]).double().numpy()
    assert summary["FF_median"] == pytest.approx(float(np.median(ff)), abs=1e-6)
    assert tracker.summarize("AD") == summary["AD"]
    rows = tracker.to_rows()
    assert [r["id"] for r in rows] == ids
    assert rows[3]["FF"] == pytest.approx(float(batches[1]["FF"][0]), abs=1e-6)
    tracker.clear()
    assert len(tracker) == 0 and tracker.summarize() == {}


def test_tracker_nan_and_missing_values():
    tracker = MetricTracker(medians=())
    tracker.append({"SPS": torch.tensor([0.5, float("nan")])})
    tracker.append({"SPS": torch.tensor([0.7]), "AD": torch.tensor([10.0])})
    assert tracker.ids == ["0", "1", "2"]
    summary = tracker.summarize()
    assert summary["SPS"] == pytest.approx(0.6)  # the NaN clip is left out
    assert summary["AD"] == pytest.approx(10.0)
    assert math.isnan(tracker.to_rows()[0]["AD"])
    with pytest.raises(ValueError):
        tracker.append({"AD": torch.zeros(2)}, ids=["x"])
    with pytest.raises(ValueError):
        tracker.append({"AD": torch.zeros(2), "AI": torch.zeros(3)})
