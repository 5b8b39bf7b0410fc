"""Tests of the DCASE 2020 Task 5 tagging metrics (speechbrain_interp.evaluation.tagging)."""

import json
import os

import numpy as np
import pytest
import torch

from speechbrain_interp.evaluation.tagging import (
    class_counts,
    dcase_metrics,
    f1_at_thresholds,
    precision_recall_area,
    tune_thresholds,
    write_tagging_report,
)

# Toy table: 5 clips x 2 classes.
#   class A: a tie (0.7 on a positive and a negative clip); 0.4 is an FP-only step.
#   class B: a positive at 0.005 and a negative at 0.001 (both below the 0.01 floor,
#            never predicted); its 0.4 positive meets A's 0.4 negative in the micro table.
SCORES = np.array([
    [0.9, 0.8],
    [0.7, 0.4],
    [0.7, 0.005],
    [0.4, 0.7],
    [0.2, 0.001],
])  # fmt: skip
TRUTH = np.array([
    [1, 1],
    [1, 1],
    [0, 1],
    [0, 0],
    [1, 0],
])  # fmt: skip

# Class A (3 positives), thresholds decreasing: 1.0, 0.9, 0.7, 0.4, 0.2
#   t    TP FP FN   P = TP/max(TP+FP,.5)  R = TP/max(TP+FN,.5)
#   1.0   0  0  3   0                     0
#   0.9   1  0  2   1                     1/3
#   0.7   2  1  1   2/3                   2/3
#   0.4   2  2  1   1/2                   2/3
#   0.2   3  2  0   3/5                   1
# curve (0,1) (0,0) (1/3,1) (2/3,2/3) (2/3,1/2) (1,3/5) (1,0):
#   0 + 1/3*(0+1)/2 + 1/3*(1+2/3)/2 + 0 + 1/3*(1/2+3/5)/2 + 0
#   = 1/6 + 5/18 + 11/60 = (30 + 50 + 33)/180 = 113/180
AUPRC_A = 113 / 180
# Class B (3 positives), thresholds decreasing: 1.0, 0.8, 0.7, 0.4 (0.005, 0.001 dropped)
#   1.0   0  0  3   0    0
#   0.8   1  0  2   1    1/3
#   0.7   1  1  2   1/2  1/3
#   0.4   2  1  1   2/3  2/3
# curve (0,1) (0,0) (1/3,1) (1/3,1/2) (2/3,2/3) (1,0):
#   0 + 1/3*(0+1)/2 + 0 + 1/3*(1/2+2/3)/2 + 1/3*(2/3+0)/2 = 1/6 + 7/36 + 1/9 = 17/36
AUPRC_B = 17 / 36
MACRO = (AUPRC_A + AUPRC_B) / 2  # (113 + 85)/360 = 0.55
# Micro, union thresholds increasing: 0.2, 0.4, 0.7, 0.8, 0.9, 1.0 (6 positives in all);
# each class read at its smallest own threshold >= t:
#   t    A row   B row   TP FP FN   P     R
#   0.2  0.2     0.4      5  3  1   5/8   5/6
#   0.4  0.4     0.4      4  3  2   4/7   4/6
#   0.7  0.7     0.7      3  2  3   3/5   1/2
#   0.8  0.9     0.8      2  0  4   1     1/3
#   0.9  0.9     1.0      1  0  5   1     1/6
#   1.0  1.0     1.0      0  0  6   0     0
# (recalls all distinct: the tie order cannot matter here)
# curve (0,1) (0,0) (1/6,1) (1/3,1) (1/2,3/5) (2/3,4/7) (5/6,5/8) (1,0):
#   1/6*[(0+1) + (1+1) + (1+3/5) + (3/5+4/7) + (4/7+5/8) + (5/8+0)]/2
#   = 1/12 + 1/6 + 2/15 + 41/420 + 67/672 + 5/96 = 1063/1680
MICRO = 1063 / 1680
# micro-F1: first union threshold >= 0.5 is 0.7: P = 3/5, R = 1/2, F = 2/(5/3 + 2) = 6/11
MICRO_F1 = 6 / 11
# per-class F1 at 0.5: A (TP 2, FP 1, FN 1) -> 2/3; B (TP 1, FP 1, FN 2) -> 2/(2 + 3) = 2/5


def test_class_counts_toy_table():
    thresholds, tp, fp, fn = class_counts(SCORES[:, 0], TRUTH[:, 0])
    assert thresholds.tolist() == [1.0, 0.9, 0.7, 0.4, 0.2]
    assert tp.tolist() == [0, 1, 2, 2, 3]
    assert fp.tolist() == [0, 0, 1, 2, 2]
    assert fn.tolist() == [3, 2, 1, 1, 0]
    thresholds, tp, fp, fn = class_counts(SCORES[:, 1], TRUTH[:, 1])
    assert thresholds.tolist() == [1.0, 0.8, 0.7, 0.4]  # below-0.01 scores dropped
    assert (tp + fn).tolist() == [3] * 4  # the 0.005 positive is always a miss


def test_hand_computed_toy_metrics():
    m = dcase_metrics(SCORES, TRUTH, ["A", "B"])
    assert m["per_class_AUPRC"]["A"] == pytest.approx(AUPRC_A, abs=1e-9)
    assert m["per_class_AUPRC"]["B"] == pytest.approx(AUPRC_B, abs=1e-9)
    assert m["macro_AUPRC"] == pytest.approx(0.55, abs=1e-9)
    assert m["macro_AUPRC"] == pytest.approx(MACRO, abs=1e-9)
    assert m["micro_AUPRC"] == pytest.approx(MICRO, abs=1e-9)
    assert m["micro_F1"] == pytest.approx(MICRO_F1, abs=1e-9)
    assert m["micro_precision"] == pytest.approx(3 / 5, abs=1e-9)
    assert m["micro_recall"] == pytest.approx(1 / 2, abs=1e-9)
    assert m["per_class_F1"]["A"] == pytest.approx(2 / 3, abs=1e-9)
    assert m["per_class_F1"]["B"] == pytest.approx(2 / 5, abs=1e-9)
    assert m["n_positive"] == {"A": 3, "B": 3}
    # torch input and default names give the same numbers
    t = dcase_metrics(torch.tensor(SCORES), torch.tensor(TRUTH))
    assert list(t["per_class_AUPRC"]) == ["0", "1"]
    assert t["micro_AUPRC"] == m["micro_AUPRC"]


def test_recall_tie_order_is_the_official_row_order():
    # class A's tie at R = 2/3 (rows in decreasing-threshold order keep P = 2/3 first);
    # with equal widths on both sides the order inside the tie cannot change the area:
    # 1/6 + 1/3*(1+1/2)/2 + 1/3*(2/3+3/5)/2 = 1/6 + 1/4 + 19/90 = 113/180 as well.
    r = [0, 1 / 3, 2 / 3, 2 / 3, 1]
    assert precision_recall_area([0, 1, 2 / 3, 1 / 2, 3 / 5], r) == pytest.approx(113 / 180)
    assert precision_recall_area([0, 1, 1 / 2, 2 / 3, 3 / 5], r) == pytest.approx(113 / 180)
    # unequal widths: the row order decides. Rows as given (already sorted by recall):
    # (0,1) (0,0) (.25,1) (.5,.8) (.5,.4) (1,.6) (1,0):
    #   .25*(0+1)/2 + .25*(1+.8)/2 + .5*(.4+.6)/2 = .125 + .225 + .25 = .6
    r = [0, 0.25, 0.5, 0.5, 1]
    assert precision_recall_area([0, 1, 0.8, 0.4, 0.6], r) == pytest.approx(0.6, abs=1e-12)
    # swapped tie: .125 + .25*(1+.4)/2 + .5*(.8+.6)/2 = .125 + .175 + .35 = .65
    assert precision_recall_area([0, 1, 0.4, 0.8, 0.6], r) == pytest.approx(0.65, abs=1e-12)


def test_perfect_ranking_and_class_without_positives():
    truth = np.array([1, 1, 1, 0, 0, 0])
    # top score exactly 1.0: the t = 1.0 row already has a hit -> area 1
    ones = np.array([1.0, 0.8, 0.7, 0.3, 0.2, 0.1])
    # top score below 1: the t = 1.0 row is (R=0, P=0) -> 1 - 1/(2 * 3)
    below = np.array([0.9, 0.8, 0.7, 0.3, 0.2, 0.1])
    m = dcase_metrics(np.stack([ones, below, below], 1),
                      np.stack([truth, truth, np.zeros(6, dtype=int)], 1))
    assert m["per_class_AUPRC"]["0"] == pytest.approx(1.0, abs=1e-12)
    assert m["per_class_AUPRC"]["1"] == pytest.approx(1 - 1 / 6, abs=1e-12)
    assert m["per_class_AUPRC"]["2"] == 0.0  # no positive: P = R = 0 everywhere
    assert m["per_class_F1"]["2"] == 0.0
    assert m["macro_AUPRC"] == pytest.approx((1 + 5 / 6 + 0) / 3, abs=1e-12)


def _reference(scores, truth):
    """Independent loop version of the official evaluator's structure."""

    def area(p, r):
        order = np.argsort(r)
        x = [0.0] + list(np.asarray(r)[order]) + [1.0]
        y = [1.0] + list(np.asarray(p)[order]) + [0.0]
        return sum((x[i + 1] - x[i]) * (y[i + 1] + y[i]) / 2 for i in range(len(x) - 1))

    tables, areas = [], []
    for c in range(scores.shape[1]):
        thr = sorted({v for v in scores[:, c] if v >= 0.01} | {1.0}, reverse=True)
        rows = []
        for t in thr:
            pred = scores[:, c] >= t
            rows.append((t, int(np.sum(pred & (truth[:, c] == 1))),
                         int(np.sum(pred & (truth[:, c] == 0))),
                         int(np.sum(~pred & (truth[:, c] == 1)))))
        tables.append(rows)
        p = [tp / max(tp + fp, 0.5) for _, tp, fp, _ in rows]
        r = [tp / max(tp + fn, 0.5) for _, tp, _, fn in rows]
        areas.append(area(p, r))
    union = sorted({row[0] for rows in tables for row in rows})
    micro = []
    for t in union:
        picked = [[row for row in rows if row[0] >= t][-1] for rows in tables]
        micro.append(tuple(sum(row[k] for row in picked) for k in (1, 2, 3)))
    p = [tp / max(tp + fp, 0.5) for tp, fp, _ in micro]
    r = [tp / max(tp + fn, 0.5) for tp, _, fn in micro]
    return area(p, r), float(np.mean(areas)), areas


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_matches_independent_loop_reference(seed):
    rng = np.random.default_rng(seed)
    # rounded scores -> many ties (scores and recalls); some below 0.01 and some at 1.0
    scores = np.round(rng.random((40, 4)) ** 2, 2)
    truth = (rng.random((40, 4)) < 0.3).astype(int)
    truth[0] = 1
    m = dcase_metrics(scores, truth)
    micro, macro, areas = _reference(scores, truth)
    assert m["micro_AUPRC"] == pytest.approx(micro, abs=1e-12)
    assert m["macro_AUPRC"] == pytest.approx(macro, abs=1e-12)
    assert list(m["per_class_AUPRC"].values()) == pytest.approx(areas, abs=1e-12)


def test_micro_f1_matches_direct_computation():
    rng = np.random.default_rng(7)
    scores = rng.random((200, 8))
    truth = (rng.random((200, 8)) < 0.25).astype(int)
    m = dcase_metrics(scores, truth)
    pred = scores >= 0.5
    tp = np.sum(pred & (truth == 1))
    fp = np.sum(pred & (truth == 0))
    fn = np.sum(~pred & (truth == 1))
    assert m["micro_F1"] == pytest.approx(2 * tp / (2 * tp + fp + fn), abs=1e-12)
    assert m["micro_precision"] == pytest.approx(tp / (tp + fp), abs=1e-12)
    assert m["micro_recall"] == pytest.approx(tp / (tp + fn), abs=1e-12)
    for c in range(8):
        tp_c = np.sum(pred[:, c] & (truth[:, c] == 1))
        den = tp_c + np.sum(pred[:, c] ^ (truth[:, c] == 1))
        assert m["per_class_F1"][str(c)] == pytest.approx(2 * tp_c / (tp_c + den), abs=1e-12)


def test_tune_thresholds_and_f1_at_thresholds():
    # class 0: positives at 0.32, 0.28, negatives at 0.6, 0.1: best grid thresholds are
    #   0.15..0.25 (TP 2, FP 1 -> F1 0.8); picking >= 0.3 loses a positive (F1 <= 0.5).
    # class 1: F1 = 1 for every threshold in 0.45..0.70 -> tie -> 0.5 (closest to 0.5)
    # class 2: no positive -> 0.5
    scores = np.array([[0.32, 0.75, 0.9], [0.28, 0.72, 0.1], [0.6, 0.4, 0.2], [0.1, 0.3, 0.3]])
    truth = np.array([[1, 1, 0], [1, 1, 0], [0, 0, 0], [0, 0, 0]])
    thresholds = tune_thresholds(scores, truth)
    assert thresholds == [0.25, 0.5, 0.5]
    micro, per_class = f1_at_thresholds(scores, truth, thresholds)
    # class 0: TP 2 FP 1 -> 0.8; class 1: TP 2 -> 1; class 2: FP 1 (0.9) -> 0
    assert per_class == pytest.approx([0.8, 1.0, 0.0], abs=1e-12)
    # micro: TP 4, FP 2, FN 0 -> P 2/3, R 1 -> 0.8
    assert micro == pytest.approx(0.8, abs=1e-12)
    # the tuned F1 is the best over the grid, class by class
    for g in np.round(np.arange(1, 20) * 0.05, 2):
        _, at_g = f1_at_thresholds(scores, truth, [g] * 3)
        assert at_g[0] <= per_class[0] + 1e-12 and at_g[1] <= per_class[1] + 1e-12
    # at 0.5 everywhere it agrees with dcase_metrics' per-class F1
    _, at_half = f1_at_thresholds(SCORES, TRUTH, [0.5, 0.5])
    assert at_half == pytest.approx([2 / 3, 2 / 5], abs=1e-12)


def test_invalid_inputs():
    with pytest.raises(ValueError):
        dcase_metrics(SCORES, np.where(TRUTH == 0, -1, 1))  # "not annotated" entries
    with pytest.raises(ValueError):
        dcase_metrics(SCORES * 2, TRUTH)  # not probabilities
    with pytest.raises(ValueError):
        dcase_metrics(SCORES[:, 0], TRUTH[:, 0])  # 1-D


def test_write_tagging_report(tmp_path):
    report = write_tagging_report(SCORES, TRUTH, ["A", "B"], str(tmp_path),
                                  thresholds=[0.15, 0.5], extra={"split": "validate"})
    names = sorted(os.listdir(tmp_path))
    assert names == ["tagging_report.json", "tagging_report.md", "tagging_report.png"]
    saved = json.loads((tmp_path / "tagging_report.json").read_text())
    for key in ("micro_AUPRC", "macro_AUPRC", "micro_F1", "micro_precision", "micro_recall",
                "per_class_AUPRC", "per_class_F1", "n_positive", "thresholds",
                "micro_F1_tuned", "per_class_F1_tuned", "split"):
        assert key in saved
    assert saved["thresholds"] == [0.15, 0.5]
    assert saved["micro_AUPRC"] == pytest.approx(MICRO, abs=1e-12)
    # A at 0.15: every clip predicted, TP 3 FP 2 FN 0 -> P 3/5, R 1 -> F1 = 2/(5/3 + 1) = 3/4
    assert report["per_class_F1_tuned"]["A"] == pytest.approx(0.75, abs=1e-12)
    lines = (tmp_path / "tagging_report.md").read_text().splitlines()
    assert lines[2].startswith("| A | 3 | 0.6278 |") and lines[-2].startswith("| micro | 6 |")
    assert lines[-1].startswith("| macro")
    # without thresholds: tuned columns are "-"
    write_tagging_report(SCORES, TRUTH, ["A", "B"], str(tmp_path / "plain"), stem="r")
    assert "| - | - |" in (tmp_path / "plain" / "r.md").read_text()
