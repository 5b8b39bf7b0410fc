"""Grad-CAM and Guided Grad-CAM at a conv layer, brought to the input grid.

Grad-CAM maps live at the layer's ``(T', F')`` grid whose frequency axis is
the MEL axis: they are upsampled bilinearly to ``(T, n_features)``
(:func:`upsample_layer_map`), then, in the linear domain, spread over the
linear bins by ``features_mask_to_linear`` (upstream interpolated straight
to 513 linear bins, mixing up the two axes).

At the deepest block (the default), the map is computed from the
interpretation's own forward: the gradient of the class logit with respect
to the block's output flows back through the pooling and the head only
(:meth:`~speechbrain_interp.classifier.AudioClassifier.logits_from_deepest`),
so Grad-CAM costs about one classifier forward; at any other layer, captum's
``LayerGradCam`` runs a hooked forward and the gradient to that layer.

Authors
 * speechbrain-interp developers 2026
"""

import torch
import torch.nn.functional as F

from speechbrain_interp.adapters.adapted import to_grid
from speechbrain_interp.interpreters.baselines.gradients import CaptumAttribution

__all__ = ["GradCAM", "GuidedGradCAM", "upsample_layer_map"]


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


def _deepest_block(classifier):
    """The deepest conv block of the classifier's encoder (CNN14 ``conv_block6``),
    or the layer an adapted classifier names for Grad-CAM."""
    adapted = getattr(classifier, "grad_cam_layer", None)
    if adapted is not None:
        return adapted
    blocks = getattr(getattr(classifier, "embedding_model", None), "blocks", None)
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
    >>> from speechbrain_interp.examples import small_classifier
    >>> clf, wave = small_classifier(3, seed=0), torch.randn(2, 8000)
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
        names = {id(module): name for name, module in classifier.named_modules()}
        # an adapted classifier's hooked layer: its name, prefixed by the adapter's "model."
        self.layer_name = names.get(id(layer), "").partition(".")[2] or None
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
        layout = dict(getattr(self.classifier, "representations", ())).get(
            getattr(self, "layer_name", None))
        if layout is not None:
            return self._layout_map(inputs, label, relu_attributions, layout)
        return self.grad_cam.attribute(inputs, target=label, relu_attributions=relu_attributions)

    def _layout_map(self, inputs, label, relu_attributions, layout):
        """Grad-CAM at an adapted classifier's hooked layer whose output is laid
        out as ``layout`` (``"bct"``, ``"btc"``, ``"bctf"``): the output and its
        gradient brought to ``[B, C, T, F]`` first, so that the channel mean of
        the gradient weighs the right axis."""
        kept = {}
        handle = self.grad_cam.layer.register_forward_hook(
            lambda module, args, output: kept.setdefault("out", output))
        try:
            with torch.enable_grad():
                logits = self.forward_model(inputs)
                out = kept["out"][0] if isinstance(kept["out"], (tuple, list)) else kept["out"]
                score = logits.gather(1, label.view(-1, 1).to(logits.device)).sum()
                (grads,) = torch.autograd.grad(score, out)
        finally:
            handle.remove()
        acts, grads = to_grid(out.detach(), layout), to_grid(grads, layout)
        cam = (grads.mean(dim=(2, 3), keepdim=True) * acts).sum(dim=1, keepdim=True)
        return F.relu(cam) if relu_attributions else cam

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
    >>> from speechbrain_interp.examples import small_classifier
    >>> clf, wave = small_classifier(3, seed=0), torch.randn(2, 8000)
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
