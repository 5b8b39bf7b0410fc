"""The recipe YAML files load, build their models and agree on their keys."""

import pytest
import torch
from hyperpyyaml import load_hyperpyyaml

from helpers import REPO

HPARAMS = REPO / "recipes" / "ESC50" / "classification" / "hparams"


def _load(name, tmp_path):
    with open(HPARAMS / name) as f:
        return load_hyperpyyaml(
            f, {"data_folder": str(tmp_path), "output_folder": str(tmp_path / "out")}
        )


def test_full_config_is_standard_cnn14_with_paper_defaults(tmp_path):
    from speechbrain.lobes.models.Cnn14 import Cnn14

    hp = _load("cnn14.yaml", tmp_path)
    ours = sum(p.numel() for p in hp["embedding_model"].parameters())
    assert ours == sum(p.numel() for p in Cnn14(mel_bins=80, emb_dim=2048).parameters())
    assert hp["classifier"].n_classes == 50 and hp["classifier"].rep_channels[0] == 2048
    fe = hp["frontend"]
    assert (fe.sample_rate, fe.n_fft, fe.hop_samples, fe.n_mels) == (16000, 1024, 186, 80)
    assert (hp["batch_size"], hp["lr"], hp["number_of_epochs"]) == (32, 0.001, 200)


def test_small_config_has_the_same_keys_and_a_narrow_model(tmp_path):
    full, small = _load("cnn14.yaml", tmp_path), _load("cnn14_small.yaml", tmp_path)
    assert set(small) <= set(full)
    assert set(full) == set(small)
    n_small = sum(p.numel() for p in small["classifier"].parameters())
    n_full = sum(p.numel() for p in full["classifier"].parameters())
    assert n_small < n_full / 10
    with torch.no_grad():
        out = small["classifier"].eval()(wave=torch.randn(2, 16000))
    assert out.logits.shape == (2, 10)


@pytest.mark.parametrize("name", ["cnn14.yaml", "cnn14_small.yaml"])
def test_data_folder_is_required(name):
    with open(HPARAMS / name) as f, pytest.raises(Exception, match="data_folder"):
        load_hyperpyyaml(f)
