"""The NSynth RDE explanation program (``recipes/NSynth/rde/explain.py``).

For test notes of a trained :class:`~speechbrain_interp.classifier.FourierClassifier`:

1. per-frequency RDE masks of the decided class, one solve per obfuscation
   (in-painter, Gaussian noise, constant), batched over the notes;
2. rate-distortion curves: each obfuscation's own masks binarised at equal
   rates (top ``r`` of the bands kept) and scored with that obfuscation;
3. the magnitude-versus-phase query (one mask per class, paper table 2);
4. when the data folder holds the synthetic generator's ``synthetic.json``,
   the share of each mask inside the family's known bands (and by chance);
5. figures like the paper's figure 6, listenable waves of the kept bands
   (``IDFT(s . h)``) and of one obfuscation, ``results.{md,json}``.

Authors
 * speechbrain-interp developers 2026
"""

import json
import os
import time

import numpy as np
import torch

from speechbrain.dataio import audio_io
from speechbrain.utils.logger import get_logger

from speechbrain_interp.audio import peak_normalize
from speechbrain_interp.rde.fourier_rde import FourierRDE, band_mass, coefficients
from speechbrain_interp.rde.obfuscation import build_obfuscation
from speechbrain_interp.rde.plots import plot_frequency_masks, plot_rate_distortion
from speechbrain_interp.rde.solver import rate_distortion_curve, solve_corner_table

logger = get_logger(__name__)

__all__ = ["load_notes", "run_explain"]


def load_notes(dataset, notes_per_class):
    """The first ``notes_per_class`` notes of each class (by id), as tensors.

    Returns
    -------
    ids : list of str
    waves : torch.Tensor
        ``[B, N]``.
    labels : torch.Tensor
        ``[B]`` true classes.
    """
    items = sorted((dataset[i] for i in range(len(dataset))), key=lambda x: x["id"])
    count, chosen = {}, []
    for item in items:
        label = int(item["class_string_encoded"])
        if count.get(label, 0) < notes_per_class:
            count[label] = count.get(label, 0) + 1
            chosen.append(item)
    if not chosen:
        raise ValueError("the test split holds no notes to explain")
    return ([x["id"] for x in chosen], torch.stack([x["sig"] for x in chosen]),
            torch.tensor([int(x["class_string_encoded"]) for x in chosen]))


def _write(path, wave, sample_rate):
    audio_io.save(path, peak_normalize(wave.detach().float()).unsqueeze(0), sample_rate)


def _ground_truth(data_folder):
    path = os.path.join(data_folder, "synthetic.json")
    if not os.path.isfile(path):
        return None
    with open(path) as f:
        return json.load(f)


def run_explain(hparams, classifier, inpainter, dataset, phase_inpainter=None):
    """Runs the program and writes its outputs to ``hparams["output_folder"]``.

    Arguments
    ---------
    hparams : dict
        Keys: ``output_folder``, ``data_folder``, ``notes_per_class``,
        ``obfuscations`` (names), ``obfuscation_settings`` (name -> kwargs),
        ``frequency_query`` and ``phase_query`` (solver options),
        ``phase_query_obfuscation``, ``rates``, ``curve_samples``,
        ``phase_query_lams`` (optional: more lambdas for the exact query,
        solved on the same table of distortions),
        ``n_figures``, ``seed``.
    classifier : speechbrain_interp.classifier.FourierClassifier
    inpainter : speechbrain_interp.models.FourierInpainter or None
        G of the per-frequency masks (and of the query when no other is given).
    phase_inpainter : speechbrain_interp.models.FourierInpainter, optional
        G of the magnitude-versus-phase query (an energy-trained sampler,
        see the NSynth README).
    dataset : DynamicItemDataset
        The test notes (``id, sig, class_string_encoded``).

    Returns
    -------
    dict
        The figures written to ``results.json``.
    """
    out = hparams["output_folder"]
    os.makedirs(out, exist_ok=True)
    seed = int(hparams.get("seed", 0))
    classifier = classifier.freeze()
    names = classifier.label_encoder.decode_ndim
    ids, waves, labels = load_notes(dataset, int(hparams["notes_per_class"]))
    rep = classifier.frontend
    with torch.no_grad():
        coeffs = rep(waves)
        h = coefficients(coeffs)
        decision = classifier(magnitude=coeffs.magnitude, phase=coeffs.phase).logits.argmax(-1)
    settings = hparams.get("obfuscation_settings") or {}
    obfuscations = {name: build_obfuscation(name, inpainter, **settings.get(name, {}))
                    for name in hparams["obfuscations"]}
    results = {"notes": len(ids), "accuracy": float((decision == labels).float().mean()),
               "obfuscations": {}}
    masks = {}
    for name, obfuscation in obfuscations.items():
        start = time.time()
        rde = FourierRDE(classifier, obfuscation, **hparams["frequency_query"])
        explanation = rde.explain(coeffs, label=decision,
                                  generator=torch.Generator().manual_seed(seed))
        masks[name] = explanation.mask
        results["obfuscations"][name] = {
            "distortion_median": float(explanation.distortion.median()),
            "rate_median": float(explanation.rate.median()),
            "seconds": time.time() - start,
        }
        logger.info("RDE with %s obfuscation: %.1f s", name, time.time() - start)
    rates = [float(r) for r in hparams["rates"]]
    curves = {}
    expand = lambda s: s.unsqueeze(1).expand(-1, 2, -1)  # noqa: E731
    model = classifier.coefficients_model()
    for name, obfuscation in obfuscations.items():
        curves[name] = rate_distortion_curve(
            model, h, masks[name], obfuscation, label=decision, rates=rates, expand=expand,
            n_samples=int(hparams["curve_samples"]), generator=torch.Generator().manual_seed(seed),
        ).numpy()
        results["obfuscations"][name]["rate_distortion_median"] = dict(
            zip(map(str, rates), np.median(curves[name], axis=1).tolist()))
    plot_rate_distortion(rates, curves, os.path.join(out, "rate_distortion.png"),
                         title="Per-frequency RDE masks, binarised at equal rates")
    with open(os.path.join(out, "rate_distortion.csv"), "w") as f:
        f.write("obfuscation,rate,note,distortion\n")
        for name, values in curves.items():
            for r, row in zip(rates, values):
                for note, value in zip(ids, row):
                    f.write(f"{name},{r},{note},{value:.6g}\n")
    query_name = hparams.get("phase_query_obfuscation", hparams["obfuscations"][0])
    query_obfuscation = obfuscations.get(query_name)
    if query_name == "inpainter" and phase_inpainter is not None:
        query_obfuscation = build_obfuscation("inpainter", phase_inpainter,
                                              **settings.get("inpainter", {}))
    elif query_obfuscation is None:
        query_obfuscation = build_obfuscation(query_name, inpainter, **settings.get(query_name, {}))
    rde = FourierRDE(classifier, query_obfuscation, **hparams["phase_query"])
    pairs = rde.magnitude_vs_phase(coeffs, decision,
                                   generator=torch.Generator().manual_seed(seed))
    results["magnitude_vs_phase"] = {
        names([c])[0]: {"magnitude": m, "phase": p} for c, (m, p) in sorted(pairs.items())}
    corners = rde.last_result.corners
    if corners is not None:
        # mask c keeps the magnitude iff bit 0 is set, the phase iff bit 1 is
        for g, c in enumerate(sorted(pairs)):
            results["magnitude_vs_phase"][names([c])[0]].update({
                "distortion_none_kept": float(corners[g, 0]),
                "distortion_magnitude_only": float(corners[g, 1]),
                "distortion_phase_only": float(corners[g, 2]),
            })
        options = hparams["phase_query"]
        results["magnitude_vs_phase_lambda"] = {}
        for lam in hparams.get("phase_query_lams") or []:
            sweep = solve_corner_table(corners, float(lam), int(options.get("steps", 300)),
                                       float(options.get("lr", 0.05)),
                                       float(options.get("init", 0.5)))
            results["magnitude_vs_phase_lambda"][str(lam)] = {
                names([c])[0]: [float(v) for v in sweep.mask[g]]
                for g, c in enumerate(sorted(pairs))}
    truth = _ground_truth(hparams["data_folder"])
    if truth is not None:
        results["band_mass"] = _band_mass_table(ids, truth, masks, rep.centres, decision, labels)
    _write_examples(hparams, out, rep, (ids, waves, coeffs, decision), masks, obfuscations,
                    truth, names)
    torch.save({"ids": ids, "masks": masks, "decision": decision, "labels": labels},
               os.path.join(out, "masks.pt"))
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump(results, f, indent=2)
    with open(os.path.join(out, "results.md"), "w") as f:
        f.write(format_results(results))
    return results


def _band_mass_table(ids, truth, masks, centres, decision, labels):
    """Median share of the masks in the known bands (correct notes with bands)."""
    table = {}
    for name, mask in masks.items():
        shares, chances = [], []
        for i, note in enumerate(ids):
            bands = truth.get(note, {}).get("bands") or []
            if bands and int(decision[i]) == int(labels[i]):
                mass, chance = band_mass(mask[i], centres, bands)
                shares.append(mass)
                chances.append(chance)
        if shares:
            table[name] = {"median": float(np.median(shares)), "min": float(np.min(shares)),
                           "chance": float(np.median(chances)), "notes": len(shares)}
    return table


def _write_examples(hparams, out, rep, notes, masks, obfuscations, truth, names):
    """Figures and waves of the first ``n_figures`` notes."""
    ids, waves, coeffs, decision = notes
    rate = rep.sample_rate
    generator = torch.Generator().manual_seed(int(hparams.get("seed", 0)))
    for i in range(min(int(hparams.get("n_figures", 6)), len(ids))):
        folder = os.path.join(out, "examples", ids[i])
        os.makedirs(folder, exist_ok=True)
        bands = (truth or {}).get(ids[i], {}).get("bands") or []
        plot_frequency_masks(
            rep.centres.numpy(), coeffs.magnitude[i].numpy(),
            {name: m[i].numpy() for name, m in masks.items()},
            os.path.join(folder, "masks.png"), title=f"{ids[i]}: {names([int(decision[i])])[0]}",
            bands=bands,
        )
        _write(os.path.join(folder, "original.wav"), waves[i], rate)
        for name, mask in masks.items():
            _write(os.path.join(folder, f"kept_{name}.wav"),
                   rep.kept_wave(coeffs[i:i + 1], mask[i:i + 1])[0], rate)
            binary = (mask[i:i + 1] >= 0.5).float().unsqueeze(1).expand(-1, 2, -1)
            y = obfuscations[name](coefficients(coeffs[i:i + 1]), binary, 1, generator)[0]
            _write(os.path.join(folder, f"obfuscated_{name}.wav"),
                   rep.to_wave(coeffs[i:i + 1], y[:, 0], y[:, 1])[0], rate)


def format_results(results):
    """Markdown summary of :func:`run_explain`'s figures."""
    lines = [f"# RDE on {results['notes']} notes (classifier accuracy "
             f"{100 * results['accuracy']:.1f}%)", "",
             "## Per-frequency masks", "",
             "| obfuscation | distortion (median) | rate (median) | seconds |",
             "|---|---|---|---|"]
    for name, row in results["obfuscations"].items():
        lines.append(f"| {name} | {row['distortion_median']:.4g} | {row['rate_median']:.3f} "
                     f"| {row['seconds']:.1f} |")
    rates = list(next(iter(results["obfuscations"].values()))["rate_distortion_median"])
    lines += ["", "## Rate-distortion (median d1 at equal kept fraction)", "",
              "| obfuscation | " + " | ".join(rates) + " |", "|---" * (len(rates) + 1) + "|"]
    for name, row in results["obfuscations"].items():
        lines.append(f"| {name} | " + " | ".join(
            f"{row['rate_distortion_median'][r]:.4g}" for r in rates) + " |")
    lines += ["", "## Magnitude versus phase (one mask per class)", ""]
    query = results["magnitude_vs_phase"]
    if all("distortion_phase_only" in row for row in query.values()):
        lines += ["| class | magnitude | phase | D, magnitude kept only | D, phase kept only "
                  "| D, nothing kept |", "|---|---|---|---|---|---|"]
        for name, row in query.items():
            lines.append(f"| {name} | {row['magnitude']:.3f} | {row['phase']:.3f} | "
                         f"{row['distortion_magnitude_only']:.3g} | "
                         f"{row['distortion_phase_only']:.3g} | "
                         f"{row['distortion_none_kept']:.3g} |")
    else:
        lines += ["| class | magnitude | phase |", "|---|---|---|"]
        for name, row in query.items():
            lines.append(f"| {name} | {row['magnitude']:.3f} | {row['phase']:.3f} |")
    if results.get("magnitude_vs_phase_lambda"):
        lams = list(results["magnitude_vs_phase_lambda"])
        lines += ["", "(magnitude, phase) at other lambdas, same distortions:", "",
                  "| class | " + " | ".join(f"lambda {lam}" for lam in lams) + " |",
                  "|---" * (len(lams) + 1) + "|"]
        for name in query:
            lines.append(f"| {name} | " + " | ".join(
                "({:.2f}, {:.2f})".format(*results["magnitude_vs_phase_lambda"][lam][name])
                for lam in lams) + " |")
    if results.get("band_mass"):
        lines += ["", "## Share of the mask in the known bands (synthetic notes)", "",
                  "| obfuscation | median | min | chance | notes |", "|---|---|---|---|---|"]
        for name, row in results["band_mass"].items():
            lines.append(f"| {name} | {row['median']:.3f} | {row['min']:.3f} | "
                         f"{row['chance']:.3f} | {row['notes']} |")
    return "\n".join(lines) + "\n"
