"""Audio loading and stateless waveform functions.

Every waveform that enters the project goes through :func:`load_audio`:
any readable wav/flac, any sample rate, any channel count, turned into a
mono float tensor at the model's sample rate and, when asked, cropped or
zero-padded to a fixed length and peak-normalised. Failures name the file.

File I/O uses ``speechbrain.dataio.audio_io`` (soundfile); torchaudio is only
used for its pure-Python resampling kernel.

Authors
 * speechbrain-interp developers 2026
"""

import functools
import math
import os

import torch

from speechbrain.dataio import audio_io

__all__ = [
    "AudioError",
    "check_wav_complete",
    "audio_info",
    "fix_length",
    "load_audio",
    "peak_normalize",
    "resample",
    "rms",
    "seconds_to_samples",
    "si_sdr",
    "to_mono",
]

#: peak (absolute) amplitude under which a clip counts as silent
SILENCE_PEAK = 1e-8


class AudioError(RuntimeError):
    """A file could not be turned into a usable waveform.

    The message always names the file.
    """


def check_wav_complete(path):
    """Raises :class:`AudioError` for a WAV file cut short (e.g. a broken download).

    A RIFF/WAVE header announces the size of its ``data`` chunk; audio
    readers decode what is there without a word when the file is shorter.
    Sizes a streaming writer leaves unset (0 or ``0xFFFFFFFF``) are not
    checked, nor are other formats.

    Example
    -------
    >>> import torch
    >>> from speechbrain.dataio import audio_io
    >>> path = getfixture("tmpdir") / "cut.wav"
    >>> audio_io.save(str(path), torch.zeros(1, 800), 8000)
    >>> check_wav_complete(str(path))
    >>> _ = path.write_binary(path.read_binary()[:500])
    >>> check_wav_complete(str(path))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    speechbrain_interp.audio.AudioError: ...cut.wav: truncated WAV file (the header announces 1600 bytes of audio, the file holds 456)
    """
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        header = f.read(12)
        if len(header) < 12 or header[:4] != b"RIFF" or header[8:12] != b"WAVE":
            return
        position = 12
        while position + 8 <= size:
            f.seek(position)
            chunk, length = f.read(4), int.from_bytes(f.read(4), "little")
            if chunk == b"data":
                if length in (0, 0xFFFFFFFF):
                    return
                held = size - position - 8
                if held < length:
                    raise AudioError(f"{path}: truncated WAV file (the header announces {length} "
                                     f"bytes of audio, the file holds {held})")
                return
            position += 8 + length + (length & 1)


def audio_info(path):
    """Returns ``(sample_rate, frames, channels)`` of an audio file.

    Arguments
    ---------
    path : str
        Audio file.

    Returns
    -------
    tuple of int
        Sample rate in Hz, number of frames, number of channels.

    Raises
    ------
    AudioError
        When the file is missing or unreadable.

    Example
    -------
    >>> import torch
    >>> from speechbrain.dataio import audio_io
    >>> path = str(getfixture("tmpdir") / "a.wav")
    >>> audio_io.save(path, torch.zeros(2, 800), 8000)
    >>> audio_info(path)
    (8000, 800, 2)
    """
    path = str(path)
    if not os.path.isfile(path):
        raise AudioError(f"{path}: no such audio file")
    try:
        info = audio_io.info(path)
    except RuntimeError as err:
        raise AudioError(f"{path}: not a readable audio file ({err.__cause__ or err})") from err
    return int(info.sample_rate), int(info.frames), int(info.channels)


def to_mono(wave):
    """Averages the channels of a ``[channels, time]`` tensor.

    Arguments
    ---------
    wave : torch.Tensor
        ``[channels, time]`` or ``[time]``.

    Returns
    -------
    torch.Tensor
        ``[time]``.

    Example
    -------
    >>> to_mono(torch.tensor([[1.0, 3.0], [3.0, 5.0]]))
    tensor([2., 4.])
    """
    if wave.dim() == 1:
        return wave
    return wave.mean(dim=0)


@functools.lru_cache(maxsize=16)
def _resampler(orig_freq, new_freq):
    import torchaudio

    return torchaudio.transforms.Resample(orig_freq=orig_freq, new_freq=new_freq)


def resample(wave, orig_freq, new_freq):
    """Resamples ``[..., time]`` from ``orig_freq`` to ``new_freq`` Hz.

    Uses torchaudio's band-limited sinc interpolation (kernels cached).

    Arguments
    ---------
    wave : torch.Tensor
        ``[..., time]``.
    orig_freq : int
        Sample rate of ``wave``.
    new_freq : int
        Wanted sample rate.

    Returns
    -------
    torch.Tensor
        ``[..., ceil(time * new_freq / orig_freq)]``.

    Example
    -------
    >>> resample(torch.randn(2, 48000), 48000, 16000).shape
    torch.Size([2, 16000])
    """
    orig_freq, new_freq = int(orig_freq), int(new_freq)
    if orig_freq == new_freq:
        return wave
    return _resampler(orig_freq, new_freq).to(wave.dtype)(wave)


def fix_length(wave, length, offset=0):
    """Crops or zero-pads the last dimension to ``length`` samples.

    Arguments
    ---------
    wave : torch.Tensor
        ``[..., time]``.
    length : int
        Wanted number of samples.
    offset : int
        First sample kept when cropping (ignored when padding).

    Returns
    -------
    torch.Tensor
        ``[..., length]``; padding is appended at the end.

    Example
    -------
    >>> fix_length(torch.ones(3), 5)
    tensor([1., 1., 1., 0., 0.])
    >>> fix_length(torch.arange(5.0), 2, offset=1)
    tensor([1., 2.])
    """
    n = wave.shape[-1]
    if n >= length:
        offset = max(0, min(int(offset), n - length))
        return wave[..., offset : offset + length]
    return torch.nn.functional.pad(wave, (0, length - n))


def peak_normalize(wave, eps=SILENCE_PEAK):
    """Divides each signal by its absolute peak; silence stays silence.

    Arguments
    ---------
    wave : torch.Tensor
        ``[time]`` or ``[batch, time]``.
    eps : float
        Signals whose peak is below ``eps`` are returned unchanged (never
        amplified, never NaN).

    Returns
    -------
    torch.Tensor
        Same shape, with ``max |x| == 1`` per signal (or unchanged silence).

    Example
    -------
    >>> peak_normalize(torch.tensor([0.5, -0.25]))
    tensor([ 1.0000, -0.5000])
    >>> peak_normalize(torch.zeros(3))
    tensor([0., 0., 0.])
    """
    peak = wave.abs().amax(dim=-1, keepdim=True)
    return torch.where(peak > eps, wave / peak.clamp_min(eps), wave)


def rms(wave):
    """Root mean square over the last dimension.

    Example
    -------
    >>> rms(torch.tensor([3.0, -3.0]))
    tensor(3.)
    """
    return wave.pow(2).mean(dim=-1).sqrt()


def si_sdr(estimate, reference, eps=1e-8):
    """Scale-invariant signal-to-distortion ratio in dB.

    ``10 log10(||a s||^2 / ||a s - s_hat||^2)`` with ``a = <s_hat, s> / ||s||^2``.

    Arguments
    ---------
    estimate : torch.Tensor
        ``[..., time]``.
    reference : torch.Tensor
        ``[..., time]``.
    eps : float
        Guards against division by zero.

    Returns
    -------
    torch.Tensor
        ``[...]`` in dB.

    Example
    -------
    >>> s = torch.sin(torch.arange(1000.0))
    >>> float(si_sdr(2 * s, s)) > 100
    True
    """
    ref_energy = reference.pow(2).sum(-1, keepdim=True) + eps
    scale = (estimate * reference).sum(-1, keepdim=True) / ref_energy
    target = scale * reference
    noise = target - estimate
    return 10 * torch.log10(
        (target.pow(2).sum(-1) + eps) / (noise.pow(2).sum(-1) + eps)
    )


def load_audio(
    path,
    sample_rate,
    length=None,
    offset=0,
    normalize=True,
    allow_silent=True,
):
    """Loads a file as a mono waveform at ``sample_rate``.

    Steps: read (any format soundfile reads, any channel count) -> mean over
    channels -> resample -> crop/zero-pad to ``length`` samples -> safe peak
    normalisation.

    Arguments
    ---------
    path : str
        Audio file.
    sample_rate : int
        Wanted sample rate in Hz.
    length : int, optional
        Wanted number of samples; ``None`` keeps the file's length.
    offset : int
        First sample kept when the file is longer than ``length`` (at the
        wanted rate).
    normalize : bool
        Divide by the absolute peak (silence is left untouched).
    allow_silent : bool
        If False, an all-zero file raises :class:`AudioError`.

    Returns
    -------
    torch.Tensor
        ``[length]`` (or ``[time]``) float32.

    Raises
    ------
    AudioError
        Missing, unreadable, empty (0 samples) or non-finite file, or a
        silent one when ``allow_silent`` is False. The message names the file.

    Example
    -------
    >>> import torch
    >>> from speechbrain.dataio import audio_io
    >>> path = str(getfixture("tmpdir") / "stereo48k.wav")
    >>> audio_io.save(path, 0.5 * torch.ones(2, 48000), 48000)
    >>> wave = load_audio(path, 16000, length=32000)
    >>> wave.shape
    torch.Size([32000])
    >>> round(float(wave.abs().max()), 3)
    1.0
    """
    path = str(path)
    if not os.path.isfile(path):
        raise AudioError(f"{path}: no such audio file")
    check_wav_complete(path)
    try:
        wave, file_rate = audio_io.load(path, dtype=torch.float32)
    except RuntimeError as err:
        raise AudioError(
            f"{path}: not a readable audio file ({err.__cause__ or err})"
        ) from err
    if wave.numel() == 0 or wave.shape[-1] == 0:
        raise AudioError(f"{path}: empty audio file (0 samples)")
    if not torch.isfinite(wave).all():
        raise AudioError(f"{path}: contains NaN or infinite samples")
    wave = to_mono(wave)
    wave = resample(wave, file_rate, sample_rate)
    if length is not None:
        wave = fix_length(wave, int(length), offset=offset)
    if not allow_silent and wave.abs().max() <= SILENCE_PEAK:
        raise AudioError(f"{path}: silent audio (all samples are zero)")
    if normalize:
        wave = peak_normalize(wave)
    return wave.contiguous()


def seconds_to_samples(seconds, sample_rate):
    """Number of samples in ``seconds`` at ``sample_rate`` (rounded).

    Example
    -------
    >>> seconds_to_samples(5, 16000)
    80000
    """
    return int(math.floor(float(seconds) * int(sample_rate) + 0.5))
