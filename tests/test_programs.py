"""The harness the programs share: every YAML holds every key its program
reads, a missing key fails at start-up naming the key and the file, the
recipe scripts hold nothing dataset-specific."""

import ast
import importlib

import pytest

from conftest import REPO
from speechbrain_interp.programs.harness import HparamsError, read_plain

RECIPES = REPO / "recipes"

#: recipe YAML (glob under recipes/) -> the program that reads it
PROGRAM_OF = {
    "ESC50/classification/hparams/cnn14*.yaml": "classification",
    "UrbanSound8k/classification/hparams/cnn14*.yaml": "classification",
    "UrbanSound8k/interpret/hparams/lmac*.yaml": "interpretation",
    "UrbanSound8k/interpret/hparams/piq*.yaml": "interpretation",
    "UrbanSound8k/interpret/hparams/l2i*.yaml": "interpretation",
    "UrbanSound8k/interpret/hparams/pv*.yaml": "interpretation",
    "UrbanSound8k/interpret/hparams/nmf*.yaml": "nmf_dictionary",
    "UrbanSound8k/interpret/hparams/eval*.yaml": "evaluation",
    "NSynth/classification/hparams/fourier_cnn*.yaml": "classification",
    "SONYC-UST/classification/hparams/cnn14*.yaml": "classification",
    "SONYC-UST/interpret/hparams/lmac*.yaml": "interpretation",
    "SONYC-UST/interpret/hparams/piq*.yaml": "interpretation",
    "SONYC-UST/interpret/hparams/l2i*.yaml": "interpretation",
    "SONYC-UST/interpret/hparams/pv*.yaml": "interpretation",
    "SONYC-UST/interpret/hparams/nmf*.yaml": "nmf_dictionary",
    "SONYC-UST/interpret/hparams/eval*.yaml": "evaluation",
    "ESC50/interpret/hparams/lmac*.yaml": "interpretation",
    "ESC50/interpret/hparams/piq*.yaml": "interpretation",
    "ESC50/interpret/hparams/l2i*.yaml": "interpretation",
    "ESC50/interpret/hparams/pv*.yaml": "interpretation",
    "ESC50/interpret/hparams/nmf*.yaml": "nmf_dictionary",
    "ESC50/interpret/hparams/eval*.yaml": "evaluation",
    "NSynth/rde/hparams/inpainter*.yaml": "inpainting",
    "NSynth/rde/hparams/explain*.yaml": "rde_explain",
}
PLACEHOLDERS = {"data_folder": "/data", "classifier_source": "/clf", "inpainter_source": "/inp",
                "nmf_source": "/nmf", "pretrained_encoder": "/encoder.ckpt"}


def recipe_yamls():
    pairs = [(path, program) for pattern, program in PROGRAM_OF.items()
             for path in sorted(RECIPES.glob(pattern))]
    return pairs


def test_every_recipe_yaml_has_a_program():
    mapped = {path for path, _ in recipe_yamls()}
    assert mapped == set(RECIPES.glob("*/*/hparams/*.yaml"))
    assert len(mapped) == 52  # 49 + the three cnn14_finetune.yaml


def noisy_recipe_yamls():
    """The recipe YAMLs whose program adds WHAM! noise when ``add_wham_noise`` is True."""
    return [(path, program) for path, program in recipe_yamls()
            if "add_wham_noise" in read_plain(str(path), PLACEHOLDERS)]


@pytest.mark.parametrize("path,program", recipe_yamls(), ids=lambda x: getattr(x, "name", x))
def test_yaml_holds_every_key_its_program_reads(path, program):
    module = importlib.import_module(f"speechbrain_interp.programs.{program}")
    plain = read_plain(str(path), PLACEHOLDERS)
    missing = [key for key in module.required_keys(plain) if key not in plain]
    assert missing == [], f"{path.name} lacks {missing} (read by {program})"


@pytest.mark.parametrize("path,program", noisy_recipe_yamls(),
                         ids=lambda x: getattr(x, "name", x))
def test_with_noise_on_the_noise_keys_are_there_or_asked_for(path, program):
    module = importlib.import_module(f"speechbrain_interp.programs.{program}")
    plain = dict(read_plain(str(path), PLACEHOLDERS), add_wham_noise=True)
    missing = [key for key in module.required_keys(plain) if key not in plain]
    if "wham_folder" in plain:
        assert missing == [], f"{path.name} lacks {missing} (read by {program})"
    else:  # a recipe without a noise section: turning noise on asks for its keys, by name
        assert missing[:2] == ["wham_folder", "wham_download"], missing


@pytest.mark.parametrize("script", sorted(RECIPES.glob("*/*/cross_validate.py")),
                         ids=lambda p: p.parts[-3])
def test_cross_validation_keys_where_a_recipe_has_the_program(script):
    """A recipe with cross_validate.py has its keys in cnn14{,_small}.yaml, and its quick mode
    (the last fold) is the YAML's own single split."""
    module = importlib.import_module("speechbrain_interp.programs.cross_validation")
    for name in ("cnn14.yaml", "cnn14_small.yaml"):
        plain = read_plain(str(script.parent / "hparams" / name), PLACEHOLDERS)
        assert [key for key in module.CV_KEYS if key not in plain] == [], name
        assert plain["cv_test_folds"] == plain["cv_folds"]
        assert plain["cv_folds"] == list(range(1, len(plain["cv_folds"]) + 1))
        assert module.fold_split(plain["cv_folds"], plain["cv_folds"][-1]) == {
            key: plain[key] for key in ("train_folds", "valid_folds", "test_folds")}


def test_missing_key_fails_at_start_up_naming_key_and_file(tmp_path):
    """A YAML without a key the program reads stops before any work, naming both."""
    source = RECIPES / "ESC50" / "classification" / "hparams" / "cnn14_small.yaml"
    broken = tmp_path / "no_ckpt_keep.yaml"
    broken.write_text("".join(line for line in source.read_text().splitlines(keepends=True)
                              if not line.startswith("ckpt_keep:")))
    out = tmp_path / "out"
    train = importlib.import_module("speechbrain_interp.programs.classification")
    with pytest.raises(HparamsError) as info:
        train.main([str(broken), "--data_folder", str(tmp_path / "no_data"),
                    "--output_folder", str(out)])
    message = str(info.value)
    assert "'ckpt_keep'" in message and str(broken) in message
    # nothing was prepared or trained (the data folder does not even exist)
    assert not (out / "manifests").exists() and not list((out / "save").iterdir())


def test_missing_noise_key_is_named_only_when_noise_is_on(tmp_path):
    source = RECIPES / "ESC50" / "interpret" / "hparams" / "lmac_small.yaml"
    plain = read_plain(str(source), PLACEHOLDERS)
    del plain["wham_snr_low"]
    module = importlib.import_module("speechbrain_interp.programs.interpretation")
    assert "wham_snr_low" not in module.required_keys(dict(plain, add_wham_noise=False))
    assert "wham_snr_low" in module.required_keys(dict(plain, add_wham_noise=True))


@pytest.mark.parametrize("script", sorted(
    p for p in RECIPES.glob("*/*/*.py")), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_recipe_scripts_hold_nothing_dataset_specific(script):
    """A training script imports only its program: the YAML names the dataset."""
    tree = ast.parse(script.read_text())
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                 for alias in node.names}
    programs = imported - {"sys"}
    assert len(programs) == 1 and next(iter(programs)).startswith("speechbrain_interp.programs."), \
        programs
