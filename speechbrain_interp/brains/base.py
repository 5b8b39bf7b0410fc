"""What every Brain of the project shares: its hyperparameters checked, DDP on CPU too.

Authors
 * speechbrain-interp developers 2026
"""

import torch

import speechbrain as sb

__all__ = ["ProjectBrain"]


class ProjectBrain(sb.Brain):
    """``speechbrain.core.Brain`` with two additions.

    * The hyperparameters a subclass reads are listed in its ``HPARAMS``
      and must all be given (``None`` where a YAML comment says what that
      means): a missing one fails at construction, naming it, instead of
      falling back on a default written in code.
    * DDP also runs on CPU (``torchrun`` with the gloo backend): upstream
      converts BatchNorm to ``SyncBatchNorm``, which only runs on GPUs; on
      CPU the trained modules are wrapped in plain
      ``DistributedDataParallel`` (gradients are still averaged; each
      process keeps its own BatchNorm statistics, overwritten by the main
      process's at every forward, DDP's ``broadcast_buffers``).

    Example
    -------
    >>> class Needy(ProjectBrain):
    ...     HPARAMS = ("lr_scheduler",)
    >>> Needy(modules={}, hparams={}, run_opts={"device": "cpu"})
    Traceback (most recent call last):
    ...
    KeyError: 'Needy needs the hyperparameters lr_scheduler (missing: lr_scheduler)'
    """

    #: hyperparameters the Brain reads (all required; ``None`` allowed)
    HPARAMS = ()

    def __init__(self, modules=None, opt_class=None, hparams=None, run_opts=None,
                 checkpointer=None):
        missing = [key for key in self.HPARAMS if key not in (hparams or {})]
        if missing:
            raise KeyError(f"{type(self).__name__} needs the hyperparameters "
                           f"{', '.join(self.HPARAMS)} (missing: {', '.join(missing)})")
        super().__init__(modules=modules, opt_class=opt_class, hparams=hparams,
                         run_opts=run_opts, checkpointer=checkpointer)

    def on_stage_start(self, stage, epoch=None):
        """Off training, every process takes the main process's buffers.

        DDP broadcasts buffers (BatchNorm statistics) at each training
        forward, but each process then updates its own; so that validation
        and test run the same model everywhere (and a checkpoint saved by
        the main process is what every process evaluated), they are
        broadcast once more before evaluating.
        """
        if stage != sb.Stage.TRAIN and self.distributed_launch \
                and torch.distributed.is_initialized():
            for module in self.modules.values():
                for buffer in module.buffers():
                    torch.distributed.broadcast(buffer.data, src=0)

    def _wrap_distributed(self):
        """Upstream's wrapping on GPUs; plain DDP (no SyncBatchNorm) on CPU."""
        if not self.distributed_launch or torch.device(self.device).type != "cpu":
            return super()._wrap_distributed()
        from torch.nn.parallel import DistributedDataParallel

        for name, module in self.modules.items():
            if any(p.requires_grad for p in module.parameters()):
                self.modules[name] = DistributedDataParallel(
                    module, find_unused_parameters=self.find_unused_parameters
                )
