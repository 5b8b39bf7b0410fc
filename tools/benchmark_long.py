#!/usr/bin/env python3
"""Speed and memory of classifying and explaining long recordings.

For each input length, a recording of white noise is cut into windows
(:mod:`speechbrain_interp.inference.windows`) and

* only classified (:func:`~speechbrain_interp.inference.windows.classify_long`),
* explained by L-MAC (light decoder) with the listenable wave
  (:func:`~speechbrain_interp.inference.windows.interpret_long`).

Reported per length: the real-time factor of each (seconds of audio per
second of compute: higher is faster), the ratio explain time / classify
time (median of the per-run ratios, in wall time and in process CPU time;
the two are timed back to back in the same process), and the peak memory
(RSS, absolute) of a fresh process that builds the models and runs the
mode once on that length, with the ratio of each peak to the peak at 60 s
(the shortest length when 60 s is not run).

    python tools/benchmark_long.py                          # full-size CNN14, 10/60/600 s
    python tools/benchmark_long.py --base_channels 8 --seconds 10 30 --repeats 2
    python tools/benchmark_long.py --profile                # where the explain time goes

Results: a markdown table on stdout and ``<out>/benchmark_long.{md,json}``.
Weights are random: speed does not depend on them. The window hop is
rounded to whole STFT hops (``align_to_frames``), as ``interpret_long``
requires.

Authors
 * speechbrain-interp developers 2026
"""

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import time

import torch

from speechbrain_interp.evaluation.reports import write_table
from speechbrain_interp.inference.windows import (
    align_to_frames,
    classify_long,
    interpret_long,
    window_starts,
)
from speechbrain_interp.precision import check_run_options

MODES = ("classify", "explain")


def build_classifier(args):
    """A classifier of the requested size (random weights)."""
    from speechbrain_interp.classifier import AudioClassifier
    from speechbrain_interp.frontend import SpectralFrontEnd
    from speechbrain_interp.models import CNN14

    encoder = CNN14(n_mels=80, base_channels=args.base_channels)
    return AudioClassifier(SpectralFrontEnd(), encoder,
                           torch.nn.Linear(encoder.emb_dim, args.n_classes)).freeze().to(args.device)


def build_interpreter(classifier, precision="fp32"):
    """L-MAC with the light decoder (random weights), on the classifier's device
    (the decoder is built on the CPU: on CUDA the memory probe failed, issue 26),
    explaining in ``precision``."""
    from speechbrain_interp.interpreters import LMAC

    device = next(classifier.parameters()).device
    interpreter = LMAC(classifier, decoder="light").to(device).eval()
    interpreter.precision = precision
    return interpreter


def samples(args, classifier):
    """Window and (frame-aligned) hop in samples."""
    rate = classifier.sample_rate
    window = int(round(args.window * rate))
    hop = align_to_frames(args.hop * rate, classifier.frontend.hop_samples)
    return window, hop


def run_mode(mode, model, wave, window, hop, batch_size, precision="fp32"):
    """One ``classify_long`` (model: classifier) or ``interpret_long`` (model: interpreter,
    in its own ``precision``), its device work included."""
    from speechbrain_interp.precision import autocast

    if mode == "classify":
        with autocast(precision, wave.device):
            out = classify_long(model, wave, window, hop, batch_size)
    else:
        out = interpret_long(model, wave, window, hop, batch_size, with_wave=True)
    if wave.is_cuda:
        torch.cuda.synchronize(wave.device)
    return out


def peak_memory_mb(mode, seconds, args):
    """Peak RSS (MB) of a fresh process that runs ``mode`` once on ``seconds`` of audio."""
    cmd = [sys.executable, os.path.abspath(__file__), "--_memory_probe", mode,
           "--seconds", str(seconds), "--base_channels", str(args.base_channels),
           "--n_classes", str(args.n_classes), "--window", str(args.window),
           "--hop", str(args.hop), "--batch_size", str(args.batch_size),
           "--threads", str(args.threads), "--device", args.device, "--precision", args.precision]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def _memory_probe(args):
    classifier = build_classifier(args)
    model = (classifier if args._memory_probe == "classify"
             else build_interpreter(classifier, args.precision))
    window, hop = samples(args, classifier)
    wave = torch.randn(int(args.seconds[0] * classifier.sample_rate), device=args.device)
    run_mode(args._memory_probe, model, wave, window, hop, args.batch_size, args.precision)
    if torch.device(args.device).type == "cuda":
        print(torch.cuda.max_memory_allocated(args.device) / 2**20)
    else:
        print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0)


def profile_explain(interpreter, wave, window, hop, batch_size):
    """Seconds spent in each part of ``interpret_long`` on ``wave`` (one run).

    The parts are timed by wrapping what the windowed path calls: the STFT
    of the windows (``frontend.spectrogram``), the classifier forward, the
    decoder, and the listenable wave (``masked_wave``, its own STFTs
    included); "rest" is the overlap-add and bookkeeping.
    """
    from speechbrain_interp.inference import windows

    spent = {"stft": 0.0, "classifier": 0.0, "decoder": 0.0, "wave synthesis": 0.0}
    inside = []  # the parts being timed now (a part's nested calls are not counted twice)
    restore = []

    def timed(owner, name, key):
        original = getattr(owner, name)

        def wrapper(*a, **k):
            if inside:
                return original(*a, **k)
            inside.append(key)
            start = time.perf_counter()
            try:
                return original(*a, **k)
            finally:
                spent[key] += time.perf_counter() - start
                inside.pop()
        restore.append((owner, name, original))
        setattr(owner, name, wrapper)

    timed(interpreter.frontend, "spectrogram", "stft")
    timed(interpreter.classifier, "forward", "classifier")
    timed(interpreter.decoder, "forward", "decoder")
    timed(windows, "masked_wave", "wave synthesis")
    try:
        start = time.perf_counter()
        interpret_long(interpreter, wave, window, hop, batch_size, with_wave=True)
        total = time.perf_counter() - start
    finally:
        for owner, name, original in reversed(restore):
            if owner is windows:
                setattr(owner, name, original)
            else:  # drop the instance attribute: the class's method is back
                delattr(owner, name)
    spent["rest"] = total - sum(spent.values())
    spent["total"] = total
    return spent


def _where(args):
    """The device in words."""
    if torch.device(args.device).type == "cuda":
        return torch.cuda.get_device_name(args.device)
    return f"{args.threads} threads, {platform.processor() or platform.machine()}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, nargs="+", default=[10.0, 60.0, 600.0],
                        help="recording lengths (s)")
    parser.add_argument("--window", type=float, default=5.0, help="window (s): the training clip length")
    parser.add_argument("--hop", type=float, default=2.5, help="window hop (s), rounded to STFT hops")
    parser.add_argument("--batch_size", type=int, default=8, help="windows per model call")
    parser.add_argument("--base_channels", type=int, default=64, help="64 = full-size CNN14")
    parser.add_argument("--n_classes", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N (peak memory: "
                        "allocated CUDA memory instead of RSS)")
    parser.add_argument("--precision", default="fp32", choices=["fp32", "bf16", "fp16"],
                        help="autocast of the classifier and the interpreter (masks stay fp32)")
    parser.add_argument("--out", default="results/benchmark_long")
    parser.add_argument("--no_memory", action="store_true", help="skip the memory subprocesses")
    parser.add_argument("--profile", action="store_true",
                        help="also split one explain run per length into its parts")
    parser.add_argument("--_memory_probe", default=None, choices=MODES, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    try:
        check_run_options(args.device, args.precision)
    except ValueError as err:  # DeviceError or PrecisionError, naming what is wrong
        parser.error(str(err))
    if args._memory_probe is not None:
        return _memory_probe(args)

    # memory first: a child process inherits the parent's peak RSS, so the
    # probes run before this process builds anything large
    memory = {}
    if not args.no_memory:
        for seconds in args.seconds:
            for mode in MODES:
                memory[(seconds, mode)] = peak_memory_mb(mode, seconds, args)

    torch.manual_seed(0)
    classifier = build_classifier(args)
    interpreter = build_interpreter(classifier, args.precision)
    models = {"classify": classifier, "explain": interpreter}
    window, hop = samples(args, classifier)
    rate = classifier.sample_rate
    for mode in MODES:  # warm-up
        run_mode(mode, models[mode], torch.randn(2 * window, device=args.device), window, hop,
                 args.batch_size, args.precision)
    rows = []
    for seconds in args.seconds:
        wave = torch.randn(int(seconds * rate), device=args.device)
        times = {mode: [] for mode in MODES}
        cpu = {mode: [] for mode in MODES}
        for _ in range(args.repeats):  # back to back: each ratio against a fresh classify
            for mode in MODES:
                start, start_cpu = time.perf_counter(), time.process_time()
                run_mode(mode, models[mode], wave, window, hop, args.batch_size, args.precision)
                times[mode].append(time.perf_counter() - start)
                cpu[mode].append(time.process_time() - start_cpu)
        row = {"seconds": seconds, "windows": len(window_starts(len(wave), window, hop)),
               "ratio": statistics.median(e / c for e, c in zip(times["explain"], times["classify"])),
               "cpu_ratio": statistics.median(e / c for e, c in zip(cpu["explain"], cpu["classify"]))}
        for mode in MODES:
            row[f"{mode}_seconds"] = statistics.median(times[mode])
            row[f"{mode}_rtf"] = seconds / row[f"{mode}_seconds"]
            row[f"{mode}_cpu_seconds"] = statistics.median(cpu[mode])
            row[f"{mode}_peak_mb"] = memory.get((seconds, mode))
        if args.profile:
            row["profile"] = profile_explain(interpreter, wave, window, hop, args.batch_size)
        rows.append(row)
        print(f"{seconds:g} s done: classify {row['classify_seconds']:.2f} s, "
              f"explain {row['explain_seconds']:.2f} s", file=sys.stderr, flush=True)
        del wave

    reference = 60.0 if 60.0 in args.seconds else min(args.seconds)
    for row in rows:
        for mode in MODES:
            peak, base = row[f"{mode}_peak_mb"], memory.get((reference, mode))
            row[f"{mode}_peak_ratio"] = None if peak is None or base is None else peak / base

    params = sum(p.numel() for p in classifier.embedding_model.parameters()) / 1e6
    own = sum(p.numel() for p in interpreter.decoder.parameters()) / 1e6
    setting = (f"CNN14 base_channels={args.base_channels} ({params:.1f} M) + L-MAC light decoder "
               f"({own:.2f} M), {args.n_classes} classes, windows of {window} samples "
               f"({window / rate:g} s), hop {hop} samples ({hop / rate:g} s), batch {args.batch_size}, "
               f"{_where(args)}, {args.precision}, "
               f"torch {torch.__version__}, median of {args.repeats} runs")
    lines = [f"Long-recording benchmark: {setting}", "",
             "RTF: seconds of audio per second of compute (higher is faster). "
             "explain / classify: median of back-to-back runs (target <= 1.3), in wall time "
             "and in process CPU time (the latter is less disturbed by other processes). "
             f"Peak RSS: fresh process per (length, mode), absolute; ratio to the {reference:g} s "
             "peak (target <= 1.5 at 600 s).", "",
             "| audio (s) | windows | classify (s) | classify RTF | explain + wave (s) | explain RTF "
             "| explain / classify (wall, CPU) | peak RSS classify (MB) | peak RSS explain (MB) "
             f"| peak / peak at {reference:g} s (classify, explain) |",
             "|---|---|---|---|---|---|---|---|---|---|"]

    def number(value, fmt):
        return "-" if value is None else format(value, fmt)

    for row in rows:
        lines.append(
            f"| {row['seconds']:g} | {row['windows']} | {row['classify_seconds']:.2f} | "
            f"{row['classify_rtf']:.1f}x | {row['explain_seconds']:.2f} | {row['explain_rtf']:.1f}x | "
            f"{row['ratio']:.2f}, {row['cpu_ratio']:.2f} | {number(row['classify_peak_mb'], '.0f')} | "
            f"{number(row['explain_peak_mb'], '.0f')} | {number(row['classify_peak_ratio'], '.2f')}, "
            f"{number(row['explain_peak_ratio'], '.2f')} |")
    if args.profile:
        parts = ["stft", "classifier", "decoder", "wave synthesis", "rest", "total"]
        lines += ["", "Explain time by part (one run, s):", "",
                  "| audio (s) | " + " | ".join(parts) + " |", "|---" * (len(parts) + 1) + "|"]
        for row in rows:
            lines.append(f"| {row['seconds']:g} | "
                         + " | ".join(f"{row['profile'][p]:.2f}" for p in parts) + " |")
    table = "\n".join(lines)
    write_table(args.out, "benchmark_long", table, {"setting": setting, "rows": rows})
    return rows


if __name__ == "__main__":
    main()
