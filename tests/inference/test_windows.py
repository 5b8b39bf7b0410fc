"""Windowed classification and explanation of recordings of any length."""

import pytest
import torch

import helpers
from speechbrain_interp.audio import fix_length
from speechbrain_interp.visualize.recording import plot_explanation, pooled_spectrograms
from speechbrain_interp.inference.windows import (
    align_to_frames,
    classify_long,
    interpret_long,
    masked_wave,
    window_starts,
)
from speechbrain_interp.interpreters import LMAC, AllOnes, Interpreter, Saliency

SR = 16000
HOP = 186  # STFT hop of the default front end
WINDOW = SR  # 1 s windows keep the file fast; the logic does not depend on the length
WINDOW_HOP = 43 * HOP  # about half a window, whole STFT frames


def tiny_classifier(n_classes=4, multilabel=False):
    return helpers.tiny_classifier(n_classes, multilabel=multilabel, seed=0).eval()


class Compressive(Interpreter):
    """Toy interpreter: a per-bin function of the magnitude (no context)."""

    def explain(self, magnitude, output, label):
        return magnitude / (magnitude + 1.0), {}


class LabelValued(Interpreter):
    """Toy interpreter: a constant mask equal to ``label / 10``; records its batches."""

    def __init__(self, classifier):
        super().__init__(classifier)
        self.batches = []

    def explain(self, magnitude, output, label):
        self.batches.append(magnitude.shape[0])
        return (label.float() / 10).view(-1, 1, 1).expand_as(magnitude).contiguous(), {}


@pytest.fixture(scope="module")
def classifier():
    return tiny_classifier()


@pytest.mark.parametrize("n_samples,window,hop", [
    (1, 10, 5), (10, 10, 5), (11, 10, 5), (100, 10, 3), (99, 10, 10), (1000, 37, 1), (25, 10, 7),
])
def test_windows_cover_the_whole_signal_and_no_more(n_samples, window, hop):
    starts = window_starts(n_samples, window, hop)
    assert starts[0] == 0
    assert all(b - a == hop for a, b in zip(starts, starts[1:]))
    assert starts[-1] + window >= n_samples  # the last window reaches the end
    if len(starts) > 1:
        assert starts[-2] + window < n_samples  # ... and is needed


@pytest.mark.parametrize("args,message", [
    ((0, 10, 5), "n_samples must be positive"),
    ((10, 0, 5), "window must be positive"),
    ((10, 10, 0), "hop must be positive"),
    ((10, 10, 11), "gaps"),
    ((10, 10.5, 5), "whole number"),
])
def test_window_arguments_are_checked(args, message):
    with pytest.raises(ValueError, match=message):
        window_starts(*args)


def test_hop_must_be_whole_stft_frames(classifier):
    with pytest.raises(ValueError, match="multiple of the STFT hop"):
        interpret_long(AllOnes(classifier), torch.randn(3 * SR), WINDOW, SR // 2, 2)
    assert align_to_frames(SR // 2, HOP) % HOP == 0


def test_all_ones_gives_back_the_recording(classifier):
    wave = torch.randn(4 * SR + 123)
    out = interpret_long(AllOnes(classifier), wave, WINDOW, WINDOW_HOP, batch_size=3)
    assert out.mask.shape == (wave.shape[0] // HOP + 1, 513)
    assert torch.allclose(out.mask, torch.ones_like(out.mask))
    assert out.wave.shape == wave.shape
    assert float((out.wave - wave).abs().max()) < 1e-4
    assert out.starts[-1] + WINDOW >= wave.shape[0]


def test_overlap_added_mask_is_the_mask_of_the_whole_recording(classifier):
    wave = torch.randn(5 * SR + 77)
    out = interpret_long(Compressive(classifier), wave, WINDOW, WINDOW_HOP, batch_size=4)
    magnitude, _ = classifier.frontend.spectrogram(wave)
    whole = (magnitude / (magnitude + 1.0))[0]
    assert out.mask.shape == whole.shape
    # a window's first and last frames see a cut signal; every other frame is exact
    near_edge = torch.zeros(whole.shape[0], dtype=torch.bool)
    last_frame = WINDOW // HOP
    for start in out.starts.tolist():
        for edge in (start // HOP, start // HOP + last_frame):
            near_edge[max(0, edge - 2):edge + 3] = True
    keep = ~near_edge
    keep[0] = True  # the recording's own first frame is zero-padded in both
    assert keep.sum() > 0.7 * whole.shape[0]
    assert torch.allclose(out.mask[keep], whole[keep], atol=1e-5)
    # near window edges the tapered average stays close to the whole-recording mask
    assert float((out.mask - whole).abs().mean()) < 1e-2


@pytest.mark.parametrize("n_samples,chunk", [(2 * SR, 20 * HOP), (2 * SR + 5, 7 * HOP), (3000, 100 * HOP)])
def test_chunked_synthesis_equals_one_shot(classifier, n_samples, chunk):
    frontend = classifier.frontend
    wave = torch.randn(n_samples)
    magnitude, phase = frontend.spectrogram(wave)
    mask = torch.rand(magnitude.shape[1:])
    whole = frontend.mask_to_wave(mask[None], magnitude, phase, n_samples)[0]
    assert float((masked_wave(frontend, wave, mask, chunk) - whole).abs().max()) < 1e-5
    base = torch.rand(magnitude.shape[1:])  # a mask applied to another spectrogram (PV)
    whole = frontend.mask_to_wave(mask[None], base[None], phase, n_samples)[0]
    chunked = masked_wave(frontend, wave, mask, chunk, base_magnitude=base)
    assert float((chunked - whole).abs().max()) < 1e-5


def test_interpretation_wave_is_the_whole_recordings_masked_wave(classifier):
    lmac = LMAC(classifier, decoder_width=8).eval()
    wave = torch.randn(3 * SR + 10)
    out = interpret_long(lmac, wave, WINDOW, WINDOW_HOP, batch_size=2)
    magnitude, phase = classifier.frontend.spectrogram(wave)
    whole = classifier.frontend.mask_to_wave(out.mask[None], magnitude, phase, wave.shape[0])[0]
    assert float((out.wave - whole).abs().max()) < 1e-5
    assert 0 <= float(out.mask.min()) and float(out.mask.max()) <= 1
    assert not out.mask.requires_grad and not out.window_logits.requires_grad


def test_short_recording_is_padded_and_cropped_back(classifier):
    lmac = LMAC(classifier, decoder_width=8).eval()
    wave = torch.randn(WINDOW // 2 + 3)
    out = interpret_long(lmac, wave, WINDOW, WINDOW_HOP, batch_size=2)
    n_frames = wave.shape[0] // HOP + 1
    assert out.starts.tolist() == [0]
    assert out.mask.shape == (n_frames, 513) and out.wave.shape == wave.shape
    with torch.no_grad():
        padded = lmac.interpret(fix_length(wave, WINDOW)[None], with_wave=False)
    assert torch.allclose(out.mask, padded.mask[0, :n_frames], atol=1e-6)
    assert torch.allclose(out.window_logits, padded.logits, atol=1e-5)
    assert classify_long(classifier, wave, WINDOW, WINDOW_HOP, 2).starts.tolist() == [0]


def test_windows_explain_their_own_decision_or_the_named_class(classifier):
    method = LabelValued(classifier)
    wave = torch.randn(4 * SR)
    own = interpret_long(method, wave, WINDOW, WINDOW_HOP, batch_size=3, with_wave=False)
    assert own.wave is None
    assert torch.equal(own.window_labels, own.window_logits.argmax(dim=-1))
    assert own.label == int(own.probabilities.argmax())
    named = interpret_long(method, wave, WINDOW, WINDOW_HOP, batch_size=3, label=2)
    assert named.window_labels.tolist() == [2] * len(named.starts)
    assert torch.allclose(named.mask, torch.full_like(named.mask, 0.2))
    # windows go through the interpreter batch_size at a time, never all at once
    assert max(method.batches) <= 3 and sum(method.batches) == 2 * len(named.starts)
    with pytest.raises(ValueError, match="class index"):
        interpret_long(method, wave, WINDOW, WINDOW_HOP, batch_size=3, label=4)


def test_classify_long_equals_windows_classified_one_by_one(classifier):
    wave = torch.randn(3 * SR + 999)
    out = classify_long(classifier, wave, WINDOW, WINDOW_HOP, batch_size=3)
    expected = []
    with torch.no_grad():
        for start in out.starts.tolist():
            clip = fix_length(wave[start:start + WINDOW], WINDOW)
            expected.append(classifier.probabilities(classifier(wave=clip[None]).logits)[0])
    expected = torch.stack(expected)
    assert out.window_probabilities.shape == (len(out.starts), 4)
    assert torch.allclose(out.window_probabilities, expected, atol=1e-5)
    assert torch.allclose(out.probabilities, expected.mean(dim=0), atol=1e-5)
    assert out.label == int(expected.mean(dim=0).argmax())
    # the explanation shares these decisions
    explained = interpret_long(AllOnes(classifier), wave, WINDOW, WINDOW_HOP, 3, with_wave=False)
    assert torch.allclose(explained.window_probabilities, expected, atol=1e-5)


def test_normalised_windows_are_heard_as_training_clips(classifier):
    """With normalize, each window is peak-normalised on its own: a quiet passage of a
    loud recording gets the decision it gets alone, and the gain of the file does not
    matter."""
    quiet, loud = 0.02 * torch.randn(2 * SR), torch.randn(2 * SR)
    wave, hop = torch.cat([quiet, loud]), WINDOW_HOP * 2
    out = classify_long(classifier, wave, WINDOW, hop, batch_size=2, normalize=True)
    first = quiet[:WINDOW]
    with torch.no_grad():
        alone = classifier.probabilities(classifier(wave=(first / first.abs().max())[None]).logits)
    assert torch.allclose(out.window_probabilities[0], alone[0], atol=1e-5)
    scaled = classify_long(classifier, 0.1 * wave, WINDOW, hop, batch_size=2, normalize=True)
    assert torch.allclose(scaled.window_probabilities, out.window_probabilities, atol=1e-5)
    explained = interpret_long(LMAC(classifier), wave, WINDOW, hop, 2, normalize=True)
    assert torch.allclose(explained.window_probabilities, out.window_probabilities, atol=1e-5)
    assert explained.wave.abs().max() <= wave.abs().max() + 1e-4  # the recording's own, masked


def test_multilabel_classifier_gives_sigmoid_probabilities():
    clf = tiny_classifier(multilabel=True)
    out = classify_long(clf, torch.randn(2 * SR), WINDOW, WINDOW_HOP, batch_size=4)
    assert torch.allclose(out.window_probabilities, torch.sigmoid(out.logits))


def test_gradient_baseline_gets_its_gradients_under_no_grad(classifier):
    wave = torch.randn(2 * SR)
    with torch.no_grad():
        out = interpret_long(Saliency(classifier), wave, WINDOW, WINDOW_HOP, batch_size=2)
    assert out.mask.shape == (wave.shape[0] // HOP + 1, 513)
    assert float(out.mask.max()) > 0 and float(out.mask.max()) <= 1
    assert not out.mask.requires_grad and out.wave.shape == wave.shape


def test_figure_of_a_long_recording(classifier, tmp_path):
    wave = torch.randn(6 * SR)
    out = interpret_long(LMAC(classifier, decoder_width=8).eval(), wave, WINDOW, WINDOW_HOP, 4)
    path = plot_explanation(wave, out.mask, classifier.frontend, out.starts,
                            out.window_probabilities, ["dog", "rain", "bird", "car"], out.label, str(tmp_path / "long.png"),
                            title="six seconds", window=WINDOW)
    assert (tmp_path / "long.png").stat().st_size > 10_000 and path.endswith("long.png")
    magnitude, masked = pooled_spectrograms(wave, torch.ones_like(out.mask), classifier.frontend,
                                           max_columns=100)
    assert magnitude.shape == (100, 513) and torch.allclose(magnitude, masked)
