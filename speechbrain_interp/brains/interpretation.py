"""Interpreter training as a ``speechbrain.core.Brain``, shared by every method.

The interpreter (an :class:`~speechbrain_interp.interpreters.Interpreter`
with ``trainable = True``) holds the frozen classifier and implements
``loss``; this Brain adds what every method needs:

- WHAM! noise, or contamination (:class:`~speechbrain_interp.augment.contamination.Contamination`:
  other classes' clips, speech, noise), on training batches; the parts are
  kept for objectives that need them (L-MAC's guidance is told the part the
  classifier's decision is about, and the rest);
- the objective's parts logged per epoch;
- every faithfulness metric of :mod:`speechbrain_interp.evaluation.metrics` (plus the
  method's own ``extra_metrics``) on valid and test, batched, scored by
  :func:`~speechbrain_interp.evaluation.scoring.score_interpretation` as the
  evaluation and the command line score them;
- checkpoints selected on ``ckpt_key`` (``ckpt_mode`` min/max), which must be
  one of the logged valid statistics (checked at the first save);
- interpretations saved per clip (``original.wav``, ``interpretation.wav``,
  PNG) every ``interpret_period`` epochs on valid and at test;
- the test report: ``metrics.json``, ``metrics_per_clip.csv``, ``metrics.md``.

Hyperparameters read (:attr:`InterpreterBrain.HPARAMS`, all required):
``train_logger``, ``output_folder``, ``epoch_counter``, ``noise_augment``
(or None), ``noise_in_eval``, ``ckpt_key``, ``ckpt_mode`` (``"min"`` or
``"max"``), ``ckpt_keep``, ``save_interpretations``, ``interpret_period``
(epochs; 0 = test only), ``n_interpretations`` (per stage),
``label_encoder`` (or None), ``lr_scheduler`` (epoch-level, e.g.
ReduceLROnPlateau on the selection key; None = constant),
``metric_max_batch`` (None = whole batches).

Under DDP (``torchrun``) the training forward goes through the
``DistributedDataParallel`` wrapper, so every process's gradients are
averaged and the processes train one interpreter; interpretations and
reports are written by the main process only.

Authors
 * speechbrain-interp developers 2026
"""

import csv
import json
import os

import torch

import speechbrain as sb
from speechbrain.dataio import audio_io
from speechbrain.utils.distributed import if_main_process
from speechbrain.utils.logger import get_logger

from speechbrain_interp.audio import peak_normalize
from speechbrain_interp.augment.contamination import Contaminated, Contamination
from speechbrain_interp.brains.base import ProjectBrain
from speechbrain_interp.evaluation.localization import explained_parts
from speechbrain_interp.evaluation import registry
from speechbrain_interp.evaluation.scoring import score_interpretation
from speechbrain_interp.evaluation.tracking import MetricTracker
from speechbrain_interp.visualize import save_interpretation

logger = get_logger(__name__)

__all__ = ["InterpreterBrain", "write_metrics_report"]

#: order of the columns in reports (:func:`speechbrain_interp.evaluation.registry.report_order`
#: as imported; the report reads the registry when it is written)
METRIC_ORDER = registry.report_order()


def write_metrics_report(summary, rows, out_dir, title="Interpretation metrics"):
    """Writes ``metrics.json``, ``metrics_per_clip.csv`` and ``metrics.md``.

    Arguments
    ---------
    summary : dict
        Dataset figures (name -> float).
    rows : list of dict
        Per-clip rows (``id`` plus metrics).
    out_dir : str
        Output folder.
    title : str
        Heading of the markdown table.

    Example
    -------
    >>> out = str(getfixture("tmpdir"))
    >>> write_metrics_report({"AI": 50.0, "loss": 1.0}, [{"id": "a", "AI": 50.0}], out)
    >>> sorted(os.listdir(out))
    ['metrics.json', 'metrics.md', 'metrics_per_clip.csv']
    """
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "metrics.json"), "w", encoding="utf-8") as f:
        json.dump(summary, f, indent=2)
    if rows:
        with open(os.path.join(out_dir, "metrics_per_clip.csv"), "w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    order = registry.report_order()
    names = [n for n in order if n in summary] + sorted(n for n in summary if n not in order)
    with open(os.path.join(out_dir, "metrics.md"), "w", encoding="utf-8") as f:
        f.write(f"## {title}\n\n| metric | value |\n|---|---|\n")
        for name in names:
            f.write(f"| {name} | {summary[name]:.4g} |\n")


class InterpreterBrain(ProjectBrain):
    """Trains and evaluates a trainable interpreter (module ``interpreter``).

    Example
    -------
    >>> from speechbrain_interp.examples import small_classifier
    >>> from speechbrain_interp.interpreters import LMAC
    >>> from speechbrain.utils.train_logger import FileTrainLogger
    >>> tmp = getfixture("tmpdir")
    >>> clf = small_classifier(3)
    >>> brain = InterpreterBrain(
    ...     modules={"interpreter": LMAC(clf, decoder_width=8)},
    ...     opt_class=lambda p: torch.optim.Adam(p, 1e-3),
    ...     hparams={"train_logger": FileTrainLogger(str(tmp / "log.txt")),
    ...              "output_folder": str(tmp), "epoch_counter": None, "noise_augment": None,
    ...              "noise_in_eval": False, "ckpt_key": "loss", "ckpt_mode": "min",
    ...              "ckpt_keep": 1, "save_interpretations": True, "interpret_period": 10,
    ...              "n_interpretations": 1, "label_encoder": None, "lr_scheduler": None,
    ...              "metric_max_batch": None},
    ...     run_opts={"device": "cpu", "noprogressbar": True},
    ... )
    >>> data = [{"id": str(i), "sig": torch.randn(8000)} for i in range(4)]
    >>> opts = {"batch_size": 2, "collate_fn": sb.dataio.batch.PaddedBatch}
    >>> brain.fit(range(1), data, data, train_loader_kwargs=opts, valid_loader_kwargs=opts)
    >>> {"loss", "AI", "AD", "FF", "FidIn"} <= set(brain.last_stats["valid"])
    True
    """

    HPARAMS = ("train_logger", "output_folder", "epoch_counter", "noise_augment",
               "noise_in_eval", "ckpt_key", "ckpt_mode", "ckpt_keep", "save_interpretations",
               "interpret_period", "n_interpretations", "label_encoder", "lr_scheduler",
               "metric_max_batch")

    @property
    def interpreter(self):
        """The interpreter (unwrapped from DDP if needed)."""
        module = self.modules.interpreter
        return getattr(module, "module", module)

    def init_optimizers(self):
        """Optimises the interpreter's trainable parameters only."""
        if self.opt_class is None:
            return
        params = [p for p in self.modules.parameters() if p.requires_grad]
        self.optimizer = self.opt_class(params)
        self.optimizers_dict = {"opt_class": self.optimizer}
        if self.checkpointer is not None:
            self.checkpointer.add_recoverable("optimizer", self.optimizer)

    def compute_forward(self, batch, stage):
        """Interpretation of the (noisy or contaminated) batch and the parts
        of what it heard (:class:`~speechbrain_interp.augment.contamination.Contaminated`,
        or None for a clean batch)."""
        batch = batch.to(self.device)
        wavs, _ = batch.sig
        parts = None
        noise_augment = self.hparams.noise_augment
        if isinstance(noise_augment, Contamination):
            if stage == sb.Stage.TRAIN:
                parts = noise_augment(wavs, labels=self._single_labels(batch))
                wavs = parts.mixture
        elif noise_augment is not None and (stage == sb.Stage.TRAIN or self.hparams.noise_in_eval):
            wavs, noise = noise_augment(wavs, return_noise=True)
            parts = Contaminated(wavs, wavs - noise, noise,
                                 torch.full((wavs.shape[0],), -1, device=wavs.device), [])
        save = stage != sb.Stage.TRAIN and self._saving(stage)
        if stage == sb.Stage.TRAIN:
            # a conditioned interpreter may explain a contaminating clip's class
            # (-1: the decision); None for every other interpreter or batch
            label = None if parts is None else \
                self.interpreter.training_labels(parts.contaminant_label)
            # through the DDP wrapper when there is one: gradients are averaged
            interpretation = self.modules.interpreter(wavs, label=label, with_wave=False)
            return interpretation, wavs, parts
        # gradient-based methods need gradients even when evaluating
        context = torch.enable_grad() if self.interpreter.needs_input_grad else torch.no_grad()
        with context:
            interpretation = self.interpreter.interpret(wavs, with_wave=save)
        return interpretation, wavs, parts

    @staticmethod
    def _single_labels(batch):
        """``[B]`` classes of a single-label batch (None for multi-hot labels
        or unlabelled data)."""
        labels = getattr(batch, "class_string_encoded", None)
        if labels is None:
            return None
        labels = labels.data if hasattr(labels, "data") else labels
        return labels.reshape(-1) if labels.dim() == 1 or labels.shape[-1] == 1 else None

    def _explained_magnitudes(self, interpretation, parts, batch):
        """Magnitudes of the part each row's decision is about and of the rest.

        The source clip is explained when the decision is its class or the
        contaminant has no class; the contaminating clip when the decision
        is its class; a decision that is neither has no known part, and
        its row is guided by the whole input (rest = 0), as on a clean clip.
        """
        spectrogram = self.interpreter.frontend.spectrogram
        rows = interpretation.clips
        mixture = interpretation.magnitude.detach()  # the input's, one per row
        source = spectrogram(parts.source)[0][rows]
        contaminant = spectrogram(parts.contaminant)[0][rows]
        labels = self._single_labels(batch)
        if labels is None:
            return source, contaminant
        labels, other = labels[rows].to(mixture.device), parts.contaminant_label[rows]
        explained, rest, defined = explained_parts(interpretation.label, source, contaminant,
                                                   labels, other)
        defined = (defined | (other < 0)).reshape(-1, 1, 1)
        return (torch.where(defined, explained, mixture),
                torch.where(defined, rest, torch.zeros_like(rest)))

    def compute_objectives(self, predictions, batch, stage):
        """The interpreter's loss; on valid/test also every metric."""
        interpretation, wavs, mixed = predictions
        clean_magnitude = rest_magnitude = None
        if mixed is not None:
            clean_magnitude, rest_magnitude = self._explained_magnitudes(
                interpretation, mixed, batch)
        parts = self.interpreter.loss(interpretation, clean_magnitude, rest_magnitude)
        loss = parts.pop("loss")
        self._parts.append({k: float(v) for k, v in parts.items()})
        if stage != sb.Stage.TRAIN:
            metrics = score_interpretation(self.interpreter.classifier, interpretation,
                                           self.interpreter,
                                           max_batch=self.hparams.metric_max_batch)
            self._tracker.append(metrics, ids=interpretation.row_ids(batch.id, self._names()))
            if self._saving(stage):
                self._save_examples(interpretation, wavs, batch.id, stage)
        return loss

    def _saving(self, stage):
        if not self.hparams.save_interpretations or not if_main_process():
            return False
        if stage == sb.Stage.TEST:
            return True
        period = self.hparams.interpret_period
        return period > 0 and self._epoch is not None and self._epoch % period == 0

    def _names(self):
        encoder = self.hparams.label_encoder
        return [encoder.ind2lab[i] for i in range(len(encoder))] if encoder is not None else None

    def _save_examples(self, interpretation, wavs, ids, stage):
        """Saves up to ``n_interpretations`` rows per stage, one per explained
        class first (so that the saved examples cover the classes); a
        multi-label row goes to ``<clip>/<class>/``."""
        where = "test" if stage == sb.Stage.TEST else f"valid_epoch{self._epoch}"
        folder = os.path.join(self.hparams.output_folder, "interpretations", where)
        names = self._names()
        frontend = self.interpreter.frontend
        n_classes = self.interpreter.classifier.n_classes
        rows = interpretation.row_ids(ids, names)
        for i, (clip_index, row) in enumerate(zip(interpretation.clips.tolist(), rows)):
            if len(self._saved_labels) >= self.hparams.n_interpretations:
                return
            label = int(interpretation.label[i])
            if label in self._saved_labels and len(set(self._saved_labels)) < n_classes:
                continue
            parts = str(row).rsplit(":", 1) if interpretation.clip is not None else [str(row)]
            clip_folder = os.path.join(folder, *parts)
            save_interpretation(
                clip_folder, interpretation, i, wavs[clip_index],
                frontend.sample_rate, frontend.hop_samples, class_names=names,
            )
            for part, wave in self.interpreter.listenable_parts(interpretation, i, wavs.shape[-1]).items():
                audio_io.save(os.path.join(clip_folder, f"{part}.wav"),
                              peak_normalize(wave.detach().cpu().float()).unsqueeze(0),
                              frontend.sample_rate)
            self.interpreter.save_figures(interpretation, i, clip_folder, frontend.sample_rate,
                                          frontend.hop_samples,
                                          title=names[label] if names else str(label))
            self._saved_labels.append(label)

    def on_stage_start(self, stage, epoch=None):
        """Resets the accumulators."""
        super().on_stage_start(stage, epoch)
        self._epoch = epoch
        self._parts = []
        self._tracker = MetricTracker(medians=registry.medians())
        self._saved_labels = []

    def _stats(self, stage_loss):
        stats = {"loss": float(stage_loss)}
        if self._parts:
            for key in self._parts[0]:
                stats[key] = sum(p[key] for p in self._parts) / len(self._parts)
        if len(self._tracker):
            stats.update(self._tracker.summarize())
        return stats

    def on_stage_end(self, stage, stage_loss, epoch=None):
        """Logs, schedules, checkpoints; writes the test report."""
        stats = self._stats(stage_loss)
        if not hasattr(self, "last_stats"):
            self.last_stats = {}
        self.last_stats[stage.name.lower()] = stats
        if stage == sb.Stage.TRAIN:
            self.train_stats = stats
        elif stage == sb.Stage.VALID:
            self._end_of_epoch(epoch, stats)
        else:
            counter = self.hparams.epoch_counter
            self.hparams.train_logger.log_stats(
                stats_meta={} if counter is None else {"Epoch loaded": counter.current},
                test_stats=stats,
            )
            if if_main_process():
                write_metrics_report(
                    stats, self._tracker.to_rows(), self.hparams.output_folder,
                    title=f"{type(self.interpreter).__name__} on the test set",
                )
            self.test_stats = stats

    def _end_of_epoch(self, epoch, stats):
        key, mode = self.hparams.ckpt_key, self.hparams.ckpt_mode
        if key not in stats:
            raise KeyError(
                f"ckpt_key {key!r} is not among the logged valid statistics {sorted(stats)}"
            )
        scheduler = self.hparams.lr_scheduler
        if scheduler is not None:
            value = stats[key] if mode == "min" else -stats[key]
            old_lr, new_lr = scheduler([self.optimizer], epoch, value)
            if new_lr != old_lr:
                sb.nnet.schedulers.update_learning_rate(self.optimizer, new_lr)
        self.hparams.train_logger.log_stats(
            stats_meta={"epoch": epoch, "lr": self.optimizer.param_groups[0]["lr"]},
            train_stats=getattr(self, "train_stats", None),
            valid_stats=stats,
        )
        if self.checkpointer is not None:
            meta = dict(stats, epoch=epoch)
            keys = {"min_keys": [key]} if mode == "min" else {"max_keys": [key]}
            self.checkpointer.save_and_keep_only(meta=meta, num_to_keep=self.hparams.ckpt_keep, **keys)
