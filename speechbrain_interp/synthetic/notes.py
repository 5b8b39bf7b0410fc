"""Synthetic instrument notes in NSynth's layout, with known discriminative cues.

Every note shares one "body": a harmonic tone (fundamental 220-440 Hz,
harmonics up to 6 kHz, amplitudes ``U(0.5, 1) / n``, a 10 ms attack and an
exponential decay). A family adds one cue whose place is known
(:data:`NOTE_FAMILIES`), so tests can check where an explanation lands:

============ =============================================== ================
family       cue                                             bands (Hz)
============ =============================================== ================
``guitar``   low-frequency slope: partials at 30-60 Hz       (30, 60)
``bass``     continuous band of partials at 100-230 Hz       (100, 230)
``flute``    breath formant: band noise over the note        (1200, 1800)
``reed``     noisy attack: 80 ms band-noise burst            (3000, 6000)
``organ``    none in magnitude; all partials start in phase  phase only
``string``   none: the plain body (random partial phases)    none
============ =============================================== ================

The two bands at the bottom are the RDE paper's readings for guitar (30-60
Hz) and bass (100-230 Hz). ``organ`` and ``string`` draw their magnitudes
from the same distribution and differ only in the partials' starting phases
(0 for ``organ``, uniform for every other family), so a classifier that
tells them apart must read the phase; the magnitude-versus-phase query
should then favour phase for ``organ``. Cue energies are set relative to the
body (``cue_db``), so after power normalisation the cue is neither dominant
nor buried.

:func:`make_nsynth_like` writes ``nsynth-{train,valid,test}/examples.json``
and ``audio/<note_str>.wav`` (16 kHz, 16-bit PCM, 4 s by default) with
NSynth's fields, plus ``synthetic.json`` at the root: the ground truth
(family, bands, phase rule, fundamental) of every note.

Authors
 * speechbrain-interp developers 2026
"""

import json
import os

import numpy as np
import soundfile

from speechbrain_interp.synthetic.signals import _filter, _rms, derive_seed

__all__ = ["NOTE_FAMILIES", "NSYNTH_FAMILY_IDS", "make_nsynth_like", "synthesize_note"]

#: NSynth's integer id of each instrument family
NSYNTH_FAMILY_IDS = {
    "bass": 0, "brass": 1, "flute": 2, "guitar": 3, "keyboard": 4, "mallet": 5,
    "organ": 6, "reed": 7, "string": 8, "synth_lead": 9, "vocal": 10,
}

#: family -> discriminative bands (Hz) and the partials' phase rule
NOTE_FAMILIES = {
    "guitar": {"bands": [(30.0, 60.0)], "phase": "random"},
    "bass": {"bands": [(100.0, 230.0)], "phase": "random"},
    "flute": {"bands": [(1200.0, 1800.0)], "phase": "random"},
    "reed": {"bands": [(3000.0, 6000.0)], "phase": "random"},
    "organ": {"bands": [], "phase": "locked"},
    "string": {"bands": [], "phase": "random"},
}

_SPLITS = ("train", "valid", "test")
_F0_RANGE = (220.0, 440.0)  # fundamental, Hz (MIDI 57-69)
_TOP_HZ = 6000.0  # highest harmonic of the body


def _midi(f0):
    return int(round(69 + 12 * np.log2(f0 / 440.0)))


def _partials(freqs, amps, phases, t, env):
    """Sum of ``amps * sin(2 pi f t + phase)`` under one envelope ``[n]``."""
    wave = np.zeros_like(t)
    for f, a, p in zip(freqs, amps, phases):
        wave += a * np.sin(2 * np.pi * f * t + p)
    return wave * env


def synthesize_note(family, n_samples, sample_rate, rng, cue_db=-3.0):
    """One synthetic note of ``family``.

    Arguments
    ---------
    family : str
        A key of :data:`NOTE_FAMILIES`.
    n_samples : int
        Length of the note.
    sample_rate : int
        Hz (16000 for NSynth; at least 2 x 6 kHz).
    rng : numpy.random.Generator
        Source of every random draw.
    cue_db : float
        Energy of the family's cue relative to the body, dB.

    Returns
    -------
    wave : numpy.ndarray
        ``[n_samples]`` float64, peak 0.5.
    info : dict
        ``family``, ``f0`` (Hz), ``pitch`` (MIDI), ``bands`` and ``phase``.

    Example
    -------
    >>> rng = np.random.default_rng(0)
    >>> wave, info = synthesize_note("bass", 16000, 16000, rng)
    >>> wave.shape, info["bands"], round(float(np.abs(wave).max()), 3)
    ((16000,), [(100.0, 230.0)], 0.5)
    >>> spec = np.abs(np.fft.rfft(wave))
    >>> bool(spec[100:230].max() > 10 * np.median(spec[60:90]))
    True
    """
    if family not in NOTE_FAMILIES:
        raise ValueError(f"unknown family {family!r}; choose from {sorted(NOTE_FAMILIES)}")
    if sample_rate < 2 * _TOP_HZ + 1000:
        raise ValueError(f"sample_rate must be at least {int(2 * _TOP_HZ + 1000)} Hz")
    spec = NOTE_FAMILIES[family]
    t = np.arange(n_samples) / sample_rate
    tau = rng.uniform(0.6, 1.5)
    env = np.minimum(t / 0.01, 1.0) * np.exp(-t / tau)
    f0 = float(np.exp(rng.uniform(*np.log(_F0_RANGE))))
    order = np.arange(1, int(_TOP_HZ // f0) + 1)
    amps = rng.uniform(0.5, 1.0, len(order)) / order
    phases = rng.uniform(0, 2 * np.pi, len(order))  # drawn for every family: same stream
    if spec["phase"] == "locked":
        phases = np.zeros(len(order))
    body = _partials(order * f0, amps, phases, t, env)
    cue = np.zeros(n_samples)
    if family == "guitar":
        freqs = rng.uniform(32.0, 58.0, 4)
        cue = _partials(freqs, rng.uniform(0.5, 1.0, 4), rng.uniform(0, 2 * np.pi, 4), t, env)
    elif family == "bass":
        freqs = np.linspace(105.0, 225.0, 16) + rng.uniform(-3.0, 3.0, 16)
        cue = _partials(freqs, rng.uniform(0.5, 1.0, 16), rng.uniform(0, 2 * np.pi, 16), t, env)
    elif family == "flute":
        cue = _filter(rng.standard_normal(n_samples), sample_rate, 1250.0, 1750.0, order=6) * env
    elif family == "reed":
        burst = np.exp(-t / 0.03) * np.minimum(t / 0.002, 1.0)
        cue = _filter(rng.standard_normal(n_samples), sample_rate, 3100.0, 5900.0, order=6) * burst
    if np.any(cue):
        cue *= _rms(body) / _rms(cue) * 10 ** (cue_db / 20)
    wave = body + cue
    wave *= 0.5 / np.abs(wave).max()
    info = {"family": family, "f0": f0, "pitch": _midi(f0),
            "bands": [tuple(b) for b in spec["bands"]], "phase": spec["phase"]}
    return wave, info


def _example(note_str, family, instrument, pitch, velocity, sample_rate, index):
    """One ``examples.json`` entry with NSynth's fields."""
    family_id = NSYNTH_FAMILY_IDS[family]
    return {
        "note": index, "note_str": note_str, "instrument": 100 * family_id + instrument,
        "instrument_str": f"{family}_synthetic_{instrument:03d}", "instrument_source": 2,
        "instrument_source_str": "synthetic", "instrument_family": family_id,
        "instrument_family_str": family, "pitch": pitch, "velocity": velocity,
        "sample_rate": sample_rate, "qualities": [0] * 10, "qualities_str": [],
    }


def make_nsynth_like(
    out_dir,
    families=tuple(NOTE_FAMILIES),
    notes_per_family=(24, 6, 6),
    duration_s=4.0,
    sample_rate=16000,
    cue_db=-3.0,
    seed=1234,
):
    """Writes an NSynth-layout dataset of synthetic notes.

    Files: ``nsynth-<split>/examples.json``, ``nsynth-<split>/audio/<note_str>
    .wav`` and ``synthetic.json`` (``note_str`` -> family, bands, phase rule,
    f0, split). Note ``k`` of family ``f`` in split ``s`` has the seed
    ``derive_seed(seed, split index, family id, k)``; its ``note_str`` is
    ``<family>_synthetic_<split index:03d>-<pitch:03d>-<velocity:03d>``
    (one "instrument" per family and split, as NSynth keeps instruments
    apart between splits), made unique with the velocity (``25 + k``). Wavs listed by a
    previous run's ``synthetic.json`` are removed first.

    Arguments
    ---------
    out_dir : str
        Dataset root (created).
    families : sequence of str
        Keys of :data:`NOTE_FAMILIES`.
    notes_per_family : (int, int, int)
        Notes per family in train, valid and test.
    duration_s : float
        Note length (NSynth: 4 s).
    sample_rate : int
        Hz (NSynth: 16000).
    cue_db : float
        See :func:`synthesize_note`.
    seed : int
        Dataset seed.

    Returns
    -------
    dict
        The ground truth written to ``synthetic.json``.

    Example
    -------
    >>> root = str(getfixture("tmpdir") / "nsynth")
    >>> truth = make_nsynth_like(root, families=("bass", "organ"),
    ...                          notes_per_family=(2, 1, 1), duration_s=0.5)
    >>> sorted(os.listdir(root))
    ['nsynth-test', 'nsynth-train', 'nsynth-valid', 'synthetic.json']
    >>> with open(os.path.join(root, "nsynth-train", "examples.json")) as f:
    ...     examples = json.load(f)
    >>> first = sorted(examples)[0]
    >>> examples[first]["instrument_family_str"], truth[first]["bands"]
    ('bass', [[100.0, 230.0]])
    """
    out_dir = str(out_dir)
    truth_path = os.path.join(out_dir, "synthetic.json")
    if os.path.isfile(truth_path):
        with open(truth_path) as f:
            for name, row in json.load(f).items():
                stale = os.path.join(out_dir, f"nsynth-{row['split']}", "audio", f"{name}.wav")
                if os.path.isfile(stale):
                    os.remove(stale)
    n = int(round(duration_s * sample_rate))
    truth = {}
    for split_index, split in enumerate(_SPLITS):
        audio = os.path.join(out_dir, f"nsynth-{split}", "audio")
        os.makedirs(audio, exist_ok=True)
        examples = {}
        for family in families:
            family_id = NSYNTH_FAMILY_IDS[family]
            for k in range(int(notes_per_family[split_index])):
                rng = np.random.default_rng(derive_seed(seed, split_index, family_id, k))
                wave, info = synthesize_note(family, n, sample_rate, rng, cue_db)
                velocity = 25 + k
                name = f"{family}_synthetic_{split_index:03d}-{info['pitch']:03d}-{velocity:03d}"
                soundfile.write(os.path.join(audio, f"{name}.wav"), wave, sample_rate,
                                subtype="PCM_16")
                examples[name] = _example(name, family, split_index, info["pitch"], velocity,
                                          sample_rate, len(truth))
                truth[name] = {**info, "bands": [list(b) for b in info["bands"]], "split": split}
        with open(os.path.join(out_dir, f"nsynth-{split}", "examples.json"), "w") as f:
            json.dump(examples, f, indent=1, sort_keys=True)
    with open(truth_path, "w") as f:
        json.dump(truth, f, indent=1, sort_keys=True)
    return truth
