#!/usr/bin/env python3
"""Faithfulness of trained interpreters against reference masks, one table.

For each trained interpreter run folder given, the table has its row, the
row of a random mask with the same statistics (its own mask values shuffled
over the time-frequency bins of each clip), and, once, the all-ones mask and
captum's vanilla saliency (mask = |gradient| / max, see
``speechbrain_interp.interpreters.baselines.reference``). Clips: the test split of an
ESC-50-layout dataset, clean.

    python tools/compare_interpreters.py --data_folder data/synthetic/ESC-50 \
        --classifier results/demo/classifier/pretrained \
        --run lmac=results/demo/lmac --run piq=results/demo/piq \
        --signal_length_s 3 --out results/demo/comparison

Writes ``<out>/comparison.{md,json}`` and ``<out>/per_clip_<method>.csv``;
exits with status 1 when ``--check`` is given and a trained interpreter
does not beat its random mask on FF and AD (or, for runs named ``lmac*``,
saliency on AI, AD and AG).

Authors
 * speechbrain-interp developers 2026
"""

import argparse
import csv
import json
import os
import sys

import torch

from speechbrain_interp.data.dataio import build_datasets
from speechbrain_interp.data.esc50 import prepare_esc50
from speechbrain_interp.evaluation.suite import evaluate_interpreters
from speechbrain_interp.evaluation.tables import (
    default_comparisons, differences, format_differences, format_interval_table,
)  # fmt: skip
from speechbrain_interp.programs.evaluation import trained_methods
from speechbrain_interp.interpreters.baselines.reference import AllOnes
from speechbrain_interp.interpreters.baselines.gradients import Saliency
from speechbrain_interp.inference import load_classifier


def checks(summaries, runs):
    """The acceptance comparisons: list of (statement, passed)."""
    out = []
    for name in runs:
        mine, rand = summaries[name], summaries[f"random ({name})"]
        out.append((f"{name} FF {mine['FF']:.3f} > random {rand['FF']:.3f}", mine["FF"] > rand["FF"]))
        out.append((f"{name} AD {mine['AD']:.2f} < random {rand['AD']:.2f}", mine["AD"] < rand["AD"]))
        if name.startswith("lmac"):
            sal = summaries["saliency"]
            out.append((f"{name} AI {mine['AI']:.2f} > saliency {sal['AI']:.2f}", mine["AI"] > sal["AI"]))
            out.append((f"{name} AD {mine['AD']:.2f} < saliency {sal['AD']:.2f}", mine["AD"] < sal["AD"]))
            out.append((f"{name} AG {mine['AG']:.2f} > saliency {sal['AG']:.2f}", mine["AG"] > sal["AG"]))
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data_folder", required=True, help="ESC-50-layout dataset")
    parser.add_argument("--classifier", required=True, help="pretrained classifier folder")
    parser.add_argument("--run", action="append", default=[], metavar="NAME=FOLDER",
                        help="trained interpreter run folder (repeatable)")
    parser.add_argument("--test_folds", type=int, nargs="+", default=[5])
    parser.add_argument("--signal_length_s", type=float, default=5.0)
    parser.add_argument("--batch_size", type=int, default=16)
    parser.add_argument("--out", default="results/comparison")
    parser.add_argument("--check", action="store_true", help="fail unless the comparisons hold")
    parser.add_argument("--quiet", action="store_true", help="do not print the table")
    parser.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N")
    args = parser.parse_args(argv)

    torch.manual_seed(0)
    os.makedirs(args.out, exist_ok=True)
    classifier = load_classifier(args.classifier, savedir=os.path.join(args.out, "classifier"),
                                 device=args.device)
    manifests = prepare_esc50(
        args.data_folder, os.path.join(args.out, "manifests"), train_folds=(),
        valid_folds=(), test_folds=tuple(args.test_folds), download=False,
        expected_duration=args.signal_length_s,
    )
    datasets, _ = build_datasets(
        {"test": manifests["test"]}, args.data_folder, classifier.sample_rate,
        args.signal_length_s, label_encoder=classifier.label_encoder,
    )
    folders = dict(spec.partition("=")[::2] for spec in args.run)
    runs = list(folders)
    methods = trained_methods(folders, classifier, random_seed=1)
    methods["saliency"] = Saliency(classifier)
    methods["all-ones"] = AllOnes(classifier)
    trackers = evaluate_interpreters(methods, datasets["test"], batch_size=args.batch_size,
                                     device=args.device)
    summaries = {name: t.summarize() for name, t in trackers.items()}
    table = format_interval_table(
        trackers, f"Faithfulness on {args.data_folder} folds {args.test_folds}")
    diffs = differences(trackers, default_comparisons(runs, list(trackers)))
    results = checks(summaries, runs)
    report = (table + "\n\n" + format_differences(diffs, "Paired differences") + "\n\n"
              + "\n".join(f"- [{'x' if ok else ' '}] {text}" for text, ok in results))
    if not args.quiet:
        print(report)
    with open(os.path.join(args.out, "comparison.md"), "w") as f:
        f.write(report + "\n")
    with open(os.path.join(args.out, "comparison.json"), "w") as f:
        json.dump({"summaries": summaries, "checks": results, "differences": diffs,
                   "intervals": {name: t.intervals() for name, t in trackers.items()}},
                  f, indent=2)
    for name, tracker in trackers.items():
        rows = tracker.to_rows()
        safe = "".join(c if c.isalnum() else "_" for c in name)
        with open(os.path.join(args.out, f"per_clip_{safe}.csv"), "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    if args.check and not all(ok for _, ok in results):
        sys.exit(1)
    return summaries, results


if __name__ == "__main__":
    main()
