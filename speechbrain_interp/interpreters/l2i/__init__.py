"""L2I, Listen to Interpret (docs/methods.md section 2).

* :mod:`.model`: :class:`L2I` (the interpreter and its objective), its
  networks :class:`Psi` and :class:`Theta`, and the component relevance;
* :mod:`.nmf`: the NMF dictionary (:class:`NMFDictionary`, sparse NMF and
  the component masks), fitted once per dataset by the ``train_nmf.py``
  recipes (:mod:`speechbrain_interp.programs.nmf_dictionary`);
* :mod:`.plots`: the dictionary's picture.
"""

from speechbrain_interp.interpreters.l2i.model import L2I, Psi, Theta, relevance, select_components
from speechbrain_interp.interpreters.l2i.nmf import (
    NMFDictionary,
    component_masks,
    nmf_activations,
    nmf_objective,
    normalize_columns,
    selected_mask,
    sparse_nmf,
)
from speechbrain_interp.interpreters.l2i.plots import plot_nmf_dictionary

__all__ = [
    "L2I", "NMFDictionary", "Psi", "Theta", "component_masks", "nmf_activations", "nmf_objective",
    "normalize_columns", "plot_nmf_dictionary", "relevance", "select_components", "selected_mask",
    "sparse_nmf",
]
