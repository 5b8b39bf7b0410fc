"""Procedural speech-like utterances and an LJSpeech-layout writer.

:func:`synthesize_utterance` draws a sequence of syllables from a
source-filter model: a band-limited glottal pulse train (all harmonics of a
100-240 Hz pitch contour up to 90 % of the top frequency, -6 dB/octave)
through a cascade of 3 formant resonators that move from a consonant locus
to a vowel target in every syllable, plus fricative and plosive noise
bursts and pauses between words. It is not speech (no language, no
intelligibility) but has its statistics where a classifier looks: a
harmonic spectrum with moving formants, ~4 syllables per second,
amplitude envelopes, silences. :func:`make_ljspeech_like` writes such
utterances in LJSpeech-1.1's layout, so that code for the real dataset can
be run without it.

The plan of an utterance (times, vowels, pitch, gains) is drawn first and
in seconds, so it is the same at every sample rate; only the noise
realisations differ. All energy stays below 7.5 kHz (spectral taper at the
end), as in the rest of :mod:`speechbrain_interp.synthetic`.

Authors
 * speechbrain-interp developers 2026
"""

import os
import re
import struct

import numpy as np
import pandas as pd
from scipy import signal

from speechbrain_interp.synthetic.layouts import _remove_stale
from speechbrain_interp.synthetic.signals import _fade, _filter, _log_uniform, _top, derive_seed

__all__ = ["CONSONANTS", "VOWELS", "make_ljspeech_like", "synthesize_utterance"]

#: (F1, F2, F3) in Hz of adult male vowels (Peterson & Barney 1952) and spelling
VOWELS = {
    "i": ((270, 2290, 3010), "ee"), "ih": ((390, 1990, 2550), "i"),
    "e": ((530, 1840, 2480), "e"), "ae": ((660, 1720, 2410), "a"),
    "aa": ((730, 1090, 2440), "o"), "ao": ((570, 840, 2410), "aw"),
    "uh": ((440, 1020, 2240), "oo"), "u": ((300, 870, 2240), "u"),
    "ah": ((640, 1190, 2390), "uh"), "er": ((490, 1350, 1690), "er"),
}
#: syllable onsets: kind, then (low, high) noise band in Hz (fricatives,
#: plosives) or (F1, F2, F3) (voiced sonorants), then the noise level
CONSONANTS = {
    "s": ("fricative", (3800, 6800), 0.30), "sh": ("fricative", (2000, 4500), 0.35),
    "f": ("fricative", (1200, 6500), 0.10), "th": ("fricative", (1500, 6500), 0.08),
    "h": ("fricative", (400, 3500), 0.12), "p": ("plosive", (400, 2500), 0.45),
    "t": ("plosive", (2500, 6000), 0.50), "k": ("plosive", (1500, 3500), 0.50),
    "m": ("sonorant", (250, 1000, 2200), 0.35), "n": ("sonorant", (250, 1700, 2600), 0.35),
    "l": ("sonorant", (350, 1100, 2700), 0.45), "r": ("sonorant", (350, 1100, 1500), 0.45),
    "w": ("sonorant", (300, 700, 2200), 0.40),
}
_NEUTRAL = np.array([500.0, 1500.0, 2500.0])  # schwa: where the articulators rest
#: fixed 4th and 5th formants and bandwidths, Hz (Klatt's higher-pole correction)
_HIGH_FORMANTS = np.array([[3500.0, 250.0], [4500.0, 300.0]])
_KINDS = ("none", "fricative", "plosive", "sonorant")
_BLOCK_S = 0.005  # formant update period (as in Klatt's synthesiser)
_TAIL_S = 0.03  # resonator ring-out kept after a voiced segment
_FLOOR_DBFS = -70.0  # faint band-limited noise floor, RMS
_PEAK = 0.5
_LJ_NAME = re.compile(r"^LJ\d{3}-\d{4}\.wav$")


def _ramp(k):
    """Raised-cosine rise ``[k]`` from ~0 to ~1."""
    return 0.5 - 0.5 * np.cos(np.pi * (np.arange(k) + 0.5) / max(k, 1))


def _draw_voice(rng):
    return {
        "f0_hz": float(_log_uniform(rng, 115, 170)),
        "formant_scale": float(rng.uniform(0.95, 1.1)),
        "bandwidths_hz": [float(rng.uniform(*b)) for b in ((60, 90), (80, 120), (120, 180))],
    }


def _draw_syllable(rng, start, stressed):
    kind = _KINDS[rng.choice(4, p=(0.2, 0.35, 0.25, 0.2))]
    names = [c for c, v in CONSONANTS.items() if v[0] == kind]
    onset = str(names[rng.integers(len(names))]) if names else ""
    vowel = list(VOWELS)[rng.integers(len(VOWELS))]
    noise_s = {"fricative": rng.uniform(0.06, 0.12), "plosive": rng.uniform(0.04, 0.09)}
    closure = rng.uniform(0.02, 0.04) if kind == "plosive" else 0.0
    voiced_start = start + noise_s.get(kind, 0.0)
    nucleus = rng.uniform(0.07, 0.14) * (1.25 if stressed else 1.0)
    sonorant = rng.uniform(0.04, 0.07) if kind == "sonorant" else 0.0
    return {
        "start_s": start, "closure_s": closure, "voiced_start_s": voiced_start,
        "end_s": voiced_start + sonorant + nucleus, "onset": onset, "kind": kind,
        "vowel": vowel, "sonorant_s": sonorant, "stressed": bool(stressed),
        "gain": 1.0 if stressed else rng.uniform(0.45, 0.8),
        "accent": rng.uniform(0.06, 0.18) if stressed else rng.uniform(0.0, 0.04),
        "attack_s": rng.uniform(0.02, 0.035), "release_s": rng.uniform(0.04, 0.07),
        "locus_mix": rng.uniform(0.2, 0.6), "transition_s": rng.uniform(0.03, 0.06),
        "phase": rng.uniform(0, 2 * np.pi),
    }


def _plan(duration, rng):
    """Syllables (dicts, times in s), words (lists of syllables), the text."""
    lead = min(rng.uniform(0.08, 0.2), 0.15 * duration)
    end = duration - min(rng.uniform(0.08, 0.2), 0.15 * duration)
    t, words, breaks, tries = lead, [], [], 0
    while tries < 2:
        n_syl = 1 + int(rng.choice(4, p=(0.3, 0.35, 0.23, 0.12))) if tries == 0 else 1
        stressed, word, cursor = rng.integers(n_syl), [], t
        for j in range(n_syl):
            word.append(_draw_syllable(rng, cursor, j == stressed))
            cursor = word[-1]["end_s"] + rng.uniform(0.0, 0.02)
        if word[-1]["end_s"] > end:
            tries += 1
            continue
        tries, phrase_break = 0, rng.uniform() < 0.15
        words.append(word)
        breaks.append(phrase_break)
        t = cursor + (rng.uniform(0.2, 0.4) if phrase_break else rng.uniform(0.03, 0.12))
    if not words:  # too short for a drawn syllable: one vowel filling the time
        syl = _draw_syllable(rng, lead, True)
        syl.update(kind="none", onset="", sonorant_s=0.0, voiced_start_s=lead, end_s=end)
        words, breaks = [[syl]], [False]
    spelled = ["".join(s["onset"] + VOWELS[s["vowel"]][1] for s in w) for w in words]
    quoted = rng.integers(len(spelled)) if rng.uniform() < 0.3 else -1
    text = ""
    for i, (word, brk) in enumerate(zip(spelled, breaks)):
        text += f'"{word}"' if i == quoted else word
        text += "," if brk and i < len(spelled) - 1 else ""
        text += " " if i < len(spelled) - 1 else "."
    return [s for w in words for s in w], words, text[0].upper() + text[1:]


def _resonator_sos(formants, bandwidths, sr):
    """``[..., n, 6]`` sections of ``n`` Klatt resonators (unity gain at 0 Hz)."""
    c = np.broadcast_to(-np.exp(-2 * np.pi * np.asarray(bandwidths) / sr), formants.shape)
    b = 2 * np.exp(-np.pi * bandwidths / sr) * np.cos(2 * np.pi * formants / sr)
    a0 = 1 - b - c
    zeros = np.zeros_like(formants)
    return np.stack([a0, zeros, zeros, np.ones_like(formants), -b, -c], axis=-1)


def _voiced(syl, voice, pitch, sr, top, tail):
    """One voiced segment, resonated, unit RMS before its tail: ``[m + tail]``."""
    a, b = int(round(syl["voiced_start_s"] * sr)), int(round(syl["end_s"] * sr))
    m = b - a
    t = np.arange(a, b) / sr
    pos = (t - syl["voiced_start_s"]) / (syl["end_s"] - syl["voiced_start_s"])
    bump = syl["accent"] * np.sin(np.pi * np.clip(pos, 0, 1)) ** 2
    f0 = np.clip(pitch(t) * (1 + bump), 90.0, 240.0)
    theta = (2 * np.pi * np.cumsum(f0) / sr + syl["phase"]) % (2 * np.pi)
    k = max(1, int(0.9 * top / f0.max()))  # highest harmonic below 0.9 * top
    half = np.sin(theta / 2)
    safe = np.where(np.abs(half) > 1e-9, half, 1.0)
    blit = np.where(np.abs(half) > 1e-9, np.sin((k + 0.5) * theta) / (2 * safe) - 0.5, k) / k
    source = signal.lfilter([1.0], [1.0, -np.exp(-2 * np.pi * 30.0 / sr)], blit)  # -6 dB/oct
    env = np.ones(m)
    rise, fall = min(int(syl["attack_s"] * sr), m // 2), min(int(syl["release_s"] * sr), m // 2)
    env[:rise] = _ramp(rise)
    env[m - fall :] = _ramp(fall)[::-1]
    son = syl["sonorant_s"]
    if son > 0:  # quieter sonorant onset, then a smooth rise to the vowel level
        x = np.clip((t - syl["voiced_start_s"] - son) / 0.03, 0, 1)
        env *= CONSONANTS[syl["onset"]][2] + (1 - CONSONANTS[syl["onset"]][2]) * (
            0.5 - 0.5 * np.cos(np.pi * x))
    excitation = np.concatenate([source * env, np.zeros(tail)])
    # formant tracks at the block centres: locus -> vowel target -> towards schwa
    block = max(1, int(round(_BLOCK_S * sr)))
    centres = (np.arange(0, m + tail, block) + block / 2) / sr
    vowel = np.asarray(VOWELS[syl["vowel"]][0], dtype=float)
    if syl["kind"] == "sonorant":
        start = np.asarray(CONSONANTS[syl["onset"]][1], dtype=float)
    else:
        start = _NEUTRAL + syl["locus_mix"] * (vowel - _NEUTRAL)
    x = np.clip((centres - son) / syl["transition_s"], 0, 1)[:, None]
    track = start + (vowel - start) * (0.5 - 0.5 * np.cos(np.pi * x))
    duration = m / sr
    late = np.clip((centres / duration - 0.7) / 0.3, 0, 1)[:, None]
    track += 0.3 * late * (_NEUTRAL - track)
    formants = np.concatenate(
        [track, np.broadcast_to(_HIGH_FORMANTS[:, 0], (len(track), 2))], axis=1)
    formants = np.minimum(formants * voice["formant_scale"], 0.8 * top)
    widths = np.concatenate([voice["bandwidths_hz"], _HIGH_FORMANTS[:, 1]])
    sos = _resonator_sos(formants, widths, sr)
    out, zi = np.empty_like(excitation), np.zeros((len(widths), 2))
    for i, s in enumerate(range(0, m + tail, block)):
        out[s : s + block], zi = signal.sosfilt(sos[i], excitation[s : s + block], zi=zi)
    return a, out / (np.sqrt(np.mean(out[:m] ** 2)) + 1e-12)


def _unvoiced(syl, sr, top, rng):
    """Noise of a fricative or plosive onset: ``(first sample, [length])``."""
    kind, (low, high), level = CONSONANTS[syl["onset"]]
    high = min(high, 0.9 * top)
    low = min(low, 0.5 * high)  # low sample rates: keep a band
    a = int(round((syl["start_s"] + syl["closure_s"]) * sr))
    n = int(round(syl["voiced_start_s"] * sr)) - a
    if n < 4:
        return a, np.zeros(max(n, 0))
    noise = _filter(rng.standard_normal(n + 64), sr, low, high)[64:]
    if kind == "fricative":
        env = _fade(n, sr, 0.02)
    else:  # burst, then a decaying aspiration at a tenth of its level
        t = np.arange(n) / sr
        env = np.exp(-t / 0.006) + 0.1 * _fade(n, sr, 0.01) * (t > 0.005)
        env *= _fade(n, sr, 0.001)
    noise *= env
    return a, level * noise / (np.sqrt(np.mean(noise**2)) + 1e-12)


def synthesize_utterance(sample_rate, duration_s, rng=0, voice=None, return_info=False):
    """Draws a speech-like utterance: syllables, noise bursts and pauses.

    Arguments
    ---------
    sample_rate : int
        Sample rate in Hz (16000 or more keeps all the content).
    duration_s : float
        Length in seconds (>= 0.25); leading and trailing silences included.
    rng : numpy.random.Generator or int
        Source of randomness, or a seed.
    voice : dict, optional
        ``{"f0_hz", "formant_scale", "bandwidths_hz"}`` of the speaker (as in
        the returned info); drawn from ``rng`` when None. One voice for many
        utterances makes a single-speaker dataset.
    return_info : bool
        Also return the plan.

    Returns
    -------
    wave : numpy.ndarray
        ``[round(duration_s * sample_rate)]`` float32, peak 0.5.
    info : dict
        Only with ``return_info``: ``voice``, ``text``, ``syllables``
        (dicts: ``start_s``, ``voiced_start_s``, ``end_s``, ``onset``,
        ``kind``, ``vowel``, ``stressed``, ...) and ``voiced`` (list of
        ``(start_s, end_s)`` intervals of the vowel nuclei and sonorants).

    Example
    -------
    >>> wave, info = synthesize_utterance(16000, 2.0, rng=3, return_info=True)
    >>> wave.shape, wave.dtype, float(abs(wave).max())
    ((32000,), dtype('float32'), 0.5)
    >>> 4 <= len(info["syllables"]) <= 12, info["text"].endswith(".")
    (True, True)
    >>> bool((synthesize_utterance(16000, 2.0, rng=3) == wave).all())
    True
    """
    sr, duration = int(sample_rate), float(duration_s)
    if duration < 0.25:
        raise ValueError(f"an utterance needs at least 0.25 s, got {duration_s}")
    if not isinstance(rng, np.random.Generator):
        rng = np.random.default_rng(int(rng))
    voice = _draw_voice(rng) if voice is None else voice
    noise_rng = np.random.default_rng(int(rng.integers(2**63)))
    # everything below is drawn in seconds: same plan at every sample rate
    syllables, _, text = _plan(duration, rng)
    base = voice["f0_hz"] * 2 ** rng.uniform(-0.1, 0.1)
    knots = rng.standard_normal(int(duration * 20) + 2)

    def pitch(t):  # declination from +8 % to -10 %, 2 % slow jitter
        drift = np.interp(t * 20, np.arange(len(knots)), knots)
        return base * (1.08 - 0.18 * t / duration) * (1 + 0.02 * drift)

    n, top = int(round(duration * sr)), _top(sr)
    tail = int(round(_TAIL_S * sr))
    out = np.zeros(n + tail)
    for syl in syllables:
        level = syl["gain"] * (1 - 0.3 * syl["start_s"] / duration)
        if syl["kind"] in ("fricative", "plosive"):
            a, noise = _unvoiced(syl, sr, top, noise_rng)
            out[a : a + len(noise)] += level * noise
        if int(round(syl["end_s"] * sr)) - int(round(syl["voiced_start_s"] * sr)) >= 8:
            a, wave = _voiced(syl, voice, pitch, sr, top, tail)
            out[a : a + len(wave)] += level * wave
    out = out[:n]
    out += noise_rng.standard_normal(n) * 10 ** (_FLOOR_DBFS / 20) * np.abs(out).max() / _PEAK
    spec = np.fft.rfft(out)  # raised-cosine taper from 0.9 * top to top, nothing above
    x = np.clip((top - np.fft.rfftfreq(n, 1.0 / sr)) / (0.1 * top), 0, 1)
    out = np.fft.irfft(spec * (0.5 - 0.5 * np.cos(np.pi * x)), n)
    wave = (out * (_PEAK / (np.abs(out).max() + 1e-12))).astype(np.float32)
    if not return_info:
        return wave
    keys = ("start_s", "voiced_start_s", "end_s", "onset", "kind", "vowel", "stressed")
    info = {
        "voice": dict(voice),
        "text": text,
        "syllables": [{k: s[k] for k in keys} for s in syllables],
        "voiced": [(s["voiced_start_s"], s["end_s"]) for s in syllables],
    }
    return wave, info


def _pcm16_bytes(wave, sample_rate):
    """A mono 16-bit PCM wav (44-byte header, as LJSpeech's files) as bytes."""
    data = np.clip(np.round(np.asarray(wave, dtype=np.float64) * 32767), -32768, 32767)
    data = data.astype("<i2").tobytes()
    sr = int(sample_rate)
    header = struct.pack(
        "<4sI4s4sIHHIIHH4sI", b"RIFF", 36 + len(data), b"WAVE", b"fmt ", 16, 1, 1,
        sr, 2 * sr, 2, 16, b"data", len(data),
    )
    return header + data


def _write_if_changed(path, content):
    """Writes ``content`` (bytes) unless ``path`` already holds exactly that."""
    if os.path.isfile(path) and os.path.getsize(path) == len(content):
        with open(path, "rb") as f:
            if f.read() == content:
                return False
    with open(path, "wb") as f:
        f.write(content)
    return True


def make_ljspeech_like(
    root, n_utterances=20, sample_rate=22050, seed=0, seconds=(1.5, 6.0)
):
    """Writes a single-speaker dataset of speech-like utterances in LJSpeech's layout.

    Files, as in ``LJSpeech-1.1.tar.bz2``: ``<root>/LJSpeech-1.1/metadata.csv``
    (no header, ``|``-separated ``id|text|normalized text``, one line per
    utterance) and ``<root>/LJSpeech-1.1/wavs/<id>.wav`` (mono 16-bit PCM).
    Ids are ``LJ001-0001``, ``LJ001-0002``... (400 per chapter). The text is
    a spelling of the drawn syllables (sometimes with a quoted word, as the
    real text has). ``LJSpeech-1.1/synthetic.csv`` lists what was written
    (id, filename, seconds, seed, syllables, f0).

    One voice (seed ``derive_seed(seed, 0)``) speaks every utterance;
    utterance ``i`` has seed ``derive_seed(seed, 1, i)``, which draws its
    length uniformly in ``seconds`` and then the utterance. Same arguments,
    same bytes. Files already holding the right bytes are not rewritten
    (their modification time stays); wavs a previous run listed in
    ``synthetic.csv`` and not written now are deleted, nothing else is. A
    ``metadata.csv`` without ``synthetic.csv`` (a real dataset) is never
    overwritten: FileExistsError.

    Arguments
    ---------
    root : str
        Folder receiving ``LJSpeech-1.1/`` (created).
    n_utterances : int
        Number of utterances.
    sample_rate : int
        Sample rate in Hz (LJSpeech: 22050).
    seed : int
        Dataset seed.
    seconds : (float, float)
        Range of utterance lengths (>= 0.25 s).

    Returns
    -------
    pandas.DataFrame
        The ``synthetic.csv`` table: ``id``, ``filename``, ``seconds``,
        ``seed``, ``n_syllables``, ``f0_hz``, ``text``.

    Example
    -------
    >>> root = str(getfixture("tmpdir") / "lj")
    >>> table = make_ljspeech_like(root, n_utterances=2, seconds=(1.0, 1.5))
    >>> sorted(os.listdir(os.path.join(root, "LJSpeech-1.1", "wavs")))
    ['LJ001-0001.wav', 'LJ001-0002.wav']
    >>> line = open(os.path.join(root, "LJSpeech-1.1", "metadata.csv")).readline()
    >>> line.split("|")[0], line.count("|")
    ('LJ001-0001', 2)
    """
    n_utterances = int(n_utterances)
    if not 1 <= n_utterances <= 400 * 999:
        raise ValueError(f"n_utterances must be in 1..{400 * 999}, got {n_utterances}")
    low, high = (float(s) for s in seconds)
    if not 0.25 <= low <= high:
        raise ValueError(f"seconds must be (low, high) with 0.25 <= low <= high, got {seconds}")
    folder = os.path.join(str(root), "LJSpeech-1.1")
    wavs = os.path.join(folder, "wavs")
    meta, sidecar = os.path.join(folder, "metadata.csv"), os.path.join(folder, "synthetic.csv")
    if os.path.isfile(meta) and not os.path.isfile(sidecar):
        raise FileExistsError(
            f"{meta} exists and was not written by make_ljspeech_like (no {sidecar}); "
            "refusing to overwrite what may be the real dataset"
        )
    ids = [f"LJ{i // 400 + 1:03d}-{i % 400 + 1:04d}" for i in range(n_utterances)]
    names = {f"{u}.wav" for u in ids}
    _remove_stale(
        sidecar,
        lambda row: [os.path.join(wavs, row["filename"])]
        if _LJ_NAME.match(row["filename"]) and row["filename"] not in names else [],
    )
    os.makedirs(wavs, exist_ok=True)
    voice = _draw_voice(np.random.default_rng(derive_seed(seed, 0)))
    rows, lines = [], []
    for i, utt in enumerate(ids):
        utt_seed = derive_seed(seed, 1, i)
        rng = np.random.default_rng(utt_seed)
        n = int(round(rng.uniform(low, high) * sample_rate))
        wave, info = synthesize_utterance(
            sample_rate, n / sample_rate, rng, voice=voice, return_info=True)
        _write_if_changed(os.path.join(wavs, f"{utt}.wav"), _pcm16_bytes(wave, sample_rate))
        lines.append(f"{utt}|{info['text']}|{info['text']}\n")
        rows.append([utt, f"{utt}.wav", len(wave) / sample_rate, utt_seed,
                     len(info["syllables"]), voice["f0_hz"], info["text"]])
    columns = ["id", "filename", "seconds", "seed", "n_syllables", "f0_hz", "text"]
    table = pd.DataFrame(rows, columns=columns)
    _write_if_changed(meta, "".join(lines).encode("utf-8"))
    _write_if_changed(sidecar, table.to_csv(index=False, lineterminator="\n").encode("utf-8"))
    return table
