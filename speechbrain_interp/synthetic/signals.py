"""Shared signal helpers of the synthetic datasets: seeds, DSP and wav output.

Private building blocks of :mod:`~speechbrain_interp.synthetic.events`,
:mod:`~speechbrain_interp.synthetic.noise` and
:mod:`~speechbrain_interp.synthetic.layouts`: random draws, envelopes,
filters, coloured noise, the per-item seed (:func:`derive_seed`) and a
byte-reproducible 32-bit float wav writer.

Authors
 * speechbrain-interp developers 2026
"""

import struct

import numpy as np
from scipy import signal

__all__ = ["derive_seed"]


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
