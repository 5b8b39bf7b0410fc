"""Reference interpreters: all-ones and random masks; the attribution-to-mask rule.

All satisfy the one interface (``interpret(wave)``), so evaluation code
treats them like trained interpreters.

- :class:`AllOnes`: ``M = 1`` (AI = AD = AG = 0, Fid-In = 1 by construction).
- :class:`RandomMask`: a mask that carries no information about the input
  but has the same statistics as another interpreter's: by default the
  reference mask's own values, shuffled over time-frequency bins per clip
  (same mean, same value distribution); or i.i.d. Bernoulli bins with a
  given mean.
- The captum gradient baselines (:class:`CaptumAttribution`,
  :class:`Saliency`, SmoothGrad, integrated gradients, GradCAM...) live in
  :mod:`speechbrain_interp.interpreters.baselines.gradients`.

Attributions become masks by ONE documented rule
(:func:`attribution_to_mask`): absolute value, divided by the clip's
maximum (upstream's rule, docs/methods.md section 11 item 22), giving values in
``[0, 1]`` with 1 at the most salient bin.

Authors
 * speechbrain-interp developers 2026
"""

import torch

from speechbrain_interp.interpreters.base import Interpreter

__all__ = ["AllOnes", "RandomMask", "attribution_to_mask"]


def attribution_to_mask(attribution, eps=1e-12):
    """``|a| / max |a|`` per clip (zero attributions give a zero mask).

    Arguments
    ---------
    attribution : torch.Tensor
        ``[B, T, F]`` signed attributions.
    eps : float
        Guards the division.

    Returns
    -------
    torch.Tensor
        ``[B, T, F]`` in ``[0, 1]``.

    Example
    -------
    >>> attribution_to_mask(torch.tensor([[[-2.0, 1.0], [0.0, 0.5]]]))
    tensor([[[1.0000, 0.5000],
             [0.0000, 0.2500]]])
    """
    magnitude = attribution.abs()
    return magnitude / magnitude.amax(dim=(1, 2), keepdim=True).clamp_min(eps)


class AllOnes(Interpreter):
    """The trivial interpretation: everything matters (``M = 1``).

    Example
    -------
    >>> from speechbrain_interp.examples import small_classifier
    >>> clf = small_classifier(3)
    >>> float(AllOnes(clf).interpret(torch.randn(1, 8000)).mask.mean())
    1.0
    """

    def explain(self, magnitude, output, label):
        """Ones everywhere."""
        return torch.ones_like(magnitude), {}


class RandomMask(Interpreter):
    """A mask without information, matched to a reference's statistics.

    Arguments
    ---------
    classifier : speechbrain_interp.classifier.AudioClassifier
        The classifier (frozen).
    reference : Interpreter, optional
        Its mask values are shuffled over the time-frequency bins of each clip
        (same mean and value distribution as the reference, random places).
    mean : float, optional
        Without a reference: i.i.d. Bernoulli bins with this probability.
    seed : int
        Seed of the private generator, reset at every call: the same input
        gets the same mask.

    Example
    -------
    >>> from speechbrain_interp.examples import small_classifier
    >>> clf = small_classifier(3)
    >>> ones = RandomMask(clf, reference=AllOnes(clf)).interpret(torch.randn(1, 8000))
    >>> float(ones.mask.mean())
    1.0
    >>> coin = RandomMask(clf, mean=0.25).interpret(torch.randn(1, 16000))
    >>> abs(float(coin.mask.mean()) - 0.25) < 0.02
    True
    """

    def __init__(self, classifier, reference=None, mean=None, seed=0):
        super().__init__(classifier)
        if (reference is None) == (mean is None):
            raise ValueError("give exactly one of reference (an Interpreter) and mean")
        self.reference = reference
        self.mean = None if mean is None else float(mean)
        self.seed = int(seed)
        self.generator = torch.Generator()

    @property
    def needs_input_grad(self):
        """As the reference needs."""
        return bool(self.reference is not None and self.reference.needs_input_grad)

    def explain(self, magnitude, output, label):
        """Shuffled reference mask, or Bernoulli bins."""
        shape = magnitude.shape
        self.generator.manual_seed(self.seed)  # same input and seed, same mask
        if self.reference is None:
            noise = torch.rand(shape, generator=self.generator)
            return (noise < self.mean).to(magnitude.dtype).to(magnitude.device), {}
        reference, extras = self.reference.explain(magnitude, output, label)
        flat = reference.detach().flatten(1)
        order = torch.rand(flat.shape, generator=self.generator).argsort(dim=1).to(flat.device)
        shuffled = flat.gather(1, order).reshape(shape)
        out = {"reference_mask": reference.detach()}
        if extras.get("base_magnitude") is not None:
            # the reference masks another spectrogram (PV: its reconstruction): so does its shuffle
            out["base_magnitude"] = extras["base_magnitude"]
        return shuffled, out
