"""The export program: a training run as an upload-ready pretrained folder.

Training programs call :func:`export_run_folder` after testing: the run's
``<output_folder>/pretrained/`` then holds ``hyperparams.yaml``, the
checkpoints, the label file, a model card (``README.md``: data, test
figures, usage) and ``example.wav`` (a test clip), and loads with
``from_hparams`` from anywhere (:mod:`speechbrain_interp.inference`).

The command copies such a folder elsewhere, optionally referencing the
classifier on the hub instead of copying it, checks that nothing in it
points at this machine, and checks that the copy loads and gives the
run's own outputs on its example:

    python -m speechbrain_interp export results/lmac_small/1234 hub/lmac-esc50 \\
        [--classifier_repo owner/cnn14-esc50] [--trust_remote_code]

Before anything of the source is loaded, its ``hyperparams.yaml`` is
checked (:mod:`speechbrain_interp.trust`): one that would run
code outside the allow-list is refused unless ``--trust_remote_code``, and
``pretrainer: paths:`` naming files of this machine (absolute or relative
paths, which SpeechBrain reads from the working directory) are refused,
naming the key and the path. A refused export leaves nothing behind: the
copy is made in a hidden folder beside ``out`` and moved into place only
once every check passed.

Authors
 * speechbrain-interp developers 2026
"""

import argparse
import json
import os
import shutil
import sys
import tempfile

import torch
from speechbrain.dataio import audio_io
from speechbrain.utils.logger import get_logger

from speechbrain_interp.inference import AudioInterpreter, SoundClassifier
from speechbrain_interp.inference.loading import read_kind
from speechbrain_interp.sources import looks_local
from speechbrain_interp.trust import check_hyperparams
from speechbrain_interp.pretrained import is_adapted, write_classifier, write_interpreter

logger = get_logger(__name__)

__all__ = ["INFERENCE_KEYS", "check_portable", "check_pretrainer_paths", "export_folder",
           "export_run_folder", "main", "model_card"]

#: the keys of a recipe YAML's ``inference`` block (written to the exported folder)
INFERENCE_KEYS = ("window_s", "hop_s", "batch_size", "top_k", "normalize_windows")
#: figures of a test report shown in a model card, in this order when present
CARD_METRICS = ("accuracy", "error", "AI", "AD", "AG", "FF", "Fid-In", "SPS", "COMP", "loss")


def _inference_settings(hparams):
    block = hparams["inference"]
    missing = [k for k in INFERENCE_KEYS if k not in (block or {})]
    if missing:
        raise KeyError(f"the YAML's inference block lacks {missing} (needed by the export)")
    return {k: block[k] for k in INFERENCE_KEYS}


def _data_description(hparams):
    """The prepare function and its non-path arguments (no path of this machine)."""
    prepare = hparams["prepare_data"]
    func = getattr(prepare, "func", prepare)
    name = f"{getattr(func, '__module__', '?')}.{getattr(func, '__name__', repr(func))}"
    args = {k: v for k, v in (getattr(prepare, "keywords", None) or {}).items()
            if not (isinstance(v, str) and (os.sep in v or v.startswith(".")))}
    return name, args


def model_card(kind, name, labels, method, data, stats, n_test, usage_source,
               classifier_accuracy=None, any_class=True, adapted_from=None):
    """The ``README.md`` of a pretrained folder (HuggingFace model card).

    ``any_class``: whether the interpreter explains a class other than the
    decision (the card says how to ask for one, or how to train one that can).
    ``adapted_from``: ``(family, repo id or None)`` of a classifier of another
    toolkit that the folder references instead of holding.

    Example
    -------
    >>> card = model_card("interpreter", "lmac_small", ["dog", "rain"], "LMAC",
    ...                   ("mod.prepare", {"test_folds": [5]}), {"AI": 12.5}, 8, "owner/repo")
    >>> "| AI | 12.5 |" in card, "AudioInterpreter.from_hparams" in card, "--label rain" in card
    (True, True, True)
    """
    lines = ["---", "library_name: speechbrain", "tags:", "- audio-classification",
             "- speechbrain-interp"]
    if kind == "interpreter":
        lines.append("- interpretability")
    lines += ["---", "", f"# {name}: {method + ' interpreter' if method else 'sound classifier'}"
              " (speechbrain-interp)", ""]
    if kind == "interpreter" and adapted_from is not None:
        family, repo = adapted_from
        where = f"[{repo}](https://huggingface.co/{repo})" if repo else "named by `classifier_source`"
        lines += [f"Explains the decisions of the {family} classifier {where} with {method}: for "
                  "a recording, a mask on its spectrogram, the part of the audio that drove the "
                  "decision as a wav, and the decision over time. The classifier is not copied "
                  "here: it is loaded from its source (`classifier_source` in hyperparams.yaml; "
                  "`classifier_source=...` / `--classifier_source` loads another copy).", ""]
    elif kind == "interpreter":
        lines += [f"Explains the decisions of the sound classifier in this folder with {method}: "
                  "for a recording, a mask on its spectrogram, the part of the audio that drove "
                  "the decision as a wav, and the decision over time.", ""]
        if classifier_accuracy is not None:
            lines += [f"The classifier's test accuracy (its own run): {100 * classifier_accuracy:.1f} %.",
                      ""]
    else:
        lines += [f"Classifies sounds into {len(labels)} classes.", ""]
    lines += ["## Classes", "", ", ".join(labels), "", "## Data", "",
              f"Prepared by `{data[0]}` with {json.dumps(data[1])}.", "",
              f"## Test figures ({n_test} clips)" if n_test else "## Test figures", ""]
    shown = [(k, stats[k]) for k in CARD_METRICS if k in stats]
    shown += [(k, v) for k, v in stats.items() if k not in CARD_METRICS]
    if shown:
        lines += ["| figure | value |", "|---|---|"]
        lines += [f"| {k} | {v:.4g} |" if isinstance(v, float) else f"| {k} | {v} |"
                  for k, v in shown]
    else:
        lines.append("No test set was given to the training run.")
    if kind == "interpreter":
        lines += ["", "AI, AD, AG: average increase, drop and gain of the explained class's "
                  "probability when the classifier hears only the masked-in part (%); FF: "
                  "faithfulness (drop when it is masked out). See the L-MAC paper."]
    cls, verb = (("AudioInterpreter", "interpret_file") if kind == "interpreter"
                 else ("SoundClassifier", "classify_file"))
    lines += ["", "## Usage", "", "```python", f"from speechbrain_interp.inference import {cls}",
              f'model = {cls}.from_hparams(source="{usage_source}", savedir="pretrained_models/{name}")',
              f'out = model.{verb}("example.wav")', "```", "", "```bash",
              f"sb-interp {'explain' if kind == 'interpreter' else 'classify'} --source "
              f"{usage_source} example.wav --out outputs/", "```", ""]
    if kind == "interpreter":
        other = labels[-1]
        lines += ["## Explaining another class", ""]
        if any_class:
            lines += ["Ask why the clip could be another class than the decision (\"why not a "
                      f"{other}?\"): `model.{verb}(\"example.wav\", label=\"{other}\")` or "
                      f"`sb-interp explain --source {usage_source} example.wav --label {other}`. "
                      "`label` is a class name or an index; the interpretation is of that "
                      "class (`result.json` says `explained`).", ""]
        else:
            lines += ["This interpreter explains the classifier's decision only (its decoder is "
                      "not told a class): `label` / `--label` other than the decision is "
                      "refused. To explain any class, train a class-conditioned L-MAC "
                      "(`--conditioned True --other_class_prob 0.5`) or use a method that "
                      "takes a class: `sb-interp explain --source <classifier folder> "
                      f"--method gradcam example.wav --label {other}`.", ""]
    lines += ["Loading builds what `hyperparams.yaml` names (HyperPyYAML). speechbrain-interp "
              "refuses a file that builds or calls anything outside its allow-list unless "
              "`trust_remote_code=True` (`--trust_remote_code`); this folder needs no such "
              "trust.", ""]
    return "\n".join(lines)


def _write_example(folder, wave, sample_rate):
    audio_io.save(os.path.join(folder, "example.wav"), wave.detach().cpu().reshape(1, -1),
                  int(sample_rate))


def export_run_folder(hparams, kind, model, label_encoder, stats, example_wave, n_test=0):
    """Writes ``<output_folder>/pretrained/`` at the end of a training run.

    Arguments
    ---------
    hparams : dict
        The run's hyperparameters (``output_folder``, ``experiment_name``,
        ``prepare_data``, ``inference``).
    kind : str
        ``"classifier"`` or ``"interpreter"``.
    model : torch.nn.Module
        The trained classifier or interpreter (best checkpoint loaded).
    label_encoder : speechbrain.dataio.encoder.CategoricalEncoder
    stats : dict
        Test figures (name -> float) for the model card.
    example_wave : torch.Tensor or None
        ``[N]`` a test clip at the model's rate (``example.wav``).
    n_test : int
        Number of test clips.

    Returns
    -------
    str
        The folder.
    """
    folder = os.path.join(hparams["output_folder"], "pretrained")
    settings = _inference_settings(hparams)
    adapted_from = None
    name = hparams["experiment_name"]
    stats = {k: float(v) for k, v in (stats or {}).items() if isinstance(v, (int, float))}
    accuracy = None
    if kind == "classifier":
        settings["test_accuracy"] = stats.get("accuracy")  # shown by its interpreters' cards
        write_classifier(folder, model, label_encoder, settings, title=f"{name}: sound classifier")
        method, sample_rate = None, model.sample_rate
    else:
        accuracy = (getattr(model.classifier, "hparams", None) or {}).get("test_accuracy")
        method = type(model).__name__
        if is_adapted(model.classifier):
            source = model.classifier.source
            adapted_from = (model.classifier.family, None if looks_local(source) else source)
        write_interpreter(folder, model, label_encoder, settings,
                          title=f"{name}: {method} interpreter")
        sample_rate = model.classifier.sample_rate
    labels = [label_encoder.ind2lab[i] for i in range(len(label_encoder))]
    card = model_card(kind, name, labels, method, _data_description(hparams), stats, n_test,
                      "<this folder or its hub repo id>", classifier_accuracy=accuracy,
                      any_class=kind == "classifier" or model.explains_any_class,
                      adapted_from=adapted_from)
    with open(os.path.join(folder, "README.md"), "w", encoding="utf-8") as f:
        f.write(card)
    if example_wave is not None:
        _write_example(folder, example_wave, sample_rate)
    logger.info("pretrained %s exported to %s", kind, folder)
    return folder


def check_portable(folder, forbidden=()):
    """Refuses a folder whose text files name paths of this machine.

    Looks for the given strings, the home folder and the working directory
    in ``hyperparams.yaml`` and ``README.md``.
    """
    needles = {os.path.expanduser("~"), os.getcwd(), *forbidden} - {"", "/"}
    for name in ("hyperparams.yaml", "README.md"):
        path = os.path.join(folder, name)
        if not os.path.isfile(path):
            continue
        text = open(path, encoding="utf-8").read()
        for needle in needles:
            if needle in text:
                raise ValueError(f"{path} names {needle}, a path of this machine: the folder "
                                 "would not load elsewhere")


def check_pretrainer_paths(yaml_path, paths):
    """Refuses ``pretrainer: paths:`` that name files of this machine.

    SpeechBrain's ``Pretrainer`` reads a path ``a/b/file.ckpt`` from the
    source ``a/b``: a HuggingFace repository id (``owner/name``) or a URL
    is fetched anywhere, but an absolute path, a relative one (read from
    the working directory, not from the folder) or a bare file name is a
    file of this machine, and the folder stops loading once it moves.

    Arguments
    ---------
    yaml_path : str
        The file (for the message).
    paths : dict
        Loadable name -> path, as :func:`~speechbrain_interp.trust.check_hyperparams`
        reads them.

    Example
    -------
    >>> check_pretrainer_paths("hyperparams.yaml", {"classifier": "me/cnn14/classifier.ckpt"})
    >>> check_pretrainer_paths("hyperparams.yaml", {"classifier": "/data/run/classifier.ckpt"})
    Traceback (most recent call last):
    ...
    ValueError: hyperparams.yaml: pretrainer: paths: classifier: /data/run/classifier.ckpt is a file of this machine ...
    """
    for name, path in paths.items():
        text = str(path)
        if text.startswith(("https://", "http://")):
            continue
        source = text.rsplit("/", 1)[0] if "/" in text else "."
        if looks_local(source):
            file = os.path.basename(text) or "<file>"
            raise ValueError(
                f"{yaml_path}: pretrainer: paths: {name}: {text} is a file of this machine (the "
                "Pretrainer reads it from there, not from the folder), so the exported folder "
                "would not load once moved or uploaded. Copy the file into the folder and drop "
                f"the path (files of the folder need none), or point at a HuggingFace repository "
                f"that holds it (owner/name/{file})")


def _make_folders(folder):
    """Creates ``folder`` and its missing parents; returns the ones it created, outermost first."""
    created = []
    folder = os.path.abspath(folder)
    while not os.path.isdir(folder):
        created.append(folder)
        folder = os.path.dirname(folder)
    for path in reversed(created):
        os.mkdir(path)
    return list(reversed(created))


def _publish(stage, out):
    """Moves the checked copy into place (``out`` is new or an empty folder)."""
    if os.path.isdir(out):
        for name in os.listdir(stage):
            os.replace(os.path.join(stage, name), os.path.join(out, name))
        os.rmdir(stage)
    else:
        os.rename(stage, out)


def export_folder(source, out, classifier_repo=None, repo_id=None, trust_remote_code=False):
    """Copies a pretrained folder (or a run's) to ``out``, upload-ready and checked.

    Arguments
    ---------
    source : str
        A run's output folder or a pretrained folder.
    out : str
        Destination (must not exist, or be empty).
    classifier_repo : str, optional
        Interpreters: reference the classifier in this hub repo instead of
        copying its files.
    repo_id : str, optional
        The hub repository the folder is meant for (used in the model card's
        usage snippet).
    trust_remote_code : bool
        Export a folder whose ``hyperparams.yaml`` runs code outside the
        allow-list (:mod:`speechbrain_interp.trust`; it is loaded
        to check the copy). Default: refuse it before loading anything.

    Returns
    -------
    str
        ``out``.

    Raises
    ------
    speechbrain_interp.trust.UntrustedCodeError
        The source would run code outside the allow-list (without
        ``trust_remote_code``).
    ValueError
        ``pretrainer: paths:`` or a text file naming files of this machine,
        or a YAML error (naming the file, line and key).
    FileExistsError
        ``out`` exists and is not an empty folder.

    Nothing is left behind when it raises: ``out`` stays as it was (or
    absent), with no partial copy in it.
    """
    source = os.fspath(source)
    if os.path.isfile(os.path.join(source, "pretrained", "hyperparams.yaml")):
        source = os.path.join(source, "pretrained")
    yaml_path = os.path.join(source, "hyperparams.yaml")
    if not os.path.isfile(yaml_path):
        raise FileNotFoundError(f"{source} holds no pretrained folder (no hyperparams.yaml, nor "
                                "pretrained/hyperparams.yaml)")
    kind = read_kind(yaml_path)
    if kind is None:
        raise ValueError(f"{yaml_path} predates the pretrained-folder format: run the run's "
                         "recipe again with --test_only to export it")
    check = check_hyperparams(yaml_path, trust_remote_code=trust_remote_code)
    if classifier_repo is None:  # the copy keeps these paths
        check_pretrainer_paths(yaml_path, check.pretrainer_paths)
    elif kind != "interpreter":
        raise ValueError("--classifier_repo applies to interpreter folders")
    out = os.fspath(out)
    if os.path.exists(out) and (not os.path.isdir(out) or os.listdir(out)):
        raise FileExistsError(f"{out} exists and is not an empty folder")
    created = _make_folders(os.path.dirname(os.path.abspath(out)))
    stage = tempfile.mkdtemp(prefix=f".{os.path.basename(os.path.abspath(out))}.",
                             suffix=".partial", dir=os.path.dirname(os.path.abspath(out)))
    try:
        _export_into(source, stage, kind, classifier_repo, repo_id, trust_remote_code, out)
        _publish(stage, out)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        for folder in reversed(created):
            if not os.listdir(folder):
                os.rmdir(folder)
        raise
    logger.info("exported %s to %s", source, out)
    return out


def _export_into(source, stage, kind, classifier_repo, repo_id, trust_remote_code, out):
    """The copy of ``source`` in ``stage``, rewritten and checked (``out``: for messages)."""
    for name in os.listdir(source):
        if os.path.isfile(os.path.join(source, name)) and name != "source.txt":
            shutil.copy(os.path.join(source, name), os.path.join(stage, name))  # follows links
    staged_yaml = os.path.join(stage, "hyperparams.yaml")
    if classifier_repo is not None:
        loaded = AudioInterpreter.from_hparams(stage, trust_remote_code=trust_remote_code)
        text = open(staged_yaml, encoding="utf-8").read()
        title = text.splitlines()[1].lstrip("# ")
        write_interpreter(stage, loaded.interpreter, loaded.hparams.label_encoder,
                          {k: getattr(loaded.hparams, k) for k in INFERENCE_KEYS},
                          classifier_repo=classifier_repo, title=title)
    card = os.path.join(stage, "README.md")
    replace = {}
    if repo_id is not None:
        replace["<this folder or its hub repo id>"] = repo_id
    if classifier_repo is not None:  # a classifier of another toolkit, named by its folder before
        replace["named by `classifier_source`"] = (
            f"[{classifier_repo}](https://huggingface.co/{classifier_repo})")
    if replace and os.path.isfile(card):
        text = open(card, encoding="utf-8").read()
        for old, new in replace.items():
            text = text.replace(old, new)
        with open(card, "w", encoding="utf-8") as f:
            f.write(text)
    written = check_hyperparams(staged_yaml, trust_remote_code=trust_remote_code)
    check_pretrainer_paths(os.path.join(out, "hyperparams.yaml"), written.pretrainer_paths)
    check_portable(stage, forbidden=(os.path.abspath(source),))
    if classifier_repo is None:
        _check_same_outputs(source, stage, kind, trust_remote_code, out)


def _check_same_outputs(source, copy_folder, kind, trust_remote_code=False, shown=None):
    """The copy loads and gives the source's outputs on ``example.wav``."""
    example = os.path.join(source, "example.wav")
    cls = AudioInterpreter if kind == "interpreter" else SoundClassifier
    original = cls.from_hparams(source, trust_remote_code=trust_remote_code)
    copy = cls.from_hparams(copy_folder, trust_remote_code=trust_remote_code)
    if not os.path.isfile(example):
        return
    wave = original.load_file(example)[: original.window]
    with torch.no_grad():
        if kind == "interpreter":
            a, b = original.interpret_batch(wave).mask, copy.interpret_batch(wave).mask
        else:
            a, b = original.classify_batch(wave).logits, copy.classify_batch(wave).logits
    if not torch.allclose(a, b, atol=1e-6):
        raise RuntimeError(f"{shown or copy_folder} does not reproduce {source} on example.wav "
                           f"(max difference {float((a - b).abs().max()):.3g})")


def main(argv=None):
    """``python -m speechbrain_interp export SOURCE OUT [--classifier_repo ID] [--repo_id ID]
    [--trust_remote_code]``; returns the exit status (2: refused, the reason on stderr)."""
    parser = argparse.ArgumentParser(prog="sb-interp export", description=__doc__.split("\n\n")[0])
    parser.add_argument("source", help="a training run's output folder, or a pretrained folder")
    parser.add_argument("out", help="destination folder (new or empty)")
    parser.add_argument("--classifier_repo", default=None,
                        help="interpreters: reference the classifier in this HF repo (owner/name)")
    parser.add_argument("--repo_id", default=None,
                        help="the HF repo the folder is for (shown in the model card)")
    parser.add_argument("--trust_remote_code", action="store_true",
                        help="export a folder whose hyperparams.yaml runs code outside the "
                             "allow-list (only one you trust: checking the copy loads it)")
    args = parser.parse_args(argv)
    try:
        out = export_folder(args.source, args.out, classifier_repo=args.classifier_repo,
                            repo_id=args.repo_id, trust_remote_code=args.trust_remote_code)
    except (OSError, ValueError, RuntimeError) as err:
        print(f"sb-interp export: {args.source} not exported: {err}", file=sys.stderr)
        return 2
    print(f"exported to {out}: " + ", ".join(sorted(os.listdir(out))))
    return 0
