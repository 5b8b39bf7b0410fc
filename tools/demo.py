#!/usr/bin/env python3
"""The demo behind ``make demo``: synthetic data -> classifier -> L-MAC -> table.

Every step is an ordinary project command, printed before it runs, so the
demo doubles as a walk-through:

1. ``tools/make_synthetic_data.py`` writes an ESC-50-layout set of synthetic
   sound events and a WHAM!-layout folder of ambient noise (skipped when the
   same data is already there);
2. ``recipes/ESC50/classification/train.py`` trains and tests the narrow
   CNN14 (``hparams/cnn14_small.yaml``) with WHAM! noise augmentation and
   exports it to ``results/demo/classifier/pretrained``;
3. ``recipes/ESC50/interpret/train.py hparams/lmac_small.yaml`` trains an L-MAC interpreter of
   it (``hparams/lmac_small.yaml``, with WHAM! noise as in the paper) and
   writes listenable interpretations of test clips;
4. ``tools/compare_interpreters.py`` scores L-MAC against a random mask of
   the same statistics, the all-ones mask and vanilla saliency on the test
   clips and prints the faithfulness table;
5. ``recipes/ESC50/interpret/eval.py`` evaluates under five conditions;
6. ``sb-interp explain`` explains three test clips with the exported
   interpreter folder ``results/demo/lmac/pretrained``, as a user would.

With ``--all_interpreters`` PIQ, L2I (with its NMF dictionary) and PV are trained
too and join the table. Re-running resumes: finished steps are not redone.

Authors
 * speechbrain-interp developers 2026
"""

import argparse
import json
import os
import subprocess
import sys
import time

from speechbrain_interp.evaluation.registry import headline

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def conditions_summary(path, methods=None, metrics=None):
    """A compact table of an evaluation: one row per condition and method, each figure
    (default: the registry's headline figures) with its 95 % bootstrap interval over
    clips and the clips it covers."""
    metrics = headline() if metrics is None else metrics
    with open(path) as f:
        results = json.load(f)
    lines = ["Evaluation under each condition (mean [95% bootstrap interval over clips]; n = "
             "clips; AI, AD in %; against the explained source: AUC and precision of the mask, "
             "SI-SDRi = SI-SDR gain over the mixture in dB, Contam = % of the interpretation's "
             "energy that is the contaminant; accuracy = classifier)", "",
             "| condition | accuracy | method | n | " + " | ".join(metrics) + " |",
             "|---|---|---|---|" + "---|" * len(metrics)]
    for cond, result in results.items():
        for method, stats in result["methods"].items():
            if methods and method not in methods:
                continue
            intervals = result.get("intervals", {}).get(method, {})
            cells, n = [], 0
            for m in metrics:
                if stats.get(m) is None:
                    cells.append("-")
                elif m in intervals:
                    i = intervals[m]
                    n = max(n, i["n"])
                    cells.append(f"{i['mean']:.2f} [{i['low']:.2f}, {i['high']:.2f}]")
                else:
                    cells.append(f"{stats[m]:.2f}")
            lines.append(f"| {cond} | {result['accuracy']:.1f}% | {method} | {n or '-'} | "
                         + " | ".join(cells) + " |")
    return "\n".join(lines)


def run(cmd, quiet=False):
    """Runs one project command from the repository root, echoing it (``quiet``:
    its standard output is not shown; the results are in its output folder)."""
    print("\n$ " + " ".join(cmd), flush=True)
    subprocess.run(cmd, cwd=REPO, check=True, stdout=subprocess.DEVNULL if quiet else None)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default="data/synthetic", help="synthetic data folder")
    parser.add_argument("--results", default="results/demo", help="results folder")
    parser.add_argument("--n_classes", type=int, default=10)
    parser.add_argument("--clips_per_class", type=int, default=60)
    parser.add_argument("--clip_seconds", type=float, default=3.0)
    parser.add_argument("--epochs", type=int, default=None, help="classifier epochs (default: the yaml's)")
    parser.add_argument("--interpreter_epochs", type=int, default=8)
    parser.add_argument("--all_interpreters", action="store_true",
                        help="also train PIQ, L2I (with its NMF dictionary) and PV")
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--eval_clips", type=int, default=40,
                        help="test clips in the multi-condition evaluation (evenly spaced)")
    parser.add_argument("--device", default="cpu", help="every step's device: cpu, cuda or cuda:N")
    args = parser.parse_args(argv)
    device = ["--device", args.device]

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
    speech = os.path.join(args.data, "LJSpeech-1.1")
    if (os.path.isfile(stamp) and json.load(open(stamp)) == data_args
            and os.path.isdir(os.path.join(REPO, speech))):
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
        "--seed", str(args.seed), *device,
    ]
    if args.epochs is not None:
        train_cmd += ["--number_of_epochs", str(args.epochs)]
    run(train_cmd)

    pretrained = os.path.join(classifier_dir, "pretrained")
    common = [
        "--data_folder", os.path.join(args.data, "ESC-50"),
        "--classifier_source", pretrained,
        "--signal_length_s", str(args.clip_seconds),
        "--seed", str(args.seed), *device,
    ]
    interpret = "recipes/ESC50/interpret"
    runs = {"lmac": os.path.join(args.results, "lmac")}
    lmac_cmd = [py, f"{interpret}/train.py", f"{interpret}/hparams/lmac_small.yaml", *common,
                "--wham_folder", os.path.join(args.data, "wham_noise"), "--speech_folder", speech,
                "--output_folder", runs["lmac"], "--number_of_epochs", str(args.interpreter_epochs)]
    run(lmac_cmd)
    if args.all_interpreters:
        runs["piq"] = os.path.join(args.results, "piq")
        run([py, f"{interpret}/train.py", f"{interpret}/hparams/piq_small.yaml", *common,
             "--output_folder", runs["piq"], "--number_of_epochs", str(args.interpreter_epochs)])
        nmf_dir = os.path.join(args.results, "nmf")
        run([py, f"{interpret}/train_nmf.py", f"{interpret}/hparams/nmf_small.yaml", *common,
             "--output_folder", nmf_dir])
        runs["l2i"] = os.path.join(args.results, "l2i")
        run([py, f"{interpret}/train.py", f"{interpret}/hparams/l2i_small.yaml", *common,
             "--nmf_source", os.path.join(nmf_dir, "pretrained"),
             "--output_folder", runs["l2i"], "--number_of_epochs", str(args.interpreter_epochs)])
        runs["pv"] = os.path.join(args.results, "pv")
        run([py, f"{interpret}/train.py", f"{interpret}/hparams/pv_small.yaml", *common,
             "--output_folder", runs["pv"], "--number_of_epochs", str(args.interpreter_epochs)])
    comparison = os.path.join(args.results, "comparison")
    run([py, "tools/compare_interpreters.py", "--data_folder", os.path.join(args.data, "ESC-50"),
         "--classifier", pretrained, "--signal_length_s", str(args.clip_seconds), "--out", comparison,
         "--quiet", *device,
         *[f"--run={name}={folder}" for name, folder in runs.items()]])

    evaluation = os.path.join(args.results, "eval")
    run([py, f"{interpret}/eval.py", f"{interpret}/hparams/eval_small.yaml",
         "--data_folder", os.path.join(args.data, "ESC-50"), "--classifier_source", pretrained,
         "--interpreters", "{" + ", ".join(f"{n}: {f}" for n, f in runs.items()) + "}",
         "--signal_length_s", str(args.clip_seconds), "--output_folder", evaluation,
         "--conditions", "[clean, wham, mixture, speech, white]",
         "--wham_folder", os.path.join(args.data, "wham_noise"), "--speech_folder", speech,
         "--baselines", "[saliency, gradcam, all-ones]", "--max_clips", str(args.eval_clips),
         "--seed", str(args.seed), *device], quiet=True)

    # 6. the trained interpreter as a user gets it: its pretrained/ folder and the command line
    audio = os.path.join(args.data, "ESC-50", "audio")
    clips = sorted(name for name in os.listdir(os.path.join(REPO, audio)) if name.startswith("5-"))[:3]
    explained = os.path.join(args.results, "explain")
    run([os.path.join(os.path.dirname(py), "sb-interp"), "explain", "--source",
         os.path.join(runs["lmac"], "pretrained"), *[os.path.join(audio, c) for c in clips],
         "--out", explained, *device])

    with open(os.path.join(REPO, classifier_dir, "test_report.json")) as f:
        report = json.load(f)
    print("\n== Demo results ==")
    print(f"classifier test accuracy: {report['accuracy']:.3f} on {report['n_items']} clips")
    for name, acc in report["per_class_accuracy"].items():
        print(f"  {name:<16s} {acc:.3f}")
    print()
    print(open(os.path.join(REPO, comparison, "comparison.md")).read())
    print(f"classifier:           {classifier_dir}/ (train_log.txt, confusion_matrix.png, pretrained/)")
    for name, folder in runs.items():
        print(f"{name + ' interpretations:':<22s}{folder}/interpretations/test/<clip>/"
              "{original,interpretation}.wav, interpretation.png")
    print(f"faithfulness table:   {comparison}/comparison.md (per-clip CSVs beside it)")
    print()
    print(conditions_summary(os.path.join(REPO, evaluation, "results.json")))
    print(f"evaluation:           {evaluation}/results.md (every table), index.html (listen: "
          "mixture, source, contaminant, each method's interpretation)")
    print(f"explained with sb-interp: {explained}/<clip>/(original.wav, interpretation.wav, "
          "explanation.png, result.json)")
    print("\nExplain your own recordings (any length, rate, channels):")
    print("  from speechbrain_interp.inference import AudioInterpreter")
    print(f'  lmac = AudioInterpreter.from_hparams(source="{runs["lmac"]}/pretrained")')
    print('  out = lmac.interpret_file("my_recording.wav")')
    print(f"  .venv/bin/sb-interp explain --source {runs['lmac']}/pretrained my_recordings/ "
          "--out explanations/")
    print(f"total time: {time.time() - start:.0f} s")


if __name__ == "__main__":
    main()
