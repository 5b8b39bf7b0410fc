"""The NMF program: L2I's dictionary, learned on the training clips' ``log1p|X|`` frames.

    python train_nmf.py hparams/nmf.yaml --data_folder /path/to/dataset \\
        --classifier_source ../classification/results/cnn14/1234/pretrained

The spectrogram is the classifier's own (its STFT), so the dictionary fits
the L2I interpreter of that classifier.

Precision: always float32. The program trains no network (it has no
``Brain``): the STFT and the NMF solve are what it computes, and both stay
float32 under mixed precision anyway (:mod:`speechbrain_interp.float32`);
``--precision bf16`` and ``--eval_precision bf16`` are accepted and
ignored (with a warning), ``fp16`` on the CPU is refused at start-up like in every
program.

Authors
 * speechbrain-interp developers 2026
"""

import json
import os

import torch

import speechbrain as sb
from speechbrain.utils.distributed import run_on_main
from speechbrain.utils.logger import get_logger

from speechbrain_interp.data.dataio import build_datasets
from speechbrain_interp.interpreters.l2i.nmf import nmf_objective
from speechbrain_interp.programs.configuration import PRECISION_OPTIONS
from speechbrain_interp.programs.description import Program
from speechbrain_interp.programs.run_setup import load_experiment, prepare_data
from speechbrain_interp.interpreters.l2i.plots import plot_nmf_dictionary

logger = get_logger(__name__)

__all__ = ["PROGRAM", "required_keys", "main", "run_nmf"]

#: the program's name and keys (besides the common ones)
PROGRAM = Program("the NMF program", ("classifier", "classifier_source", "nmf_dictionary",
                                      "nmf_mu", "nmf_iterations", "max_frames",
                                      "signal_length_s"))
required_keys = PROGRAM.required_keys


def spectrogram_frames(dataset, frontend, max_frames, seed, batch_size=16, min_energy=1e-3):
    """``log1p|X|`` frames of a dataset as ``[F, N]`` (silent frames dropped).

    Arguments
    ---------
    dataset : speechbrain.dataio.dataset.DynamicItemDataset
        Clips (``sig``).
    frontend : speechbrain_interp.frontend.SpectralFrontEnd
        The classifier's front end.
    max_frames : int or None
        Keep a random subset of this many frames (None: all).
    seed : int
        Seed of that subset.
    batch_size : int
        Clips per STFT call.
    min_energy : float
        Frames whose ``log1p|X|`` sums to less are silent.

    Returns
    -------
    torch.Tensor
        ``[F, N]``.
    """
    loader = sb.dataio.dataloader.make_dataloader(dataset, batch_size=batch_size)
    frames = []
    with torch.no_grad():
        for batch in loader:
            magnitude, _ = frontend.spectrogram(batch.sig.data)
            logmag = torch.log1p(magnitude).flatten(0, 1)  # [B*T, F]
            frames.append(logmag[logmag.sum(dim=1) > min_energy])
    frames = torch.cat(frames)
    if frames.shape[0] == 0:
        raise ValueError("the training clips are silent: no frame to learn an NMF dictionary from")
    if max_frames and frames.shape[0] > max_frames:
        keep = torch.randperm(frames.shape[0], generator=torch.Generator().manual_seed(seed))
        frames = frames[keep[: int(max_frames)]]
    return frames.t().contiguous()


def run_nmf(hparams, manifests, device="cpu"):
    """Learns the dictionary (on the main process) and writes it.

    Writes ``<output_folder>/pretrained/nmf_dictionary.ckpt``,
    ``nmf_report.json`` (relative reconstruction error, objective per
    iteration) and ``nmf_dictionary.png``. Under ``torchrun`` the main
    process does the work (a sparse NMF is one job) and the others wait.

    Arguments
    ---------
    hparams : dict
        Loaded hyperparameters (:data:`PROGRAM`'s keys).
    manifests : dict
        ``{"train": path, ...}``.
    device : str
        Where the dictionary is learned (``--device``); it is saved from the CPU.

    Returns
    -------
    dict
        The report, on every process.
    """
    classifier = hparams["classifier"]
    frontend = classifier.frontend
    datasets, _ = build_datasets(
        {"train": manifests["train"]}, hparams["data_folder"], frontend.sample_rate,
        hparams["signal_length_s"], label_encoder=classifier.label_encoder,
        label_encoder_path=os.path.join(hparams["save_folder"], "label_encoder.txt"),
    )
    return run_on_main(_fit_and_save, args=[hparams, datasets["train"], frontend, device])


def _fit_and_save(hparams, dataset, frontend, device="cpu"):
    seed = hparams["seed"]
    V = spectrogram_frames(dataset, frontend, hparams["max_frames"], seed).to(device)
    dictionary = hparams["nmf_dictionary"].to(device)
    logger.info("sparse NMF: %d frames x %d bins, K=%d", V.shape[1], V.shape[0], dictionary.n_components)
    H, history = dictionary.fit(V, mu=hparams["nmf_mu"], n_iter=hparams["nmf_iterations"],
                                generator=torch.Generator().manual_seed(seed))
    error = float((V - dictionary.W @ H).norm() / V.norm())
    report = {
        "n_frames": int(V.shape[1]), "n_components": dictionary.n_components,
        "mu": hparams["nmf_mu"], "iterations": hparams["nmf_iterations"],
        "relative_error": error,
        "objective": float(nmf_objective(V, dictionary.W, H, hparams["nmf_mu"])),
        "objective_history": [float(v) for v in history],
        "mean_active_fraction": float((H > 1e-3 * H.max()).float().mean()),
    }
    dictionary.to("cpu")  # saved and drawn from the CPU
    out = os.path.join(hparams["output_folder"], "pretrained")
    os.makedirs(out, exist_ok=True)
    torch.save(dictionary.state_dict(), os.path.join(out, "nmf_dictionary.ckpt"))
    with open(os.path.join(hparams["output_folder"], "nmf_report.json"), "w") as f:
        json.dump(report, f, indent=2)
    plot_nmf_dictionary(dictionary.W, frontend.sample_rate,
                        os.path.join(hparams["output_folder"], "nmf_dictionary.png"))
    logger.info("NMF dictionary: relative error %.4f, saved to %s", error, out)
    return report


def main(argv):
    """``train_nmf.py hparams.yaml [--key value ...]``; returns the report."""
    hparams, run_opts, _ = load_experiment(argv, PROGRAM.required_keys, PROGRAM.name)
    lowered = {key: run_opts[key] for key in PRECISION_OPTIONS
               if run_opts.get(key) not in (None, "fp32")}
    if lowered:
        logger.warning("the NMF program runs in float32 (no network to train): %s ignored",
                       ", ".join(f"--{key} {value}" for key, value in lowered.items()))
    device = run_opts.get("device") or "cpu"
    return run_nmf(hparams, prepare_data(hparams), device=device)
