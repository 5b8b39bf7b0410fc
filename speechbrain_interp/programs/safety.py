"""What keeps a run from silently going wrong: one run per output folder, one classifier per run.

* :class:`RunLock`: a second run started into an output folder where one
  is running is refused, naming the running one;
* :func:`check_classifier_unchanged`: an interpreter run does not resume
  its checkpoints with another classifier than the one it started with.

(Checkpoints written whole or not at all:
:class:`speechbrain_interp.brains.checkpoints.AtomicCheckpointer`; a
changed classifier source replacing cached files:
:func:`speechbrain_interp.inference.load_classifier`.)

Authors
 * speechbrain-interp developers 2026
"""

import json
import os
import socket
import sys
import time

from speechbrain.utils.distributed import run_on_main

from speechbrain_interp.pretrained import classifier_fingerprint

__all__ = ["RunLock", "check_classifier_unchanged"]


class RunLock:
    """One run at a time in an output folder.

    The lock is an OS file lock (``fcntl.flock``) on
    ``<folder>/.run.lock``, held until the process ends, however it ends (a
    killed run leaves no stale lock). The file names the holder (process,
    host, start time, command), and a second run into the same folder is
    refused with that name. A process may take the lock of a folder it
    already holds (a program run twice from one Python session).

    Arguments
    ---------
    folder : str
        The output folder (created when missing).

    Example
    -------
    >>> folder = str(getfixture("tmpdir"))
    >>> RunLock(folder).acquire()
    >>> RunLock(folder).acquire()  # the same process: allowed
    >>> sorted(json.load(open(os.path.join(folder, ".run.lock"))))
    ['command', 'host', 'pid', 'started']
    """

    #: locks held by this process: real folder path -> open file descriptor
    _held = {}

    def __init__(self, folder):
        self.folder = os.path.realpath(folder)
        self.path = os.path.join(self.folder, ".run.lock")

    def acquire(self):
        """Takes the lock, or raises RuntimeError naming the running holder."""
        try:
            import fcntl
        except ImportError:  # not POSIX: no locking (documented in the README)
            return
        if self.folder in RunLock._held:
            return
        os.makedirs(self.folder, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = self._describe(fd)
            os.close(fd)
            raise RuntimeError(
                f"another run is writing into {self.folder} ({holder}); wait for it to end "
                "or stop it, or give this run another --output_folder") from None
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps({
            "pid": os.getpid(), "host": socket.gethostname(),
            "started": time.strftime("%Y-%m-%d %H:%M:%S"), "command": " ".join(sys.argv),
        }).encode())
        RunLock._held[self.folder] = fd

    @staticmethod
    def _describe(fd):
        try:
            holder = json.loads(os.pread(fd, 65536, 0).decode() or "{}")
        except (OSError, ValueError):
            holder = {}
        if not holder:
            return "its lock file gives no details"
        return (f"process {holder.get('pid')} on {holder.get('host')}, started "
                f"{holder.get('started')}: {holder.get('command')}")


def check_classifier_unchanged(hparams, classifier, has_checkpoint):
    """Refuses to resume a run with a classifier other than the one it started with.

    The first run writes ``<save_folder>/classifier.json`` (source and
    :func:`classifier_fingerprint`); a run that finds checkpoints there and
    is given another classifier (another ``classifier_source``, or the same
    folder holding other weights) stops with a message instead of resuming
    the old run's interpreter on a new classifier.

    Arguments
    ---------
    hparams : dict
        With ``save_folder`` and ``classifier_source``.
    classifier : torch.nn.Module
        The loaded classifier.
    has_checkpoint : bool
        Whether the run resumes.
    """
    path = os.path.join(hparams["save_folder"], "classifier.json")
    current = {"source": str(hparams["classifier_source"]),
               "fingerprint": classifier_fingerprint(classifier)}
    if has_checkpoint and os.path.isfile(path):
        with open(path, encoding="utf-8") as f:
            previous = json.load(f)
        if previous["fingerprint"] != current["fingerprint"]:
            raise RuntimeError(
                f"{hparams['output_folder']} holds a run started with the classifier "
                f"{previous['source']}, but this run is given {current['source']} (other "
                "weights): its checkpoints belong to the first one. Give this run another "
                "--output_folder, or pass the first classifier to resume")

    def write():
        os.makedirs(hparams["save_folder"], exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            json.dump(current, f, indent=2)

    run_on_main(write)
