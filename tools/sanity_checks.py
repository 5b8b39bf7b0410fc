#!/usr/bin/env python3
"""Sanity checks of interpreters: cascading model randomisation and ROAR.

The two checks of the L-MAC paper (docs/methods.md sections 3.8 and 10.6), for
trained interpreter runs and captum baselines of one pretrained classifier
(see ``speechbrain_interp.evaluation.sanity``):

1. cascading randomisation: the classifier's head and blocks are
   re-initialised from the logits down; SSIM and rank correlation between
   each method's explanation of ``--n_clips`` test clips before and after;
2. ROAR: for each fraction, the top bins of every train and test clip per
   each method's mask (or random bins) are zeroed, a fresh classifier of the
   same architecture (or ``--roar_hparams``) is trained on the train folds
   and tested on the test folds, ``--roar_runs`` times.

    python tools/sanity_checks.py --data_folder data/synthetic/ESC-50 \\
        --classifier results/demo/classifier/pretrained \\
        --run lmac=results/demo/lmac --baseline gradcam --baseline saliency \\
        --signal_length_s 3 --roar_epochs 5 --out results/demo/sanity

Writes ``randomization.{json,png}``, ``randomization_rank.png``,
``roar.{json,png}`` and ``sanity.md`` (printed) in ``--out``.
``--roar_runs 0`` skips ROAR.

Authors
 * speechbrain-interp developers 2026
"""

import argparse
import csv
import json
import math
import os
import sys
import time

import torch
from hyperpyyaml import load_hyperpyyaml

from speechbrain_interp.data.dataio import build_datasets
from speechbrain_interp.data.esc50 import prepare_esc50
from speechbrain_interp.programs.evaluation import trained_methods
from speechbrain_interp.inference import load_classifier
from speechbrain_interp.brains.roar import roar
from speechbrain_interp.evaluation.sanity import cascading_randomization
from speechbrain_interp.visualize.canvas import pyplot


def _finite(value):
    """JSON-safe number (NaN/inf -> None)."""
    value = float(value)
    return value if math.isfinite(value) else None


def csv_folds(data_folder):
    """Sorted fold numbers of an ESC-50-layout ``meta/esc50.csv``."""
    path = os.path.join(data_folder, "meta", "esc50.csv")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"--data_folder {data_folder}: no meta/esc50.csv")
    with open(path, newline="", encoding="utf-8") as f:
        return sorted({int(row["fold"]) for row in csv.DictReader(f)})


def load_clips(dataset, limit=None, seed=0):
    """Waves ``[N, samples]`` and labels ``[N]``: every clip, or a seeded
    random subset of ``limit`` clips (in dataset order)."""
    n = len(dataset)
    if n == 0:
        raise ValueError("no clips in the selected folds")
    indices = range(n)
    if limit is not None and limit < n:
        indices = sorted(torch.randperm(n, generator=torch.Generator().manual_seed(seed))[:limit].tolist())
    items = [dataset[i] for i in indices]
    return torch.stack([item["sig"] for item in items]), torch.stack(
        [item["class_string_encoded"].reshape(()) for item in items]
    )


def log(args, message, start=None):
    """Progress line on stderr (with the seconds since ``start``)."""
    if not args.quiet:
        elapsed = "" if start is None else f" ({time.time() - start:.1f} s)"
        print(message + elapsed, file=sys.stderr, flush=True)


def build_methods(args, classifier):
    """Method name -> interpreter (trained runs first, then baselines)."""
    folders = {}
    for spec in args.run:
        name, sep, folder = spec.partition("=")
        if not sep or not name or not folder:
            raise ValueError(f"--run expects NAME=FOLDER, got {spec!r}")
        folders[name] = folder
    methods = trained_methods(folders, classifier)
    if args.baseline:
        from speechbrain_interp.interpreters.baselines.registry import build_baseline

        for name in args.baseline:
            methods[name] = build_baseline(name, classifier).eval()
    if not methods:
        raise ValueError("nothing to check: give at least one --run or --baseline")
    return {name: m.to(args.device) for name, m in methods.items()}


def classifier_factory(yaml_path, pretrained_path):
    """``make_classifier()`` building a fresh classifier from a hyperparams yaml
    (its ``classifier`` entry), e.g. the pretrained folder's own."""
    with open(yaml_path, encoding="utf-8") as f:
        text = f.read()
    overrides = {"pretrained_path": pretrained_path} if "pretrained_path" in text else {}

    def make_classifier():
        hparams = load_hyperpyyaml(text, overrides)
        if "classifier" not in hparams:
            raise KeyError(f"{yaml_path} defines no 'classifier'")
        return hparams["classifier"]

    return make_classifier


def masks_and_magnitudes(methods, classifier, waves, batch_size, device):
    """Linear magnitudes ``[N, T, F]`` and each method's masks (CPU)."""
    mags, masks = [], {name: [] for name in methods}
    for start in range(0, len(waves), batch_size):
        chunk = waves[start:start + batch_size].to(device)
        with torch.no_grad():
            mags.append(classifier.frontend.spectrogram(chunk)[0].cpu())
        for name, interpreter in methods.items():
            grad = torch.enable_grad if interpreter.needs_input_grad else torch.no_grad
            with grad():
                out = interpreter.interpret(chunk, with_wave=False)
            masks[name].append(out.mask.detach().float().cpu())
    return torch.cat(mags), {name: torch.cat(m) for name, m in masks.items()}


def plot_roar(result, path):
    """Test accuracy vs fraction of bins removed, one line per removal (mean +- std)."""
    plt = pyplot()

    fig, ax = plt.subplots(figsize=(5.5, 3.8), layout="constrained")
    x = [100 * f for f in result["fractions"]]
    for name in result["methods"]:
        style = dict(linestyle="--", color="gray") if name == "random" else {}
        ax.errorbar(x, [100 * a for a in result["mean"][name]], yerr=[100 * s for s in result["std"][name]],
                    marker="o", capsize=3, label=name, **style)
    ax.set_xlabel("time-frequency bins removed (%)")
    ax.set_ylabel("retrained test accuracy (%)")
    ax.set_title("ROAR: remove and retrain", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def randomization_tables(results):
    """Markdown tables of mean SSIM and rank correlation per step."""
    steps = next(iter(results.values()))["steps"]
    lines = []
    for key, title in (("ssim", "SSIM"), ("rank", "Spearman rank correlation")):
        lines += [f"{title} to the original explanation (mean over clips; columns: cumulative "
                  "randomisation from the logits down)", "",
                  "| method | " + " | ".join(["original"] + [f"+{s}" for s in steps[1:]]) + " |",
                  "|---|" + "---|" * len(steps)]
        for name, res in results.items():
            lines.append(f"| {name} | " + " | ".join(f"{v:.3f}" for v in res[key]) + " |")
        lines.append("")
    return "\n".join(lines)


def roar_table(result):
    """Markdown table of ROAR accuracies (mean +- std over runs, %) and the comparison."""
    fractions = result["fractions"]
    lines = ["ROAR: retrained test accuracy (%, mean ± std over runs) vs bins removed", "",
             "| removal | " + " | ".join(f"{100 * f:g}%" for f in fractions) + " |",
             "|---|" + "---|" * len(fractions)]
    for name in result["methods"]:
        cells = [f"{100 * m:.1f} ± {100 * s:.1f}" for m, s in zip(result["mean"][name], result["std"][name])]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines.append("")
    random_mean = sum(result["mean"]["random"]) / len(fractions)
    for name in result["methods"]:
        if name != "random":
            mean = sum(result["mean"][name]) / len(fractions)
            lines.append(f"- [{'x' if mean < random_mean else ' '}] {name}: mean accuracy over fractions "
                         f"{100 * mean:.1f}% < random {100 * random_mean:.1f}% (drops faster than random)")
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--classifier", required=True, help="pretrained classifier folder")
    parser.add_argument("--run", action="append", default=[], metavar="NAME=FOLDER",
                        help="trained interpreter run folder (repeatable)")
    parser.add_argument("--baseline", action="append", default=[], metavar="NAME",
                        help="baseline of speechbrain_interp.interpreters.baselines.gradients.build_baseline, "
                             "e.g. gradcam, saliency (repeatable)")
    parser.add_argument("--data_folder", required=True, help="ESC-50-layout dataset")
    parser.add_argument("--test_folds", type=int, nargs="+", default=[5])
    parser.add_argument("--train_folds", type=int, nargs="+", default=None,
                        help="ROAR training folds (default: every other fold of the csv)")
    parser.add_argument("--signal_length_s", type=float, default=5.0)
    parser.add_argument("--n_clips", type=int, default=16, help="test clips of the randomisation test")
    parser.add_argument("--roar_fractions", type=float, nargs="+", default=[0.1, 0.3, 0.5, 0.7, 0.9])
    parser.add_argument("--roar_runs", type=int, default=3, help="0 skips ROAR")
    parser.add_argument("--roar_epochs", type=int, default=10)
    parser.add_argument("--roar_lr", type=float, default=1e-3)
    parser.add_argument("--roar_hparams", default=None,
                        help="yaml with a 'classifier' entry for ROAR (default: the classifier's own)")
    parser.add_argument("--roar_max_train", type=int, default=None, help="cap on ROAR training clips")
    parser.add_argument("--batch_size", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--out", default="results/sanity")
    parser.add_argument("--quiet", action="store_true", help="do not print the summary")
    args = parser.parse_args(argv)

    torch.manual_seed(args.seed)
    os.makedirs(args.out, exist_ok=True)
    savedir = os.path.join(args.out, "classifier")
    classifier = load_classifier(args.classifier, savedir=savedir).to(args.device)
    methods = build_methods(args, classifier)
    do_roar = args.roar_runs > 0
    train_folds = ()
    if do_roar:
        train_folds = args.train_folds or [f for f in csv_folds(args.data_folder) if f not in args.test_folds]
    manifests = prepare_esc50(
        args.data_folder, os.path.join(args.out, "manifests"), train_folds=tuple(train_folds),
        valid_folds=(), test_folds=tuple(args.test_folds), download=False,
        expected_duration=args.signal_length_s,
    )
    datasets, _ = build_datasets(
        {k: manifests[k] for k in ("train", "test")}, args.data_folder, classifier.sample_rate,
        args.signal_length_s, label_encoder=classifier.label_encoder,
    )

    # 1. cascading randomisation
    waves, _ = load_clips(datasets["test"], args.n_clips, args.seed)
    randomization = {}
    for name, interpreter in methods.items():
        start = time.time()
        randomization[name] = cascading_randomization(
            interpreter, waves.to(args.device), seed=args.seed, batch_size=args.batch_size)
        log(args, f"cascading randomisation of {name} on {len(waves)} clips", start)
    from speechbrain_interp.visualize import plot_similarity_curves

    steps = next(iter(randomization.values()))["steps"]
    xlabels = ["original"] + [f"+{s}" for s in steps[1:]]
    for key, label, file in (("ssim", "SSIM", "randomization.png"),
                             ("rank", "rank correlation", "randomization_rank.png")):
        plot_similarity_curves({n: r[key] for n, r in randomization.items()}, os.path.join(args.out, file),
                               xlabels, ylabel=label, title=f"Cascading randomisation ({len(waves)} clips)")
    with open(os.path.join(args.out, "randomization.json"), "w") as f:
        json.dump({name: {
            "steps": r["steps"], "n_randomized": r["n_randomized"],
            "ssim": [_finite(v) for v in r["ssim"]], "rank": [_finite(v) for v in r["rank"]],
            "ssim_per_clip": [[_finite(v) for v in row] for row in r["ssim_per_clip"].tolist()],
            "rank_per_clip": [[_finite(v) for v in row] for row in r["rank_per_clip"].tolist()],
            "labels": r["labels"].tolist(),
        } for name, r in randomization.items()}, f, indent=2)
    report = [f"# Sanity checks of {', '.join(methods)}", "",
              f"Classifier `{args.classifier}`, data `{args.data_folder}`, test folds {args.test_folds}.", "",
              "## Cascading model randomisation", "", randomization_tables(randomization)]

    # 2. ROAR
    if do_roar:
        start = time.time()
        train_waves, train_labels = load_clips(datasets["train"], args.roar_max_train, args.seed)
        test_waves, test_labels = load_clips(datasets["test"])
        train_mag, train_masks = masks_and_magnitudes(methods, classifier, train_waves, args.batch_size, args.device)
        test_mag, test_masks = masks_and_magnitudes(methods, classifier, test_waves, args.batch_size, args.device)
        del train_waves, test_waves
        log(args, f"ROAR: masks of {len(train_labels)} training and {len(test_labels)} test clips", start)
        start = time.time()
        make_classifier = classifier_factory(
            args.roar_hparams or os.path.join(savedir, "hyperparams.yaml"), args.classifier)
        probe = make_classifier()
        if probe.frontend.n_freqs != train_mag.shape[-1]:
            raise ValueError(f"the ROAR classifier expects {probe.frontend.n_freqs} STFT bins, "
                             f"the data has {train_mag.shape[-1]} (--roar_hparams front end)")
        result = roar(train_mag, train_labels, test_mag, test_labels, train_masks, test_masks,
                      args.roar_fractions, make_classifier, epochs=args.roar_epochs, runs=args.roar_runs,
                      batch_size=args.batch_size, lr=args.roar_lr, seed=args.seed, device=args.device)
        log(args, f"ROAR: {len(result['methods']) * len(args.roar_fractions) * args.roar_runs} classifiers trained",
            start)
        result.update(n_train=len(train_labels), n_test=len(test_labels), train_folds=list(train_folds),
                      test_folds=list(args.test_folds), epochs=args.roar_epochs, lr=args.roar_lr)
        with open(os.path.join(args.out, "roar.json"), "w") as f:
            json.dump(result, f, indent=2)
        plot_roar(result, os.path.join(args.out, "roar.png"))
        report += ["## ROAR (remove and retrain)", "",
                   f"{len(train_labels)} training clips (folds {list(train_folds)}), {len(test_labels)} test "
                   f"clips, {args.roar_epochs} epochs, {args.roar_runs} runs; removed bins set to 0.", "",
                   roar_table(result)]
    text = "\n".join(report)
    with open(os.path.join(args.out, "sanity.md"), "w") as f:
        f.write(text)
    if not args.quiet:
        print(text)
    return randomization, (result if do_roar else None)


if __name__ == "__main__":
    main()
