"""The figures an interpretation is scored on, registered once.

Every figure the scoring produces
(:func:`~speechbrain_interp.evaluation.scoring.score_interpretation`) has
one :class:`Figure` in :data:`FIGURES`: its name, the direction that is
better, its display format, whether it needs ground truth, whether it only
exists for multi-label classifiers, the table it is shown in and the
summaries it takes part in. The evaluation's lists of figures are read from
here when they are used: the columns and arrows of the tables
(:mod:`~speechbrain_interp.evaluation.tables`), the cell format, the
medians the trackers keep, the line printed when a condition is finished,
the paired differences, the per-class tables, the reference table and the
order of the training report
(:func:`~speechbrain_interp.brains.interpretation.write_metrics_report`).

Adding a figure is one edit: a :class:`Figure` with a ``compute`` function
(``compute(interpretation, classifier, parts)`` -> ``[P]`` tensor) in
:data:`FIGURES`, at the place its column should take. The figures of the
original suite have no ``compute``:
:func:`~speechbrain_interp.evaluation.metrics.interpretation_metrics`,
:func:`~speechbrain_interp.evaluation.localization.localization_metrics` and
:func:`~speechbrain_interp.evaluation.multilabel.class_ground_truth` compute
them together (one batched classifier call). A method's own figures
(``extra_metrics``) are not registered: they are kept in the per-clip files
and the training report, not in the tables.

Authors
 * speechbrain-interp developers 2026
"""

from dataclasses import dataclass
from typing import Callable, Optional

__all__ = [
    "ARROWS", "FAITHFULNESS", "Figure", "FIGURES", "GROUND_TRUTH", "cell", "columns", "compared",
    "computed", "directions", "headline", "medians", "per_class", "report_order",
]  # fmt: skip

#: the table of the faithfulness figures
FAITHFULNESS = "faithfulness"
#: the table of the figures scored against the ground truth
GROUND_TRUTH = "ground truth"
#: how a direction is shown after a column's name
ARROWS = {"up": " ↑", "down": " ↓", None: ""}


@dataclass(frozen=True)
class Figure:
    """One figure of the scoring.

    Arguments
    ---------
    name : str
        The key of the figure in the metrics (and the column's header).
    direction : str or None
        ``"up"`` when higher is better, ``"down"`` when lower is, ``None``
        when neither (a description, e.g. the mask's mean).
    format : str
        Format spec of a table cell (``".2f"`` for percentages and dB).
    table : str or None
        :data:`FAITHFULNESS`, :data:`GROUND_TRUTH`, or None (not a column of
        the evaluation tables).
    ground_truth : bool
        Needs the parts of the input (scored only when they are known).
    multilabel : bool
        Only exists for multi-label classifiers.
    median : bool
        The trackers summarise its median too (``<name>_median``).
    on_request : bool
        Computed only when asked for (``subtractive``): listed after the
        others in the training report.
    headline : bool
        On the line printed when a condition is finished.
    compared : bool
        Compared between a method and its comparators (paired differences,
        reference table).
    per_class : bool
        In the per-class tables of a multi-label evaluation.
    compute : callable, optional
        ``compute(interpretation, classifier, parts)`` -> ``[P]`` tensor
        (``parts`` None without ground truth); None for the figures that
        the suite's own functions compute.

    Example
    -------
    >>> Figure("AI", "up", ".2f").arrow
    ' ↑'
    """

    name: str
    direction: Optional[str]
    format: str = ".3f"
    table: Optional[str] = FAITHFULNESS
    ground_truth: bool = False
    multilabel: bool = False
    median: bool = False
    on_request: bool = False
    headline: bool = False
    compared: bool = False
    per_class: bool = False
    compute: Optional[Callable] = None

    @property
    def arrow(self):
        """The direction as shown after a column's name (``" ↑"``, ``" ↓"`` or nothing)."""
        return ARROWS[self.direction]


def _figures(*figures):
    return {f.name: f for f in figures}


_PC, _GT = FAITHFULNESS, GROUND_TRUTH
#: every figure, in the order of the tables (name -> :class:`Figure`)
FIGURES = _figures(
    Figure("AI", "up", ".2f", headline=True, compared=True, per_class=True),
    Figure("AD", "down", ".2f", headline=True, compared=True, per_class=True),
    Figure("AG", "up", ".2f"),
    Figure("FF", "up", median=True, headline=True, compared=True, per_class=True),
    Figure("PIQ_FF", "up", median=True, on_request=True, compared=True),
    Figure("FidIn", "up", per_class=True),
    Figure("SPS", "up"),
    Figure("COMP", "down", ".2f"),
    Figure("MM", None),
    Figure("OffDrop", "up", multilabel=True),
    Figure("OffKeep", "down", multilabel=True, per_class=True),
    Figure("AUC", "up", table=_GT, ground_truth=True, headline=True, compared=True,
           per_class=True),
    Figure("IoU", "up", table=_GT, ground_truth=True, per_class=True),
    Figure("precision", "up", table=_GT, ground_truth=True, headline=True, compared=True),
    Figure("recall", "up", table=_GT, ground_truth=True),
    Figure("SI_SDR", "up", ".2f", table=_GT, ground_truth=True, per_class=True),
    Figure("SI_SDRi", "up", ".2f", table=_GT, ground_truth=True, headline=True, compared=True),
    Figure("Contam", "down", ".2f", table=_GT, ground_truth=True, headline=True, compared=True),
    Figure("KeepOwn", "up", table=_GT, ground_truth=True, multilabel=True, per_class=True),
    Figure("KeepOther", "down", table=_GT, ground_truth=True, multilabel=True, per_class=True),
    Figure("PairIoU", None, table=_GT, ground_truth=True, multilabel=True),
    Figure("PairOracleIoU", None, table=_GT, ground_truth=True, multilabel=True),
    Figure("GT", None, table=_GT, ground_truth=True),
    # the classifier's figure of a condition (not a figure of an interpretation)
    Figure("accuracy", "up", ".2f", table=None),
)


def columns(table, multilabel=None):
    """``(name, direction)`` of the columns of a table, in order.

    Arguments
    ---------
    table : str
        :data:`FAITHFULNESS` or :data:`GROUND_TRUTH`.
    multilabel : bool, optional
        Only the multi-label figures (True) or only the others (False).

    Returns
    -------
    tuple of (str, str or None)

    Example
    -------
    >>> columns(FAITHFULNESS, multilabel=True)
    (('OffDrop', 'up'), ('OffKeep', 'down'))
    """
    return tuple((f.name, f.direction) for f in FIGURES.values() if f.table == table
                 and (multilabel is None or f.multilabel == multilabel))


def directions():
    """Figure -> the direction that is better, for every figure of a table.

    Example
    -------
    >>> directions()["AD"], directions()["MM"]
    ('down', None)
    """
    return {f.name: f.direction for f in FIGURES.values() if f.table is not None}


def _names(flag):
    return tuple(f.name for f in FIGURES.values() if getattr(f, flag))


def medians():
    """Figures whose median the trackers keep.

    Example
    -------
    >>> medians()
    ('FF', 'PIQ_FF')
    """
    return _names("median")


def headline():
    """Figures of the line printed when a condition is finished.

    Example
    -------
    >>> headline()
    ('AI', 'AD', 'FF', 'AUC', 'precision', 'SI_SDRi', 'Contam')
    """
    return _names("headline")


def compared(ground_truth=None):
    """Figures compared between a method and its comparators.

    Arguments
    ---------
    ground_truth : bool, optional
        Only those scored against the ground truth (True) or only the others (False).

    Example
    -------
    >>> compared(ground_truth=False)
    ('AI', 'AD', 'FF', 'PIQ_FF')
    """
    return tuple(f.name for f in FIGURES.values() if f.compared
                 and (ground_truth is None or f.ground_truth == ground_truth))


def per_class():
    """Figures of the per-class tables of a multi-label evaluation.

    Example
    -------
    >>> per_class()[:4]
    ('AI', 'AD', 'FF', 'FidIn')
    """
    return _names("per_class")


def report_order():
    """Order of the training report: the faithfulness figures every scoring computes
    (each followed by its median when kept), then those computed on request.

    Example
    -------
    >>> report_order()
    ('AI', 'AD', 'AG', 'FF', 'FF_median', 'FidIn', 'SPS', 'COMP', 'MM', 'PIQ_FF')
    """
    single = [f for f in FIGURES.values() if f.table == FAITHFULNESS and not f.multilabel]
    names = []
    for f in single:
        if not f.on_request:
            names += [f.name, f"{f.name}_median"] if f.median else [f.name]
    return tuple(names + [f.name for f in single if f.on_request])


def computed(ground_truth):
    """The figures with their own ``compute`` to run.

    Arguments
    ---------
    ground_truth : bool
        Whether the parts are known (the figures that need them are left
        out otherwise).

    Example
    -------
    >>> computed(ground_truth=True)
    ()
    """
    return tuple(f for f in FIGURES.values() if f.compute is not None
                 and (ground_truth or not f.ground_truth))


def cell(column, value):
    """A table cell in the figure's format (3 decimals when unregistered), ``"-"`` for none.

    Example
    -------
    >>> cell("AI", 50.0), cell("FF", 0.5), cell("L2I_top1", 1.0), cell("AD", float("nan"))
    ('50.00', '0.500', '1.000', '-')
    """
    if value is None or (isinstance(value, float) and value != value):
        return "-"
    figure = FIGURES.get(column)
    return format(value, ".3f" if figure is None else figure.format)
