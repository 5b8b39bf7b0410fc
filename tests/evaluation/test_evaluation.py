"""Conditions, ground-truth localisation and the method-agnostic evaluation loop."""

import itertools
import json
import math

import pytest
import torch

from speechbrain.dataio.dataset import DynamicItemDataset

from helpers import tiny_classifier
from speechbrain_interp.augment.mixing import measured_snr
from speechbrain_interp.evaluation.conditions import (
    CleanCondition, MixtureCondition, NoiseCondition, WhiteNoise, build_conditions,
)
from speechbrain_interp.evaluation.suite import evaluate, score_batch
from speechbrain_interp.evaluation.tables import write_results
from speechbrain_interp.interpreters.base import Interpreter
from speechbrain_interp.interpreters.baselines.reference import AllOnes, RandomMask
from speechbrain_interp.evaluation.localization import (
    binary_scores, explained_parts, localization_metrics, mask_auc, oracle_masks,
)
from speechbrain_interp.evaluation.metrics import interpretation_metrics, masked_probabilities

RATE = 16000


def _classifier(n_classes=3):
    return tiny_classifier(n_classes, seed=0).eval()


def _tone(freq, seconds=0.5, phase=0.0):
    t = torch.arange(int(RATE * seconds)) / RATE
    return 0.5 * torch.sin(2 * math.pi * freq * t + phase)


def _dataset(n=6, n_classes=3, seconds=0.5):
    data = {}
    for i in range(n):
        label = i % n_classes
        data[f"c{i}"] = {"sig": _tone(300.0 * (label + 1) + 20 * i, seconds),
                         "class_string_encoded": torch.tensor([label])}
    return DynamicItemDataset(data, output_keys=["id", "sig", "class_string_encoded"])


class LowBand(Interpreter):
    """Keeps the bins below a cut-off frequency: a mask that knows where a low tone is."""

    def __init__(self, classifier, cutoff_hz):
        super().__init__(classifier)
        self.cutoff = cutoff_hz

    def explain(self, magnitude, output, label):
        n_freqs = magnitude.shape[-1]
        freqs = torch.linspace(0, self.frontend.sample_rate / 2, n_freqs)
        return (freqs < self.cutoff).to(magnitude.dtype).expand_as(magnitude).clone(), {}


# ----- localisation ---------------------------------------------------------------

def test_auc_equals_the_pairwise_definition_with_ties():
    gen = torch.Generator().manual_seed(0)
    scores = torch.randint(0, 5, (3, 40), generator=gen).float() / 4  # many ties
    truth = torch.rand(3, 40, generator=gen) > 0.6
    auc = mask_auc(scores, truth)
    for b in range(3):
        pos, neg = scores[b][truth[b]], scores[b][~truth[b]]
        wins = sum((p > n) + 0.5 * (p == n) for p, n in itertools.product(pos, neg))
        assert float(auc[b]) == pytest.approx(float(wins) / (len(pos) * len(neg)))
    assert math.isnan(float(mask_auc(torch.rand(1, 5), torch.zeros(1, 5, dtype=torch.bool))))


def test_binary_scores_and_oracle_on_a_hand_case():
    source = torch.tensor([[[4.0, 0.1, 2.0, 0.0]]])
    noise = torch.tensor([[[1.0, 1.0, 3.0, 0.0]]])
    ibm, irm = oracle_masks(source, noise)
    assert ibm.tolist() == [[[True, False, False, False]]]
    assert irm[0, 0, 2] == pytest.approx(0.4)
    mask = torch.tensor([[[0.9, 0.2, 0.7, 0.0]]])  # keeps bins 0 and 2
    out = binary_scores(mask, ibm)
    assert float(out["IoU"]) == pytest.approx(0.5)
    assert float(out["precision"]) == pytest.approx(0.5)
    assert float(out["recall"]) == pytest.approx(1.0)


def test_explained_part_follows_the_decision():
    s, n = torch.zeros(3, 4), torch.ones(3, 4)
    e, o, ok = explained_parts(torch.tensor([0, 1, 2]), s, n, torch.tensor([0, 0, 0]),
                               torch.tensor([1, 1, 1]))
    assert e[:, 0].tolist() == [0.0, 1.0, 0.0] and o[:, 0].tolist() == [1.0, 0.0, 1.0]
    assert ok.tolist() == [True, True, False]
    # a contaminant without a class (noise, speech): the source is always explained
    e, _, ok = explained_parts(torch.tensor([2, 2, 2]), s, n, torch.tensor([0, 0, 0]))
    assert torch.equal(e, s) and ok.all()
    out = localization_metrics(torch.rand(3, 2, 2), torch.rand(3, 2, 2), torch.rand(3, 2, 2),
                               torch.rand(3, 2, 2), defined=torch.tensor([True, False, True]))
    assert math.isnan(float(out["AUC"][1])) and out["GT"].tolist() == [1.0, 0.0, 1.0]


def test_a_mask_on_the_source_band_localises_it_and_all_ones_does_not():
    clf = _classifier()
    fe = clf.frontend
    source, noise = _tone(400.0, 1.0), _tone(3000.0, 1.0, phase=0.3)
    mix = (source + noise).unsqueeze(0)
    mags = [fe.spectrogram(w.reshape(1, -1))[0] for w in (mix, source, noise)]
    scores = {}
    for name, method in {"band": LowBand(clf, 1500.0), "ones": AllOnes(clf)}.items():
        interp = method.interpret(mix)
        scores[name] = localization_metrics(interp.mask, mags[1], mags[2], mags[0],
                                            wave=interp.wave, source_wave=source.reshape(1, -1))
    band, ones = scores["band"], scores["ones"]
    assert float(band["AUC"]) > 0.95 and float(band["IoU"]) > 0.9
    assert float(ones["AUC"]) == pytest.approx(0.5)
    assert float(band["SI_SDR"]) > 20.0
    assert float(ones["SI_SDR"]) == pytest.approx(0.0, abs=0.5)  # the mixture itself: 0 dB


def test_part_waves_by_subtraction_equal_the_parts_own_syntheses():
    """The suite gets the masked contaminant's wave as (interpretation wave -
    masked source's wave) when the method listens to M*X: the same
    contaminant share and SI-SDR as synthesising both parts."""
    clf = _classifier()
    fe = clf.frontend
    source = torch.stack([_tone(400.0, 1.0), _tone(700.0, 1.0)])
    noise = torch.stack([_tone(3000.0, 1.0, phase=0.3), _tone(2000.0, 1.0, phase=1.0)])
    mix = source + noise
    parts = {"source": source, "contaminant": noise,
             "magnitudes": tuple(fe.spectrogram(w)[0] for w in (mix, source, noise)),
             "label": torch.tensor([0, 1]), "contaminant_label": None}
    method = LowBand(clf, 1500.0)
    _, fast = score_batch(method, mix, parts)
    method.listens_to_masked_input = False  # both parts synthesised
    _, slow = score_batch(method, mix, parts)
    assert 0.0 < float(fast["Contam"].max()) < 0.5
    for key in ("Contam", "SI_SDR", "AUC"):
        assert torch.allclose(fast[key], slow[key], atol=1e-4), key


# ----- conditions -----------------------------------------------------------------

def test_noise_conditions_hit_their_snr_and_sum_to_the_mixture():
    dataset = _dataset()
    for snr in (3.0, -2.0):
        cond = NoiseCondition("white", WhiteNoise(5), snr, snr)
        for batch in cond.batches(dataset, 4):
            assert torch.allclose(batch.source + batch.contaminant, batch.mixture, atol=1e-6)
            assert torch.allclose(measured_snr(batch.source, batch.contaminant),
                                  torch.full((len(batch.ids),), snr, dtype=torch.float64), atol=0.01)
            assert batch.mixture.abs().max() <= 1.0 + 1e-6


def test_mixture_partners_are_other_classes_and_do_not_depend_on_batch_size():
    dataset = _dataset(n=7)
    cond = MixtureCondition("mixture", repeats=2, seed=3)
    small = list(cond.batches(dataset, 3))
    large = list(cond.batches(dataset, 100))
    ids = [i for b in small for i in b.ids]
    assert ids == large[0].ids and len(ids) == 14
    assert torch.allclose(torch.cat([b.mixture for b in small]), large[0].mixture)
    batch = large[0]
    assert (batch.label != batch.contaminant_label).all()
    # upstream rule: 0.8 / 0.2 of unit-norm clips, peak-normalised
    ratio = batch.source.norm(dim=-1) / batch.contaminant.norm(dim=-1)
    assert torch.allclose(ratio, torch.full_like(ratio, 4.0), rtol=1e-4)
    assert torch.allclose(batch.mixture.abs().amax(-1), torch.ones(14))
    snr = MixtureCondition("mixture_snr", rule="snr", snr_db=6.0, repeats=1, seed=3)
    b = next(snr.batches(dataset, 100))
    assert torch.allclose(measured_snr(b.source, b.contaminant), torch.full((7,), 6.0, dtype=torch.float64),
                          atol=0.01)


def test_conditions_are_reproducible_and_errors_are_clear():
    dataset = _dataset()
    a = [b.mixture for b in build_conditions(["white"], RATE, 8000, seed=4)["white"].batches(dataset, 4)]
    b = [b.mixture for b in build_conditions(["white"], RATE, 8000, seed=4)["white"].batches(dataset, 4)]
    c = [b.mixture for b in build_conditions(["white"], RATE, 8000, seed=5)["white"].batches(dataset, 4)]
    assert all(torch.equal(x, y) for x, y in zip(a, b))
    assert not torch.equal(a[0], c[0])
    with pytest.raises(ValueError, match="unknown condition 'pink'"):
        build_conditions(["pink"], RATE, 8000)
    with pytest.raises(ValueError, match="wham_folder"):
        build_conditions(["wham"], RATE, 8000)
    unlabelled = DynamicItemDataset({"a": {"sig": _tone(300.0)}}, output_keys=["id", "sig"])
    with pytest.raises(ValueError, match="class_string_encoded"):
        list(MixtureCondition().batches(unlabelled, 2))
    assert next(CleanCondition().batches(unlabelled, 2)).label.tolist() == [-1]


# ----- metrics in the feature (Mel) domain ----------------------------------------------

def test_feature_domain_masks_act_on_the_classifier_features():
    clf = _classifier()
    x = torch.rand(2, 40, 513)
    feats = clf.frontend.features(x)
    ones = interpretation_metrics(clf, x, torch.ones_like(x), feature_mask=torch.ones_like(feats))
    assert ones["AD"].tolist() == [0.0, 0.0] and ones["FidIn"].tolist() == [1.0, 1.0]
    p_x = clf.probabilities(clf(features=feats).logits)
    p_zero = clf.probabilities(clf(features=torch.zeros_like(feats)).logits)
    c = p_x.argmax(-1)
    expected_ff = p_x.gather(1, c[:, None])[:, 0] - p_zero.gather(1, c[:, None])[:, 0]
    assert torch.allclose(ones["FF"], expected_ff, atol=1e-6)
    # the feature mask really is what is scored: a half mask on features differs from one on |X|
    half = torch.full_like(feats, 0.5)
    _, p_in_f, _ = masked_probabilities(clf, x, torch.ones_like(x), feature_mask=half)
    assert torch.allclose(p_in_f, clf.probabilities(clf(features=0.5 * feats).logits), atol=1e-6)
    assert float(ones["MM"][0]) == 1.0


def test_reusing_the_input_probabilities_gives_the_same_metrics():
    clf = _classifier()
    x, mask = torch.rand(3, 40, 513), torch.rand(3, 40, 513)
    full = interpretation_metrics(clf, x, mask)
    p_x = clf.probabilities(clf(magnitude=x).logits)
    reused = interpretation_metrics(clf, x, mask, p_input=p_x, subtractive=False)
    assert "PIQ_FF" not in reused
    for key, value in reused.items():
        assert torch.allclose(value, full[key], atol=1e-5, equal_nan=True), key


# ----- the evaluation loop ---------------------------------------------------------

@pytest.mark.slow  # every method under every condition (10 s)
def test_evaluate_every_method_under_every_condition_and_write_tables(tmp_path):
    clf = _classifier()
    dataset = _dataset(n=6)
    band = LowBand(clf, 1000.0)
    methods = {"band": band, "random (band)": RandomMask(clf, reference=band, seed=1),
               "all-ones": AllOnes(clf)}
    conditions = build_conditions(["clean", "mixture", "white"], RATE, 8000, seed=1)
    results = evaluate(methods, dataset, conditions, batch_size=4, out_folder=str(tmp_path),
                       n_examples=1, class_names={0: "a", 1: "b", 2: "c"})
    assert set(results) == {"clean", "mixture", "white"}
    assert len(results["mixture"].trackers["band"]) == 12  # 2 mixtures per clip
    ones = results["white"].summaries()["all-ones"]
    assert ones["AI"] == ones["AD"] == 0 and ones["FidIn"] == 1
    assert "AUC" in ones and "AUC" not in results["clean"].summaries()["band"]
    assert 0.0 <= results["white"].accuracy <= 100.0
    example = results["mixture"].examples[0]
    assert {"mixture", "source", "contaminant", "band", "all-ones"} <= set(example["audio"])
    report = write_results(results, str(tmp_path))
    assert "## mixture (12 items, classifier accuracy" in report and "Ground truth, white" in report
    data = json.loads((tmp_path / "results.json").read_text())
    assert set(data["white"]["methods"]) == set(methods)
    rows = (tmp_path / "mixture" / "per_clip_band.csv").read_text().strip().splitlines()
    assert len(rows) == 13 and "AUC" in rows[0]
    assert (tmp_path / "results.csv").read_text().count("\n") == 1 + 3 * 3


def test_methods_must_share_one_classifier():
    with pytest.raises(ValueError, match="same classifier object"):
        evaluate({"a": AllOnes(_classifier()), "b": AllOnes(_classifier())}, _dataset())


def test_cross_dataset_condition_places_a_short_event_once(tmp_path):
    """Another dataset's clip shorter than the test clip is mixed in once, in silence,
    not repeated (a gun shot stays one gun shot); sources and contaminant add up."""
    from speechbrain.dataio import audio_io
    from speechbrain_interp.evaluation.conditions import _ListDataset, build_conditions

    audio_io.save(str(tmp_path / "shot.wav"), 0.5 * torch.rand(1, 4000) + 0.1, 8000)  # 0.5 s
    cond = build_conditions(["cross_dataset"], 16000, 32000, seed=3,
                            cross_dataset_folder=str(tmp_path))["cross_dataset"]
    data = [{"id": str(i), "sig": torch.randn(32000), "class_string_encoded": 0} for i in range(3)]
    batch = next(cond.batches(_ListDataset(data), 8))
    assert batch.contaminant_label is None
    assert torch.allclose(batch.source + batch.contaminant, batch.mixture, atol=1e-6)
    active = (batch.contaminant.abs() > 1e-4).sum(dim=1)
    assert ((active > 7000) & (active <= 8200)).all()  # 0.5 s at 16 kHz, resampler edges aside
