#!/usr/bin/env python3
"""Why does a mask keep the contaminant? Loudness against ownership, threshold by threshold.

For each interpreter (a run or pretrained folder) and each ground-truth
condition of the evaluation (mixtures with other classes' clips, speech),
this tool measures on the same mixtures as ``eval.py``:

- ``AUC_owner``: how well the mask ranks the explained source's bins
  (``|S| > |N|``) above the others (the evaluation's AUC);
- ``AUC_loud``: how well it ranks the mixture's loudest bins (its top
  ``--loud_fraction`` within the scored bins) above the others, whoever owns
  them. A mask that follows loudness and not ownership has ``AUC_loud``
  well above ``AUC_owner``;
- ``AUC_owner|loud``: ownership among the loud bins only (where a mask must
  tell the sources apart to be listenable);
- precision and recall of ``M >= t`` against the oracle for several
  thresholds ``t`` (the evaluation uses 0.5), and the mask's mean;
- AI, AD, FF and SI-SDRi of the masks, and of the oracle itself (row ``oracle IBM``,
  the ideal binary mask of the explained part, explaining the classifier's
  decision): how faithful a perfectly localised mask is, the far end of
  the trade-off between faithfulness and localisation.

    python tools/diagnose_localization.py --data_folder data/synthetic/ESC-50 \\
        --classifier results/demo/classifier/pretrained \\
        --run lmac=results/demo/lmac --speech_folder data/synthetic/LJSpeech-1.1 \\
        --out results/diagnosis

Writes ``diagnosis.md`` and ``diagnosis.json`` into ``--out``.

Authors
 * speechbrain-interp developers 2026
"""

import argparse
import json
import math
import os

import torch

THRESHOLDS = (0.1, 0.3, 0.5, 0.7, 0.9)


def loud_bins(mixture_magnitude, valid, fraction):
    """The loudest ``fraction`` of each clip's scored bins (``[B, T, F]`` boolean)."""
    out = torch.zeros_like(valid)
    for i in range(valid.shape[0]):
        values = mixture_magnitude[i][valid[i]]
        if values.numel() == 0:
            continue
        cut = torch.quantile(values.float(), 1.0 - fraction)
        out[i] = valid[i] & (mixture_magnitude[i] >= cut)
    return out


def diagnose(methods, dataset, conditions, batch_size=8, loud_fraction=0.2, device="cpu"):
    """Per condition and method: mean of each figure over the clips with ground truth.

    Every method explains the classifier's decision, so one decision per
    clip gives the explained part, the oracle and the row ``oracle IBM``.
    Every batch goes to ``device`` (where the methods are).
    """
    import dataclasses

    from speechbrain_interp.audio import si_sdr
    from speechbrain_interp.evaluation.localization import (
        binary_scores, explained_parts, mask_auc, oracle_masks, scored_bins,
    )  # fmt: skip
    from speechbrain_interp.evaluation.metrics import interpretation_metrics

    classifier = next(iter(methods.values())).classifier
    frontend = classifier.frontend
    report = {}
    for cond_name, condition in conditions.items():
        sums = {}
        for batch in condition.batches(dataset, batch_size):
            batch = dataclasses.replace(batch, **{k: v.to(device) for k, v in vars(batch).items()
                                                  if torch.is_tensor(v)})
            mix_mag, mix_phase = frontend.spectrogram(batch.mixture)
            masks, interp = {}, None
            for name, method in methods.items():
                context = torch.enable_grad() if method.needs_input_grad else torch.no_grad()
                with context:
                    interp = method.interpret(batch.mixture, with_wave=False)
                masks[name] = interp.mask.detach()
            parts = [frontend.spectrogram(w)[0] for w in (batch.source, batch.contaminant)]
            explained, rest, defined = explained_parts(
                interp.label, *parts, batch.label, batch.contaminant_label)
            expl_wave, _, _ = explained_parts(interp.label, batch.source, batch.contaminant,
                                              batch.label, batch.contaminant_label)
            ibm, _ = oracle_masks(explained, rest)
            masks["oracle IBM"] = ibm.float()
            valid = scored_bins(mix_mag)
            loud = loud_bins(mix_mag, valid, loud_fraction)
            mixture_sdr = si_sdr(batch.mixture, expl_wave)
            for name, mask in masks.items():
                wave = frontend.mask_to_wave(mask, mix_mag, mix_phase, batch.mixture.shape[-1])
                with torch.no_grad():
                    faith = interpretation_metrics(classifier, mix_mag, mask, interp.label)
                figures = {"AI": faith["AI"], "AD": faith["AD"], "FF": faith["FF"],
                           "SI_SDRi": (si_sdr(wave, expl_wave) - mixture_sdr).double().reshape(-1),
                           "AUC_owner": mask_auc(mask, ibm, valid),
                           "AUC_loud": mask_auc(mask, loud, valid),
                           "AUC_owner|loud": mask_auc(mask, ibm, loud),
                           "mask_mean": mask.flatten(1).mean(1).double()}
                for t in THRESHOLDS:
                    scores = binary_scores(mask, ibm, valid, threshold=t)
                    figures[f"precision@{t}"] = scores["precision"]
                    figures[f"recall@{t}"] = scores["recall"]
                acc = sums.setdefault(name, {})
                for key, value in figures.items():
                    value = value.cpu()[defined.cpu()]
                    value = value[~torch.isnan(value)]
                    total, count = acc.get(key, (0.0, 0))
                    acc[key] = (total + float(value.sum()), count + int(value.numel()))
        report[cond_name] = {name: {k: (t / n if n else math.nan) for k, (t, n) in acc.items()}
                             for name, acc in sums.items()}
    return report


def to_markdown(report):
    """One table per condition."""
    lines = []
    for cond, methods in report.items():
        keys = list(next(iter(methods.values())))
        lines += [f"### {cond}", "", "| method | " + " | ".join(keys) + " |",
                  "|---|" + "---|" * len(keys)]
        for name, figures in methods.items():
            lines.append(f"| {name} | " + " | ".join(f"{figures[k]:.3f}" for k in keys) + " |")
        lines.append("")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data_folder", required=True, help="ESC-50-layout folder")
    parser.add_argument("--classifier", required=True, help="pretrained classifier folder")
    parser.add_argument("--run", action="append", default=[], help="NAME=interpreter folder")
    parser.add_argument("--baselines", nargs="*", default=["gradcam", "all_ones"])
    parser.add_argument("--test_folds", type=int, nargs="+", default=[5])
    parser.add_argument("--speech_folder", default=None)
    parser.add_argument("--conditions", nargs="+", default=["mixture", "speech"])
    parser.add_argument("--max_clips", type=int, default=40)
    parser.add_argument("--loud_fraction", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--out", required=True)
    parser.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N")
    args = parser.parse_args(argv)

    from speechbrain_interp.audio import seconds_to_samples
    from speechbrain_interp.data.dataio import build_datasets
    from speechbrain_interp.data.esc50 import prepare_esc50
    from speechbrain_interp.evaluation.conditions import build_conditions
    from speechbrain_interp.evaluation.suite import EvenlySpaced
    from speechbrain_interp.inference import load_classifier, load_interpreter
    from speechbrain_interp.interpreters.baselines.registry import build_baseline

    os.makedirs(args.out, exist_ok=True)
    classifier = load_classifier(args.classifier, savedir=os.path.join(args.out, "classifier"),
                                 device=args.device)
    length_s = float(classifier.hparams["window_s"])
    manifests = prepare_esc50(args.data_folder, os.path.join(args.out, "manifests"),
                              train_folds=[], valid_folds=[], test_folds=args.test_folds,
                              expected_duration=None, download=False)
    datasets, _ = build_datasets({"test": manifests["test"]}, args.data_folder,
                                 classifier.sample_rate, length_s,
                                 label_encoder=classifier.label_encoder)
    dataset = EvenlySpaced(datasets["test"], args.max_clips)
    conditions = build_conditions(args.conditions, classifier.sample_rate,
                                  seconds_to_samples(length_s, classifier.sample_rate),
                                  seed=2024, speech_folder=args.speech_folder)
    methods = {}
    for item in args.run:
        name, folder = item.split("=", 1)
        methods[name] = load_interpreter(folder, classifier=classifier).eval()
    for name in args.baselines:
        methods[name] = build_baseline(name, classifier).to(args.device)
    torch.manual_seed(args.seed)
    report = diagnose(methods, dataset, conditions, loud_fraction=args.loud_fraction,
                      device=args.device)
    with open(os.path.join(args.out, "diagnosis.json"), "w") as f:
        json.dump(report, f, indent=1)
    text = to_markdown(report)
    with open(os.path.join(args.out, "diagnosis.md"), "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
