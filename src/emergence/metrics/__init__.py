"""Per-example metrics, registered with their kind, direction and range of values.

Each metric maps a records table to one value per row (NaN where the row lacks what the metric needs),
vectorised over all rows: no Python loop over examples. The kinds follow DESIGN.md:

``discontinuous``
    all-or-nothing scores (exact match, multiple-choice accuracy);
``smooth``
    roughly linear in the per-token log-loss, the quantity scaling laws predict;
``nonlinear``
    continuous but exponential in the per-token log-loss (sequence probability, perplexity), so it can
    look as sharp as exact match.

The package: :mod:`~emergence.metrics.per_example` (the metrics and :data:`REGISTRY`),
:mod:`~emergence.metrics.aggregate` (kinds and ranges of the aggregate metrics other tools report)
and :mod:`~emergence.metrics.values` (:class:`ValueRange`).

Examples
--------
>>> import pandas as pd
>>> from emergence.metrics import compute
>>> records = pd.DataFrame({"prediction": ["12", "13"], "target": ["12", "12"]})
>>> compute(records, "exact_match").tolist()
[1.0, 0.0]
"""

from __future__ import annotations

import difflib

import numpy as np
import pandas as pd

from emergence.errors import EmergenceError
from emergence.metrics.aggregate import AGGREGATE_KINDS, AGGREGATE_RANGES
from emergence.metrics.per_example import REGISTRY, TOKENIZATIONS, Metric, MetricOptions, _Batch
from emergence.metrics.values import ValueRange

__all__ = ["AGGREGATE_KINDS", "AGGREGATE_RANGES", "REGISTRY", "TOKENIZATIONS", "Metric", "MetricOptions",
           "ValueRange", "applicable", "compute", "compute_many", "get_metric", "resolve_kind",
           "value_range"]


def resolve_kind(name: str) -> tuple[str, bool] | None:
    """Kind and direction of a metric name, per-example or aggregate; None if unknown."""
    if name in REGISTRY:
        return REGISTRY[name].kind, REGISTRY[name].higher_is_better
    base = str(name).split(",")[0]  # lm-eval 0.4 writes "acc,none"
    if base in REGISTRY:
        return REGISTRY[base].kind, REGISTRY[base].higher_is_better
    return AGGREGATE_KINDS.get(base)


def value_range(name: str) -> ValueRange | None:
    """The values a metric can take, per-example or aggregate (``"acc,none"`` as ``"acc"``); None
    if it is not known.

    Examples
    --------
    >>> str(value_range("acc,none")), str(value_range("ppl")), value_range("bleu")
    ('[0, 1]', '> 0', None)
    """
    for key in dict.fromkeys((str(name), str(name).split(",")[0])):
        if key in REGISTRY:
            return REGISTRY[key].values
        if key in AGGREGATE_RANGES:
            return AGGREGATE_RANGES[key]
    return None


def get_metric(name: str) -> Metric:
    """Look a metric up by name.

    Raises
    ------
    EmergenceError
        For an unknown name, with the closest known name and the list of all.
    """
    try:
        return REGISTRY[name]
    except KeyError:
        close = difflib.get_close_matches(name, list(REGISTRY), n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise EmergenceError(
            f"Unknown metric {name!r}.{hint} Known metrics: {', '.join(REGISTRY)}."
        ) from None


def applicable(records: pd.DataFrame) -> list[str]:
    """Names of the registered metrics that a records table has the columns for."""
    columns = [c for c in records if has_value(records[c])]
    return [m.name for m in REGISTRY.values() if m.applies_to(columns)]


def has_value(column: pd.Series) -> bool:
    """Whether any cell of the column holds a value (not NaN or None): found at the first few rows
    in the common case, without a pass over the whole column."""
    values = column.to_numpy()
    if values.dtype.kind == "f":
        return not np.isnan(values).all()
    if values.dtype != object:
        return bool(column.notna().any())
    step = 4096
    return any(pd.notna(values[i : i + step]).any() for i in range(0, len(values), step))


def compute(
    records: pd.DataFrame, metric: str, options: MetricOptions | None = None
) -> np.ndarray:
    """Values of one metric for every row of a records table (NaN where it does not apply).

    Parameters
    ----------
    records : DataFrame
        A validated records table.
    metric : str
        A name from :data:`REGISTRY`.
    options : MetricOptions, optional
        Text normalisation and tokenisation.

    Returns
    -------
    ndarray of float
        One value per row, in row order.
    """
    return get_metric(metric).func(_Batch(records, options or MetricOptions()))


def compute_many(
    records: pd.DataFrame, metrics: list[str], options: MetricOptions | None = None, *,
    choice_width: int | None = None,
) -> dict[str, np.ndarray]:
    """Values of several metrics, sharing parsed choices and normalised text between them.

    ``choice_width`` pads the choices of every row to that many (at least the widest row's): a part
    of a table scored with the whole table's width gets the whole table's values, bit for bit
    (:func:`~emergence.metrics.per_example.choice_width`).
    """
    found = [get_metric(m) for m in metrics]
    batch = _Batch(records, options or MetricOptions(), choice_width)
    return {m.name: m.func(batch) for m in found}
