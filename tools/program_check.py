#!/usr/bin/env python3
"""Every program of the project, run once on tiny synthetic data, on one device.

Each step is the command a user types (``train.py``, ``train_nmf.py``,
``eval.py``, ``explain.py``, ``sb-interp``), run in its own process with the
device, the precision and the model size asked for, on data this script
makes first (a few seconds of a few clips per class). It answers "does every
program run here, end to end?", not "does it learn": one epoch, a few clips.

    python tools/program_check.py --device cuda --size full --out results/program_check
    python tools/program_check.py --device cpu --size small       # the quick CPU check
    python tools/program_check.py --device cuda --precision bf16  # mixed precision

Steps, in order (a step whose input failed is reported as skipped):

1. ESC-50 classifier (``cnn14.yaml``; ``cnn14_small.yaml`` at ``--size small``);
2. its interpreters: L-MAC, PIQ, the NMF dictionary then L2I, PV;
3. the evaluation of all four and two baselines under two conditions;
4. ``sb-interp explain`` on a long recording made of the test clips;
5. SONYC-UST (multi-label) classifier and L-MAC;
6. NSynth: the Fourier-domain classifier, the RDE in-painter and RDE explain.

Results: ``program_check.{md,json}`` in ``--out`` (one row per step: ok,
seconds, a headline figure) and each step's log in ``<out>/logs/``.

Authors
 * speechbrain-interp developers 2026
"""

import argparse
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import soundfile as sf

from speechbrain_interp.precision import check_run_options

TOOLS = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(TOOLS)
RECIPES = os.path.join(REPO, "recipes")

#: the tiny data: classes, clips per class, clip seconds (ESC-50 and SONYC-UST)
N_CLASSES, CLIPS_PER_CLASS, CLIP_S = 4, 5, 2.0
#: notes per family in train, valid, test (NSynth); three families
NOTES = (4, 2, 2)
NOTE_FAMILIES = ("bass", "organ", "string")
#: seconds of the long recording the command line explains
LONG_S = 30.0

#: YAML per program and size: (recipe folder, script, full-size YAML, small YAML)
PROGRAMS = {
    "esc50_classifier": ("ESC50/classification", "train.py", "cnn14", "cnn14_small"),
    "esc50_lmac": ("ESC50/interpret", "train.py", "lmac", "lmac_small"),
    "esc50_piq": ("ESC50/interpret", "train.py", "piq", "piq_small"),
    "esc50_nmf": ("ESC50/interpret", "train_nmf.py", "nmf", "nmf_small"),
    "esc50_l2i": ("ESC50/interpret", "train.py", "l2i", "l2i_small"),
    "esc50_pv": ("ESC50/interpret", "train.py", "pv", "pv_small"),
    "esc50_eval": ("ESC50/interpret", "eval.py", "eval", "eval_small"),
    "sonyc_classifier": ("SONYC-UST/classification", "train.py", "cnn14", "cnn14_small"),
    "sonyc_lmac": ("SONYC-UST/interpret", "train.py", "lmac", "lmac_small"),
    "nsynth_classifier": ("NSynth/classification", "train.py", "fourier_cnn", "fourier_cnn_small"),
    "nsynth_inpainter": ("NSynth/rde", "train_inpainter.py", "inpainter", "inpainter_small"),
    "nsynth_rde": ("NSynth/rde", "explain.py", "explain", "explain_small"),
}
#: what each step needs to have run first
NEEDS = {
    "esc50_lmac": ["esc50_classifier"], "esc50_piq": ["esc50_classifier"],
    "esc50_nmf": ["esc50_classifier"], "esc50_l2i": ["esc50_nmf"],
    "esc50_pv": ["esc50_classifier"],
    "esc50_eval": ["esc50_lmac", "esc50_piq", "esc50_l2i", "esc50_pv"],
    "cli_long": ["esc50_lmac"], "sonyc_lmac": ["sonyc_classifier"],
    "nsynth_rde": ["nsynth_classifier", "nsynth_inpainter"],
}


def make_data(root):
    """The tiny datasets under ``root`` (ESC-50, WHAM!, LJSpeech, SONYC-UST, NSynth layouts)
    and a long recording; returns the folders by name."""
    from speechbrain_interp.synthetic.notes import make_nsynth_like

    subprocess.run([sys.executable, os.path.join(TOOLS, "make_synthetic_data.py"), "--out", root,
                    "--n_classes", str(N_CLASSES), "--clips_per_class", str(CLIPS_PER_CLASS),
                    "--clip_seconds", str(CLIP_S), "--wham_files", "3", "--wham_seconds", "2", "4",
                    "--ljspeech_utterances", "3", "--sonyc_ust_clips", "30",
                    "--sonyc_ust_seconds", str(CLIP_S), "--sonyc_ust_sample_rate", "16000"],
                   check=True, capture_output=True, text=True)
    nsynth = os.path.join(root, "NSynth")
    make_nsynth_like(nsynth, families=NOTE_FAMILIES, notes_per_family=NOTES)
    audio = os.path.join(root, "ESC-50", "audio")
    pieces, length = [], 0
    for name in sorted(os.listdir(audio)) * 8:
        wave, rate = sf.read(os.path.join(audio, name), dtype="float32")
        pieces.append(wave)
        length += len(wave)
        if length >= LONG_S * rate:
            break
    long_wav = os.path.join(root, "long.wav")
    sf.write(long_wav, np.concatenate(pieces)[: int(LONG_S * rate)], rate)
    return {"esc50": os.path.join(root, "ESC-50"), "wham": os.path.join(root, "wham_noise"),
            "speech": os.path.join(root, "LJSpeech-1.1"), "sonyc": os.path.join(root, "SONYC-UST"),
            "nsynth": nsynth, "long": long_wav}


def commands(data, out, args):
    """Step name -> command line, for the device, precision and size of ``args``."""
    full = args.size == "full"
    run = ["--device", args.device, "--precision", args.precision,
           "--eval_precision", args.precision, "--noprogressbar"]
    one = ["--number_of_epochs", "1", "--batch_size", "4"]
    clip = ["--signal_length_s", str(CLIP_S)]

    def program(name, *extra):
        folder, script, big, small = PROGRAMS[name]
        return [sys.executable, os.path.join(RECIPES, folder, script),
                os.path.join(RECIPES, folder, "hparams", f"{big if full else small}.yaml"),
                "--output_folder", os.path.join(out, name), *run, *extra]

    def source(name):
        return os.path.join(out, name, "pretrained")

    esc = ["--data_folder", data["esc50"], *clip]
    classifier = ["--classifier_source", source("esc50_classifier")]
    narrow = [] if full else ["--base_channels", "4", "--emb_dim", "128"]
    steps = {
        "esc50_classifier": program("esc50_classifier", *esc, *one, *narrow,
                                    "--n_classes", str(N_CLASSES)),
        "esc50_lmac": program("esc50_lmac", *esc, *one, *classifier,
                              "--wham_folder", data["wham"], "--speech_folder", data["speech"]),
        "esc50_piq": program("esc50_piq", *esc, *one, *classifier),
        "esc50_nmf": program("esc50_nmf", *esc, *classifier, "--nmf_iterations", "20"),
        "esc50_l2i": program("esc50_l2i", *esc, *one, *classifier,
                             "--nmf_source", source("esc50_nmf")),
        "esc50_pv": program("esc50_pv", *esc, *one, *classifier),
        "esc50_eval": program(
            "esc50_eval", *esc, *classifier, "--interpreters",
            "{" + ", ".join(f"{m}: {os.path.join(out, 'esc50_' + m)}"
                            for m in ("lmac", "piq", "l2i", "pv")) + "}",
            "--baselines", "[saliency, gradcam]", "--conditions", "[clean, mixture]",
            "--max_clips", "8", "--n_examples", "1"),
        "cli_long": [os.path.join(os.path.dirname(sys.executable), "sb-interp"), "explain",
                     "--source", source("esc50_lmac"), data["long"], "--device", args.device,
                     "--precision", args.precision, "--out", os.path.join(out, "cli_long")],
        "sonyc_classifier": program("sonyc_classifier", "--data_folder", data["sonyc"], *clip,
                                    *one, *narrow),
        "sonyc_lmac": program("sonyc_lmac", "--data_folder", data["sonyc"], *clip, *one,
                              "--classifier_source", source("sonyc_classifier")),
        "nsynth_classifier": program(
            "nsynth_classifier", "--data_folder", data["nsynth"], *one,
            "--n_classes", str(len(NOTE_FAMILIES)), "--download", "False",
            "--nsynth_sources", "null", "--nsynth_families", "null"),
        "nsynth_inpainter": program(
            "nsynth_inpainter", "--data_folder", data["nsynth"], *one, "--download", "False",
            "--nsynth_sources", "null", "--nsynth_families", "null"),
        "nsynth_rde": program(
            "nsynth_rde", "--data_folder", data["nsynth"], "--nsynth_sources", "null",
            "--nsynth_families", "null", "--classifier_source", source("nsynth_classifier"),
            "--inpainter_source", source("nsynth_inpainter"), "--notes_per_class", "1",
            "--n_figures", "1", "--curve_samples", "1",
            "--frequency_query", json.dumps({"steps": 2, "n_samples": 1, "lam": 100.0}),
            "--phase_query", json.dumps({"steps": 2, "n_samples": 1, "lam": 30.0})),
    }
    return steps


def headline(name, out):
    """The step's one figure worth reading (empty when it wrote none)."""
    folder = os.path.join(out, name)

    def load(file):
        path = os.path.join(folder, file)
        return json.load(open(path, encoding="utf-8")) if os.path.isfile(path) else None

    report = load("test_report.json")
    if report and "accuracy" in report:
        return f"test accuracy {report['accuracy']:.2f} ({report.get('n_items', '?')} clips)"
    report = load("tagging_report.json")
    if report and "macro_AUPRC" in report:
        return f"test macro AUPRC {report['macro_AUPRC']:.2f}, micro F1 {report['micro_F1']:.2f}"
    metrics = load("metrics.json")
    if metrics and "AD" in metrics:
        return f"test AI {metrics['AI']:.1f}, AD {metrics['AD']:.1f}, FF {metrics['FF']:.3f}"
    results = load("results.json")
    if results and "clean" in results:
        methods = results["clean"].get("methods", {})
        return f"clean: {len(methods)} methods scored"
    if results and "obfuscations" in results:
        return f"obfuscations: {', '.join(results['obfuscations'])}"
    if name == "cli_long" and os.path.isdir(folder):
        explained = [name for name in os.listdir(folder)
                     if os.path.isfile(os.path.join(folder, name, "result.json"))]
        return f"{len(explained)} recording(s) explained"
    log = os.path.join(folder, "train_log.txt")
    if os.path.isfile(log):  # the last line: the test stage
        lines = open(log, encoding="utf-8").read().strip().splitlines()
        return lines[-1].split(" - ", 1)[-1][:120] if lines else ""
    return ""


def run_lane(lane, steps, out, env, failed, args):
    """Runs the steps of ``lane`` in order (a step whose input failed is skipped);
    returns one row per step. ``failed`` collects the names that did not run."""
    rows = []
    for name in lane:
        missing = [need for need in NEEDS.get(name, []) if need in failed]
        if missing:
            failed.add(name)
            rows.append({"step": name, "ok": False, "seconds": 0.0,
                         "figure": f"skipped: {', '.join(missing)} failed"})
            continue
        cmd = steps[name]
        print(f"[program_check] {name}: {' '.join(cmd)}", file=sys.stderr, flush=True)
        began = time.perf_counter()
        try:
            done = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True,
                                  timeout=args.timeout)
            ok, output = done.returncode == 0, done.stdout + done.stderr
        except subprocess.TimeoutExpired as err:
            ok = False
            output = f"timed out after {args.timeout} s\n{err.stdout or ''}{err.stderr or ''}"
        seconds = time.perf_counter() - began
        with open(os.path.join(out, "logs", f"{name}.log"), "w", encoding="utf-8") as log:
            log.write(" ".join(cmd) + "\n\n" + output)
        if not ok:
            failed.add(name)
        last = output.strip().splitlines()[-1][:200] if output.strip() else ""
        figure = headline(name, out) if ok else last
        rows.append({"step": name, "ok": ok, "seconds": seconds, "figure": figure})
        print(f"[program_check] {name}: {'ok' if ok else 'FAILED'} in {seconds:.0f} s  {figure}",
              file=sys.stderr, flush=True)
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N")
    parser.add_argument("--precision", default="fp32", choices=["fp32", "bf16", "fp16"],
                        help="training --precision and --eval_precision, and the CLI's --precision")
    parser.add_argument("--size", default="full", choices=["full", "small"],
                        help="full: the default (full-size) YAMLs; small: the *_small YAMLs")
    parser.add_argument("--steps", nargs="+", default=None,
                        help="run only these steps (and not what they need)")
    parser.add_argument("--out", default="results/program_check")
    parser.add_argument("--timeout", type=int, default=300, help="seconds per step at most")
    parser.add_argument("--parallel", action="store_true",
                        help="run the ESC-50, SONYC-UST and NSynth chains at the same time "
                        "(a GPU machine's spare cores; each chain stays in order)")
    args = parser.parse_args(argv)
    try:
        check_run_options(args.device, args.precision)
    except ValueError as err:  # DeviceError or PrecisionError, naming what is wrong
        parser.error(str(err))
    out = os.path.abspath(args.out)
    os.makedirs(os.path.join(out, "logs"), exist_ok=True)
    start = time.perf_counter()
    data = make_data(os.path.join(out, "data"))
    steps = commands(data, out, args)
    unknown = sorted(set(args.steps or []) - set(steps))
    if unknown:
        parser.error(f"unknown steps {unknown}; choose from {sorted(steps)}")
    env = dict(os.environ, PYTHONUNBUFFERED="1",
               PYTHONPATH=os.pathsep.join(filter(None, [REPO, os.environ.get("PYTHONPATH")])))
    chosen = {name: cmd for name, cmd in steps.items() if not args.steps or name in args.steps}
    lanes = [[name for name in chosen if name.split("_")[0] == dataset]
             for dataset in ("esc50", "cli", "sonyc", "nsynth")]
    lanes[0] += lanes.pop(1)  # the command line explains the ESC-50 L-MAC
    failed = set()
    if args.parallel:
        with ThreadPoolExecutor(max_workers=len(lanes)) as pool:
            done = list(pool.map(lambda lane: run_lane(lane, chosen, out, env, failed, args),
                                 lanes))
    else:
        done = [run_lane(lane, chosen, out, env, failed, args) for lane in lanes]
    rows = sorted((row for lane in done for row in lane), key=lambda r: list(chosen).index(r["step"]))
    total = time.perf_counter() - start
    lines = [f"Programs on {args.device}, {args.precision}, {args.size}-size YAMLs, tiny synthetic "
             f"data ({N_CLASSES} classes x {CLIPS_PER_CLASS} clips of {CLIP_S:g} s; {LONG_S:g}-s "
             f"recording; NSynth {len(NOTE_FAMILIES)} families): {sum(r['ok'] for r in rows)}/"
             f"{len(rows)} ran, {total:.0f} s in all", "",
             "| program | ran | seconds | figure |", "|---|---|---|---|"]
    lines += [f"| {r['step']} | {'yes' if r['ok'] else 'NO'} | {r['seconds']:.0f} | "
              f"{r['figure'].replace('|', '/')} |" for r in rows]
    text = "\n".join(lines) + "\n"
    with open(os.path.join(out, "program_check.md"), "w", encoding="utf-8") as f:
        f.write(text)
    with open(os.path.join(out, "program_check.json"), "w", encoding="utf-8") as f:
        json.dump({"device": args.device, "precision": args.precision, "size": args.size,
                   "seconds": total, "rows": rows}, f, indent=1)
    print(text)
    return rows


if __name__ == "__main__":
    main()
