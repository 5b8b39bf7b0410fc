"""Figures and listenable outputs, one home for what every method shares.

* :mod:`.masks`: one clip's interpretation as a picture and two wavs
  (:func:`save_interpretation`, :func:`plot_interpretation`), the masks of
  several methods over one spectrogram (:func:`plot_mask_overlays`);
* :mod:`.recording`: a long recording's explanation, spectrogram, masked
  spectrogram and decision over time (:func:`plot_explanation`);
* :mod:`.charts`: report charts (:func:`plot_metric_bars`,
  :func:`plot_similarity_curves`);
* :mod:`.canvas`: the one matplotlib set-up (:func:`pyplot`, Agg backend)
  and the dB scale (:func:`decibels`).

A method's own figures live in its package (``interpreters/pv/plots.py``,
``interpreters/rde/plots.py``, ``interpreters/l2i/plots.py``); the reports'
figures beside their reports (confusion matrix, tagging curves).
"""

from speechbrain_interp.visualize.canvas import decibels, pyplot
from speechbrain_interp.visualize.charts import plot_metric_bars, plot_similarity_curves
from speechbrain_interp.visualize.masks import (
    plot_interpretation,
    plot_mask_overlays,
    save_interpretation,
)
from speechbrain_interp.visualize.recording import plot_explanation, pooled_spectrograms

__all__ = [
    "decibels", "plot_explanation", "plot_interpretation", "plot_mask_overlays",
    "plot_metric_bars", "plot_similarity_curves", "pooled_spectrograms", "pyplot",
    "save_interpretation",
]
