"""Sanity checks: SSIM, rank correlation, cascading randomisation, ROAR."""

import importlib.util
import json
import math

import numpy as np
import pytest
import soundfile
import torch
from scipy.stats import spearmanr
from speechbrain.dataio.encoder import CategoricalEncoder

from helpers import REPO, load_script, tiny_classifier

from speechbrain_interp.frontend import SpectralFrontEnd
from speechbrain_interp.interpreters import LMAC
from speechbrain_interp.interpreters.baselines.gradients import Saliency
from speechbrain_interp.pretrained import write_classifier, write_interpreter
from speechbrain_interp.brains.roar import remove_bins, roar
from speechbrain_interp.evaluation.sanity import (
    cascading_randomization,
    randomization_steps,
    rank_correlation,
)
from speechbrain_interp.evaluation.sanity import map_ssim as ssim


def smooth_maps(batch=2, t=24, f=32):
    """Random maps with spatial structure (so that SSIM is meaningful)."""
    coarse = torch.rand(batch, 1, t // 4, f // 4)
    return torch.nn.functional.interpolate(coarse, size=(t, f), mode="bilinear", align_corners=False)[:, 0]


# ---------------------------------------------------------------- SSIM


def test_ssim_of_identical_maps_is_one():
    x = smooth_maps()
    assert torch.allclose(ssim(x, x), torch.ones(2), atol=1e-6)


def test_ssim_decreases_with_added_noise():
    x = smooth_maps(batch=3)
    noise = torch.randn_like(x)
    values = [float(ssim(x, (x + level * noise).clamp(0, 1)).mean()) for level in (0.02, 0.1, 0.3, 1.0)]
    assert values[0] < 1.0
    assert all(a > b for a, b in zip(values, values[1:])), values


def test_ssim_of_constant_maps_is_the_luminance_term():
    # sigma_a = sigma_b = cov = 0: SSIM = (2pq + C1) / (p^2 + q^2 + C1) everywhere
    p, q = 0.8, 0.2
    a, b = torch.full((1, 10, 12), p), torch.full((1, 10, 12), q)
    c1 = 0.01**2
    assert math.isclose(float(ssim(a, b)), (2 * p * q + c1) / (p * p + q * q + c1), rel_tol=1e-6)
    c1 = (0.01 * 2.0) ** 2  # data_range enters the constants
    assert math.isclose(float(ssim(a, b, data_range=2.0)), (2 * p * q + c1) / (p * p + q * q + c1), rel_tol=1e-6)


def test_ssim_single_window_by_hand():
    # a 3x3 map with window=3 has one valid position: weighted statistics by hand
    a = torch.tensor([[[0.0, 1.0, 0.0], [1.0, 1.0, 1.0], [0.0, 1.0, 0.0]]])
    b = torch.tensor([[[0.5, 0.5, 0.5], [0.0, 1.0, 0.0], [0.5, 0.5, 0.5]]])
    g = torch.exp(-torch.tensor([1.0, 0.0, 1.0]) / (2 * 1.5**2)).double()
    w = torch.outer(g, g) / torch.outer(g, g).sum()
    x, y = a[0].double(), b[0].double()
    mx, my = (w * x).sum(), (w * y).sum()
    vx, vy = (w * (x - mx) ** 2).sum(), (w * (y - my) ** 2).sum()
    cxy = (w * (x - mx) * (y - my)).sum()
    c1, c2 = 1e-4, 9e-4
    expected = (2 * mx * my + c1) * (2 * cxy + c2) / ((mx**2 + my**2 + c1) * (vx + vy + c2))
    assert math.isclose(float(ssim(a, b, window=3)), float(expected), rel_tol=1e-6)


@pytest.mark.parametrize("kwargs", [{"window": 4}, {"window": 11}, {"sigma": 0.0}])
def test_ssim_rejects_bad_settings(kwargs):
    x = torch.rand(1, 8, 8)
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        ssim(x, x, **kwargs)
    with pytest.raises(ValueError, match="shape"):
        ssim(x, torch.rand(1, 8, 9))


# ---------------------------------------------------------------- ranks


def test_rank_correlation_of_monotone_and_reversed_maps():
    x = torch.rand(3, 6, 7)
    assert torch.allclose(rank_correlation(x, x.pow(3) + 2), torch.ones(3, dtype=torch.float64))
    assert torch.allclose(rank_correlation(x, -x), -torch.ones(3, dtype=torch.float64))


def test_rank_correlation_with_ties_matches_scipy():
    a = (torch.rand(2, 5, 9) * 4).floor()  # many ties
    b = (a + torch.rand(2, 5, 9) * 3).floor()
    ours = rank_correlation(a, b)
    for i in range(2):
        ref = spearmanr(a[i].flatten().numpy(), b[i].flatten().numpy()).correlation
        assert math.isclose(float(ours[i]), ref, rel_tol=1e-9)
    assert math.isnan(float(rank_correlation(torch.ones(1, 3, 3), a[:1, :3, :3])[0]))


# ---------------------------------------------------------------- randomisation


def test_randomization_steps_go_from_the_logits_down():
    clf = tiny_classifier()
    steps = randomization_steps(clf)
    assert [name for name, _ in steps] == ["head"] + [f"conv_block{k}" for k in range(6, 0, -1)]
    blocks = clf.embedding_model.blocks
    for k, (_, modules) in enumerate(steps):
        assert modules == [clf.head] + blocks[::-1][:k]  # cumulative
    with pytest.raises(TypeError, match="classifier"):
        randomization_steps(torch.nn.Linear(2, 2))


def _state(module):
    return {k: v.clone() for k, v in module.state_dict().items()}


def test_cascading_randomization_of_saliency():
    clf = tiny_classifier()
    saliency = Saliency(clf)
    before = _state(clf)
    waves = torch.randn(2, 8000)
    out = cascading_randomization(saliency, waves, max_steps=3, seed=3)
    assert out["steps"] == ["original", "head", "conv_block6", "conv_block5"]
    assert out["n_randomized"] == [0, 1, 2, 3]
    assert out["ssim_per_clip"].shape == out["rank_per_clip"].shape == (4, 2)
    assert out["ssim"][0] == pytest.approx(1.0, abs=1e-9)  # the copy explains as the original
    assert out["rank"][0] == pytest.approx(1.0, abs=1e-9)
    assert all(s < 0.99 for s in out["ssim"][1:]), out["ssim"]
    assert torch.equal(out["labels"], clf(wave=waves).logits.argmax(-1))  # the original decision
    # the original interpreter and classifier are untouched and still frozen
    assert saliency.classifier is clf and not clf.training
    assert all(not p.requires_grad for p in clf.parameters())
    for key, value in clf.state_dict().items():
        assert torch.equal(value, before[key]), key
    again = cascading_randomization(saliency, waves, max_steps=3, seed=3)
    assert torch.equal(again["ssim_per_clip"], out["ssim_per_clip"])  # seeded


def test_cascading_randomization_of_lmac_follows_its_representations():
    clf = tiny_classifier()
    lmac = LMAC(clf, decoder_width=8).eval()
    with torch.no_grad():  # an untrained decoder gives a near-constant mask: give it contrast
        lmac.decoder.to_maps.weight.mul_(30.0)
    before = _state(lmac)
    waves = torch.randn(2, 8000)
    out = cascading_randomization(lmac, waves)
    # an unconditioned decoder explains the decision only: asked for other classes it refuses
    assert torch.equal(out["labels"], clf(wave=waves).logits.argmax(-1))
    with pytest.raises(ValueError, match="not class-conditioned"):
        cascading_randomization(lmac, waves, labels=(out["labels"] + 1) % 3, max_steps=1)
    assert out["steps"][-1] == "conv_block1" and len(out["ssim"]) == 8
    # L-MAC's decoder reads the block outputs, not the head: randomising the
    # head alone leaves its mask unchanged; randomising the blocks does not
    assert out["ssim"][0] == pytest.approx(1.0, abs=1e-9)
    assert out["ssim"][1] == pytest.approx(1.0, abs=1e-9)
    assert max(out["ssim"][5:]) < 0.95, out["ssim"]
    assert max(out["rank"][5:]) < 0.97, out["rank"]
    for key, value in lmac.state_dict().items():
        assert torch.equal(value, before[key]), key


# ---------------------------------------------------------------- ROAR


def test_remove_bins_removes_exactly_the_top_fraction():
    mag = torch.rand(3, 10, 20) + 0.1
    scores = torch.rand(3, 10, 20)
    for fraction in (0.0, 0.1, 0.37, 1.0):
        out = remove_bins(mag, scores, fraction)
        k = round(fraction * 200)
        removed = out == 0
        assert removed.flatten(1).sum(1).tolist() == [k] * 3
        if 0 < k:
            top = torch.zeros(3, 200, dtype=torch.bool)
            top.scatter_(1, scores.flatten(1).topk(k, dim=1).indices, True)
            assert torch.equal(removed.flatten(1), top)
        assert torch.equal(out[~removed], mag[~removed])
    with pytest.raises(ValueError, match="fraction"):
        remove_bins(mag, scores, 1.5)
    with pytest.raises(ValueError, match="scores"):
        remove_bins(mag, scores[:, :5], 0.5)


def test_random_removal_is_seeded_and_varies_with_the_seed():
    mag = torch.ones(2, 8, 8)
    draw = lambda s: remove_bins(mag, None, 0.25, torch.Generator().manual_seed(s))  # noqa: E731
    assert torch.equal(draw(1), draw(1))
    assert not torch.equal(draw(1), draw(2))
    assert int((draw(1) == 0).sum()) == 2 * 16


def _two_band_problem(n, generator):
    """Class 0: weak energy in bins 4-6; class 1: strong energy in bins 20-22; noise elsewhere.

    (CNN14 averages over frequency, so the classes also differ in level, not
    only in band position.)
    """
    labels = torch.arange(n) % 2
    mag = 0.3 * torch.rand(n, 16, 33, generator=generator)
    mag[labels == 0, :, 4:7] += 0.5
    mag[labels == 1, :, 20:23] += 2.0
    informative = torch.zeros(n, 16, 33)
    informative[:, :, 4:7] = informative[:, :, 20:23] = 1.0  # the true saliency, same for every clip
    return mag, labels, informative


@pytest.mark.slow  # trains
def test_roar_drops_to_chance_faster_with_the_informative_bins():
    torch.set_num_threads(1)  # tiny convolutions: threads only contend
    gen = torch.Generator().manual_seed(0)
    x_train, y_train, s_train = _two_band_problem(96, gen)
    x_test, y_test, s_test = _two_band_problem(48, gen)

    def make_classifier():
        frontend = SpectralFrontEnd(n_fft=64, win_length=4, hop_length=2, feature_type="log1p_linear")
        return tiny_classifier(2, n_mels=33, n_blocks=2, dropout=0.0, frontend=frontend)

    out = roar(x_train, y_train, x_test, y_test, s_train, s_test, [0.0, 0.4], make_classifier,
               epochs=12, runs=2, batch_size=16, lr=1e-2, seed=0)
    assert out["methods"] == ["interpreter", "random"] and out["fractions"] == [0.0, 0.4]
    assert len(out["interpreter"]) == 2 and len(out["interpreter"][0]) == 2
    (full_int, cut_int), (full_rnd, cut_rnd) = out["mean"]["interpreter"], out["mean"]["random"]
    assert full_int >= 0.9 and full_rnd >= 0.9  # learnable with every bin
    assert cut_rnd >= 0.9  # random removal leaves informative bins
    assert cut_int <= 0.7  # the 18% informative bins are all gone: chance level


# ---------------------------------------------------------------- CLI


def _tiny_setup(root):
    """ESC-50-layout data (2 classes x 2 folds x 3 clips of 1 s), an exported
    tiny classifier and an L-MAC run folder of it."""
    data = root / "ESC-50"
    (data / "audio").mkdir(parents=True)
    (data / "meta").mkdir()
    rows = ["filename,fold,target,category,esc10,src_file,take"]
    rng = np.random.default_rng(0)
    for fold in (1, 5):
        for target, category in ((0, "dog"), (1, "rain")):
            for take in "ABC":
                name = f"{fold}-{100 + target}-{take}-{target}.wav"
                soundfile.write(str(data / "audio" / name), (0.1 * rng.standard_normal(16000)).astype("float32"), 16000)
                rows.append(f"{name},{fold},{target},{category},True,{100 + target},{take}")
    (data / "meta" / "esc50.csv").write_text("\n".join(rows) + "\n")
    settings = {"window_s": 1.0, "hop_s": 0.5, "batch_size": 4, "top_k": 2,
                "normalize_windows": True}
    clf = tiny_classifier(n_classes=2)
    encoder = CategoricalEncoder()
    encoder.update_from_iterable(["dog", "rain"])
    classifier = write_classifier(str(root / "clf"), clf, encoder, settings)
    run = root / "lmac_run"
    write_interpreter(str(run / "pretrained"), LMAC(clf, decoder_width=8), encoder, settings)
    return data, classifier, run


@pytest.mark.slow
def test_command_line_writes_both_checks(tmp_path, capsys):
    cli = load_script(REPO / "tools" / "sanity_checks.py")
    data, classifier, run = _tiny_setup(tmp_path)
    out = tmp_path / "out"
    baselines = []
    if importlib.util.find_spec("speechbrain_interp.interpreters.baselines.gradients") is not None:
        baselines = ["--baseline", "saliency"]
    cli.main(["--classifier", classifier, "--run", f"lmac={run}", *baselines, "--data_folder", str(data),
              "--test_folds", "5", "--signal_length_s", "1", "--n_clips", "2", "--roar_fractions", "0.5",
              "--roar_runs", "1", "--roar_epochs", "1", "--roar_max_train", "4", "--out", str(out)])
    methods = ["lmac"] + baselines[1:]
    for name in ("randomization.json", "randomization.png", "roar.json", "roar.png", "sanity.md"):
        assert (out / name).is_file(), name
    randomization = json.loads((out / "randomization.json").read_text())
    assert list(randomization) == methods
    assert randomization["lmac"]["steps"][1:3] == ["head", "conv_block6"]
    assert randomization["lmac"]["ssim"][0] == pytest.approx(1.0)
    assert len(randomization["lmac"]["ssim_per_clip"][0]) == 2
    result = json.loads((out / "roar.json").read_text())
    assert result["methods"] == methods + ["random"] and result["n_train"] == 4 and result["n_test"] == 6
    assert result["train_folds"] == [1] and len(result["lmac"]) == 1
    printed = capsys.readouterr().out
    assert "| lmac |" in printed and "ROAR" in printed and printed.strip() == (out / "sanity.md").read_text().strip()
