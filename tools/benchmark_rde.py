#!/usr/bin/env python3
"""RDE cost on this machine: batched versus one clip at a time, and per step.

For the Fourier-domain RDE (NSynth setting: 1024 bands, 1-D CNN classifier)
and each obfuscation, it times one solve of ``--steps`` steps on a batch of
``--batch`` notes and the same notes solved one by one, and reports

* the speed-up per clip of the batch over the loop (target: >= 5x at 16);
* the time of one optimisation step as a ratio to one classifier forward of
  the same batch.

Times are medians of ``--repeats`` runs; the models are untrained (cost does
not depend on the weights). The STFT-domain RDE is timed with the narrow
CNN14 the same way (``--stft``).

    python tools/benchmark_rde.py --out results/benchmark_rde
    python tools/benchmark_rde.py --device cuda --stft

Authors
 * speechbrain-interp developers 2026
"""

import argparse
import statistics
import time

import torch

from speechbrain_interp.classifier import AudioClassifier, FourierClassifier
from speechbrain_interp.evaluation.reports import write_table
from speechbrain_interp.fourier import FourierRepresentation
from speechbrain_interp.frontend import SpectralFrontEnd
from speechbrain_interp.interpreters.rde import RDE
from speechbrain_interp.interpreters.rde import FourierInpainter
from speechbrain_interp.models import CNN14, SpectralCNN
from speechbrain_interp.interpreters.rde.fourier_rde import FourierRDE
from speechbrain_interp.interpreters.rde.obfuscation import build_obfuscation
from speechbrain_interp.precision import check_run_options


def _median(fn, repeats, device="cpu"):
    """Median wall time of ``fn()`` (device work included), after one warm-up."""
    fn()
    times = []
    for _ in range(repeats):
        _synchronize(device)
        start = time.perf_counter()
        fn()
        _synchronize(device)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _synchronize(device):
    if torch.device(device).type == "cuda":
        torch.cuda.synchronize(device)


def fourier_rows(args):
    """Rows of the Fourier-domain RDE, one per obfuscation."""
    net = SpectralCNN(in_channels=5, channels=[16, 32, 64, 64], emb_dim=128)
    clf = FourierClassifier(FourierRepresentation(), net, torch.nn.Linear(128, 6)).freeze()
    clf = clf.to(args.device)
    coeffs = clf.frontend(torch.randn(args.batch, 64000, device=args.device))
    forward = _median(lambda: clf(magnitude=coeffs.magnitude, phase=coeffs.phase), args.repeats,
                      args.device)
    rows = []
    for name in args.obfuscations:
        kwargs = {"per_part": True} if name == "gaussian" else {}
        ob = build_obfuscation(name, FourierInpainter().to(args.device), **kwargs)
        rde = FourierRDE(clf, ob, steps=args.steps, n_samples=args.n_samples)
        batched = _median(lambda: rde.explain(coeffs), args.repeats, args.device)
        loop = _median(lambda: [rde.explain(coeffs[i:i + 1]) for i in range(args.batch)],
                       args.repeats, args.device)
        rows.append({"setting": f"Fourier, {name}", "batch_s_per_clip": batched / args.batch,
                     "loop_s_per_clip": loop / args.batch, "speedup": loop / batched,
                     "step_over_forward": batched / args.steps / forward})
    return rows


def stft_rows(args):
    """Row of the STFT-domain RDE on the narrow CNN14 (batch of 5 s clips)."""
    clf = AudioClassifier(SpectralFrontEnd(), CNN14(base_channels=16, emb_dim=512),
                          torch.nn.Linear(512, 10)).freeze().to(args.device)
    wave = torch.randn(args.stft_batch, 5 * 16000, device=args.device)
    forward = _median(lambda: clf(wave=wave), args.repeats, args.device)
    rde = RDE(clf, steps=args.steps, n_samples=args.n_samples, pool=(4, 4))
    batched = _median(lambda: rde.interpret(wave, with_wave=False), args.repeats, args.device)
    loop = _median(lambda: [rde.interpret(wave[i:i + 1], with_wave=False)
                            for i in range(args.stft_batch)], args.repeats, args.device)
    return [{"setting": "STFT, gaussian (CNN14 1/4 width)",
             "batch_s_per_clip": batched / args.stft_batch,
             "loop_s_per_clip": loop / args.stft_batch, "speedup": loop / batched,
             "step_over_forward": batched / args.steps / forward}]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--n_samples", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--obfuscations", nargs="+", default=["constant", "gaussian", "inpainter"])
    parser.add_argument("--stft", action="store_true", help="also time the STFT-domain RDE")
    parser.add_argument("--stft_batch", type=int, default=4)
    parser.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N")
    parser.add_argument("--out", default="results/benchmark_rde")
    args = parser.parse_args(argv)
    try:
        check_run_options(args.device, None)
    except ValueError as err:  # DeviceError or PrecisionError, naming what is wrong
        parser.error(str(err))
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    rows = fourier_rows(args) + (stft_rows(args) if args.stft else [])
    where = (torch.cuda.get_device_name(args.device) if torch.device(args.device).type == "cuda"
             else f"{args.threads} threads")
    lines = [f"RDE benchmark: batch {args.batch}, {args.steps} steps, {args.n_samples} "
             f"obfuscations per step, {where}, median of {args.repeats}", "",
             "| setting | s/clip batched | s/clip loop | speed-up | step / forward |",
             "|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['setting']} | {r['batch_s_per_clip']:.4f} | {r['loop_s_per_clip']:.4f}"
                     f" | {r['speedup']:.1f}x | {r['step_over_forward']:.1f}x |")
    table = "\n".join(lines)
    write_table(args.out, "rde", table, rows)
    return rows


if __name__ == "__main__":
    main()
