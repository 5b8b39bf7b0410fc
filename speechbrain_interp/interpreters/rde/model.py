"""RDE on the STFT magnitude, behind the interpreter interface (project extension).

The RDE paper explains NSynth notes through one global DFT
(:mod:`speechbrain_interp.interpreters.rde.fourier_rde`). For the sound-event classifiers
of the ESC-50 recipes this interpreter solves the same problem on the
classifier's own input, the linear STFT magnitude ``|X| [B, T, F]``
(docs/methods.md 4.5 calls an STFT-domain version a project extension):

    min_s  C * E_v[ d(f(|X|), f(s . |X| + (1 - s) . v)) ] + lambda * mean(s)

with one mask entry per ``pool = (frames, bins)`` tile (nearest upsampling
to ``[T, F]``; ``(1, 1)`` is a mask per bin, as the paper's pixel RDE), the
obfuscation ``v`` Gaussian noise with each clip's magnitude mean and
standard deviation (clipped at 0, as the paper clips images to their range)
or a constant, and the solver of :mod:`speechbrain_interp.interpreters.rde.solver`,
batched over the clips. The interpretation is the mask itself: the
evaluation program scores it with the same metrics as every other method
and listens to ``ISTFT(s . |X| e^{j phase})``.

Authors
 * speechbrain-interp developers 2026
"""

import math

import torch

from speechbrain_interp.adapters.adapted import classify_magnitude
from speechbrain_interp.interpreters.base import Interpreter
from speechbrain_interp.interpreters.rde.obfuscation import build_obfuscation
from speechbrain_interp.interpreters.rde.solver import solve_rde

__all__ = ["RDE"]


class RDE(Interpreter):
    """Rate-distortion explanation of the classifier's decision on ``|X|``.

    Arguments
    ---------
    classifier : speechbrain_interp.classifier.AudioClassifier
        Frozen.
    obfuscation : str
        ``"gaussian"`` (paper's pixel RDE) or ``"constant"`` (zeros).
    relaxation : str
        ``"l1"`` (P1, paper's pixel RDE) or ``"bernoulli"`` (P2).
    kind : str
        ``"probabilities"`` (d2, paper's images) or ``"logits"`` (d1).
    scale : float
        ``C`` of ``C * d`` (paper's images: 100).
    lam : float
        Weight of ``mean(s)`` (paper's pixel RDE: 0.6).
    steps, lr : int, float
        Adam schedule (paper's pixel RDE: 2000 steps at 0.003).
    n_samples : int
        Obfuscations per step (paper: 64).
    pool : (int, int)
        Frames and bins per mask entry.
    temperature : float
        Concrete temperature (bernoulli only).
    seed : int
        Seeds the obfuscations: the same clip gets the same mask.

    Example
    -------
    >>> from speechbrain_interp.examples import small_classifier
    >>> clf = small_classifier(3, n_blocks=2)
    >>> rde = RDE(clf, steps=3, n_samples=2, pool=(4, 8))
    >>> out = rde.interpret(torch.randn(2, 8000))
    >>> out.mask.shape, float(out.mask.min()) >= 0, float(out.mask.max()) <= 1
    (torch.Size([2, 44, 513]), True, True)
    >>> sorted(out.extras)
    ['rde_distortion', 'rde_mask', 'rde_rate']
    """

    def __init__(self, classifier, obfuscation="gaussian", relaxation="l1",
                 kind="probabilities", scale=100.0, lam=0.6, steps=300, lr=0.05, n_samples=8,
                 pool=(1, 1), temperature=0.1, seed=0):
        super().__init__(classifier)
        if obfuscation not in ("gaussian", "constant"):
            raise ValueError("the STFT-domain RDE obfuscates with 'gaussian' or 'constant' "
                             f"(no STFT in-painter is trained), got {obfuscation!r}")
        self.obfuscate = build_obfuscation(obfuscation)
        self.pool = (int(pool[0]), int(pool[1]))
        self.seed = int(seed)
        self.options = {"relaxation": relaxation, "kind": kind, "scale": scale, "lam": lam,
                        "steps": steps, "lr": lr, "n_samples": n_samples,
                        "temperature": temperature}

    def _expand(self, n_frames, n_bins):
        pt, pf = self.pool

        def expand(s):
            if (pt, pf) == (1, 1):
                return s
            up = s.repeat_interleave(pt, dim=-2).repeat_interleave(pf, dim=-1)
            return up[..., :n_frames, :n_bins]

        return expand

    def _model(self, magnitude, phase=None):
        # float32 logits under autocast: the solver's distortions and sums stay float32
        return classify_magnitude(self.classifier, magnitude, phase).logits.float()

    def explain(self, magnitude, output, label):
        """Solves RDE for every clip of the batch at once."""
        n_frames, n_bins = magnitude.shape[-2:]
        mask_shape = (math.ceil(n_frames / self.pool[0]), math.ceil(n_bins / self.pool[1]))
        generator = torch.Generator().manual_seed(self.seed)
        result = solve_rde(
            lambda m: self._model(m, output.phase), magnitude.detach(), self.obfuscate,
            label=label, mask_shape=mask_shape,
            expand=self._expand(n_frames, n_bins), generator=generator, **self.options,
        )
        mask = self._expand(n_frames, n_bins)(result.mask)
        return mask, {"rde_mask": result.mask, "rde_distortion": result.distortion,
                      "rde_rate": result.rate}

    def extra_metrics(self, interpretation):
        """The final expected distortion and rate of each clip."""
        return {"RDE_distortion": interpretation.extras["rde_distortion"],
                "RDE_rate": interpretation.extras["rde_rate"]}

