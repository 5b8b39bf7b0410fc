"""Gradient baselines through captum, in two domains (methods.md section 6).

Every class is a :class:`CaptumAttribution`: a captum attribution of the
explained class's logit, made a mask by the ONE rule
:func:`~speechbrain_interp.interpreters.baselines.attribution_to_mask`
(absolute value over the clip's maximum). The ``domain`` of every class:

- ``"linear"`` ("STFT-Mel" rows): attribute the linear magnitude ``|X|``
  ``[B, T, F]`` (``classifier(magnitude=...)``); the mask is the normalised
  attribution (maximum 1 per clip).
- ``"features"`` ("Mel" rows): attribute the classifier features
  ``[B, T, n_features]`` (``classifier(features=...)``); the normalised
  attribution is ``extras["feature_mask"]`` (``Interpretation.feature_mask``,
  maximum 1 per clip; the metrics then mask the features) and the returned
  mask is ``frontend.features_mask_to_linear(feature_mask)`` (maximum <= 1).

GradCAM maps live at the layer's ``(T', F')`` grid whose frequency axis is
the MEL axis: they are upsampled bilinearly to ``(T, n_features)``
(:func:`upsample_layer_map`), then, in the linear domain, spread over the
linear bins by ``features_mask_to_linear`` (upstream interpolated straight
to 513 linear bins, mixing up the two axes).

:class:`SmoothGrad` and :class:`GradientSHAP` draw from a private
``torch.Generator`` seeded at construction: same seed and same calls give the
same masks; the global random state is left untouched.

Authors
 * speechbrain-interp developers 2026
"""

import contextlib
import warnings

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from speechbrain_interp.interpreters.base import Interpreter
from speechbrain_interp.interpreters.baselines import AllOnes, RandomMask, attribution_to_mask

__all__ = [
    "DOMAINS", "GRADIENT_METHODS", "CaptumAttribution", "GradCAM", "GradientSHAP",
    "GuidedBackprop", "GuidedGradCAM", "IntegratedGradients", "Saliency", "SmoothGrad",
    "build_baseline", "upsample_layer_map",
]

#: the attribution domains: linear magnitude ("STFT-Mel") or features ("Mel")
DOMAINS = ("linear", "features")


def _check_domain(domain):
    if domain not in DOMAINS:
        raise ValueError(f"domain must be one of {DOMAINS}, got {domain!r}")
    return domain


class _ClassifierLogits(nn.Module):
    """``inputs -> logits`` of a classifier in one domain (what captum sees).

    An ``nn.Module`` holding the classifier, so that captum's guided
    backpropagation finds its ``nn.ReLU`` modules.
    """

    def __init__(self, classifier, domain):
        super().__init__()
        self.classifier = classifier
        self.domain = domain

    def forward(self, inputs):
        """``[B, T, D] -> [B, C]`` logits."""
        if self.domain == "features":
            return self.classifier(features=inputs).logits
        return self.classifier(magnitude=inputs).logits


@contextlib.contextmanager
def _seeded_global_rng(seed, device):
    """Seeds torch's and numpy's global generators (which captum's
    GradientShap draws from) inside the block, restoring them afterwards."""
    devices = [device.index or 0] if device.type == "cuda" else []
    state = np.random.get_state()
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        np.random.seed(seed)
        try:
            yield
        finally:
            np.random.set_state(state)


def upsample_layer_map(layer_map, n_frames, n_features):
    """Bilinear upsampling of a layer map ``[B, (1,) T', F']`` to ``[B, T, n_features]``.

    The layer's frequency axis is the classifier's feature (mel) axis, so the
    map is stretched to ``n_features`` bins, not to the linear bins
    (``torch.nn.functional.interpolate``, ``align_corners=False``). After
    average pooling with truncation ``T' = floor(T / 2**k)``, so the stretch
    is slightly more than ``2**k`` frames per layer frame.

    Arguments
    ---------
    layer_map : torch.Tensor
        ``[B, T', F']`` or ``[B, 1, T', F']``.
    n_frames : int
        ``T``.
    n_features : int
        ``n_features``.

    Returns
    -------
    torch.Tensor
        ``[B, T, n_features]``.

    Example
    -------
    >>> up = upsample_layer_map(torch.tensor([[[0.0], [1.0]]]), 4, 3)
    >>> up[0, :, 0]
    tensor([0.0000, 0.2500, 0.7500, 1.0000])
    """
    if layer_map.dim() == 3:
        layer_map = layer_map.unsqueeze(1)
    up = F.interpolate(layer_map, size=(int(n_frames), int(n_features)), mode="bilinear",
                       align_corners=False)
    return up[:, 0]


class CaptumAttribution(Interpreter):
    """A captum attribution method as an interpreter, in one domain.

    The attributed function is ``inputs -> classifier logits`` (inputs:
    ``|X|`` or the features, see ``domain``), the target the explained
    class. Subclasses override :meth:`attribute`.

    Arguments
    ---------
    classifier : speechbrain_interp.classifier.AudioClassifier
        The classifier (frozen).
    method : type, optional
        A captum attribution class built from the forward function (an
        ``nn.Module``), e.g. ``captum.attr.InputXGradient``.
    attribute_kwargs : dict, optional
        Extra arguments of captum's ``attribute``.
    domain : str
        ``"linear"`` (attribute ``|X|`` ``[B, T, F]``) or ``"features"``
        (attribute the features ``[B, T, n_features]``).
    seed : int
        Seed of the private generator (methods that draw noise), reset at
        every call: the same input and seed give the same mask.

    Example
    -------
    >>> from captum.attr import InputXGradient
    >>> from speechbrain_interp.classifier import AudioClassifier
    >>> from speechbrain_interp.frontend import SpectralFrontEnd
    >>> from speechbrain_interp.models import CNN14
    >>> clf = AudioClassifier(SpectralFrontEnd(), CNN14(base_channels=4), torch.nn.Linear(128, 3))
    >>> method = CaptumAttribution(clf, InputXGradient, domain="features")
    >>> out = method.interpret(torch.randn(1, 8000))
    >>> out.mask.shape, out.feature_mask.shape, float(out.feature_mask.max())
    (torch.Size([1, 44, 513]), torch.Size([1, 44, 80]), 1.0)
    """

    needs_input_grad = True

    def __init__(self, classifier, method=None, attribute_kwargs=None, domain="linear", seed=0):
        super().__init__(classifier)
        self.domain = _check_domain(domain)
        self.attribute_kwargs = dict(attribute_kwargs or {})
        self.seed = int(seed)
        self.generator = torch.Generator().manual_seed(self.seed)
        # kept out of the module tree: the classifier is already a submodule
        object.__setattr__(self, "forward_model", _ClassifierLogits(self.classifier, self.domain))
        self.method = None if method is None else method(self.forward_model)

    def attribution_inputs(self, magnitude):
        """The attributed input: ``|X|`` or ``features(|X|)``, detached."""
        magnitude = magnitude.detach()
        if self.domain == "features":
            with torch.no_grad():
                return self.frontend.features(magnitude)
        return magnitude

    def attribute(self, inputs, label, output=None):
        """Raw attribution of ``inputs`` ``[B, T, D]`` for ``label`` ``[B]``.

        ``output`` is the classifier's output on ``inputs`` (already
        computed by :meth:`interpret`); methods that can reuse it do.

        Returns
        -------
        attribution : torch.Tensor
            ``[B, T, D]`` (signed).
        extras : dict
            Method-specific outputs.
        """
        return self.method.attribute(inputs, target=label, **self.attribute_kwargs), {}

    def explain(self, magnitude, output, label):
        """Attribution in the chosen domain, made a mask (gradients enabled
        here, so the caller's ``torch.no_grad()`` does not matter)."""
        inputs = self.attribution_inputs(magnitude)
        self.generator.manual_seed(self.seed)  # same input and seed, same mask
        with torch.enable_grad(), warnings.catch_warnings():
            # captum's GuidedBackprop announces its ReLU hooks on every call
            warnings.filterwarnings("ignore", message="Setting backward hooks on ReLU")
            attribution, extras = self.attribute(inputs.clone().requires_grad_(True), label,
                                                 output)
        attribution = attribution.detach()
        extras = {k: v.detach() if torch.is_tensor(v) else v for k, v in extras.items()}
        extras["attribution"] = attribution
        mask = attribution_to_mask(attribution)
        if self.domain == "features":
            extras["feature_mask"] = mask
            mask = self.frontend.features_mask_to_linear(mask)
        return mask, extras


def _example():
    """Doctest helper: a tiny classifier and a 0.5 s clip."""
    from speechbrain_interp.classifier import AudioClassifier
    from speechbrain_interp.frontend import SpectralFrontEnd
    from speechbrain_interp.models import CNN14

    torch.manual_seed(0)
    clf = AudioClassifier(SpectralFrontEnd(), CNN14(base_channels=4), nn.Linear(128, 3))
    return clf, torch.randn(2, 8000)


class Saliency(CaptumAttribution):
    """Vanilla gradient (captum ``Saliency``: ``|d logit_c / d input|``).

    Arguments
    ---------
    classifier, domain, seed
        As in :class:`CaptumAttribution` (``seed`` unused: deterministic method).

    Example
    -------
    >>> from speechbrain_interp.interpreters.gradients import _example
    >>> clf, wave = _example()
    >>> out = Saliency(clf).interpret(wave)
    >>> out.mask.shape, float(out.mask.amax(dim=(1, 2)).min())
    (torch.Size([2, 44, 513]), 1.0)
    """

    def __init__(self, classifier, domain="linear", seed=0):
        from captum.attr import Saliency as CaptumSaliency

        super().__init__(classifier, CaptumSaliency, domain=domain, seed=seed)


class SmoothGrad(CaptumAttribution):
    """Mean of saliency maps of copies with non-negative noise.

    Copies ``x_b + |n|``, ``n ~ N(0, sigma_b^2)``, ``sigma_b = noise_level *
    (max x_b - min x_b)`` (methods.md section 6): non-negative noise keeps
    magnitudes and log1p features valid (captum's ``NoiseTunnel`` adds
    symmetric noise), so this loops over captum ``Saliency`` with noise from
    the private generator. Attribution: mean of the ``|gradient|`` maps.

    Arguments
    ---------
    classifier, domain
        As in :class:`CaptumAttribution`.
    n_samples : int
        Noisy copies per clip (50 in methods.md).
    noise_level : float
        ``sigma`` as a fraction of the clip's value range.
    internal_batch_size : int
        Noisy inputs per classifier pass (at least one copy of the batch).
    seed : int
        Seed of the private noise generator.

    Example
    -------
    >>> from speechbrain_interp.interpreters.gradients import _example
    >>> clf, wave = _example()
    >>> out = SmoothGrad(clf, n_samples=4, seed=1).interpret(wave)
    >>> again = SmoothGrad(clf, n_samples=4, seed=1).interpret(wave)
    >>> out.mask.shape, bool(torch.equal(out.mask, again.mask))
    (torch.Size([2, 44, 513]), True)
    """

    def __init__(self, classifier, domain="linear", n_samples=50, noise_level=0.15,
                 internal_batch_size=32, seed=0):
        from captum.attr import Saliency as CaptumSaliency

        super().__init__(classifier, CaptumSaliency, domain=domain, seed=seed)
        if n_samples < 1:
            raise ValueError(f"n_samples must be >= 1, got {n_samples}")
        self.n_samples = int(n_samples)
        self.noise_level = float(noise_level)
        self.internal_batch_size = int(internal_batch_size)

    def attribute(self, inputs, label, output=None):
        """Mean ``|gradient|`` over the noisy copies, ``[B, T, D]``."""
        x = inputs.detach()
        batch = x.shape[0]
        flat = x.flatten(1)
        sigma = self.noise_level * (flat.amax(dim=1) - flat.amin(dim=1))
        sigma = sigma.view(batch, *([1] * (x.dim() - 1)))
        per_pass = max(1, self.internal_batch_size // batch)
        total = torch.zeros_like(x)
        done = 0
        while done < self.n_samples:
            k = min(per_pass, self.n_samples - done)
            noise = torch.randn((k,) + tuple(x.shape), generator=self.generator)
            noisy = x.unsqueeze(0) + noise.to(x).abs() * sigma
            grads = self.method.attribute(
                noisy.flatten(0, 1).requires_grad_(True), target=label.repeat(k), abs=True
            )
            total += grads.detach().view((k,) + tuple(x.shape)).sum(dim=0)
            done += k
        return total / self.n_samples, {"sigma": sigma.flatten()}


class IntegratedGradients(CaptumAttribution):
    """Integrated gradients from the zero input (captum ``IntegratedGradients``).

    ``extras["convergence_delta"]`` ``[B]`` is captum's completeness error
    ``sum(attribution) - (logit_c(x) - logit_c(0))``.

    Arguments
    ---------
    classifier, domain, seed
        As in :class:`CaptumAttribution` (``seed`` unused: deterministic method).
    n_steps : int
        Integration steps (200 in methods.md).
    internal_batch_size : int
        At most this many path points per classifier pass.
    method : str
        captum's integration rule (``"gausslegendre"``, ``"riemann_trapezoid"``...).

    Example
    -------
    >>> from speechbrain_interp.interpreters.gradients import _example
    >>> clf, wave = _example()
    >>> out = IntegratedGradients(clf, n_steps=8).interpret(wave)
    >>> out.mask.shape, out.extras["convergence_delta"].shape
    (torch.Size([2, 44, 513]), torch.Size([2]))
    """

    def __init__(self, classifier, domain="linear", n_steps=200, internal_batch_size=32,
                 method="gausslegendre", seed=0):
        from captum.attr import IntegratedGradients as CaptumIG

        super().__init__(classifier, CaptumIG, domain=domain, seed=seed)
        self.n_steps = int(n_steps)
        self.internal_batch_size = int(internal_batch_size)
        self.integration = str(method)

    def attribute(self, inputs, label, output=None):
        """Integrated gradients from ``zeros_like(inputs)``, ``[B, T, D]``."""
        attribution, delta = self.method.attribute(
            inputs, baselines=torch.zeros_like(inputs), target=label, n_steps=self.n_steps,
            method=self.integration,
            internal_batch_size=max(self.internal_batch_size, 2 * inputs.shape[0]),
            return_convergence_delta=True,
        )
        return attribution, {"convergence_delta": delta}


class GuidedBackprop(CaptumAttribution):
    """Guided backpropagation (captum ``GuidedBackprop``).

    Only the backward of ``nn.ReLU`` modules is changed (negative gradients
    are zeroed), hence :class:`~speechbrain_interp.models.CNN14Block`'s
    ReLU modules.

    Arguments
    ---------
    classifier, domain, seed
        As in :class:`CaptumAttribution` (``seed`` unused: deterministic method).

    Example
    -------
    >>> from speechbrain_interp.interpreters.gradients import _example
    >>> clf, wave = _example()
    >>> guided = GuidedBackprop(clf, domain="features").interpret(wave)
    >>> plain = Saliency(clf, domain="features").interpret(wave)
    >>> guided.feature_mask.shape, bool(torch.equal(guided.feature_mask, plain.feature_mask))
    (torch.Size([2, 44, 80]), False)
    """

    def __init__(self, classifier, domain="linear", seed=0):
        from captum.attr import GuidedBackprop as CaptumGuidedBackprop

        super().__init__(classifier, CaptumGuidedBackprop, domain=domain, seed=seed)


def _deepest_block(classifier):
    """The deepest conv block of the classifier's encoder (CNN14 ``conv_block6``)."""
    blocks = getattr(classifier.embedding_model, "blocks", None)
    if not blocks:
        raise ValueError("the encoder has no .blocks: pass the GradCAM layer explicitly")
    return blocks[-1]


class GradCAM(CaptumAttribution):
    """GradCAM at a conv layer (captum ``LayerGradCam``), brought to the input grid.

    The layer map ``[B, T', F']`` (``extras["layer_attribution"]``, ``F'``
    on the mel axis) is upsampled by :func:`upsample_layer_map` to ``[B, T,
    n_features]`` (the ``"features"`` attribution), then spread over the
    linear bins by ``features_mask_to_linear`` (the ``"linear"`` one). The
    map itself does not depend on the domain (gradients stop at the layer).

    Arguments
    ---------
    classifier, domain, seed
        As in :class:`CaptumAttribution` (``seed`` unused: deterministic method).
    layer : torch.nn.Module, optional
        Default: ``classifier.embedding_model.blocks[-1]`` (CNN14
        ``conv_block6``, whose output has ``T' = T // 32``, ``F' = n_mels // 32``).
    relu_attributions : bool
        ReLU on the map before upsampling (captum's default: False).

    Example
    -------
    >>> from speechbrain_interp.interpreters.gradients import _example
    >>> clf, wave = _example()
    >>> out = GradCAM(clf).interpret(wave)
    >>> out.mask.shape, tuple(out.extras["layer_attribution"].shape)
    (torch.Size([2, 44, 513]), (2, 1, 2))
    """

    def __init__(self, classifier, domain="linear", layer=None, relu_attributions=False, seed=0):
        from captum.attr import LayerGradCam

        super().__init__(classifier, domain=domain, seed=seed)
        self.relu_attributions = bool(relu_attributions)
        deepest = _deepest_block(classifier)
        layer = deepest if layer is None else layer
        self.at_deepest = layer is deepest
        self.grad_cam = LayerGradCam(self.forward_model, layer)

    def to_input_grid(self, layer_map, inputs):
        """Layer map ``[B, 1, T', F']`` -> ``[B, T, D]`` on the inputs' grid."""
        up = upsample_layer_map(layer_map, inputs.shape[1], self.frontend.n_features)
        if self.domain == "linear":
            up = self.frontend.features_mask_to_linear(up)
        return up

    def layer_map(self, inputs, label, relu_attributions, output=None):
        """The Grad-CAM map ``[B, 1, T', F']`` of ``label`` at the layer.

        At the deepest block, with the classifier's ``output`` on
        ``inputs`` at hand and an encoder that exposes its pooling
        (:meth:`~speechbrain_interp.classifier.AudioClassifier.logits_from_deepest`),
        the map comes from that block's output alone: the gradient of the
        class logit flows back through the pooling and the head only, not
        through the blocks (no second forward, no full backward). Otherwise:
        captum ``LayerGradCam`` (a forward with a hook, then the gradient to
        the layer). Both give ``sum_k (mean_{t,f} d y_c / d A_k) A_k``
        (ReLU'd with ``relu_attributions``).
        """
        deepest = None if output is None or not self.at_deepest else output.reps[0]
        if deepest is not None:
            with torch.enable_grad():
                acts = deepest.detach().requires_grad_(True)
                logits = self.classifier.logits_from_deepest(acts)
                if logits is not None:
                    score = logits.gather(1, label.view(-1, 1).to(logits.device)).sum()
                    (grads,) = torch.autograd.grad(score, acts)
                    weights = grads.mean(dim=(2, 3), keepdim=True)
                    cam = (weights * acts.detach()).sum(dim=1, keepdim=True)
                    return F.relu(cam) if relu_attributions else cam
        return self.grad_cam.attribute(inputs, target=label, relu_attributions=relu_attributions)

    def attribute(self, inputs, label, output=None):
        """Upsampled GradCAM map, ``[B, T, D]``."""
        cam = self.layer_map(inputs, label, self.relu_attributions, output).detach()
        return self.to_input_grid(cam, inputs), {"layer_attribution": cam[:, 0]}


class GuidedGradCAM(GradCAM):
    """Guided GradCAM: guided backprop times the upsampled GradCAM map.

    Same product as captum ``GuidedGradCam`` (GradCAM with
    ``relu_attributions=True``), but the map reaches the input grid by
    :class:`GradCAM`'s rule (bilinear on the mel axis, then spread to linear
    bins): captum's class interpolates to the trailing input dimensions,
    i.e. straight to the 513 linear bins. In the ``"features"`` domain both
    agree (captum with ``interpolate_mode="bilinear"`` on ``[B, 1, T, M]``).

    Arguments
    ---------
    classifier, domain, seed
        As in :class:`CaptumAttribution` (``seed`` unused: deterministic method).
    layer : torch.nn.Module, optional
        Default: the deepest conv block.

    Example
    -------
    >>> from speechbrain_interp.interpreters.gradients import _example
    >>> clf, wave = _example()
    >>> out = GuidedGradCAM(clf, domain="features").interpret(wave)
    >>> out.feature_mask.shape, bool(0 <= out.feature_mask.min() <= out.feature_mask.max() <= 1)
    (torch.Size([2, 44, 80]), True)
    """

    def __init__(self, classifier, domain="linear", layer=None, seed=0):
        from captum.attr import GuidedBackprop as CaptumGuidedBackprop

        super().__init__(classifier, domain=domain, layer=layer, relu_attributions=True, seed=seed)
        self.guided_backprop = CaptumGuidedBackprop(self.forward_model)

    def attribute(self, inputs, label, output=None):
        """Guided backprop times the ReLU'd, upsampled GradCAM map, ``[B, T, D]``."""
        cam = self.layer_map(inputs, label, True, output).detach()
        guided = self.guided_backprop.attribute(inputs, target=label).detach()
        return guided * self.to_input_grid(cam, inputs), {"layer_attribution": cam[:, 0]}


class GradientSHAP(CaptumAttribution):
    """Expected gradients from random baselines (captum ``GradientShap``).

    Each clip gets ``n_baselines`` baselines ``|N(0, 1)| * sqrt(pi / 2) *
    mean(x)``: non-negative (valid inputs), structureless, with the clip's
    mean value on average whatever the domain or level (upstream drew
    ``|N(0, 1)|`` unscaled on log1p inputs, of order one). captum's own
    draws (path points, baseline picks) come from the global generators,
    seeded from the private one per clip and restored afterwards.

    Arguments
    ---------
    classifier, domain
        As in :class:`CaptumAttribution`.
    n_baselines : int
        Baselines per clip (3 in methods.md).
    n_samples : int
        captum's random path points per clip.
    stdevs : float
        captum's Gaussian input noise (0: none, which keeps inputs valid).
    seed : int
        Seed of the private generator.

    Example
    -------
    >>> from speechbrain_interp.interpreters.gradients import _example
    >>> clf, wave = _example()
    >>> out = GradientSHAP(clf, seed=3).interpret(wave)
    >>> again = GradientSHAP(clf, seed=3).interpret(wave)
    >>> out.extras["baselines"].shape, bool(torch.equal(out.mask, again.mask))
    (torch.Size([2, 3, 44, 513]), True)
    """

    def __init__(self, classifier, domain="linear", n_baselines=3, n_samples=5, stdevs=0.0,
                 seed=0):
        from captum.attr import GradientShap

        super().__init__(classifier, GradientShap, domain=domain, seed=seed)
        self.n_baselines = int(n_baselines)
        self.n_samples = int(n_samples)
        self.stdevs = float(stdevs)

    def attribute(self, inputs, label, output=None):
        """GradientShap attribution per clip, ``[B, T, D]``."""
        attributions, all_baselines = [], []
        for b in range(inputs.shape[0]):
            x = inputs[b:b + 1]
            draw = torch.randn((self.n_baselines,) + tuple(x.shape[1:]), generator=self.generator)
            scale = (np.pi / 2) ** 0.5 * x.detach().mean()
            baselines = draw.to(x).abs() * scale
            seed = int(torch.randint(0, 2**31 - 1, (1,), generator=self.generator))
            with _seeded_global_rng(seed, x.device):
                attributions.append(self.method.attribute(
                    x, baselines=baselines, target=label[b:b + 1], n_samples=self.n_samples,
                    stdevs=self.stdevs,
                ))
            all_baselines.append(baselines)
        return torch.cat(attributions), {"baselines": torch.stack(all_baselines)}


#: name -> class of the captum-based baselines (methods.md section 6)
GRADIENT_METHODS = {
    "saliency": Saliency,
    "smoothgrad": SmoothGrad,
    "integrated_gradients": IntegratedGradients,
    "gradcam": GradCAM,
    "guided_gradcam": GuidedGradCAM,
    "guided_backprop": GuidedBackprop,
    "gradient_shap": GradientSHAP,
}


def build_baseline(name, classifier, domain="linear", **kwargs):
    """A baseline interpreter by name.

    Arguments
    ---------
    name : str
        A key of :data:`GRADIENT_METHODS`, ``"all_ones"``, ``"random"`` or
        ``"rde"`` (the STFT-domain :class:`~speechbrain_interp.interpreters.rde.RDE`,
        optimised per clip; linear domain only).
    classifier : speechbrain_interp.classifier.AudioClassifier
        The classifier to explain.
    domain : str
        ``"linear"`` or ``"features"`` (gradient methods). ``"all_ones"`` and
        ``"random"`` always mask ``|X|``; the domain is only checked (an
        all-ones mask is the same in both).
    **kwargs
        Constructor arguments. ``"random"`` needs ``reference`` (an
        interpreter whose mask values are shuffled) or ``mean``;
        ``"all_ones"`` ignores ``seed``.

    Returns
    -------
    Interpreter

    Example
    -------
    >>> from speechbrain_interp.interpreters.gradients import _example
    >>> clf, wave = _example()
    >>> type(build_baseline("gradcam", clf, domain="features")).__name__
    'GradCAM'
    >>> build_baseline("lime", clf)
    Traceback (most recent call last):
    ...
    ValueError: unknown baseline 'lime'; known: all_ones, gradcam, gradient_shap, ...
    """
    _check_domain(domain)
    if name in GRADIENT_METHODS:
        return GRADIENT_METHODS[name](classifier, domain=domain, **kwargs)
    if name == "all_ones":
        kwargs.pop("seed", None)
        return AllOnes(classifier, **kwargs)
    if name == "random":
        if kwargs.get("reference") is None and kwargs.get("mean") is None:
            raise ValueError("baseline 'random' needs reference=<Interpreter> or mean=<float>")
        return RandomMask(classifier, **kwargs)
    if name == "rde":
        if domain != "linear":
            raise ValueError("baseline 'rde' masks the linear magnitude: use domain 'linear'")
        from speechbrain_interp.interpreters.rde import RDE

        return RDE(classifier, **kwargs)
    known = sorted(list(GRADIENT_METHODS) + ["all_ones", "random", "rde"])
    raise ValueError(f"unknown baseline {name!r}; known: {', '.join(known)}")
