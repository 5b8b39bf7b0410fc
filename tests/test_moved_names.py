"""Pretrained folders exported before the method packages (issue 27) still load.

The folders under ``tests/fixtures/exported_before_issue27`` were written by the
code of commit a46efb8; their ``hyperparams.yaml`` files name the classes
where they lived then. Each must load through ``from_hparams`` and explain
the seeded clip exactly as it did then (``figures.json``).
"""

import importlib
import json
import shutil

import pytest
import torch

from helpers import REPO

FIXTURES = REPO / "tests" / "fixtures" / "exported_before_issue27"
FIGURES = json.loads((FIXTURES / "figures.json").read_text())


def _folder(name, tmp_path):
    """The exported folder ``name``, with the classifier files it shared with the others."""
    folder = tmp_path / name
    shutil.copytree(FIXTURES / name, folder)
    for path in (FIXTURES / "shared").iterdir():
        shutil.copy(path, folder / path.name)
    return folder


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_folder_exported_before_the_move_loads_and_explains_the_same(name, tmp_path):
    from speechbrain_interp.inference import AudioInterpreter

    folder = _folder(name, tmp_path)
    old = FIGURES[name]["class"]
    assert f"!new:{old}" in (folder / "hyperparams.yaml").read_text()
    interp = AudioInterpreter.from_hparams(str(folder))
    module, _, cls = old.rpartition(".")
    assert type(interp.interpreter) is getattr(importlib.import_module(module), cls)

    wave = 0.1 * torch.randn(1, 16000, generator=torch.Generator().manual_seed(3))
    res = interp.interpret_batch(wave)
    expected = FIGURES[name]
    mask = res.mask.float()
    assert int(res.label[0]) == expected["label"]
    assert list(mask.shape) == expected["mask_shape"]
    torch.testing.assert_close(res.probabilities[0], torch.tensor(expected["probabilities"]),
                               atol=2e-6, rtol=0)
    assert float(mask.mean()) == pytest.approx(expected["mask_mean"], abs=2e-6)
    torch.testing.assert_close(mask[0].sum(1)[::10], torch.tensor(expected["mask_sum_over_frames"]),
                               atol=1e-4, rtol=1e-5)
    if expected["base_magnitude_mean"] is not None:
        assert float(res.base_magnitude.mean()) == pytest.approx(expected["base_magnitude_mean"],
                                                                  rel=1e-5)


def test_old_module_names_are_the_new_modules_objects():
    """An old dotted name gives the very class of its new home (``isinstance`` holds)."""
    from speechbrain_interp.moved import MOVED_MODULES

    for old, new in MOVED_MODULES.items():
        old_module, new_module = importlib.import_module(old), importlib.import_module(new)
        public = [n for n in dir(new_module) if not n.startswith("_")]
        assert public, new
        for attr in public:
            assert getattr(old_module, attr) is getattr(new_module, attr), (old, attr)
