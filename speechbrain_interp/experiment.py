"""Recipe plumbing shared by every dataset: arguments, noise, training, testing.

A dataset's ``train.py`` only parses its arguments with
:func:`load_experiment`, prepares its manifests (under ``run_on_main``) and
calls :func:`run_classification`. Everything else (datasets, label encoder,
WHAM! noise, pretrained encoder, checkpoints, resume, test report) is here.

Authors
 * speechbrain-interp developers 2026
"""

import inspect
import json
import os
import shutil

import torch
from hyperpyyaml import load_hyperpyyaml

import speechbrain as sb
from speechbrain.utils.distributed import run_on_main
from speechbrain.utils.logger import get_logger
from speechbrain.utils.repro import SaveableGenerator

from speechbrain_interp.audio import seconds_to_samples
from speechbrain_interp.brains.classification import ClassifierBrain
from speechbrain_interp.brains.interpretation import InterpreterBrain
from speechbrain_interp.data.dataio import build_datasets
from speechbrain_interp.pretrained import export_classifier

logger = get_logger(__name__)

__all__ = [
    "build_noise_augment", "load_experiment", "run_classification", "run_interpreter", "run_nmf",
]


def load_experiment(argv):
    """Parses ``train.py hparams.yaml [--key value ...]`` and loads the YAML.

    Also creates the output folder (hyperparams.yaml, log.txt, env.log), as
    every SpeechBrain recipe does.

    Arguments
    ---------
    argv : list of str
        Command-line arguments without the program name.

    Returns
    -------
    hparams : dict
        Loaded hyperparameters.
    run_opts : speechbrain run options
    overrides : dict
        The ``--key value`` overrides.
    """
    recipe_script = os.path.realpath(inspect.stack()[1].filename)
    hparams_file, run_opts, overrides = sb.parse_arguments(argv)
    if not os.path.isfile(hparams_file):
        raise FileNotFoundError(f"hyperparameter file not found: {hparams_file}")
    sb.utils.distributed.ddp_init_group(run_opts)
    with open(hparams_file, encoding="utf-8") as fin:
        hparams = load_hyperpyyaml(fin, overrides)
    sb.create_experiment_directory(
        experiment_directory=hparams["output_folder"],
        hyperparams_to_save=hparams_file,
        overrides=overrides,
    )
    # SpeechBrain copies the calling module (this file); keep the recipe instead
    if sb.utils.distributed.if_main_process():
        out = hparams["output_folder"]
        copied = os.path.join(out, os.path.basename(__file__))
        if os.path.isfile(copied) and os.path.basename(recipe_script) != os.path.basename(__file__):
            os.remove(copied)
        if os.path.isfile(recipe_script):
            shutil.copy(recipe_script, out)
    return hparams, run_opts, overrides


def build_noise_augment(hparams, for_stage="train"):
    """WHAM! noise augmentation from the ``wham_*`` hyperparameters, or None.

    Keys: ``add_wham_noise`` (bool), ``wham_folder``, ``wham_subset``
    (default ``"tr"``), ``wham_snr_low``/``wham_snr_high`` (dB),
    ``wham_mode`` (``"snr"`` or upstream's ``"unit_norm_sum"``), ``wham_prob``
    (probability that a training clip gets noise),
    ``wham_seed``, ``wham_download``, ``sample_rate``, ``signal_length_s``.

    Arguments
    ---------
    hparams : dict
        Hyperparameters.
    for_stage : str
        Only used in messages.

    Returns
    -------
    speechbrain_interp.augment.wham.WhamAugment or None
    """
    if not hparams.get("add_wham_noise", False):
        return None
    from speechbrain_interp.augment.wham import NoiseBank, WhamAugment, prepare_wham

    folder = hparams.get("wham_folder")
    if not folder:
        raise ValueError(
            "add_wham_noise is True but wham_folder is not set: pass "
            "--wham_folder /path/to/wham_noise (the folder holding tr/)"
        )
    run_on_main(
        prepare_wham,
        kwargs={"wham_folder": folder, "download": hparams.get("wham_download", True)},
    )
    bank = NoiseBank(
        folder,
        sample_rate=hparams["sample_rate"],
        segment_samples=seconds_to_samples(hparams["signal_length_s"], hparams["sample_rate"]),
        subset=hparams.get("wham_subset", "tr"),
        seed=hparams.get("wham_seed", 1234),
    )
    logger.info("WHAM! noise for %s from %s", for_stage, folder)
    return WhamAugment(
        bank,
        snr_low=hparams.get("wham_snr_low", 0.0),
        snr_high=hparams.get("wham_snr_high", 15.0),
        mode=hparams.get("wham_mode", "snr"),
        prob=hparams.get("wham_prob", 1.0),
    )


def _load_pretrained_encoder(hparams, embedding_model):
    """Initialises the encoder from ``pretrained_encoder`` (path or HF file)."""
    source = hparams.get("pretrained_encoder")
    if not source:
        return
    from speechbrain.utils.parameter_transfer import Pretrainer

    pretrainer = Pretrainer(
        collect_in=os.path.join(hparams["save_folder"], "pretrained"),
        loadables={"embedding_model": embedding_model},
        paths={"embedding_model": source},
    )
    run_on_main(pretrainer.collect_files)
    pretrainer.load_collected()
    logger.info("encoder initialised from %s", source)


def _with_own_generator(loader_opts, seed):
    """Copy of DataLoader options with a private ``torch.Generator``.

    A DataLoader draws its workers' base seed from ``generator`` each time it
    starts an epoch; by default that is the global generator, so resuming in
    the middle of an epoch would shift every later random draw (dropout,
    noise) by one. A private generator keeps a resumed run identical to an
    uninterrupted one.
    """
    opts = dict(loader_opts or {})
    if opts.get("generator") is None:
        opts["generator"] = torch.Generator().manual_seed(int(seed))
    return opts


def _prepare_run(hparams, run_opts):
    """WHAM! noise, RNG checkpointing, the ``--test_only`` check, loader options.

    Returns
    -------
    checkpointer, has_checkpoint (bool), loader_opts (dict per stage)
    """
    hparams["noise_augment"] = build_noise_augment(hparams)
    hparams["noise_in_eval"] = bool(hparams.get("wham_in_eval", False))
    checkpointer = hparams["checkpointer"]
    generators = {"default": torch.default_generator}
    if hparams.get("noise_augment") is not None:
        generators["wham"] = hparams["noise_augment"].generator
    checkpointer.add_recoverable("rng", SaveableGenerator(generators))
    has_checkpoint = checkpointer.find_checkpoint() is not None
    if bool((run_opts or {}).get("test_only", False)) and not has_checkpoint:
        raise FileNotFoundError(
            f"--test_only needs a trained model but {checkpointer.checkpoints_dir} "
            "holds no checkpoint; train first with the same output_folder"
        )
    loader_opts = {
        stage: _with_own_generator(hparams[f"{stage}_dataloader_opts"], hparams.get("seed", 0))
        for stage in ("train", "valid", "test")
    }
    return checkpointer, has_checkpoint, loader_opts


def _fit_and_test(brain, hparams, datasets, loader_opts, select):
    """Trains on ``train`` (validating on ``valid``), tests the checkpoint
    chosen by ``select`` (e.g. ``{"min_key": "error"}``) and returns it."""
    if datasets.get("train") is None:
        raise ValueError("no training manifest: choose at least one training fold")
    brain.fit(
        hparams["epoch_counter"],
        datasets["train"],
        datasets.get("valid"),
        train_loader_kwargs=loader_opts["train"],
        valid_loader_kwargs=loader_opts["valid"],
    )
    if datasets.get("test") is not None:
        brain.evaluate(datasets["test"], test_loader_kwargs=loader_opts["test"], **select)
    return brain.checkpointer.find_checkpoint(**select)


def run_classification(hparams, run_opts, manifests, data_root):
    """Trains (unless ``--test_only``) and tests a classifier.

    Arguments
    ---------
    hparams : dict
        Loaded recipe hyperparameters. Required keys: ``classifier``,
        ``embedding_model``, ``n_classes``, ``sample_rate``,
        ``signal_length_s``, ``save_folder``, ``output_folder``,
        ``epoch_counter``, ``checkpointer``, ``opt_class``, ``train_logger``,
        ``train_dataloader_opts``, ``valid_dataloader_opts``,
        ``test_dataloader_opts``.
    run_opts : dict
        SpeechBrain run options.
    manifests : dict
        ``{"train": path, "valid": path or None, "test": path or None}``.
    data_root : str
        Replacement for ``{data_root}`` in the manifests.

    Returns
    -------
    ClassifierBrain
        The brain; ``brain.test_report`` holds the test report when a test
        set was given.
    """
    datasets, label_encoder = build_datasets(
        manifests,
        data_root=data_root,
        sample_rate=hparams["sample_rate"],
        signal_length_s=hparams["signal_length_s"],
        label_encoder_path=os.path.join(hparams["save_folder"], "label_encoder.txt"),
    )
    if len(label_encoder) != hparams["n_classes"]:
        raise ValueError(
            f"n_classes is {hparams['n_classes']} in the hyperparameters but the "
            f"data has {len(label_encoder)} classes; pass --n_classes {len(label_encoder)}"
        )
    hparams["label_encoder"] = label_encoder
    checkpointer, has_checkpoint, loader_opts = _prepare_run(hparams, run_opts)
    if not has_checkpoint:
        _load_pretrained_encoder(hparams, hparams["embedding_model"])
    brain = ClassifierBrain(
        modules={"classifier": hparams["classifier"]},
        opt_class=hparams["opt_class"],
        hparams=hparams,
        run_opts=run_opts,
        checkpointer=checkpointer,
    )
    best = _fit_and_test(brain, hparams, datasets, loader_opts, {"min_key": "error"})
    if best is not None:
        run_on_main(
            export_classifier,
            args=[hparams, str(best.path), os.path.join(hparams["save_folder"], "label_encoder.txt"),
                  os.path.join(hparams["output_folder"], "pretrained")],
        )
    return brain


def run_interpreter(hparams, run_opts, manifests, data_root):
    """Trains (unless ``--test_only``) and tests an interpreter.

    Arguments
    ---------
    hparams : dict
        Loaded recipe hyperparameters. Required keys: ``interpreter`` (a
        trainable :class:`~speechbrain_interp.interpreters.Interpreter`,
        whose ``classifier`` was loaded from a pretrained folder),
        ``signal_length_s``, ``output_folder``, ``epoch_counter``,
        ``checkpointer``, ``opt_class``, ``train_logger``, the three
        ``*_dataloader_opts``; optional: the ``wham_*`` keys, ``ckpt_key``,
        ``ckpt_mode``, ``save_interpretations``, ``interpret_period``,
        ``pretrained_interpreter`` (folder of ``<part>.ckpt`` files to start
        from). The interpreter's :meth:`trained_parts` are checkpointed and,
        after testing, exported to ``<output_folder>/pretrained/``.
    run_opts : dict
        SpeechBrain run options.
    manifests : dict
        ``{"train": path, "valid": path or None, "test": path or None}``.
    data_root : str
        Replacement for ``{data_root}`` in the manifests.

    Returns
    -------
    InterpreterBrain
        ``brain.test_stats`` holds the test metrics when a test set was given.
    """
    interpreter = hparams["interpreter"]
    classifier = interpreter.classifier
    hparams["sample_rate"] = classifier.sample_rate
    datasets, label_encoder = build_datasets(
        manifests,
        data_root=data_root,
        sample_rate=classifier.sample_rate,
        signal_length_s=hparams["signal_length_s"],
        label_encoder=getattr(classifier, "label_encoder", None),
        label_encoder_path=os.path.join(hparams["save_folder"], "label_encoder.txt"),
    )
    hparams["label_encoder"] = label_encoder
    parts = interpreter.trained_parts()
    for name, module in parts.items():
        hparams["checkpointer"].add_recoverable(name, module)
    checkpointer, has_checkpoint, loader_opts = _prepare_run(hparams, run_opts)
    if not has_checkpoint and hparams.get("pretrained_interpreter"):
        _load_parts(parts, hparams["pretrained_interpreter"], hparams["save_folder"])
    brain = InterpreterBrain(
        modules={"interpreter": interpreter},
        opt_class=hparams["opt_class"],
        hparams=hparams,
        run_opts=run_opts,
        checkpointer=checkpointer,
    )
    key = hparams.get("ckpt_key", "loss")
    select = {"min_key": key} if hparams.get("ckpt_mode", "min") == "min" else {"max_key": key}
    best = _fit_and_test(brain, hparams, datasets, loader_opts, select)
    if best is not None and parts:
        run_on_main(_export_parts, args=[parts, str(best.path),
                                         os.path.join(hparams["output_folder"], "pretrained")])
    return brain


def _export_parts(parts, checkpoint_dir, out_folder):
    """Copies the interpreter's trained parts (``<name>.ckpt``) to ``out_folder``."""
    os.makedirs(out_folder, exist_ok=True)
    for name in parts:
        shutil.copy(os.path.join(checkpoint_dir, f"{name}.ckpt"), os.path.join(out_folder, f"{name}.ckpt"))
    logger.info("trained interpreter parts %s exported to %s", sorted(parts), out_folder)


def _load_parts(parts, source, save_folder):
    """Initialises the interpreter's parts from ``<source>/<name>.ckpt``."""
    from speechbrain.utils.parameter_transfer import Pretrainer

    if not parts:
        raise ValueError("pretrained_interpreter is set but the interpreter has no trained parts")
    pretrainer = Pretrainer(
        collect_in=os.path.join(save_folder, "pretrained_interpreter"),
        loadables=dict(parts),
        paths={name: f"{source}/{name}.ckpt" for name in parts},
    )
    run_on_main(pretrainer.collect_files)
    pretrainer.load_collected()
    logger.info("interpreter initialised from %s", source)


def _spectrogram_frames(dataset, frontend, max_frames, seed, batch_size=16, min_energy=1e-3):
    """``log1p|X|`` frames of a dataset as ``[F, N]`` (a random subset of ``max_frames``)."""
    loader = sb.dataio.dataloader.make_dataloader(dataset, batch_size=batch_size)
    frames = []
    with torch.no_grad():
        for batch in loader:
            magnitude, _ = frontend.spectrogram(batch.sig.data)
            logmag = torch.log1p(magnitude).flatten(0, 1)  # [B*T, F]
            frames.append(logmag[logmag.sum(dim=1) > min_energy])  # drop silent frames
    frames = torch.cat(frames)
    if frames.shape[0] == 0:
        raise ValueError("the training clips are silent: no frame to learn an NMF dictionary from")
    if max_frames and frames.shape[0] > max_frames:
        keep = torch.randperm(frames.shape[0], generator=torch.Generator().manual_seed(seed))
        frames = frames[keep[: int(max_frames)]]
    return frames.t().contiguous()


def run_nmf(hparams, manifests, data_root):
    """Learns the L2I NMF dictionary on the training clips' ``log1p|X|`` frames.

    Hyperparameters: ``classifier`` (its front end defines the spectrogram),
    ``nmf_dictionary`` (an :class:`~speechbrain_interp.nmf.NMFDictionary`),
    ``nmf_mu``, ``nmf_iterations``, ``max_frames``, ``signal_length_s``,
    ``output_folder``, ``seed``.

    Writes ``<output_folder>/pretrained/nmf_dictionary.ckpt``,
    ``nmf_report.json`` (relative reconstruction error, objective per
    iteration) and ``nmf_dictionary.png``.

    Returns
    -------
    dict
        The report.
    """
    from speechbrain_interp.nmf import nmf_objective

    classifier = hparams["classifier"]
    frontend = classifier.frontend
    datasets, _ = build_datasets(
        {"train": manifests["train"]}, data_root, frontend.sample_rate,
        hparams["signal_length_s"], label_encoder=getattr(classifier, "label_encoder", None),
        label_encoder_path=os.path.join(hparams["save_folder"], "label_encoder.txt"),
    )
    V = _spectrogram_frames(datasets["train"], frontend, hparams.get("max_frames"), hparams.get("seed", 0))
    dictionary = hparams["nmf_dictionary"]
    logger.info("sparse NMF: %d frames x %d bins, K=%d", V.shape[1], V.shape[0], dictionary.n_components)
    H, history = dictionary.fit(
        V, mu=hparams["nmf_mu"], n_iter=hparams["nmf_iterations"],
        generator=torch.Generator().manual_seed(hparams.get("seed", 0)),
    )
    error = float((V - dictionary.W @ H).norm() / V.norm())
    report = {
        "n_frames": int(V.shape[1]), "n_components": dictionary.n_components,
        "mu": hparams["nmf_mu"], "iterations": hparams["nmf_iterations"],
        "relative_error": error,
        "objective": float(nmf_objective(V, dictionary.W, H, hparams["nmf_mu"])),
        "objective_history": [float(v) for v in history],
        "mean_active_fraction": float((H > 1e-3 * H.max()).float().mean()),
    }
    out = os.path.join(hparams["output_folder"], "pretrained")
    if sb.utils.distributed.if_main_process():
        os.makedirs(out, exist_ok=True)
        torch.save(dictionary.state_dict(), os.path.join(out, "nmf_dictionary.ckpt"))
        with open(os.path.join(hparams["output_folder"], "nmf_report.json"), "w") as f:
            json.dump(report, f, indent=2)
        _plot_dictionary(dictionary.W, frontend.sample_rate,
                         os.path.join(hparams["output_folder"], "nmf_dictionary.png"))
    logger.info("NMF dictionary: relative error %.4f, saved to %s", error, out)
    return report


def _plot_dictionary(W, sample_rate, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    order = W.argmax(dim=0).argsort()  # sort atoms by their peak frequency
    fig, ax = plt.subplots(figsize=(8, 4))
    ax.imshow(W[:, order].numpy(), origin="lower", aspect="auto", cmap="magma",
              extent=[0, W.shape[1], 0, sample_rate / 2000])
    ax.set_xlabel("component (sorted by peak frequency)")
    ax.set_ylabel("frequency (kHz)")
    ax.set_title("NMF dictionary W")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
