"""Evaluation: any interpreter, any condition, the papers' metrics (imports nothing here).

* :mod:`~speechbrain_interp.evaluation.metrics`: AI, AD, AG, FF, Fid-In,
  SPS, COMP, MM, PIQ/L2I faithfulness, multi-label off-target (batched);
* :mod:`~speechbrain_interp.evaluation.registry`: every figure once (name,
  direction, format, ground truth, multi-label, tables it is in);
* :mod:`~speechbrain_interp.evaluation.scoring`: the one scoring of an
  interpretation (Brain, evaluation and command line);
* :mod:`~speechbrain_interp.evaluation.tracking`: per-clip bookkeeping;
* :mod:`~speechbrain_interp.evaluation.conditions`: clean, WHAM!, mixtures,
  speech, white noise;
* :mod:`~speechbrain_interp.evaluation.localization`: ground truth in
  mixtures (oracle mask, AUC, IoU, precision, recall, SI-SDR);
* :mod:`~speechbrain_interp.evaluation.suite`: methods x conditions;
* :mod:`~speechbrain_interp.evaluation.tables`: the tables and files of an evaluation;
* :mod:`~speechbrain_interp.evaluation.sanity`: model randomisation (ROAR,
  which retrains, is :mod:`speechbrain_interp.brains.roar`);
* :mod:`~speechbrain_interp.evaluation.ssim`: SSIM of spectrograms and maps;
* :mod:`~speechbrain_interp.evaluation.multilabel`: one row per (clip,
  class): ground truth from each class's source, per-class tables;
* :mod:`~speechbrain_interp.evaluation.tagging`: the DCASE 2020 Task 5
  tagging metrics (micro/macro AUPRC, micro-F1), per-class thresholds;
* :mod:`~speechbrain_interp.evaluation.reports`: classification reports;
* :mod:`~speechbrain_interp.evaluation.gallery`: the HTML gallery.
"""
