"""The cross-validation program: the classification program once per test fold.

    python cross_validate.py hparams/cnn14.yaml --data_folder /path/to/UrbanSound8K
    python cross_validate.py hparams/cnn14.yaml --data_folder ... --cv_test_folds "[10]"

Datasets with predefined folds are evaluated by cross-validation over them
(UrbanSound8K: 10 folds, never reshuffled). For every test fold ``k`` of
``cv_test_folds`` the classification program trains on the other folds of
``cv_folds`` except the validation fold, the one before ``k`` (cyclically:
fold 10 validates fold 1; never the test fold), and tests on ``k``, so that
test fold 10 is upstream's single split (train 1-8, valid 9, test 10); each fold is an ordinary run
in ``<cv_output_folder>/fold_<k>/`` (train log, checkpoints, test report,
pretrained folder).

Re-running the command skips every finished fold (test report and
pretrained folder written) and resumes an interrupted one from its last
checkpoint. After each fold, ``<cv_output_folder>`` receives
``cross_validation.{json,md}`` (per-fold accuracy, mean +- std, pooled
accuracy) and the summed ``confusion_matrix.{csv,png}``, labelled with the
protocol actually run: all folds ("official"), one fold ("single split,
quick mode"), or some of them.

Authors
 * speechbrain-interp developers 2026
"""

import json
import os

import speechbrain as sb
import torch
from speechbrain.utils.distributed import if_main_process, run_on_main
from speechbrain.utils.logger import get_logger

from speechbrain_interp.data.folds import check_folds
from speechbrain_interp.evaluation.reports import (
    cross_validation_summary, format_cross_validation, write_confusion_matrix, write_table,
)  # fmt: skip
from speechbrain_interp.programs.classification import PROGRAM as CLASSIFICATION
from speechbrain_interp.programs.classification import run_classification
from speechbrain_interp.programs.configuration import HparamsError
from speechbrain_interp.programs.overrides import read_plain, read_plain_overrides
from speechbrain_interp.programs.run_setup import load_experiment, prepare_data

__all__ = ["CV_KEYS", "fold_split", "main", "protocol_label", "run_cross_validation"]

logger = get_logger(__name__)

#: keys of the YAML this program reads besides the classification program's
CV_KEYS = ("cv_folds", "cv_test_folds", "cv_output_folder")
#: keys the program sets for each fold (not to be given on the command line)
SET_PER_FOLD = ("train_folds", "valid_folds", "test_folds", "output_folder")
FOLD_RECORD = "cv_fold.json"


def _fold_list(name, value, source):
    """A non-empty list of distinct integer folds, or a ValueError naming the key and file."""
    try:
        folds = check_folds(name, value)
    except ValueError as err:
        raise ValueError(f"{source}: {err}") from None
    if not folds:
        raise ValueError(f"{source}: {name} must list at least one fold")
    if isinstance(value, (list, tuple)) and len(folds) != len(value):
        raise ValueError(f"{source}: {name} repeats folds: {list(value)}")
    return list(folds)


def fold_split(folds, test_fold):
    """Training, validation and test folds of one cross-validation fold.

    The validation fold precedes the test fold in ``folds``, cyclically.

    Arguments
    ---------
    folds : list of int
        Every predefined fold, in order.
    test_fold : int
        One of them.

    Returns
    -------
    dict
        ``{"train_folds": [...], "valid_folds": [v], "test_folds": [test_fold]}``.

    Example
    -------
    >>> fold_split(list(range(1, 11)), 10)
    {'train_folds': [1, 2, 3, 4, 5, 6, 7, 8], 'valid_folds': [9], 'test_folds': [10]}
    >>> fold_split([1, 2, 3], 1)["valid_folds"]
    [3]
    """
    if test_fold not in folds:
        raise ValueError(f"test fold {test_fold} is not one of the folds {folds}")
    if len(folds) < 3:
        raise ValueError(f"cross-validation needs at least 3 folds, got {folds}")
    valid = folds[folds.index(test_fold) - 1]
    return {
        "train_folds": [f for f in folds if f not in (test_fold, valid)],
        "valid_folds": [valid],
        "test_folds": [test_fold],
    }


def protocol_label(folds, test_folds):
    """How the run's figures may be read.

    Example
    -------
    >>> protocol_label([1, 2, 3], [1, 2, 3])
    '3-fold cross-validation over the predefined folds 1-3 (validation: the previous fold)'
    >>> protocol_label(list(range(1, 11)), [10])
    'single split (quick mode): test fold 10, validation fold 9, training folds 1-8; not the 10-fold protocol, whose figures are the mean over every fold'
    """
    def span(values):
        values = sorted(values)
        if values == list(range(values[0], values[-1] + 1)) and len(values) > 2:
            return f"{values[0]}-{values[-1]}"
        return ", ".join(str(v) for v in values)

    n = len(folds)
    if sorted(test_folds) == sorted(folds):
        return (f"{n}-fold cross-validation over the predefined folds {span(folds)} "
                "(validation: the previous fold)")
    if len(test_folds) == 1:
        split = fold_split(folds, test_folds[0])
        return (f"single split (quick mode): test fold {test_folds[0]}, validation fold "
                f"{split['valid_folds'][0]}, training folds {span(split['train_folds'])}; not "
                f"the {n}-fold protocol, whose figures are the mean over every fold")
    return (f"partial cross-validation: test folds {span(test_folds)} of the {n} predefined "
            f"folds; not the {n}-fold protocol")


def _finished(fold_dir):
    """Whether a fold's run wrote its test report and its pretrained folder."""
    return os.path.isfile(os.path.join(fold_dir, "test_report.json")) and os.path.isfile(
        os.path.join(fold_dir, "pretrained", "hyperparams.yaml"))


def _claim_fold(fold_dir, split):
    """Records the fold's split; a folder recorded for another split is an error."""
    path = os.path.join(fold_dir, FOLD_RECORD)
    if os.path.isfile(path):
        with open(path, encoding="utf-8") as f:
            recorded = json.load(f)
        if recorded != split:
            raise ValueError(
                f"{fold_dir} holds a run of the split {recorded}, not {split} (cv_folds "
                "changed?); use another cv_output_folder or delete that fold folder")
        return
    os.makedirs(fold_dir, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(split, f, indent=2)


def _finished_reports(root, test_folds):
    """Test fold -> test report, for every finished fold of ``test_folds``."""
    reports = {}
    for fold in test_folds:
        fold_dir = os.path.join(root, f"fold_{fold}")
        if _finished(fold_dir):
            with open(os.path.join(fold_dir, "test_report.json"), encoding="utf-8") as f:
                reports[fold] = json.load(f)
    return reports


def _write_summary(root, reports, protocol, n_planned):
    """Writes the summary of the folds finished so far; returns the summary."""
    if len(reports) < n_planned:
        protocol += f" [in progress: {len(reports)} of {n_planned} folds finished]"
    summary = cross_validation_summary(reports, protocol)
    pooled = summary["pooled"]
    write_confusion_matrix(torch.tensor(pooled["confusion_matrix"]), pooled["class_names"],
                           root, title=f"Summed over test folds {', '.join(map(str, reports))}")
    write_table(root, "cross_validation", format_cross_validation(summary), summary)
    return summary


def run_cross_validation(argv, run_fold=None):
    """Runs (or resumes) every test fold of ``cv_test_folds``; writes the summary.

    Arguments
    ---------
    argv : list of str
        ``hparams.yaml [--key value ...]`` as for the classification
        program, without ``train_folds``, ``valid_folds``, ``test_folds``
        and ``output_folder`` (set per fold).
    run_fold : callable, optional
        ``(hparams, run_opts, manifests) -> brain``; default: the
        classification program's :func:`run_classification`.

    Returns
    -------
    dict
        The summary (see :func:`~speechbrain_interp.evaluation.reports.cross_validation_summary`).
    """
    run_fold = run_fold or run_classification
    hparams_file, _, overrides = sb.parse_arguments(argv)
    if not os.path.isfile(hparams_file):
        raise FileNotFoundError(f"hyperparameter file not found: {hparams_file}")
    plain = read_plain(hparams_file, read_plain_overrides(overrides))
    for key in CV_KEYS:
        if key not in plain:
            raise HparamsError(key, hparams_file, "the cross-validation program")
    folds = _fold_list("cv_folds", plain["cv_folds"], hparams_file)
    test_folds = _fold_list("cv_test_folds", plain["cv_test_folds"], hparams_file)
    strangers = [f for f in test_folds if f not in folds]
    if strangers:
        raise ValueError(f"cv_test_folds {strangers} are not in cv_folds {folds}")
    root = plain["cv_output_folder"]
    if not isinstance(root, str):
        raise HparamsError("cv_output_folder", hparams_file, "the cross-validation program")
    protocol = protocol_label(folds, test_folds)
    logger.info("%s; runs in %s", protocol, root)

    for test_fold in test_folds:
        split = fold_split(folds, test_fold)
        fold_dir = os.path.join(root, f"fold_{test_fold}")
        run_on_main(_claim_fold, args=[fold_dir, split])
        if _finished(fold_dir):
            logger.info("fold %d finished earlier: not run again (%s)", test_fold, fold_dir)
            continue
        logger.info("fold %d: train %s, valid %s", test_fold, split["train_folds"],
                    split["valid_folds"])
        hparams, run_opts, _ = load_experiment(
            argv, CLASSIFICATION.required_keys, "the cross-validation program",
            extra_overrides={**split, "output_folder": fold_dir})
        run_fold(hparams, run_opts, prepare_data(hparams))
        if if_main_process():
            _write_summary(root, _finished_reports(root, test_folds), protocol, len(test_folds))
    reports = _finished_reports(root, test_folds)
    if if_main_process():
        return _write_summary(root, reports, protocol, len(test_folds))
    return cross_validation_summary(reports, protocol)


def main(argv):
    """``cross_validate.py hparams.yaml [--key value ...]``; returns the summary."""
    return run_cross_validation(argv)
