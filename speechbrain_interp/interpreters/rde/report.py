"""The tables, figures and waves of the NSynth RDE explanation program.

The program (:mod:`speechbrain_interp.programs.rde_explain`, behind
``recipes/NSynth/rde/explain.py``) does, for test notes of a trained
:class:`~speechbrain_interp.classifier.FourierClassifier`:

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

import numpy as np
import torch

from speechbrain.dataio import audio_io
from speechbrain.utils.logger import get_logger

from speechbrain_interp.audio import peak_normalize
from speechbrain_interp.interpreters.rde.fourier_rde import band_mass, coefficients
from speechbrain_interp.interpreters.rde.plots import plot_frequency_masks

logger = get_logger(__name__)

__all__ = ["band_mass_table", "format_results", "load_notes", "read_ground_truth",
           "write_examples"]


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
    audio_io.save(path, peak_normalize(wave.detach().float().cpu()).unsqueeze(0), sample_rate)


def read_ground_truth(data_folder):
    """``synthetic.json`` of a synthetic NSynth folder (note -> known bands), or None."""
    path = os.path.join(data_folder, "synthetic.json")
    if not os.path.isfile(path):
        return None
    with open(path) as f:
        return json.load(f)


def band_mass_table(ids, truth, masks, centres, decision, labels):
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


def write_examples(out, rep, notes, masks, obfuscations, truth, names, n_figures, seed):
    """Figures and waves of the first ``n_figures`` notes."""
    ids, waves, coeffs, decision = notes
    rate = rep.sample_rate
    generator = torch.Generator().manual_seed(int(seed))
    for i in range(min(int(n_figures), len(ids))):
        folder = os.path.join(out, "examples", ids[i])
        os.makedirs(folder, exist_ok=True)
        bands = (truth or {}).get(ids[i], {}).get("bands") or []
        plot_frequency_masks(
            rep.centres.cpu().numpy(), coeffs.magnitude[i].cpu().numpy(),
            {name: m[i].cpu().numpy() for name, m in masks.items()},
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
    """Markdown summary of the figures of the RDE explanation program
    (:func:`speechbrain_interp.programs.rde_explain.run_explain`)."""
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
