"""Every baseline interpreter by name (what the YAMLs and the evaluation ask for).

Authors
 * speechbrain-interp developers 2026
"""

from speechbrain_interp.interpreters.baselines.reference import AllOnes, RandomMask
from speechbrain_interp.interpreters.baselines.grad_cam import GradCAM, GuidedGradCAM
from speechbrain_interp.interpreters.baselines.gradients import (
    GradientSHAP,
    GuidedBackprop,
    IntegratedGradients,
    Saliency,
    SmoothGrad,
    check_domain,
)

__all__ = ["GRADIENT_METHODS", "build_baseline"]


#: name -> class of the captum-based baselines (docs/methods.md section 6)
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
    >>> import torch
    >>> from speechbrain_interp.examples import small_classifier
    >>> clf, wave = small_classifier(3, seed=0), torch.randn(2, 8000)
    >>> type(build_baseline("gradcam", clf, domain="features")).__name__
    'GradCAM'
    >>> build_baseline("lime", clf)
    Traceback (most recent call last):
    ...
    ValueError: unknown baseline 'lime'; known: all_ones, gradcam, gradient_shap, ...
    """
    check_domain(domain)
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
