"""``speechbrain.core.Brain`` subclasses shared by all recipes (the training layer).

* :mod:`~speechbrain_interp.brains.base`: :class:`ProjectBrain` (required
  hyperparameters, DDP on CPU);
* :mod:`~speechbrain_interp.brains.classification`: :class:`ClassifierBrain`;
* :mod:`~speechbrain_interp.brains.interpretation`: :class:`InterpreterBrain`,
  every trainable interpreter;
* :mod:`~speechbrain_interp.brains.checkpoints`: :class:`AtomicCheckpointer`.

A method's own Brain lives in its package (RDE's in-painter:
:class:`speechbrain_interp.interpreters.rde.brain.InpainterBrain`).

Mixed precision (SpeechBrain's ``--precision bf16|fp16`` and
``--eval_precision``; fp16 only on a GPU, where SpeechBrain adds its
``GradScaler``): ``Brain.fit_batch`` runs ``compute_forward`` and
``compute_objectives`` under autocast in ``--precision``,
``evaluate_batch`` in ``--eval_precision``. These Brains compute everything
of a batch inside those two methods, so the validation and test losses and
metrics, the tuned multi-label thresholds, the saved interpretations (wavs,
figures) and the test reports (and so the model card's test figures) are
those of the model run in ``--eval_precision``. What stays float32: the
parameters, optimiser state and checkpoints (autocast computes on cast
copies), the front end (STFT, mel, ``log1p``), the losses (computed from
float32 casts of the model outputs) and the computations of
:mod:`speechbrain_interp.float32` (SSIM, PIQ's code search, NMF); the
reports at the end of a stage are written from float32 numbers.
"""
