#!/usr/bin/env python3
"""The reference results on real recordings: one resumable command.

On the development split of a real ESC-50-layout folder (train folds 1-2,
validation 3, test 4: the recipes' own defaults stay 1-3 / 4 / 5), it runs the
project's ordinary commands, each printed before it runs:

1. a WHAM!-layout noise folder (the project's synthetic ambient noise, unless
   ``--wham_folder`` names a real one);
2. ``recipes/ESC50/classification/train.py hparams/cnn14_small.yaml``: the
   classifier, trained from scratch with WHAM! noise (``--base_channels``,
   ``--classifier_epochs``);
3. for every seed (``--seeds``, two at least): ``recipes/ESC50/interpret/train.py``
   with L-MAC as the project trains it (``lmac_small.yaml``: contamination and
   guidance), L-MAC as the paper trains it (WHAM! noise only, no guidance),
   PIQ as in its paper (``piq``: ``--lambda_consistency 0.0``) and with the
   classifier-consistency term (``piq_cc``: ``--lambda_consistency 1.0``, the
   ESC-50 YAMLs' default), the NMF dictionary then L2I,
   and Perception Visualization (``--methods`` chooses; ``piq_nogate``, PIQ
   whose decoder sees the codes only, is an ablation run when named);
4. ``recipes/ESC50/interpret/eval.py hparams/eval_small.yaml`` on ``--eval_clips``
   evenly spaced test clips under clean, WHAM! noise, mixture (another class,
   held-out clips), speech (held-out utterances) and white noise: every trained
   interpreter of every seed, each with its random mask (its own values,
   shuffled), saliency, Grad-CAM and the all-ones mask, with 95 % bootstrap
   intervals and paired differences (``evaluation/confidence.py``); FF is
   reported both as the L-MAC paper removes the mask from ``|X|`` (``FF``) and
   as the PIQ and L2I papers subtract the interpretation in the log1p domain
   (``PIQ_FF``);
5. ``reference.md`` / ``reference.json``: per method, figures pooled over the
   seeds with their intervals, the spread between seeds, and the verdicts of
   the issue's comparisons (method vs its random mask and vanilla saliency on
   AD and FF, L-MAC vs Grad-CAM on AI, AD and FF, localisation in mixture and
   speech).

Resumable: a finished step leaves ``<out>/steps/<name>.json`` (its command and
wall time) and is skipped when run again with the same command; an
interrupted training resumes from its own checkpoint. Progress: each step
says ``[reference] step k/n`` with the time so far, the recipes show their
progress bars, and ``<out>/reference.log`` gets every step's output.

    python tools/reference.py --data_folder /path/to/ESC-50 \\
        --speech_folder /path/to/LJSpeech-1.1 --out results/reference

``--classes K --clips_per_fold C`` runs on a subset (the first K classes, C
clips of each class per fold; linked, not copied), as the slow test does.

Authors
 * speechbrain-interp developers 2026
"""

import argparse
import csv
import json
import os
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

CLASSIFICATION = "recipes/ESC50/classification"
INTERPRET = "recipes/ESC50/interpret"
#: L-MAC trained the paper's way: WHAM! noise only, no guidance
PAPER_TRAINING = ["--contamination",
                  "{probabilities: {clean: 0.0, other_class: 0.0, speech: 0.0, noise: 1.0}}",
                  "--finetune", "False"]
#: the trained interpreters, in the tables' order
METHODS = ("lmac", "lmac_paper", "piq", "piq_cc", "l2i", "pv")
#: ablations run only when named in --methods: PIQ whose decoder sees the codes only
#: (``use_spectrogram False``, the paper's App. F decoder)
ABLATIONS = ("piq_nogate",)


def parse_args(argv=None):
    data_root = os.environ.get("SB_INTERP_DATA")
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data_folder", default=data_root and os.path.join(
        data_root, "ESC-50-16k-folds1-4"), required=not data_root,
        help="real ESC-50-layout folder (audio/, meta/esc50.csv); default "
             "$SB_INTERP_DATA/ESC-50-16k-folds1-4")
    parser.add_argument("--speech_folder", default=data_root and os.path.join(
        data_root, "LJSpeech-espeak"), required=not data_root,
        help="LJSpeech-layout speech folder; default $SB_INTERP_DATA/LJSpeech-espeak")
    parser.add_argument("--wham_folder", default=None,
                        help="WHAM! noise root (default: the project's synthetic WHAM! layout)")
    parser.add_argument("--out", default="results/reference", help="output folder")
    parser.add_argument("--train_folds", default="[1, 2]")
    parser.add_argument("--valid_folds", default="[3]")
    parser.add_argument("--test_folds", default="[4]")
    parser.add_argument("--classes", type=int, default=None,
                        help="keep the first K classes (a subset folder of links)")
    parser.add_argument("--clips_per_fold", type=int, default=None,
                        help="keep C clips of each class per fold (with --classes)")
    parser.add_argument("--base_channels", type=int, default=16,
                        help="CNN14 width: channels of its first block (64 = full size)")
    parser.add_argument("--classifier_epochs", type=int, default=20)
    parser.add_argument("--interpreter_epochs", type=int, default=2)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--methods", nargs="+", default=list(METHODS),
                        choices=METHODS + ABLATIONS)
    parser.add_argument("--eval_clips", type=int, default=60,
                        help="evenly spaced test clips of the evaluation")
    parser.add_argument("--conditions", default="[clean, wham, mixture, speech, white]")
    parser.add_argument("--mixture_repeats", type=int, default=2,
                        help="mixtures per test clip (each pair of clips is mixed once at most)")
    parser.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples")
    parser.add_argument("--classifier_seed", type=int, default=1234)
    parser.add_argument("--device", default=None,
                        help="every step's device: cpu, cuda or cuda:N (default: the "
                             "programs' own, cpu)")
    args = parser.parse_args(argv)
    if len(args.seeds) < 2:
        parser.error("--seeds: two seeds at least (the spread between them is reported)")
    if (args.classes is None) != (args.clips_per_fold is None):
        parser.error("--classes and --clips_per_fold go together")
    return args


class Steps:
    """Runs named commands once each: ``<out>/steps/<name>.json`` marks a finished one."""

    def __init__(self, out, total):
        self.out, self.total, self.done = out, total, 0
        self.start = time.time()
        os.makedirs(os.path.join(out, "steps"), exist_ok=True)
        self.log = os.path.join(out, "reference.log")

    def run(self, name, cmd, quiet=True):
        """Runs ``cmd`` (a list) from the repository root unless it already finished."""
        self.done += 1
        marker = os.path.join(self.out, "steps", f"{name}.json")
        if os.path.isfile(marker):
            with open(marker) as f:
                if json.load(f).get("command") == cmd:
                    print(f"[reference] step {self.done}/{self.total} {name}: done before",
                          flush=True)
                    return
        elapsed = (time.time() - self.start) / 60
        print(f"[reference] step {self.done}/{self.total} {name} ({elapsed:.1f} min so far)\n$ "
              + " ".join(cmd), flush=True)
        began = time.time()
        with open(self.log, "a") as log:
            log.write(f"\n==== {name}\n$ {' '.join(cmd)}\n")
            log.flush()
            # progress bars (standard error) stay on the terminal; the output goes to the log
            code = subprocess.run(cmd, cwd=REPO, stdout=log if quiet else None).returncode
        if code != 0:
            raise SystemExit(f"[reference] step {name} failed (exit {code}); its output is in "
                             f"{self.log}; run the same command again to resume")
        with open(marker, "w") as f:
            json.dump({"command": cmd, "seconds": time.time() - began}, f, indent=1)


def subset_folder(data_folder, out, classes, clips_per_fold):
    """An ESC-50-layout folder of links: the first ``classes`` targets, ``clips_per_fold``
    clips of each per fold (the csv's order). Returns its path."""
    folder = os.path.join(out, f"subset_{classes}x{clips_per_fold}")
    with open(os.path.join(data_folder, "meta", "esc50.csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        raise ValueError(f"{data_folder}/meta/esc50.csv has no rows")
    targets = sorted({int(r["target"]) for r in rows})[:classes]
    kept, count = [], {}
    for row in rows:
        key = (int(row["target"]), row["fold"])
        if key[0] in targets and count.get(key, 0) < clips_per_fold:
            count[key] = count.get(key, 0) + 1
            kept.append(row)
    os.makedirs(os.path.join(folder, "meta"), exist_ok=True)
    os.makedirs(os.path.join(folder, "audio"), exist_ok=True)
    with open(os.path.join(folder, "meta", "esc50.csv"), "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(kept)
    for row in kept:
        link = os.path.join(folder, "audio", row["filename"])
        if not os.path.lexists(link):
            os.symlink(os.path.abspath(os.path.join(data_folder, "audio", row["filename"])), link)
    return folder


def n_classes(data_folder):
    with open(os.path.join(data_folder, "meta", "esc50.csv"), newline="") as f:
        return len({row["target"] for row in csv.DictReader(f)})


def main(argv=None):
    args = parse_args(argv)
    py = sys.executable
    device = ["--device", args.device] if args.device else []  # none: the steps done before stay
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    data = args.data_folder
    for path, what in ((os.path.join(data, "meta", "esc50.csv"), "--data_folder (ESC-50 layout)"),
                       (os.path.join(args.speech_folder, "metadata.csv"),
                        "--speech_folder (LJSpeech layout)")):
        if not os.path.isfile(path):
            raise SystemExit(f"[reference] {path} not found: check {what}")
    if args.classes is not None:
        data = subset_folder(data, out, args.classes, args.clips_per_fold)
    wham = args.wham_folder
    if wham is None:
        wham = os.path.join(out, "wham_noise")
        if not os.path.isfile(os.path.join(wham, "metadata", "synthetic_noise.csv")):
            from speechbrain_interp.synthetic import make_wham_like

            print(f"[reference] synthetic WHAM!-layout noise in {wham}", flush=True)
            make_wham_like(wham, n_files=20, sample_rate=16000)
    methods = [m for m in METHODS + ABLATIONS if m in args.methods]
    per_seed = sum(2 if m == "l2i" else 1 for m in methods)
    steps = Steps(out, 1 + per_seed * len(args.seeds) + 1)
    folds = ["--train_folds", args.train_folds, "--valid_folds", args.valid_folds,
             "--test_folds", args.test_folds]
    classifier = os.path.join(out, "classifier")
    steps.run("classifier", [
        py, f"{CLASSIFICATION}/train.py", f"{CLASSIFICATION}/hparams/cnn14_small.yaml",
        "--data_folder", data, *folds, "--n_classes", str(n_classes(data)),
        "--base_channels", str(args.base_channels), "--add_wham_noise", "True",
        "--wham_folder", wham, "--number_of_epochs", str(args.classifier_epochs),
        "--seed", str(args.classifier_seed), "--output_folder", classifier, *device])
    pretrained = os.path.join(classifier, "pretrained")
    runs = {}
    for seed in args.seeds:
        common = [*device, "--data_folder", data, *folds[:4], "--test_folds", "[]",
                  "--classifier_source", pretrained, "--seed", str(seed),
                  "--number_of_epochs", str(args.interpreter_epochs),
                  "--save_interpretations", "False"]
        for method in methods:
            name = f"{method}_s{seed}"
            folder = runs[name] = os.path.join(out, name)
            train = [py, f"{INTERPRET}/train.py"]
            if method == "lmac":
                cmd = [*train, f"{INTERPRET}/hparams/lmac_small.yaml", *common,
                       "--wham_folder", wham, "--speech_folder", args.speech_folder]
            elif method == "lmac_paper":
                cmd = [*train, f"{INTERPRET}/hparams/lmac_small.yaml", *common,
                       "--wham_folder", wham, *PAPER_TRAINING]
            elif method == "piq_cc":
                cmd = [*train, f"{INTERPRET}/hparams/piq_small.yaml", *common,
                       "--lambda_consistency", "1.0"]
            elif method == "piq_nogate":
                cmd = [*train, f"{INTERPRET}/hparams/piq_small.yaml", *common,
                       "--use_spectrogram", "False"]
            elif method == "l2i":
                nmf = os.path.join(out, f"nmf_s{seed}")
                steps.run(f"nmf_s{seed}", [
                    py, f"{INTERPRET}/train_nmf.py", f"{INTERPRET}/hparams/nmf_small.yaml",
                    *common[:-4], "--output_folder", nmf])
                cmd = [*train, f"{INTERPRET}/hparams/l2i_small.yaml", *common,
                       "--nmf_source", os.path.join(nmf, "pretrained")]
            elif method == "piq":
                cmd = [*train, f"{INTERPRET}/hparams/piq_small.yaml", *common,
                       "--lambda_consistency", "0.0"]
            else:
                cmd = [*train, f"{INTERPRET}/hparams/{method}_small.yaml", *common]
            steps.run(name, cmd + ["--output_folder", folder])
    evaluation = os.path.join(out, "eval")
    steps.run("eval", [
        py, f"{INTERPRET}/eval.py", f"{INTERPRET}/hparams/eval_small.yaml",
        "--data_folder", data, "--test_folds", args.test_folds,
        "--classifier_source", pretrained,
        "--interpreters", "{" + ", ".join(f"{n}: {f}" for n, f in runs.items()) + "}",
        "--conditions", args.conditions, "--wham_folder", wham,
        "--speech_folder", args.speech_folder,
        "--baselines", "[saliency, gradcam, all-ones]", "--max_clips", str(args.eval_clips),
        "--mixture_repeats", str(args.mixture_repeats), "--subtractive_faithfulness", "True",
        "--bootstrap", str(args.bootstrap), "--n_examples", "2",
        "--output_folder", evaluation, *device])
    from speechbrain_interp.evaluation.reference import write_reference

    with open(os.path.join(classifier, "test_report.json")) as f:
        accuracy = json.load(f)
    seconds = 0.0
    for name in os.listdir(os.path.join(out, "steps")):
        with open(os.path.join(out, "steps", name)) as f:
            seconds += json.load(f)["seconds"]
    report = write_reference(evaluation, out, methods, args.seeds, accuracy, seconds=seconds)
    print(report)
    print(f"[reference] done: {out}/reference.md ({(time.time() - steps.start) / 60:.1f} min)")


if __name__ == "__main__":
    main()
