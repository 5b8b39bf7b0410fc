"""Checkpoints that a killed run cannot leave half-written.

SpeechBrain's ``Checkpointer`` writes ``CKPT.yaml`` (what marks a folder as
a checkpoint) first and the parameter files after it: a run killed in
between leaves a "checkpoint" whose files are truncated, and the next run
fails to resume on it ("not a ZIP archive"). :class:`AtomicCheckpointer`
writes every file into a staging folder and renames it into place once
complete, and when it recovers it skips (with a warning) any checkpoint
that does not load, and moves it aside, so the previous one is used.

Authors
 * speechbrain-interp developers 2026
"""

import os
import pathlib
import shutil

from speechbrain.utils.checkpoints import Checkpoint, Checkpointer
from speechbrain.utils.distributed import ddp_barrier, if_main_process
from speechbrain.utils.logger import get_logger

logger = get_logger(__name__)

__all__ = ["AtomicCheckpointer"]

#: sub-folder of ``checkpoints_dir`` where checkpoints are written before they are complete
STAGING = ".partial"
#: prefix given to a checkpoint that failed to load (kept, never loaded again)
BROKEN_PREFIX = "unreadable-"


class AtomicCheckpointer(Checkpointer):
    """A ``speechbrain.utils.checkpoints.Checkpointer`` whose checkpoints appear whole or not at all.

    Same arguments and use as SpeechBrain's (in YAML:
    ``!new:speechbrain_interp.brains.checkpoints.AtomicCheckpointer``).

    * Saving writes the checkpoint into ``<checkpoints_dir>/.partial/`` and
      renames it into ``checkpoints_dir`` when every file is written (a
      rename within one file system is atomic); what an interrupted save
      leaves there is never loaded, and removed after the next complete one.
      Under DDP every process waits until the checkpoint is in place.
    * Recovering tries the chosen checkpoint and, when one of its files
      does not load (truncated, empty, foreign), warns, renames the folder
      ``unreadable-CKPT+...`` (kept, never loaded again) and tries the next
      best one.

    Example
    -------
    >>> import torch
    >>> model = torch.nn.Linear(2, 2)
    >>> ckpt = AtomicCheckpointer(str(getfixture("tmpdir")), {"model": model})
    >>> first = ckpt.save_checkpoint(meta={"loss": 1.0})
    >>> second = ckpt.save_checkpoint(meta={"loss": 0.5})
    >>> _ = open(second.paramfiles["model"], "wb").write(b"PK\\x03")  # truncated
    >>> ckpt.recover_if_possible(min_key="loss").meta["loss"]
    1.0
    >>> sorted(p.name.split("+")[0] for p in ckpt.checkpoints_dir.iterdir())
    ['CKPT', 'unreadable-CKPT']
    """

    def save_checkpoint(self, meta={}, end_of_epoch=True, name=None, verbosity=20):  # noqa: B006
        """As ``Checkpointer.save_checkpoint``, written to a staging folder first."""
        final_dir = self.checkpoints_dir
        staging = final_dir / STAGING
        if name is None:  # a name not taken in the final folder (upstream's, without CKPT+)
            name = self._new_checkpoint_dirpath().name.split("+", 1)[1]
        self.checkpoints_dir = staging
        try:
            if if_main_process():
                staging.mkdir(parents=True, exist_ok=True)
                shutil.rmtree(self._custom_checkpoint_dirpath(name), ignore_errors=True)
            ddp_barrier()
            saved = super().save_checkpoint(meta=meta, end_of_epoch=end_of_epoch, name=name,
                                            verbosity=verbosity)
        finally:
            self.checkpoints_dir = final_dir
        checkpoint = None
        if saved is not None:  # the main process moves it into place
            target = final_dir / saved.path.name
            if target.exists():  # a named checkpoint saved again replaces the old one, as upstream
                shutil.rmtree(target)
            os.replace(saved.path, target)
            shutil.rmtree(staging, ignore_errors=True)  # leftovers of interrupted earlier saves
            paramfiles = {key: target / path.name for key, path in saved.paramfiles.items()}
            checkpoint = Checkpoint(target, saved.meta, paramfiles)
        # every process sees the new checkpoint before going on: upstream's
        # delete_checkpoints lists the folder on every process and broadcasts
        # once per deletion, so a process that listed it before the move
        # would deadlock the others
        ddp_barrier()
        return checkpoint

    def recover_if_possible(self, importance_key=None, max_key=None, min_key=None,
                            ckpt_predicate=None):
        """As ``Checkpointer.recover_if_possible``; unreadable checkpoints are skipped."""
        while True:
            chosen = self.find_checkpoint(importance_key, max_key, min_key, ckpt_predicate)
            if chosen is None:
                logger.info("Would load a checkpoint here, but none found yet.")
                return None
            try:
                self.load_checkpoint(chosen)
                return chosen
            except Exception as err:  # noqa: BLE001 - any unreadable file: try the next one
                self._set_aside(chosen.path, err)

    def _set_aside(self, path, err):
        path = pathlib.Path(path)
        aside = path.with_name(BROKEN_PREFIX + path.name)
        logger.warning(
            "checkpoint %s does not load (%s: %s), probably written by a run that was killed "
            "while saving; it is kept as %s and the previous checkpoint is used",
            path, type(err).__name__, str(err).splitlines()[0] if str(err) else "", aside.name)
        if if_main_process():
            os.replace(path, aside)
        ddp_barrier()
