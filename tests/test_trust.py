"""Trust what a user is told (issue 25): loading and exporting folders one did not write.

Each case first builds the bad input a user could receive (a pretrained
folder whose ``hyperparams.yaml`` runs a command, names files of this
machine, lacks a key, does not parse, has other labels; a training run's
folder given as the source), then checks what loading, the command line and
the export program now say and do.
"""

import logging
import os
import shutil

import numpy as np
import pytest
import soundfile
from speechbrain.dataio.encoder import CategoricalEncoder

from helpers import tiny_classifier
from speechbrain_interp.inference import (
    AudioInterpreter, SoundClassifier, load_classifier, load_interpreter,
)  # fmt: skip
from speechbrain_interp.trust import (
    HyperparamsError, UntrustedCodeError, check_hyperparams, target_problem,
)  # fmt: skip
from speechbrain_interp.interpreters import LMAC
from speechbrain_interp.pretrained import PretrainedFileError, write_classifier, write_interpreter
from speechbrain_interp.programs.cli import main
from speechbrain_interp.programs.export import export_folder

SETTINGS = {"window_s": 1.0, "hop_s": 0.5, "batch_size": 4, "top_k": 2,
            "normalize_windows": True}
LABELS = [f"class{i}" for i in range(6)]


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """A tiny classifier folder and an L-MAC folder of it, as training runs write them."""
    root = tmp_path_factory.mktemp("trust")
    clf = tiny_classifier(len(LABELS), n_mels=40, seed=0).eval()
    encoder = CategoricalEncoder()
    encoder.update_from_iterable(LABELS)
    write_classifier(str(root / "clf"), clf, encoder, SETTINGS)
    write_interpreter(str(root / "lmac"), LMAC(clf, decoder_width=8).eval(), encoder, SETTINGS)
    soundfile.write(str(root / "clip.wav"),
                    (0.1 * np.random.default_rng(0).standard_normal(16000)).astype("float32"),
                    16000)
    return root


def _copy(folders, name, tmp_path):
    target = tmp_path / name
    shutil.copytree(folders / name, target)
    return target


def _append(folder, text):
    with open(folder / "hyperparams.yaml", "a", encoding="utf-8") as f:
        f.write(text)


# ---------------------------------------------------- 1. code in hyperparams.yaml


def test_the_projects_own_folders_pass_the_check(folders, caplog):
    for name in ("clf", "lmac"):
        assert check_hyperparams(str(folders / name / "hyperparams.yaml")).findings == []
    assert "trust_remote_code" not in caplog.text  # written without a warning


def test_every_class_a_folder_can_hold_is_allowed():
    """Every class the folders rebuild (``Recorded``) is on the allow-list, and so are the hooks."""
    import speechbrain_interp.interpreters  # noqa: F401  (registers every interpreter class)
    import speechbrain_interp.models  # noqa: F401
    import speechbrain_interp.interpreters.l2i.nmf  # noqa: F401
    from speechbrain_interp.recorded import Recorded

    pending, classes = list(Recorded.__subclasses__()), []
    while pending:
        cls = pending.pop()
        classes.append(cls)
        pending.extend(cls.__subclasses__())
    own = [c for c in classes if c.__module__.startswith("speechbrain_interp.")]
    assert len(own) >= 10
    for cls in own:
        assert target_problem("!new:", f"{cls.__module__}.{cls.__qualname__}") is None, cls
    for hook in ("load_strict", "load_labels", "load_interpreter_state"):
        assert target_problem("!name:", f"speechbrain_interp.pretrained.{hook}") is None
    assert target_problem("!apply:", "speechbrain_interp.inference.load_classifier") is None
    assert "outside the allow-list" in target_problem("!apply:", "torch.hub.load")
    assert "outside the allow-list" in target_problem(
        "!new:", "speechbrain_interp.brains.checkpoints.AtomicCheckpointer")


def test_a_folder_that_runs_a_command_is_refused_until_trusted(folders, tmp_path, capsys, caplog):
    folder = _copy(folders, "clf", tmp_path)
    marker = tmp_path / "pwned"
    _append(folder, f'\nsurprise: !apply:os.system ["touch {marker}"]\n')
    with pytest.raises(UntrustedCodeError, match=r"hyperparams.yaml would run code(.|\n)*"
                                                 r"key surprise: !apply:os.system(.|\n)*"
                                                 r"trust_remote_code=True"):
        SoundClassifier.from_hparams(str(folder))
    with pytest.raises(UntrustedCodeError):
        load_classifier(str(folder))
    assert main(["classify", "--source", str(folder), str(folders / "clip.wav"),
                 "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "!apply:os.system" in err and "--trust_remote_code" in err and "Traceback" not in err
    assert not marker.exists()  # nothing of the file ran
    assert main(["classify", "--source", str(folder), str(folders / "clip.wav"),
                 "--out", str(tmp_path / "out"), "--trust_remote_code"]) == 0
    assert marker.exists()  # trusted: it runs, with a warning naming it
    assert "trust_remote_code: loading" in caplog.text and "os.system" in caplog.text


HIDDEN = {
    "tag handle": ("%TAG !x! !apply:\n---\n", 'surprise: !x!os.system ["touch {m}"]\n'),
    "verbatim tag": ("", 'surprise: !<!apply:os.system> ["touch {m}"]\n'),
    "escaped tag": ("", 'surprise: !apply%3Aos.system ["touch {m}"]\n'),
    "python tag": ("", 'surprise: !!python/object/apply:os.system ["touch {m}"]\n'),
    "module attribute": ("", 'surprise: !apply:speechbrain_interp.pretrained.os.system '
                             '["touch {m}"]\n'),
    "applyref": ("", 'surprise: !applyref:os.system ["touch {m}"]\n'),
    "plain tuple": ("", 'surprise: (!!python/object/apply:os.system ["touch {m}"], 1)\n'),
    "tuple tag": ("", "surprise: !tuple '(!!python/object/apply:os.system [\"touch {m}\"], 1)'\n"),
    "quoted tuple": ("", "surprise: '(!!python/object/apply:os.system [\"touch {m}\"], 1)'\n"),
    "tuple from two strings": ("", 'part1: "(!!python/object/apply:os.system"\n'
                                   "part2: '[\"touch {m}\"], 1)'\nsurprise: !ref <part1> <part2>\n"),
}


@pytest.mark.parametrize("case", sorted(HIDDEN))
def test_a_hidden_command_is_refused_too(folders, tmp_path, case):
    """Quoting, tag handles, attribute paths and HyperPyYAML tuples do not fool the check."""
    folder = _copy(folders, "lmac", tmp_path)
    marker = tmp_path / "pwned"
    head, line = HIDDEN[case]
    text = (folder / "hyperparams.yaml").read_text()
    (folder / "hyperparams.yaml").write_text(head + text + "\n" + line.format(m=marker))
    with pytest.raises(UntrustedCodeError, match="key surprise"):
        AudioInterpreter.from_hparams(str(folder))
    with pytest.raises(UntrustedCodeError):
        load_interpreter(str(folder))
    assert not marker.exists()


def test_export_never_runs_an_untrusted_file(folders, tmp_path, capsys):
    source = _copy(folders, "clf", tmp_path)
    marker = tmp_path / "pwned"
    _append(source, f'\nsurprise: !apply:os.system ["touch {marker}"]\n')
    out = tmp_path / "upload"
    assert main(["export", str(source), str(out)]) == 2
    err = capsys.readouterr().err
    assert "!apply:os.system" in err and "--trust_remote_code" in err
    assert not marker.exists() and not out.exists()
    assert main(["export", str(source), str(out), "--trust_remote_code"]) == 0
    assert marker.exists() and (out / "hyperparams.yaml").is_file()


# ------------------------------------------ 2. pretrainer paths to local files


@pytest.mark.parametrize("where", ["absolute", "relative"])
def test_export_refuses_pretrainer_paths_to_files_of_this_machine(folders, tmp_path, where):
    source = _copy(folders, "clf", tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (source / "classifier.ckpt").rename(elsewhere / "classifier.ckpt")
    path = str(elsewhere / "classifier.ckpt") if where == "absolute" else \
        os.path.relpath(elsewhere / "classifier.ckpt")
    text = (source / "hyperparams.yaml").read_text()
    (source / "hyperparams.yaml").write_text(text.replace(
        "    custom_hooks:", f"    paths:\n        classifier: {path}\n    custom_hooks:"))
    SoundClassifier.from_hparams(str(source))  # it loads here: the trap
    out = tmp_path / "upload"
    out.mkdir()  # an empty folder that existed before stays as it was
    with pytest.raises(ValueError, match=f"pretrainer: paths: classifier: {path} is a file of "
                                         "this machine"):
        export_folder(source, out)
    assert list(out.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clf", "elsewhere", "upload"]


def test_a_refused_export_leaves_nothing_behind(folders, tmp_path):
    """A check that fails after the copy began (here: the model card names this machine)."""
    source = _copy(folders, "clf", tmp_path)
    (source / "README.md").write_text(f"trained in {os.getcwd()}\n")
    out = tmp_path / "new" / "deeper" / "upload"
    with pytest.raises(ValueError, match="a path of this machine"):
        export_folder(source, out)
    assert not (tmp_path / "new").exists()
    existing = tmp_path / "existing"
    existing.mkdir()
    with pytest.raises(ValueError, match="a path of this machine"):
        export_folder(source, existing)
    assert list(existing.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clf", "existing"]


# --------------------------------------------------------------- 3 to 6: messages


def test_a_folder_without_pretrainer_names_the_file_and_the_key(folders, tmp_path):
    folder = _copy(folders, "clf", tmp_path)
    text = (folder / "hyperparams.yaml").read_text()
    (folder / "hyperparams.yaml").write_text(text[: text.index("pretrainer:")])
    with pytest.raises(HyperparamsError, match=r"clf/hyperparams.yaml lacks the `pretrainer` key"):
        SoundClassifier.from_hparams(str(folder))


def test_a_yaml_syntax_error_is_one_paragraph_with_line_and_column(folders, tmp_path, capsys):
    folder = _copy(folders, "clf", tmp_path)
    lines = (folder / "hyperparams.yaml").read_text().splitlines()
    number = next(i for i, line in enumerate(lines) if line.startswith("hop_s:"))
    lines[number] = "hop_s: 0.5: 1"
    (folder / "hyperparams.yaml").write_text("\n".join(lines) + "\n")
    where = f"hyperparams.yaml, line {number + 1}, column 11: YAML syntax error"
    with pytest.raises(HyperparamsError, match=where):
        SoundClassifier.from_hparams(str(folder))
    assert main(["classify", "--source", str(folder), str(folders / "clip.wav"),
                 "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert where in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_label_mismatch_says_how_the_labels_differ(folders, tmp_path):
    folder = _copy(folders, "clf", tmp_path)
    text = (folder / "hyperparams.yaml").read_text()
    (folder / "hyperparams.yaml").write_text(text.replace('"class4"', '"class4b"'))
    with pytest.raises(PretrainedFileError, match=r"only in label_encoder.ckpt: 'class4'; only in "
                                                  r"hyperparams.yaml: 'class4b'; first difference "
                                                  r"at position 4"):
        SoundClassifier.from_hparams(str(folder))
    (folder / "hyperparams.yaml").write_text(text.replace('"class1", "class2"', '"class2", "class1"'))
    with pytest.raises(PretrainedFileError, match="the same 6 labels in another order; first "
                                                  "difference at position 1"):
        SoundClassifier.from_hparams(str(folder))
    interpreter = AudioInterpreter.from_hparams(str(folders / "lmac"))
    other = SoundClassifier.from_hparams(str(folders / "clf")).classifier
    other.label_encoder = CategoricalEncoder()
    other.label_encoder.update_from_iterable(LABELS[:5] + ["dog"])
    with pytest.raises(ValueError, match="only in that classifier: 'dog'; only in this "
                                         "interpreter: 'class5'; first difference at position 5"):
        interpreter.use_classifier(other, "other")


def test_a_training_run_folder_stands_for_its_pretrained_folder(folders, tmp_path, caplog):
    run = tmp_path / "run"
    shutil.copytree(folders / "clf", run / "pretrained")
    (run / "hyperparams.yaml").write_text("seed: 1\nnumber_of_epochs: 2\n")  # the recipe's copy
    with caplog.at_level(logging.INFO):
        loaded = SoundClassifier.from_hparams(str(run))
    assert loaded.labels == LABELS
    assert "training run's output folder" in caplog.text and str(run / "pretrained") in caplog.text
