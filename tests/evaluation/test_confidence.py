"""Bootstrap intervals and paired differences: coverage on known distributions, exact
cases, and the evaluation tables that carry them."""

import json
import math

import numpy as np
import pytest
import torch

from speechbrain_interp.evaluation.confidence import bootstrap_mean, paired_difference, verdict
from speechbrain_interp.evaluation.tables import differences, format_interval_table, source_decided
from speechbrain_interp.evaluation.tracking import MetricTracker


@pytest.mark.parametrize("draw", ["normal", "exponential"])
def test_interval_covers_the_true_mean_at_the_stated_rate(draw):
    """Over 300 independent samples of 60 items, the 95 % interval holds the true
    mean in 91-98.5 % of them (binomial sd at 95 %: 1.3 points; the percentile
    bootstrap runs slightly under its level on skewed data)."""
    rng = np.random.default_rng(11)
    truth = 2.0
    covered = 0
    repeats = 300
    for r in range(repeats):
        if draw == "normal":
            values = rng.normal(truth, 3.0, size=60)
        else:
            values = rng.exponential(truth, size=60)
        stats = bootstrap_mean(values, n_resamples=1000, seed=r)
        assert stats["low"] <= stats["mean"] <= stats["high"]
        covered += stats["low"] <= truth <= stats["high"]
    assert 0.91 <= covered / repeats <= 0.985, covered / repeats


def test_interval_width_shrinks_as_one_over_root_n():
    """Four times the items, half the width (within 15 %)."""
    rng = np.random.default_rng(0)
    small = bootstrap_mean(rng.normal(0, 1, 100), seed=1)
    large = bootstrap_mean(rng.normal(0, 1, 400), seed=1)
    ratio = (small["high"] - small["low"]) / (large["high"] - large["low"])
    assert 1.7 < ratio < 2.3, ratio


def test_paired_difference_of_identical_methods_is_zero_with_zero_width():
    values = np.random.default_rng(3).normal(size=50)
    values[[4, 9]] = np.nan  # undefined items are left out, not counted as 0
    diff = paired_difference(values, values.copy(), seed=5)
    assert diff == {"mean": 0.0, "low": 0.0, "high": 0.0, "n": 48}
    assert verdict(diff, "up") == "not shown"


def test_paired_difference_shows_a_consistent_lead_that_marginal_intervals_hide():
    """b = a - 0.1 on every item, a widely spread: the marginal intervals overlap,
    the paired difference is exactly 0.1 with zero width, shown as a lead."""
    a = np.random.default_rng(4).normal(0.0, 5.0, size=40)
    b = a - 0.1
    ia, ib = bootstrap_mean(a, seed=0), bootstrap_mean(b, seed=0)
    assert ia["low"] < ib["high"]  # overlapping
    diff = paired_difference(a, b, seed=0)
    assert diff["low"] == pytest.approx(0.1) and diff["high"] == pytest.approx(0.1)
    assert verdict(diff, "up") == "leads" and verdict(diff, "down") == "trails"


def test_same_seed_same_interval_and_bad_pairs_are_refused():
    values = np.random.default_rng(8).normal(size=30)
    assert bootstrap_mean(values, seed=3) == bootstrap_mean(values, seed=3)
    with pytest.raises(ValueError, match="same items: 3 against 2"):
        paired_difference([1.0, 2.0, 3.0], [1.0, 2.0])
    empty = bootstrap_mean([math.nan, math.nan])
    assert empty["n"] == 0 and math.isnan(empty["mean"])


def _result(values_by_method, accuracy):
    """A ConditionResult-like object for the table functions."""
    from speechbrain_interp.evaluation.suite import ConditionResult

    result = ConditionResult(list(values_by_method))
    ids = [f"c{i}" for i in range(len(accuracy))]
    for name, metrics in values_by_method.items():
        result.trackers[name].append({k: torch.tensor(v) for k, v in metrics.items()}, ids=ids)
    result.classifier.append({"accuracy": torch.tensor(accuracy)}, ids=ids)
    return result


def test_tables_state_items_covered_and_the_source_decided_subset():
    """Precision defined on 3 of 4 items says (n=3); in a classless-contaminant
    condition the ground truth is given again over the items decided as the source."""
    nan = math.nan
    result = _result({"m": {"AI": [100.0, 0.0, 100.0, 100.0], "AUC": [0.9, 0.8, 0.6, 0.7],
                            "precision": [1.0, 0.5, nan, 0.0]}},
                     accuracy=[1.0, 0.0, 1.0, 1.0])
    table = format_interval_table(result.trackers, "Ground truth", (("AUC", "up"), ("precision", "up")))
    assert "| m | 4 | 0.750 [" in table and "(n=3)" in table
    decided = source_decided(result)
    assert decided["m"].ids == ["c0", "c2", "c3"]
    assert decided["m"].summarize()["AUC"] == pytest.approx((0.9 + 0.6 + 0.7) / 3)
    # a mixture condition (the contaminant has a class) needs no such subset
    result.classifier.append({"accuracy": torch.tensor([1.0]),
                              "decided_contaminant": torch.tensor([0.0])}, ids=["c4"])
    assert source_decided(result) is None


def test_differences_pair_items_by_id():
    a, b = MetricTracker(), MetricTracker()
    a.append({"AD": torch.tensor([1.0, 2.0, 3.0])}, ids=["x", "y", "z"])
    b.append({"AD": torch.tensor([3.5, 2.5, 1.5])}, ids=["z", "y", "x"])
    d = differences({"a": a, "b": b}, {"a": ["b", "missing"]})["a"]["b"]["AD"]
    assert d["mean"] == pytest.approx(-0.5) and d["low"] == d["high"]
    assert d["verdict"] == "leads"  # AD: lower is better


def test_write_results_carries_intervals_and_differences(tmp_path):
    from speechbrain_interp.evaluation.tables import write_results

    result = _result({"lmac": {"AD": [1.0, 2.0, 1.0, 2.0], "FF": [0.5, 0.6, 0.5, 0.6]},
                      "random (lmac)": {"AD": [5.0, 6.0, 5.0, 6.0], "FF": [0.1, 0.1, 0.2, 0.1]}},
                     accuracy=[1.0, 1.0, 0.0, 1.0])
    report = write_results({"clean": result}, str(tmp_path),
                           comparisons={"lmac": ["random (lmac)"]}, n_resamples=200)
    assert "Paired differences, clean" in report and "| lmac | random (lmac) | -4.00" in report
    data = json.loads((tmp_path / "results.json").read_text())
    ff = data["clean"]["intervals"]["lmac"]["FF"]
    assert ff["n"] == 4 and ff["low"] <= 0.55 <= ff["high"]
    assert data["clean"]["differences"]["lmac"]["random (lmac)"]["FF"]["verdict"] == "leads"


def test_reference_program_names_a_missing_folder(tmp_path):
    """Bad input stops before any training, naming the file it needs."""
    from helpers import REPO, load_script

    tool = load_script(REPO / "tools" / "reference.py")
    with pytest.raises(SystemExit, match="esc50.csv not found: check --data_folder"):
        tool.main(["--data_folder", str(tmp_path), "--speech_folder", str(tmp_path),
                   "--out", str(tmp_path / "out")])
    assert not (tmp_path / "out" / "steps").exists()
