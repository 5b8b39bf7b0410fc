"""Issue 27, point 2: one scoring path (Brain, evaluation, command line), one registry of figures.

A figure registered once (:mod:`speechbrain_interp.evaluation.registry`) is
computed by :func:`~speechbrain_interp.evaluation.scoring.score_interpretation`
wherever an interpretation is scored and shows in every table and report,
with its direction and format, without any other edit.
"""

import math

import numpy as np
import pytest
import torch

from speechbrain.dataio.batch import PaddedBatch
from speechbrain.utils.train_logger import FileTrainLogger

from helpers import tiny_classifier, write_tiny_folders
from speechbrain_interp.brains.interpretation import InterpreterBrain, write_metrics_report
from speechbrain_interp.evaluation import registry
from speechbrain_interp.evaluation.scoring import method_metrics, score_interpretation
from speechbrain_interp.evaluation.suite import ConditionResult, headline, score_batch
from speechbrain_interp.evaluation.tables import (
    COLUMNS, DIFFERENCE_KEYS, DIRECTIONS, GT_COLUMNS, MULTILABEL_COLUMNS, PER_CLASS_KEYS,
    cell, differences, format_differences, format_interval_table, format_table,
)  # fmt: skip
from speechbrain_interp.evaluation.tracking import MetricTracker
from speechbrain_interp.interpreters import LMAC, AllOnes

RATE = 16000


def _peak(interpretation, classifier, parts):
    """The new figure of the tests: the largest mask value of each row."""
    return interpretation.mask.flatten(1).amax(-1)


def _source_share(interpretation, classifier, parts):
    """A ground-truth figure: the source's share of the input's energy."""
    source, contaminant = parts["source"], parts["contaminant"]
    return source.pow(2).sum(-1) / (source + contaminant).pow(2).sum(-1)


def _registered(*figures, after):
    """The registry with ``figures`` after the figure ``after`` (the one edit)."""
    out = {}
    for name, figure in registry.FIGURES.items():
        out[name] = figure
        if name == after:
            out.update((f.name, f) for f in figures)
    return out


@pytest.fixture
def peak(monkeypatch):
    """``PeakMask`` (lower is better, one decimal, on the headline) registered after ``MM``."""
    figure = registry.Figure("PeakMask", "down", ".1f", headline=True, compute=_peak)
    monkeypatch.setattr(registry, "FIGURES", _registered(figure, after="MM"))
    return figure


def _classifier():
    return tiny_classifier(3, seed=0).eval()


def _waves(n=4, seconds=0.5, seed=0):
    generator = torch.Generator().manual_seed(seed)
    return 0.1 * torch.randn(n, int(RATE * seconds), generator=generator)


# ----- adding a figure is one edit -------------------------------------------------------

def test_a_registered_figure_reaches_the_scoring_the_tables_and_the_report(peak, tmp_path):
    method = AllOnes(_classifier())
    _, metrics = score_batch(method, _waves(2))
    assert metrics["PeakMask"].tolist() == [1.0, 1.0]

    result = ConditionResult(["all-ones"])
    result.trackers["all-ones"].append(metrics, ids=["a", "b"])
    result.classifier.append({"accuracy": torch.tensor([1.0, 1.0])}, ids=["a", "b"])
    assert headline("clean", result).endswith("PeakMask 1.0")

    table = format_table(result.trackers).splitlines()
    assert table[2].endswith("| COMP ↓ | MM | PeakMask ↓ |")
    assert table[4].endswith("| 1.0 |")
    intervals = format_interval_table(result.trackers, "Faithfulness").splitlines()
    assert intervals[2].endswith("| MM | PeakMask ↓ |")
    assert intervals[4].endswith("| 1.0 [1.0, 1.0] |")

    write_metrics_report(result.trackers["all-ones"].summarize(), [], str(tmp_path))
    lines = (tmp_path / "metrics.md").read_text().splitlines()
    rows = [line.split("|")[1].strip() for line in lines if line.startswith("| ")][1:]
    assert rows[rows.index("MM") + 1] == "PeakMask"
    assert registry.directions()["PeakMask"] == "down" and cell("PeakMask", 0.25) == "0.2"


def test_a_compared_figure_gets_its_verdict_from_its_direction(monkeypatch):
    figure = registry.Figure("PeakMask", "down", ".1f", compared=True, compute=_peak)
    monkeypatch.setattr(registry, "FIGURES", _registered(figure, after="MM"))
    low, high = MetricTracker(), MetricTracker()
    ids = [str(i) for i in range(8)]
    low.append({"PeakMask": torch.full((8,), 0.2)}, ids=ids)
    high.append({"PeakMask": torch.linspace(0.6, 0.9, 8)}, ids=ids)
    diffs = differences({"m": low, "c": high}, {"m": ["c"]}, n_resamples=200)
    assert diffs["m"]["c"]["PeakMask"]["verdict"] == "leads"  # lower is better
    assert "| PeakMask ↓ |" in format_differences(diffs, "Paired differences")


def test_a_ground_truth_figure_is_computed_only_with_the_parts(monkeypatch):
    figure = registry.Figure("SourceShare", "up", table=registry.GROUND_TRUTH, ground_truth=True,
                             compute=_source_share)
    monkeypatch.setattr(registry, "FIGURES", _registered(figure, after="GT"))
    clf = _classifier()
    source, contaminant = _waves(2, seed=1), 0.5 * _waves(2, seed=2)
    mixture = source + contaminant
    spectrogram = clf.frontend.spectrogram
    parts = {"source": source, "contaminant": contaminant,
             "magnitudes": tuple(spectrogram(w)[0] for w in (mixture, source, contaminant)),
             "label": torch.tensor([-1, -1]), "contaminant_label": None}
    method = AllOnes(clf)
    _, clean = score_batch(method, mixture)
    _, mixed = score_batch(method, mixture, parts)
    assert "SourceShare" not in clean and "AUC" not in clean
    assert torch.allclose(mixed["SourceShare"], _source_share(None, clf, parts))
    assert registry.columns(registry.GROUND_TRUTH)[-1] == ("SourceShare", "up")


def test_the_faithfulness_of_a_long_recording_gets_the_registered_figure(peak, tmp_path):
    write_tiny_folders(tmp_path, ["dog", "rain", "sea_waves"], window_s=1.0, hop_s=0.5)
    from speechbrain_interp.inference import AudioInterpreter

    model = AudioInterpreter.from_hparams(str(tmp_path / "lmac"))
    wave = _waves(1, seconds=3.0)[0]
    result = model.interpret_long(wave)
    figures = model.faithfulness(wave, result)
    assert set(figures["mean"]) == {"AI", "AD", "AG", "FF", "FidIn", "SPS", "COMP", "MM",
                                    "PeakMask"}
    assert len(figures["windows"]["PeakMask"]) == len(result.starts)


# ----- one scoring path ------------------------------------------------------------------

class WithoutExtras(LMAC):
    """An L-MAC whose method figures are not implemented."""

    def extra_metrics(self, interpretation):
        raise NotImplementedError


def _brain(interpreter, tmp_path):
    hparams = {"train_logger": FileTrainLogger(str(tmp_path / "log.txt")),
               "output_folder": str(tmp_path), "epoch_counter": None, "noise_augment": None,
               "noise_in_eval": False, "ckpt_key": "loss", "ckpt_mode": "min", "ckpt_keep": 1,
               "save_interpretations": False, "interpret_period": 0, "n_interpretations": 0,
               "label_encoder": None, "lr_scheduler": None, "metric_max_batch": None}
    return InterpreterBrain(modules={"interpreter": interpreter}, hparams=hparams,
                            run_opts={"device": "cpu", "noprogressbar": True})


@pytest.mark.parametrize("kind", [LMAC, WithoutExtras])
def test_the_brain_and_the_evaluation_score_a_batch_alike(kind, tmp_path):
    torch.manual_seed(0)
    interpreter = kind(_classifier(), decoder_width=8).eval()
    waves = _waves(4)
    data = [{"id": f"c{i}", "sig": waves[i]} for i in range(4)]
    brain = _brain(interpreter, tmp_path)
    brain.evaluate(data, test_loader_kwargs={"batch_size": 2, "collate_fn": PaddedBatch})
    by_brain = brain._tracker.to_rows()

    evaluation = MetricTracker()
    for start in (0, 2):
        _, metrics = score_batch(interpreter, waves[start:start + 2], subtractive=True)
        evaluation.append(metrics, ids=[f"c{start}", f"c{start + 1}"])
    by_suite = evaluation.to_rows()
    assert [r.pop("id") for r in by_brain] == [r.pop("id") for r in by_suite]
    assert by_brain == [pytest.approx(r, nan_ok=True) for r in by_suite]
    assert {"AI", "AD", "FF", "PIQ_FF", "FidIn", "MM"} <= set(by_brain[0])


def test_a_method_without_extra_metrics_adds_none():
    class Extras:
        def extra_metrics(self, interpretation):
            return {"X_top1": torch.ones(2)}

    assert method_metrics(WithoutExtras(_classifier(), decoder_width=8), None) == {}
    assert method_metrics(None, None) == {}
    assert list(method_metrics(Extras(), None)) == ["X_top1"]


def test_the_scoring_leaves_the_interpretation_as_it_is():
    clf = _classifier()
    method = AllOnes(clf)
    interpretation = method.interpret(_waves(2))
    interpretation.mask = interpretation.mask.clone().requires_grad_(True)
    logits = interpretation.logits
    metrics = score_interpretation(clf, interpretation, method, subtractive=False)
    assert interpretation.mask.requires_grad and interpretation.logits is logits
    assert not any(v.requires_grad for v in metrics.values())
    # without logits, the input is classified in the metrics' call: the same figures
    interpretation.logits = None
    again = score_interpretation(clf, interpretation, method, subtractive=False)
    for name, values in metrics.items():
        assert torch.allclose(values, again[name], atol=1e-6, equal_nan=True), name


# ----- the registry holds what the tables said -------------------------------------------

def test_the_lists_of_figures_are_the_registry():
    assert COLUMNS == (("AI", "up"), ("AD", "down"), ("AG", "up"), ("FF", "up"),
                       ("PIQ_FF", "up"), ("FidIn", "up"), ("SPS", "up"), ("COMP", "down"),
                       ("MM", None))
    assert MULTILABEL_COLUMNS == (("OffDrop", "up"), ("OffKeep", "down"))
    assert [c for c, _ in GT_COLUMNS] == ["AUC", "IoU", "precision", "recall", "SI_SDR",
                                          "SI_SDRi", "Contam", "KeepOwn", "KeepOther",
                                          "PairIoU", "PairOracleIoU", "GT"]
    assert DIFFERENCE_KEYS == ("AI", "AD", "FF", "PIQ_FF", "AUC", "precision", "SI_SDRi",
                               "Contam")
    assert PER_CLASS_KEYS == ("AI", "AD", "FF", "FidIn", "OffKeep", "AUC", "IoU", "SI_SDR",
                              "KeepOwn", "KeepOther")
    assert DIRECTIONS["Contam"] == "down" and DIRECTIONS["GT"] is None
    assert all(f.direction in ("up", "down", None) for f in registry.FIGURES.values())
    assert all(f.ground_truth == (f.table == registry.GROUND_TRUTH)
               for f in registry.FIGURES.values() if f.table is not None)
    two = {"AI", "AD", "AG", "COMP", "SI_SDR", "SI_SDRi", "Contam", "accuracy"}
    assert {n for n, f in registry.FIGURES.items() if f.format == ".2f"} == two


def test_the_tables_read_as_before():
    t = MetricTracker(medians=registry.medians())
    t.append({"AI": torch.tensor([50.0]), "AD": torch.tensor([12.345]),
              "FF": torch.tensor([0.25]), "PIQ_FF": torch.tensor([0.5]),
              "MM": torch.tensor([math.nan]), "SI_SDRi": torch.tensor([3.0])})
    assert format_table({"x": t}).splitlines()[2:] == [
        "| method | AI ↑ | AD ↓ | FF ↑ | PIQ_FF ↑ | MM |", "|---|---|---|---|---|---|",
        "| x | 50.00 | 12.35 | 0.250 | 0.500 | - |"]
    assert [cell(k, 1.0) for k in ("AI", "FF", "SI_SDRi", "accuracy", "L2I_top1")] == \
        ["1.00", "1.000", "1.00", "1.00", "1.000"]
    assert cell("FF", None) == "-" and cell("FF", np.float64(0.5)) == "0.500"
