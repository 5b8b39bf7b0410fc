"""Training the RDE in-painter G as a ``speechbrain.core.Brain``.

Each batch of notes goes through the Fourier representation
(:class:`~speechbrain_interp.fourier.FourierRepresentation`), gets random
binary masks (:func:`~speechbrain_interp.interpreters.rde.inpainting.random_masks`: runs
of kept bands, whole parts, or independent runs per part) and the in-painter
predicts the full ``(m, omega)`` from the kept part. Two losses
(``inpainter_loss``):

* ``"regression"``: :func:`~speechbrain_interp.interpreters.rde.inpainting.inpainting_loss`
  (L1 on the dropped magnitudes, ``1 - cos`` on the dropped phases); G
  learns one fill, the conditional median/mode;
* ``"energy"``: :func:`~speechbrain_interp.interpreters.rde.inpainting.energy_score_loss`
  on two draws of G per note (one call, different noise); G learns to
  sample the conditional distribution, which RDE's expectation over
  obfuscations needs.

Validation and test use the same masks at every epoch (a generator reseeded
at the start of each stage), and also score the naive fill that the
in-painter must beat: the training set's mean magnitude and a zero phase
(``baseline_*`` statistics; the mean is checkpointed). ``magnitude`` and
``phase`` are always the regression errors of the first draw. The
checkpoint with the lowest valid ``loss`` is kept.

Hyperparameters read (:attr:`InpainterBrain.HPARAMS`, all required):
``representation`` (the front end), ``inpainter_loss`` (one of
:data:`LOSS_KINDS`), ``mask_kinds``, ``mean_run``, ``phase_weight``,
``mask_seed``, ``train_logger``, ``lr_scheduler`` (epoch-level on the valid
loss, or None), ``ckpt_keep``, ``epoch_counter`` (or None).

Authors
 * speechbrain-interp developers 2026
"""


import torch

import speechbrain as sb
from speechbrain.utils.logger import get_logger

from speechbrain_interp.brains.base import ProjectBrain
from speechbrain_interp.float32 import as_float32
from speechbrain_interp.interpreters.rde.inpainting import (
    MASK_KINDS,
    energy_score_loss,
    inpainting_loss,
    random_masks,
)

logger = get_logger(__name__)

__all__ = ["LOSS_KINDS", "InpainterBrain"]

#: training losses of G: ``"regression"`` (L1 + ``1 - cos``) or ``"energy"``
LOSS_KINDS = ("regression", "energy")


class _MeanMagnitude(torch.nn.Module):
    """The naive fill: the training set's mean magnitude ``[K]`` (a buffer).

    Flat at 1 (the normalised level) until :meth:`update` is called.
    """

    def __init__(self, n_freqs):
        super().__init__()
        self.register_buffer("mean", torch.ones(n_freqs))

    def update(self, mean):
        self.mean.copy_(mean.detach().to(self.mean))

    def fill(self, magnitude):
        return self.mean.to(magnitude).expand_as(magnitude)



class InpainterBrain(ProjectBrain):
    """Trains a :class:`~speechbrain_interp.interpreters.rde.inpainter.FourierInpainter`.

    Modules: ``inpainter``. The representation comes from
    ``hparams["representation"]``.

    Example
    -------
    >>> from speechbrain.utils.train_logger import FileTrainLogger
    >>> from speechbrain_interp.fourier import FourierRepresentation
    >>> from speechbrain_interp.interpreters.rde.inpainter import FourierInpainter
    >>> tmp = getfixture("tmpdir")
    >>> brain = InpainterBrain(
    ...     modules={"inpainter": FourierInpainter()},
    ...     opt_class=lambda p: torch.optim.Adam(p, 1e-3),
    ...     hparams={"representation": FourierRepresentation(n_samples=8000),
    ...              "train_logger": FileTrainLogger(str(tmp / "log.txt")),
    ...              "inpainter_loss": "regression", "mask_kinds": MASK_KINDS,
    ...              "mean_run": (8.0, 64.0), "phase_weight": 1.0, "mask_seed": 0,
    ...              "lr_scheduler": None, "ckpt_keep": 1, "epoch_counter": None},
    ...     run_opts={"device": "cpu", "noprogressbar": True},
    ... )
    >>> data = [{"id": str(i), "sig": torch.randn(8000)} for i in range(4)]
    >>> opts = {"batch_size": 2, "collate_fn": sb.dataio.batch.PaddedBatch}
    >>> brain.fit(range(1), data, data, train_loader_kwargs=opts, valid_loader_kwargs=opts)
    >>> sorted(brain.last_stats["valid"])
    ['baseline_loss', 'baseline_magnitude', 'baseline_phase', 'loss', 'magnitude', 'phase']
    """

    HPARAMS = ("representation", "inpainter_loss", "mask_kinds", "mean_run", "phase_weight",
               "mask_seed", "train_logger", "lr_scheduler", "ckpt_keep", "epoch_counter")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        n_freqs = int(self.hparams.representation.n_freqs)
        # the naive fill is part of the checkpoint, so a --test_only run
        # scores the same baseline as the run that trained G
        self.naive_fill = _MeanMagnitude(n_freqs)
        if self.checkpointer is not None:
            self.checkpointer.add_recoverable("naive_fill", self.naive_fill)

    def on_fit_start(self):
        super().on_fit_start()
        self._train_generator = torch.Generator().manual_seed(int(self.hparams.mask_seed))

    def _loss_kind(self):
        kind = self.hparams.inpainter_loss
        if kind not in LOSS_KINDS:
            raise ValueError(f"inpainter_loss must be one of {LOSS_KINDS}, got {kind!r}")
        return kind

    def _masks(self, batch_size, n_freqs, generator):
        return random_masks(
            batch_size, n_freqs, generator=generator,
            kinds=tuple(self.hparams.mask_kinds),
            mean_run=tuple(self.hparams.mean_run),
        ).to(self.device)

    def compute_forward(self, batch, stage):
        """``(coefficients, masks, draws)``; ``draws`` holds one ``(m_hat, w_hat)``
        per draw of G: two for the energy score, one for regression."""
        batch = batch.to(self.device)
        wavs, _ = batch.sig
        with torch.no_grad():
            coeffs = self.hparams.representation.to(self.device)(wavs)
        generator = self._train_generator if stage == sb.Stage.TRAIN else self._eval_generator
        masks = self._masks(wavs.shape[0], coeffs.magnitude.shape[1], generator)
        noise = None if stage == sb.Stage.TRAIN else self._eval_generator
        n_draws = 2 if self._loss_kind() == "energy" else 1
        # all draws in one call: the noise differs per row
        rep = lambda x: x.repeat(n_draws, *([1] * (x.dim() - 1)))  # noqa: E731
        mag_hat, phase_hat = self.modules.inpainter(
            rep(coeffs.magnitude), rep(coeffs.phase), rep(masks), generator=noise)
        draws = list(zip(mag_hat.chunk(n_draws), phase_hat.chunk(n_draws)))
        return coeffs, masks, draws

    def _score(self, draws, coeffs, masks):
        weight = float(self.hparams.phase_weight)
        target = (coeffs.magnitude, coeffs.phase, masks, weight)
        if self._loss_kind() == "energy":
            return energy_score_loss(draws[0], draws[-1], *target)
        return inpainting_loss(draws[0][0], draws[0][1], *target)

    def compute_objectives(self, predictions, batch, stage):
        """The training loss (and, off training, the naive fill's).

        ``magnitude`` and ``phase`` are always the regression errors of the
        first draw, so runs trained with either loss compare on them.
        Under mixed precision G's outputs are cast to float32 first, so the
        losses are float32 arithmetic.
        """
        coeffs, masks, draws = predictions
        draws = [(as_float32(magnitude), as_float32(phase)) for magnitude, phase in draws]
        weight = float(self.hparams.phase_weight)
        parts = self._score(draws, coeffs, masks)
        errors = inpainting_loss(draws[0][0], draws[0][1], coeffs.magnitude, coeffs.phase,
                                 masks, weight)
        if stage == sb.Stage.TRAIN:
            self._mag_sum = self._mag_sum + coeffs.magnitude.detach().sum(0)
            self._mag_count += coeffs.magnitude.shape[0]
        else:
            fill = self.naive_fill.fill(coeffs.magnitude)
            fill = (fill, torch.zeros_like(fill))
            naive = self._score([fill, fill], coeffs, masks)
            naive_errors = inpainting_loss(*fill, coeffs.magnitude, coeffs.phase, masks, weight)
            self._sums["baseline_loss"] += float(naive["loss"])
            for key in ("magnitude", "phase"):
                self._sums[f"baseline_{key}"] += float(naive_errors[key])
        for key in ("magnitude", "phase"):
            self._sums[key] += float(errors[key].detach())
        if "spread" in parts:
            self._sums["spread"] = self._sums.get("spread", 0.0) + float(parts["spread"].detach())
        self._batches += 1
        return parts["loss"]

    def on_stage_start(self, stage, epoch=None):
        super().on_stage_start(stage, epoch)
        self._eval_generator = torch.Generator().manual_seed(int(self.hparams.mask_seed) + 1)
        self._sums = {k: 0.0 for k in ("magnitude", "phase", "baseline_loss",
                                       "baseline_magnitude", "baseline_phase")}
        self._batches = 0
        if stage == sb.Stage.TRAIN:
            self._mag_sum, self._mag_count = 0.0, 0

    def on_stage_end(self, stage, stage_loss, epoch=None):
        stats = {"loss": stage_loss}
        n = max(self._batches, 1)
        stats.update({k: self._sums[k] / n for k in ("magnitude", "phase", "spread")
                      if k in self._sums})
        if stage == sb.Stage.TRAIN:
            if self._mag_count:
                self.naive_fill.update(self._mag_sum / self._mag_count)
            self.train_stats = stats
            return
        stats.update({k: v / n for k, v in self._sums.items() if k.startswith("baseline_")})
        if not hasattr(self, "last_stats"):
            self.last_stats = {}
        self.last_stats["valid" if stage == sb.Stage.VALID else "test"] = stats
        if stage == sb.Stage.VALID:
            scheduler = self.hparams.lr_scheduler
            lr = self.optimizer.param_groups[0]["lr"]
            if scheduler is not None:
                lr, new_lr = scheduler([self.optimizer], epoch, stage_loss)
                if new_lr != lr:
                    sb.nnet.schedulers.update_learning_rate(self.optimizer, new_lr)
            self.hparams.train_logger.log_stats(
                {"epoch": epoch, "lr": lr},
                train_stats=getattr(self, "train_stats", None), valid_stats=stats,
            )
            if self.checkpointer is not None:
                self.checkpointer.save_and_keep_only(
                    meta={"loss": stage_loss}, min_keys=["loss"],
                    num_to_keep=int(self.hparams.ckpt_keep),
                )
        else:
            counter = self.hparams.epoch_counter
            self.hparams.train_logger.log_stats(
                {} if counter is None else {"Epoch loaded": counter.current},
                test_stats=stats,
            )
