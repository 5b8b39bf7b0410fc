"""``speechbrain.core.Brain`` subclasses shared by all recipes (the training layer).

* :mod:`~speechbrain_interp.brains.base`: :class:`ProjectBrain` (required
  hyperparameters, DDP on CPU);
* :mod:`~speechbrain_interp.brains.classification`: :class:`ClassifierBrain`;
* :mod:`~speechbrain_interp.brains.interpretation`: :class:`InterpreterBrain`,
  every trainable interpreter;
* :mod:`~speechbrain_interp.brains.inpainting`: :class:`InpainterBrain`, RDE's in-painter;
* :mod:`~speechbrain_interp.brains.checkpoints`: :class:`AtomicCheckpointer`.
"""
