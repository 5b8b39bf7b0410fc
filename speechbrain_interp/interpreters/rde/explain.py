"""RDE's explanation of an NSynth classifier in the Fourier domain: what the
``explain.py`` recipe (:mod:`speechbrain_interp.programs.rde_explain`) runs.

For test notes of a trained :class:`~speechbrain_interp.classifier.FourierClassifier`:
per-frequency RDE masks per obfuscation (:class:`.fourier_rde.FourierRDE`),
rate-distortion curves, the magnitude-versus-phase query and, on synthetic
notes, the share of each mask in the known bands; :mod:`.report` writes the
tables, figures and waves.

Authors
 * speechbrain-interp developers 2026
"""

import json
import os
import time

import numpy as np
import torch
from speechbrain.utils.logger import get_logger

from speechbrain_interp.interpreters.rde.fourier_rde import FourierRDE, coefficients
from speechbrain_interp.interpreters.rde.obfuscation import build_obfuscation
from speechbrain_interp.interpreters.rde.plots import plot_rate_distortion
from speechbrain_interp.interpreters.rde.report import (
    band_mass_table, format_results, load_notes, read_ground_truth, write_examples,
)
from speechbrain_interp.interpreters.rde.solver import rate_distortion_curve, solve_corner_table

logger = get_logger(__name__)

__all__ = ["run_explain"]


def run_explain(hparams, classifier, inpainter, dataset, phase_inpainter=None):
    """Runs the program and writes its outputs to ``hparams["output_folder"]``.

    Arguments
    ---------
    hparams : dict
        Keys: ``output_folder``, ``data_folder``, ``notes_per_class``,
        ``obfuscations`` (names), ``obfuscation_settings`` (name -> kwargs),
        ``frequency_query`` and ``phase_query`` (solver options),
        ``phase_query_obfuscation``, ``rates``, ``curve_samples``,
        ``phase_query_lams`` (more lambdas for the exact query, solved on
        the same table of distortions; may be empty), ``n_figures``,
        ``seed``.
    classifier : speechbrain_interp.classifier.FourierClassifier
    inpainter : speechbrain_interp.interpreters.rde.FourierInpainter or None
        G of the per-frequency masks (and of the query when no other is given).
    phase_inpainter : speechbrain_interp.interpreters.rde.FourierInpainter, optional
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
    seed = int(hparams["seed"])
    classifier = classifier.freeze()
    names = classifier.label_encoder.decode_ndim
    ids, waves, labels = load_notes(dataset, int(hparams["notes_per_class"]))
    device = next(classifier.parameters()).device  # the notes go where the classifier is
    waves, labels = waves.to(device), labels.to(device)
    rep = classifier.frontend
    with torch.no_grad():
        coeffs = rep(waves)
        h = coefficients(coeffs)
        decision = classifier(magnitude=coeffs.magnitude, phase=coeffs.phase).logits.argmax(-1)
    settings = hparams["obfuscation_settings"] or {}
    obfuscations = {name: build_obfuscation(name, inpainter, **settings.get(name, {}))
                    for name in hparams["obfuscations"]}
    results = {"notes": len(ids), "accuracy": float((decision == labels).float().mean()),
               "obfuscations": {}}
    masks = _frequency_masks(classifier, obfuscations, coeffs, decision, hparams, results)
    _rate_distortion(classifier, obfuscations, masks, h, decision, ids, hparams, results)
    query_name = hparams["phase_query_obfuscation"]
    query_obfuscation = obfuscations.get(query_name)
    if query_name == "inpainter" and phase_inpainter is not None:
        query_obfuscation = build_obfuscation("inpainter", phase_inpainter,
                                              **settings.get("inpainter", {}))
    elif query_obfuscation is None:
        query_obfuscation = build_obfuscation(query_name, inpainter, **settings.get(query_name, {}))
    results.update(_magnitude_vs_phase(classifier, query_obfuscation, coeffs, decision, names,
                                       hparams))
    truth = read_ground_truth(hparams["data_folder"])
    if truth is not None:
        results["band_mass"] = band_mass_table(ids, truth, masks, rep.centres, decision, labels)
    write_examples(out, rep, (ids, waves, coeffs, decision), masks, obfuscations, truth, names,
                   hparams["n_figures"], seed)
    torch.save({"ids": ids, "masks": {name: m.cpu() for name, m in masks.items()},
                "decision": decision.cpu(), "labels": labels.cpu()},
               os.path.join(out, "masks.pt"))
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump(results, f, indent=2)
    with open(os.path.join(out, "results.md"), "w") as f:
        f.write(format_results(results))
    return results


def _frequency_masks(classifier, obfuscations, coeffs, decision, hparams, results):
    """Per-frequency RDE masks of the decided class, per obfuscation; their
    median distortion, rate and time go to ``results["obfuscations"]``."""
    masks = {}
    for name, obfuscation in obfuscations.items():
        start = time.time()
        rde = FourierRDE(classifier, obfuscation, **hparams["frequency_query"])
        explanation = rde.explain(coeffs, label=decision,
                                  generator=torch.Generator().manual_seed(int(hparams["seed"])))
        masks[name] = explanation.mask
        results["obfuscations"][name] = {
            "distortion_median": float(explanation.distortion.median()),
            "rate_median": float(explanation.rate.median()),
            "seconds": time.time() - start,
        }
        logger.info("RDE with %s obfuscation: %.1f s", name, time.time() - start)
    return masks


def _rate_distortion(classifier, obfuscations, masks, h, decision, ids, hparams, results):
    """Distortion of each mask binarised at ``hparams["rates"]``: the medians in
    ``results``, the curves drawn and written per note to ``rate_distortion.csv``."""
    out, seed = hparams["output_folder"], int(hparams["seed"])
    rates = [float(r) for r in hparams["rates"]]
    curves = {}
    expand = lambda s: s.unsqueeze(1).expand(-1, 2, -1)  # noqa: E731
    model = classifier.coefficients_model()
    for name, obfuscation in obfuscations.items():
        curves[name] = rate_distortion_curve(
            model, h, masks[name], obfuscation, label=decision, rates=rates, expand=expand,
            n_samples=int(hparams["curve_samples"]), generator=torch.Generator().manual_seed(seed),
        ).cpu().numpy()
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


def _magnitude_vs_phase(classifier, obfuscation, coeffs, decision, names, hparams):
    """The magnitude-versus-phase query per decided class: ``magnitude_vs_phase``
    (with the corner distortions when the solver kept them) and
    ``magnitude_vs_phase_lambda`` (the same table solved at ``phase_query_lams``)."""
    rde = FourierRDE(classifier, obfuscation, **hparams["phase_query"])
    pairs = rde.magnitude_vs_phase(coeffs, decision,
                                   generator=torch.Generator().manual_seed(int(hparams["seed"])))
    found = {"magnitude_vs_phase": {
        names([c])[0]: {"magnitude": m, "phase": p} for c, (m, p) in sorted(pairs.items())}}
    corners = rde.last_result.corners
    if corners is None:
        return found
    # mask c keeps the magnitude iff bit 0 is set, the phase iff bit 1 is
    for g, c in enumerate(sorted(pairs)):
        found["magnitude_vs_phase"][names([c])[0]].update({
            "distortion_none_kept": float(corners[g, 0]),
            "distortion_magnitude_only": float(corners[g, 1]),
            "distortion_phase_only": float(corners[g, 2]),
        })
    options = hparams["phase_query"]
    found["magnitude_vs_phase_lambda"] = {}
    for lam in hparams["phase_query_lams"] or []:
        sweep = solve_corner_table(corners, float(lam), int(options["steps"]),
                                   float(options["lr"]), float(options["init"]))
        found["magnitude_vs_phase_lambda"][str(lam)] = {
            names([c])[0]: [float(v) for v in sweep.mask[g]]
            for g, c in enumerate(sorted(pairs))}
    return found
