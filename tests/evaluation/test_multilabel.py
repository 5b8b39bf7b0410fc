"""Multi-label classification and class-conditioned interpretation end to end.

A tiny tagger is trained on two-class synthetic clips (a low tone and a
high noise band, alone or together), then a class-conditioned L-MAC on it;
its masks for the two classes of a clip must differ and each must keep its
own class's source more than the other's.
"""

import math

import numpy as np
import pytest
import soundfile as sf
import torch

from helpers import tiny_classifier
from speechbrain_interp.data.dataio import build_datasets
from speechbrain_interp.evaluation.conditions import CleanCondition
from speechbrain_interp.evaluation.multilabel import class_ground_truth, per_class_summary
from speechbrain_interp.evaluation.suite import evaluate
from speechbrain_interp.evaluation.tables import write_results
from speechbrain_interp.frontend import SpectralFrontEnd
from speechbrain_interp.interpreters import LMAC
from speechbrain_interp.interpreters.baselines.registry import build_baseline

SR = 8000
N = SR  # 1-s clips


def _frontend():
    return SpectralFrontEnd(sample_rate=SR, n_fft=256, win_length=32.0, hop_length=16.0, n_mels=32)


def _tagger(n_classes=2, seed=0):
    return tiny_classifier(n_classes, n_mels=32, n_blocks=4, multilabel=True, frontend=_frontend(),
                           seed=seed)


def _sources(rng):
    """``[2, N]`` class sources of one clip: class 0 = a 300-500 Hz tone
    burst, class 1 = 2-3 kHz noise bursts; each present with probability 0.7."""
    t = np.arange(N) / SR
    out = np.zeros((2, N), dtype=np.float32)
    present = rng.random(2) < 0.7
    if not present.any():
        present[rng.integers(2)] = True
    if present[0]:
        on = rng.integers(0, N // 2)
        env = np.zeros(N)
        env[on:on + N // 3] = 1.0
        out[0] = 0.5 * env * np.sin(2 * np.pi * rng.uniform(300, 500) * t)
    if present[1]:
        noise = np.fft.rfft(rng.standard_normal(N))
        freqs = np.fft.rfftfreq(N, 1 / SR)
        noise[(freqs < 2000) | (freqs > 3000)] = 0
        band = np.fft.irfft(noise, N)
        env = np.zeros(N)
        on = rng.integers(0, N // 2)
        env[on:on + N // 3] = 1.0
        out[1] = 0.5 * env * band / np.abs(band).max()
    return out


def _clips(n, seed):
    rng = np.random.default_rng(seed)
    sources = np.stack([_sources(rng) for _ in range(n)])
    background = 0.003 * rng.standard_normal((n, N)).astype(np.float32)
    mixture = sources.sum(1) + background
    labels = (np.abs(sources).max(-1) > 0).astype(np.float32)
    return torch.from_numpy(mixture), torch.from_numpy(sources), torch.from_numpy(labels)


@pytest.fixture(scope="module")
def trained():
    """A tagger and a class-conditioned L-MAC (with the other-classes term, as
    the SONYC-UST recipe) trained on 96 clips (CPU, seconds)."""
    torch.manual_seed(0)
    mixture, _, labels = _clips(96, seed=1)
    tagger = _tagger()
    opt = torch.optim.Adam(tagger.parameters(), lr=3e-3)
    for step in range(60):
        idx = torch.randint(0, 96, (16,))
        loss = tagger.loss(tagger(wave=mixture[idx]).logits, labels[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
    tagger.eval()
    lmac = LMAC(tagger, decoder_width=16, conditioned=True, lambda_other=1.0).train()
    opt = torch.optim.Adam(lmac.decoder.parameters(), lr=3e-3)
    for step in range(120):
        idx = torch.randint(0, 96, (16,))
        parts = lmac.loss(lmac.interpret(mixture[idx], with_wave=False))
        opt.zero_grad()
        parts["loss"].backward()
        opt.step()
    return tagger.eval(), lmac.eval()


def test_trained_tagger_tags_both_classes(trained):
    tagger, _ = trained
    mixture, _, labels = _clips(64, seed=2)
    with torch.no_grad():
        decided = tagger.decide(tagger(wave=mixture).logits)
    assert float((decided == labels.bool()).float().mean()) >= 0.9


def test_lmac_masks_for_two_classes_differ_and_keep_their_own_source(trained):
    """Both classes present: one row per class; each mask keeps more of its own
    class's source energy than of the other's.

    Margin: a mask that ignored the class (the unconditioned decoder, or FiLM
    left at its zero initialisation) gives the two rows the same mask, so
    KeepOwn - KeepOther would average 0 over the two rows of a clip, and
    equal masks have PairIoU 1. We ask the mean KeepOwn to exceed the mean
    KeepOther by 0.3 (measured: 0.68 vs 0.06; without the other-classes term
    0.81 vs 0.43) and the masks' PairIoU to stay below the two sources' own
    overlap (PairOracleIoU, 0.25 here) plus 0.1.
    """
    tagger, lmac = trained
    mixture, sources, labels = _clips(48, seed=3)
    both = labels.sum(1) == 2
    mixture, sources, labels = mixture[both], sources[both], labels[both]
    out = lmac.interpret(mixture, label=labels.bool())
    assert out.clip.tolist() == [b for b in range(len(mixture)) for _ in range(2)]
    assert out.label.tolist() == [0, 1] * len(mixture)
    gt = class_ground_truth(out, mixture, sources, labels, tagger.frontend.spectrogram)
    own, other = gt["KeepOwn"].mean(), gt["KeepOther"].mean()
    print(f"KeepOwn {float(own):.3f}, KeepOther {float(other):.3f}, PairIoU "
          f"{float(gt['PairIoU'].mean()):.3f}, oracle {float(gt['PairOracleIoU'].mean()):.3f}")
    assert float(own - other) >= 0.3, (float(own), float(other))
    assert float(gt["PairIoU"].mean()) < float(gt["PairOracleIoU"].mean()) + 0.1
    assert not torch.allclose(out.mask[0::2], out.mask[1::2])


def test_explicit_class_on_a_single_label_classifier_explains_the_runner_up():
    clf = tiny_classifier(3, n_mels=32, n_blocks=4, frontend=_frontend()).eval()
    wave = torch.randn(2, N)
    gradcam = build_baseline("gradcam", clf)
    with torch.enable_grad():
        top = gradcam.interpret(wave)
        runner_up = clf(wave=wave).logits.topk(2).indices[:, 1]
        second = gradcam.interpret(wave, label=runner_up)
    assert second.label.tolist() == runner_up.tolist() and top.clip is None
    assert not torch.allclose(top.mask, second.mask)


def test_evaluation_scores_every_pair_against_its_source(trained, tmp_path):
    """Per-pair faithfulness and ground truth, per-class tables, gallery records."""
    tagger, lmac = trained
    mixture, sources, labels = _clips(12, seed=4)
    data = [{"id": f"c{i}", "sig": mixture[i], "class_string_encoded": labels[i],
             "class_sources": sources[i]} for i in range(12)]

    class Items(list):
        def output_keys_as(self, keys):
            import contextlib

            return contextlib.nullcontext()

    results = evaluate({"lmac": lmac, "gradcam": build_baseline("gradcam", tagger)}, Items(data),
                       {"clean": CleanCondition()}, batch_size=4, out_folder=str(tmp_path),
                       n_examples=2, class_names={0: "tone", 1: "band"})
    rows = results["clean"].trackers["lmac"].to_rows()
    decided = tagger.decide(tagger(wave=mixture).logits)
    fallback = (~decided.any(1)).sum()
    assert len(rows) == int(decided.sum() + fallback)  # one row per decided (clip, class)
    assert all(":" in r["id"] for r in rows)
    truly = [r for r in rows if r["GT"] == 1.0]
    assert truly and all(not math.isnan(r["KeepOwn"]) for r in truly)
    assert any(not math.isnan(r["AUC"]) for r in truly)  # NaN: no bin outside the source
    false_alarms = [r for r in rows if r["GT"] == 0.0]
    assert all(math.isnan(r["KeepOwn"]) for r in false_alarms)
    report = write_results(results, str(tmp_path), class_names={0: "tone", 1: "band"})
    assert "lmac, clean: per class" in report and "| tone |" in report
    summary = results["clean"].per_class["lmac"]
    assert set(summary["per_class"]) == {"tone", "band"}
    example = results["clean"].examples[0]
    assert any(key.startswith("lmac / ") for key in example["audio"])


def test_multi_label_manifests_give_multi_hot_targets_and_class_sources(tmp_path):
    mixture, sources, labels = _clips(3, seed=5)
    names = ["tone", "band"]
    entries = {}
    for i in range(3):
        sf.write(str(tmp_path / f"c{i}.wav"), (0.5 * mixture[i]).numpy(), SR, subtype="FLOAT")
        present = {}
        for k in range(2):
            if labels[i, k]:
                sf.write(str(tmp_path / f"c{i}_{k}.wav"), (0.5 * sources[i, k]).numpy(), SR,
                         subtype="FLOAT")
                present[names[k]] = [f"{{data_root}}/c{i}_{k}.wav"]
        entries[f"c{i}"] = {"wav": f"{{data_root}}/c{i}.wav", "duration": 1.0,
                            "labels": [n for k, n in enumerate(names) if labels[i, k]],
                            "sources": present}
    import json

    (tmp_path / "test.json").write_text(json.dumps(entries))
    (tmp_path / "classes.json").write_text(json.dumps(
        [{"classID": 0, "class_string": "tone"}, {"classID": 1, "class_string": "band"}]))
    datasets, encoder = build_datasets({"test": str(tmp_path / "test.json")}, str(tmp_path), SR,
                                       1.0, label_encoder_path=str(tmp_path / "enc.txt"))
    for i, item in enumerate(datasets["test"]):
        assert item["class_string_encoded"].tolist() == labels[i].tolist()
        background = item["sig"] - item["class_sources"].sum(0)
        # the sources carry the clip's normalisation gain: only the background is left
        assert float(background.abs().max()) < 0.05
    assert [encoder.ind2lab[i] for i in range(2)] == names


def test_per_class_summary_macro_is_the_mean_of_class_means():
    rows = [{"id": "a:x", "FF": 1.0}, {"id": "b:x", "FF": 0.0}, {"id": "b:y", "FF": 0.2}]
    out = per_class_summary(rows, ["FF"], ["x", "y"])
    assert out["macro"]["FF"] == pytest.approx((0.5 + 0.2) / 2)
    assert out["micro"]["FF"] == pytest.approx(1.2 / 3)


def test_fine_level_x_tags_leave_their_group_out_of_the_loss(tmp_path):
    """A clip tagged "engine, size unknown" (1-X) trains no engine fine class."""
    import json

    sf.write(str(tmp_path / "a.wav"), np.zeros(SR, dtype=np.float32), SR)
    (tmp_path / "train.json").write_text(json.dumps({"a": {
        "wav": "{data_root}/a.wav", "duration": 1.0, "labels": ["dog-barking-whining"],
        "incomplete": ["engine"]}}))
    (tmp_path / "classes.json").write_text(json.dumps([
        {"classID": 0, "class_string": "small-sounding-engine", "group": "engine"},
        {"classID": 1, "class_string": "large-sounding-engine", "group": "engine"},
        {"classID": 2, "class_string": "dog-barking-whining", "group": "dog"}]))
    datasets, _ = build_datasets({"train": str(tmp_path / "train.json")}, str(tmp_path), SR, 1.0,
                                 label_encoder_path=str(tmp_path / "enc.txt"))
    item = datasets["train"][0]
    assert item["label_mask"].tolist() == [0.0, 0.0, 1.0]
    assert item["class_string_encoded"].tolist() == [0.0, 0.0, 1.0]
    tagger = _tagger(n_classes=3)
    logits = torch.zeros(1, 3, requires_grad=True)
    loss = tagger.loss(logits, item["class_string_encoded"][None], item["label_mask"][None])
    loss.backward()
    assert logits.grad[0, :2].abs().max() == 0 and logits.grad[0, 2] != 0
    assert float(loss) == pytest.approx(math.log(2))  # the one kept term, BCE(0, 1)


def test_noise_conditions_keep_each_class_source_as_it_sounds_in_the_mix():
    """White noise leaves the clip as is; the cross-dataset rule rescales it,
    and the class sources follow (their sum is the clip as it is heard)."""
    from speechbrain_interp.evaluation.conditions import (
        CrossDatasetCondition, NoiseCondition, WhiteNoise, _ListDataset)

    _, sources, labels = _clips(3, seed=6)
    data = _ListDataset({"id": f"c{i}", "sig": sources[i].sum(0), "class_string_encoded": labels[i],
                         "class_sources": sources[i]} for i in range(3))
    for condition in (NoiseCondition("white", WhiteNoise(0), 3.0, 3.0),
                      CrossDatasetCondition("cross_dataset", WhiteNoise(1))):
        batch = next(condition.batches(data, 3))
        assert batch.label.shape == (3, 2)
        assert torch.allclose(batch.class_sources.sum(1), batch.source, atol=1e-5)
        assert torch.allclose(batch.source + batch.contaminant, batch.mixture, atol=1e-5)
    assert not torch.allclose(batch.source, sources.sum(1))  # the unit-norm rule rescaled it
