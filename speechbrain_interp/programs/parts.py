"""Trained parts in and out of a program: an encoder or interpreter to start
from, the tested checkpoint's parts copied out.

Authors
 * speechbrain-interp developers 2026
"""

import os
import shutil

from speechbrain.utils.distributed import run_on_main
from speechbrain.utils.logger import get_logger

logger = get_logger(__name__)

__all__ = ["export_parts", "load_interpreter_parts", "load_pretrained_encoder"]


def load_pretrained_encoder(source, embedding_model, save_folder):
    """Initialises ``embedding_model`` from ``source`` (a path or HF ``repo/file.ckpt``).

    The file is collected into ``<save_folder>/pretrained`` on the main process.
    """
    from speechbrain.utils.parameter_transfer import Pretrainer

    pretrainer = Pretrainer(
        collect_in=os.path.join(save_folder, "pretrained"),
        loadables={"embedding_model": embedding_model},
        paths={"embedding_model": source},
    )
    run_on_main(pretrainer.collect_files)
    pretrainer.load_collected()
    logger.info("encoder initialised from %s", source)


def load_interpreter_parts(interpreter, source, save_folder):
    """Initialises an interpreter from a pretrained interpreter folder (path or HF repo).

    The folder's ``interpreter.ckpt`` (e.g. a stage-1 run's ``pretrained/``)
    is fetched into ``<save_folder>/pretrained_interpreter`` and loaded
    strictly: it must come from the same method and configuration, except
    that a class-conditioned L-MAC may start from one that is not
    (:func:`~speechbrain_interp.pretrained.load_warm_start`).
    """
    from speechbrain.utils.fetching import fetch

    from speechbrain_interp.pretrained import INTERPRETER_FILE, load_warm_start

    if not interpreter.trained_parts():
        raise ValueError("pretrained_interpreter is set but the interpreter has no trained parts")
    savedir = os.path.join(save_folder, "pretrained_interpreter")
    run_on_main(fetch, kwargs={"filename": INTERPRETER_FILE, "source": str(source),
                               "savedir": savedir})
    kept = load_warm_start(interpreter, os.path.join(savedir, INTERPRETER_FILE))
    logger.info("interpreter initialised from %s%s", source,
                f" (kept at their initialisation: {', '.join(kept)})" if kept else "")


def export_parts(parts, checkpoint_dir, out_folder):
    """Copies trained parts (``<name>.ckpt`` of a checkpoint) to ``out_folder``.

    Runs on the main process only (the files are written once under DDP).

    Example
    -------
    >>> ckpt, out = getfixture("tmpdir").mkdir("ckpt"), getfixture("tmpdir") / "pretrained"
    >>> _ = (ckpt / "decoder.ckpt").write("weights")
    >>> export_parts({"decoder": None}, str(ckpt), str(out))
    >>> sorted(os.listdir(out))
    ['decoder.ckpt']
    """

    def copy():
        os.makedirs(out_folder, exist_ok=True)
        for name in parts:
            shutil.copy(os.path.join(checkpoint_dir, f"{name}.ckpt"),
                        os.path.join(out_folder, f"{name}.ckpt"))
        logger.info("trained parts %s exported to %s", sorted(parts), out_folder)

    run_on_main(copy)
