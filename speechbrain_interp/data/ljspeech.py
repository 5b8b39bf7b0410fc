"""LJSpeech: finding, checking and drawing from the published layout.

LJSpeech-1.1 (https://keithito.com/LJ-Speech-Dataset/) is 13,100 short
clips of one speaker reading, shipped as ``LJSpeech-1.1.tar.bz2`` which
unpacks to ``LJSpeech-1.1/metadata.csv`` and ``LJSpeech-1.1/wavs/<id>.wav``
(22050 Hz, mono, 16-bit PCM). ``metadata.csv`` has no header; each line is
``id|raw text|normalized text``, ``|``-separated, and the text holds
unescaped double quotes (so it is read without csv quoting).

Here it is an evaluation contaminant: :func:`ljspeech_files` checks the
layout and lists the utterances, :func:`speech_bank` draws seeded random
crops of them (a :class:`~speechbrain_interp.data.wham.NoiseBank`), to
be mixed into test clips like any noise. For a stand-in without the real
data, see :func:`speechbrain_interp.synthetic.make_ljspeech_like`.

Authors
 * speechbrain-interp developers 2026
"""

import csv
import os

from speechbrain.utils.logger import get_logger
from speechbrain_interp.audio import AudioError, audio_info
from speechbrain_interp.data.wham import NoiseBank
from speechbrain_interp.data.download import download_and_extract
from speechbrain_interp.data.tables import format_names

__all__ = [
    "LJSPEECH_URL",
    "download_ljspeech",
    "find_ljspeech",
    "ljspeech_files",
    "read_ljspeech_metadata",
    "speech_bank",
    "split_utterances",
]

logger = get_logger(__name__)

#: the official archive (about 2.6 GB; unpacks to ``LJSpeech-1.1/``)
LJSPEECH_URL = "https://data.keithito.com/data/speech/LJSpeech-1.1.tar.bz2"
LJSPEECH_ARCHIVE_ROOT = "LJSpeech-1.1"
#: sample rate of the published wavs
LJSPEECH_SAMPLE_RATE = 22050
LAYOUT = (
    "<root>/metadata.csv (lines 'id|text|normalized text') and "
    "<root>/wavs/<id>.wav, where <root> is the given folder or its "
    "LJSpeech-1.1/ sub-folder"
)


def _manual_hint(dest):
    return (
        f"To get it by hand, download {LJSPEECH_URL} elsewhere and unpack it "
        f"in {dest} so that {os.path.join(dest, LJSPEECH_ARCHIVE_ROOT, 'metadata.csv')} "
        "exists."
    )


def download_ljspeech(dest, keep_archive=False):
    """Downloads and unpacks the official LJSpeech-1.1 archive into ``dest``.

    Arguments
    ---------
    dest : str
        Destination folder (created if needed); the archive's
        ``LJSpeech-1.1/`` folder lands in it.
    keep_archive : bool
        Keep the downloaded ``.tar.bz2`` in ``dest``.

    Returns
    -------
    str
        ``<dest>/LJSpeech-1.1``.

    Raises
    ------
    RuntimeError
        When the archive cannot be downloaded (the message names the URL,
        the reason and how to get the data by hand) or lacks
        ``LJSpeech-1.1/metadata.csv``.

    Example
    -------
    >>> import urllib.request, urllib.error
    >>> def offline(*args, **kwargs):
    ...     raise urllib.error.URLError("network unreachable")
    >>> getfixture("monkeypatch").setattr(urllib.request, "urlopen", offline)
    >>> download_ljspeech(str(getfixture("tmpdir") / "lj"))
    Traceback (most recent call last):
    ...
    RuntimeError: could not download LJSpeech from https://data.keithito.com/...
    (network unreachable)...
    """
    dest = str(dest)
    download_and_extract(
        LJSPEECH_URL,
        dest,
        what="LJSpeech",
        manual_hint=_manual_hint(dest),
        keep_archive=keep_archive,
    )
    folder = os.path.join(dest, LJSPEECH_ARCHIVE_ROOT)
    if not os.path.isfile(os.path.join(folder, "metadata.csv")):
        raise RuntimeError(
            f"the archive from {LJSPEECH_URL} did not provide "
            f"{os.path.join(folder, 'metadata.csv')}"
        )
    return folder


def find_ljspeech(root):
    """The folder holding ``metadata.csv``: ``root`` or ``root/LJSpeech-1.1``.

    Arguments
    ---------
    root : str
        The dataset folder, or the folder the archive was unpacked into.

    Returns
    -------
    str

    Raises
    ------
    FileNotFoundError
        Naming ``root`` when it is missing or neither place holds
        ``metadata.csv``.

    Example
    -------
    >>> root = getfixture("tmpdir")
    >>> _ = (root / "LJSpeech-1.1" / "metadata.csv").ensure()
    >>> find_ljspeech(str(root)) == str(root / "LJSpeech-1.1")
    True
    """
    root = str(root)
    if not os.path.isdir(root):
        raise FileNotFoundError(
            f"LJSpeech folder {root} does not exist (expected {LAYOUT}; "
            "download_ljspeech fetches the official archive)"
        )
    for folder in (root, os.path.join(root, LJSPEECH_ARCHIVE_ROOT)):
        if os.path.isfile(os.path.join(folder, "metadata.csv")):
            return folder
    raise FileNotFoundError(
        f"no metadata.csv in {root} nor in {os.path.join(root, LJSPEECH_ARCHIVE_ROOT)} "
        f"(expected {LAYOUT})"
    )


def read_ljspeech_metadata(path):
    """Parses an LJSpeech ``metadata.csv``.

    Blank lines are ignored; the third column (normalized text) may be
    absent, as the raw text then stands for it.

    Arguments
    ---------
    path : str
        The ``metadata.csv`` file (UTF-8, ``|``-separated, no quoting).

    Returns
    -------
    list of (str, str, str)
        ``(id, raw text, normalized text)`` in file order.

    Raises
    ------
    ValueError
        Naming the file and line: fewer than 2 columns, an empty or unsafe
        id (one with a path separator), a repeated id, or text that is not
        UTF-8.

    Example
    -------
    >>> path = getfixture("tmpdir") / "metadata.csv"
    >>> _ = path.write_text('LJ001-0001|He said "no" twice|He said "no" twice\\n', "utf-8")
    >>> read_ljspeech_metadata(str(path))
    [('LJ001-0001', 'He said "no" twice', 'He said "no" twice')]
    """
    path = str(path)
    rows, seen = [], {}
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle, delimiter="|", quoting=csv.QUOTE_NONE)
            for row in reader:
                line = reader.line_num
                if not row or (len(row) == 1 and not row[0].strip()):
                    continue
                if len(row) < 2:
                    raise ValueError(
                        f"{path}, line {line}: expected 'id|text|normalized text' "
                        f"(at least 2 '|'-separated columns), got 1 column: {row[0]!r}"
                    )
                utt = row[0].strip()
                if not utt or "/" in utt or "\\" in utt or utt.startswith("."):
                    raise ValueError(f"{path}, line {line}: bad utterance id {row[0]!r}")
                if utt in seen:
                    raise ValueError(
                        f"{path}, line {line}: utterance id {utt!r} already on line "
                        f"{seen[utt]}"
                    )
                seen[utt] = line
                rows.append((utt, row[1], row[2] if len(row) > 2 else row[1]))
    except UnicodeDecodeError as err:
        raise ValueError(f"{path}: not UTF-8 text ({err})") from err
    return rows


def ljspeech_files(root, min_duration_s=0.0, skip_missing=False, download=False):
    """Lists the utterances of an LJSpeech-layout folder, checking the layout.

    Arguments
    ---------
    root : str
        Folder holding ``metadata.csv`` and ``wavs/``, or the folder holding
        ``LJSpeech-1.1/`` (where the archive was unpacked).
    min_duration_s : float
        Leave out utterances shorter than this (reads every wav header; 0
        reads none).
    skip_missing : bool
        Leave out, with a warning, the utterances whose wav is missing (or,
        when durations are read, unreadable) instead of raising.
    download : bool
        Download the official archive into ``root`` when no
        ``metadata.csv`` is found.

    Returns
    -------
    list of (str, str)
        ``(utterance id, wav path)`` in ``metadata.csv`` order.

    Raises
    ------
    FileNotFoundError
        Missing folder or ``metadata.csv`` (naming the folder), missing wavs
        (naming them), or no utterance left.
    ValueError
        Malformed ``metadata.csv`` (see :func:`read_ljspeech_metadata`).
    AudioError
        An unreadable wav when ``min_duration_s > 0`` (naming it).

    Example
    -------
    >>> from speechbrain_interp.synthetic import make_ljspeech_like
    >>> root = str(getfixture("tmpdir"))
    >>> _ = make_ljspeech_like(root, n_utterances=3, seconds=(0.5, 1.0))
    >>> files = ljspeech_files(root)
    >>> [utt for utt, _ in files]
    ['LJ001-0001', 'LJ001-0002', 'LJ001-0003']
    >>> os.path.relpath(files[0][1], root)
    'LJSpeech-1.1/wavs/LJ001-0001.wav'
    """
    root = str(root)
    try:
        folder = find_ljspeech(root)
    except FileNotFoundError:
        if not download:
            raise
        logger.info("no LJSpeech in %s: downloading it", root)
        folder = download_ljspeech(root)
    meta = os.path.join(folder, "metadata.csv")
    rows = read_ljspeech_metadata(meta)
    if not rows:
        raise FileNotFoundError(f"{meta} lists no utterance (expected {LAYOUT})")
    wavs = os.path.join(folder, "wavs")
    files = [(utt, os.path.join(wavs, utt + ".wav")) for utt, _, _ in rows]
    missing = [path for _, path in files if not os.path.isfile(path)]
    if missing:
        message = (
            f"{len(missing)} of the {len(files)} wavs listed in {meta} are missing: "
            f"{format_names(missing, limit=5)}"
        )
        if not skip_missing:
            raise FileNotFoundError(message + " (skip_missing=True leaves them out)")
        logger.warning("%s; leaving them out", message)
        files = [(utt, path) for utt, path in files if path not in set(missing)]
    if min_duration_s > 0:
        kept, short, bad = [], 0, []
        for utt, path in files:
            try:
                rate, frames, _ = audio_info(path)
            except AudioError:
                if not skip_missing:
                    raise
                bad.append(path)
                continue
            if frames < min_duration_s * rate:
                short += 1
            else:
                kept.append((utt, path))
        if bad:
            logger.warning("leaving out unreadable wavs: %s", format_names(bad, limit=5))
        if short:
            logger.info("%d utterances shorter than %g s left out", short, min_duration_s)
        files = kept
    if not files:
        raise FileNotFoundError(
            f"no usable utterance in {folder} (min_duration_s={min_duration_s})"
        )
    return files


def split_utterances(files, part="all", held_out=0.2):
    """The training or the held-out utterances of a list.

    LJSpeech is ordered by chapter (``LJ001`` ... ``LJ050``): the last
    ``held_out`` fraction of the list (at least one utterance, and at least
    one left for training) is the held-out part, so that the speech mixed
    into evaluation clips is never the speech an interpreter was trained on,
    nor the same text.

    Arguments
    ---------
    files : list
        Utterances in ``metadata.csv`` order (e.g. :func:`ljspeech_files`).
    part : str
        ``"train"`` (the first part), ``"test"`` (the held-out part) or
        ``"all"``.
    held_out : float
        Fraction of the list held out, in ``(0, 1)``.

    Returns
    -------
    list

    Example
    -------
    >>> utts = [f"LJ{i:03d}" for i in range(10)]
    >>> split_utterances(utts, "test"), len(split_utterances(utts, "train"))
    (['LJ008', 'LJ009'], 8)
    >>> split_utterances(["LJ001"], "test")
    Traceback (most recent call last):
    ...
    ValueError: 1 utterance cannot be split into a training and a held-out part
    """
    if part not in ("train", "test", "all"):
        raise ValueError(f"part must be 'train', 'test' or 'all', got {part!r}")
    if part == "all":
        return list(files)
    if not 0.0 < float(held_out) < 1.0:
        raise ValueError(f"held_out must be in (0, 1), got {held_out}")
    if len(files) < 2:
        raise ValueError(
            f"{len(files)} utterance cannot be split into a training and a held-out part")
    n_test = min(len(files) - 1, max(1, round(len(files) * float(held_out))))
    return list(files[:-n_test]) if part == "train" else list(files[-n_test:])


def speech_bank(
    root,
    sample_rate,
    segment_samples,
    seed=0,
    min_duration_s=0.0,
    skip_missing=False,
    cache_size=0,
    download=False,
    part="all",
    held_out=0.2,
    generator=None,
):
    """A :class:`~speechbrain_interp.data.wham.NoiseBank` of LJSpeech utterances.

    Crops are drawn as for noise: a file uniformly at random, a position
    uniformly over it, read at the file's rate and resampled; utterances
    shorter than the segment are tiled. Every draw comes from the bank's
    generator, seeded by ``seed``.

    Arguments
    ---------
    root : str
        As in :func:`ljspeech_files`.
    sample_rate : int
        Sample rate of the returned crops.
    segment_samples : int
        Default crop length, in samples at ``sample_rate``.
    seed : int
        Seed of the bank's generator.
    min_duration_s, skip_missing, download
        As in :func:`ljspeech_files`.
    part, held_out
        Which utterances (:func:`split_utterances`): ``"train"`` for
        training-time contamination, ``"test"`` (held out) for evaluation.
    cache_size : int
        Decoded files kept in memory (see ``NoiseBank``).
    generator : torch.Generator, optional
        Draw from this generator instead of one seeded with ``seed`` (e.g.
        one shared with the other banks of a training-time contamination).

    Returns
    -------
    NoiseBank
        ``bank.sample(batch)`` gives ``[batch, segment_samples]`` float32
        crops, not normalised.

    Example
    -------
    >>> from speechbrain_interp.synthetic import make_ljspeech_like
    >>> root = str(getfixture("tmpdir"))
    >>> _ = make_ljspeech_like(root, n_utterances=2, seconds=(0.5, 1.0))
    >>> bank = speech_bank(root, 16000, 4000, seed=3)
    >>> len(bank), bank.sample(2).shape
    (2, torch.Size([2, 4000]))
    """
    files = ljspeech_files(
        root, min_duration_s=min_duration_s, skip_missing=skip_missing, download=download
    )
    files = split_utterances(files, part, held_out)
    return NoiseBank(
        os.path.dirname(files[0][1]),
        sample_rate,
        segment_samples,
        subset=None,
        seed=seed,
        cache_size=cache_size,
        files=[path for _, path in files],
        generator=generator,
    )
