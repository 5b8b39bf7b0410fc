"""Schedules that learn (issue 26): every classifier YAML's learning rate over its first
epochs, from scratch, and the refusal of a fine-tuning schedule without a pretrained encoder."""

import pathlib

import pytest
from hyperpyyaml import load_hyperpyyaml

from speechbrain_interp.schedules import (
    FLOOR, WITHIN_EPOCHS, ScheduleError, check_schedule, epoch_learning_rates,
)

REPO = pathlib.Path(__file__).resolve().parents[1]
CONFIGS = sorted(REPO.glob("recipes/*/classification/hparams/*.yaml"))


def _load(path, **overrides):
    with open(path) as f:
        return load_hyperpyyaml(f, {"data_folder": "/nonexistent", **overrides})


def test_every_classifier_yaml_is_found():
    names = {f"{p.parts[-4]}/{p.name}" for p in CONFIGS}
    assert {"ESC50/cnn14.yaml", "ESC50/cnn14_finetune.yaml", "UrbanSound8k/cnn14.yaml",
            "SONYC-UST/cnn14.yaml", "NSynth/fourier_cnn.yaml"} <= names


@pytest.mark.parametrize("path", [p for p in CONFIGS if "finetune" not in p.name],
                         ids=lambda p: f"{p.parts[-4]}/{p.name}")
def test_from_scratch_configurations_learn(path):
    """A 1200-clip training set: the rate reaches the floor within the first epochs."""
    hp = _load(path)
    assert hp["pretrained_encoder"] is None
    rates = check_schedule(hp["lr_scheduler"], hp["lr"], 1200, hp["batch_size"])
    assert max(rates) >= FLOOR and len(rates) == WITHIN_EPOCHS


@pytest.mark.parametrize("path", [p for p in CONFIGS if "finetune" in p.name],
                         ids=lambda p: f"{p.parts[-4]}/{p.name}")
def test_fine_tuning_configurations_need_a_pretrained_encoder(path):
    with pytest.raises(Exception, match="pretrained_encoder"):
        _load(path)  # a !PLACEHOLDER: named
    hp = _load(path, pretrained_encoder="cnn14.ckpt")
    rates = epoch_learning_rates(hp["lr_scheduler"], hp["lr"], 38, WITHIN_EPOCHS)
    assert max(rates) < FLOOR  # the very schedule that cannot train from scratch ...
    with pytest.raises(ScheduleError, match="stays below .* no pretrained_encoder"):
        check_schedule(hp["lr_scheduler"], hp["lr"], 1200, hp["batch_size"])
    check_schedule(hp["lr_scheduler"], hp["lr"], 1200, hp["batch_size"], "cnn14.ckpt")


def test_the_schedule_is_simulated_on_a_copy():
    hp = _load(REPO / "recipes/ESC50/classification/hparams/cnn14_finetune.yaml",
               pretrained_encoder="x.ckpt")
    scheduler = hp["lr_scheduler"]
    before = dict(vars(scheduler))
    first = epoch_learning_rates(scheduler, hp["lr"], 38, 3)
    assert dict(vars(scheduler)) == before
    assert epoch_learning_rates(scheduler, hp["lr"], 38, 3) == first
    # hand check of the cyclic rate after 38 steps: 1e-8 + (2e-4 - 1e-8) * 38 / 65000
    assert first[0] == pytest.approx(1e-8 + (2e-4 - 1e-8) * 38 / 65000, rel=1e-6)
