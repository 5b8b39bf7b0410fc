"""Gradient baselines through captum, in two domains (docs/methods.md section 6).

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

Grad-CAM and Guided Grad-CAM (layer maps) are in
:mod:`speechbrain_interp.interpreters.baselines.grad_cam`; every baseline by name:
:func:`speechbrain_interp.interpreters.baselines.registry.build_baseline`.

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
from torch import nn

from speechbrain_interp.adapters.adapted import check_features_domain, classify_magnitude
from speechbrain_interp.interpreters.base import Interpreter
from speechbrain_interp.interpreters.baselines.reference import attribution_to_mask

__all__ = [
    "DOMAINS", "CaptumAttribution", "GradientSHAP", "GuidedBackprop", "IntegratedGradients",
    "Saliency", "SmoothGrad", "check_domain",
]

#: the attribution domains: linear magnitude ("STFT-Mel") or features ("Mel")
DOMAINS = ("linear", "features")


def check_domain(domain):
    """``domain`` if it is one of :data:`DOMAINS`, else a ValueError."""
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
        #: ``[B, T, F]`` phase of the clips being explained (set by ``explain``), for
        #: classifiers that hear waves; captum's copies of the batch get it repeated
        self.phase = None

    def forward(self, inputs):
        """``[B, T, D] -> [B, C]`` logits."""
        if self.domain == "features":
            return self.classifier(features=inputs).logits
        return classify_magnitude(self.classifier, inputs, self.phase).logits


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
    >>> from speechbrain_interp.examples import small_classifier
    >>> clf = small_classifier(3)
    >>> method = CaptumAttribution(clf, InputXGradient, domain="features")
    >>> out = method.interpret(torch.randn(1, 8000))
    >>> out.mask.shape, out.feature_mask.shape, float(out.feature_mask.max())
    (torch.Size([1, 44, 513]), torch.Size([1, 44, 80]), 1.0)
    """

    needs_input_grad = True

    def __init__(self, classifier, method=None, attribute_kwargs=None, domain="linear", seed=0):
        super().__init__(classifier)
        self.domain = check_domain(domain)
        if self.domain == "features":
            check_features_domain(classifier, type(self).__name__)
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
        self.forward_model.phase = output.phase
        try:
            with torch.enable_grad(), warnings.catch_warnings():
                # captum's GuidedBackprop announces its ReLU hooks on every call
                warnings.filterwarnings("ignore", message="Setting backward hooks on ReLU")
                attribution, extras = self.attribute(inputs.clone().requires_grad_(True), label,
                                                     output)
        finally:
            self.forward_model.phase = None
        attribution = attribution.detach()
        extras = {k: v.detach() if torch.is_tensor(v) else v for k, v in extras.items()}
        extras["attribution"] = attribution
        mask = attribution_to_mask(attribution)
        if self.domain == "features":
            extras["feature_mask"] = mask
            mask = self.frontend.features_mask_to_linear(mask)
        return mask, extras


class Saliency(CaptumAttribution):
    """Vanilla gradient (captum ``Saliency``: ``|d logit_c / d input|``).

    Arguments
    ---------
    classifier, domain, seed
        As in :class:`CaptumAttribution` (``seed`` unused: deterministic method).

    Example
    -------
    >>> from speechbrain_interp.examples import small_classifier
    >>> clf, wave = small_classifier(3, seed=0), torch.randn(2, 8000)
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
    (max x_b - min x_b)`` (docs/methods.md section 6): non-negative noise keeps
    magnitudes and log1p features valid (captum's ``NoiseTunnel`` adds
    symmetric noise), so this loops over captum ``Saliency`` with noise from
    the private generator. Attribution: mean of the ``|gradient|`` maps.

    Arguments
    ---------
    classifier, domain
        As in :class:`CaptumAttribution`.
    n_samples : int
        Noisy copies per clip (50 in docs/methods.md).
    noise_level : float
        ``sigma`` as a fraction of the clip's value range.
    internal_batch_size : int
        Noisy inputs per classifier pass (at least one copy of the batch).
    seed : int
        Seed of the private noise generator.

    Example
    -------
    >>> from speechbrain_interp.examples import small_classifier
    >>> clf, wave = small_classifier(3, seed=0), torch.randn(2, 8000)
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
        Integration steps (200 in docs/methods.md).
    internal_batch_size : int
        At most this many path points per classifier pass.
    method : str
        captum's integration rule (``"gausslegendre"``, ``"riemann_trapezoid"``...).

    Example
    -------
    >>> from speechbrain_interp.examples import small_classifier
    >>> clf, wave = small_classifier(3, seed=0), torch.randn(2, 8000)
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
    >>> from speechbrain_interp.examples import small_classifier
    >>> clf, wave = small_classifier(3, seed=0), torch.randn(2, 8000)
    >>> guided = GuidedBackprop(clf, domain="features").interpret(wave)
    >>> plain = Saliency(clf, domain="features").interpret(wave)
    >>> guided.feature_mask.shape, bool(torch.equal(guided.feature_mask, plain.feature_mask))
    (torch.Size([2, 44, 80]), False)
    """

    def __init__(self, classifier, domain="linear", seed=0):
        from captum.attr import GuidedBackprop as CaptumGuidedBackprop

        super().__init__(classifier, CaptumGuidedBackprop, domain=domain, seed=seed)


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
        Baselines per clip (3 in docs/methods.md).
    n_samples : int
        captum's random path points per clip.
    stdevs : float
        captum's Gaussian input noise (0: none, which keeps inputs valid).
    seed : int
        Seed of the private generator.

    Example
    -------
    >>> from speechbrain_interp.examples import small_classifier
    >>> clf, wave = small_classifier(3, seed=0), torch.randn(2, 8000)
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
        phase = self.forward_model.phase
        for b in range(inputs.shape[0]):
            x = inputs[b:b + 1]
            self.forward_model.phase = None if phase is None else phase[b:b + 1]
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
        self.forward_model.phase = phase
        return torch.cat(attributions), {"baselines": torch.stack(all_baselines)}
