"""Procedural sound events: the classes of the ESC-50-like dataset.

Each class of :data:`SOUND_CLASSES` is a generator of one event with random
parameters (:func:`synthesize_event`); :func:`synthesize_clip` places one at
a random onset over a quiet coloured background noise.

Authors
 * speechbrain-interp developers 2026
"""

import numpy as np

from speechbrain_interp.synthetic.signals import (
    _colored_noise,
    _fade,
    _filter,
    _gates,
    _log_uniform,
    _rms,
    _sine,
    _smooth,
    _starts,
    _top,
)

__all__ = ["SOUND_CLASSES", "synthesize_clip", "synthesize_event"]


# Each returns (wave [n], f_low_hz, f_high_hz, params).
def _tone_margin(freq):
    return np.maximum(40.0, 0.03 * freq)


def _pure_tone(n, sr, rng):
    f = float(_log_uniform(rng, 300, 3000))
    x = _sine(np.full(n, f), sr, rng) * _fade(n, sr, rng.uniform(0.01, 0.05))
    return x, f - _tone_margin(f), f + _tone_margin(f), {"freq_hz": f}


def _chirp(n, sr, rng, up):
    lo = float(_log_uniform(rng, 200, 800))
    hi = min(lo * float(_log_uniform(rng, 3, 8)), _top(sr))
    pos = np.linspace(0.0, 1.0, n)
    x = _sine(lo * (hi / lo) ** (pos if up else 1 - pos), sr, rng)
    start, end = (lo, hi) if up else (hi, lo)
    return x, 0.95 * lo, 1.05 * hi, {"start_hz": start, "end_hz": end}


def _click_train(n, sr, rng):
    rate = rng.uniform(5, 40)
    starts = _starts(n, sr, rate, 1, rng, jitter=0.03)
    x = np.zeros(n)
    x[starts] = rng.uniform(0.7, 1.0, len(starts))
    lo, hi = float(_log_uniform(rng, 150, 600)), float(_log_uniform(rng, 2500, _top(sr)))
    return _filter(x, sr, lo, hi, order=2), lo / 1.5, hi * 1.5, {"rate_hz": rate}


def _noise_burst(n, sr, rng):
    centre, width = float(_log_uniform(rng, 500, 4000)), 2 ** (rng.uniform(0.5, 1.0) / 2)
    lo, hi = centre / width, min(centre * width, _top(sr))
    burst_s = rng.uniform(0.04, 0.2)
    length = min(n, max(2, int(burst_s * sr)))
    starts = _starts(n, sr, rng.uniform(1.5, min(5.0, 0.5 / burst_s)), length, rng, 0.2)
    x = _filter(rng.standard_normal(n), sr, lo, hi) * _gates(n, sr, starts, length)
    return x, lo / 1.15, hi * 1.15, {"burst_s": burst_s, "n_bursts": len(starts)}


def _harmonic_stack(n, sr, rng):
    f0 = float(_log_uniform(rng, 100, 400))
    count = int(min(20, _top(sr) // f0))
    t = np.arange(n) / sr
    x = np.zeros(n)
    for k, amp in enumerate(np.arange(1, count + 1) ** -rng.uniform(0.7, 1.5), start=1):
        x += amp * np.sin(2 * np.pi * k * f0 * t + rng.uniform(0, 2 * np.pi))
    x *= _fade(n, sr, rng.uniform(0.01, 0.05))
    return x, 0.9 * f0, 1.03 * count * f0, {"f0_hz": f0, "n_harmonics": count}


def _am_tone(n, sr, rng):
    # slow, deep modulation: a CNN14 halves its time resolution per block, so
    # periods of several frames (>= 166 ms) keep the envelope visible deep in it
    f, rate, depth = float(_log_uniform(rng, 300, 3000)), rng.uniform(2, 6), rng.uniform(0.85, 1.0)
    phase = 2 * np.pi * rate * np.arange(n) / sr + rng.uniform(0, 2 * np.pi)
    x = _sine(np.full(n, f), sr, rng) * (1 - depth * (0.5 + 0.5 * np.sin(phase)))
    m = _tone_margin(f) + rate
    return x, f - m, f + m, {"freq_hz": f, "rate_hz": rate, "depth": depth}


def _fm_vibrato(n, sr, rng):
    f, rate = float(_log_uniform(rng, 500, 3000)), rng.uniform(3, 8)
    dev = max(rng.uniform(0.07, 0.15) * f, 100.0)
    phase = 2 * np.pi * rate * np.arange(n) / sr + rng.uniform(0, 2 * np.pi)
    m = dev + _tone_margin(f)
    x = _sine(f + dev * np.sin(phase), sr, rng)
    return x, f - m, f + m, {"freq_hz": f, "rate_hz": rate, "deviation_hz": dev}


def _low_rumble(n, sr, rng):
    cutoff = rng.uniform(100, 300)
    x = _filter(rng.standard_normal(n), sr, high=cutoff)
    x *= 1 + 0.3 * np.tanh(_smooth(n, sr, 2, rng))  # slow swell
    return x, 0.0, 1.3 * cutoff, {"cutoff_hz": cutoff}


def _hiss(n, sr, rng):
    lo, hi = min(rng.uniform(4000, 5000), 0.7 * _top(sr)), _top(sr)
    x = _filter(rng.standard_normal(n), sr, lo, hi)
    return x, lo / 1.15, min(1.15 * hi, sr / 2), {"cutoff_hz": lo}


def _beeps(n, sr, rng):
    f, pip_s = float(_log_uniform(rng, 600, 4000)), rng.uniform(0.04, 0.12)
    length = min(n, max(2, int(pip_s * sr)))
    starts = _starts(n, sr, rng.uniform(1.2, 3.5), length, rng)
    x = _sine(np.full(n, f), sr, rng) * _gates(n, sr, starts, length, ramp=0.01)
    m = max(60.0, 0.05 * f)
    return x, f - m, f + m, {"freq_hz": f, "pip_s": pip_s, "n_pips": len(starts)}


def _drips(n, sr, rng):
    tau, glide = rng.uniform(0.015, 0.04), rng.uniform(1.1, 1.4)
    length = min(n, int(5 * tau * sr))
    count = max(1, rng.poisson(rng.uniform(2, 8) * n / sr))
    freqs = _log_uniform(rng, 800, 3500, count)
    t = np.arange(length) / sr
    env = np.exp(-t / tau) * np.where(t < 0.002, 0.5 - 0.5 * np.cos(np.pi * t / 0.002), 1.0)
    rise = 1 + (glide - 1) * (1 - np.exp(-t / tau))  # pitch rises as the drop rings
    x = np.zeros(n)
    for s, f, a in zip(rng.integers(0, n - length + 1, count), freqs, rng.uniform(0.5, 1, count)):
        x[s : s + length] += a * env * _sine(f * rise, sr, rng)
    return x, 0.85 * freqs.min(), 1.1 * glide * freqs.max(), {"n_drips": count}


_EVENTS = {
    "pure_tone": _pure_tone,
    "chirp_up": lambda n, sr, rng: _chirp(n, sr, rng, up=True),
    "chirp_down": lambda n, sr, rng: _chirp(n, sr, rng, up=False),
    "click_train": _click_train,
    "noise_burst": _noise_burst,
    "harmonic_stack": _harmonic_stack,
    "am_tone": _am_tone,
    "fm_vibrato": _fm_vibrato,
    "low_rumble": _low_rumble,
    "hiss": _hiss,
    "beeps": _beeps,
    "drips": _drips,
}
#: ordered class names; ``target`` is the index, ``n_classes`` takes a prefix
SOUND_CLASSES = tuple(_EVENTS)


def synthesize_event(category, n_samples, sample_rate, rng):
    """Draws one sound event of a class, with random parameters.

    Arguments
    ---------
    category : str
        One of :data:`SOUND_CLASSES`.
    n_samples : int
        Length of the event (>= 2).
    sample_rate : int
        Sample rate in Hz.
    rng : numpy.random.Generator
        The only source of randomness.

    Returns
    -------
    event : numpy.ndarray
        ``[n_samples]`` float64, peak 1, with 5 ms fades at both ends.
    info : dict
        ``category``, ``f_low_hz``, ``f_high_hz`` (approximate band holding
        the event's energy) and the class's drawn parameters.

    Example
    -------
    >>> rng = np.random.default_rng(0)
    >>> event, info = synthesize_event("chirp_up", 8000, 16000, rng)
    >>> event.shape, float(abs(event).max())
    ((8000,), 1.0)
    >>> info["start_hz"] < info["end_hz"] and info["f_low_hz"] < info["f_high_hz"]
    True
    """
    if category not in _EVENTS:
        raise ValueError(f"unknown sound class {category!r}; choose from {SOUND_CLASSES}")
    n = int(n_samples)
    if n < 2:
        raise ValueError(f"an event needs at least 2 samples, got {n}")
    x, f_low, f_high, params = _EVENTS[category](n, sample_rate, rng)
    x = x * _fade(n, sample_rate, 0.005)
    peak = np.abs(x).max()
    info = {
        "category": category,
        "f_low_hz": max(0.0, float(f_low)),
        "f_high_hz": min(float(f_high), sample_rate / 2),
        **{k: (float(v) if isinstance(v, float) else v) for k, v in params.items()},
    }
    return (x / peak if peak > 0 else x), info


def synthesize_clip(
    category,
    n_samples,
    sample_rate,
    rng,
    background_db=(20.0, 35.0),
    event_fraction=(0.3, 0.9),
    peak_db=(-20.0, -3.0),
):
    """Draws a clip: one event at a random onset plus quiet background noise.

    Arguments
    ---------
    category, n_samples, sample_rate, rng
        As in :func:`synthesize_event` (``n_samples``: clip length). With
        ``rng = numpy.random.default_rng(row.seed)`` and the same settings,
        this regenerates a clip of :func:`make_esc50_like`.
    background_db : float or (float, float) or None
        Background level in dB below the event's RMS (taken over the event's
        interval), fixed or drawn uniformly; None: no background.
    event_fraction : (float, float)
        Range of the event length as a fraction of the clip.
    peak_db : (float, float)
        Range of the event's peak level in dBFS.

    Returns
    -------
    mixture : numpy.ndarray
        ``[n_samples]`` float32, ``source + background`` (float32 sum).
    source : numpy.ndarray
        ``[n_samples]`` float32, the event alone, zero outside its interval.
    info : dict
        :func:`synthesize_event`'s info plus ``onset_s``, ``offset_s``,
        ``event_rms``, ``background_rms`` and ``background_db``.

    Example
    -------
    >>> mix, src, info = synthesize_clip("beeps", 16000, 16000, np.random.default_rng(1))
    >>> mix.shape, mix.dtype
    ((16000,), dtype('float32'))
    >>> 20 <= info["background_db"] <= 35
    True
    >>> start, stop = round(info["onset_s"] * 16000), round(info["offset_s"] * 16000)
    >>> float(abs(src[:start]).sum() + abs(src[stop:]).sum()), bool(abs(src).max() > 0)
    (0.0, True)
    """
    n = int(n_samples)
    length = min(n, max(2, int(round(rng.uniform(*event_fraction) * n))))
    onset = int(rng.integers(0, n - length + 1))
    event, info = synthesize_event(category, length, sample_rate, rng)
    source = np.zeros(n, dtype=np.float32)
    source[onset : onset + length] = event * 10 ** (rng.uniform(*peak_db) / 20)
    event_rms = _rms(source[onset : onset + length])
    background = np.zeros(n, dtype=np.float32)
    db = None
    if background_db is not None:
        low, high = np.broadcast_to(np.asarray(background_db, dtype=float), (2,))
        db = float(rng.uniform(low, high))
        noise = _colored_noise(n, rng, rng.uniform(0.0, 1.5), sample_rate)
        background[:] = noise * (event_rms * 10 ** (-db / 20))
    info.update(
        onset_s=onset / sample_rate,
        offset_s=(onset + length) / sample_rate,
        event_rms=event_rms,
        background_rms=_rms(background),
        background_db=db,
    )
    return source + background, source, info
