"""Procedural synthetic sound-event and ambient-noise datasets.

Stand-ins for real corpora in tests, smoke runs and experiments that need
known ground truth:

* :func:`make_esc50_like`: ESC-50 layout. A clip is one event of a class of
  :data:`SOUND_CLASSES` (random onset, length, gain and parameters) plus a
  quiet coloured background noise. The event alone goes to ``sources/``
  (same scaling, so ``clip - source`` is the background) and
  ``meta/synthetic.csv`` says where it lies in time and frequency.
* :func:`make_wham_like`: WHAM! layout (``tr/``, ``cv/``, ``tt/``) of
  multichannel ambient noises (:data:`WHAM_KINDS`) of varying lengths.

Each clip or noise file has its own generator, seeded from ``(seed, class or
split, index)``: same arguments, same bytes, whatever subset or order. Wavs
are 32-bit float. All energy stays below 7.5 kHz, so the content is the same
at 16, 22.05 or 44.1 kHz.

Authors
 * speechbrain-interp developers 2026
"""

import os
import re
import struct

import numpy as np
import pandas as pd
from scipy import signal

__all__ = [
    "SOUND_CLASSES", "WHAM_KINDS", "derive_seed", "make_esc50_like", "make_wham_like",
    "synthesize_clip", "synthesize_event", "synthesize_noise",
]

ESC50_COLUMNS = ["filename", "fold", "target", "category", "esc10", "src_file", "take"]
SYNTHETIC_COLUMNS = [
    "filename", "category", "target", "fold", "onset_s", "offset_s",
    "f_low_hz", "f_high_hz", "event_rms", "background_rms", "seed",
]
_ESC_NAME = re.compile(r"^\d+-\d+-A-\d+\.wav$")
_WHAM_NAME = re.compile(r"^(tr|cv|tt)_\d+_[a-z]+\.wav$")
_WHAM_SPLITS = ("tr", "cv", "tt")


# ---------------------------------------------------------------- helpers
def _log_uniform(rng, low, high, size=None):
    return np.exp(rng.uniform(np.log(low), np.log(high), size))


def _top(sr):
    """Highest frequency any sound uses (same content at any sample rate)."""
    return min(7500.0, 0.45 * sr)


def _rms(x):
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))


def _unit(x):
    return x / (_rms(x) + 1e-12)


def _fade(n, sr, seconds):
    """Envelope ``[n]`` of ones with raised-cosine ramps of ``seconds``."""
    env = np.ones(n)
    k = min(int(seconds * sr), n // 2)
    if k > 0:
        ramp = 0.5 - 0.5 * np.cos(np.pi * (np.arange(k) + 0.5) / k)
        env[:k], env[n - k :] = ramp, ramp[::-1]
    return env


def _sine(freq, sr, rng):
    """Sinusoid of instantaneous frequency ``freq`` ``[n]`` (Hz), random phase."""
    return np.sin(2 * np.pi * np.cumsum(freq) / sr + rng.uniform(0, 2 * np.pi))


def _filter(x, sr, low=None, high=None, order=4):
    """Butterworth band-, high- (``high=None``) or low-pass (``low=None``)."""
    if low and high:
        sos = signal.butter(order, [low, high], "bandpass", fs=sr, output="sos")
    elif low:
        sos = signal.butter(order, low, "highpass", fs=sr, output="sos")
    else:
        sos = signal.butter(order, high, "lowpass", fs=sr, output="sos")
    return signal.sosfilt(sos, x)


def _colored_noise(n, rng, alpha, sr, f_min=20.0):
    """Unit-RMS noise ``[n]`` with power spectrum ``1 / f**alpha``."""
    spec = np.fft.rfft(rng.standard_normal(n))
    spec *= np.maximum(np.fft.rfftfreq(n, 1.0 / sr), f_min) ** (-alpha / 2)
    return _unit(np.fft.irfft(spec, n))


def _smooth(n, sr, rate, rng):
    """Slow random control signal ``[n]``: N(0, 1) knots every ``1/rate`` s."""
    knots = int(n / sr * rate) + 2
    return np.interp(np.arange(n) * (rate / sr), np.arange(knots), rng.standard_normal(knots))


def _starts(n, sr, rate, length, rng, jitter=0.0):
    """Start samples of ``length``-sample events repeating at ``rate`` Hz."""
    period = sr / rate
    times = period * (rng.uniform(0, 0.5) + np.arange(int(n / period) + 1))
    times += jitter * period * rng.uniform(-1, 1, len(times))
    starts = np.round(times).astype(int)
    starts = starts[(starts >= 0) & (starts <= n - length)]
    return starts if len(starts) else np.array([(n - length) // 2])


def _gates(n, sr, starts, length, ramp=0.005):
    """Envelope ``[n]``: flat-top windows of ``length`` samples at ``starts``."""
    env, win = np.zeros(n), _fade(length, sr, ramp)
    for s in starts:
        env[s : s + length] = np.maximum(env[s : s + length], win[: n - s])
    return env


def _write_wav(path, wave, sample_rate):
    """Writes ``[time]`` or ``[channels, time]`` as a 32-bit float wav.

    Same layout as libsndfile's (fmt, fact, data) minus its PEAK chunk, which
    holds the time of writing and so would break byte-identical reruns.
    """
    data = np.ascontiguousarray(np.atleast_2d(wave).T, dtype="<f4")
    (frames, ch), sample_rate = data.shape, int(sample_rate)
    header = struct.pack(
        "<4sI4s4sIHHIIHH4sII4sI", b"RIFF", 48 + data.nbytes, b"WAVE", b"fmt ", 16, 3, ch,
        sample_rate, 4 * ch * sample_rate, 4 * ch, 32, b"fact", 4, frames, b"data", data.nbytes,
    )
    with open(path, "wb") as f:
        f.write(header)
        f.write(memoryview(data))


def derive_seed(seed, *index):
    """Seed of one item, derived from the dataset seed and the item's index.

    Arguments
    ---------
    seed : int
        Dataset seed.
    *index : int
        Position of the item, e.g. ``(target, k)``.

    Returns
    -------
    int
        A 32-bit seed (``numpy.random.SeedSequence`` of all the numbers).

    Example
    -------
    >>> derive_seed(1234, 0, 5) == derive_seed(1234, 0, 5) != derive_seed(1234, 0, 6)
    True
    """
    return int(np.random.SeedSequence([int(seed), *map(int, index)]).generate_state(1)[0])


# ---------------------------------------------------------- sound events
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
    f, rate, depth = float(_log_uniform(rng, 300, 3000)), rng.uniform(4, 12), rng.uniform(0.7, 1.0)
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


def _remove_stale(meta_csv, paths_of_row):
    """Deletes the files a previous run listed in ``meta_csv`` (only those)."""
    if not os.path.isfile(meta_csv):
        return
    try:
        table = pd.read_csv(meta_csv, dtype=str, keep_default_na=False)
    except (ValueError, UnicodeDecodeError):  # not a table we wrote
        return
    if "filename" not in table.columns:
        return
    for row in table.to_dict("records"):
        for path in paths_of_row(row):
            if os.path.isfile(path):
                os.remove(path)


def make_esc50_like(
    out_dir,
    n_classes=10,
    clips_per_class=40,
    clip_seconds=5.0,
    sample_rate=16000,
    n_folds=5,
    background_db=(20.0, 35.0),
    seed=1234,
    n_clips=None,
):
    """Writes an ESC-50-layout dataset of synthetic sound events.

    Files: ``audio/<fold>-<src_id>-A-<target>.wav`` (clip), ``sources/<same
    name>`` (event alone), ``meta/esc50.csv`` (ESC-50's columns; ``esc10``
    True for the first 10 classes) and ``meta/synthetic.csv`` (ground truth,
    same rows). Clip ``k`` of class ``target`` has seed ``derive_seed(seed,
    target, k)``, fold ``k % n_folds + 1`` and src_id ``100000 * (target +
    1) + k``. Files a previous run listed in ``meta/synthetic.csv`` are
    deleted first; nothing else is.

    Arguments
    ---------
    out_dir : str
        Dataset root (created).
    n_classes : int
        Uses the first ``n_classes`` of :data:`SOUND_CLASSES`.
    clips_per_class : int
        Clips per class (every fold has every class when >= ``n_folds``).
    clip_seconds : float
        Clip length in seconds.
    sample_rate : int
        Sample rate in Hz (16000 or more).
    n_folds : int
        Number of folds.
    background_db : float or (float, float) or None
        See :func:`synthesize_clip`.
    seed : int
        Dataset seed.
    n_clips : int, optional
        Total clip count, spread evenly over classes (overrides
        ``clips_per_class``).

    Returns
    -------
    pandas.DataFrame
        The ``meta/synthetic.csv`` table (one row per clip).

    Example
    -------
    >>> root = str(getfixture("tmpdir") / "esc")
    >>> table = make_esc50_like(root, n_classes=3, clips_per_class=2, clip_seconds=0.5, n_folds=2)
    >>> len(table), sorted(os.listdir(os.path.join(root, "meta")))
    (6, ['esc50.csv', 'synthetic.csv'])
    >>> table.loc[0, "filename"]
    '1-100000-A-0.wav'
    """
    if not 1 <= n_classes <= len(SOUND_CLASSES):
        raise ValueError(f"n_classes must be in 1..{len(SOUND_CLASSES)}, got {n_classes}")
    if n_clips is not None:
        counts = [n_clips // n_classes + (t < n_clips % n_classes) for t in range(n_classes)]
    else:
        counts = [int(clips_per_class)] * n_classes
    if max(counts) >= 100000 or n_folds < 1:
        raise ValueError("need n_folds >= 1 and fewer than 100000 clips per class")
    out_dir = str(out_dir)
    dirs = {sub: os.path.join(out_dir, sub) for sub in ("audio", "sources", "meta")}
    _remove_stale(
        os.path.join(dirs["meta"], "synthetic.csv"),
        lambda row: [os.path.join(dirs[d], row["filename"]) for d in ("audio", "sources")]
        if _ESC_NAME.match(row["filename"]) else [],
    )
    for path in dirs.values():
        os.makedirs(path, exist_ok=True)
    n = int(np.floor(float(clip_seconds) * sample_rate + 0.5))
    rows, esc = [], []
    for target, category in enumerate(SOUND_CLASSES[:n_classes]):
        for k in range(counts[target]):
            clip_seed = derive_seed(seed, target, k)
            fold, src_id = k % n_folds + 1, 100000 * (target + 1) + k
            name = f"{fold}-{src_id}-A-{target}.wav"
            mix, src, info = synthesize_clip(
                category, n, sample_rate, np.random.default_rng(clip_seed), background_db
            )
            _write_wav(os.path.join(dirs["audio"], name), mix, sample_rate)
            _write_wav(os.path.join(dirs["sources"], name), src, sample_rate)
            info.update(filename=name, target=target, fold=fold, seed=clip_seed)
            rows.append({c: info[c] for c in SYNTHETIC_COLUMNS})
            esc.append([name, fold, target, category, target < 10, src_id, "A"])
    esc = pd.DataFrame(esc, columns=ESC50_COLUMNS).sort_values("filename", kind="stable")
    table = pd.DataFrame(rows, columns=SYNTHETIC_COLUMNS).loc[esc.index]
    esc.to_csv(os.path.join(dirs["meta"], "esc50.csv"), index=False)
    table.to_csv(os.path.join(dirs["meta"], "synthetic.csv"), index=False)
    return table.reset_index(drop=True)


# ------------------------------------------------------- ambient noises
# Each takes (n, sr, p, r): parameters are drawn from ``p`` only, so that
# realisations with the same ``p`` seed and different ``r`` seeds are
# independent draws of the same scene (used for the channels).
def _babble(n, sr, p, r, talkers=None):
    out = np.zeros(n)
    for f0 in _log_uniform(p, 90, 240, talkers or int(p.integers(4, 9))):
        pitch = f0 * 2 ** (0.2 * _smooth(n, sr, 3, r))  # drifting f0
        saw = 2 * ((np.cumsum(pitch) / sr + r.uniform()) % 1) - 1  # harmonics 1/k
        out += saw * np.maximum(_smooth(n, sr, 5, r) + 0.3, 0) ** 1.5  # syllables
    return _filter(out, sr, 150, min(3400, _top(sr)), order=2)


def _cafe(n, sr, p, r):
    x = _unit(_babble(n, sr, p, r, talkers=int(p.integers(6, 11))))
    length = min(n, int(0.4 * sr))
    t = np.arange(length) / sr
    for s in r.integers(0, n - length + 1, r.poisson(p.uniform(0.2, 1.0) * n / sr)):
        f, tau = r.uniform(2000, 4000), r.uniform(0.05, 0.15)
        for m in (1.0, 2.76, 5.40):  # modes of a struck bar: a clink
            if f * m < _top(sr):
                ring = np.sin(2 * np.pi * f * m * t + r.uniform(0, 2 * np.pi))
                x[s : s + length] += np.exp(-t * m / tau) * ring
    return x


def _hum(n, sr, p, r):
    mains, k = p.choice([50.0, 60.0]) * p.uniform(0.998, 1.002), np.arange(1, 9)
    amps, phases = p.uniform(0.2, 1.0, 8) * k**-0.7, p.uniform(0, 2 * np.pi, 8)
    t = np.arange(n) / sr
    x = sum(a * np.sin(2 * np.pi * mains * kk * t + ph) for a, kk, ph in zip(amps, k, phases))
    return _unit(x) + 0.1 * _colored_noise(n, r, 1.0, sr)


def _rain(n, sr, p, r):
    drops = np.zeros(n)
    count = r.poisson(p.uniform(300, 3000) * n / sr)
    np.add.at(drops, r.integers(0, n, count), r.exponential(1.0, count) ** 2)
    x = _filter(drops, sr, p.uniform(400, 1500), min(p.uniform(4000, 7000), _top(sr)), order=2)
    return _unit(x) + 0.3 * _colored_noise(n, r, 1.0, sr)


def _wind(n, sr, p, r):
    x = _filter(r.standard_normal(n), sr, high=p.uniform(150, 600), order=2)
    return x * np.exp(p.uniform(0.4, 0.9) * _smooth(n, sr, p.uniform(0.2, 1.0), r))


_NOISES = {
    "babble": _babble,
    "cafe": _cafe,
    "hum": _hum,
    "pink": lambda n, sr, p, r: _colored_noise(n, r, 1.0, sr),
    "brown": lambda n, sr, p, r: _colored_noise(n, r, 2.0, sr),
    "rain": _rain,
    "wind": _wind,
}
#: kinds of ambient noise written by :func:`make_wham_like`, in turn
WHAM_KINDS = tuple(_NOISES)


def synthesize_noise(kind, n_samples, sample_rate, rng, channels=2, level_db=(-35.0, -20.0)):
    """Draws a multichannel ambient noise.

    Each channel mixes a component shared by all channels with its own draw
    of the same scene (random coherence 0.3-0.8) and gets a random +-2 dB.

    Arguments
    ---------
    kind : str
        One of :data:`WHAM_KINDS`.
    n_samples, sample_rate, rng
        Length, rate in Hz, source of randomness.
    channels : int
        Number of channels.
    level_db : (float, float)
        Range of the overall RMS level in dBFS (peak kept below 0.99).

    Returns
    -------
    numpy.ndarray
        ``[channels, n_samples]`` float32.

    Example
    -------
    >>> noise = synthesize_noise("rain", 8000, 16000, np.random.default_rng(0))
    >>> noise.shape, noise.dtype
    ((2, 8000), dtype('float32'))
    >>> bool(abs(np.corrcoef(noise)[0, 1]) < 0.99)
    True
    """
    if kind not in _NOISES:
        raise ValueError(f"unknown noise kind {kind!r}; choose from {WHAM_KINDS}")
    n = int(n_samples)
    param_seed, common_seed, *own_seeds = rng.integers(0, 2**63, int(channels) + 2)

    def draw(noise_seed):
        p, r = np.random.default_rng(param_seed), np.random.default_rng(noise_seed)
        return _unit(_NOISES[kind](n, sample_rate, p, r))

    x = draw(common_seed)[None]
    if channels > 1:
        coherence = rng.uniform(0.3, 0.8)
        own = np.stack([draw(s) for s in own_seeds])
        x = np.sqrt(coherence) * x + np.sqrt(1 - coherence) * own
        x *= 10 ** (rng.uniform(-2, 2, (channels, 1)) / 20)
    x *= 10 ** (rng.uniform(*level_db) / 20) / (_rms(x) + 1e-12)
    return (x * min(1.0, 0.99 / (np.abs(x).max() + 1e-12))).astype(np.float32)


def make_wham_like(
    out_dir,
    n_files=None,
    seconds=(3.0, 12.0),
    sample_rate=16000,
    channels=2,
    seed=4321,
):
    """Writes a WHAM!-layout folder of synthetic ambient noises.

    Files ``<split>/<split>_<index>_<kind>.wav`` (splits tr, cv, tt = 0, 1,
    2; kinds cycle through :data:`WHAM_KINDS`; seed ``derive_seed(seed,
    split, index)``), listed in ``metadata/synthetic_noise.csv``. The files a
    previous run listed there are deleted first; nothing else is.

    Arguments
    ---------
    out_dir : str
        Folder to write (created).
    n_files : dict or int, optional
        Files per split; an int ``k`` means ``{"tr": k, "cv": max(1, k // 4),
        "tt": max(1, k // 4)}``; default ``{"tr": 20, "cv": 5, "tt": 5}``.
    seconds : (float, float)
        Range of file lengths in seconds (uniform).
    sample_rate, channels, seed : int
        Sample rate in Hz, channels per file (WHAM! has 2), dataset seed.

    Returns
    -------
    list of str
        Paths of the written wavs.

    Example
    -------
    >>> root = str(getfixture("tmpdir") / "wham")
    >>> paths = make_wham_like(root, n_files=2, seconds=(0.5, 1.0))
    >>> [os.path.relpath(p, root) for p in paths]  # doctest: +NORMALIZE_WHITESPACE
    ['tr/tr_0000_babble.wav', 'tr/tr_0001_cafe.wav', 'cv/cv_0000_babble.wav',
     'tt/tt_0000_babble.wav']
    """
    if n_files is None:
        n_files = {"tr": 20, "cv": 5, "tt": 5}
    elif not isinstance(n_files, dict):
        quarter = max(1, int(n_files) // 4)
        n_files = {"tr": int(n_files), "cv": quarter, "tt": quarter}
    out_dir = str(out_dir)
    meta = os.path.join(out_dir, "metadata", "synthetic_noise.csv")
    _remove_stale(
        meta,
        lambda row: [os.path.join(out_dir, row.get("split", ""), row["filename"])]
        if row.get("split") in _WHAM_SPLITS and _WHAM_NAME.match(row["filename"]) else [],
    )
    os.makedirs(os.path.dirname(meta), exist_ok=True)
    paths, rows = [], []
    for s, split in enumerate(_WHAM_SPLITS):
        os.makedirs(os.path.join(out_dir, split), exist_ok=True)
        for i in range(int(n_files.get(split, 0))):
            file_seed, kind = derive_seed(seed, s, i), WHAM_KINDS[i % len(WHAM_KINDS)]
            rng = np.random.default_rng(file_seed)
            n = max(1, int(round(rng.uniform(*seconds) * sample_rate)))
            wave = synthesize_noise(kind, n, sample_rate, rng, channels)
            name = f"{split}_{i:04d}_{kind}.wav"
            paths.append(os.path.join(out_dir, split, name))
            _write_wav(paths[-1], wave, sample_rate)
            rows.append([split, name, kind, n / sample_rate, sample_rate, channels, file_seed])
    columns = ["split", "filename", "kind", "seconds", "sample_rate", "channels", "seed"]
    pd.DataFrame(rows, columns=columns).to_csv(meta, index=False)
    return paths
