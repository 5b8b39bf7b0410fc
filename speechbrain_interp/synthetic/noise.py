"""Procedural multichannel ambient noises: the kinds of the WHAM!-like dataset.

Each kind of :data:`WHAM_KINDS` is a generator of a noise scene;
:func:`synthesize_noise` mixes a shared and per-channel draws of one scene.

Authors
 * speechbrain-interp developers 2026
"""

import numpy as np

from speechbrain_interp.synthetic.signals import (
    _colored_noise,
    _filter,
    _log_uniform,
    _rms,
    _smooth,
    _top,
    _unit,
)

__all__ = ["WHAM_KINDS", "synthesize_noise"]


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
