"""RDE, rate-distortion explanations (Kolek et al.; docs/methods.md section 4).

Everything of the method is here:

* :mod:`.model`: :class:`RDE`, the mask on the STFT magnitude of any
  classifier behind the common ``interpret`` verb;
* :mod:`.solver`: the rate-distortion optimisation (:func:`solve_rde`, the
  exact corner table, :func:`rate_distortion_curve`);
* :mod:`.obfuscation`: what replaces the masked-out part (constant, Gaussian,
  or the trained in-painter);
* :mod:`.fourier_rde`: :class:`FourierRDE`, RDE in the Fourier domain of
  NSynth notes (per-frequency masks, the magnitude-versus-phase query);
* :mod:`.inpainter`: :class:`FourierInpainter`, the in-painter ``G``;
  :mod:`.inpainting`: its training masks and losses; :mod:`.brain`:
  :class:`InpainterBrain`, which trains it (the ``train_inpainter.py``
  recipe, :mod:`speechbrain_interp.programs.inpainting`);
* :mod:`.explain`: :func:`run_explain`, the explanation study of the
  ``explain.py`` recipe (:mod:`speechbrain_interp.programs.rde_explain`);
  :mod:`.report` and :mod:`.plots`: its tables, waves and figures.
"""

from speechbrain_interp.interpreters.rde.fourier_rde import FourierRDE, FrequencyExplanation
from speechbrain_interp.interpreters.rde.inpainter import FourierInpainter
from speechbrain_interp.interpreters.rde.inpainting import (
    MASK_KINDS,
    compose,
    energy_score_loss,
    inpainting_loss,
    random_masks,
)
from speechbrain_interp.interpreters.rde.model import RDE
from speechbrain_interp.interpreters.rde.obfuscation import build_obfuscation
from speechbrain_interp.interpreters.rde.solver import RDEResult, rate_distortion_curve, solve_rde

__all__ = [
    "MASK_KINDS", "RDE", "FourierInpainter", "FourierRDE", "FrequencyExplanation", "RDEResult",
    "build_obfuscation", "compose", "energy_score_loss", "inpainting_loss", "random_masks",
    "rate_distortion_curve", "solve_rde",
]
