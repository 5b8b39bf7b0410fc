"""A pretrained sound classifier behind SpeechBrain's ``Pretrained`` interface.

    from speechbrain_interp.inference import SoundClassifier
    classifier = SoundClassifier.from_hparams(source="results/demo/classifier/1234/pretrained")
    result = classifier.classify_file("dog.wav")
    result.labels, result.top_k

The source is a pretrained folder (:mod:`speechbrain_interp.pretrained`),
local or on the HuggingFace hub. Files of any length, sample rate and
channel count are classified: they are mixed down, resampled, peak
normalised as the training clips were, and a recording longer than the
classifier's clip is classified window by window (``window_s``, ``hop_s`` of
the folder's ``hyperparams.yaml``; the recording's probabilities are the
mean over windows).

Authors
 * speechbrain-interp developers 2026
"""

import math
import os
from dataclasses import dataclass
from typing import List, Optional

import torch
from speechbrain.inference.interfaces import Pretrained

from speechbrain_interp.adapters.families import ADAPTED_FAMILIES, classifier_family, load_adapted
from speechbrain_interp.audio import AudioError, load_audio, seconds_to_samples
from speechbrain_interp.inference.adapted import (
    adapted_hparams, packaged_settings, split_overrides,
)  # fmt: skip
from speechbrain_interp.inference.labels import check_labels, label_difference
from speechbrain_interp.inference.loading import (
    check_run_opts, keep_random_state, load_pretrained,
)  # fmt: skip
from speechbrain_interp.inference.windows import align_to_frames, classify_long
from speechbrain_interp.interpreters.interpretation import as_wave_batch
from speechbrain_interp.float32 import as_float32
from speechbrain_interp.precision import autocast

__all__ = ["Classification", "Recordings", "SoundClassifier", "check_labels", "check_windowing",
           "label_difference", "load_classifier", "load_recording", "pad_to_window"]


@dataclass
class Classification:
    """What :meth:`SoundClassifier.classify_batch` and ``classify_file`` return.

    Attributes
    ----------
    probabilities : torch.Tensor
        ``[B, C]`` softmax (sigmoid for a multi-label classifier).
    index : torch.Tensor
        ``[B]`` most likely class.
    labels : list of str
        ``B`` names of ``index``.
    top_k : list of list of (str, float)
        The ``k`` most likely classes of each item with their probabilities.
    logits : torch.Tensor or None
        ``[B, C]`` (``None`` for a file classified window by window).
    active : list of list of str or None
        Multi-label: the classes above the decision threshold.
    window_starts : torch.Tensor or None
        A file classified window by window: ``[W]`` start of each window
        (seconds).
    window_probabilities : torch.Tensor or None
        ``[W, C]`` the probabilities of each window.
    """

    probabilities: torch.Tensor
    index: torch.Tensor
    labels: List[str]
    top_k: list
    logits: Optional[torch.Tensor] = None
    active: Optional[list] = None
    window_starts: Optional[torch.Tensor] = None
    window_probabilities: Optional[torch.Tensor] = None


def pad_to_window(wavs, wav_lens, window):
    """Zeroes what lies past each relative length and pads to ``window`` samples.

    Arguments
    ---------
    wavs : torch.Tensor
        ``[B, N]``.
    wav_lens : torch.Tensor or None
        ``[B]`` relative lengths in ``(0, 1]`` (SpeechBrain's convention).
    window : int
        The classifier's clip length in samples.

    Returns
    -------
    torch.Tensor
        ``[B, max(N, window)]``.

    Example
    -------
    >>> pad_to_window(torch.ones(2, 4), torch.tensor([1.0, 0.5]), 6)
    tensor([[1., 1., 1., 1., 0., 0.],
            [1., 1., 0., 0., 0., 0.]])
    """
    if wav_lens is not None:
        wav_lens = torch.as_tensor(wav_lens, dtype=torch.float32).flatten()
        if wav_lens.shape[0] != wavs.shape[0] or bool(((wav_lens <= 0) | (wav_lens > 1)).any()):
            raise ValueError(f"wav_lens must be {wavs.shape[0]} relative lengths in (0, 1], "
                             f"got {wav_lens.tolist()}")
        keep = torch.arange(wavs.shape[1]).unsqueeze(0) < (wav_lens * wavs.shape[1]).round().unsqueeze(1)
        wavs = wavs * keep.to(wavs.device, wavs.dtype)
    if wavs.shape[1] < window:
        wavs = torch.nn.functional.pad(wavs, (0, window - wavs.shape[1]))
    return wavs


def _seconds(value, name):
    """``value`` as a positive finite number of seconds, or a ``ValueError`` naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{name} must be a number of seconds, got {value!r}")
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive number of seconds, got {value!r}")
    return float(value)


def check_windowing(window_s, hop_s):
    """Refuses a window or hop that cannot cut a recording into windows.

    A hop of 0 (or less) would not advance; a hop longer than the window
    would leave parts of the recording that no window hears.

    Arguments
    ---------
    window_s : float
        The classifier's clip length in seconds.
    hop_s : float
        Seconds between window starts.

    Raises
    ------
    ValueError
        Naming ``window_s`` or ``hop_s`` and the value.

    Example
    -------
    >>> check_windowing(5.0, 2.5)
    >>> check_windowing(5.0, 0)
    Traceback (most recent call last):
    ...
    ValueError: hop_s must be a positive number of seconds, got 0
    >>> check_windowing(5.0, 6.0)
    Traceback (most recent call last):
    ...
    ValueError: hop_s (6.0 s) must not exceed window_s (5.0 s): the windows would leave gaps
    """
    window_s = _seconds(window_s, "window_s")
    hop_s = _seconds(hop_s, "hop_s")
    if hop_s > window_s:
        raise ValueError(f"hop_s ({hop_s} s) must not exceed window_s ({window_s} s): the "
                         "windows would leave gaps")


def load_recording(path, sample_rate):
    """A file as a classifier hears it: mono, at ``sample_rate``, peak normalised
    (as the training clips were).

    Raises :class:`~speechbrain_interp.audio.AudioError` (naming the file)
    for missing, unreadable, empty, non-finite or silent audio.
    """
    return load_audio(path, sample_rate, normalize=True, allow_silent=False)


class Recordings:
    """What both inference classes know of recordings: the classifier's rate,
    its clip length (the window of long recordings), the hop between windows
    and how a file is read. Needs ``self.classifier`` and ``self.hparams``
    (``window_s``, ``hop_s``).

    ``window_s`` and ``hop_s`` are checked when the object is built
    (:func:`check_windowing`): a bad ``hop_s`` override fails at loading,
    naming the key, not file after file."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        check_windowing(self.hparams.window_s, self.hparams.hop_s)

    @property
    def sample_rate(self):
        """The classifier's sample rate."""
        return self.classifier.sample_rate

    @property
    def window(self):
        """The classifier's clip length (= the window of long recordings), in samples."""
        return seconds_to_samples(self.hparams.window_s, self.sample_rate)

    @property
    def hop(self):
        """Hop between the windows of a long recording, in samples (``hop_s``
        rounded to whole STFT hops, so that window frames line up; a front end
        without frames, such as the Fourier representation of a note, keeps
        ``hop_s`` as it is). Never more than the window, so that no part of
        a recording goes unheard."""
        check_windowing(self.hparams.window_s, self.hparams.hop_s)
        frame = getattr(self.classifier.frontend, "hop_samples", 1)
        hop = align_to_frames(seconds_to_samples(self.hparams.hop_s, self.sample_rate), frame)
        whole_frames = self.window // frame * frame
        return hop if hop <= self.window or whole_frames == 0 else whole_frames

    def window_for(self, n_samples):
        """``(window, hop)`` in samples for a recording of ``n_samples``: :attr:`window`
        and :attr:`hop`, except for a classifier that takes any length
        (``takes_any_length``: an adapted model, whose own front end deals with
        the length), which hears a recording shorter than the window whole,
        unpadded (padded to whole STFT hops, less than one, where the masked
        input reaches it through the ISTFT: ``needs_phase``; and to
        ``min_window_s`` at least, from the folder or
        :data:`~speechbrain_interp.inference.adapted.SETTINGS_FILE`). The hop
        stays whole STFT hops, as the windows' masks need."""
        if not getattr(self.classifier, "takes_any_length", False):
            return self.window, self.hop
        frame = int(self.classifier.frontend.hop_samples)
        shortest = getattr(self.hparams, "min_window_s", None)
        if shortest is None:  # an interpreter folder's settings are the training run's
            shortest = packaged_settings()["min_window_s"]
        shortest = max(seconds_to_samples(shortest, self.sample_rate), frame)
        n_samples = max(int(n_samples), shortest)
        if getattr(self.classifier, "needs_phase", False):  # whole hops: the ISTFT's length
            n_samples = -(-n_samples // frame) * frame
        window = min(self.window, n_samples)
        return window, min(self.hop, window // frame * frame)

    @property
    def last_window_at_end(self):
        """Whether a long recording's last window ends at its end (a classifier that
        takes any length: zeros past the end would change what it hears) or is
        zero-padded on the hop grid (a classifier trained on padded clips)."""
        return bool(getattr(self.classifier, "takes_any_length", False))

    def load_file(self, path):
        """:func:`load_recording` at the classifier's rate.

        Raises :class:`~speechbrain_interp.audio.AudioError` naming the file
        when it cannot be used, and saying so when ``path`` is a folder.
        """
        if os.path.isdir(path):
            raise AudioError(
                f"{path} is a folder, not an audio file: give one file here, or classify or "
                f"explain every audio file of the folder with the command line (sb-interp "
                f"classify --source <folder> {path} / sb-interp explain ...)")
        return load_recording(path, self.sample_rate)


class SoundClassifier(Recordings, Pretrained):
    """Classifies sounds with a pretrained classifier folder.

    Build it with :meth:`from_hparams`. ``self.classifier`` is the
    :class:`~speechbrain_interp.classifier.AudioClassifier` (with its
    ``label_encoder`` attached). ``run_opts={"precision": "bf16"}`` (or
    ``"fp16"`` on a GPU) runs the classifier under autocast; the logits and
    probabilities it returns are float32.
    """

    HPARAMS_NEEDED = ["label_encoder", "labels", "window_s", "hop_s", "batch_size", "top_k",
                      "normalize_windows"]
    MODULES_NEEDED = ["classifier"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.classifier = self.mods.classifier
        self.labels = check_labels(self.hparams.label_encoder, self.classifier.n_classes,
                                   self.hparams.labels, "this folder")
        self.classifier.label_encoder = self.hparams.label_encoder
        self.classifier.hparams = {k: v for k, v in vars(self.hparams).items()
                                   if isinstance(v, (int, float, str, bool))}
        self.classifier.freeze()

    @classmethod
    def from_hparams(cls, source, savedir=None, overrides=None, trust_remote_code=False,
                     **kwargs):
        """Loads a pretrained classifier folder or hub repository.

        Arguments
        ---------
        source : str
            A local folder (a run's ``pretrained/`` or an exported folder)
            or a HuggingFace repo id (``owner/name``). A missing local path
            is reported as such, never tried on the hub. A SpeechBrain
            ``EncoderClassifier`` or a HuggingFace audio classifier is
            loaded adapted (:meth:`from_adapted`).
        savedir : str, optional
            Where files are linked or copied (default: used in place / from
            the hub cache).
        overrides : dict, optional
            YAML overrides, e.g. ``{"hop_s": 1.0}`` (for a classifier of
            another toolkit: see :meth:`from_adapted`).
        trust_remote_code : bool
            Load a folder whose ``hyperparams.yaml`` builds or calls things
            outside the allow-list (:mod:`speechbrain_interp.trust`),
            with a warning. Default: refuse it before any of it runs.
        **kwargs
            ``run_opts`` (e.g. ``{"device": "cuda:0"}``), ``freeze_params``,
            ``fetch_config``.
        """
        check_run_opts(kwargs.get("run_opts"))
        fetch_config = kwargs.get("fetch_config")
        family = classifier_family(source, revision=getattr(fetch_config, "revision", None),
                                   cache_dir=getattr(fetch_config, "huggingface_cache_dir", None))
        if family in ADAPTED_FAMILIES:
            return cls.from_adapted(source, savedir=savedir, overrides=overrides,
                                    trust_remote_code=trust_remote_code, **kwargs)
        return load_pretrained(cls, source, "classifier", savedir=savedir, overrides=overrides,
                               trust_remote_code=trust_remote_code, **kwargs)

    @classmethod
    def from_adapted(cls, source, savedir=None, overrides=None, trust_remote_code=False,
                     run_opts=None, freeze_params=True, fetch_config=None):
        """A classifier of another toolkit, or any model behind the adapter's contract.

        Arguments
        ---------
        source : str or speechbrain_interp.adapters.AdaptedClassifier
            A SpeechBrain ``EncoderClassifier`` or HuggingFace audio
            classifier (folder or repo id), loaded by
            :func:`~speechbrain_interp.adapters.load_adapted`; or an
            adapted classifier already built (a plain torch module with the
            contract of :mod:`speechbrain_interp.adapters.adapted`).
        savedir : str, optional
            Where SpeechBrain puts fetched files.
        overrides : dict, optional
            Inference settings (``window_s``, ``hop_s``, ``batch_size``,
            ``top_k``, ``normalize_windows``: defaults in
            :data:`~speechbrain_interp.inference.adapted.SETTINGS_FILE`, the
            window being the model's clip length where its configuration
            fixes one) and the adapter's (``representations``, ``route``,
            ``grad_cam_layer``, for a source); another key is named.
        trust_remote_code : bool
            See :func:`~speechbrain_interp.adapters.load_adapted`.
        run_opts : dict, optional
            ``device``, ``precision``.
        freeze_params : bool
        fetch_config : speechbrain.utils.fetching.FetchConfig, optional
            Its ``revision`` and ``huggingface_cache_dir`` for a hub source.

        Returns
        -------
        SoundClassifier
        """
        device = check_run_opts(run_opts)
        settings, adapter = split_overrides(overrides, getattr(source, "source", source))
        if isinstance(source, (str, os.PathLike)):
            with keep_random_state():
                classifier = load_adapted(
                    source, savedir=savedir, device=device, trust_remote_code=trust_remote_code,
                    revision=getattr(fetch_config, "revision", None),
                    cache_dir=getattr(fetch_config, "huggingface_cache_dir", None), **adapter)
        elif adapter:
            raise ValueError(f"{sorted(adapter)} choose how a source is adapted: this classifier "
                             "is built already")
        else:
            classifier = source
        instance = cls(modules={"classifier": classifier},
                       hparams=adapted_hparams(classifier, settings),
                       run_opts=dict(run_opts or {}, device=device),
                       freeze_params=freeze_params)
        instance.source = getattr(classifier, "source", None)
        return instance

    def _summary(self, probabilities, logits=None, **extra):
        k = min(int(self.hparams.top_k), probabilities.shape[-1])
        values, indices = probabilities.topk(k, dim=-1)
        index = indices[:, 0]
        top_k = [[(self.labels[int(i)], float(v)) for v, i in zip(vs, ix)]
                 for vs, ix in zip(values, indices)]
        active = None
        if self.classifier.multilabel:
            decided = probabilities >= self.classifier.thresholds.to(probabilities.device)
            active = [[self.labels[int(i)] for i in row.nonzero().flatten()] for row in decided]
        return Classification(probabilities=probabilities, index=index,
                              labels=[self.labels[int(i)] for i in index], top_k=top_k,
                              logits=logits, active=active, **extra)

    @torch.no_grad()
    def classify_batch(self, wavs, wav_lens=None):
        """Classifies a batch of clips.

        Arguments
        ---------
        wavs : torch.Tensor or numpy.ndarray
            ``[B, N]`` (or ``[N]``, ``[B, 1, N]``) at :attr:`sample_rate`;
            clips shorter than the classifier's are zero-padded as in
            training.
        wav_lens : torch.Tensor, optional
            ``[B]`` relative lengths; samples past them are zeroed.

        Returns
        -------
        Classification
        """
        wavs = as_wave_batch(wavs)
        wavs = pad_to_window(wavs, wav_lens, self.window_for(wavs.shape[1])[0]).to(self.device)
        with autocast(self.precision, self.device):
            logits = self.classifier(wave=wavs).logits
        logits = as_float32(logits)
        return self._summary(self.classifier.probabilities(logits), logits=logits)

    def classify_file(self, path, progress=None):
        """Classifies a file of any length (window by window when longer than a clip).

        Arguments
        ---------
        path : str
            An audio file (a folder is refused, naming it).
        progress : callable, optional
            Called as ``progress(done, total)`` after each batch of windows
            (see :func:`~speechbrain_interp.inference.windows.classify_long`).

        Returns
        -------
        Classification
            ``B = 1``; ``window_starts`` and ``window_probabilities`` give
            the decision over time.
        """
        wave = self.load_file(path).to(self.device)
        window, hop = self.window_for(wave.shape[-1])
        with autocast(self.precision, self.device):
            result = classify_long(self.classifier, wave, window, hop,
                                   int(self.hparams.batch_size),
                                   normalize=bool(self.hparams.normalize_windows),
                                   progress=progress, last_at_end=self.last_window_at_end)
        return self._summary(result.probabilities.unsqueeze(0),
                             window_starts=result.starts.float() / self.sample_rate,
                             window_probabilities=result.window_probabilities)

    def forward(self, wavs, wav_lens=None):
        """:meth:`classify_batch`."""
        return self.classify_batch(wavs, wav_lens)


def load_classifier(source, savedir=None, device="cpu", trust_remote_code=False,
                    representations=None, route=None, grad_cam_layer=None):
    """The :class:`~speechbrain_interp.classifier.AudioClassifier` of a pretrained folder,
    or a classifier of another toolkit adapted.

    What recipe YAMLs call (``classifier: !apply:speechbrain_interp.inference.load_classifier``),
    and the ``hyperparams.yaml`` of an interpreter of an adapted classifier.

    Arguments
    ---------
    source : str
        Local folder or HuggingFace repo id (see :meth:`SoundClassifier.from_hparams`).
    savedir : str, optional
        Where the files are linked or copied; a savedir holding another
        source's files gets them replaced, with a warning.
    device : str
        Where the module is put (a Brain moves it to its own device later).
    trust_remote_code : bool
        See :meth:`SoundClassifier.from_hparams` (a recipe YAML may set it:
        ``trust_remote_code: True`` under ``load_classifier``).
    representations, route, grad_cam_layer : optional
        For a SpeechBrain ``EncoderClassifier`` or HuggingFace source: how it is
        adapted (:func:`~speechbrain_interp.adapters.load_adapted`).

    Returns
    -------
    speechbrain_interp.classifier.AudioClassifier or speechbrain_interp.adapters.AdaptedClassifier
        Frozen (eval mode, no parameter gradients), with ``label_encoder`` and
        ``hparams`` (the YAML's plain values) attached.
    """
    adapter = {key: value for key, value in (("representations", representations),
                                             ("route", route), ("grad_cam_layer", grad_cam_layer))
               if value is not None}
    family = classifier_family(source)
    if family in ADAPTED_FAMILIES:
        loaded = SoundClassifier.from_adapted(source, savedir=savedir, overrides=adapter,
                                              run_opts={"device": device},
                                              trust_remote_code=trust_remote_code)
    elif adapter:
        raise ValueError(f"{source} is a speechbrain-interp classifier folder: {sorted(adapter)} "
                         "apply to classifiers of other toolkits (SpeechBrain, HuggingFace)")
    else:
        loaded = load_pretrained(SoundClassifier, source, "classifier", savedir=savedir,
                                 run_opts={"device": device},
                                 trust_remote_code=trust_remote_code)  # family known already
    loaded.classifier.source = loaded.source
    return loaded.classifier
