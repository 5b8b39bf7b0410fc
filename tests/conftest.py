"""Shared pytest fixtures.

Real-audio tests find the shared data through one setting: the environment
variable ``SB_INTERP_DATA`` (default: ``../shared/data`` next to the
repository). When it is absent they skip with the reason.
"""

import os
import pathlib

import pytest
import torch

REPO = pathlib.Path(__file__).resolve().parents[1]
SHARED_DATA = pathlib.Path(
    os.environ.get("SB_INTERP_DATA", str(REPO.parent / "shared" / "data"))
)


def shared_dataset(name):
    """Path of a dataset under the shared data folder, or skip the test."""
    path = SHARED_DATA / name
    if not path.is_dir():
        pytest.skip(
            f"shared data {path} not found (set SB_INTERP_DATA to the folder "
            f"holding {name}/)"
        )
    return path


@pytest.fixture(autouse=True)
def _deterministic_torch():
    """Same seed and thread count for every test."""
    torch.manual_seed(0)
    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    yield


@pytest.fixture
def repo_root():
    """The repository root."""
    return REPO


def free_port():
    """A TCP port nobody listens on now (for torchrun's rendezvous)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def torchrun(args, cwd, nproc=2, timeout=300):
    """``torchrun --nproc_per_node=<nproc>`` on a free port; returns the CompletedProcess.

    The processes run in their own session: on timeout the whole group is
    killed, so no worker outlives the test (and keeps a port or a lock).
    """
    import signal
    import subprocess
    import sys

    runner = os.path.join(os.path.dirname(sys.executable), "torchrun")
    cmd = [runner, f"--nproc_per_node={nproc}", f"--master_port={free_port()}", *map(str, args)]
    process = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, start_new_session=True)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
        raise AssertionError(f"torchrun timed out after {timeout} s:\n{stdout[-3000:]}\n{stderr[-3000:]}")
    return subprocess.CompletedProcess(cmd, process.returncode, stdout, stderr)
