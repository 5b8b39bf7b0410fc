"""Shared pytest fixtures. The helpers test files import (paths, shared data,
the tiny classifier, torchrun, an offline hub) are in ``helpers.py``."""

import os

import pytest
import torch

from helpers import REPO, serve_as_hub


@pytest.fixture
def no_network(monkeypatch):
    """Any URL a test opens fails as if offline (``file://`` URLs still open):
    download code is tested without the network."""
    import urllib.error
    import urllib.request

    real_urlopen = urllib.request.urlopen

    def offline(url, *args, **kwargs):
        target = url if isinstance(url, str) else url.full_url
        if target.startswith("file:"):
            return real_urlopen(url, *args, **kwargs)
        raise urllib.error.URLError("network unreachable (blocked in tests)")

    monkeypatch.setattr(urllib.request, "urlopen", offline)


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

@pytest.fixture
def offline_hub(tmp_path, monkeypatch):
    """An offline HuggingFace hub whose cache is a fresh folder; returns a
    function serving a folder as a repo id (see :func:`serve_as_hub`)."""
    import huggingface_hub.constants as hf_constants

    cache = tmp_path / "hf_cache"
    cache.mkdir()
    monkeypatch.setattr(hf_constants, "HF_HUB_CACHE", str(cache))
    monkeypatch.setattr(hf_constants, "HF_HUB_OFFLINE", True)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    return lambda folder, repo_id: serve_as_hub(folder, repo_id, cache)


def pytest_collection_modifyitems(config, items):
    """Tests marked ``cuda`` run only where a CUDA device is present."""
    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs CUDA (torch.cuda.is_available() is False here)")
    for item in items:
        if "cuda" in item.keywords:
            item.add_marker(skip)

