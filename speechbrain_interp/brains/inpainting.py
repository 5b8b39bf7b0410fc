"""Training the RDE in-painter G as a ``speechbrain.core.Brain``.

Each batch of notes goes through the Fourier representation
(:class:`~speechbrain_interp.fourier.FourierRepresentation`), gets random
binary masks (:func:`~speechbrain_interp.rde.inpainting.random_masks`: runs
of kept bands, whole parts, or independent runs per part) and the in-painter
predicts the full ``(m, omega)`` from the kept part; the loss is
:func:`~speechbrain_interp.rde.inpainting.inpainting_loss` (L1 on the
dropped magnitudes, ``1 - cos`` on the dropped phases).

Validation and test use the same masks at every epoch (a generator reseeded
at the start of each stage), and also score the naive fill that the
in-painter must beat: the training set's mean magnitude and a zero phase
(``baseline_*`` statistics). The checkpoint with the lowest valid ``loss``
is kept.

Hyperparameters read: ``representation`` (the front end), ``mask_kinds``,
``mean_run``, ``phase_weight``, ``mask_seed``, ``train_logger``,
``lr_scheduler`` (optional, epoch-level on the valid loss).

Authors
 * speechbrain-interp developers 2026
"""

import os

import torch

import speechbrain as sb
from speechbrain.utils.logger import get_logger

from speechbrain_interp.rde.inpainting import MASK_KINDS, inpainting_loss, random_masks

logger = get_logger(__name__)

__all__ = ["InpainterBrain", "run_inpainter"]


class InpainterBrain(sb.Brain):
    """Trains a :class:`~speechbrain_interp.models.inpainter.FourierInpainter`.

    Modules: ``inpainter``. The representation comes from
    ``hparams["representation"]``.

    Example
    -------
    >>> from speechbrain.utils.train_logger import FileTrainLogger
    >>> from speechbrain_interp.fourier import FourierRepresentation
    >>> from speechbrain_interp.models.inpainter import FourierInpainter
    >>> tmp = getfixture("tmpdir")
    >>> brain = InpainterBrain(
    ...     modules={"inpainter": FourierInpainter()},
    ...     opt_class=lambda p: torch.optim.Adam(p, 1e-3),
    ...     hparams={"representation": FourierRepresentation(n_samples=8000),
    ...              "train_logger": FileTrainLogger(str(tmp / "log.txt"))},
    ...     run_opts={"device": "cpu", "noprogressbar": True},
    ... )
    >>> data = [{"id": str(i), "sig": torch.randn(8000)} for i in range(4)]
    >>> opts = {"batch_size": 2, "collate_fn": sb.dataio.batch.PaddedBatch}
    >>> brain.fit(range(1), data, data, train_loader_kwargs=opts, valid_loader_kwargs=opts)
    >>> sorted(brain.last_stats["valid"])
    ['baseline_loss', 'baseline_magnitude', 'baseline_phase', 'loss', 'magnitude', 'phase']
    """

    def on_fit_start(self):
        super().on_fit_start()
        self.mean_magnitude = None
        self._train_generator = torch.Generator().manual_seed(int(self._hp("mask_seed", 0)))

    def _hp(self, name, default):
        return getattr(self.hparams, name, default)

    def _masks(self, batch_size, n_freqs, generator):
        return random_masks(
            batch_size, n_freqs, generator=generator,
            kinds=tuple(self._hp("mask_kinds", MASK_KINDS)),
            mean_run=tuple(self._hp("mean_run", (8.0, 64.0))),
        ).to(self.device)

    def compute_forward(self, batch, stage):
        """``(coefficients, masks, (magnitude_hat, phase_hat))`` for a batch."""
        batch = batch.to(self.device)
        wavs, _ = batch.sig
        with torch.no_grad():
            coeffs = self.hparams.representation.to(self.device)(wavs)
        generator = self._train_generator if stage == sb.Stage.TRAIN else self._eval_generator
        masks = self._masks(wavs.shape[0], coeffs.magnitude.shape[1], generator)
        noise = None if stage == sb.Stage.TRAIN else self._eval_generator
        prediction = self.modules.inpainter(coeffs.magnitude, coeffs.phase, masks, generator=noise)
        return coeffs, masks, prediction

    def compute_objectives(self, predictions, batch, stage):
        """The in-painting loss (and, off training, the naive fill's)."""
        coeffs, masks, (mag_hat, phase_hat) = predictions
        weight = float(self._hp("phase_weight", 1.0))
        parts = inpainting_loss(mag_hat, phase_hat, coeffs.magnitude, coeffs.phase, masks, weight)
        if stage == sb.Stage.TRAIN:
            self._mag_sum = self._mag_sum + coeffs.magnitude.detach().sum(0)
            self._mag_count += coeffs.magnitude.shape[0]
        else:
            fill = self._fill(coeffs.magnitude)
            naive = inpainting_loss(fill, torch.zeros_like(fill), coeffs.magnitude,
                                    coeffs.phase, masks, weight)
            for key in ("loss", "magnitude", "phase"):
                self._sums[f"baseline_{key}"] += float(naive[key])
        for key in ("magnitude", "phase"):
            self._sums[key] += float(parts[key].detach())
        self._batches += 1
        return parts["loss"]

    def _fill(self, magnitude):
        if self.mean_magnitude is None:
            return torch.ones_like(magnitude)  # mean square 1: the normalised level
        return self.mean_magnitude.to(magnitude.device).expand_as(magnitude)

    def on_stage_start(self, stage, epoch=None):
        self._eval_generator = torch.Generator().manual_seed(int(self._hp("mask_seed", 0)) + 1)
        self._sums = {k: 0.0 for k in ("magnitude", "phase", "baseline_loss",
                                       "baseline_magnitude", "baseline_phase")}
        self._batches = 0
        if stage == sb.Stage.TRAIN:
            self._mag_sum, self._mag_count = 0.0, 0

    def on_stage_end(self, stage, stage_loss, epoch=None):
        stats = {"loss": stage_loss}
        n = max(self._batches, 1)
        stats.update({k: self._sums[k] / n for k in ("magnitude", "phase")})
        if stage == sb.Stage.TRAIN:
            if self._mag_count:
                self.mean_magnitude = (self._mag_sum / self._mag_count).detach().cpu()
            self.train_stats = stats
            return
        stats.update({k: v / n for k, v in self._sums.items() if k.startswith("baseline_")})
        if not hasattr(self, "last_stats"):
            self.last_stats = {}
        self.last_stats["valid" if stage == sb.Stage.VALID else "test"] = stats
        if stage == sb.Stage.VALID:
            scheduler = self._hp("lr_scheduler", None)
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
                    num_to_keep=int(self._hp("ckpt_keep", 1)),
                )
        else:
            self.hparams.train_logger.log_stats(
                {"Epoch loaded": self.hparams.epoch_counter.current}
                if hasattr(self.hparams, "epoch_counter") else {},
                test_stats=stats,
            )



def run_inpainter(hparams, run_opts, manifests, data_root):
    """Trains (unless ``--test_only``) and tests the in-painter of a recipe.

    Arguments
    ---------
    hparams : dict
        Required keys: ``inpainter``, ``representation``, ``sample_rate``,
        ``signal_length_s``, ``save_folder``, ``output_folder``,
        ``epoch_counter``, ``checkpointer``, ``opt_class``, ``train_logger``,
        the three ``*_dataloader_opts``.
    run_opts : dict
        SpeechBrain run options.
    manifests : dict
        ``{"train": path, "valid": path or None, "test": path or None}``.
    data_root : str
        Replacement for ``{data_root}`` in the manifests.

    Returns
    -------
    InpainterBrain
        ``last_stats["test"]`` holds the test losses (and the naive fill's)
        when a test set was given; the best in-painter is exported to
        ``<output_folder>/pretrained/inpainter.ckpt``.
    """
    from speechbrain.utils.distributed import run_on_main

    from speechbrain_interp.data.dataio import build_datasets
    from speechbrain_interp.experiment import _export_parts, _fit_and_test, _prepare_run

    datasets, _ = build_datasets(
        manifests, data_root=data_root, sample_rate=hparams["sample_rate"],
        signal_length_s=hparams["signal_length_s"],
        label_encoder_path=os.path.join(hparams["save_folder"], "label_encoder.txt"),
    )
    checkpointer, _, loader_opts = _prepare_run(hparams, run_opts)
    brain = InpainterBrain(
        modules={"inpainter": hparams["inpainter"]},
        opt_class=hparams["opt_class"],
        hparams=hparams,
        run_opts=run_opts,
        checkpointer=checkpointer,
    )
    best = _fit_and_test(brain, hparams, datasets, loader_opts, {"min_key": "loss"})
    if best is not None:
        run_on_main(_export_parts, args=[{"inpainter": hparams["inpainter"]}, str(best.path),
                                         os.path.join(hparams["output_folder"], "pretrained")])
    return brain
