"""SONYC-UST-v2-layout dataset of synthetic urban scenes with known multi-label truth.

:func:`make_sonyc_ust_like` writes ``audio/<sensor>_<index>.wav`` (10-s mono
clips), ``annotations.csv`` in the real column layout (volunteer, SONYC-team
and verified rows), ``dcase-ust-taxonomy.yaml`` (:data:`SONYC_UST_TAXONOMY`,
the one copy of the taxonomy in the project) and the ground truth: every
event alone in ``sources/<stem>/<fine code>.wav``, the background in
``sources/<stem>/background.wav`` (``clip == background + sum(events)`` to
float32 rounding) and ``metadata/synthetic.csv``.

A clip holds 0 to ``max_events`` events of different coarse classes (random
onsets and lengths, overlaps allowed) over an urban-like background
(:func:`~speechbrain_interp.synthetic.noise.synthesize_noise`). Each coarse
class has its own event kind (:data:`SONYC_UST_KINDS`), chosen to differ in
time-frequency shape so that a small CNN can tell them apart and a mask can
localise them:

=== ==================== ================== ==========================================
id  coarse class         kind               time-frequency shape
=== ==================== ================== ==========================================
1   engine               ``low_rumble``     steady noise below 100-300 Hz, slow swell
2   machinery-impact     ``click_train``    broadband clicks at 5-40 per second
3   non-machinery-impact ``noise_burst``    40-200 ms band-noise bursts, 1.5-5 per s
4   powered-saw          ``hiss``           steady band noise from 4-5 kHz to 7.5 kHz
5   alert-signal         ``fm_vibrato``     siren: 0.5-3 kHz tone wobbling at 3-8 Hz
6   music                ``harmonic_stack`` steady harmonics of a 100-400 Hz f0
7   human-voice          ``utterance``      speech-like syllables (synthesize_utterance)
8   dog                  ``beeps``          40-120 ms tone pips (barks), 1.2-3.5 per s
=== ==================== ================== ==========================================

The fine class of an event is drawn uniformly among its group's complete
fine classes and recorded; it does not change the sound (fine-level labels
are not learnable from audio here, coarse ones are). Every source is band-
limited to 7.5 kHz (0.45 x the rate below 16.7 kHz), so the content is the
same at 16 kHz and 44.1 kHz.

Annotations (per clip): ``volunteers_per_clip`` volunteer rows (ids > 0 from
a pool), each missing a present coarse class with probability ``p_miss``,
adding an absent one with probability ``p_false``, tagging the group's "X"
tag instead of the fine one with probability ``p_uncertain`` and a proximity
(near / far / notsure) for every tag it marks; a verified row (id 0, the
truth, proximity -1) for every validate and test clip and a fraction of the
train clips; and, on a fraction of the train clips, 1 to ``max_team_rows``
SONYC-team rows (ids < 0), each covering one coarse group (its truth) with -1
in the other groups' presence columns. With those -1s, the L2I rule (sum of
all rows > 0.5) and the DCASE rule (any volunteer row) disagree on some
clips. Train and validate sensors are disjoint; test sensors overlap both
and test clips come from the last year.

Authors
 * speechbrain-interp developers 2026
"""

import os
import re

import numpy as np
import pandas as pd
import yaml

from speechbrain_interp.synthetic.events import synthesize_event
from speechbrain_interp.synthetic.layouts import _remove_stale
from speechbrain_interp.synthetic.noise import synthesize_noise
from speechbrain_interp.synthetic.signals import _rms, _top, _write_wav, derive_seed
from speechbrain_interp.synthetic.sonyc_layout import (
    SONYC_UST_COLUMNS,
    SONYC_UST_SYNTHETIC_COLUMNS,
    SONYC_UST_TAXONOMY,
)
from speechbrain_interp.synthetic.speech import synthesize_utterance

__all__ = ["SONYC_UST_KINDS", "make_sonyc_ust_like"]

#: event kind of each coarse id (a class of ``SOUND_CLASSES`` or "utterance")
SONYC_UST_KINDS = {1: "low_rumble", 2: "click_train", 3: "noise_burst", 4: "hiss",
                   5: "fm_vibrato", 6: "harmonic_stack", 7: "utterance", 8: "beeps"}
# (coarse id, fine key, "c-f" code, name) of the 29 fine tags, in taxonomy order
_FINE = [(c, f, f"{c}-{f}", name)
         for c, group in SONYC_UST_TAXONOMY["fine"].items() for f, name in group.items()]
_SPLITS = ("train", "validate", "test")
_GROUPS = {c: [k for k, e in enumerate(_FINE) if e[0] == c] for c in SONYC_UST_TAXONOMY["coarse"]}
_COMPLETE = {c: [k for k in ks if _FINE[k][1] != "X"] for c, ks in _GROUPS.items()}
_PROXIMITY = ("near", "far", "notsure")
# borough -> (lat min, lat max, lon min, lon max, highest block number)
_BOROUGHS = {1: (40.70, 40.82, -74.02, -73.93, 2250), 3: (40.58, 40.70, -74.02, -73.86, 8900),
             4: (40.68, 40.78, -73.92, -73.75, 16300)}
_NAME = re.compile(r"^\d{2}_\d{6}\.wav$")
_CODE = re.compile(r"^\d-(\d|X)$")
_PEAK_LIMIT = 0.9
_MIN_VOICE_S = 0.25  # shortest utterance synthesize_utterance draws


def _band_limit(x, sr):
    """Removes everything above ``_top(sr)`` (raised-cosine taper from 0.9 x it)."""
    n, top = len(x), _top(sr)
    w = np.clip((top - np.fft.rfftfreq(n, 1.0 / sr)) / (0.1 * top), 0.0, 1.0)
    return np.fft.irfft(np.fft.rfft(x) * (0.5 - 0.5 * np.cos(np.pi * w)), n)


def _render(kind, length, sr, rng):
    """``(wave [length], f_low_hz, f_high_hz)`` of one event of ``kind``."""
    if kind == "utterance":
        wave, info = synthesize_utterance(sr, length / sr, rng, return_info=True)
        return wave.astype(np.float64), 0.8 * info["voice"]["f0_hz"], _top(sr)
    wave, info = synthesize_event(kind, length, sr, rng)
    return wave, info["f_low_hz"], min(info["f_high_hz"], _top(sr))  # band-limited below


def _previous_files(out_dir, row):
    """The files a previous run wrote for one row of ``metadata/synthetic.csv``."""
    name, code = row["audio_filename"], row["fine_code"]
    if not _NAME.match(name):
        return []
    folder = os.path.join(out_dir, "sources", name[:-4])
    paths = [os.path.join(out_dir, "audio", name), os.path.join(folder, "background.wav")]
    return paths + ([os.path.join(folder, f"{code}.wav")] if _CODE.match(code) else [])


def _coarse(fine):
    """Coarse presence ``[8]`` of a fine row ``[29]``: group max (-1 when not annotated)."""
    return [max(fine[k] for k in ks) for ks in _GROUPS.values()]


def _volunteer(truth_groups, truth_fine, rng, p_miss, p_false, p_uncertain, proximity_p):
    """One volunteer's fine presence ``[29]`` and proximity ``[29]`` (strings or -1)."""
    fine, proximity = [0] * len(_FINE), [-1] * len(_FINE)
    for c, ks in _GROUPS.items():
        if c in truth_groups:
            if rng.random() < p_miss:
                continue
            k = truth_fine[c]
            if len(ks) > 1 and rng.random() < p_uncertain:
                k = ks[-1]  # the group's X tag
        elif rng.random() < p_false:
            k = ks[int(rng.integers(len(ks)))]
        else:
            continue
        fine[k], proximity[k] = 1, _PROXIMITY[rng.choice(3, p=proximity_p)]
    return fine, proximity


def _sensor_place(seed, sensor_id):
    """``(borough, block, latitude, longitude)`` of a sensor (the same in every split)."""
    rng = np.random.default_rng(derive_seed(seed, 3, sensor_id))
    borough = (1, 3, 4)[int(rng.integers(3))]
    lat0, lat1, lon0, lon1, blocks = _BOROUGHS[borough]
    return (borough, int(rng.integers(1, blocks + 1)), round(float(rng.uniform(lat0, lat1)), 5),
            round(float(rng.uniform(lon0, lon1)), 5))


def _event_count_p(max_events, event_count_p):
    """Probabilities of 0 .. ``max_events`` events in a clip (checked, normalised)."""
    if not 0 <= max_events <= 8:
        raise ValueError(f"max_events must be in 0..8, got {max_events}")
    if event_count_p is None:
        event_count_p = ((0.1, 0.35, 0.35, 0.2) if max_events == 3
                         else (0.1,) + (0.9 / max(max_events, 1),) * max_events)
    count_p = np.asarray(event_count_p, dtype=float)[: max_events + 1]
    if len(count_p) != max_events + 1 or (count_p < 0).any() or count_p.sum() <= 0:
        raise ValueError(f"event_count_p needs max_events + 1 non-negative values, "
                         f"got {event_count_p}")
    return count_p / count_p.sum()


def _sensors(n_sensors):
    """Sensor ids of the train, validate and test splits (the test ids start
    ``c // 2`` before the end of the others', so half of them are shared)."""
    a, b, c = (int(k) for k in n_sensors)
    first_test = max(0, a + b - c // 2)
    if min(a, b, c) < 1 or max(a + b, first_test + c) > 100:
        raise ValueError(f"need >= 1 sensor per split and ids below 100, got {n_sensors}")
    return [range(a), range(a, a + b), range(first_test, first_test + c)]


def _scene(groups, n, sr, rng, background_kinds, background_dbfs, event_fraction, snr_db):
    """One clip's background and an event per group, drawn from ``rng`` (in this order).

    Returns ``(background kind, background [n] float64, its RMS, sources: an
    [n] wave per event, events: [group, kind, onset, length, f_low, f_high])``.
    """
    bg_kind = str(background_kinds[int(rng.integers(len(background_kinds)))])
    noise = synthesize_noise(bg_kind, n, sr, rng, channels=1, level_db=background_dbfs)
    background = _band_limit(noise[0].astype(np.float64), sr)
    bg_rms, sources, events = _rms(background), [], []
    for g in groups:
        kind = SONYC_UST_KINDS[g]
        length = min(n, max(2, int(round(rng.uniform(*event_fraction) * n))))
        if kind == "utterance":
            length = min(n, max(length, int(np.ceil(_MIN_VOICE_S * sr))))
        onset = int(rng.integers(0, n - length + 1))
        wave, f_low, f_high = _render(kind, length, sr, rng)
        wave = _band_limit(wave, sr)
        wave *= bg_rms * 10 ** (rng.uniform(*snr_db) / 20) / (_rms(wave) + 1e-12)
        source = np.zeros(n)
        source[onset : onset + length] = wave
        sources.append(source)
        events.append([g, kind, onset, length, f_low, f_high])
    return bg_kind, background, bg_rms, sources, events


def _annotation_rows(arng, train, groups, truth_fine, pool, team, volunteers_per_clip, errors,
                     team_train_fraction, max_team_rows, verified_train_fraction):
    """One clip's annotation rows ``(annotator, fine, proximity)``, drawn from ``arng``:
    the volunteers' (with ``errors = (p_miss, p_false, p_uncertain, proximity_p)``),
    on some training clips the team's, and the verified row (every validation and test
    clip, a fraction of the training ones)."""
    truth = [0] * len(_FINE)
    for k in truth_fine.values():
        truth[k] = 1
    rows = []
    for vid in sorted(arng.choice(pool, volunteers_per_clip, replace=False)):
        fine, proximity = _volunteer(groups, truth_fine, arng, *errors)
        rows.append((int(vid), fine, proximity))
    if train and arng.random() < team_train_fraction:
        m = int(arng.integers(1, max_team_rows + 1))
        covered = arng.choice(8, m, replace=False) + 1
        for g, tid in zip(covered, arng.choice(team, m, replace=False)):
            fine = [truth[k] if _FINE[k][0] == g else -1 for k in range(len(_FINE))]
            rows.append((int(tid), fine, [-1] * len(_FINE)))
    if not train or arng.random() < verified_train_fraction:
        rows.append((0, list(truth), [-1] * len(_FINE)))
    return rows


def make_sonyc_ust_like(
    out_dir,
    n_train=100,
    n_validate=30,
    n_test=20,
    clip_seconds=10.0,
    sample_rate=44100,
    max_events=3,
    event_count_p=None,
    event_fraction=(0.15, 0.6),
    snr_db=(10.0, 25.0),
    background_dbfs=(-45.0, -35.0),
    background_kinds=("hum", "rain", "wind", "pink", "brown"),
    n_sensors=(35, 9, 48),
    years=(2016, 2019),
    n_volunteers=60,
    volunteers_per_clip=3,
    p_miss=0.15,
    p_false=0.02,
    p_uncertain=0.2,
    proximity_p=(0.5, 0.35, 0.15),
    verified_train_fraction=0.05,
    team_train_fraction=0.1,
    max_team_rows=3,
    n_team=6,
    seed=0,
):
    """Writes a SONYC-UST-v2-layout dataset of synthetic multi-label urban scenes.

    Clip ``i`` of split ``s`` (train 0, validate 1, test 2) is
    ``audio/<sensor:02d>_<100000 s + i:06d>.wav`` (mono 32-bit float,
    exactly ``clip_seconds`` long); its audio is drawn from the generator
    seeded ``derive_seed(seed, s, i)`` and its annotation rows from
    ``derive_seed(seed, s, i, 1)``. Its sensor is ``i % count`` in its
    split's list: train ids ``0 .. a-1``, validate ``a .. a+b-1``, test the
    ``c`` ids from ``a + b - c // 2`` on (``(a, b, c) = n_sensors``). Events:
    distinct coarse classes drawn uniformly (so classes are balanced), kind
    :data:`SONYC_UST_KINDS`, RMS over the event ``snr_db`` above the
    background's RMS; the whole clip (every source alike) is scaled down if
    its peak exceeds 0.9. See the module docstring for the annotation rows.
    Files a previous run listed in ``metadata/synthetic.csv`` are deleted
    first; nothing else is. Same arguments, same bytes.

    Arguments
    ---------
    out_dir : str
        Dataset root (``SONYC-UST/``; created).
    n_train, n_validate, n_test : int
        Clips per split (each below 100000).
    clip_seconds : float
        Clip length in seconds (>= 0.25).
    sample_rate : int
        Sample rate in Hz (SONYC-UST: 44100).
    max_events : int
        Most events per clip (0 to 8).
    event_count_p : sequence of float, optional
        Probabilities of 0, 1, ..., ``max_events`` events; default (0.1,
        0.35, 0.35, 0.2) for 3, else 0.1 for none and the rest uniform.
    event_fraction : (float, float)
        Range of an event's length as a fraction of the clip (human voice
        lasts at least 0.25 s).
    snr_db : (float, float)
        Range of an event's RMS (over its interval) in dB above the
        background's RMS.
    background_dbfs : (float, float)
        Range of the background's RMS in dBFS (before the peak limit).
    background_kinds : sequence of str
        Kinds of :func:`synthesize_noise` for the backgrounds (one per clip,
        drawn uniformly; babble and cafe would sound like human voice).
    n_sensors : (int, int, int)
        Sensors of train, validate and test (ids below 100).
    years : (int, int)
        First and last year: test clips are from the last, the others from
        the years before it (all from ``years[0]`` if equal).
    n_volunteers : int
        Size of the volunteer pool (ids drawn once in 1 .. 99999).
    volunteers_per_clip : int
        Volunteer rows per clip (at most ``n_volunteers``).
    p_miss, p_false : float
        Probability that a volunteer misses a present coarse class, and that
        it tags an absent one (a random fine or X tag of that group).
    p_uncertain : float
        Probability that a volunteer tags a present class's "X" tag instead
        of its fine one (groups with an X tag).
    proximity_p : (float, float, float)
        Probabilities of near, far and notsure for a volunteer's tag.
    verified_train_fraction : float
        Share of train clips with a verified row (validate/test: all).
    team_train_fraction : float
        Share of train clips with SONYC-team rows.
    max_team_rows : int
        Most team rows on such a clip (1 to 8; distinct groups and members).
    n_team : int
        Size of the team pool (ids -1 .. -n_team; >= ``max_team_rows``).
    seed : int
        Dataset seed.

    Returns
    -------
    dict
        ``root``, ``annotations``, ``taxonomy``, ``metadata``, ``audio_dir``,
        ``sources_dir`` (paths), ``counts`` (clips per split), ``n_events``,
        ``n_annotation_rows``, ``positives`` (clips per coarse name) and
        ``fine_positives`` (clips per fine code).

    Example
    -------
    >>> root = str(getfixture("tmpdir") / "SONYC-UST")
    >>> summary = make_sonyc_ust_like(root, n_train=4, n_validate=2, n_test=2,
    ...                               clip_seconds=1.0, sample_rate=8000)
    >>> summary["counts"], sorted(os.listdir(root))  # doctest: +NORMALIZE_WHITESPACE
    ({'train': 4, 'validate': 2, 'test': 2},
     ['annotations.csv', 'audio', 'dcase-ust-taxonomy.yaml', 'metadata', 'sources'])
    >>> table = pd.read_csv(summary["annotations"])
    >>> list(table.columns[:4]), len(table.columns)
    (['split', 'sensor_id', 'audio_filename', 'annotator_id'], 78)
    >>> table.columns[12], table.columns[41], table.columns[-1]
    ('1-1_small-sounding-engine_presence', '1_engine_presence', '8-1_dog-barking-whining_proximity')
    >>> sorted(os.listdir(summary["audio_dir"]))[:2]
    ['00_000000.wav', '01_000001.wav']
    """
    counts = [int(n_train), int(n_validate), int(n_test)]
    sr, max_events = int(sample_rate), int(max_events)
    n = int(np.floor(float(clip_seconds) * sr + 0.5))
    if not all(0 <= c < 100000 for c in counts) or float(clip_seconds) < _MIN_VOICE_S:
        raise ValueError("need 0 <= clips per split < 100000 and clip_seconds >= 0.25")
    count_p = _event_count_p(max_events, event_count_p)
    sensors = _sensors(n_sensors)
    if not 1 <= volunteers_per_clip <= n_volunteers < 99999 or not 1 <= max_team_rows <= 8:
        raise ValueError("need 1 <= volunteers_per_clip <= n_volunteers and "
                         "1 <= max_team_rows <= 8")
    if n_team < max_team_rows:
        raise ValueError(f"n_team ({n_team}) must be >= max_team_rows ({max_team_rows})")
    for p in (p_miss, p_false, p_uncertain, verified_train_fraction, team_train_fraction):
        if not 0 <= p <= 1:
            raise ValueError(f"probabilities must be in [0, 1], got {p}")
    proximity_p = np.asarray(proximity_p, dtype=float) / np.sum(proximity_p)
    out_dir = str(out_dir)
    paths = {d: os.path.join(out_dir, d) for d in ("audio", "sources", "metadata")}
    _remove_stale(os.path.join(out_dir, "metadata", "synthetic.csv"),
                  lambda row: _previous_files(out_dir, row), columns=("audio_filename", "fine_code"))
    for path in paths.values():
        os.makedirs(path, exist_ok=True)
    pool = np.random.default_rng(derive_seed(seed, 4)).choice(
        np.arange(1, 100000), int(n_volunteers), replace=False)
    team = -np.arange(1, int(n_team) + 1)
    event_rows, annotations = [], []
    for s, split in enumerate(_SPLITS):
        for i in range(counts[s]):
            clip_seed = derive_seed(seed, s, i)
            rng = np.random.default_rng(clip_seed)
            sensor = sensors[s][i % len(sensors[s])]
            name = f"{sensor:02d}_{100000 * s + i:06d}.wav"
            lo_year, hi_year = (int(y) for y in years)
            year = hi_year if s == 2 or hi_year <= lo_year else int(rng.integers(lo_year, hi_year))
            when = [year, int(rng.integers(1, 53)), int(rng.integers(7)), int(rng.integers(24))]
            meta = [split, sensor, name, None, *_sensor_place(seed, sensor), *when]
            groups = sorted(int(g) + 1 for g in rng.choice(8, rng.choice(len(count_p), p=count_p),
                                                           replace=False))
            truth_fine = {g: _COMPLETE[g][int(rng.integers(len(_COMPLETE[g])))] for g in groups}
            bg_kind, background, bg_rms, sources, events = _scene(
                groups, n, sr, rng, background_kinds, background_dbfs, event_fraction, snr_db)
            peak = np.abs(background + sum(sources)).max() if sources else np.abs(background).max()
            scale = min(1.0, _PEAK_LIMIT / max(peak, 1e-12))
            background = (scale * background).astype(np.float32)
            sources = [(scale * x).astype(np.float32) for x in sources]
            mixture = background.astype(np.float64) + sum(x.astype(np.float64) for x in sources)
            stem = name[:-4]
            os.makedirs(os.path.join(paths["sources"], stem), exist_ok=True)
            _write_wav(os.path.join(paths["audio"], name), mixture.astype(np.float32), sr)
            _write_wav(os.path.join(paths["sources"], stem, "background.wav"), background, sr)
            common = [name, split, sensor, len(events)]
            tail = [bg_kind, scale * bg_rms, clip_seed, sr]
            for e, ((g, kind, onset, length, f_low, f_high), x) in enumerate(zip(events, sources)):
                _, _, code, fine_name = _FINE[truth_fine[g]]
                _write_wav(os.path.join(paths["sources"], stem, f"{code}.wav"), x, sr)
                event_rms = _rms(x[onset : onset + length])
                event_rows.append(common + [
                    e, g, SONYC_UST_TAXONOMY["coarse"][g], code, fine_name, kind, onset / sr,
                    (onset + length) / sr, f_low, f_high, event_rms] + tail)
            if not events:
                event_rows.append(common + [None] * 11 + tail)
            # annotation rows, from their own generator
            rows = _annotation_rows(
                np.random.default_rng(derive_seed(seed, s, i, 1)), s == 0, groups, truth_fine,
                pool, team, int(volunteers_per_clip), (p_miss, p_false, p_uncertain, proximity_p),
                team_train_fraction, int(max_team_rows), verified_train_fraction)
            for annotator, fine, proximity in rows:
                meta[3] = annotator
                annotations.append(meta + fine + _coarse(fine) + proximity)
    table = pd.DataFrame(event_rows, columns=SONYC_UST_SYNTHETIC_COLUMNS)
    for column in ("event", "coarse_id"):
        table[column] = table[column].astype("Int64")
    table.to_csv(os.path.join(paths["metadata"], "synthetic.csv"), index=False)
    annotation_table = pd.DataFrame(annotations, columns=SONYC_UST_COLUMNS)
    annotation_table.to_csv(os.path.join(out_dir, "annotations.csv"), index=False)
    taxonomy = os.path.join(out_dir, "dcase-ust-taxonomy.yaml")
    with open(taxonomy, "w") as f:
        yaml.safe_dump(SONYC_UST_TAXONOMY, f, sort_keys=False, default_flow_style=False)
    present = table.dropna(subset=["coarse_id"])
    return {
        "root": out_dir,
        "annotations": os.path.join(out_dir, "annotations.csv"),
        "taxonomy": taxonomy,
        "metadata": os.path.join(paths["metadata"], "synthetic.csv"),
        "audio_dir": paths["audio"],
        "sources_dir": paths["sources"],
        "counts": dict(zip(_SPLITS, counts)),
        "n_events": len(present),
        "n_annotation_rows": len(annotation_table),
        "positives": {name: int((present["coarse_id"] == c).sum())
                      for c, name in SONYC_UST_TAXONOMY["coarse"].items()},
        "fine_positives": {code: int((present["fine_code"] == code).sum())
                           for _, f, code, _ in _FINE if f != "X"},
    }
