"""Training on mixtures (issue 16): contamination, held-out speech, guidance, listening figures.

- the contaminated batch is exactly source + contaminant, partners are clips
  of another class, and a restored generator replays the same mixtures;
- evaluation speech and training speech are disjoint utterances;
- the Brain tells L-MAC's guidance the part the classifier's decision is
  about (the partner clip when its class was decided);
- the contaminant's share of an interpretation's energy on hand-made cases.
"""

import math

import pytest
import torch

from helpers import tiny_classifier
from speechbrain_interp.augment.contamination import Contamination
from speechbrain_interp.data.ljspeech import ljspeech_files, speech_bank, split_utterances
from speechbrain_interp.evaluation.conditions import WhiteNoise, build_conditions
from speechbrain_interp.evaluation.localization import contaminant_share, localization_metrics
from speechbrain_interp.interpreters.lmac import guidance_target
from speechbrain_interp.synthetic import make_ljspeech_like


def _clips(n=6, length=1600):
    t = torch.arange(length) / 16000.0
    freqs = torch.tensor([300.0, 500.0, 700.0, 900.0, 1100.0, 1300.0])[:n, None]
    return 0.5 * torch.sin(2 * math.pi * freqs * t)


def test_contaminated_batch_sums_and_pairs_other_classes():
    labels = torch.tensor([0, 0, 1, 1, 2, 2])
    contaminate = Contamination({"other_class": 1.0}, 0.0, 10.0, seed=3)
    out = contaminate(_clips(), labels)
    assert out.kind == ["other_class"] * 6
    assert torch.allclose(out.source + out.contaminant, out.mixture, atol=1e-6)
    assert bool((out.contaminant_label != labels).all()) and bool((out.contaminant_label >= 0).all())
    # each contaminant is a scaled copy of the partner clip named by its label
    for i in range(6):
        partner = _clips()[labels == out.contaminant_label[i]]
        cos = torch.nn.functional.cosine_similarity(out.contaminant[i][None], partner)
        assert float(cos.max()) == pytest.approx(1.0, abs=1e-5)


def test_a_clip_with_no_partner_of_another_class_stays_clean():
    contaminate = Contamination({"other_class": 1.0}, seed=0)
    clips = _clips(3)
    out = contaminate(clips, torch.tensor([1, 1, 1]))
    assert out.kind == ["clean"] * 3 and torch.equal(out.mixture, clips)
    assert float(out.contaminant.abs().max()) == 0.0


def test_restored_generator_replays_the_same_mixtures():
    contaminate = Contamination({"clean": 0.2, "other_class": 0.4, "noise": 0.4}, 0.0, 15.0,
                                noise_bank=WhiteNoise(5), seed=1)
    contaminate.banks["noise"].generator = contaminate.generator  # one state for every draw
    labels = torch.tensor([0, 1, 2, 0, 1, 2])
    contaminate(_clips(), labels)
    state = contaminate.generator.get_state()
    first = contaminate(_clips(), labels)
    contaminate.generator.set_state(state)
    again = contaminate(_clips(), labels)
    assert first.kind == again.kind and torch.equal(first.mixture, again.mixture)


def test_bad_settings_are_named():
    with pytest.raises(ValueError, match="sum to 1"):
        Contamination({"clean": 0.5})
    with pytest.raises(ValueError, match="unknown contamination kinds"):
        Contamination({"music": 1.0})
    with pytest.raises(ValueError, match="speech_bank"):
        Contamination({"speech": 1.0})


def test_evaluation_speech_is_held_out_from_training_speech(tmp_path):
    make_ljspeech_like(str(tmp_path), n_utterances=10, seconds=(0.5, 1.0), seed=2)
    files = [path for _, path in ljspeech_files(str(tmp_path))]
    train = set(speech_bank(str(tmp_path), 16000, 800, part="train").files)
    test = set(speech_bank(str(tmp_path), 16000, 800, part="test").files)
    assert train | test == set(files) and not train & test and len(test) == 2
    # the speech condition draws from the held-out part only
    cond = build_conditions(["speech"], 16000, 800, speech_folder=str(tmp_path))["speech"]
    assert set(cond.mixer.noise_bank.files) == test
    assert split_utterances(files, "all") == files


def test_guidance_target_keeps_only_bins_the_explained_part_dominates():
    clean = torch.tensor([[[2.0, 2.0, 0.1, 2.0]]])
    rest = torch.tensor([[[0.0, 3.0, 0.0, 1.0]]])
    assert guidance_target(clean, None, 0.35).tolist() == [[[1.0, 1.0, 0.0, 1.0]]]
    assert guidance_target(clean, rest, 0.35).tolist() == [[[1.0, 0.0, 0.0, 1.0]]]


def test_contaminant_share_of_all_ones_is_the_mixtures_and_the_oracle_is_lower():
    from speechbrain_interp.frontend import SpectralFrontEnd

    fe = SpectralFrontEnd(sample_rate=16000)
    t = torch.arange(16000) / 16000.0
    source = torch.sin(2 * math.pi * 440 * t)[None]
    other = 0.5 * torch.sin(2 * math.pi * 3000 * t)[None]
    (s_mag, s_ph), (o_mag, o_ph) = fe.spectrogram(source), fe.spectrogram(other)
    mix = source + other
    m_mag, _ = fe.spectrogram(mix)

    def share(mask):
        parts = (fe.mask_to_wave(mask, s_mag, s_ph, 16000), fe.mask_to_wave(mask, o_mag, o_ph, 16000))
        return localization_metrics(mask, s_mag, o_mag, m_mag, wave=parts[0] + parts[1],
                                    source_wave=source, mixture_wave=mix, part_waves=parts)

    ones = share(torch.ones_like(m_mag))
    # energy ratio 1 : 0.25 -> 20 % of the mixture is the other tone
    assert float(ones["Contam"]) == pytest.approx(20.0, abs=0.5)
    assert float(ones["SI_SDRi"]) == pytest.approx(0.0, abs=1e-6)
    oracle = share((s_mag > o_mag).float())
    assert float(oracle["Contam"]) < 1.0 and float(oracle["SI_SDRi"]) > 15.0
    assert math.isnan(float(contaminant_share(torch.zeros(1, 4), torch.zeros(1, 4))[0]))


def test_brain_guides_each_row_with_the_part_its_decision_is_about():
    from types import SimpleNamespace

    from speechbrain_interp.augment.contamination import Contaminated
    from speechbrain_interp.brains.interpretation import InterpreterBrain
    from speechbrain_interp.frontend import SpectralFrontEnd

    fe = SpectralFrontEnd(sample_rate=16000)
    clips = _clips(4)
    source, contaminant = clips, 0.3 * clips.flip(0)
    parts = Contaminated(source + contaminant, source, contaminant,
                         torch.tensor([1, -1, 2, 0]), ["other_class", "speech", "other_class", "other_class"])
    batch = SimpleNamespace(class_string_encoded=torch.tensor([[0], [1], [0], [2]]))
    # decisions: the source's class, a wrong class next to speech, the partner's class, neither
    interpretation = SimpleNamespace(clips=torch.arange(4), label=torch.tensor([0, 2, 2, 1]),
                                     magnitude=fe.spectrogram(parts.mixture)[0])
    brain = SimpleNamespace(interpreter=SimpleNamespace(frontend=fe),
                            _single_labels=InterpreterBrain._single_labels)
    explained, rest = InterpreterBrain._explained_magnitudes(brain, interpretation, parts, batch)
    mag = {name: fe.spectrogram(w)[0] for name, w in
           (("s", source), ("c", contaminant), ("m", parts.mixture))}
    assert torch.allclose(explained[0], mag["s"][0]) and torch.allclose(rest[0], mag["c"][0])
    assert torch.allclose(explained[1], mag["s"][1]) and torch.allclose(rest[1], mag["c"][1])
    assert torch.allclose(explained[2], mag["c"][2]) and torch.allclose(rest[2], mag["s"][2])
    assert torch.allclose(explained[3], mag["m"][3]) and float(rest[3].abs().max()) == 0.0


def test_tradeoff_tool_puts_every_setting_and_method_on_the_figure(tmp_path):
    import json

    from helpers import REPO, load_script

    tool = load_script(REPO / "tools" / "tradeoff.py")
    runs = {}
    for setting, precision in (("today", 0.6), ("mixtures", 0.9)):
        path = tmp_path / f"{setting}.json"
        stats = {"FF": 0.8, "AI": 40.0, "AD": 1.0, "precision": precision, "AUC": 0.7,
                 "SI_SDRi": 2.0, "Contam": 10.0}
        path.write_text(json.dumps({
            "clean": {"accuracy": 100.0, "methods": {"lmac": {"FF": 0.9, "AI": 50.0, "AD": 0.5}}},
            "mixture": {"accuracy": 90.0, "methods": {"lmac": stats, "gradcam": dict(stats, FF=0.3)}},
        }))
        runs[setting] = f"--run={setting}={path}"
    tool.main([*runs.values(), "--out", str(tmp_path / "out")])
    points = json.loads((tmp_path / "out" / "tradeoff.json").read_text())
    # clean has no ground truth: only the mixture's points, two methods per setting
    assert sorted((p["setting"], p["method"]) for p in points) == [
        ("mixtures", "gradcam"), ("mixtures", "lmac"), ("today", "gradcam"), ("today", "lmac")]
    assert {p["precision"] for p in points if p["method"] == "lmac"} == {0.6, 0.9}
    assert (tmp_path / "out" / "tradeoff.png").stat().st_size > 10_000
    assert "| mixture | mixtures | lmac |" in (tmp_path / "out" / "tradeoff.md").read_text()


class _HighTones:
    """A classless contaminant bank: loud tones between 2 and 4 kHz."""

    def __init__(self, seed):
        self.generator = torch.Generator().manual_seed(seed)

    def sample(self, n, length):
        freq = 2000.0 + 2000.0 * torch.rand(n, 1, generator=self.generator)
        t = torch.arange(length) / 16000.0
        return torch.sin(2 * math.pi * freq * t)


def _low_tones(n, seed, length=8000):
    gen = torch.Generator().manual_seed(seed)
    freq = 200.0 + 600.0 * torch.rand(n, 1, generator=gen)
    t = torch.arange(length) / 16000.0
    return 0.5 * torch.sin(2 * math.pi * freq * t)


def _trained_lmac(guided, folder, epochs=12):
    """A decoder of a frozen random CNN14 trained on low tones under louder high tones."""
    import speechbrain as sb
    from speechbrain.utils.train_logger import FileTrainLogger

    from speechbrain_interp.brains.interpretation import InterpreterBrain
    from speechbrain_interp.interpreters import LMAC

    clf = tiny_classifier(2, seed=0)
    lmac = LMAC(clf, decoder_width=8, finetune=guided, lambda_g=16.0, cct=0.0, bin_threshold=0.1)
    contaminate = Contamination({"speech": 1.0}, -3.0, -3.0, speech_bank=_HighTones(1), seed=2)
    folder.mkdir(parents=True)
    brain = InterpreterBrain(
        modules={"interpreter": lmac}, opt_class=lambda p: torch.optim.Adam(p, 1e-2),
        hparams={"train_logger": FileTrainLogger(f"{folder}/log.txt"), "output_folder": str(folder),
                 "epoch_counter": None, "noise_augment": contaminate, "noise_in_eval": False,
                 "ckpt_key": "loss", "ckpt_mode": "min", "ckpt_keep": 1,
                 "save_interpretations": False, "interpret_period": 0, "n_interpretations": 0,
                 "label_encoder": None, "lr_scheduler": None, "metric_max_batch": None},
        run_opts={"device": "cpu", "noprogressbar": True},
    )
    data = [{"id": str(i), "sig": wave, "class_string_encoded": torch.tensor([0])}
            for i, wave in enumerate(_low_tones(32, seed=3))]
    opts = {"batch_size": 8, "collate_fn": sb.dataio.batch.PaddedBatch}
    brain.fit(range(epochs), data, None, train_loader_kwargs=opts)
    return lmac.eval()


@pytest.mark.slow  # trains
def test_guidance_on_contaminated_clips_teaches_the_mask_to_drop_a_louder_contaminant(tmp_path):
    """The Brain tells the guidance which part is explained; the decoder learns to keep it."""
    source = _low_tones(8, seed=99)
    contaminant = _HighTones(7).sample(8, source.shape[-1])
    out = Contamination({"speech": 1.0}, -3.0, -3.0, speech_bank=_HighTones(7), seed=5)(source)
    scores = {}
    for guided in (True, False):
        lmac = _trained_lmac(guided, tmp_path / str(guided))
        fe = lmac.classifier.frontend
        with torch.no_grad():
            interp = lmac.interpret(out.mixture)
        mags = [fe.spectrogram(w)[0] for w in (out.mixture, out.source, out.contaminant)]
        parts = [fe.mask_to_wave(interp.mask, *fe.spectrogram(w), source.shape[-1])
                 for w in (out.source, out.contaminant)]
        metrics = localization_metrics(interp.mask, mags[1], mags[2], mags[0], part_waves=parts)
        scores[guided] = {k: float(v.mean()) for k, v in metrics.items()}
    assert contaminant.shape == source.shape
    assert scores[True]["AUC"] > 0.9 and scores[True]["precision"] > 0.8
    assert scores[True]["Contam"] < 20.0  # the contaminant is 67 % of the mixture's energy
    assert scores[True]["AUC"] > scores[False]["AUC"] + 0.1
    assert scores[True]["Contam"] < scores[False]["Contam"] - 20.0
