#!/usr/bin/env python3
"""The demo behind ``make demo``: synthetic data -> small classifier -> test.

Every step is an ordinary project command, printed before it runs, so the
demo doubles as a walk-through:

1. ``tools/make_synthetic_data.py`` writes an ESC-50-layout set of synthetic
   sound events and a WHAM!-layout folder of ambient noise (skipped when the
   same data is already there);
2. ``recipes/ESC50/classification/train.py`` trains and tests the narrow
   CNN14 (``hparams/cnn14_small.yaml``) with WHAM! noise augmentation;
3. the test report is summarised.

Re-running resumes: finished steps are not redone.

Authors
 * speechbrain-interp developers 2026
"""

import argparse
import json
import os
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(cmd):
    """Runs one project command from the repository root, echoing it."""
    print("\n$ " + " ".join(cmd), flush=True)
    subprocess.run(cmd, cwd=REPO, check=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default="data/synthetic", help="synthetic data folder")
    parser.add_argument("--results", default="results/demo", help="results folder")
    parser.add_argument("--n_classes", type=int, default=10)
    parser.add_argument("--clips_per_class", type=int, default=60)
    parser.add_argument("--clip_seconds", type=float, default=3.0)
    parser.add_argument("--epochs", type=int, default=None, help="override the yaml")
    parser.add_argument("--seed", type=int, default=1234)
    args = parser.parse_args(argv)

    start = time.time()
    py = sys.executable
    data_args = [
        "--out", args.data,
        "--n_classes", str(args.n_classes),
        "--clips_per_class", str(args.clips_per_class),
        "--clip_seconds", str(args.clip_seconds),
        "--seed", str(args.seed),
    ]
    stamp = os.path.join(REPO, args.data, "demo_data_args.json")
    if os.path.isfile(stamp) and json.load(open(stamp)) == data_args:
        print(f"synthetic data in {args.data} is up to date")
    else:
        run([py, "tools/make_synthetic_data.py"] + data_args)
        with open(stamp, "w") as f:
            json.dump(data_args, f)

    classifier_dir = os.path.join(args.results, "classifier")
    train_cmd = [
        py, "recipes/ESC50/classification/train.py",
        "recipes/ESC50/classification/hparams/cnn14_small.yaml",
        "--data_folder", os.path.join(args.data, "ESC-50"),
        "--add_wham_noise", "True",
        "--wham_folder", os.path.join(args.data, "wham_noise"),
        "--n_classes", str(args.n_classes),
        "--signal_length_s", str(args.clip_seconds),
        "--output_folder", classifier_dir,
        "--seed", str(args.seed),
    ]
    if args.epochs is not None:
        train_cmd += ["--number_of_epochs", str(args.epochs)]
    run(train_cmd)

    with open(os.path.join(REPO, classifier_dir, "test_report.json")) as f:
        report = json.load(f)
    print("\n== Demo results ==")
    print(f"classifier test accuracy: {report['accuracy']:.3f} on {report['n_items']} clips")
    for name, acc in report["per_class_accuracy"].items():
        print(f"  {name:<16s} {acc:.3f}")
    print(f"per-epoch log:      {classifier_dir}/train_log.txt")
    print(f"confusion matrix:   {classifier_dir}/confusion_matrix.png")
    print(f"checkpoints:        {classifier_dir}/save/")
    print(f"total time: {time.time() - start:.0f} s")


if __name__ == "__main__":
    main()
