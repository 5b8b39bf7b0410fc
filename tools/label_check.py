"""Does ``--label`` explain the asked class? Measured on a test set.

For every test clip the interpreter explains the classifier's decision ``d``
and another class ``o`` (the runner-up, and a class drawn uniformly among
the others). Reported, with 95 % bootstrap intervals over clips:

* ``mask change``: mean ``|M_o - M_d|`` (0 when the label is ignored);
* with ``--mixtures``, each clip is mixed with another class's clip and
  that class is asked for too (the case "why not a siren?" is about: the
  siren is in the recording);
* ``p_o(M_o X)`` vs ``p_o(M_d X)``: the asked class's probability when the
  classifier hears the input masked by the asked class's mask and by the
  decision's mask, and their paired difference (positive: the mask for
  ``o`` keeps what speaks for ``o`` better than the decision's mask does).

    python tools/label_check.py --interpreter results/demo/lmac_conditioned/pretrained \\
        --manifest results/demo/lmac_conditioned/manifests/test.json \\
        --data_root data/synthetic/ESC-50

Authors
 * speechbrain-interp developers 2026
"""

import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from speechbrain_interp.evaluation.confidence import (  # noqa: E402
    bootstrap_mean, paired_difference, verdict,
)
from speechbrain_interp.augment.mixing import mix_at_snr  # noqa: E402
from speechbrain_interp.evaluation.tables import difference_text, interval_text  # noqa: E402
from speechbrain_interp.inference import AudioInterpreter  # noqa: E402


def _clips(manifest, data_root, max_clips):
    """``(path, class name)`` of the manifest's clips."""
    with open(manifest, encoding="utf-8") as f:
        rows = json.load(f)
    clips = [(row["wav"].replace("{data_root}", data_root), row["class_string"])
             for row in rows.values()]
    return clips[:max_clips] if max_clips else clips


def _partners(classes):
    """For each clip, the next clip (cyclically) of another class."""
    partners = []
    for i, name in enumerate(classes):
        j = next((k % len(classes) for k in range(i + 1, i + len(classes))
                  if classes[k % len(classes)] != name), None)
        if j is None:
            raise ValueError("mixtures need clips of at least two classes")
        partners.append(j)
    return partners


@torch.no_grad()
def _probability(classifier, magnitude, mask, label):
    probs = classifier.probabilities(classifier(magnitude=mask * magnitude).logits)
    return probs[torch.arange(len(label), device=label.device), label]


def measure(model, clips, batch_size=8, seed=0, mixtures=False, snr_db=0.0):
    """Per-clip figures for the runner-up, a drawn other class and, with
    ``mixtures``, the class of another clip mixed in at ``snr_db``.

    With ``mixtures`` every clip is mixed with the next clip of another
    class (clip over partner at ``snr_db``); the classifier's decision on
    the mixture is ``d``, and the partner's class is asked for (rows where
    it is the decision are skipped: NaN).

    Returns
    -------
    dict
        ``{"runner-up" | "drawn" | "mixed-in class": {"change", "p_own",
        "p_decision"}}``, each a ``[N]`` numpy array.
    """
    generator = torch.Generator().manual_seed(seed)
    waves = torch.stack([model.load_file(path) for path, _ in clips]).to(model.device)
    n_classes = len(model.labels)
    results = {"runner-up": {}, "drawn": {}}
    partner_class = None
    if mixtures:
        classes = [name for _, name in clips]
        partners = _partners(classes)
        waves = mix_at_snr(waves, waves[partners], float(snr_db))
        partner_class = torch.tensor([model.labels.index(classes[j]) for j in partners],
                                     device=model.device)
        results["mixed-in class"] = {}
    grad = torch.enable_grad if model.interpreter.needs_input_grad else torch.no_grad
    for start in range(0, len(clips), batch_size):
        batch = waves[start:start + batch_size]
        with torch.no_grad():
            logits = model.classifier(wave=batch).logits
        decision = logits.argmax(-1)
        runner_up = logits.topk(2, dim=-1).indices[:, 1]
        drawn = (decision + torch.randint(1, n_classes, decision.shape, generator=generator)
                 .to(decision.device)) % n_classes
        with grad():
            own = model.interpreter.interpret(batch, label=decision, with_wave=False)
        asks = [("runner-up", runner_up), ("drawn", drawn)]
        if partner_class is not None:
            asks.append(("mixed-in class", partner_class[start:start + batch_size]))
        for name, other in asks:
            keep = other != decision
            other = torch.where(keep, other, runner_up)  # skipped below (NaN)
            with grad():
                asked = model.interpreter.interpret(batch, label=other, with_wave=False)
            magnitude = own.magnitude
            row = results[name]
            figures = {
                "change": (asked.mask - own.mask).abs().mean(dim=(1, 2)),
                "p_own": _probability(model.classifier, magnitude, asked.mask, other),
                "p_decision": _probability(model.classifier, magnitude, own.mask, other),
            }
            for key, value in figures.items():
                row.setdefault(key, []).append(torch.where(keep, value.float(),
                                                           torch.full_like(value.float(), float("nan"))))
    return {name: {k: torch.cat(v).cpu().numpy() for k, v in row.items()}
            for name, row in results.items()}


def report(figures, n_resamples=1000, seed=0):
    """Markdown table of :func:`measure`'s figures."""
    lines = ["| asked class | n | mask change | p_o(M_o X) | p_o(M_d X) | difference |",
             "|---|---|---|---|---|---|"]
    for name, row in figures.items():
        cells = [interval_text("FF", bootstrap_mean(row[k], n_resamples, seed=seed))
                 for k in ("change", "p_own", "p_decision")]
        diff = paired_difference(row["p_own"], row["p_decision"], n_resamples, seed=seed)
        diff["verdict"] = verdict(diff, "up")
        n = int(np.isfinite(row["change"]).sum())
        lines.append(f"| {name} | {n} | {' | '.join(cells)} | "
                     f"{difference_text('FF', diff)} |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--interpreter", required=True,
                        help="interpreter pretrained folder (with --method: a classifier's)")
    parser.add_argument("--method", default=None,
                        help="a method that needs no training (gradcam, saliency, ...)")
    parser.add_argument("--manifest", required=True, help="test manifest (json) of the run")
    parser.add_argument("--data_root", required=True, help="what {data_root} stands for")
    parser.add_argument("--max_clips", type=int, default=0, help="0: every clip")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--mixtures", action="store_true",
                        help="mix each clip with another class's clip and ask for that class")
    parser.add_argument("--snr_db", type=float, default=0.0, help="clip over partner (dB)")
    parser.add_argument("--out", default=None, help="write the table (markdown) here too")
    parser.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N")
    args = parser.parse_args(argv)
    model = AudioInterpreter.from_hparams(args.interpreter, method=args.method,
                                          run_opts={"device": args.device})
    clips = _clips(args.manifest, args.data_root, args.max_clips)
    figures = measure(model, clips, seed=args.seed, mixtures=args.mixtures, snr_db=args.snr_db)
    table = report(figures, seed=args.seed)
    print(table)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(table + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
