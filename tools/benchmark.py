#!/usr/bin/env python3
"""Cost of each interpreter relative to one classifier forward.

For every method, the time of ``interpret(wave)`` (spectrogram, classifier
forward, the method's own work and the listenable wave) is reported as a
ratio to one classifier forward on the same batch (waves in, logits out):
each repetition times a forward and an ``interpret`` back to back, and the
table gives the median of these ratios (and of the times). The same is
done for the whole evaluation of a batch (:func:`speechbrain_interp.evaluation.suite.score_batch`):
the interpretation plus every faithfulness metric ("metric suite"), and
with the ground-truth localisation of a mixture on top (wave synthesis,
oracle masks, AUC, IoU, SI-SDR: "suite + ground truth"). Also: the peak
memory of a fresh process that only builds the models and runs the
method once (RSS on CPU, allocated device memory on CUDA), the method's
parameter count and its throughput in clips per second.

Each interpreter is built with the settings of its full-size ESC-50 YAML
(``recipes/ESC50/interpret/hparams/<method>.yaml``: what a user trains),
around a CNN14 of the requested size. One line per method is printed as it
finishes; the table comes at the end.

    python tools/benchmark.py                      # full-size CNN14, batch 8 x 5 s
    python tools/benchmark.py --base_channels 16 --n_classes 10 --seconds 3
    python tools/benchmark.py --methods lmac gradcam --repeats 5
    python tools/benchmark.py --device cuda --batch 32

Results: a markdown table on stdout and ``<out>/benchmark.{md,json}``.
Weights are random: speed does not depend on them.

Authors
 * speechbrain-interp developers 2026
"""

import argparse
import inspect
import os
import platform
import resource
import statistics
import subprocess
import sys
import time

import torch

from speechbrain_interp.evaluation.reports import write_table
from speechbrain_interp.evaluation.suite import score_batch
from speechbrain_interp.precision import check_run_options

#: method name -> description
METHODS = {
    "lmac": "L-MAC, light decoder (ours)",
    "lmac_paper": "L-MAC, paper-size transposed-conv decoder",
    "piq": "PIQ (class-partitioned VQ, light decoder)",
    "l2i": "L2I (Psi/Theta + NMF dictionary)",
    "pv": "Perception Visualization (decoder of the deepest map + Grad-CAM)",
    "pv_narrow": "Perception Visualization, decoder widths halved from the YAML's",
    "gradcam": "Grad-CAM (baseline, deepest block)",
}

#: the recipe YAMLs whose settings the interpreters are built with
HPARAMS = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "recipes",
                       "ESC50", "interpret", "hparams")
#: constructor argument -> YAML key, where the names differ
ALIASES = {"channels": "decoder_channels"}


def yaml_settings(cls, stem):
    """Constructor arguments of ``cls`` that ``<stem>.yaml`` sets (plain values only)."""
    from speechbrain_interp.programs.overrides import read_plain

    plain = read_plain(os.path.join(HPARAMS, f"{stem}.yaml"),
                       {"data_folder": "-", "classifier_source": "-", "nmf_source": "-"})
    settings = {}
    for name in inspect.signature(cls.__init__).parameters:
        value = plain.get(ALIASES.get(name, name))
        if value is not None and name not in ("self", "classifier"):
            settings[name] = value
    return settings


def synchronize(device):
    """Waits for the device's queued work (CUDA kernels run asynchronously)."""
    if torch.device(device).type == "cuda":
        torch.cuda.synchronize(device)


def build_classifier(args):
    """A classifier of the requested size (random weights), its encoder in the
    memory layout (``--channels_last``) and compiled (``--compile``) as asked."""
    from speechbrain_interp.classifier import AudioClassifier
    from speechbrain_interp.frontend import SpectralFrontEnd
    from speechbrain_interp.models import CNN14

    encoder = CNN14(n_mels=80, base_channels=args.base_channels)
    head = torch.nn.Linear(encoder.emb_dim, args.n_classes)
    classifier = AudioClassifier(SpectralFrontEnd(), encoder, head).freeze().to(args.device)
    if getattr(args, "channels_last", False):
        classifier.embedding_model.to(memory_format=torch.channels_last)
    if getattr(args, "compile", False):
        classifier.embedding_model = torch.compile(classifier.embedding_model, dynamic=True)
    return classifier


def forward_in(classifier, wave, args):
    """One classifier forward (waves in, logits out) in ``--precision``."""
    from speechbrain_interp.precision import autocast

    with autocast(args.precision, args.device):
        return classifier(wave=wave)


def build_method(name, classifier, args):
    """The interpreter called ``name`` around ``classifier`` (its YAML's settings)."""
    from speechbrain_interp import interpreters

    if name in ("lmac", "lmac_paper"):
        settings = yaml_settings(interpreters.LMAC, "lmac")
        if name == "lmac_paper":
            settings.update(decoder="paper", paper_dim=args.paper_dim)
        method = interpreters.LMAC(classifier, **settings)
    elif name == "piq":
        settings = yaml_settings(interpreters.PIQ, "piq")
        settings["n_codes"] = max(settings.get("n_codes", 0), args.n_classes)
        method = interpreters.PIQ(classifier, **settings)
    elif name == "l2i":
        from speechbrain_interp.interpreters.l2i.nmf import NMFDictionary

        settings = yaml_settings(interpreters.L2I, "l2i")
        nmf = NMFDictionary(classifier.frontend.n_freqs, settings.pop("n_components", 100))
        nmf.W.copy_(torch.rand_like(nmf.W))
        method = interpreters.L2I(classifier, nmf, **settings)
    elif name in ("pv", "pv_narrow"):
        settings = yaml_settings(interpreters.PerceptionVisualization, "pv")
        if name == "pv_narrow":
            settings["channels"] = [max(1, c // 2) for c in settings["channels"]]
        method = interpreters.PerceptionVisualization(classifier, **settings)
        method.reconstructor.range.update(torch.tensor([0.0, 5.0]))  # a fitted target range
    elif name == "gradcam":
        method = interpreters.GradCAM(classifier)
    else:
        raise ValueError(f"unknown method {name!r}; choose from {sorted(METHODS)}")
    method = method.to(args.device)
    method.precision = getattr(args, "precision", "fp32")
    return method


def mask_agreement(method, wave):
    """Mean and largest per-clip mean |M - M_fp32| of ``method``'s masks in its
    precision against the same method in fp32 on ``wave``."""
    precision = method.precision
    masks = {}
    for setting in (precision, "fp32"):
        method.precision = setting
        with torch.enable_grad() if method.needs_input_grad else torch.no_grad():
            masks[setting] = method.interpret(wave, with_wave=False).mask.float()
    method.precision = precision
    per_clip = (masks[precision] - masks["fp32"]).abs().flatten(1).mean(1)
    return float(per_clip.mean()), float(per_clip.max())


def n_parameters(module):
    """Parameters of ``module`` that are not the classifier's."""
    own = {id(p) for p in module.classifier.parameters()}
    return sum(p.numel() for p in module.parameters() if id(p) not in own)


def median_time(fn, repeats, warmup=1, device="cpu"):
    """Median wall time of ``fn()`` in seconds (device work included)."""
    for _ in range(warmup):
        fn()
    synchronize(device)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        synchronize(device)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def peak_memory_mb(method, args):
    """Peak memory of a fresh process that runs ``method`` (or the classifier: None)."""
    cmd = [sys.executable, os.path.abspath(__file__), "--_memory_probe", method or "",
           "--base_channels", str(args.base_channels), "--n_classes", str(args.n_classes),
           "--seconds", str(args.seconds), "--batch", str(args.batch),
           "--threads", str(args.threads), "--device", args.device, "--precision", args.precision]
    cmd += ["--channels_last"] * args.channels_last + ["--compile"] * args.compile
    if args.paper_dim:
        cmd += ["--paper_dim", str(args.paper_dim)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def _memory_probe(args):
    """Prints the peak memory (MB) of building and running one method once:
    process RSS on CPU, CUDA allocations on a GPU."""
    classifier = build_classifier(args)
    wave = torch.randn(args.batch, int(args.seconds * 16000), device=args.device)
    with torch.no_grad():
        if args._memory_probe:
            method = build_method(args._memory_probe, classifier, args).eval()
            context = torch.enable_grad() if method.needs_input_grad else torch.no_grad()
            with context:
                method.interpret(wave)
        else:
            forward_in(classifier, wave, args)
    if torch.device(args.device).type == "cuda":
        print(torch.cuda.max_memory_allocated(args.device) / 2**20)
    else:
        print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0)


def _mixture_parts(classifier, wave):
    """Ground truth of ``wave`` mixed with white noise at 3 dB (what the evaluation scores)."""
    from speechbrain_interp.augment.mixing import mix_at_snr

    mixture, source, noise = mix_at_snr(wave, torch.randn_like(wave), 3.0, return_parts=True)
    wave.copy_(mixture)
    spectrogram = classifier.frontend.spectrogram
    return {"source": source, "contaminant": noise,
            "magnitudes": tuple(spectrogram(w)[0] for w in (mixture, source, noise)),
            "label": torch.zeros(wave.shape[0], dtype=torch.long, device=wave.device),
            "contaminant_label": None}


def progress(message):
    """One progress line on stderr (the table goes to stdout)."""
    print(f"[benchmark {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def ratio(value):
    """``1.23x``, or ``-`` for no value."""
    return "-" if value is None else f"{value:.2f}x"


def time_method(method, jobs, forward, args):
    """Median time and median ratio to a fresh forward, per job of one method."""
    row = {}
    for prefix, run in jobs.items():
        run()  # warm-up
        seconds, ratios = [], []
        for _ in range(args.repeats):  # interleaved: each ratio against a fresh forward
            base = median_time(forward, 1, warmup=0, device=args.device)
            took = median_time(run, 1, warmup=0, device=args.device)
            seconds.append(took)
            ratios.append(took / base)
        row[prefix + "seconds"] = statistics.median(seconds)
        row[prefix + "ratio"] = statistics.median(ratios)
    row["clips_per_s"] = args.batch / row["seconds"]
    return row


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--methods", nargs="+", default=list(METHODS))
    parser.add_argument("--base_channels", type=int, default=64, help="64 = full-size CNN14")
    parser.add_argument("--n_classes", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N")
    parser.add_argument("--precision", default="fp32", choices=["fp32", "bf16", "fp16"],
                        help="autocast of the forward, the interpreters and the metrics "
                        "(masks and figures stay fp32); not fp32: each method's mask is also "
                        "compared with its fp32 mask")
    parser.add_argument("--channels_last", action="store_true",
                        help="the CNN14 encoder in channels-last memory layout")
    parser.add_argument("--compile", action="store_true",
                        help="the CNN14 encoder through torch.compile (first calls compile)")
    parser.add_argument("--paper_dim", type=int, default=None,
                        help="paper decoder width (default: the deepest channels, 2048 at full size)")
    parser.add_argument("--metric_max_batch", type=int, default=None,
                        help="most items per classifier call in the metrics (default: all)")
    parser.add_argument("--out", default="results/benchmark")
    parser.add_argument("--no_memory", action="store_true", help="skip the memory subprocesses")
    parser.add_argument("--_memory_probe", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    unknown = sorted(set(args.methods) - set(METHODS))
    if unknown:
        parser.error(f"unknown methods {unknown}; choose from {sorted(METHODS)}")
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
        for name in [None] + list(args.methods):
            memory[name] = peak_memory_mb(name, args)
            progress(f"peak memory of {name or 'classifier forward'}: {memory[name]:.0f} MB")

    torch.manual_seed(0)
    classifier = build_classifier(args)
    wave = torch.randn(args.batch, int(args.seconds * 16000), device=args.device)
    forward = lambda: forward_in(classifier, wave, args)  # noqa: E731
    parts = _mixture_parts(classifier, wave)
    rows = []
    with torch.no_grad():
        base_times = [median_time(forward, 1, warmup=1 if r == 0 else 0, device=args.device)
                      for r in range(args.repeats)]
        forward_s = statistics.median(base_times)
        rows.append({"method": "classifier forward", "seconds": forward_s,
                     "ratio": 1.0, "suite_ratio": None, "gt_ratio": None,
                     "clips_per_s": args.batch / forward_s,
                     "parameters": sum(p.numel() for p in classifier.parameters()),
                     "peak_mb": memory.get(None)})
        progress(f"classifier forward: {forward_s:.3f} s per batch, "
                 f"{args.batch / forward_s:.1f} clips/s")
        for name in args.methods:
            method = build_method(name, classifier, args).eval()
            suite = dict(max_batch=args.metric_max_batch, precision=args.precision)
            jobs = {
                "": lambda: method.interpret(wave),
                "suite_": lambda: score_batch(method, wave, **suite),
                "gt_": lambda: score_batch(method, wave, parts, **suite),
            }
            if method.needs_input_grad:  # as the evaluation calls it
                interpret = jobs[""]
                jobs[""] = lambda: _with_grad(interpret)
            row = {"method": name, "description": METHODS.get(name, name),
                   "parameters": n_parameters(method), "peak_mb": memory.get(name)}
            row.update(time_method(method, jobs, forward, args))
            if args.precision != "fp32":
                row["mask_delta"], row["mask_delta_max"] = mask_agreement(method, wave)
            rows.append(row)
            progress(f"{name}: interpret {ratio(row['ratio'])}, suite {ratio(row['suite_ratio'])}, "
                     f"+ ground truth {ratio(row['gt_ratio'])}, {row['clips_per_s']:.1f} clips/s")
    device = (torch.cuda.get_device_name(args.device) if torch.device(args.device).type == "cuda"
              else f"{args.threads} threads, {platform.processor() or platform.machine()}")
    setting = (f"CNN14 base_channels={args.base_channels} ({sum(p.numel() for p in classifier.embedding_model.parameters()) / 1e6:.1f} M), "
               f"{args.n_classes} classes, batch {args.batch} x {args.seconds:g} s, "
               f"{device}, torch {torch.__version__}, {args.precision}"
               f"{', channels-last' if args.channels_last else ''}"
               f"{', torch.compile' if args.compile else ''}, median of {args.repeats} runs")
    memory_kind = "peak CUDA memory (MB)" if torch.device(args.device).type == "cuda" else "peak RSS (MB)"
    lines = [f"Benchmark: {setting}", "",
             "Ratios: time over one classifier forward of the same batch, median of "
             "interleaved runs (the same per clip).", "",
             "| method | interpret time (s) | clips/s | interpret ratio | metric suite ratio "
             f"| suite + ground truth ratio | parameters (excl. classifier) | {memory_kind} |"
             + (" mean / max per-clip mean abs(mask - fp32 mask) |" if args.precision != "fp32"
                else ""),
             "|---|---|---|---|---|---|---|---|" + ("---|" if args.precision != "fp32" else "")]
    for row in rows:
        peak = "-" if row["peak_mb"] is None else f"{row['peak_mb']:.0f}"
        delta = (f" {row['mask_delta']:.2e} / {row['mask_delta_max']:.2e} |" if "mask_delta" in row
                 else " - |" if args.precision != "fp32" else "")
        lines.append(f"| {row['method']} | {row['seconds']:.3f} | {row['clips_per_s']:.1f} | "
                     f"{ratio(row['ratio'])} | {ratio(row.get('suite_ratio'))} | "
                     f"{ratio(row.get('gt_ratio'))} | {row['parameters'] / 1e6:.2f} M | {peak} |"
                     + delta)
    table = "\n".join(lines)
    write_table(args.out, "benchmark", table, {"setting": setting, "rows": rows})
    return rows


def _with_grad(fn):
    """``fn()`` with gradients enabled (methods that need input gradients)."""
    with torch.enable_grad():
        return fn()


if __name__ == "__main__":
    main()
