"""Explaining recordings with a pretrained interpreter: ``from_hparams``, ``interpret_file``.

    from speechbrain_interp.inference import AudioInterpreter
    lmac = AudioInterpreter.from_hparams(source="results/demo/lmac/1234/pretrained")
    out = lmac.interpret_file("dog.wav")      # mask, label, probabilities, wave, timeline

One class serves every method:

* a trained interpreter's folder (L-MAC, PIQ, L2I with its NMF dictionary,
  PV), local or on the HuggingFace hub, written by a training run or by the
  export program; ``classifier_source`` may name another copy of the
  classifier it explains (checked to have the same labels, and warned about
  when its weights differ from the ones it was trained on);
* a classifier's folder and a ``method`` name (:data:`METHODS`: the captum
  gradient baselines, RDE, the all-ones mask), for methods that need no
  training.

Authors
 * speechbrain-interp developers 2026
"""

import os

import torch
from hyperpyyaml import load_hyperpyyaml
from speechbrain.inference.interfaces import Pretrained
from speechbrain.utils.logger import get_logger

from speechbrain_interp.inference.classifier import Recordings, SoundClassifier, pad_to_window
from speechbrain_interp.inference.labels import check_labels, label_difference
from speechbrain_interp.inference.loading import keep_random_state, load_pretrained
from speechbrain_interp.inference.windows import interpret_long
from speechbrain_interp.audio import peak_normalize
from speechbrain_interp.evaluation.scoring import score_interpretation
from speechbrain_interp.interpreters import Interpretation
from speechbrain_interp.interpreters.interpretation import as_wave_batch
from speechbrain_interp.interpreters.baselines.registry import build_baseline
from speechbrain_interp.pretrained import classifier_fingerprint, is_adapted

logger = get_logger(__name__)

__all__ = ["AudioInterpreter", "METHODS", "load_interpreter", "method_settings"]

#: the packaged settings of the methods that need no training (name -> settings)
METHODS_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "methods.yaml")


def method_settings(name=None):
    """The settings of :data:`METHODS_FILE` (all, or of the method ``name``).

    Example
    -------
    >>> method_settings("smoothgrad")["n_samples"]
    50
    >>> "saliency" in METHODS
    True
    """
    with open(METHODS_FILE, encoding="utf-8") as f:
        settings = load_hyperpyyaml(f)
    if name is None:
        return settings
    if name not in settings:
        raise ValueError(f"unknown method {name!r}; known: {', '.join(settings)}")
    return dict(settings[name])


#: names of the methods that need no training
METHODS = tuple(method_settings())


class AudioInterpreter(Recordings, Pretrained):
    """Explains a classifier's decisions on clips and on recordings of any length.

    Build it with :meth:`from_hparams`. ``self.interpreter`` is the
    :class:`~speechbrain_interp.interpreters.Interpreter`, ``self.classifier``
    the classifier it explains. ``run_opts={"precision": "bf16"}`` (or
    ``"fp16"`` on a GPU) becomes the interpreter's
    :attr:`~speechbrain_interp.interpreters.Interpreter.precision`: the
    classifier, the method and the faithfulness figures' classifier calls
    run under autocast; masks, probabilities and waves are float32.
    """

    HPARAMS_NEEDED = ["label_encoder", "labels", "window_s", "hop_s", "batch_size", "top_k",
                      "normalize_windows"]
    MODULES_NEEDED = ["interpreter"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.interpreter = self.mods.interpreter
        self.classifier = self.interpreter.classifier
        self.labels = check_labels(self.hparams.label_encoder, self.classifier.n_classes,
                                   self.hparams.labels, "this folder")
        if is_adapted(self.classifier) and "classifier_fingerprint" in vars(self.hparams):
            # loaded from its own source by the folder: that source may have changed
            self.check_classifier(self.classifier, self.classifier.source)
        self.classifier.label_encoder = self.hparams.label_encoder
        self.interpreter.eval()
        self.interpreter.requires_grad_(False)
        self.interpreter.precision = self.precision

    @classmethod
    def from_hparams(cls, source, method=None, classifier_source=None, savedir=None,
                     overrides=None, method_overrides=None, trust_remote_code=False, **kwargs):
        """Loads an interpreter folder, or a classifier folder and a method's name.

        Arguments
        ---------
        source : str
            Local folder or HuggingFace repo id: an interpreter's pretrained
            folder, or (with ``method``) a classifier's.
        method : str, optional
            A method that needs no training (:data:`METHODS`), applied to
            the classifier of ``source``.
        classifier_source : str, optional
            Explain this classifier instead of the one the interpreter
            folder holds or references; it must have the same labels.
        savedir : str, optional
            Where the files are linked or copied (default: in place / the
            hub cache).
        overrides : dict, optional
            YAML overrides of the folder's ``hyperparams.yaml``.
        method_overrides : dict, optional
            With ``method``: changes to its packaged settings.
        trust_remote_code : bool
            Load folders (``source`` and ``classifier_source``) whose
            ``hyperparams.yaml`` builds or calls things outside the
            allow-list (:mod:`speechbrain_interp.trust`), with a
            warning. Default: refuse them before any of it runs.
        **kwargs
            ``run_opts``, ``freeze_params``, ``fetch_config``.

        Returns
        -------
        AudioInterpreter
        """
        if method is not None:
            if classifier_source is not None:
                raise ValueError("with method, source is the classifier: drop classifier_source")
            return cls.from_classifier(source, method, savedir=savedir, overrides=overrides,
                                       method_overrides=method_overrides,
                                       trust_remote_code=trust_remote_code, **kwargs)
        if method_overrides:
            raise ValueError("method_overrides applies to a method given by name")
        instance = load_pretrained(cls, source, "interpreter", savedir=savedir,
                                   overrides=overrides, trust_remote_code=trust_remote_code,
                                   classifier_source=classifier_source, **kwargs)
        if classifier_source is not None and not instance.classifier_source_applied:
            other = SoundClassifier.from_hparams(
                classifier_source,
                savedir=None if savedir is None else os.path.join(savedir, "classifier"),
                trust_remote_code=trust_remote_code,
                **{k: v for k, v in kwargs.items() if k != "freeze_params"})
            instance.use_classifier(other.classifier, classifier_source)
        return instance

    @classmethod
    def from_classifier(cls, source, method, savedir=None, overrides=None, method_overrides=None,
                        trust_remote_code=False, **kwargs):
        """A method that needs no training (:data:`METHODS`) on a pretrained classifier.

        ``source`` is a classifier's folder or repository (this project's, a
        SpeechBrain ``EncoderClassifier``, a HuggingFace model) or an
        :class:`~speechbrain_interp.adapters.AdaptedClassifier` built around
        any torch module with the adapter's contract (see
        :meth:`SoundClassifier.from_adapted
        <speechbrain_interp.inference.classifier.SoundClassifier.from_adapted>`).
        ``trust_remote_code``: see :meth:`from_hparams`.
        """
        settings = method_settings(method)
        settings.update(method_overrides or {})
        if isinstance(source, (str, os.PathLike)):
            classifier = SoundClassifier.from_hparams(source, savedir=savedir, overrides=overrides,
                                                      trust_remote_code=trust_remote_code,
                                                      **kwargs)
        else:  # a model behind the adapter's contract, built already
            classifier = SoundClassifier.from_adapted(source, overrides=overrides, **kwargs)
        with keep_random_state():
            interpreter = build_baseline(settings.pop("method"), classifier.classifier, **settings)
        hparams = dict(vars(classifier.hparams))
        hparams["method"] = method
        run_opts = kwargs.get("run_opts")
        instance = cls(modules={"interpreter": interpreter}, hparams=hparams, run_opts=run_opts)
        instance.source = classifier.source
        return instance

    def use_classifier(self, classifier, source):
        """Explains ``classifier`` (same labels) instead of the folder's own
        (checked by :meth:`check_classifier`)."""
        self.check_classifier(classifier, source)
        self.interpreter.classifier = classifier.to(self.device).freeze()
        self.classifier = self.interpreter.classifier

    def check_classifier(self, classifier, source):
        """Refuses a classifier of ``source`` that this interpreter cannot explain.

        Raises ``ValueError`` when its labels differ from the folder's
        (saying how: :func:`~speechbrain_interp.inference.labels.label_difference`);
        warns when its weights differ from the ones the interpreter was
        trained on.
        """
        labels = [classifier.label_encoder.ind2lab[i] for i in range(len(classifier.label_encoder))]
        if labels != self.labels:
            raise ValueError(
                f"{source} classifies {len(labels)} classes but this interpreter was trained for "
                f"{len(self.labels)} different ones: it cannot explain it ("
                + label_difference(labels, self.labels, "that classifier", "this interpreter")
                + ")")
        if classifier_fingerprint(classifier) != self.hparams.classifier_fingerprint:
            logger.warning(
                "%s is not the classifier this interpreter was trained on (other weights, same "
                "labels): its explanations may not be faithful", source)

    def class_index(self, label):
        """``label`` as a class index, checked; ``None`` stays ``None``.

        A class name, or an integer (Python, numpy or a one-element integer
        tensor; a string of digits that is not a class name counts as one)
        in ``0..C-1``. Anything else (``3.7``, ``True``, an unknown name) is
        refused, and so is any class other than the decision when the
        interpreter explains the decision only (e.g. an L-MAC decoder that
        is not class-conditioned): the explanation always is of the class
        it says.

        Example
        -------
        >>> class Folder(AudioInterpreter):
        ...     def __init__(self):
        ...         self.labels = ["dog", "rain"]
        >>> Folder().class_index("rain"), Folder().class_index(0), Folder().class_index("1")
        (1, 0, 1)
        >>> Folder().class_index(True)
        Traceback (most recent call last):
        ...
        ValueError: label must be a class name (dog, rain) or an index 0..1, got True (bool)
        """
        if label is None:
            return None
        names = self.labels
        if isinstance(label, str):
            if label in names:
                return names.index(label)
            if not label.strip().isdigit():
                raise ValueError(f"unknown class {label!r}; classes: {', '.join(names)}")
            label = int(label)
        elif torch.is_tensor(label) and label.numel() == 1 and not (
                label.is_floating_point() or label.dtype == torch.bool):
            label = int(label.reshape(()))
        elif hasattr(label, "dtype") and getattr(label, "shape", None) == () and \
                str(label.dtype).startswith(("int", "uint")):  # numpy integer scalar
            label = int(label)
        if isinstance(label, bool) or not isinstance(label, int):
            raise ValueError(
                f"label must be a class name ({', '.join(names)}) or an index 0..{len(names) - 1}, "
                f"got {label!r} ({type(label).__name__})")
        if not 0 <= label < len(names):
            raise ValueError(f"class index {label} out of range (0..{len(names) - 1})")
        return label

    def interpret_batch(self, wavs, wav_lens=None, label=None):
        """Explains a batch of clips (at most the classifier's clip length).

        Arguments
        ---------
        wavs : torch.Tensor or numpy.ndarray
            ``[B, N]`` (``[N]``, ``[B, 1, N]``; float or int16 PCM) at
            :attr:`sample_rate`, ``N`` at most :attr:`window`; shorter
            clips are zero-padded as in training and the outputs cropped
            back to ``N``.
        wav_lens : torch.Tensor, optional
            ``[B]`` relative lengths; samples past them are zeroed.
        label : str or int, optional
            Explain this class instead of the classifier's decision.

        Returns
        -------
        speechbrain_interp.interpreters.Interpretation
            Detached: mask ``[P, T, F]``, label, probabilities ``[P, C]``,
            listenable wave ``[P, N]``: one row per clip, or, for a
            multi-label classifier without ``label``, one per decided
            (clip, class) pair (``clip`` gives each row's clip).
        """
        wavs = as_wave_batch(wavs)
        length = wavs.shape[1]
        if length > self.window:
            raise ValueError(
                f"clips of {length / self.sample_rate:.2f} s are longer than the classifier's "
                f"{self.hparams.window_s} s: use interpret_file or interpret_long, which explain "
                "them window by window")
        window = self.window_for(length)[0]
        wavs = pad_to_window(wavs, wav_lens, window).to(self.device)
        index = self.class_index(label)
        labels = None if index is None else torch.full((wavs.shape[0],), index, device=self.device)
        out = self.interpreter.interpret(wavs, label=labels)
        if length < window:
            frames = length // self.classifier.frontend.hop_samples + 1
            for name in ("mask", "magnitude", "phase", "feature_mask", "base_magnitude"):
                value = getattr(out, name)
                if value is not None:
                    setattr(out, name, value[:, :frames])
            out.wave = out.wave[:, :length]
        return out.detach()

    def interpret_long(self, wave, label=None, progress=None):
        """Explains one recording of any length ``[N]``, window by window.

        See :func:`speechbrain_interp.inference.windows.interpret_long`.
        """
        wave = as_wave_batch(wave)
        if wave.shape[0] != 1:
            raise ValueError(f"interpret_long takes one recording, got a batch of {wave.shape[0]}")
        index = self.class_index(label)
        window, hop = self.window_for(wave.shape[1])
        return interpret_long(self.interpreter, wave[0].to(self.device), window, hop,
                              int(self.hparams.batch_size),
                              label=None if index is None else torch.tensor(index),
                              normalize=bool(self.hparams.normalize_windows),
                              progress=progress, last_at_end=self.last_window_at_end)

    def interpret_file(self, path, label=None, progress=None):
        """Explains an audio file of any length, rate and channel count.

        Arguments
        ---------
        path : str
            An audio file (a folder is refused, naming it: the command line
            ``sb-interp explain`` takes folders).
        label : str or int, optional
            Explain this class instead of the classifier's decision.
        progress : callable, optional
            Called as ``progress(done, total)`` after each batch of windows
            (windows explained, windows in all); quiet without it.

        Returns
        -------
        speechbrain_interp.inference.windows.LongInterpretation
            The mask over the whole recording, the listenable wave, the
            recording's label and probabilities, and the decision per window.
        """
        return self.interpret_long(self.load_file(path), label=label, progress=progress)

    @torch.no_grad()
    def faithfulness(self, wave, result, progress=None):
        """The faithfulness figures of a long interpretation, window by window.

        Each window is scored as a test clip is
        (:func:`~speechbrain_interp.evaluation.scoring.score_interpretation`):
        the classifier hears the window with the recording's mask on it
        (masked in) and with its complement (masked out), and AI, AD, AG,
        FF, Fid-In, SPS, COMP and MM are computed for the class the window
        explains.

        Arguments
        ---------
        wave : torch.Tensor
            ``[N]`` the recording given to :meth:`interpret_long`.
        result : speechbrain_interp.inference.windows.LongInterpretation
            Its interpretation.
        progress : callable, optional
            Called as ``progress(done, total)`` after each batch of windows
            (windows scored, windows in all); quiet without it.

        Returns
        -------
        dict
            ``"mean"`` (figure -> mean over windows) and ``"windows"``
            (figure -> list, one value per window).
        """
        frontend = self.classifier.frontend
        wave = as_wave_batch(wave)[0].to(self.device)
        hop, window = frontend.hop_samples, self.window_for(wave.shape[0])[0]
        frames = window // hop + 1
        base = result.mask if result.base_magnitude is None else result.base_magnitude
        per_window = {}
        starts = [int(s) for s in result.starts]
        step = int(self.hparams.batch_size)
        for i in range(0, len(starts), step):
            chunk = starts[i:i + step]
            segments = torch.stack([pad_to_window(wave[s:s + window].unsqueeze(0), None, window)[0]
                                    for s in chunk])
            if self.hparams.normalize_windows:  # as interpret_long heard them
                segments = peak_normalize(segments)
            magnitude, phase = frontend.spectrogram(segments)
            masks = torch.zeros_like(magnitude)
            shown = magnitude.clone()
            for j, s in enumerate(chunk):
                part = result.mask[s // hop: s // hop + frames]
                masks[j, : part.shape[0]] = part.to(masks)
                if result.base_magnitude is not None:
                    shown[j] = 0
                    shown[j, : part.shape[0]] = base[s // hop: s // hop + frames].to(shown)
            # no logits: the windows are classified in the scoring's own call
            windows = Interpretation(masks, result.window_labels[i:i + step].to(self.device),
                                     shown, phase, logits=None)
            figures = score_interpretation(self.classifier, windows, max_batch=step,
                                           subtractive=False, precision=self.interpreter.precision)
            for name, values in figures.items():
                per_window.setdefault(name, []).extend(float(v) for v in values)
            if progress is not None:
                progress(i + len(chunk), len(starts))
        means = {name: sum(v) / len(v) for name, v in per_window.items()}
        return {"mean": means, "windows": per_window}

    def forward(self, wavs, wav_lens=None):
        """:meth:`interpret_batch`."""
        return self.interpret_batch(wavs, wav_lens)


def load_interpreter(source, classifier=None, savedir=None, device="cpu", trust_remote_code=False,
                     precision="fp32"):
    """The :class:`~speechbrain_interp.interpreters.Interpreter` of a pretrained folder.

    Arguments
    ---------
    source : str
        An interpreter's pretrained folder or repo id, or an interpreter
        run's output folder (its ``pretrained/`` is used).
    classifier : speechbrain_interp.classifier.AudioClassifier, optional
        Explain this classifier object (same labels; e.g. the one object an
        evaluation shares between methods).
    savedir : str, optional
        Where the files are linked or copied.
    device : str
        Where the interpreter is put (with ``classifier``: that classifier's
        device).
    trust_remote_code : bool
        See :meth:`AudioInterpreter.from_hparams`.
    precision : str
        ``"fp32"``, ``"bf16"`` or ``"fp16"``: the interpreter's
        :attr:`~speechbrain_interp.interpreters.Interpreter.precision`
        (checked against the device).

    Returns
    -------
    speechbrain_interp.interpreters.Interpreter
        In eval mode, frozen.
    """
    source = os.fspath(source)
    inner = os.path.join(source, "pretrained")
    if os.path.isfile(os.path.join(inner, "hyperparams.yaml")):
        source = inner
    if classifier is not None:
        device = str(next(classifier.parameters()).device)
    loaded = AudioInterpreter.from_hparams(source, savedir=savedir,
                                           run_opts={"device": device, "precision": precision},
                                           trust_remote_code=trust_remote_code)
    if classifier is not None:
        loaded.use_classifier(classifier, getattr(classifier, "source", "the given classifier"))
    return loaded.interpreter
