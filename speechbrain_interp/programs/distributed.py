"""A program's life in a DDP group: joined once per process, left at exit.

:func:`join_process_group` is what
:func:`~speechbrain_interp.programs.run_setup.load_experiment` calls: it
starts SpeechBrain's DDP group (under ``torchrun``) unless a driving
program already did, and, the first time, registers what leaves the group
at exit (:func:`_close_process_group`) and notes an uncaught exception
(then the other processes are not waited for).

Authors
 * speechbrain-interp developers 2026
"""

import atexit
import gc
import sys

import torch

import speechbrain as sb

__all__ = ["join_process_group"]

#: whether the exit handler is registered, and whether an exception ended the program
_EXIT_STATE = {"registered": False, "failed": False}


def join_process_group(run_opts):
    """Starts the DDP group (once per process) and registers its exit hooks.

    Outside ``torchrun`` nothing is started and nothing is registered.

    Arguments
    ---------
    run_opts : dict
        SpeechBrain's run options (``distributed_backend``...).

    Example
    -------
    >>> join_process_group({})  # no torchrun: nothing to join
    >>> torch.distributed.is_initialized()
    False
    """
    if not torch.distributed.is_initialized():  # a driving program may run several experiments
        sb.utils.distributed.ddp_init_group(run_opts)
    if torch.distributed.is_initialized() and not _EXIT_STATE["registered"]:
        _EXIT_STATE["registered"] = True
        sys.excepthook = _noting_failures(sys.excepthook)
        atexit.register(_close_process_group)


def _noting_failures(hook):
    """``sys.excepthook`` that notes an uncaught exception before ``hook`` reports it."""

    def excepthook(kind, value, traceback):
        _EXIT_STATE["failed"] = True
        hook(kind, value, traceback)

    return excepthook


def _close_process_group():
    """Leaves the DDP group at exit, while the interpreter is whole.

    gloo's worker threads can hold the last collectives' tensors; freed
    during interpreter finalisation they abort the process ("terminate
    called without an active exception", about one run in forty on CPU).
    After a program that ended normally, every process waits for the
    others (gloo), leaves the group and frees what still refers to it
    (the DDP wrappers) now. After an uncaught exception it only leaves:
    the other processes may never arrive.
    """
    if not torch.distributed.is_initialized():
        return
    if not _EXIT_STATE["failed"] and torch.distributed.get_backend() == "gloo":
        torch.distributed.barrier()
    torch.distributed.destroy_process_group()
    gc.collect()
