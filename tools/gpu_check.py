#!/usr/bin/env python3
"""The checks only a GPU can show, in one go, written as one markdown report.

Run it when a GPU is at hand (a few minutes on one H100)::

    python tools/gpu_check.py --out results/gpu_check

and anywhere else with ``--cpu``, which runs the same steps at a small
size on the CPU (the report then says so; its figures show that the script
works, not what a GPU does)::

    python tools/gpu_check.py --cpu --out results/gpu_check_cpu

Steps, each a run of one of the project's tools (its own table is kept
beside the report):

1. ``benchmark``: ``tools/benchmark.py``, the classifier and every
   interpreter (and Grad-CAM) at full size, batch 128 x 5 s: clips per
   second, the ratio to one classifier forward, the metric suite's ratio,
   peak CUDA memory; ``benchmark_bf16`` the same in bf16 (and how far each
   bf16 mask is from its fp32 mask); ``channels_last`` and ``compile``:
   L-MAC in bf16 with the encoder in channels-last layout, and compiled
   (measured, to keep what pays);
2. ``rde``: ``tools/benchmark_rde.py``, RDE on a batch of 16 notes against
   the same notes one at a time (target: >= 5x per clip), Fourier and STFT;
3. ``long`` and ``long_bf16``: ``tools/benchmark_long.py``, the real-time
   factor of classifying and explaining long recordings (60 s and 600 s);
4. ``programs``: ``tools/program_check.py``, every program once at full size
   on tiny synthetic data (classifier, L-MAC, PIQ, NMF, L2I, PV, evaluation,
   ``sb-interp`` on a 30-s recording, SONYC-UST classifier and L-MAC, NSynth
   classifier, in-painter and RDE); ``programs_bf16``: the classifier, L-MAC
   and the command line in bf16;
5. a 2-process DDP run (NCCL) of the classification recipe on synthetic
   data, when the machine has two GPUs or more (otherwise reported as not
   run, with the reason).

On one H100/H200 the whole script is meant to finish within 8 minutes.
The report (``gpu_check.md``) opens with one table: each step's headline
figure and its target; then fp32 and bf16 side by side; a failed step is
reported with the end of its output, and the other steps still run.

Authors
 * speechbrain-interp developers 2026
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

import torch

TOOLS = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(TOOLS)

#: the trained interpreters (their interpret ratio target is <= 1.3x a forward)
TRAINED = ("lmac", "lmac_paper", "piq", "l2i", "pv", "pv_narrow")

#: per step: (script, arguments at full size on the GPU, arguments at the small CPU size);
#: ``None``: the step does not run at that size (the reason is in SKIPPED)
STEPS = {
    "benchmark": ("benchmark.py", ["--batch", "128", "--repeats", "5"],
                  ["--base_channels", "8", "--n_classes", "10", "--seconds", "2", "--batch", "2",
                   "--repeats", "1", "--methods", "lmac", "pv", "gradcam"]),
    "benchmark_bf16": ("benchmark.py", ["--batch", "128", "--repeats", "5", "--precision", "bf16",
                                        "--no_memory"],
                       ["--base_channels", "8", "--n_classes", "10", "--seconds", "2", "--batch",
                        "2", "--repeats", "1", "--methods", "lmac", "pv", "gradcam",
                        "--precision", "bf16", "--no_memory"]),
    "channels_last": ("benchmark.py", ["--batch", "128", "--repeats", "5", "--precision", "bf16",
                                       "--no_memory", "--channels_last", "--methods", "lmac"],
                      ["--base_channels", "8", "--n_classes", "10", "--seconds", "2", "--batch",
                       "2", "--repeats", "1", "--methods", "lmac", "--precision", "bf16",
                       "--no_memory", "--channels_last"]),
    "compile": ("benchmark.py", ["--batch", "128", "--repeats", "5", "--precision", "bf16",
                                 "--no_memory", "--compile", "--methods", "lmac"], None),
    "rde": ("benchmark_rde.py", ["--batch", "16", "--stft", "--stft_batch", "16", "--repeats", "3"],
            ["--batch", "4", "--steps", "3", "--repeats", "1", "--obfuscations", "gaussian"]),
    "long": ("benchmark_long.py", ["--seconds", "60", "600", "--batch_size", "64", "--repeats", "3"],
             ["--base_channels", "8", "--seconds", "10", "30", "--repeats", "1"]),
    "long_bf16": ("benchmark_long.py", ["--seconds", "600", "--batch_size", "64", "--repeats", "3",
                                        "--precision", "bf16", "--no_memory"],
                  ["--base_channels", "8", "--seconds", "10", "--repeats", "1",
                   "--precision", "bf16", "--no_memory"]),
    "programs": ("program_check.py", ["--size", "full", "--parallel"],
                 ["--size", "small", "--parallel"]),
    "programs_bf16": ("program_check.py", ["--size", "full", "--precision", "bf16", "--steps",
                                           "esc50_classifier", "esc50_lmac", "cli_long"],
                      ["--size", "small", "--precision", "bf16", "--steps", "esc50_classifier",
                       "esc50_lmac", "cli_long"]),
}
SKIPPED = {"compile": "not run on the CPU: torch.compile of CNN14 takes minutes there"}


def run_step(name, cmd, log_dir, timeout):
    """Runs ``cmd``; returns ``(ok, seconds, tail of its output)`` and keeps its log."""
    start = time.perf_counter()
    print(f"[gpu_check] {name}: {' '.join(cmd)}", file=sys.stderr, flush=True)
    env = dict(os.environ, PYTHONUNBUFFERED="1",
               PYTHONPATH=os.pathsep.join(filter(None, [REPO, os.environ.get("PYTHONPATH")])))
    try:
        done = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True,
                              timeout=timeout)
        ok, output = done.returncode == 0, done.stdout + done.stderr
    except subprocess.TimeoutExpired as err:
        ok = False
        output = f"timed out after {timeout} s\n" + (err.stdout or "") + (err.stderr or "")
    with open(os.path.join(log_dir, f"{name}.log"), "w", encoding="utf-8") as log:
        log.write(output)
    seconds = time.perf_counter() - start
    print(f"[gpu_check] {name}: {'done' if ok else 'FAILED'} in {seconds:.0f} s",
          file=sys.stderr, flush=True)
    return ok, seconds, output[-1500:]


def read_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def benchmark_lines(folder):
    """Headline rows of ``tools/benchmark.py``'s results, against the issue-26 targets
    (one H100/H200 at bf16, 5-s clips)."""
    result = read_json(os.path.join(folder, "benchmark.json"))
    lines = []
    for row in result["rows"]:
        if row["method"] == "classifier forward":
            lines.append(("classifier forward", f"{row['clips_per_s']:.0f} clips/s",
                          ">= 15000 clips/s (bf16)"))
            continue
        target = ("<= 1.15x and >= 13000 clips/s (bf16)" if row["method"] == "lmac"
                  else "<= 1.3x (bf16)" if row["method"] in TRAINED else "-")
        lines.append((f"{row['method']}: interpret", f"{row['clips_per_s']:.0f} clips/s, "
                      f"{row['ratio']:.2f}x a forward; suite {row['suite_ratio']:.2f}x",
                      target + "; suite <= 3.2x"))
    return lines


def rde_lines(folder):
    """Headline rows of ``tools/benchmark_rde.py``'s results."""
    return [(f"RDE {row['setting']}: batch vs one at a time",
             f"{row['speedup']:.1f}x per clip", ">= 5x")
            for row in read_json(os.path.join(folder, "rde.json"))]


def long_lines(folder):
    """Headline rows of ``tools/benchmark_long.py``'s results."""
    return [(f"{row['seconds']:g} s recording", f"classify RTF {row['classify_rtf']:.0f}x, "
             f"explain RTF {row['explain_rtf']:.0f}x, explain / classify {row['ratio']:.2f}",
             "explain RTF >= 2000x at 600 s (bf16); explain / classify <= 1.3")
            for row in read_json(os.path.join(folder, "benchmark_long.json"))["rows"]]


def program_lines(folder):
    """One row: how many programs ran, and which did not."""
    result = read_json(os.path.join(folder, "program_check.json"))
    failed = [row["step"] for row in result["rows"] if not row["ok"]]
    ran = sum(row["ok"] for row in result["rows"])
    return [(f"programs ({result['precision']}, {result['size']} size)",
             f"{ran}/{len(result['rows'])} ran in {result['seconds']:.0f} s"
             + (f"; FAILED: {', '.join(failed)}" if failed else ""), "all run")]


def precision_table(out):
    """fp32 and bf16 side by side (``benchmark`` and ``benchmark_bf16``): throughput,
    ratio to a forward in the same precision, and how far the bf16 masks are from fp32."""
    try:
        runs = {p: {r["method"]: r for r in read_json(os.path.join(out, step, "benchmark.json"))["rows"]}
                for p, step in (("fp32", "benchmark"), ("bf16", "benchmark_bf16"))}
    except OSError:
        return []
    lines = ["## fp32 and bf16 side by side", "",
             "| method | fp32 clips/s | bf16 clips/s | bf16 speed-up | fp32 ratio | bf16 ratio "
             "| bf16 suite ratio | mean / max per-clip mean abs(mask - fp32 mask) |",
             "|---|---|---|---|---|---|---|---|"]
    for method, fp32 in runs["fp32"].items():
        bf16 = runs["bf16"].get(method)
        if bf16 is None:
            continue
        delta = (f"{bf16['mask_delta']:.2e} / {bf16['mask_delta_max']:.2e}"
                 if "mask_delta" in bf16 else "-")
        suite = "-" if bf16.get("suite_ratio") is None else f"{bf16['suite_ratio']:.2f}x"
        lines.append(f"| {method} | {fp32['clips_per_s']:.0f} | {bf16['clips_per_s']:.0f} | "
                     f"{bf16['clips_per_s'] / fp32['clips_per_s']:.2f}x | {fp32['ratio']:.2f}x | "
                     f"{bf16['ratio']:.2f}x | {suite} | {delta} |")
    return lines + [""]


LINES = {"benchmark.py": benchmark_lines, "benchmark_rde.py": rde_lines,
         "benchmark_long.py": long_lines, "program_check.py": program_lines}


def ddp_step(args, out, use_gpu):
    """A 2-process DDP classification run (NCCL) on synthetic data, or why not."""
    n_gpus = torch.cuda.device_count() if use_gpu else 0
    if n_gpus < 2:
        return None, f"not run: {n_gpus} GPU(s) here (needs 2)"
    data = tempfile.mkdtemp(prefix="gpu_check_data_")
    ok, _, tail = run_step("ddp_data", [sys.executable, os.path.join(TOOLS, "make_synthetic_data.py"),
                                        "--out", data, "--n_classes", "4", "--clips_per_class", "8",
                                        "--clip_seconds", "1.0"], out, args.timeout)
    if not ok:
        return False, tail
    runner = os.path.join(os.path.dirname(sys.executable), "torchrun")
    recipe = os.path.join(REPO, "recipes", "ESC50", "classification")
    cmd = [runner, "--nproc_per_node=2", os.path.join(recipe, "train.py"),
           os.path.join(recipe, "hparams", "cnn14_small.yaml"),
           "--data_folder", os.path.join(data, "ESC-50"), "--output_folder",
           os.path.join(data, "ddp"), "--n_classes", "4", "--signal_length_s", "1.0",
           "--number_of_epochs", "2", "--distributed_backend", "nccl", "--noprogressbar"]
    ok, seconds, tail = run_step("ddp", cmd, out, args.timeout)
    if not ok:
        return False, tail
    report = read_json(os.path.join(data, "ddp", "test_report.json"))
    return True, f"2 processes, NCCL: test accuracy {report['accuracy']:.2f} in {seconds:.0f} s"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cpu", action="store_true",
                        help="run the steps at a small size on the CPU (no GPU needed)")
    parser.add_argument("--out", default="results/gpu_check")
    parser.add_argument("--timeout", type=int, default=240, help="seconds per step at most")
    parser.add_argument("--steps", nargs="+", default=None, choices=sorted(STEPS),
                        help="run only these steps (default: all, then DDP)")
    args = parser.parse_args(argv)
    use_gpu = not args.cpu
    if use_gpu and not torch.cuda.is_available():
        parser.error("no CUDA device here: run with --cpu to check the script itself")
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    device = ["--device", "cuda"] if use_gpu else ["--device", "cpu"]
    summary, details = [], []
    for name, (script, gpu_args, cpu_args) in STEPS.items():
        if args.steps and name not in args.steps:
            continue
        extra = gpu_args if use_gpu else cpu_args
        if extra is None:
            summary.append((name, SKIPPED[name], "-"))
            continue
        folder = os.path.join(out, name)
        ok, seconds, tail = run_step(name, [sys.executable, os.path.join(TOOLS, script), *extra,
                                            *device, "--out", folder], out, args.timeout)
        if ok:
            summary += [(f"[{name}] {what}", value, target)
                        for what, value, target in LINES[script](folder)]
            table = sorted(f for f in os.listdir(folder) if f.endswith(".md"))
            with open(os.path.join(folder, table[0]), encoding="utf-8") as f:
                details.append(f"### {name}: {script} ({seconds:.0f} s)\n\n{f.read().strip()}\n")
        else:
            summary.append((f"[{name}] {script}", "FAILED (see below)", "-"))
            details.append(f"### {name}: {script} FAILED\n\n```\n{tail}\n```\n")
    ok, text = ddp_step(args, out, use_gpu)
    summary.append(("DDP, 2 GPUs", text if ok is not False else "FAILED (see below)", "runs"))
    if ok is False:
        details.append(f"### DDP: FAILED\n\n```\n{text}\n```\n")

    if use_gpu:
        where = (f"{torch.cuda.get_device_name(0)} ({torch.cuda.device_count()} GPU), "
                 f"torch {torch.__version__}, CUDA {torch.version.cuda}")
    else:
        where = (f"CPU ONLY ({platform.processor() or platform.machine()}, small models): "
                 "this run checks the script, its figures are not GPU figures")
    report = [f"# GPU check: {where}", "", f"Run {time.strftime('%Y-%m-%d %H:%M')}.", "",
              "| check | measured | target |", "|---|---|---|"]
    report += [f"| {what} | {value} | {target} |" for what, value, target in summary]
    report += [""] + precision_table(out) + ["## Details", ""] + details
    text = "\n".join(report) + "\n"
    with open(os.path.join(out, "gpu_check.md"), "w", encoding="utf-8") as f:
        f.write(text)
    print(text)
    return summary


if __name__ == "__main__":
    main()
