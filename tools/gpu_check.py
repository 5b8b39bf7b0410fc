#!/usr/bin/env python3
"""The checks only a GPU can show, in one go, written as one markdown report.

Run it when a GPU is at hand (a few minutes on one H100)::

    python tools/gpu_check.py --out results/gpu_check

and anywhere else with ``--cpu``, which runs the same steps at a small
size on the CPU (the report then says so; its figures show that the script
works, not what a GPU does)::

    python tools/gpu_check.py --cpu --out results/gpu_check_cpu

Steps, each a run of one of the project's benchmarks (its own table is kept
beside the report):

1. ``tools/benchmark.py``: the classifier and every interpreter (and
   Grad-CAM) at full size on CUDA: clips per second, the ratio to one
   classifier forward, the metric suite's ratio, peak CUDA memory;
2. ``tools/benchmark_rde.py``: RDE on a batch of 16 notes against the same
   notes one at a time (target: >= 5x per clip), Fourier and STFT domains;
3. ``tools/benchmark_long.py``: the real-time factor of classifying and
   explaining long recordings (60 s and 600 s);
4. a 2-process DDP run (NCCL) of the classification recipe on synthetic
   data, when the machine has two GPUs or more (otherwise reported as not
   run, with the reason).

The report (``gpu_check.md``) opens with one table: each step's headline
figure and its target; a failed step is reported with the end of its
output, and the other steps still run.

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

#: per step: the arguments at full size (GPU) and at the small CPU size
SIZES = {
    "gpu": {
        "benchmark": ["--batch", "32", "--repeats", "5"],
        "rde": ["--batch", "16", "--stft", "--stft_batch", "16", "--repeats", "3"],
        "long": ["--seconds", "60", "600", "--batch_size", "32", "--repeats", "3"],
    },
    "cpu": {
        "benchmark": ["--base_channels", "8", "--n_classes", "10", "--seconds", "2",
                      "--batch", "2", "--repeats", "1", "--methods", "lmac", "pv", "gradcam"],
        "rde": ["--batch", "4", "--steps", "3", "--repeats", "1", "--obfuscations", "gaussian"],
        "long": ["--base_channels", "8", "--seconds", "10", "30", "--repeats", "1"],
    },
}


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
    """Headline rows of ``tools/benchmark.py``'s results."""
    rows = read_json(os.path.join(folder, "benchmark.json"))["rows"]
    lines = []
    for row in rows:
        if row["method"] == "classifier forward":
            lines.append(("classifier forward", f"{row['clips_per_s']:.1f} clips/s", "-"))
            continue
        lines.append((f"{row['method']}: interpret", f"{row['clips_per_s']:.1f} clips/s, "
                      f"{row['ratio']:.2f}x a forward, suite {row['suite_ratio']:.2f}x",
                      "interpret <= 2x (PV <= 1.1x), suite <= 3.2x"))
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
             "explain / classify <= 1.3")
            for row in read_json(os.path.join(folder, "benchmark_long.json"))["rows"]]


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
    args = parser.parse_args(argv)
    use_gpu = not args.cpu
    if use_gpu and not torch.cuda.is_available():
        parser.error("no CUDA device here: run with --cpu to check the script itself")
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    device = ["--device", "cuda"] if use_gpu else ["--device", "cpu"]
    sizes = SIZES["gpu" if use_gpu else "cpu"]
    steps = {
        "benchmark": ("benchmark.py", sizes["benchmark"], benchmark_lines),
        "rde": ("benchmark_rde.py", sizes["rde"], rde_lines),
        "long": ("benchmark_long.py", sizes["long"], long_lines),
    }
    summary, details = [], []
    for name, (script, extra, lines) in steps.items():
        folder = os.path.join(out, name)
        ok, seconds, tail = run_step(name, [sys.executable, os.path.join(TOOLS, script), *extra,
                                            *device, "--out", folder], out, args.timeout)
        if ok:
            summary += lines(folder)
            table = [f for f in os.listdir(folder) if f.endswith(".md")]
            with open(os.path.join(folder, table[0]), encoding="utf-8") as f:
                details.append(f"### {script} ({seconds:.0f} s)\n\n{f.read().strip()}\n")
        else:
            summary.append((f"{script}", "FAILED (see below)", "-"))
            details.append(f"### {script}: FAILED\n\n```\n{tail}\n```\n")
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
    report += ["", "## Details", ""] + details
    text = "\n".join(report) + "\n"
    with open(os.path.join(out, "gpu_check.md"), "w", encoding="utf-8") as f:
        f.write(text)
    print(text)
    return summary


if __name__ == "__main__":
    main()
