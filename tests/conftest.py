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
