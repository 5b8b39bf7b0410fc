"""Any audio classifier behind the contract the interpreters take.

The interpreters talk to a classifier that takes waves or linear STFT
magnitudes and returns logits with named intermediate representations
(:class:`~speechbrain_interp.classifier.AudioClassifier`).
:class:`AdaptedClassifier` gives that contract to a classifier that was
not built for it (a SpeechBrain ``EncoderClassifier``, a HuggingFace model,
any torch module): the masks stay on the linear STFT of the input
(:attr:`AdaptedClassifier.frontend`), and the model hears a masked input
through a differentiable path into its own features:

* ``"magnitude"``: the model's features computed from the masked magnitude
  itself (``model.magnitude_features``). Exact where the model's front end
  is a function of the same STFT's magnitude (a filterbank of ``|X|^2``:
  SpeechBrain's ``Fbank``), with :attr:`frontend` on that STFT.
* ``"wave"``: the masked STFT (the input's phase) back to a wave by the
  ISTFT, then the model's own front end (``model.features``). Any model;
  the classifier call then needs the phase
  (``classifier(magnitude=..., phase=...)``). The wave has ``(T - 1) * hop``
  samples: the input's own length when it is a whole number of hops.

The wrapped ``model`` is a ``torch.nn.Module`` with this contract:

* ``sample_rate`` (int) and ``labels`` (list of class names);
* ``features(wave)``: ``[B, N]`` -> the model's own input features;
* ``logits(features)``: -> ``[B, C]`` class scores (pre-softmax);
* optionally ``magnitude_features(magnitude)``: ``[B, T, F]`` linear
  magnitudes of :attr:`AdaptedClassifier.frontend` -> the same features;
* optionally ``clip_seconds`` (float): the clip length the model takes, where
  its configuration fixes one (AST's ``max_length`` frames).

Representations are taken by forward hooks on the model's submodules named
in ``representations`` (deepest first, as the decoders read them), each with
the layout of its output: ``"bct"`` (channels, time: TDNN, ECAPA),
``"btc"`` (time, channels: transformers over frames), ``"bctf"`` (channels,
time, frequency: CNNs), or ``("patches", F', T', skip)`` (the tokens of a
patch transformer such as AST: ``skip`` leading tokens, then ``F' x T'``
patches, frequency-major); they come out as ``[B, C, T, F]`` (``F = 1`` for
the sequence layouts).

Authors
 * speechbrain-interp developers 2026
"""

import os

import torch
import torch.nn.functional as F
from torch import nn

from speechbrain_interp.classifier import ClassifierOutput
from speechbrain_interp.sources import PretrainedSourceError, close_names, looks_local

__all__ = [
    "LAYOUTS", "ROUTES", "AdaptedClassifier", "check_features_domain", "check_source",
    "classify_magnitude", "phase_for", "to_grid",
]

#: how a hooked layer's output is laid out
LAYOUTS = ("bct", "btc", "bctf")
#: how a masked magnitude reaches the model
ROUTES = ("magnitude", "wave")


def to_grid(x, layout):
    """A layer output as ``[B, C, T, F]``.

    Arguments
    ---------
    x : torch.Tensor or tuple
        The output (the first element of a tuple).
    layout : str
        One of :data:`LAYOUTS`.

    Returns
    -------
    torch.Tensor

    Example
    -------
    >>> to_grid(torch.zeros(2, 8, 50), "bct").shape
    torch.Size([2, 8, 50, 1])
    >>> to_grid((torch.zeros(2, 50, 8), None), "btc").shape
    torch.Size([2, 8, 50, 1])
    >>> tokens = torch.arange(2 + 3 * 4.0).view(1, 14, 1)  # two class tokens, F' = 3, T' = 4
    >>> to_grid(tokens, ("patches", 3, 4, 2))[0, 0]
    tensor([[ 2.,  6., 10.],
            [ 3.,  7., 11.],
            [ 4.,  8., 12.],
            [ 5.,  9., 13.]])
    """
    if isinstance(x, (tuple, list)):
        x = x[0]
    if isinstance(layout, (tuple, list)):
        return _patch_grid(x, layout)
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {LAYOUTS} or ('patches', F, T, skip), got "
                         f"{layout!r}")
    wanted = 4 if layout == "bctf" else 3
    if x.dim() != wanted:
        raise ValueError(f"a {layout!r} representation has {wanted} dimensions, got shape "
                         f"{tuple(x.shape)}")
    if layout == "btc":
        x = x.transpose(1, 2)
    return x.unsqueeze(-1) if layout != "bctf" else x


def phase_for(classifier, phase, rows):
    """The phase a call of ``classifier`` on ``rows`` magnitudes needs: ``None``
    for a classifier that does not hear it (``needs_phase`` false or absent),
    else ``phase`` ``[B, T, F]`` repeated to ``rows`` (``k`` copies of the ``B``
    clips, one after the other, as batched masked or obfuscated inputs are laid).

    Example
    -------
    >>> class Hears:
    ...     needs_phase = True
    >>> phase_for(Hears(), torch.zeros(2, 3, 4), 6).shape
    torch.Size([6, 3, 4])
    >>> phase_for(object(), torch.zeros(2, 3, 4), 6) is None
    True
    """
    if phase is None or not getattr(classifier, "needs_phase", False):
        return None
    if rows % phase.shape[0]:
        raise ValueError(f"{rows} inputs are not copies of the {phase.shape[0]} clips whose phase "
                         "is known")
    return phase.repeat(rows // phase.shape[0], *([1] * (phase.dim() - 1)))


def check_source(source, needed, what):
    """A source that names a local folder must be one and hold ``needed``
    files; a hub repository id (``owner/name``, nothing of that name here) is
    left to the hub (:func:`~speechbrain_interp.sources.looks_local`). Raises
    :class:`~speechbrain_interp.sources.PretrainedSourceError` (a
    ``FileNotFoundError``) naming the folder, close names, and what it lacks,
    before any library tries to read it.

    Example
    -------
    >>> check_source("speechbrain/urbansound8k_ecapa", ["hyperparams.yaml"], "a model")
    >>> check_source("/no/such/folder", ["hyperparams.yaml"], "a SpeechBrain classifier")
    Traceback (most recent call last):
    ...
    speechbrain_interp.sources.PretrainedSourceError: a SpeechBrain classifier folder /no/such/folder does not exist
    """
    text = os.path.expanduser(str(source))
    if not os.path.isdir(text) and not looks_local(str(source)):
        return
    if not os.path.isdir(text):
        raise PretrainedSourceError(f"{what} folder {source} does not exist{close_names(text)}")
    missing = [name for name in needed if not os.path.isfile(os.path.join(text, name))]
    if missing:
        raise PretrainedSourceError(f"{text} does not hold {what}: no {', '.join(missing)}")


def check_features_domain(classifier, method):
    """Refuses the "features" (Mel) domain of ``method`` on a classifier whose
    features are not its front end's (an adapted one: ``has_frontend_features``)."""
    if not getattr(classifier, "has_frontend_features", True):
        raise ValueError(f"{method} in the 'features' domain masks the front end's features, but "
                         f"this {type(classifier).__name__} hears its model's own features: use "
                         "the 'linear' domain (the mask on the STFT)")


def classify_magnitude(classifier, magnitude, phase=None):
    """``classifier(magnitude=magnitude)``; for a classifier that hears waves
    (``needs_phase``), with the clips' ``phase`` repeated to the batch
    (:func:`phase_for`). Classifiers that do not need it are called as
    before, without a ``phase`` argument.

    Example
    -------
    >>> from speechbrain_interp.examples import small_classifier
    >>> clf = small_classifier(2).eval()
    >>> classify_magnitude(clf, torch.rand(2, 40, 513), torch.zeros(1, 40, 513)).logits.shape
    torch.Size([2, 2])
    """
    phase = phase_for(classifier, phase, magnitude.shape[0])
    if phase is None:
        return classifier(magnitude=magnitude)
    return classifier(magnitude=magnitude, phase=phase)


def _patch_grid(x, layout):
    """``[B, skip + F' * T', C]`` patch tokens (frequency-major) -> ``[B, C, T', F']``."""
    if len(layout) != 4 or layout[0] != "patches":
        raise ValueError(f"a patch layout is ('patches', F, T, skip), got {layout!r}")
    _, n_freq, n_time, skip = (layout[0], *(int(v) for v in layout[1:]))
    if x.dim() != 3 or x.shape[1] != skip + n_freq * n_time:
        raise ValueError(f"{skip} + {n_freq} x {n_time} patch tokens expected, got shape "
                         f"{tuple(x.shape)}")
    grid = x[:, skip:].reshape(x.shape[0], n_freq, n_time, x.shape[2])
    return grid.permute(0, 3, 2, 1)


class AdaptedClassifier(nn.Module):
    """A classifier of any origin as the interpreters take it.

    Arguments
    ---------
    model : torch.nn.Module
        With the contract of the module docstring.
    frontend : speechbrain_interp.frontend.SpectralFrontEnd
        The STFT the masks live on (for the ``"magnitude"`` route, the
        model's own STFT); its ``feature_type`` should be
        ``"log1p_linear"``: the model's features are the model's own.
    representations : list of (str, str)
        ``(submodule name, layout)`` of the layers to hook, deepest first.
    route : str, optional
        One of :data:`ROUTES`; default ``"magnitude"`` where the model has
        ``magnitude_features``, else ``"wave"``.
    probe_samples : int, optional
        Length of the silent clip that measures the representations'
        channels at construction (default: one second).
    grad_cam_layer : str, optional
        The representation Grad-CAM reads (default: the deepest). A
        transformer whose head reads class tokens only gives the patch
        tokens of its last block no gradient: name an earlier block.

    Example
    -------
    >>> from speechbrain_interp.frontend import SpectralFrontEnd
    >>> class Tiny(nn.Module):
    ...     sample_rate, labels = 16000, ["a", "b"]
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.conv = nn.Conv1d(1, 4, 400, stride=160)
    ...         self.head = nn.Linear(4, 2)
    ...     def features(self, wave):
    ...         return wave.unsqueeze(1)
    ...     def logits(self, features):
    ...         return self.head(torch.relu(self.conv(features)).mean(-1))
    >>> frontend = SpectralFrontEnd(n_fft=512, win_length=25, hop_length=10,
    ...                             feature_type="log1p_linear")
    >>> clf = AdaptedClassifier(Tiny(), frontend, [("conv", "bct")])
    >>> wave = torch.randn(2, 16000)
    >>> out = clf(wave=wave)
    >>> out.logits.shape, clf.rep_channels, clf.route, clf.labels
    (torch.Size([2, 2]), [4], 'wave', ['a', 'b'])
    >>> mag, phase = clf.frontend.spectrogram(wave)
    >>> bool(torch.allclose(clf(magnitude=mag, phase=phase).logits, out.logits, atol=1e-5))
    True
    """

    #: ``classifier(features=frontend.features(|X|))`` is not this classifier's input: its
    #: features are its model's own, so the methods' "features" (Mel) domain does not apply
    has_frontend_features = False

    def __init__(self, model, frontend, representations, route=None, probe_samples=None,
                 grad_cam_layer=None):
        super().__init__()
        self.model = model
        self.frontend = frontend
        self.representations = [(str(name), layout if isinstance(layout, (tuple, list))
                                 else str(layout)) for name, layout in representations]
        if not self.representations:
            raise ValueError("name at least one representation (submodule, layout) to hook")
        exact = callable(getattr(model, "magnitude_features", None))
        route = ("magnitude" if exact else "wave") if route is None else route
        if route not in ROUTES:
            raise ValueError(f"route must be one of {ROUTES}, got {route!r}")
        if route == "magnitude" and not exact:
            raise ValueError(f"{type(model).__name__} has no magnitude_features: its masked "
                             "input can only reach it as a wave (route='wave')")
        if int(model.sample_rate) != int(frontend.sample_rate):
            raise ValueError(f"the model hears {model.sample_rate} Hz, the front end analyses "
                             f"{frontend.sample_rate} Hz")
        self.route = route
        names = [name for name, _ in self.representations]
        self.grad_cam_layer_name = names[0] if grad_cam_layer is None else str(grad_cam_layer)
        if self.grad_cam_layer_name not in names:
            raise ValueError(f"grad_cam_layer {grad_cam_layer!r} is not one of the "
                             f"representations {names}")
        self.labels = list(model.labels)
        self.multilabel = False
        self._frozen = False
        self._captured = None
        modules = dict(model.named_modules())
        for name, layout in self.representations:
            if name not in modules:
                raise KeyError(f"{type(model).__name__} has no submodule {name!r} to take a "
                               f"representation from (some it has: {sorted(modules)[:12]})")
            if not isinstance(layout, (tuple, list)) and layout not in LAYOUTS:
                raise ValueError(f"layout of {name!r} must be one of {LAYOUTS} or ('patches', F, "
                                 f"T, skip), got {layout!r}")
            modules[name].register_forward_hook(self._hook(name, layout))
        first = next(model.parameters(), None)
        device = first.device if first is not None else torch.device("cpu")
        self.thresholds = torch.full((len(self.labels),), 0.5, device=device)
        with torch.no_grad():
            probe = torch.zeros(1, int(probe_samples or frontend.sample_rate), device=device)
            self._rep_channels = [r.shape[1] for r in self(wave=probe).reps]

    def _hook(self, name, layout):
        def keep(module, inputs, output):
            if self._captured is not None:
                self._captured[name] = to_grid(output, layout)
        return keep

    @property
    def needs_phase(self):
        """Whether a magnitude reaches the model only with its phase (route ``"wave"``)."""
        return self.route == "wave"

    @property
    def grad_cam_layer(self):
        """The submodule Grad-CAM reads (:attr:`grad_cam_layer_name`)."""
        return dict(self.model.named_modules())[self.grad_cam_layer_name]

    @property
    def clip_seconds(self):
        """The clip length the model's configuration fixes (``None``: any length)."""
        value = getattr(self.model, "clip_seconds", None)
        return None if value is None else float(value)

    #: the model's own front end deals with a clip's length (a sequence model hears it as it
    #: is, AST's extractor pads or cuts its features): a recording shorter than the inference
    #: window is not zero-padded to it, which would change what the model hears
    takes_any_length = True

    def loading_arguments(self):
        """How :func:`~speechbrain_interp.inference.classifier.load_classifier`
        rebuilds this classifier: its ``source`` (set by the loaders) and the
        adapter's settings. A classifier built around a module in memory has
        no source and cannot be referenced by a pretrained folder."""
        source = getattr(self, "source", None)
        if source is None:
            raise ValueError(
                f"this {type(self).__name__} around a {type(self.model).__name__} was not loaded "
                "from a source (a SpeechBrain or HuggingFace folder or repository): a pretrained "
                "folder cannot name where to load it from")
        return {"source": source,
                "representations": [[name, list(layout) if isinstance(layout, (tuple, list))
                                     else layout] for name, layout in self.representations],
                "route": self.route, "grad_cam_layer": self.grad_cam_layer_name}

    @property
    def n_classes(self):
        """Number of classes."""
        return len(self.labels)

    @property
    def rep_channels(self):
        """Channel counts of the representations, deepest first."""
        return list(self._rep_channels)

    @property
    def sample_rate(self):
        """Sample rate the model hears."""
        return int(self.model.sample_rate)

    def model_features(self, magnitude, phase=None):
        """The model's own features of a (masked) linear magnitude ``[B, T, F]``.

        The ``"wave"`` route needs ``phase`` (the input's): the masked STFT
        is brought back to a wave of ``(T - 1) * hop`` samples.
        """
        if self.route == "magnitude":
            return self.model.magnitude_features(magnitude)
        if phase is None:
            raise ValueError(
                f"{type(self.model).__name__} hears waves (route 'wave'): a magnitude reaches it "
                "through the ISTFT with the input's phase; call classifier(magnitude=..., "
                "phase=...)")
        length = (magnitude.shape[1] - 1) * self.frontend.hop_samples
        return self.model.features(self.frontend.waveform(magnitude, phase, length))

    def forward(self, wave=None, magnitude=None, phase=None, features=None):
        """Classifies one of: waves, linear magnitudes (with the phase on the
        ``"wave"`` route), the model's own features.

        Returns
        -------
        speechbrain_interp.classifier.ClassifierOutput
            ``logits`` ``[B, C]``, ``embedding`` (the deepest representation
            pooled, ``[B, C_0]``), ``reps`` ``[B, C_k, T_k, F_k]`` deepest
            first, ``features`` (the model's).
        """
        given = [x is not None for x in (wave, magnitude, features)]
        if sum(given) != 1:
            raise ValueError("pass exactly one of wave, magnitude, features")
        if wave is not None:
            if self.route == "magnitude":
                magnitude, _ = self.frontend.spectrogram(wave)
            else:
                features = self.model.features(wave)
        if features is None:
            features = self.model_features(magnitude, phase)
        self._captured = {}
        try:
            logits = self.model.logits(features)
            captured = self._captured
        finally:
            self._captured = None
        missing = [name for name, _ in self.representations if name not in captured]
        if missing:
            raise RuntimeError(f"the forward of {type(self.model).__name__} did not run "
                               f"{missing}: name layers its logits go through")
        reps = [captured[name] for name, _ in self.representations]
        return ClassifierOutput(logits, reps[0].mean(dim=(2, 3)), reps, features, phase)

    def logits_from_deepest(self, deepest):
        """``None``: the rest of the model after a hooked layer is not separable."""
        return None

    def probabilities(self, logits):
        """Softmax of ``[B, C]`` logits."""
        return F.softmax(logits, dim=-1)

    def decide(self, logits):
        """``[B]`` class indices (argmax)."""
        return logits.argmax(dim=-1)

    def loss(self, logits, targets, mask=None):
        """Cross-entropy (fine-tuning is not this class's job; metrics use it)."""
        return F.cross_entropy(logits, targets.long())

    def freeze(self):
        """Eval mode (kept through later ``.train()`` calls), no parameter grads."""
        self._frozen = True
        self.requires_grad_(False)
        return super().train(False)

    def train(self, mode=True):
        """Sets the training mode unless the classifier is frozen."""
        return super().train(False if self._frozen else mode)
