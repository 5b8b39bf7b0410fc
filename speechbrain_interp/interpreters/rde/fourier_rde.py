"""RDE on notes in the Fourier domain (RDE paper section 4.2, docs/methods.md 4.5).

Two queries on a :class:`~speechbrain_interp.classifier.FourierClassifier`:

* **per frequency** (:meth:`FourierRDE.explain`): one mask value per band
  ``j`` of the log-frequency grid, gating both ``m_j`` and ``omega_j``
  (paper Ex. 2/3); ``s [B, K]`` is expanded to ``[B, 2, K]``;
* **magnitude versus phase** (:meth:`FourierRDE.magnitude_vs_phase`): two
  groups, the whole magnitude spectrum and the whole phase spectrum (paper
  Ex. 4), with ONE mask per class whose objective is averaged over the
  class's notes; the result is the pair ``(theta_magnitude, theta_phase)``
  per class (paper table 2).

Coefficients are ``h = stack(m, omega) [B, 2, K]``. The obfuscation is any
of :mod:`speechbrain_interp.interpreters.rde.obfuscation`; the paper's is the in-painter.
:func:`band_mass` measures how much of a mask lies in known bands.

Authors
 * speechbrain-interp developers 2026
"""

from dataclasses import dataclass

import torch

from speechbrain_interp.interpreters.rde.solver import solve_rde

__all__ = ["FourierRDE", "FrequencyExplanation", "band_mass", "coefficients"]


def coefficients(coeffs):
    """``h = stack(m, omega)`` ``[B, 2, K]`` of :class:`FourierCoefficients`."""
    return torch.stack([coeffs.magnitude, coeffs.phase], dim=1)


def band_mass(mask, centres, bands):
    """Share of a mask's total in frequency bands, and that share by chance.

    Arguments
    ---------
    mask : torch.Tensor
        ``[K]`` non-negative mask on the grid.
    centres : torch.Tensor
        ``[K]`` band centres in Hz.
    bands : sequence of (float, float)
        Frequency ranges in Hz.

    Returns
    -------
    mass : float
        ``sum(mask in bands) / sum(mask)``.
    chance : float
        Fraction of the grid in the bands (the mass of a flat mask).

    Example
    -------
    >>> centres = torch.tensor([10.0, 20.0, 40.0, 80.0])
    >>> band_mass(torch.tensor([0.0, 1.0, 1.0, 0.0]), centres, [(15, 50)])
    (1.0, 0.5)
    """
    inside = torch.zeros_like(centres, dtype=torch.bool)
    for low, high in bands:
        inside |= (centres >= low) & (centres <= high)
    total = float(mask.sum())
    mass = float(mask[inside].sum()) / total if total > 0 else 0.0
    return mass, float(inside.float().mean())


@dataclass
class FrequencyExplanation:
    """Per-frequency RDE masks of a batch of notes.

    Attributes
    ----------
    mask : torch.Tensor
        ``[B, K]`` ``theta`` (or ``s``) per band.
    label : torch.Tensor
        ``[B]`` explained classes.
    coefficients : speechbrain_interp.fourier.FourierCoefficients
        The notes.
    distortion, rate : torch.Tensor
        ``[B]`` final expected distortion and mean mask value.
    history : dict
        Per-step loss, distortion and rate.
    """

    mask: torch.Tensor
    label: torch.Tensor
    coefficients: object
    distortion: torch.Tensor
    rate: torch.Tensor
    history: dict


class FourierRDE:
    """Rate-distortion explanations of a Fourier-domain note classifier.

    Arguments
    ---------
    classifier : speechbrain_interp.classifier.FourierClassifier
        Frozen here.
    obfuscation : callable
        From :mod:`speechbrain_interp.interpreters.rde.obfuscation`.
    relaxation, kind, lam, steps, lr, n_samples, temperature, init
        As in :func:`~speechbrain_interp.interpreters.rde.solver.solve_rde` (paper,
        per frequency: bernoulli, d1, lambda 50, temperature 0.1).

    Example
    -------
    >>> from speechbrain_interp.classifier import FourierClassifier
    >>> from speechbrain_interp.fourier import FourierRepresentation
    >>> from speechbrain_interp.models import SpectralCNN
    >>> from speechbrain_interp.interpreters.rde.obfuscation import GaussianObfuscation
    >>> net = SpectralCNN(in_channels=5, channels=[4, 8])
    >>> clf = FourierClassifier(FourierRepresentation(n_samples=8000, n_freqs=128),
    ...                         net, torch.nn.Linear(net.emb_dim, 3))
    >>> rde = FourierRDE(clf, GaussianObfuscation(per_part=True), steps=3, n_samples=2)
    >>> out = rde.explain(torch.randn(2, 8000))
    >>> out.mask.shape, out.rate.shape
    (torch.Size([2, 128]), torch.Size([2]))
    >>> pairs = rde.magnitude_vs_phase(torch.randn(4, 8000), torch.tensor([0, 0, 2, 2]))
    >>> sorted(pairs), len(pairs[0])
    ([0, 2], 2)
    """

    def __init__(self, classifier, obfuscation, relaxation="bernoulli", kind="logits", lam=50.0,
                 steps=300, lr=0.05, n_samples=8, temperature=0.1, init=1.0):
        self.classifier = classifier.freeze()
        self.obfuscation = obfuscation
        self.options = {"relaxation": relaxation, "kind": kind, "lam": lam, "steps": steps,
                        "lr": lr, "n_samples": n_samples, "temperature": temperature,
                        "init": init}

    def _model(self, h):
        return self.classifier(magnitude=h[:, 0], phase=h[:, 1]).logits

    def _coeffs(self, notes):
        if isinstance(notes, torch.Tensor):
            with torch.no_grad():
                return self.classifier.frontend(notes)
        return notes

    def explain(self, notes, label=None, generator=None, **overrides):
        """Per-frequency masks (one per note).

        Arguments
        ---------
        notes : torch.Tensor or FourierCoefficients
            ``[B, N]`` waves, or their representation.
        label : torch.Tensor, optional
            ``[B]`` classes to explain (default: the decision).
        generator : torch.Generator, optional
        **overrides
            Solver options for this call (e.g. ``lam``).

        Returns
        -------
        FrequencyExplanation
        """
        coeffs = self._coeffs(notes)
        h = coefficients(coeffs)
        if label is None:
            with torch.no_grad():
                label = self._model(h).argmax(-1)
        n_freqs = h.shape[-1]
        result = solve_rde(
            self._model, h, self.obfuscation, label=label, mask_shape=(n_freqs,),
            expand=lambda s: s.unsqueeze(1).expand(-1, 2, -1), generator=generator,
            **{**self.options, **overrides},
        )
        return FrequencyExplanation(result.mask, label, coeffs, result.distortion,
                                    result.rate, result.history)

    def magnitude_vs_phase(self, notes, classes, generator=None, **overrides):
        """One ``(theta_magnitude, theta_phase)`` per class (paper table 2).

        Arguments
        ---------
        notes : torch.Tensor or FourierCoefficients
            ``[B, N]`` waves, or their representation.
        classes : torch.Tensor
            ``[B]`` class of each note: the explained class and the mask
            it shares.
        generator : torch.Generator, optional
        **overrides
            Solver options (paper: lambda 30, temperature 0.1).

        Returns
        -------
        dict
            class index -> ``(theta_magnitude, theta_phase)`` floats, for the
            classes present in ``classes``.
        """
        coeffs = self._coeffs(notes)
        h = coefficients(coeffs)
        present, groups = torch.unique(classes, return_inverse=True)
        n_freqs = h.shape[-1]
        result = solve_rde(
            self._model, h, self.obfuscation, label=classes, mask_shape=(2,),
            expand=lambda s: s.unsqueeze(-1).expand(-1, 2, n_freqs), groups=groups,
            generator=generator, **{**self.options, **overrides},
        )
        self.last_result = result
        return {int(c): (float(result.mask[g, 0]), float(result.mask[g, 1]))
                for g, c in enumerate(present)}
