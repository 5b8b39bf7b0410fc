"""Dataset writers: ESC-50 and WHAM! folder layouts of synthetic audio.

:func:`make_esc50_like` and :func:`make_wham_like` write the files, their
metadata tables, and delete only the files a previous run listed.

Authors
 * speechbrain-interp developers 2026
"""

import os
import re

import numpy as np
import pandas as pd

from speechbrain_interp.synthetic.events import SOUND_CLASSES, synthesize_clip
from speechbrain_interp.synthetic.noise import WHAM_KINDS, synthesize_noise
from speechbrain_interp.synthetic.signals import _write_wav, derive_seed

__all__ = ["ESC50_COLUMNS", "SYNTHETIC_COLUMNS", "make_esc50_like", "make_wham_like"]

ESC50_COLUMNS = ["filename", "fold", "target", "category", "esc10", "src_file", "take"]
SYNTHETIC_COLUMNS = [
    "filename", "category", "target", "fold", "onset_s", "offset_s",
    "f_low_hz", "f_high_hz", "event_rms", "background_rms", "seed",
]
_ESC_NAME = re.compile(r"^\d+-\d+-A-\d+\.wav$")
_WHAM_NAME = re.compile(r"^(tr|cv|tt)_\d+_[a-z]+\.wav$")
_WHAM_SPLITS = ("tr", "cv", "tt")


def _remove_stale(meta_csv, paths_of_row, columns=("filename",)):
    """Deletes the files a previous run listed in ``meta_csv`` (only those;
    a table without ``columns`` is not one we wrote), then the per-clip
    folders under ``sources/`` this leaves empty."""
    if not os.path.isfile(meta_csv):
        return
    try:
        table = pd.read_csv(meta_csv, dtype=str, keep_default_na=False)
    except (ValueError, UnicodeDecodeError):  # not a table we wrote
        return
    if not set(columns) <= set(table.columns):
        return
    for row in table.to_dict("records"):
        for path in paths_of_row(row):
            if os.path.isfile(path):
                os.remove(path)
                folder = os.path.dirname(path)
                parent = os.path.basename(os.path.dirname(folder))
                if parent == "sources" and not os.listdir(folder):
                    os.rmdir(folder)


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
