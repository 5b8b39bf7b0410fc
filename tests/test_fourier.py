"""The Fourier representation of notes (RDE paper 4.2) and its inverse."""

import math

import numpy as np
import pytest
import torch

from speechbrain_interp.classifier import FourierClassifier
from speechbrain_interp.fourier import FourierRepresentation, spectral_features
from speechbrain_interp.models import SpectralCNN
from speechbrain_interp.synthetic.notes import NOTE_FAMILIES, synthesize_note

SR = 16000


@pytest.fixture(scope="module")
def rep():
    return FourierRepresentation(sample_rate=SR, n_samples=4 * SR)


def _band_limited(rep, wave):
    """The note with the DFT bins outside the grid's bands set to zero."""
    spec = torch.fft.rfft(wave)
    spec[..., rep.bin_band < 0] = 0
    return torch.fft.irfft(spec, n=wave.shape[-1])


def test_grid_matches_the_paper(rep):
    assert rep.n_freqs == 1024
    assert float(rep.edges[0]) == pytest.approx(20.0)
    assert float(rep.edges[-1]) == pytest.approx(8000.0)
    ratio = rep.edges[1:] / rep.edges[:-1]
    assert torch.allclose(ratio, ratio[0].expand_as(ratio), rtol=1e-4)  # log spaced
    # at 0.25 Hz resolution only the bands under ~43 Hz are narrower than a bin
    empty = rep.centres[rep.band_counts == 0]
    assert float(empty.max()) < 45.0 and len(empty) > 20


def test_power_normalisation_and_peak_position(rep):
    t = torch.arange(4 * SR) / SR
    waves = torch.stack([torch.sin(2 * math.pi * 1000 * t), 0.01 * torch.sin(2 * math.pi * 250 * t)])
    coeffs = rep(waves)
    assert torch.allclose(coeffs.magnitude.pow(2).mean(1), torch.ones(2), atol=1e-5)
    peaks = rep.centres[coeffs.magnitude.argmax(1)]
    assert abs(float(peaks[0]) - 1000) < 5 and abs(float(peaks[1]) - 250) < 2
    # the normalisation removes the level: same shape of spectrum at any gain
    louder = rep(3 * waves[:1])
    assert torch.allclose(louder.magnitude, coeffs.magnitude[:1], atol=1e-4)
    assert float(louder.scale / coeffs.scale[0]) == pytest.approx(3.0, rel=1e-4)


def test_phase_of_a_band_is_the_phase_of_its_partial(rep):
    t = torch.arange(4 * SR) / SR
    for phi in (0.3, 2.0, 4.5):
        coeffs = rep(torch.cos(2 * math.pi * 1000 * t + phi).unsqueeze(0))
        j = int(coeffs.magnitude.argmax())
        assert float(coeffs.phase[0, j]) == pytest.approx(phi, abs=1e-3)
    assert float(coeffs.phase.min()) >= 0 and float(coeffs.phase.max()) < 2 * math.pi


def test_inverse_of_an_unchanged_representation_is_the_band_limited_note(rep):
    rng = np.random.default_rng(0)
    wave = torch.tensor(synthesize_note("guitar", 4 * SR, SR, rng)[0], dtype=torch.float32)
    coeffs = rep(wave)
    back = rep.to_wave(coeffs, coeffs.magnitude, coeffs.phase)[0]
    target = _band_limited(rep, wave.unsqueeze(0))[0]
    assert int((rep.bin_band >= 0).sum()) == int(rep.band_counts.sum())
    assert float((back - target).abs().max()) < 1e-4
    kept = rep.kept_wave(coeffs, torch.ones_like(coeffs.magnitude))[0]
    assert float((kept - target).abs().max()) < 1e-4


def test_new_magnitude_and_phase_are_read_back(rep):
    rng = np.random.default_rng(1)
    wave = torch.tensor(synthesize_note("bass", 4 * SR, SR, rng)[0], dtype=torch.float32)
    coeffs = rep(wave)
    gain = torch.ones_like(coeffs.magnitude)
    band = rep.band_mask(100.0, 230.0)
    gain[:, band] = 0.5
    shift = torch.full_like(coeffs.phase, 1.0)
    back = rep(rep.to_wave(coeffs, coeffs.magnitude * gain, coeffs.phase + shift))
    full = rep.band_counts > 0
    # same bands, half the magnitude in 100-230 Hz (relative to the rest), phase + 1 rad
    ratio = (back.magnitude * back.scale[:, None]) / (coeffs.magnitude * coeffs.scale[:, None])
    loud = full & (coeffs.magnitude[0] > 0.05)
    assert torch.allclose(ratio[0, loud & band], torch.full_like(ratio[0, loud & band], 0.5),
                          atol=1e-3)
    assert torch.allclose(ratio[0, loud & ~band], torch.ones_like(ratio[0, loud & ~band]),
                          atol=1e-3)
    delta = torch.remainder(back.phase - coeffs.phase, 2 * math.pi)[0, loud]
    assert torch.allclose(delta, torch.ones_like(delta), atol=1e-3)


def test_energy_fills_a_silent_band(rep):
    t = torch.arange(4 * SR) / SR
    wave = torch.sin(2 * math.pi * 1000 * t).unsqueeze(0)
    coeffs = rep(wave)
    band = rep.band_mask(3000.0, 3100.0)
    magnitude = coeffs.magnitude.clone()
    magnitude[:, band] = 1.0
    back = rep(rep.to_wave(coeffs, magnitude, coeffs.phase))
    assert float(back.magnitude[0, band].min()) > 0.1 * float(back.magnitude[0, band].max())
    assert float(back.magnitude[0, band].mean()) > 100 * float(coeffs.magnitude[0, band].mean())


def test_kept_wave_removes_masked_bands(rep):
    rng = np.random.default_rng(2)
    wave = torch.tensor(synthesize_note("bass", 4 * SR, SR, rng)[0], dtype=torch.float32)
    coeffs = rep(wave)
    mask = (~rep.band_mask(100.0, 230.0)).float().unsqueeze(0)
    spec = torch.fft.rfft(rep.kept_wave(coeffs, mask)[0]).abs()
    f = torch.fft.rfftfreq(4 * SR, 1 / SR)
    inside = (f > 101) & (f < 229)
    assert float(spec[inside].max()) < 1e-3 * float(torch.fft.rfft(wave).abs()[inside].max())


def test_short_and_long_notes_are_fitted(rep):
    coeffs = rep(torch.randn(2, SR))  # zero padded
    assert coeffs.spectrum.shape == (2, 2 * SR + 1)
    assert rep(torch.randn(5 * SR)).magnitude.shape == (1, 1024)


def test_f_max_above_nyquist_is_refused():
    with pytest.raises(ValueError, match="Nyquist"):
        FourierRepresentation(sample_rate=8000, f_max=8000.0)


def test_features_and_classifier_accept_any_phase_value():
    magnitude, phase = torch.rand(2, 1024), torch.rand(2, 1024) * 2 * math.pi
    feats = spectral_features(magnitude, phase)
    assert torch.allclose(spectral_features(magnitude, phase + 2 * math.pi), feats, atol=1e-5)
    net = SpectralCNN(in_channels=5, channels=[4, 8])
    clf = FourierClassifier(FourierRepresentation(), net, torch.nn.Linear(net.emb_dim, 3)).eval()
    out = clf(magnitude=magnitude, phase=phase)
    assert torch.allclose(out.logits, clf(features=feats).logits)
    with pytest.raises(ValueError, match="exactly one"):
        clf(wave=torch.randn(1, 100), magnitude=magnitude, phase=phase)
    with pytest.raises(ValueError, match="both"):
        clf(magnitude=magnitude)


def test_synthetic_families_put_their_cue_in_their_band(rep):
    rng = np.random.default_rng(3)
    plain = rep(torch.tensor(synthesize_note("string", 4 * SR, SR, rng)[0], dtype=torch.float32))
    for family, spec in NOTE_FAMILIES.items():
        for low, high in spec["bands"]:
            wave = synthesize_note(family, 4 * SR, SR, np.random.default_rng(3))[0]
            coeffs = rep(torch.tensor(wave, dtype=torch.float32))
            band = rep.band_mask(low, high)
            assert float(coeffs.magnitude[0, band].pow(2).mean()) > 10 * float(
                plain.magnitude[0, band].pow(2).mean()), family
