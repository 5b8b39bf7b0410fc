"""The evaluation program: interpreters and baselines under several conditions.

Any set of methods (trained interpreters loaded from their run folders,
random masks matched to them, captum baselines, all-ones) times any set of
conditions (clean, WHAM!, mixtures with another class or with another
dataset's clips, speech and white noise at 3 dB): the faithfulness metrics of the L-MAC paper, the
classifier's accuracy per condition and, where the mixture's parts are
known, the ground-truth localisation of the explained source.

    python eval.py hparams/eval.yaml --data_folder /path/to/dataset \
        --classifier_source ../classification/results/cnn14/1234/pretrained \
        --interpreters "{lmac: results/lmac/1234}" \
        --wham_folder /path/to/wham_noise --speech_folder /path/to/LJSpeech-1.1

Under ``torchrun`` the main process evaluates and the others wait.

Authors
 * speechbrain-interp developers 2026
"""

import os

import torch

from speechbrain.utils.distributed import ddp_barrier, if_main_process
from speechbrain.utils.logger import get_logger

from speechbrain_interp.audio import seconds_to_samples
from speechbrain_interp.data.dataio import build_datasets
from speechbrain_interp.evaluation import registry
from speechbrain_interp.evaluation.conditions import build_conditions
from speechbrain_interp.evaluation.suite import EvenlySpaced, evaluate
from speechbrain_interp.evaluation.tables import (
    default_comparisons, write_results,
)  # fmt: skip
from speechbrain_interp.interpreters.baselines.reference import RandomMask
from speechbrain_interp.interpreters.baselines.registry import build_baseline
from speechbrain_interp.inference import load_interpreter
from speechbrain_interp.precision import check_precision
from speechbrain_interp.programs.description import Program
from speechbrain_interp.programs.run_setup import load_experiment, prepare_data

logger = get_logger(__name__)

__all__ = ["PROGRAM", "check_max_clips", "clip_length", "required_keys", "build_methods", "main",
           "run_evaluation", "trained_methods", "write_figures_and_gallery"]

#: the program's name and keys (besides the common ones)
PROGRAM = Program("the evaluation program", (
    "classifier_source", "classifier", "signal_length_s", "max_clips", "interpreters",
    "random_references", "random_seed", "baselines", "baseline_settings", "conditions",
    "condition_seed", "wham_folder", "wham_subset", "wham_snr", "speech_folder", "speech_part",
    "speech_held_out", "speech_snr",
    "white_snr", "mixture_weights", "mixture_snr", "mixture_repeats", "cross_dataset_folder",
    "batch_size",
    "metric_max_batch", "subtractive_faithfulness", "n_examples", "gallery", "bootstrap",
    "bootstrap_seed",
))
required_keys = PROGRAM.required_keys


def check_max_clips(max_clips):
    """``max_clips`` as a positive ``int``, or ``None`` (every test clip).

    ``0`` would otherwise read as "no limit" and evaluate every clip.

    Example
    -------
    >>> check_max_clips(40), check_max_clips(None)
    (40, None)
    >>> check_max_clips(0)
    Traceback (most recent call last):
    ...
    ValueError: max_clips must be a positive number of clips or null (every test clip), got 0
    """
    if max_clips is None:
        return None
    if isinstance(max_clips, bool) or not isinstance(max_clips, (int, float)) \
            or int(max_clips) != max_clips or max_clips <= 0:
        raise ValueError("max_clips must be a positive number of clips or null (every test "
                         f"clip), got {max_clips!r}")
    return int(max_clips)


def trained_methods(runs, classifier, random_seed=None):
    """Trained interpreters from their run folders, all explaining ``classifier``.

    Arguments
    ---------
    runs : dict
        Name -> interpreter run folder (a recipe's ``output_folder``) or
        pretrained interpreter folder / hub repo.
    classifier : speechbrain_interp.classifier.AudioClassifier
        The one classifier object every method explains (metrics and
        evaluation need a single object); it must have the labels the
        interpreters were trained for (a warning says when its weights
        differ from theirs).
    random_seed : int, optional
        Also add ``"random (<name>)"``: the run's own mask values shuffled
        per clip (:class:`RandomMask`), seeded.

    Returns
    -------
    dict
        Name -> interpreter (eval mode).
    """
    methods = {}
    for name, folder in runs.items():
        methods[name] = interpreter = load_interpreter(folder, classifier=classifier)
        if random_seed is not None:
            methods[f"random ({name})"] = RandomMask(classifier, reference=interpreter,
                                                     seed=random_seed)
    return methods


def build_methods(hparams, classifier):
    """Name -> interpreter: trained runs (+ random references), then baselines."""
    methods = trained_methods(
        hparams["interpreters"] or {}, classifier,
        random_seed=hparams["random_seed"] if hparams["random_references"] else None,
    )
    settings = hparams["baseline_settings"] or {}
    for name in hparams["baselines"] or []:
        if name not in settings:
            raise ValueError(
                f"baseline {name!r} has no entry in baseline_settings; known: {sorted(settings)}")
        spec = dict(settings[name])
        if "method" not in spec:
            raise ValueError(f"baseline {name!r} has no 'method' key: {spec}")
        methods[name] = build_baseline(spec.pop("method"), classifier, **spec)
    if not methods:
        raise ValueError("nothing to evaluate: give interpreters and/or baselines")
    return methods


def clip_length(signal_length_s, classifier):
    """The clip length to evaluate: the given one, else the classifier's own.

    A pretrained classifier folder records the clip length it was trained
    on (``window_s``); evaluating at another length crops or pads every clip,
    so the length used is logged with where it came from.

    Example
    -------
    >>> class Clf: hparams, sample_rate = {"window_s": 5.0}, 16000
    >>> clip_length(None, Clf()), clip_length(3.0, Clf())
    (5.0, 3.0)
    """
    recorded = (getattr(classifier, "hparams", None) or {}).get("window_s")
    if signal_length_s is None:
        if recorded is None:
            raise ValueError("signal_length_s is null and the classifier records no clip length "
                             "(window_s): pass --signal_length_s SECONDS")
        logger.info("clips of %g s at %d Hz (the classifier's own settings)", recorded,
                    classifier.sample_rate)
        return float(recorded)
    if recorded is not None and abs(float(recorded) - float(signal_length_s)) > 1e-6:
        logger.warning("evaluating %g-s clips with a classifier trained on %g-s clips "
                       "(signal_length_s overrides it)", signal_length_s, recorded)
    else:
        logger.info("clips of %g s at %d Hz", signal_length_s, classifier.sample_rate)
    return float(signal_length_s)


def run_evaluation(hparams, manifests, device="cpu", precision="fp32"):
    """Evaluates on the test split; writes the tables, figures and gallery.

    Arguments
    ---------
    hparams : dict
        Loaded hyperparameters (:data:`PROGRAM`'s keys).
    manifests : dict
        ``{"test": path, ...}``.
    device : str
        Where the classifier, the methods and every batch go (``--device``).
    precision : str
        ``"fp32"``, ``"bf16"`` or ``"fp16"`` (``--eval_precision``): the
        autocast of the methods and of the metrics' classifier calls; masks,
        probabilities and figures stay float32.

    Returns
    -------
    dict
        Condition name -> :class:`~speechbrain_interp.evaluation.suite.ConditionResult`.
    """
    max_clips = check_max_clips(hparams["max_clips"])
    check_precision(precision, device, option="--eval_precision")
    out = hparams["output_folder"]
    classifier = hparams["classifier"]
    length_s = clip_length(hparams["signal_length_s"], classifier)
    datasets, _ = build_datasets(
        {"test": manifests["test"]}, hparams["data_folder"], classifier.sample_rate,
        length_s, label_encoder=classifier.label_encoder,
    )
    dataset = datasets["test"]
    if max_clips is not None:
        dataset = EvenlySpaced(dataset, max_clips)
    conditions = build_conditions(
        hparams["conditions"], classifier.sample_rate,
        seconds_to_samples(length_s, classifier.sample_rate),
        seed=hparams["condition_seed"], wham_folder=hparams["wham_folder"],
        wham_subset=hparams["wham_subset"], wham_snr=tuple(hparams["wham_snr"]),
        speech_folder=hparams["speech_folder"], speech_snr=hparams["speech_snr"],
        white_snr=hparams["white_snr"], mixture_weights=tuple(hparams["mixture_weights"]),
        mixture_snr=hparams["mixture_snr"], mixture_repeats=hparams["mixture_repeats"],
        cross_dataset_folder=hparams["cross_dataset_folder"],
        speech_part=hparams["speech_part"], speech_held_out=hparams["speech_held_out"],
    )
    methods = build_methods(hparams, classifier)
    torch.manual_seed(hparams["seed"])
    names = dict(classifier.label_encoder.ind2lab)
    results = evaluate(
        methods, dataset, conditions, batch_size=hparams["batch_size"],
        max_batch=hparams["metric_max_batch"],
        subtractive=hparams["subtractive_faithfulness"], out_folder=out,
        n_examples=hparams["n_examples"], class_names=names, progress=True, device=device,
        precision=precision,
    )
    comparisons = default_comparisons(list(hparams["interpreters"] or {}), list(methods))
    report = write_results(results, out, title=f"Evaluation of {hparams['classifier_source']}",
                           class_names=names, comparisons=comparisons,
                           n_resamples=hparams["bootstrap"], seed=hparams["bootstrap_seed"])
    write_figures_and_gallery(results, out, report, hparams["gallery"])
    print(report)
    return results


def write_figures_and_gallery(results, out, report, gallery):
    """Metric bars per condition (``metrics.png``, ``localization.png``) and ``index.html``."""
    from speechbrain_interp.evaluation.gallery import write_gallery
    from speechbrain_interp.visualize import plot_metric_bars

    table = {cond: r.summaries() for cond, r in results.items()}
    directions = registry.directions()
    faithfulness = [name for name, _ in registry.columns(registry.FAITHFULNESS, multilabel=False)]
    figures = [plot_metric_bars(table, faithfulness, os.path.join(out, "metrics.png"),
                                title="Faithfulness per condition", directions=directions)]
    found = {name for r in table.values() for s in r.values() for name in s}
    truth = [name for name, way in registry.columns(registry.GROUND_TRUTH)
             if way is not None and name in found]
    if truth:
        figures.append(plot_metric_bars(
            table, truth, os.path.join(out, "localization.png"),
            title="Ground truth per condition", directions=directions))
    if gallery:
        clips = [example for r in results.values() for example in r.examples]
        overview = {"id": "overview", "caption": "Metrics per condition", "audio": {},
                    "figures": figures}
        write_gallery(out, [overview] + clips, title="Interpretations, listenable",
                      tables=_tables(report))


def _tables(report):
    """(heading, markdown table) pairs of a :func:`write_results` report."""
    tables, heading, lines = [], None, []
    for line in report.splitlines() + [""]:
        if line.startswith("|"):
            lines.append(line)
            continue
        if lines:
            tables.append((heading, "\n".join(lines)))
            lines = []
        if line.startswith("### "):
            heading = line[4:].strip()
        elif line.strip() and not line.startswith("#"):
            heading = line.strip()
    return tables


def main(argv):
    """``eval.py hparams.yaml [--key value ...]``; returns the results (None off the main process)."""
    hparams, run_opts, _ = load_experiment(argv, PROGRAM.required_keys, PROGRAM.name)
    check_max_clips(hparams["max_clips"])  # before preparing any data
    device = (run_opts or {}).get("device") or "cpu"
    # as a Brain reads run options: the command line's, else the YAML's, else fp32
    given = getattr(run_opts, "overridden_args", run_opts or {})
    precision = (run_opts.get("eval_precision") if "eval_precision" in given
                 else hparams.get("eval_precision")) or "fp32"
    check_precision(precision, device, option="--eval_precision")  # before any data either
    manifests = prepare_data(hparams)
    results = run_evaluation(hparams, manifests, device=device, precision=precision) \
        if if_main_process() else None
    ddp_barrier()
    return results
