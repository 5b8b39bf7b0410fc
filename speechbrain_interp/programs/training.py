"""A trained program's run: RNG and loaders set up, fit, test.

A training program (classification, interpretation, in-painting) calls
:func:`prepare_run` (training-time noise, RNG checkpointing, the
``--test_only`` check, loader options with private generators), then
:func:`fit_and_test` (which builds the Brain), and exports what the tested
checkpoint holds (:mod:`~speechbrain_interp.programs.parts`,
:mod:`~speechbrain_interp.programs.export`) with :func:`example_clip`.

Authors
 * speechbrain-interp developers 2026
"""

import torch

from speechbrain.utils.repro import SaveableGenerator

__all__ = ["example_clip", "fit_and_test", "prepare_run"]


def _with_own_generator(loader_opts, seed):
    """Copy of DataLoader options with a private ``torch.Generator``.

    A DataLoader draws its workers' base seed from ``generator`` each time it
    starts an epoch; by default that is the global generator, so resuming in
    the middle of an epoch would shift every later random draw (dropout,
    noise) by one. A private generator keeps a resumed run identical to an
    uninterrupted one.

    Example
    -------
    >>> opts = _with_own_generator({"batch_size": 4}, seed=3)
    >>> opts["batch_size"], opts["generator"].initial_seed()
    (4, 3)
    """
    opts = dict(loader_opts or {})
    if opts.get("generator") is None:
        opts["generator"] = torch.Generator().manual_seed(int(seed))
    return opts


def prepare_run(hparams, run_opts, noise_augment=None):
    """Training-time noise, RNG checkpointing, the ``--test_only`` check, loader options.

    Sets ``hparams["noise_augment"]`` (``noise_augment``: WHAM! noise or
    contamination, :func:`~speechbrain_interp.programs.augmentation.build_noise_augment`,
    or None) and ``hparams["noise_in_eval"]`` (what the Brains read); the
    augmentation's generator is checkpointed with the others.

    Returns
    -------
    checkpointer, has_checkpoint (bool), loader_opts (dict per stage)
    """
    hparams["noise_augment"] = noise_augment
    hparams["noise_in_eval"] = hparams["noise_augment"] is not None and bool(hparams["wham_in_eval"])
    checkpointer = hparams["checkpointer"]
    generators = {"default": torch.default_generator}
    if hparams["noise_augment"] is not None:
        generators["wham"] = hparams["noise_augment"].generator
    checkpointer.add_recoverable("rng", SaveableGenerator(generators))
    has_checkpoint = checkpointer.find_checkpoint() is not None
    if bool((run_opts or {}).get("test_only", False)) and not has_checkpoint:
        raise FileNotFoundError(
            f"--test_only needs a trained model but {checkpointer.checkpoints_dir} "
            "holds no checkpoint; train first with the same output_folder"
        )
    loader_opts = {
        stage: _with_own_generator(hparams[f"{stage}_dataloader_opts"], hparams["seed"])
        for stage in ("train", "valid", "test")
    }
    return checkpointer, has_checkpoint, loader_opts


def fit_and_test(brain_class, modules, hparams, run_opts, checkpointer, datasets, loader_opts,
                 select):
    """Builds the Brain, trains on ``train`` (validating on ``valid``) and tests
    the checkpoint chosen by ``select`` (e.g. ``{"min_key": "error"}``).

    Arguments
    ---------
    brain_class : type
        A :class:`~speechbrain_interp.brains.base.ProjectBrain` subclass.
    modules : dict
        Its modules.
    hparams, run_opts : dict
        Hyperparameters (``opt_class``, ``epoch_counter`` are read) and run options.
    checkpointer : speechbrain.utils.checkpoints.Checkpointer
        From :func:`prepare_run`.
    datasets, loader_opts : dict
        Per stage (``train`` required).
    select : dict
        ``{"min_key": key}`` or ``{"max_key": key}``.

    Returns
    -------
    brain : ProjectBrain
    best : speechbrain.utils.checkpoints.Checkpoint or None
        The checkpoint tested (what the program exports).
    """
    if datasets.get("train") is None:
        raise ValueError("no training manifest: choose at least one training fold")
    brain = brain_class(modules=modules, opt_class=hparams["opt_class"], hparams=hparams,
                        run_opts=run_opts, checkpointer=checkpointer)
    brain.fit(
        hparams["epoch_counter"],
        datasets["train"],
        datasets.get("valid"),
        train_loader_kwargs=loader_opts["train"],
        valid_loader_kwargs=loader_opts["valid"],
    )
    if datasets.get("test") is not None:
        brain.evaluate(datasets["test"], test_loader_kwargs=loader_opts["test"], **select)
    return brain, brain.checkpointer.find_checkpoint(**select)


def example_clip(datasets):
    """The first test clip (else training clip) ``[N]`` and the number of test clips.

    Example
    -------
    >>> example_clip({"train": [{"sig": "a"}], "test": [{"sig": "b"}, {"sig": "c"}]})
    ('b', 2)
    >>> example_clip({"train": [{"sig": "a"}], "test": None})
    ('a', 0)
    """
    test = datasets.get("test")
    source = test if test is not None and len(test) else datasets["train"]
    return source[0]["sig"], (len(test) if test is not None else 0)
