"""Classifier training as a ``speechbrain.core.Brain``.

Everything a classification recipe needs besides its dataset preparation:
forward with optional WHAM! noise (training only, unless the in-domain
evaluation condition is asked for), cross-entropy or BCE objective, per-epoch
loss/accuracy logging, checkpoints selected on the logged ``error`` key,
per-batch or per-epoch learning-rate schedules, and the test report
(per-class accuracy, confusion matrix as CSV/JSON/PNG).

Multi-label classifiers (sigmoid head, multi-hot targets ``[B, C]``): the
logged ``acc`` is the per-label accuracy at the decision thresholds and
``error`` is ``1 - macro-AUPRC`` (the DCASE 2020 Task 5 rank metric,
:mod:`speechbrain_interp.evaluation.tagging`), so checkpoints are selected on
it. After each validation epoch the per-class thresholds are tuned on the
validation split (F1 per class, :func:`~speechbrain_interp.evaluation.tagging.tune_thresholds`)
and stored in the classifier before its checkpoint is saved, so the best
checkpoint carries its own thresholds. The test report is the DCASE one
(``tagging_report.{json,md,png}``: micro/macro AUPRC, micro-F1 at 0.5 and at
the tuned thresholds, per-class figures).

Expected ``modules``: ``classifier`` (:class:`~speechbrain_interp.classifier.AudioClassifier`).
Hyperparameters read (:attr:`ClassifierBrain.HPARAMS`, all required,
``None`` where said): ``train_logger``, ``output_folder``, ``epoch_counter``,
``noise_augment`` (a callable ``wave [B, N] -> noisy [B, N]`` or None),
``noise_in_eval`` (bool), ``augmentation`` (a
``speechbrain.augment.augmenter.Augmenter`` or None), ``lr_scheduler``
(``CyclicLRScheduler``: stepped per batch; or a callable
``(optimizers, epoch, valid_error) -> (old_lr, new_lr)`` such as
``speechbrain.nnet.schedulers.ReduceLROnPlateau``: stepped per epoch; None:
constant), ``ckpt_keep`` (checkpoints kept), ``label_encoder`` (class names
of the report, or None).

Authors
 * speechbrain-interp developers 2026
"""

import torch

import speechbrain as sb
from speechbrain.utils.logger import get_logger

from speechbrain_interp.brains.base import ProjectBrain
from speechbrain_interp.evaluation.reports import write_classification_report
from speechbrain_interp.evaluation.tagging import (
    dcase_metrics, tune_thresholds, write_tagging_report,
)  # fmt: skip
from speechbrain_interp.float32 import as_float32

logger = get_logger(__name__)

__all__ = ["ClassifierBrain"]


class ClassifierBrain(ProjectBrain):
    """Trains and tests an :class:`~speechbrain_interp.classifier.AudioClassifier`.

    Example
    -------
    >>> from speechbrain_interp.examples import small_classifier
    >>> from speechbrain.utils.train_logger import FileTrainLogger
    >>> tmp = getfixture("tmpdir")
    >>> clf = small_classifier(3, n_blocks=2)
    >>> brain = ClassifierBrain(
    ...     modules={"classifier": clf},
    ...     opt_class=lambda p: torch.optim.Adam(p, 1e-3),
    ...     hparams={"train_logger": FileTrainLogger(str(tmp / "log.txt")),
    ...              "output_folder": str(tmp), "epoch_counter": None, "noise_augment": None,
    ...              "noise_in_eval": False, "augmentation": None, "lr_scheduler": None,
    ...              "ckpt_keep": 1, "label_encoder": None},
    ...     run_opts={"device": "cpu", "noprogressbar": True},
    ... )
    >>> data = [{"id": str(i), "sig": torch.randn(4000),
    ...          "class_string_encoded": torch.tensor([i % 3])} for i in range(4)]
    >>> opts = {"batch_size": 2, "collate_fn": sb.dataio.batch.PaddedBatch}
    >>> brain.fit(range(1), data, data, train_loader_kwargs=opts, valid_loader_kwargs=opts)
    >>> sorted(brain.last_stats["valid"])
    ['acc', 'error', 'loss']
    """

    HPARAMS = ("train_logger", "output_folder", "epoch_counter", "noise_augment",
               "noise_in_eval", "augmentation", "lr_scheduler", "ckpt_keep", "label_encoder")

    def compute_forward(self, batch, stage):
        """Logits ``[B, C]`` for a batch (noise/augmentation as configured).

        A batch of precomputed magnitudes ``[B, T, F]`` (key ``magnitude``
        instead of ``sig``, as ROAR's reduced spectrograms,
        :mod:`speechbrain_interp.brains.roar`) goes to the classifier as is.
        """
        batch = batch.to(self.device)
        magnitude = getattr(batch, "magnitude", None)
        if magnitude is not None:
            return self.modules.classifier(magnitude=magnitude.data).logits
        wavs, lens = batch.sig
        noise_augment = self.hparams.noise_augment
        use_noise = stage == sb.Stage.TRAIN or self.hparams.noise_in_eval
        if noise_augment is not None and use_noise:
            wavs = noise_augment(wavs)
        augmentation = self.hparams.augmentation
        if stage == sb.Stage.TRAIN and augmentation is not None:
            wavs, lens = augmentation(wavs, lens)
        return self.modules.classifier(wave=wavs).logits

    def _targets(self, batch, n_outputs):
        targets = batch.class_string_encoded.data.to(self.device)
        if targets.dim() == 2 and targets.shape[1] == 1:
            targets = targets.squeeze(1)
        augmentation = self.hparams.augmentation
        if augmentation is not None and n_outputs != targets.shape[0]:
            targets = augmentation.replicate_labels(targets)
        return targets

    def compute_objectives(self, predictions, batch, stage):
        """Classifier loss; also accumulates accuracy (and test predictions).

        Under mixed precision the logits are cast to float32 first: the
        loss, the decisions and the probabilities kept for the reports (and
        the tuned thresholds) are float32 numbers of the logits the model
        computed in ``--precision`` (training) or ``--eval_precision``.
        """
        predictions = as_float32(predictions)
        classifier = self._classifier
        targets = self._targets(batch, predictions.shape[0])
        mask = getattr(batch, "label_mask", None)  # fine-level SONYC-UST: X-tagged groups
        if mask is not None and mask.data.shape[0] == predictions.shape[0]:
            loss = classifier.loss(predictions, targets, mask.data.to(self.device))
        else:
            loss = classifier.loss(predictions, targets)
        with torch.no_grad():
            decisions = classifier.decide(predictions)
            if classifier.multilabel:
                correct = (decisions == targets.bool()).float().mean(dim=1)
            else:
                correct = (decisions == targets).float()
            self._n_correct += float(correct.sum())
            self._n_items += int(correct.numel())
            if stage != sb.Stage.TRAIN:
                self._targets_seen.append(targets.cpu())
                if classifier.multilabel:
                    self._decisions.append(classifier.probabilities(predictions).cpu())
                else:
                    self._decisions.append(decisions.cpu())
        return loss

    @property
    def _classifier(self):
        classifier = self.modules.classifier
        return getattr(classifier, "module", classifier)  # DDP wrapper

    def on_fit_batch_end(self, batch, outputs, loss, should_step):
        """Steps a per-batch learning-rate schedule."""
        scheduler = self.hparams.lr_scheduler
        if should_step and scheduler is not None and hasattr(scheduler, "on_batch_end"):
            scheduler.on_batch_end(self.optimizer)

    def on_stage_start(self, stage, epoch=None):
        """Resets the accumulators."""
        super().on_stage_start(stage, epoch)
        self._n_correct = 0.0
        self._n_items = 0
        self._decisions = []
        self._targets_seen = []
        self._stage_scores = None

    def fit(self, epoch_counter, train_set, valid_set=None, **kwargs):
        """``Brain.fit``; remembers whether there is a validation set."""
        self._has_valid = valid_set is not None
        return super().fit(epoch_counter, train_set, valid_set, **kwargs)

    def _stats(self, stage_loss, stage):
        if stage == sb.Stage.TRAIN and torch.distributed.is_available() \
                and torch.distributed.is_initialized():
            # each process saw its own shard of the training data
            counts = torch.tensor([self._n_correct, float(self._n_items)], dtype=torch.float64)
            torch.distributed.all_reduce(counts)
            self._n_correct, self._n_items = float(counts[0]), int(counts[1])
        acc = self._n_correct / max(self._n_items, 1)
        stats = {"loss": float(stage_loss), "acc": acc, "error": 1.0 - acc}
        if stage != sb.Stage.TRAIN and self._classifier.multilabel and self._decisions:
            scores, truth = self._gathered()
            tagging = dcase_metrics(scores.numpy(), truth.numpy())
            stats.update(macro_AUPRC=tagging["macro_AUPRC"], micro_AUPRC=tagging["micro_AUPRC"],
                         micro_F1=tagging["micro_F1"], error=1.0 - tagging["macro_AUPRC"])
        return stats

    def _gathered(self):
        """``[N, C]`` probabilities and targets of the stage (all processes),
        gathered once per stage."""
        if self._stage_scores is not None:
            return self._stage_scores
        scores, truth = torch.cat(self._decisions), torch.cat(self._targets_seen).float()
        if torch.distributed.is_available() and torch.distributed.is_initialized():
            parts = [None] * torch.distributed.get_world_size()
            torch.distributed.all_gather_object(parts, (scores, truth))
            scores = torch.cat([p[0] for p in parts])
            truth = torch.cat([p[1] for p in parts])
        self._stage_scores = (scores, truth)
        return self._stage_scores

    def on_stage_end(self, stage, stage_loss, epoch=None):
        """Logs the stage, schedules the learning rate, saves checkpoints."""
        stats = self._stats(stage_loss, stage)
        if not hasattr(self, "last_stats"):
            self.last_stats = {}
        self.last_stats[stage.name.lower()] = stats
        if stage == sb.Stage.TRAIN:
            self.train_stats = stats
            if not getattr(self, "_has_valid", True):
                self._log_and_save(epoch, None)
        elif stage == sb.Stage.VALID:
            if self._classifier.multilabel and self._decisions:
                scores, truth = self._gathered()
                self._classifier.set_thresholds(tune_thresholds(scores.numpy(), truth.numpy()))
            self._log_and_save(epoch, stats)
        else:
            self._test_report(stats)

    def _current_lr(self):
        if getattr(self, "optimizer", None) is None:
            return None
        return self.optimizer.param_groups[0]["lr"]

    def _log_and_save(self, epoch, valid_stats):
        scheduler = self.hparams.lr_scheduler
        if (
            valid_stats is not None
            and scheduler is not None
            and not hasattr(scheduler, "on_batch_end")
        ):
            old_lr, new_lr = scheduler([self.optimizer], epoch, valid_stats["error"])
            if new_lr != old_lr:
                sb.nnet.schedulers.update_learning_rate(self.optimizer, new_lr)
        meta = {"epoch": epoch}
        lr = self._current_lr()
        if lr is not None:
            meta["lr"] = lr
        self.hparams.train_logger.log_stats(
            stats_meta=meta,
            train_stats=getattr(self, "train_stats", None),
            valid_stats=valid_stats,
        )
        if self.checkpointer is not None:
            ckpt_meta = dict(valid_stats if valid_stats is not None else self.train_stats)
            ckpt_meta["epoch"] = epoch
            self.checkpointer.save_and_keep_only(
                meta=ckpt_meta,
                min_keys=["error"],
                num_to_keep=self.hparams.ckpt_keep,
            )

    def _test_report(self, stats):
        counter = self.hparams.epoch_counter
        meta = {} if counter is None else {"Epoch loaded": counter.current}
        self.hparams.train_logger.log_stats(stats_meta=meta, test_stats=stats)
        if not self._decisions:
            return
        classes = None
        encoder = self.hparams.label_encoder
        if encoder is not None:
            classes = [encoder.ind2lab[i] for i in range(len(encoder))]
        if self._classifier.multilabel:
            self._tagging_report(stats, classes)
            return
        report = write_classification_report(
            decisions=torch.cat(self._decisions),
            targets=torch.cat(self._targets_seen),
            n_classes=self._classifier.n_classes,
            class_names=classes,
            out_dir=self.hparams.output_folder,
            extra={"loss": stats["loss"]},
        )
        per_class = ", ".join(
            f"{name}: {acc:.3f}" for name, acc in report["per_class_accuracy"].items()
        )
        self.hparams.train_logger.log_stats(
            stats_meta={"per-class test accuracy": per_class}
        )
        logger.info(
            "Test accuracy %.4f; report, confusion matrix and figure in %s",
            report["accuracy"],
            self.hparams.output_folder,
        )
        self.test_report = report

    def _tagging_report(self, stats, classes):
        """The multi-label test report (DCASE metrics, tuned thresholds)."""
        scores, truth = self._gathered()
        classes = classes or [str(i) for i in range(scores.shape[1])]
        thresholds = self._classifier.thresholds.cpu().tolist()
        report = write_tagging_report(
            scores.numpy(), truth.numpy(), classes, self.hparams.output_folder,
            thresholds=thresholds, extra={"loss": stats["loss"]},
        )
        self.hparams.train_logger.log_stats(stats_meta={
            "per-class test AUPRC": ", ".join(
                f"{name}: {value:.3f}" for name, value in report["per_class_AUPRC"].items())})
        logger.info("Test macro-AUPRC %.4f, micro-AUPRC %.4f, micro-F1 %.4f; report in %s",
                    report["macro_AUPRC"], report["micro_AUPRC"], report["micro_F1"],
                    self.hparams.output_folder)
        self.test_report = report
