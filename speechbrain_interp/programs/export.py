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
        [--classifier_repo owner/cnn14-esc50]

Authors
 * speechbrain-interp developers 2026
"""

import argparse
import json
import os
import shutil

import torch
from speechbrain.dataio import audio_io
from speechbrain.utils.logger import get_logger

from speechbrain_interp.inference import AudioInterpreter, SoundClassifier
from speechbrain_interp.inference.loading import read_kind
from speechbrain_interp.pretrained import write_classifier, write_interpreter

logger = get_logger(__name__)

__all__ = ["INFERENCE_KEYS", "check_portable", "export_folder", "export_run_folder", "main",
           "model_card"]

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
               classifier_accuracy=None):
    """The ``README.md`` of a pretrained folder (HuggingFace model card).

    Example
    -------
    >>> card = model_card("interpreter", "lmac_small", ["dog", "rain"], "LMAC",
    ...                   ("mod.prepare", {"test_folds": [5]}), {"AI": 12.5}, 8, "owner/repo")
    >>> "| AI | 12.5 |" in card, "AudioInterpreter.from_hparams" in card
    (True, True)
    """
    lines = ["---", "library_name: speechbrain", "tags:", "- audio-classification",
             "- speechbrain-interp"]
    if kind == "interpreter":
        lines.append("- interpretability")
    lines += ["---", "", f"# {name}: {method + ' interpreter' if method else 'sound classifier'}"
              " (speechbrain-interp)", ""]
    if kind == "interpreter":
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
              f"{usage_source} example.wav --out outputs/", "```", "",
              "Loading runs what `hyperparams.yaml` says (HyperPyYAML builds the objects it "
              "names): load only folders and repositories you trust.", ""]
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
        write_interpreter(folder, model, label_encoder, settings,
                          title=f"{name}: {method} interpreter")
        sample_rate = model.classifier.sample_rate
    labels = [label_encoder.ind2lab[i] for i in range(len(label_encoder))]
    card = model_card(kind, name, labels, method, _data_description(hparams), stats, n_test,
                      "<this folder or its hub repo id>", classifier_accuracy=accuracy)
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


def export_folder(source, out, classifier_repo=None, repo_id=None):
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

    Returns
    -------
    str
        ``out``.
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
    if os.path.exists(out) and os.listdir(out):
        raise FileExistsError(f"{out} exists and is not empty")
    os.makedirs(out, exist_ok=True)
    for name in os.listdir(source):
        if os.path.isfile(os.path.join(source, name)) and name != "source.txt":
            shutil.copy(os.path.join(source, name), os.path.join(out, name))  # follows links
    if classifier_repo is not None:
        if kind != "interpreter":
            raise ValueError("--classifier_repo applies to interpreter folders")
        loaded = AudioInterpreter.from_hparams(out)
        text = open(os.path.join(out, "hyperparams.yaml"), encoding="utf-8").read()
        title = text.splitlines()[1].lstrip("# ")
        write_interpreter(out, loaded.interpreter, loaded.hparams.label_encoder,
                          {k: getattr(loaded.hparams, k) for k in INFERENCE_KEYS},
                          classifier_repo=classifier_repo, title=title)
    card = os.path.join(out, "README.md")
    if repo_id is not None and os.path.isfile(card):
        text = open(card, encoding="utf-8").read()
        with open(card, "w", encoding="utf-8") as f:
            f.write(text.replace("<this folder or its hub repo id>", repo_id))
    check_portable(out, forbidden=(os.path.abspath(source),))
    if classifier_repo is None:
        _check_same_outputs(source, out, kind)
    logger.info("exported %s to %s", source, out)
    return out


def _check_same_outputs(source, out, kind):
    """The copy loads and gives the source's outputs on ``example.wav``."""
    example = os.path.join(source, "example.wav")
    cls = AudioInterpreter if kind == "interpreter" else SoundClassifier
    original, copy = cls.from_hparams(source), cls.from_hparams(out)
    if not os.path.isfile(example):
        return
    wave = original.load_file(example)[: original.window]
    with torch.no_grad():
        if kind == "interpreter":
            a, b = original.interpret_batch(wave).mask, copy.interpret_batch(wave).mask
        else:
            a, b = original.classify_batch(wave).logits, copy.classify_batch(wave).logits
    if not torch.allclose(a, b, atol=1e-6):
        raise RuntimeError(f"{out} does not reproduce {source} on example.wav "
                           f"(max difference {float((a - b).abs().max()):.3g})")


def main(argv=None):
    """``python -m speechbrain_interp export SOURCE OUT [--classifier_repo ID] [--repo_id ID]``."""
    parser = argparse.ArgumentParser(prog="sb-interp export", description=__doc__.split("\n\n")[0])
    parser.add_argument("source", help="a training run's output folder, or a pretrained folder")
    parser.add_argument("out", help="destination folder (new or empty)")
    parser.add_argument("--classifier_repo", default=None,
                        help="interpreters: reference the classifier in this HF repo (owner/name)")
    parser.add_argument("--repo_id", default=None,
                        help="the HF repo the folder is for (shown in the model card)")
    args = parser.parse_args(argv)
    out = export_folder(args.source, args.out, classifier_repo=args.classifier_repo,
                        repo_id=args.repo_id)
    print(f"exported to {out}: " + ", ".join(sorted(os.listdir(out))))
    return 0
