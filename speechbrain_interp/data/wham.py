"""WHAM! noise data: a seeded noise bank, the download and the folder check.

WHAM! (``wham_noise.zip``) holds ambient recordings (cafés, bars, parks) of
arbitrary lengths in ``<wham>/{tr,cv,tt}/*.wav``. :class:`NoiseBank` draws
random crops from one subset and :func:`prepare_wham` finds (or downloads)
the data; :class:`speechbrain_interp.augment.wham.WhamAugment` mixes the
crops into training batches.

Unlike SpeechBrain's upstream ESC50 recipes (first 5 s of a random file),
crops start anywhere in the file, short files are tiled rather than
zero-padded, any rate and channel count is accepted, and every draw comes
from one seeded ``torch.Generator`` that a checkpoint can save
(``speechbrain.utils.repro.SaveableGenerator``).

Authors
 * speechbrain-interp developers 2026
"""

import collections
import math
import os

import torch

from speechbrain.dataio import audio_io
from speechbrain_interp.audio import (
    AudioError,
    audio_info,
    fix_length,
    load_audio,
    resample,
    to_mono,
)
from speechbrain_interp.data.download import download_and_extract

__all__ = ["WHAM_URL", "NoiseBank", "download_wham", "prepare_wham"]

#: where the WHAM! noise archive is published (about 17 GB)
WHAM_URL = (
    "https://my-bucket-a8b4b49c25c811ee9a7e8bba05fa24c7.s3.amazonaws.com/"
    "wham_noise.zip"
)
#: file extensions the noise bank reads (case-insensitive)
AUDIO_EXTENSIONS = (".wav", ".flac")
#: zero-crossings on each side of torchaudio's resampling kernel
_SINC_WIDTH = 6


class NoiseBank:
    """Random, seeded crops of the noise files of a folder.

    Each call to :meth:`sample` draws, for every item, a file uniformly at
    random and a crop position uniformly over the whole file (at the bank's
    sample rate). Only the needed frames are read from disk, at the file's
    own rate (plus a few frames on each side, so the resampling filter has
    no edge effects), then averaged over channels and resampled. Files
    shorter than the segment are tiled (``short="tile"``, for noise): read
    whole, rotated by a random offset and repeated end to end until the
    segment is full; or placed once at a random offset in silence
    (``short="pad"``, for sound events, which must not repeat).

    Each call draws one file index and one position per item from
    ``generator``: the segments are fully determined by its seed / state.

    Arguments
    ---------
    folder : str
        WHAM! root (holding ``tr/``, ``cv/``, ``tt/``) or any noise folder.
    sample_rate : int
        Sample rate of the returned segments.
    segment_samples : int
        Default segment length, in samples at ``sample_rate``.
    subset : str, optional
        Sub-folder to use (``"tr"``, ``"cv"`` or ``"tt"``); ``None`` uses
        ``folder`` itself. Audio files (wav, flac) are listed recursively.
    seed : int
        Seed of the bank's own generator (ignored if ``generator`` is given).
    generator : torch.Generator, optional
        A CPU generator to draw from instead of a freshly seeded one.
    cache_size : int
        Number of whole decoded files (mono, resampled) kept in memory
        (least recently used ones are dropped). 0 (default) reads each
        segment from disk; caching is only worth it for small banks. File
        infos (rate, frames, channels) are always cached.
    files : list of str, optional
        Explicit list of audio files to draw from (in this order), e.g. the
        utterances a dataset's metadata lists; the folder is then not
        listed and only names the bank (``subset`` still applies to that
        name). An empty list raises ValueError.
    short : str
        ``"tile"`` or ``"pad"``: what a file shorter than the segment gives
        (see above).

    A missing folder, or one without audio files, raises FileNotFoundError
    naming it (unless ``files`` is given).

    Example
    -------
    >>> from speechbrain.dataio import audio_io
    >>> root = getfixture("tmpdir")
    >>> _ = (root / "tr").mkdir()
    >>> audio_io.save(str(root / "tr" / "a.wav"), torch.rand(2, 48000), 48000)
    >>> bank = NoiseBank(str(root), sample_rate=16000, segment_samples=8000)
    >>> len(bank)
    1
    >>> bank.sample(3).shape
    torch.Size([3, 8000])
    >>> state = bank.generator.get_state()  # what a checkpoint saves
    >>> first = bank.sample(2)
    >>> _ = bank.generator.set_state(state)
    >>> torch.equal(bank.sample(2), first)
    True
    >>> events = NoiseBank(str(root), 16000, 40000, short="pad")  # a 1 s file in 2.5 s
    >>> [int((row != 0).sum()) for row in events.sample(2)]
    [16000, 16000]
    """

    def __init__(
        self,
        folder,
        sample_rate,
        segment_samples,
        subset="tr",
        seed=1234,
        generator=None,
        cache_size=0,
        files=None,
        short="tile",
    ):
        folder = str(folder)
        if short not in ("tile", "pad"):
            raise ValueError(f"short must be 'tile' or 'pad', got {short!r}")
        self.short = short
        self.folder = folder if subset is None else os.path.join(folder, subset)
        self.sample_rate = int(sample_rate)
        self.segment_samples = int(segment_samples)
        if self.sample_rate <= 0 or self.segment_samples <= 0:
            raise ValueError("sample_rate and segment_samples must be positive")
        if files is None:
            self.files = _list_audio_files(self.folder)
        else:
            self.files = [str(f) for f in files]
            if not self.files:
                raise ValueError(f"NoiseBank({self.folder!r}): the list of files is empty")
        self.seed = seed
        if generator is None:
            generator = torch.Generator().manual_seed(int(seed))
        self.generator = generator
        self.cache_size = int(cache_size)
        self._infos = {}
        self._cache = collections.OrderedDict()

    def __len__(self):
        return len(self.files)

    def __repr__(self):
        rate, length = self.sample_rate, self.segment_samples
        return f"NoiseBank({self.folder!r}, {len(self)} files, {rate} Hz, {length})"

    def info(self, path):
        """Cached ``(sample_rate, frames, channels)`` of a file (AudioError)."""
        if path not in self._infos:
            rate, frames, channels = audio_info(path)
            if frames == 0:
                raise AudioError(f"{path}: empty audio file (0 samples)")
            self._infos[path] = (rate, frames, channels)
        return self._infos[path]

    def sample(self, batch_size, num_samples=None):
        """Draws ``batch_size`` random noise segments.

        Arguments
        ---------
        batch_size : int
            Number of segments.
        num_samples : int, optional
            Segment length (at the bank's rate); defaults to
            ``segment_samples``.

        Returns
        -------
        torch.Tensor
            ``[batch_size, num_samples]`` float32, not normalised. A drawn
            file that is unreadable, empty or not finite raises
            :class:`~speechbrain_interp.audio.AudioError` naming it.
        """
        length = self.segment_samples if num_samples is None else int(num_samples)
        gen = self.generator
        indices = torch.randint(len(self.files), (batch_size,), generator=gen)
        positions = torch.rand(batch_size, generator=gen, dtype=torch.float64)
        segments = torch.zeros(batch_size, length)
        for row, (i, u) in enumerate(zip(indices.tolist(), positions.tolist())):
            segments[row] = self._segment(self.files[i], u, length)
        return segments

    def _segment(self, path, u, length):
        """One segment of ``path``; ``u`` in [0, 1) chooses the position."""
        rate, frames, _ = self.info(path)
        total = -(-frames * self.sample_rate // rate)  # length at our rate
        if total < length and self.short == "pad":  # once, at a random offset
            wave = self._whole(path)
            start = min(int(u * (length - wave.shape[-1] + 1)), length - wave.shape[-1])
            segment = torch.zeros(length)
            segment[start : start + wave.shape[-1]] = wave
            return segment
        if total < length:  # tile: random rotation, then repeat
            wave = self._whole(path)
            start = min(int(u * wave.shape[-1]), wave.shape[-1] - 1)
            wave = torch.roll(wave, -start)
            wave = wave.repeat(-(-length // wave.shape[-1]))
            return fix_length(wave, length)
        start = min(int(u * (total - length + 1)), total - length)
        if self.cache_size > 0:
            return fix_length(self._whole(path), length, offset=start)
        return self._read_crop(path, rate, frames, start, length)

    def _whole(self, path):
        """Whole file, mono, at the bank's rate (through the LRU cache)."""
        if path in self._cache:
            self._cache.move_to_end(path)
            return self._cache[path]
        wave = load_audio(path, self.sample_rate, normalize=False)
        if self.cache_size > 0:
            self._cache[path] = wave
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return wave

    def _read_crop(self, path, rate, frames, start, length):
        """Reads ``length`` samples from ``start`` (both at the bank's rate).

        The read starts where the native and target grids coincide, with a
        margin for the resampling kernel: the result equals (to rounding)
        the same crop of the whole resampled file.
        """
        target = self.sample_rate
        if rate == target:
            first, last, skip = start, start + length, start
        else:
            step = rate // math.gcd(rate, target)  # native frames per grid point
            margin = math.ceil(_SINC_WIDTH * rate / (0.99 * min(rate, target)))
            margin += 2
            first = max(0, (start * rate // target - margin) // step * step)
            last = min(frames, -(-(start + length) * rate // target) + margin)
            skip = first * target // rate
        try:
            wave, file_rate = audio_io.load(
                path, dtype=torch.float32, frame_offset=first, num_frames=last - first
            )
        except RuntimeError as err:
            raise AudioError(
                f"{path}: not a readable audio file ({err.__cause__ or err})"
            ) from err
        if not torch.isfinite(wave).all():
            raise AudioError(f"{path}: contains NaN or infinite samples")
        wave = resample(to_mono(wave), file_rate, target)
        return fix_length(wave[..., start - skip :], length)


def _list_audio_files(folder):
    """Sorted audio files under ``folder``, or a FileNotFoundError naming it."""
    if not os.path.isdir(folder):
        raise FileNotFoundError(
            f"noise folder {folder} does not exist (for WHAM!, point to the "
            "folder holding tr/, cv/ and tt/; see prepare_wham)"
        )
    files = []
    for root, dirs, names in os.walk(folder):
        dirs.sort()
        files.extend(
            os.path.join(root, name)
            for name in sorted(names)
            if name.lower().endswith(AUDIO_EXTENSIONS) and not name.startswith(".")
        )
    if not files:
        raise FileNotFoundError(
            f"noise folder {folder} holds no audio files "
            f"({', '.join(AUDIO_EXTENSIONS)})"
        )
    return files


def _manual_instructions(folder):
    tr = os.path.join(folder, "wham_noise", "tr")
    return (
        f"download {WHAM_URL} by hand (~17 GB) and unzip it in {folder} "
        f"so that {tr} exists"
    )


def download_wham(wham_folder, keep_zip=False):
    """Downloads and unpacks WHAM! noise into ``wham_folder``.

    The archive unpacks to ``<wham_folder>/wham_noise/{tr,cv,tt}``.

    Arguments
    ---------
    wham_folder : str
        Destination folder (created when missing).
    keep_zip : bool
        Keep ``wham_noise.zip`` after unpacking.

    Returns
    -------
    str
        ``<wham_folder>/wham_noise``. Raises RuntimeError naming the URL and
        how to get the data by hand when the network is unreachable or the
        archive is not as expected.
    """
    wham_folder = str(wham_folder)
    download_and_extract(
        WHAM_URL,
        wham_folder,
        what="WHAM! noise",
        manual_hint=_manual_instructions(wham_folder) + ".",
        keep_archive=keep_zip,
    )
    data = os.path.join(wham_folder, "wham_noise")
    if not os.path.isdir(os.path.join(data, "tr")):
        raise RuntimeError(
            f"the archive from {WHAM_URL} did not unpack to {data}/tr; "
            + _manual_instructions(wham_folder)
        )
    return data


def prepare_wham(wham_folder, download=True):
    """Finds the WHAM! noise data, downloading it when allowed and needed.

    Accepted layouts: ``<wham_folder>/tr`` (the unpacked ``wham_noise``
    folder itself) or ``<wham_folder>/wham_noise/tr`` (the folder the
    archive was unpacked into). When neither exists and ``download`` is
    True, the folder is created and the archive fetched into it.

    Arguments
    ---------
    wham_folder : str
        Where the data is, or should go.
    download : bool
        Download when the data is missing.

    Returns
    -------
    str
        The folder holding ``tr/`` (and ``cv/``, ``tt/``), for
        :class:`NoiseBank`. Raises FileNotFoundError when the data is
        missing and ``download`` is False, RuntimeError (naming the URL)
        when the download fails.

    Example
    -------
    >>> root = getfixture("tmpdir")
    >>> _ = (root / "wham_noise" / "tr").ensure(dir=True)
    >>> prepare_wham(str(root), download=False) == str(root / "wham_noise")
    True
    """
    wham_folder = str(wham_folder)
    for candidate in (wham_folder, os.path.join(wham_folder, "wham_noise")):
        if os.path.isdir(os.path.join(candidate, "tr")):
            return candidate
    if not download:
        raise FileNotFoundError(
            f"no WHAM! noise in {wham_folder} (expected {wham_folder}/tr or "
            f"{wham_folder}/wham_noise/tr); "
            + _manual_instructions(wham_folder)
            + " or call prepare_wham with download=True"
        )
    return download_wham(wham_folder)
