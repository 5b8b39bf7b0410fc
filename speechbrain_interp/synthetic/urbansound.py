"""UrbanSound8K-layout dataset of synthetic sound events, in the real format mix.

:func:`make_urbansound8k_like` writes ``audio/fold<k>/<fsID>-<classID>-
<occurrence>-<slice>.wav`` and ``metadata/UrbanSound8K.csv`` (the official
columns, classes and ids), so that code written for the real dataset runs
without it, and a loader meets every audio format of the real files: the 11
sample rates of UrbanSound8K (8 kHz to 192 kHz), mono and stereo, 8-bit
unsigned to 64-bit float samples, plain PCM/float headers and
WAVE_FORMAT_EXTENSIBLE ones (format tag 65534), 4-s clips and shorter ones.

Class ``classID`` is rendered by the event kind ``SOUND_CLASSES[classID]``
(:func:`~speechbrain_interp.synthetic.events.synthesize_clip`), at the
file's own rate, so classes are learnable whatever the format.

Authors
 * speechbrain-interp developers 2026
"""

import io
import os
import re
import struct

import numpy as np
import pandas as pd
import soundfile as sf

from speechbrain_interp.synthetic.events import SOUND_CLASSES, synthesize_clip
from speechbrain_interp.synthetic.layouts import _remove_stale
from speechbrain_interp.synthetic.signals import _rms, derive_seed

__all__ = [
    "URBANSOUND8K_CLASSES", "URBANSOUND8K_COLUMNS", "URBANSOUND8K_FORMATS",
    "URBANSOUND8K_SYNTHETIC_COLUMNS", "make_urbansound8k_like",
]

#: official class names, indexed by classID
URBANSOUND8K_CLASSES = (
    "air_conditioner", "car_horn", "children_playing", "dog_bark", "drilling",
    "engine_idling", "gun_shot", "jackhammer", "siren", "street_music",
)
#: columns of ``metadata/UrbanSound8K.csv``, in the official order
URBANSOUND8K_COLUMNS = [
    "slice_file_name", "fsID", "start", "end", "salience", "fold", "classID", "class",
]
#: columns of ``metadata/synthetic.csv`` (ground truth, one row per clip)
URBANSOUND8K_SYNTHETIC_COLUMNS = [
    "filename", "fold", "classID", "class", "kind", "salience", "duration_s",
    "onset_s", "offset_s", "f_low_hz", "f_high_hz", "event_rms", "background_rms",
    "seed", "sample_rate", "channels", "subtype", "header",
]
# The 11 sample rates of UrbanSound8K, most frequent first.
_RATES = (44100, 48000, 96000, 24000, 16000, 22050, 11025, 192000, 8000, 11024, 32000)
_SUBTYPES = ("PCM_16", "PCM_24", "PCM_32", "FLOAT", "PCM_U8", "DOUBLE")
_HEADERS = {"wav": "WAV", "wavex": "WAVEX"}
#: default ``(sample_rate, channels, subtype, header)`` cycle (21 entries):
#: rate ``e % 11``, subtype ``e % 6``, mono when ``e % 5`` is 2 or 4,
#: WAVE_FORMAT_EXTENSIBLE when ``e % 7`` is 1 or 4. Every rate, subtype,
#: channel count and header occurs; each subtype with both headers and
#: both channel counts. Entry 0 is the commonest real format (44.1 kHz
#: stereo 16-bit PCM), entry 1 the one of 103074-7-0-0.wav (48 kHz stereo
#: 24-bit, extensible).
URBANSOUND8K_FORMATS = tuple(
    (_RATES[e % 11], 1 if e % 5 in (2, 4) else 2, _SUBTYPES[e % 6],
     "wavex" if e % 7 in (1, 4) else "wav")
    for e in range(21)
)
_NAME = re.compile(r"^\d+-\d-\d+-\d+\.wav$")
_GOLDEN = (np.sqrt(5.0) - 1.0) / 2.0
_PEAK_LIMIT = 0.9  # clips louder than this are scaled down (no clipping in PCM)


def _wav_bytes(data, sample_rate, subtype, header):
    """Encodes ``[frames, channels]`` with libsndfile, minus its PEAK chunk.

    libsndfile adds a PEAK chunk (which holds the time of writing) to float
    files; it is dropped so that reruns give the same bytes. ``header``
    "wav" gives a plain header (format tag 1 or 3), "wavex" a
    WAVE_FORMAT_EXTENSIBLE one (tag 65534, 40-byte fmt chunk).
    """
    buffer = io.BytesIO()
    sf.write(buffer, data, int(sample_rate), subtype=subtype, format=_HEADERS[header])
    raw = buffer.getvalue()
    chunks, position = [raw[:12]], 12
    while position + 8 <= len(raw):
        name, size = struct.unpack("<4sI", raw[position : position + 8])
        end = position + 8 + size + (size & 1)
        if name != b"PEAK":
            chunks.append(raw[position:end])
        position = end
    out = b"".join(chunks)
    return out[:4] + struct.pack("<I", len(out) - 8) + out[8:]


def _check_format(entry):
    rate, channels, subtype, header = entry
    if int(rate) < 8000:
        raise ValueError(f"sample rates below 8000 Hz are not supported, got {entry}")
    if channels not in (1, 2) or header not in _HEADERS:
        raise ValueError(f"need 1 or 2 channels and a header 'wav' or 'wavex', got {entry}")
    if not sf.check_format(_HEADERS[header], subtype):
        raise ValueError(f"soundfile cannot write {subtype} in a {header} file: {entry}")
    return int(rate), int(channels), str(subtype), str(header)


def _short_position(index):
    """Position in [0, 1) of clip ``index`` in a golden-ratio (Weyl) sequence."""
    return float(np.mod(index * _GOLDEN, 1.0))


def make_urbansound8k_like(
    out_dir,
    clips_per_class=20,
    clip_seconds=4.0,
    n_folds=10,
    short_fraction=0.2,
    short_seconds=(0.3, 3.5),
    salience2_fraction=0.35,
    background_db=(20.0, 35.0),
    salience2_background_db=(6.0, 12.0),
    slices_per_recording=3,
    seed=1234,
    formats=None,
):
    """Writes an UrbanSound8K-layout dataset of synthetic sound events.

    Files: ``audio/fold<fold>/<fsID>-<classID>-0-<slice>.wav``,
    ``metadata/UrbanSound8K.csv`` (official columns and order, rows sorted
    by file name) and ``metadata/synthetic.csv`` (ground truth, same rows).
    Clip ``k`` of class ``classID`` (:data:`URBANSOUND8K_CLASSES`) has seed
    ``derive_seed(seed, classID, k)`` and fold ``k % n_folds + 1``; it holds
    one event of kind ``SOUND_CLASSES[classID]`` over a coloured background
    noise, drawn by :func:`synthesize_clip` at the file's own sample rate
    (below 16 kHz the events' bands shrink to 0.45 x the rate, as
    :func:`synthesize_event` does: no aliasing).

    * Recordings: the clips of a class in a fold are grouped by
      ``slices_per_recording`` into recordings (one ``fsID``, slices 0, 1,
      ...; ``start = offset + slice * clip_seconds``, ``end = start +
      duration``). A recording has one format: entry ``(10 * r + classID)
      % len(formats)`` of ``formats``, ``r`` its rank in the class.
    * Length: clip ``i = 10 * k + classID`` is short when ``u = frac((i - 6)
      * golden ratio)`` is below ``short_fraction``, of ``short_seconds[0] +
      u / short_fraction * (min(short_seconds[1], clip_seconds) -
      short_seconds[0])`` seconds (the first gun_shot clip has
      ``short_seconds[0]``); the others last ``clip_seconds``.
    * Salience 2 (background) with probability ``salience2_fraction``: the
      noise is then ``salience2_background_db`` below the event instead of
      ``background_db``.
    * Stereo: the second channel is ``g * (event + background rolled by half
      its length)``, ``g`` in [0.6, 1], the channels swapped at random.
      ``event_rms`` and ``background_rms`` are those of the mean of the
      channels (the event's over its interval), before quantisation (8-bit
      files add noise at about -50 dBFS). Clips peaking above 0.9 are scaled
      down to 0.9.

    Files a previous run listed in ``metadata/synthetic.csv`` are deleted
    first; nothing else is. Same arguments, same bytes.

    Arguments
    ---------
    out_dir : str
        Dataset root (``UrbanSound8K/``; created).
    clips_per_class : int
        Clips per class (every fold has every class when >= ``n_folds``).
    clip_seconds : float
        Length of the full clips in seconds.
    n_folds : int
        Number of folds (UrbanSound8K has 10).
    short_fraction : float
        Share of the clips shorter than ``clip_seconds``.
    short_seconds : (float, float)
        Range of the short clips' lengths in seconds (the upper end is
        capped at ``clip_seconds``).
    salience2_fraction : float
        Probability of salience 2 (background event).
    background_db, salience2_background_db : (float, float)
        Background level range in dB below the event's RMS for salience 1
        and 2 (see :func:`synthesize_clip`).
    slices_per_recording : int
        Clips (slices) per fsID.
    seed : int
        Dataset seed.
    formats : sequence of (int, int, str, str), optional
        ``(sample_rate, channels, subtype, header)`` cycled over recordings:
        rate >= 8000 Hz, 1 or 2 channels, a soundfile subtype, header
        ``"wav"`` or ``"wavex"``; default :data:`URBANSOUND8K_FORMATS`. A
        length prime to 10 spreads every format over every class.

    Returns
    -------
    pandas.DataFrame
        The ``metadata/synthetic.csv`` table (columns
        :data:`URBANSOUND8K_SYNTHETIC_COLUMNS`).

    Example
    -------
    >>> root = str(getfixture("tmpdir") / "UrbanSound8K")
    >>> table = make_urbansound8k_like(root, clips_per_class=2, clip_seconds=0.5, n_folds=2)
    >>> with open(os.path.join(root, "metadata", "UrbanSound8K.csv")) as f:
    ...     f.read().splitlines()[:2]  # doctest: +NORMALIZE_WHITESPACE
    ['slice_file_name,fsID,start,end,salience,fold,classID,class',
     '100000-0-0-0.wav,100000,22.423858,22.923858,2,1,0,air_conditioner']
    >>> len(table), table.loc[0, "header"]
    (20, 'wav')
    >>> info = sf.info(os.path.join(root, "audio", "fold1", "100000-0-0-0.wav"))
    >>> info.samplerate, info.channels, info.subtype, info.format
    (44100, 2, 'PCM_16', 'WAV')
    """
    formats = [_check_format(f) for f in (URBANSOUND8K_FORMATS if formats is None else formats)]
    clips_per_class, n_folds = int(clips_per_class), int(n_folds)
    spr, clip_seconds = int(slices_per_recording), float(clip_seconds)
    if not formats or n_folds < 1 or spr < 1 or not 0 <= clips_per_class < 10000:
        raise ValueError("need formats, n_folds >= 1, slices_per_recording >= 1 and "
                         "0 <= clips_per_class < 10000")
    if not 0 <= short_fraction <= 1 or not 0 <= salience2_fraction <= 1:
        raise ValueError("short_fraction and salience2_fraction must be in [0, 1]")
    low, high = (float(s) for s in short_seconds)
    high = min(high, clip_seconds)
    if clip_seconds <= 0:
        raise ValueError(f"clip_seconds must be positive, got {clip_seconds}")
    if short_fraction > 0 and not (0 < low < clip_seconds and low <= high):
        raise ValueError(f"need 0 < short_seconds[0] < clip_seconds and an ordered range, "
                         f"got {short_seconds}")
    out_dir = str(out_dir)
    audio_dir, meta_dir = os.path.join(out_dir, "audio"), os.path.join(out_dir, "metadata")
    _remove_stale(
        os.path.join(meta_dir, "synthetic.csv"),
        lambda row: [os.path.join(audio_dir, f"fold{row.get('fold', '')}", row["filename"])]
        if _NAME.match(row["filename"]) and str(row.get("fold", "")).isdigit() else [],
    )
    os.makedirs(meta_dir, exist_ok=True)
    rows, official = [], []
    for class_id, name in enumerate(URBANSOUND8K_CLASSES):
        kind = SOUND_CLASSES[class_id]
        for k in range(clips_per_class):
            fold, slice_id = k % n_folds + 1, (k // n_folds) % spr
            rank = (k // n_folds // spr) * n_folds + k % n_folds  # recording rank in class
            fs_id = 100000 + 10000 * class_id + rank
            rate, channels, subtype, header = formats[(10 * rank + class_id) % len(formats)]
            u = _short_position(10 * k + class_id - 6)
            n = int(np.floor(clip_seconds * rate + 0.5))
            if u < short_fraction:
                seconds = low + u / short_fraction * (high - low)
                n = max(2, min(n - 1, int(np.floor(seconds * rate + 0.5))))
            clip_seed = derive_seed(seed, class_id, k)
            rng = np.random.default_rng(clip_seed)
            salience = 2 if rng.random() < salience2_fraction else 1
            gain, swap = rng.uniform(0.6, 1.0), rng.random() < 0.5
            mix, source, info = synthesize_clip(
                kind, n, rate, rng, salience2_background_db if salience == 2 else background_db
            )
            wave = mix[None].astype(np.float64)
            event, background = source.astype(np.float64), (mix - source).astype(np.float64)
            if channels == 2:
                rolled = np.roll(background, n // 2)
                other = gain * (event + rolled)
                wave = np.stack([other, wave[0]] if swap else [wave[0], other])
                event, background = event * (1 + gain) / 2, (background + gain * rolled) / 2
            scale = min(1.0, _PEAK_LIMIT / max(np.abs(wave).max(), 1e-12))
            start, stop = round(info["onset_s"] * rate), round(info["offset_s"] * rate)
            fold_dir = os.path.join(audio_dir, f"fold{fold}")
            os.makedirs(fold_dir, exist_ok=True)
            filename = f"{fs_id}-{class_id}-0-{slice_id}.wav"
            with open(os.path.join(fold_dir, filename), "wb") as f:
                f.write(_wav_bytes((scale * wave).T, rate, subtype, header))
            offset = np.random.default_rng(derive_seed(seed, class_id, fs_id)).uniform(0.0, 30.0)
            begin = round(offset + slice_id * clip_seconds, 6)
            official.append([filename, fs_id, begin, round(begin + n / rate, 6), salience, fold,
                             class_id, name])
            rows.append([
                filename, fold, class_id, name, kind, salience, n / rate, info["onset_s"],
                info["offset_s"], info["f_low_hz"], info["f_high_hz"],
                scale * _rms(event[start:stop]), scale * _rms(background), clip_seed, rate,
                channels, subtype, header,
            ])
    official = pd.DataFrame(official, columns=URBANSOUND8K_COLUMNS)
    official = official.sort_values("slice_file_name", kind="stable")
    table = pd.DataFrame(rows, columns=URBANSOUND8K_SYNTHETIC_COLUMNS).loc[official.index]
    official.to_csv(os.path.join(meta_dir, "UrbanSound8K.csv"), index=False)
    table.to_csv(os.path.join(meta_dir, "synthetic.csv"), index=False)
    return table.reset_index(drop=True)
