#!/usr/bin/env python3
"""Cost of explaining classifiers of other origins, as ratios to their own forward.

For each family (a SpeechBrain ECAPA-TDNN, a HuggingFace wav2vec 2.0 and an
Audio Spectrogram Transformer), a randomly initialised model of ``--size``
(``small``: the tests' two-layer models; ``base``: the published sizes) is
written as its hub holds it, loaded through the real loading code
(:mod:`speechbrain_interp.adapters`), and timed on a batch of ``--batch``
clips of ``--seconds``:

* the model's own forward on the waves;
* each method's ``interpret`` (mask and listenable wave), as a ratio to it.

Times are medians of ``--repeats`` runs after one warm-up; the weights do
not change the cost.

    python tools/benchmark_adapted.py --size small
    python tools/benchmark_adapted.py --size base --families ast --seconds 10 --batch 1

Authors
 * speechbrain-interp developers 2026
"""

import argparse
import json
import os
import statistics
import tempfile
import time

import torch

from speechbrain_interp.adapters.speechbrain_models import from_speechbrain
from speechbrain_interp.adapters.transformers_models import from_transformers
from speechbrain_interp.examples import write_speechbrain_ecapa, write_transformers_classifier
from speechbrain_interp.interpreters import LMAC, RDE, GradCAM, Saliency
from speechbrain_interp.precision import check_run_options

FAMILIES = ("ecapa", "wav2vec2", "ast")
METHODS = {
    "saliency": lambda clf: Saliency(clf),
    "gradcam": lambda clf: GradCAM(clf),
    "lmac": lambda clf: LMAC(clf, n_reps=min(4, len(clf.rep_channels))),
    "rde": lambda clf: RDE(clf, steps=20, n_samples=2),
}
LABELS = [f"class{i}" for i in range(10)]


def build(family, size, folder, device):
    """The family's adapted classifier, written to ``folder`` and loaded from it."""
    if family == "ecapa":
        write_speechbrain_ecapa(folder, LABELS, size=size)
        return from_speechbrain(folder, savedir=os.path.join(folder, "save"),
                                run_opts={"device": device})
    write_transformers_classifier(folder, family, LABELS, size=size)
    return from_transformers(folder, device=device)


def median_seconds(fn, repeats, device):
    """Median wall time of ``fn()`` over ``repeats`` runs after one warm-up."""
    fn()
    times = []
    for _ in range(repeats):
        if torch.device(device).type == "cuda":
            torch.cuda.synchronize(device)
        start = time.perf_counter()
        fn()
        if torch.device(device).type == "cuda":
            torch.cuda.synchronize(device)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def rows(args):
    """One row per (family, method): seconds and the ratio to the forward."""
    found = []
    for family in args.families:
        with tempfile.TemporaryDirectory() as folder:
            clf = build(family, args.size, folder, args.device).freeze()
            wave = 0.1 * torch.randn(args.batch, int(args.seconds * clf.sample_rate),
                                     generator=torch.Generator().manual_seed(0)).to(args.device)
            with torch.no_grad():
                forward = median_seconds(lambda: clf(wave=wave), args.repeats, args.device)
            found.append({"family": family, "method": "forward", "seconds": forward, "ratio": 1.0,
                          "parameters": sum(p.numel() for p in clf.parameters())})
            for name in args.methods:
                method = METHODS[name](clf).eval().to(args.device)
                seconds = median_seconds(lambda: method.interpret(wave), args.repeats,
                                         args.device)
                found.append({"family": family, "method": name, "seconds": seconds,
                              "ratio": seconds / forward})
                print(f"{family} {name}: {seconds:.3f} s ({seconds / forward:.1f}x the forward)",
                      flush=True)
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--families", nargs="+", default=list(FAMILIES), choices=FAMILIES)
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=sorted(METHODS))
    parser.add_argument("--size", default="small", choices=("small", "base"))
    parser.add_argument("--seconds", type=float, default=1.0, help="clip length")
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N")
    parser.add_argument("--out", default="results/benchmark_adapted")
    args = parser.parse_args(argv)
    try:
        check_run_options(args.device, None)
    except ValueError as err:  # DeviceError, naming what is wrong
        parser.error(str(err))
    torch.set_num_threads(args.threads)
    found = rows(args)
    where = (torch.cuda.get_device_name(args.device) if torch.device(args.device).type == "cuda"
             else f"CPU, {args.threads} threads")
    lines = [f"Adapted classifiers ({args.size}): batch {args.batch} x {args.seconds:g} s, {where}, "
             f"median of {args.repeats}", "", "| model | method | s / batch | x forward |",
             "|---|---|---|---|"]
    lines += [f"| {r['family']} | {r['method']} | {r['seconds']:.3f} | {r['ratio']:.1f} |"
              for r in found]
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "benchmark_adapted.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(os.path.join(args.out, "benchmark_adapted.json"), "w") as f:
        json.dump({"settings": vars(args), "rows": found}, f, indent=1)
    print("\n".join(lines))
    return found


if __name__ == "__main__":
    main()
