"""Perception Visualization (Giulivi et al.) adapted to audio classifiers.

PV shows "what the model sees where it looks": a decoder ``D`` rebuilds the
input spectrogram from the frozen classifier's deepest representation
``z = E(x)`` (CNN14 ``conv_block6``), and Grad-CAM of the decided class at
the same block says where the model looks. The explanation is the
reconstruction under the saliency, ``P_c = m_c * Y`` (paper Eq. 2 with
silence in place of the white background; docs/methods.md section 5.5).

Two target domains (``target``):

* ``"linear"``: ``log1p |X|`` on the 513 linear bins; listenable with the
  input phase: ``ISTFT(m_c * expm1(Y) e^{j phase})``;
* ``"mel"``: the classifier's own features ``log1p(mel |X|)``; the linear
  magnitude is the least-squares (pseudo-inverse) spread of the mel bands,
  listenable through Griffin-Lim (the input phase does not match a spread
  magnitude well).

Targets are scaled to ``[0, 1]`` with the training set's global minimum and
maximum (:class:`~speechbrain_interp.interpreters.pv.losses.SpectrogramRange`, fitted on
the training batches as they come; per-clip statistics would leak the input
to the decoder). The loss is :func:`~speechbrain_interp.interpreters.pv.losses.pv_loss`
(pixel MSE, SSIM and feature consistency ``|E(Y) - z|^2``, paper Eq. 6-9).

Behind the interface: ``mask`` is the Grad-CAM saliency on the linear
grid and ``base_magnitude`` the reconstruction's linear magnitude, so the
metrics score the classifier on ``m_c * Y`` (what PV shows), not on
``m_c * X`` (which would be Grad-CAM's row again).

Authors
 * speechbrain-interp developers 2026
"""

import torch
from torch import nn

from speechbrain_interp.adapters.adapted import check_features_domain, classify_magnitude
from speechbrain_interp.interpreters.base import Interpreter
from speechbrain_interp.interpreters.baselines.grad_cam import GradCAM
from speechbrain_interp.interpreters.pv.decoder import PVDecoder
from speechbrain_interp.interpreters.pv.compose import perception_visualization
from speechbrain_interp.interpreters.pv.losses import SpectrogramRange, pv_loss
from speechbrain_interp.evaluation.ssim import ssim

__all__ = ["PerceptionVisualization"]

_TARGETS = ("linear", "mel")


class _Reconstructor(nn.Module):
    """The trained part: the decoder and the target range (saved together)."""

    def __init__(self, decoder):
        super().__init__()
        self.decoder = decoder
        self.range = SpectrogramRange()


class PerceptionVisualization(Interpreter):
    """PV: Grad-CAM saliency times the decoder's reconstruction.

    Arguments
    ---------
    classifier : speechbrain_interp.classifier.AudioClassifier
        A CNN14 classifier (frozen here).
    target : str
        ``"linear"`` (513-bin ``log1p |X|``) or ``"mel"`` (the features).
    channels : sequence of int
        Widths of the decoder's upsampling stages (five x2 stages take the
        deepest CNN14 map back to the input's size).
    alphas : sequence of float
        Weights of MSE, SSIM and feature consistency (paper: 0.2, 0.4, 0.4).
    griffin_lim_iters : int
        Griffin-Lim iterations of the ``"mel"`` target's listenable wave.
    output_grid : str
        Where the decoder's output convolution works (see
        :class:`~speechbrain_interp.interpreters.pv.decoder.PVDecoder`):
        ``"stages"`` (default, as in every recipe: the last stage's grid,
        then one channel resized; ~8x fewer pixels for the same held-out
        figures) or ``"target"`` (the spectrogram's grid).

    Example
    -------
    >>> from speechbrain_interp.examples import small_classifier
    >>> clf, wave = small_classifier(3, seed=0), torch.randn(2, 8000)
    >>> pv = PerceptionVisualization(clf, channels=(16, 8, 8, 8, 8))
    >>> _ = pv.train()
    >>> out = pv.interpret(wave, with_wave=False)  # training: fits the range
    >>> loss = pv.loss(out)["loss"]
    >>> _ = pv.eval()
    >>> out = pv.interpret(wave)
    >>> out.mask.shape, out.base_magnitude.shape, out.wave.shape
    (torch.Size([2, 44, 513]), torch.Size([2, 44, 513]), torch.Size([2, 8000]))
    >>> sorted(pv.extra_metrics(out))
    ['PV_agree', 'PV_dsim', 'PV_mse', 'PV_ssim']
    """

    trainable = True
    needs_input_grad = True  # Grad-CAM
    listens_to_masked_input = False  # m_c * Y

    def __init__(self, classifier, target="linear", channels=(256, 128, 64, 32, 16),
                 alphas=(0.2, 0.4, 0.4), griffin_lim_iters=32, output_grid="stages"):
        super().__init__(classifier)
        if target not in _TARGETS:
            raise ValueError(f"target must be one of {_TARGETS}, got {target!r}")
        if target != "linear":
            check_features_domain(classifier, f"PV with target {target!r}")
        self.target = target
        self.alphas = tuple(float(a) for a in alphas)
        self.griffin_lim_iters = int(griffin_lim_iters)
        in_channels = classifier.rep_channels[0]
        self.reconstructor = _Reconstructor(PVDecoder(in_channels, tuple(channels),
                                                          output_grid=output_grid))
        self._cache = {}  # a plain dict: the Grad-CAM helper is not a submodule

    @property
    def grad_cam(self):
        """Grad-CAM (captum) at the deepest block of the CURRENT classifier
        (rebuilt when the evaluation program swaps in its shared classifier)."""
        cam = self._cache.get("grad_cam")
        if cam is None or cam.classifier is not self.classifier:
            # the map does not depend on the domain; an adapted classifier has only "linear"
            domain = "features" if getattr(self.classifier, "has_frontend_features", True) \
                else "linear"
            cam = GradCAM(self.classifier, domain=domain, relu_attributions=True)
            self._cache["grad_cam"] = cam
        return cam

    # ------------------------------------------------------------------ domains
    def log_spectrogram(self, magnitude):
        """The decoder's target before scaling: ``[B, T, 513]`` or ``[B, T, n_mels]``."""
        if self.target == "linear":
            return torch.log1p(magnitude)
        return self.frontend.features(magnitude)

    def linear_magnitude(self, y):
        """Linear magnitude ``[B, T, 513]`` of a scaled reconstruction ``y``."""
        log_spec = self.reconstructor.range.denormalise(y).clamp_min(0.0)
        spec = torch.expm1(log_spec)
        if self.target == "linear":
            return spec
        # least-squares inverse of the filterbank (|X| @ fb = mel)
        inverse = torch.linalg.pinv(self.frontend.filterbank_matrix().to(spec))
        return (spec @ inverse).clamp_min(0.0)

    def encode(self, y, phase=None):
        """Classifier view of a scaled reconstruction (for feature consistency);
        ``phase``: the input's, for classifiers that hear waves."""
        if self.target == "linear":
            return classify_magnitude(self.classifier, self.linear_magnitude(y), phase)
        log_spec = self.reconstructor.range.denormalise(y).clamp_min(0.0)
        return self.classifier(features=log_spec)

    # ------------------------------------------------------------------ interface
    def explain(self, magnitude, output, label):
        """Saliency (linear grid), reconstruction and PV.

        While training only the reconstruction is computed (the saliency is
        not part of ``D``'s objective) and the mask is all ones.
        """
        target = self.log_spectrogram(magnitude.detach())
        rng = self.reconstructor.range
        if self.training:
            rng.update(target.detach())
        z = output.reps[0].detach()
        y = self.reconstructor.decoder(z, target.shape[1], target.shape[2])
        if not self.training:
            y = y.detach()
        extras = {"reconstruction": y, "target": rng.normalise(target), "z": z}
        if self.training:
            return torch.ones_like(magnitude), extras
        mask, cam = self.grad_cam.explain(magnitude, output, label)
        saliency = mask if self.target == "linear" else cam["feature_mask"]
        extras.update({
            "saliency": saliency,
            "layer_attribution": cam["layer_attribution"],
            "pv": perception_visualization(saliency, y.detach()),
            "base_magnitude": self.linear_magnitude(y.detach()),
        })
        return mask, extras

    def loss(self, interpretation, clean_magnitude=None, rest_magnitude=None):
        """:func:`pv_loss` of the reconstruction (target: the clean input if given)."""
        extras = interpretation.extras
        target = extras["target"]
        if clean_magnitude is not None:
            target = self.reconstructor.range.normalise(self.log_spectrogram(clean_magnitude))
        z_hat = self.encode(extras["reconstruction"], interpretation.phase).reps[0]
        parts = pv_loss(extras["reconstruction"], target, z_hat, extras["z"], self.alphas)
        return {k: (v if k == "loss" else v.detach()) for k, v in parts.items()}

    def extra_metrics(self, interpretation):
        """Per clip: spectral MSE and SSIM of the reconstruction, feature
        consistency, and whether the classifier decides the same on it."""
        extras = interpretation.extras
        y, target = extras["reconstruction"].detach(), extras["target"]
        with torch.no_grad():
            out = self.encode(y, interpretation.phase)
        decision = out.logits.argmax(-1)
        return {
            "PV_mse": (y - target).pow(2).mean(dim=(1, 2)),
            "PV_ssim": ssim(y, target),
            "PV_dsim": (out.reps[0] - extras["z"]).pow(2).flatten(1).mean(1),
            "PV_agree": (decision == interpretation.logits.argmax(-1)).float(),
        }

    def listen(self, interpretation, length):
        """``m_c * Y`` as a wave: input phase (linear) or Griffin-Lim (mel)."""
        shown = interpretation.masked_magnitude.detach()
        if self.target == "linear":
            return super().listen(interpretation, length)
        from torchaudio.transforms import GriffinLim

        stft = self.frontend.compute_stft
        griffin_lim = GriffinLim(
            n_fft=self.frontend.n_fft, win_length=stft.win_length, hop_length=stft.hop_length,
            window_fn=torch.hamming_window, power=1.0, n_iter=self.griffin_lim_iters,
            length=length,
        ).to(shown.device)
        with torch.no_grad():
            return griffin_lim(shown.transpose(1, 2))

    def save_figures(self, interpretation, index, folder, sample_rate, hop_samples, title=""):
        """``pv.png``: input, reconstruction, saliency and PV (scaled domain)."""
        import os

        from speechbrain_interp.interpreters.pv.plots import plot_perception_visualization

        extras = interpretation.extras
        if "pv" not in extras:
            return []
        path = os.path.join(folder, "pv.png")
        plot_perception_visualization(
            extras["target"][index], extras["reconstruction"][index].detach(),
            extras["saliency"][index], extras["pv"][index], path, sample_rate, hop_samples,
            title=f"explained class: {title}" if title else "",
            frequency_label="frequency (kHz)" if self.target == "linear" else "mel band")
        return [path]

    def listenable_parts(self, interpretation, index, length):
        """The whole reconstruction ("what the classifier hears")."""
        whole = type(interpretation)(
            mask=torch.ones_like(interpretation.mask[index:index + 1]),
            label=interpretation.label[index:index + 1],
            magnitude=interpretation.magnitude[index:index + 1],
            phase=interpretation.phase[index:index + 1],
            logits=interpretation.logits[index:index + 1],
            base_magnitude=interpretation.shown_magnitude[index:index + 1],
        )
        return {"reconstruction": self.listen(whole, length)[0]}
