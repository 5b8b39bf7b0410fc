"""Classifying and explaining recordings of any length, window by window.

The classifiers are trained on fixed-length clips (5 s for ESC-50). A longer
recording is cut into windows of that length, ``hop`` samples apart, the
last one zero-padded where the signal ends inside it (as training pads short
clips)::

    wave [N] --windows--> [W, window] --classifier--> logits [W, C]
                                      --interpreter--> masks [W, T_w, F]
    masks --tapered overlap-add / summed taper--> mask [T, F]   (T = N // hop_stft + 1)
    mask, wave --chunked STFT, mask, ISTFT--> listenable wave [N]

A window starting at sample ``s`` (a multiple of the STFT hop) sees frame
``t`` of the recording as its own frame ``t - s // hop_stft``, so window masks
add up frame by frame. Each window's mask is weighted by a taper (a Hann
bump with a floor, :func:`taper`): the frames at a window's edges, whose
analysis window and classifier context are cut, count little where another
window sees them in its middle, and the recording's first and last frames,
which only one window sees, keep a weight.

Memory does not grow with the recording beyond the outputs (mask
``[T, F]`` and wave ``[N]``): windows go through the models ``batch_size``
at a time, the recording's complex STFT is never held whole, and the
listenable wave is synthesised chunk by chunk (:func:`masked_wave`).

Window and hop are given in samples by the caller (they belong to the
recipe's YAML); :func:`align_to_frames` rounds a hop to whole STFT frames.

Authors
 * speechbrain-interp developers 2026
"""

import math
from dataclasses import dataclass
from typing import Optional

import torch

from speechbrain_interp.audio import fix_length, peak_normalize
from speechbrain_interp.frontend import polar_to_stft
from speechbrain_interp.float32 import as_float32

__all__ = [
    "LongInterpretation",
    "WindowedClassification",
    "align_to_frames",
    "classify_long",
    "interpret_long",
    "masked_wave",
    "taper",
    "window_starts",
]

#: weight of a window's first and last frames relative to its centre
TAPER_FLOOR = 0.01


def _positive_int(value, name):
    """``int(value)``, or a ``ValueError`` naming ``name``."""
    if isinstance(value, bool) or int(value) != value:
        raise ValueError(f"{name} must be a whole number of samples, got {value!r}")
    if int(value) <= 0:
        raise ValueError(f"{name} must be positive, got {value!r}")
    return int(value)


def window_starts(n_samples, window, hop, end_frame=0):
    """First samples of the windows covering a signal.

    Windows start every ``hop`` samples until one ends at or past the end of
    the signal; a signal no longer than ``window`` gets one window. With
    ``end_frame``, the last window is moved back to end at the signal's end:
    its start is rounded up to a multiple of ``end_frame`` (an STFT hop), so
    it ends less than one frame past the end (less padding for a classifier
    that would hear it).

    Arguments
    ---------
    n_samples : int
        Length of the signal (at least 1).
    window : int
        Window length in samples.
    hop : int
        Samples between window starts (``1 <= hop <= window``, no gaps).
    end_frame : int
        ``0``: the last window starts on the hop grid; else the frame the
        last window's start is rounded up to.

    Returns
    -------
    list of int
        ``W`` starts, ``starts[-1] + window >= n_samples``.

    Example
    -------
    >>> window_starts(10, window=4, hop=3)
    [0, 3, 6]
    >>> window_starts(3, window=4, hop=2)
    [0]
    >>> window_starts(8, window=4, hop=2)
    [0, 2, 4]
    >>> window_starts(11, window=4, hop=3)  # the last window ends 2 samples past the end
    [0, 3, 6, 9]
    >>> window_starts(11, 4, 3, end_frame=1), window_starts(11, 4, 3, end_frame=2)
    ([0, 3, 6, 7], [0, 3, 6, 8])
    """
    n_samples = _positive_int(n_samples, "n_samples")
    window = _positive_int(window, "window")
    hop = _positive_int(hop, "hop")
    if hop > window:
        raise ValueError(
            f"hop ({hop}) must not exceed window ({window}): the windows would leave gaps"
        )
    count = 1 + math.ceil(max(0, n_samples - window) / hop)
    starts = [k * hop for k in range(count)]
    if end_frame and count > 1:
        frame = _positive_int(end_frame, "end_frame")
        starts[-1] = min(starts[-1], -(-(n_samples - window) // frame) * frame)
    return starts


def align_to_frames(samples, hop_samples):
    """Rounds ``samples`` to the nearest whole number of STFT hops (at least one).

    :func:`interpret_long` needs a window hop that is a multiple of the STFT
    hop; this turns a hop given in seconds into one.

    Arguments
    ---------
    samples : int or float
        Wanted hop in samples.
    hop_samples : int
        STFT hop in samples.

    Returns
    -------
    int

    Raises
    ------
    ValueError
        When ``samples`` is not a positive finite number (a hop of 0 would
        otherwise become one STFT hop, hundreds of windows per clip).

    Example
    -------
    >>> align_to_frames(2.5 * 16000, 186)  # 2.5 s at 16 kHz
    39990
    >>> align_to_frames(0, 186)
    Traceback (most recent call last):
    ...
    ValueError: a hop must be a positive number of samples, got 0
    """
    hop_samples = _positive_int(hop_samples, "hop_samples")
    if not math.isfinite(float(samples)) or float(samples) <= 0:
        raise ValueError(f"a hop must be a positive number of samples, got {samples!r}")
    return max(1, round(float(samples) / hop_samples)) * hop_samples


def taper(n_frames, floor=TAPER_FLOOR, dtype=torch.float32, device=None):
    """Overlap-add weight of a window's frames: a Hann bump above a floor.

    ``floor + (1 - floor) sin^2(pi (t + 1/2) / n_frames)``: close to 1 in the
    middle, ``floor`` at the edges (never 0, so a frame only one window
    sees keeps a weight).

    Arguments
    ---------
    n_frames : int
        Frames per window.
    floor : float
        Weight at the edges, in ``(0, 1]``.
    dtype : torch.dtype
        Of the result.
    device : torch.device, optional
        Of the result.

    Returns
    -------
    torch.Tensor
        ``[n_frames]``.

    Example
    -------
    >>> w = taper(5)
    >>> float(w.max()), bool(w.min() > 0), bool(torch.allclose(w, w.flip(0)))
    (1.0, True, True)
    """
    if not 0 < floor <= 1:
        raise ValueError(f"floor must be in (0, 1], got {floor}")
    t = torch.arange(int(n_frames), dtype=torch.float64, device=device)
    bump = torch.sin(math.pi * (t + 0.5) / int(n_frames)) ** 2
    return (floor + (1 - floor) * bump).to(dtype)


def _check_wave(wave):
    """``wave`` as ``[N]`` (a ``[1, N]`` batch of one is accepted)."""
    if wave.dim() == 2 and wave.shape[0] == 1:
        wave = wave[0]
    if wave.dim() != 1:
        raise ValueError(f"expected one recording [N] (or [1, N]), got shape {tuple(wave.shape)}")
    if wave.shape[0] == 0:
        raise ValueError("the recording is empty")
    return wave


def _window_batches(wave, starts, window, batch_size, normalize):
    """Yields ``(first index, [B, window])`` batches, zero-padded at the end
    (each window peak-normalised when ``normalize``)."""
    batch_size = _positive_int(batch_size, "batch_size")
    for first in range(0, len(starts), batch_size):
        chunk = starts[first:first + batch_size]
        batch = torch.stack([fix_length(wave[s:s + window], window) for s in chunk])
        yield first, peak_normalize(batch) if normalize else batch


@dataclass
class WindowedClassification:
    """What :func:`classify_long` returns.

    Attributes
    ----------
    starts : torch.Tensor
        ``[W]`` first sample of each window.
    logits : torch.Tensor
        ``[W, C]`` classifier logits of each window.
    window_probabilities : torch.Tensor
        ``[W, C]`` softmax (sigmoid when multi-label) of :attr:`logits`.
    probabilities : torch.Tensor
        ``[C]`` recording-level probabilities: the mean over windows.
    label : int
        Recording-level decision: the most likely class of :attr:`probabilities`.
    """

    starts: torch.Tensor
    logits: torch.Tensor
    window_probabilities: torch.Tensor
    probabilities: torch.Tensor
    label: int


def classify_long(classifier, wave, window, hop, batch_size, normalize=False, progress=None,
                  last_at_end=False):
    """Classifies a recording of any length, window by window.

    Arguments
    ---------
    classifier : speechbrain_interp.classifier.AudioClassifier
        Trained on clips of ``window`` samples.
    wave : torch.Tensor
        ``[N]`` at the classifier's sample rate.
    window : int
        Window length in samples (the training clip length).
    hop : int
        Samples between window starts.
    batch_size : int
        Windows per classifier call.
    normalize : bool
        Peak-normalise each window, as training clips were.
    progress : callable, optional
        Called as ``progress(done, total)`` after each batch of windows
        (windows done so far, windows in all); nothing is reported without it.
    last_at_end : bool
        Move the last window back to end at the recording's end (within one
        STFT frame; :func:`window_starts`) instead of zero-padding it: for a
        classifier that hears any length (``takes_any_length``).

    Returns
    -------
    WindowedClassification

    Example
    -------
    >>> from speechbrain_interp.examples import small_classifier
    >>> clf = small_classifier(3).eval()
    >>> out = classify_long(clf, torch.randn(40000), window=16000, hop=8000, batch_size=2)
    >>> out.starts.tolist(), out.logits.shape, out.probabilities.shape
    ([0, 8000, 16000, 24000], torch.Size([4, 3]), torch.Size([3]))
    """
    wave = _check_wave(wave)
    window = _positive_int(window, "window")
    frame = int(getattr(classifier.frontend, "hop_samples", 1)) if last_at_end else 0
    starts = window_starts(wave.shape[0], window, hop, end_frame=frame)
    logits = []
    with torch.no_grad():
        for first, batch in _window_batches(wave, starts, window, batch_size, normalize):
            logits.append(as_float32(classifier(wave=batch).logits.detach()))  # under autocast
            if progress is not None:
                progress(first + batch.shape[0], len(starts))
        logits = torch.cat(logits)
        window_probabilities = classifier.probabilities(logits)
    probabilities = window_probabilities.mean(dim=0)
    return WindowedClassification(
        starts=torch.tensor(starts, dtype=torch.long),
        logits=logits,
        window_probabilities=window_probabilities,
        probabilities=probabilities,
        label=int(probabilities.argmax()),
    )


@dataclass
class LongInterpretation:
    """What :func:`interpret_long` returns (one recording, no batch axis).

    Attributes
    ----------
    mask : torch.Tensor
        ``[T, F]`` in ``[0, 1]`` on the linear magnitude of the whole
        recording, ``T = N // hop_samples + 1``.
    starts : torch.Tensor
        ``[W]`` first sample of each window.
    window_logits : torch.Tensor
        ``[W, C]`` classifier logits of each window.
    window_probabilities : torch.Tensor
        ``[W, C]`` their probabilities.
    window_labels : torch.Tensor
        ``[W]`` the class each window's mask explains.
    probabilities : torch.Tensor
        ``[C]`` recording-level probabilities (mean over windows).
    label : int
        Recording-level decision, the argmax of :attr:`probabilities`.
    wave : torch.Tensor or None
        ``[N]`` listenable interpretation ``ISTFT(mask * |X| e^{j phase})``.
    base_magnitude : torch.Tensor or None
        ``[T, F]`` overlap-added spectrogram the mask applies to, for methods
        that mask another spectrogram than the input's (Perception
        Visualization's reconstruction); ``None``: the input ``|X|``.
    """

    mask: torch.Tensor
    starts: torch.Tensor
    window_logits: torch.Tensor
    window_probabilities: torch.Tensor
    window_labels: torch.Tensor
    probabilities: torch.Tensor
    label: int
    wave: Optional[torch.Tensor] = None
    base_magnitude: Optional[torch.Tensor] = None


def _check_label(label, n_classes):
    """A named class as an ``int`` in range (``None`` stays ``None``)."""
    if label is None:
        return None
    if torch.is_tensor(label):
        if label.numel() != 1:
            raise ValueError(f"label must name one class, got a tensor of shape {tuple(label.shape)}")
        label = label.item()
    if int(label) != label or not 0 <= int(label) < n_classes:
        raise ValueError(f"label must be a class index in [0, {n_classes}), got {label!r}")
    return int(label)


def interpret_long(interpreter, wave, window, hop, batch_size, label=None, with_wave=True,
                   normalize=False, progress=None, last_at_end=False):
    """Explains a recording of any length with any interpreter.

    Each window is interpreted as a training clip; the window masks are
    overlap-added with :func:`taper` weights and divided by the summed
    weights, giving one mask over every STFT frame of the recording.

    Arguments
    ---------
    interpreter : speechbrain_interp.interpreters.Interpreter
        Any interpreter; its classifier was trained on ``window`` samples.
    wave : torch.Tensor
        ``[N]`` at the classifier's sample rate (any ``N >= 1``; a recording
        shorter than ``window`` is padded to it and the outputs cropped back).
    window : int
        Window length in samples.
    hop : int
        Samples between window starts; a multiple of the front end's STFT
        hop (``frontend.hop_samples``, see :func:`align_to_frames`).
    batch_size : int
        Windows per interpreter call.
    label : int, optional
        Class every window explains; default: each window explains its own
        classifier decision.
    with_wave : bool
        Also synthesise the listenable wave ``[N]``.
    normalize : bool
        Peak-normalise each window as training clips were (the masks are
        computed on the normalised windows; the listenable wave is the
        recording's own, masked).
    progress : callable, optional
        Called as ``progress(done, total)`` after each batch of windows
        (windows explained so far, windows in all), e.g. to drive a progress
        bar over a long recording; nothing is reported without it.
    last_at_end : bool
        See :func:`classify_long`.

    Returns
    -------
    LongInterpretation

    Example
    -------
    >>> from speechbrain_interp.examples import small_classifier
    >>> from speechbrain_interp.interpreters import AllOnes
    >>> clf = small_classifier(3)
    >>> wave = torch.randn(30000)
    >>> out = interpret_long(AllOnes(clf), wave, window=16000, hop=43 * 186, batch_size=2)
    >>> out.mask.shape, out.starts.tolist(), out.wave.shape
    (torch.Size([162, 513]), [0, 7998, 15996], torch.Size([30000]))
    >>> float(out.mask.min()), bool((out.wave - wave).abs().max() < 1e-4)
    (1.0, True)
    """
    wave = _check_wave(wave)
    frontend = interpreter.frontend
    stft_hop = int(frontend.hop_samples)
    window = _positive_int(window, "window")
    hop = _positive_int(hop, "hop")
    if hop % stft_hop:
        raise ValueError(
            f"hop ({hop} samples) must be a multiple of the STFT hop ({stft_hop} samples) "
            f"so that window frames line up with the recording's frames; e.g. "
            f"{align_to_frames(hop, stft_hop)} (align_to_frames)"
        )
    label = _check_label(label, interpreter.classifier.n_classes)
    n_samples = wave.shape[0]
    starts = window_starts(n_samples, window, hop, end_frame=stft_hop if last_at_end else 0)
    n_frames, window_frames = frontend.n_frames(n_samples), frontend.n_frames(window)
    weights = taper(window_frames, dtype=wave.dtype, device=wave.device)
    mask = torch.zeros(n_frames, frontend.n_freqs, dtype=wave.dtype, device=wave.device)
    summed = torch.zeros(n_frames, dtype=wave.dtype, device=wave.device)
    base = None
    logits, labels = [], []
    grad_mode = torch.enable_grad if interpreter.needs_input_grad else torch.no_grad
    for first, batch in _window_batches(wave, starts, window, batch_size, normalize):
        wanted = None if label is None else torch.full(
            (batch.shape[0],), label, dtype=torch.long, device=wave.device)
        if wanted is None and interpreter.classifier.multilabel:
            # one mask per window: each window's most probable class (pass
            # ``label`` to follow one class through the recording)
            with torch.no_grad():
                wanted = interpreter.classifier(wave=batch).logits.argmax(-1)
        with grad_mode():
            out = interpreter.interpret(batch, label=wanted, with_wave=False)
        with torch.no_grad():
            window_mask = out.mask.detach()
            if window_mask.shape[1] != window_frames:
                raise RuntimeError(
                    f"a window of {window} samples gave {window_mask.shape[1]} frames, "
                    f"expected {window_frames}"
                )
            if out.base_magnitude is not None and base is None:
                base = torch.zeros_like(mask)
            for index in range(batch.shape[0]):
                frame = starts[first + index] // stft_hop
                count = min(window_frames, n_frames - frame)
                weight = weights[:count, None]
                mask[frame:frame + count].addcmul_(window_mask[index, :count], weight)
                summed[frame:frame + count] += weights[:count]
                if base is not None:
                    base[frame:frame + count].addcmul_(
                        out.base_magnitude[index, :count].detach(), weight)
            logits.append(out.logits.detach())
            labels.append(out.label.detach().reshape(-1))
        del out, window_mask
        if progress is not None:
            progress(first + batch.shape[0], len(starts))
    with torch.no_grad():
        mask.div_(summed[:, None])
        if base is not None:
            base.div_(summed[:, None])
        logits = torch.cat(logits)
        window_probabilities = interpreter.classifier.probabilities(logits)
        probabilities = window_probabilities.mean(dim=0)
        listenable = None
        if with_wave:
            chunk = max(1, max(window, hop) // stft_hop) * stft_hop
            listenable = masked_wave(frontend, wave, mask, chunk, base_magnitude=base)
    return LongInterpretation(
        mask=mask,
        starts=torch.tensor(starts, dtype=torch.long),
        window_logits=logits,
        window_probabilities=window_probabilities,
        window_labels=torch.cat(labels),
        probabilities=probabilities,
        label=int(probabilities.argmax()),
        wave=listenable,
        base_magnitude=base,
    )


def masked_wave(frontend, wave, mask, chunk, base_magnitude=None):
    """``ISTFT(mask * |X| e^{j phase})`` of a long recording, chunk by chunk.

    Each chunk of ``chunk`` samples is analysed with enough context on both
    sides (``n_fft`` rounded up to whole hops) that every frame touching it
    is the recording's own frame; the chunk's samples of the segment's
    inverse STFT are kept. Equal to one ``frontend.mask_to_wave`` call on the
    whole recording (to float precision), without its ``[T, F]`` complex
    spectrogram; the mask multiplies the complex STFT directly
    (``mask * |X| e^{j phase} = mask * X``).

    Arguments
    ---------
    frontend : speechbrain_interp.frontend.SpectralFrontEnd
        The analysis/synthesis front end.
    wave : torch.Tensor
        ``[N]`` recording.
    mask : torch.Tensor
        ``[T, F]`` mask of the whole recording, ``T = N // hop_samples + 1``.
    chunk : int
        Samples synthesised per step; a multiple of ``frontend.hop_samples``.
    base_magnitude : torch.Tensor, optional
        ``[T, F]`` spectrogram the mask applies to instead of ``|X|``.

    Returns
    -------
    torch.Tensor
        ``[N]``.

    Example
    -------
    >>> from speechbrain_interp.frontend import SpectralFrontEnd
    >>> fe = SpectralFrontEnd()
    >>> wave = torch.randn(20000)
    >>> mask = torch.rand(20000 // 186 + 1, 513)
    >>> mag, phase = fe.spectrogram(wave)
    >>> whole = fe.mask_to_wave(mask[None], mag, phase, 20000)[0]
    >>> bool((masked_wave(fe, wave, mask, chunk=186 * 20) - whole).abs().max() < 1e-5)
    True
    """
    wave = _check_wave(wave)
    stft_hop = int(frontend.hop_samples)
    chunk = _positive_int(chunk, "chunk")
    if chunk % stft_hop:
        raise ValueError(f"chunk ({chunk}) must be a multiple of the STFT hop ({stft_hop})")
    n_samples = wave.shape[0]
    n_frames = frontend.n_frames(n_samples)
    if mask.shape != (n_frames, frontend.n_freqs):
        raise ValueError(
            f"mask {tuple(mask.shape)} must cover the recording: ({n_frames}, {frontend.n_freqs})"
        )
    context = math.ceil(frontend.n_fft / stft_hop) * stft_hop
    out = torch.empty_like(wave)
    with torch.no_grad():
        for begin in range(0, n_samples, chunk):
            end = min(n_samples, begin + chunk)
            first, last = max(0, begin - context), min(n_samples, end + context)
            stft = frontend.compute_stft(wave[first:last].unsqueeze(0))  # [1, T_c, F, 2]
            frame = first // stft_hop
            frames = slice(frame, frame + stft.shape[1])
            if base_magnitude is None:
                # mask * |X| e^{j phase} == mask * X: no polar round trip
                masked = stft * mask[frames].unsqueeze(0).unsqueeze(-1)
            else:
                phase = torch.atan2(stft[..., 1], stft[..., 0])
                masked = polar_to_stft(mask[frames] * base_magnitude[frames], phase[0]).unsqueeze(0)
            segment = frontend.compute_istft(masked, sig_length=last - first)
            out[begin:end] = segment[0, begin - first:end - first]
    return out
