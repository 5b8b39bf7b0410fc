"""The harness the programs share: every YAML holds every key its program
reads, a missing key fails at start-up naming the key and the file, the
recipe scripts hold nothing dataset-specific, no recipe relies on a
constructor default that another recipe overrides, and the prepare
scripts' command lines take their defaults from the prepare functions."""

import ast
import collections
import importlib
import inspect
import re

import pytest
import yaml

from helpers import REPO, load_script
from speechbrain_interp.programs.configuration import HparamsError
from speechbrain_interp.programs.overrides import read_plain

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


# --------------------------------------------------------------------------- #
# One source for every number: the constructor defaults the recipes rely on
# --------------------------------------------------------------------------- #

#: a value the YAML computes (a path, an expression, a placeholder, an object)
DERIVED = type("Derived", (), {"__repr__": lambda self: "<derived>"})()


class _Call:
    """A ``!new:``, ``!name:`` or ``!apply:`` node, read without calling anything."""

    def __init__(self, target, args):
        self.target, self.args, self.resolved = target, args, False


class _Ref(str):
    """The text of a ``!ref`` node."""


class _CallReader(yaml.SafeLoader):
    """Reads a recipe YAML's calls, references and plain values (``1e-8`` a number,
    as HyperPyYAML's YAML 1.2 reads it)."""


_CallReader.add_implicit_resolver("tag:yaml.org,2002:float", re.compile(
    r"^[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"), list("-+0123456789"))


def _construct_call(loader, suffix, node):
    if isinstance(node, yaml.MappingNode):
        args = loader.construct_mapping(node, deep=True)
    elif isinstance(node, yaml.SequenceNode):
        args = loader.construct_sequence(node, deep=True)
    else:
        args = [loader.construct_scalar(node)] if loader.construct_scalar(node) else []
    return _Call(suffix, args)


for _tag in ("!new:", "!name:", "!apply:"):
    _CallReader.add_multi_constructor(_tag, _construct_call)
_CallReader.add_constructor("!ref", lambda loader, node: _Ref(loader.construct_scalar(node)))
_CallReader.add_multi_constructor("!", lambda loader, suffix, node: DERIVED)


def _resolve(value, top, depth=0):
    """``!ref <key>`` replaced by the key's value; any other reference is DERIVED."""
    if isinstance(value, _Ref):
        key = re.fullmatch(r"<([\w.]+)>", value.strip())
        if key is None or key.group(1) not in top or depth > 50:
            return DERIVED
        return _resolve(top[key.group(1)], top, depth + 1)
    if isinstance(value, _Call):
        if not value.resolved:
            value.resolved = True
            value.args = _resolve(value.args, top, depth)
        return value
    if isinstance(value, dict):
        return {k: _resolve(v, top, depth) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, top, depth) for v in value]
    return value


def _walk_calls(value, out):
    if isinstance(value, _Call):
        if all(value is not seen for seen in out):
            out.append(value)
            _walk_calls(value.args, out)
    elif isinstance(value, dict):
        for item in value.values():
            _walk_calls(item, out)
    elif isinstance(value, list):
        for item in value:
            _walk_calls(item, out)
    return out


def _callable(dotted):
    parts = dotted.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        try:
            found = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for name in parts[cut:]:
            found = getattr(found, name)
        return found
    raise ImportError(f"{dotted} names nothing importable")


def recipe_calls(path):
    """The project's constructors and functions a YAML calls (``speechbrain_interp.*``),
    each as ``(target, signature, {argument: value the YAML gives})``."""
    with open(path, encoding="utf-8") as fin:
        top = yaml.load(fin, Loader=_CallReader)
    calls = []
    for call in _walk_calls(_resolve(top, top), []):
        if not call.target.startswith("speechbrain_interp."):
            continue  # torch's and SpeechBrain's defaults are not ours to align
        signature = inspect.signature(_callable(call.target))
        given = (dict(call.args) if isinstance(call.args, dict)
                 else dict(signature.bind_partial(*call.args).arguments))
        calls.append((call.target, signature, given))
    return calls


def _plain(value):
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _is_plain(value):
    if isinstance(value, (list, tuple)):
        return all(_is_plain(v) for v in value)
    if isinstance(value, dict):
        return all(_is_plain(v) for v in value.values())
    return value is None or isinstance(value, (bool, int, float, str))


def _same(a, b):
    """Equal as the constructor would see them (a list is its tuple, True is not 1)."""
    a, b = _plain(a), _plain(b)
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return a == b


def default_slips(calls_by_file):
    """Constructor defaults the recipes do not agree with, one message each.

    ``calls_by_file``: ``{yaml name: recipe_calls(yaml)}``. For each class or
    function the YAMLs call and each of its parameters with a code default:

    * a YAML that leaves it out relies on the default, so no other YAML may
      give it another value (it would then be set in one recipe and silently
      defaulted in the next: the slip of ``conditioned``/``lambda_other``,
      set by the SONYC-UST L-MAC YAML and left out by the others);
    * when every YAML gives it, all the same plain value, the code default
      must be that value (otherwise the library and the recipes are two
      sources for the number, and ``LMAC(classifier)`` is not the recipe).

    A value the YAML computes (a path, an object) counts as "another value".
    """
    built, signatures = collections.defaultdict(dict), {}
    for name, calls in calls_by_file.items():
        for target, signature, given in calls:
            built[target].setdefault(name, []).append(given)
            signatures[target] = signature
    slips = []
    for target, by_file in built.items():
        for param in signatures[target].parameters.values():
            if param.default is inspect.Parameter.empty or param.kind in (
                    param.VAR_POSITIONAL, param.VAR_KEYWORD):
                continue
            values = [g[param.name] for gs in by_file.values() for g in gs if param.name in g]
            relying = sorted(name for name, gs in by_file.items()
                             if any(param.name not in g for g in gs))
            overriding = sorted(name for name, gs in by_file.items() if any(
                param.name in g and not (_is_plain(g[param.name])
                                         and _same(g[param.name], param.default)) for g in gs))
            where = f"{target.rsplit('.', 1)[-1]}.{param.name} (code default {param.default!r})"
            if relying and overriding:
                slips.append(f"{where}: {', '.join(relying)} rely on the default, "
                             f"{', '.join(overriding)} set another value")
            elif (not relying and all(_is_plain(v) and _same(v, values[0]) for v in values)
                  and not _same(values[0], param.default)):
                slips.append(f"{where}: every recipe sets {values[0]!r}")
    return slips


def test_no_recipe_relies_on_a_default_another_recipe_overrides():
    """Every constructor argument a recipe YAML leaves out has, in every other recipe
    YAML calling the same constructor, the code default; and no code default differs
    from a value that every recipe sets."""
    calls = {str(path.relative_to(RECIPES)): recipe_calls(path) for path, _ in recipe_yamls()}
    targets = {target for found in calls.values() for target, _, _ in found}
    assert {"speechbrain_interp.interpreters.LMAC", "speechbrain_interp.interpreters.PIQ",
            "speechbrain_interp.models.CNN14"} <= targets
    assert default_slips(calls) == []


def _lmac_yaml(folder, name, **keys):
    """A recipe-like YAML building LMAC with the given keys (each through a !ref)."""
    lines = ["classifier: !apply:speechbrain_interp.inference.load_classifier",
             "    source: /clf"]
    lines += [f"{key}: {value}" for key, value in keys.items()]
    lines += ["interpreter: !new:speechbrain_interp.interpreters.LMAC",
              "    classifier: !ref <classifier>"]
    lines += [f"    {key}: !ref <{key}>" for key in keys]
    path = folder / f"{name}.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_default_rule_flags_the_lmac_slip(tmp_path):
    """The rule catches what issue 27 found: the ESC-50 and UrbanSound8K L-MAC YAMLs
    left out keys the SONYC-UST one sets (conditioned, lambda_other), and a code
    default (cct 0.6) that no recipe used."""
    slipped = {
        "esc50": _lmac_yaml(tmp_path, "esc50", cct=0.0, conditioned=False),
        "us8k": _lmac_yaml(tmp_path, "us8k", cct=0.0),
        "sonyc": _lmac_yaml(tmp_path, "sonyc", cct=0.0, conditioned=True, lambda_other=1.0),
    }
    slips = default_slips({name: recipe_calls(path) for name, path in slipped.items()})
    assert len(slips) == 3, slips
    cct, conditioned, other = slips
    assert cct == "LMAC.cct (code default 0.6): every recipe sets 0.0"
    assert conditioned == ("LMAC.conditioned (code default None): us8k rely on the default, "
                           "esc50, sonyc set another value")
    assert other == ("LMAC.lambda_other (code default 0.0): esc50, us8k rely on the default, "
                     "sonyc set another value")
    fixed = {
        "esc50": _lmac_yaml(tmp_path, "esc50", cct=0.0, conditioned=False, lambda_other=0.0),
        "us8k": _lmac_yaml(tmp_path, "us8k", cct=0.6, conditioned=False, lambda_other=0.0),
        "sonyc": _lmac_yaml(tmp_path, "sonyc", cct=0.0, conditioned=True, lambda_other=1.0),
    }
    assert default_slips({name: recipe_calls(path) for name, path in fixed.items()}) == []


@pytest.mark.parametrize("script", sorted(RECIPES.glob("*/*_prepare.py")), ids=lambda p: p.name)
def test_prepare_command_line_defaults_are_the_functions(script):
    """A prepare script's command line restates no default: left out, each option is
    its prepare function's default (``--no_download`` the negation of ``download``)."""
    cli = load_script(script)
    prepare = next(value for name, value in vars(cli).items()
                   if name.startswith("prepare_") and inspect.isfunction(value))
    args = vars(cli.parse_args(["--data_folder", "d", "--manifest_folder", "m"]))
    compared = []
    for name, param in inspect.signature(prepare).parameters.items():
        if param.default is inspect.Parameter.empty:
            continue
        if name in args:
            given = args[name]
        elif f"no_{name}" in args:
            given = not args[f"no_{name}"]
        else:
            continue
        assert _same(given, param.default), \
            f"{script.name}: {name} defaults to {given!r}, {prepare.__name__} to {param.default!r}"
        compared.append(name)
    assert len(compared) >= 6, compared
