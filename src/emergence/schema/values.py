"""Checks of values against what they can be: no NUL character in text, every number small enough to
compute with, every score in its metric's range, and every standard error one that a mean in that
range can have."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

from emergence.metrics import value_range

#: Numbers beyond this magnitude are refused: the statistics square them (variances, least squares),
#: and above about 1e154 a square overflows to inf (an interval of [0, 0], issue 17).
MAX_MAGNITUDE = 1e100

#: A standard error is flagged as swamping its value above the Bhatia-Davis bound of a value this
#: share of the range further inside: a score rounded to 0 may carry a small standard error.
ROUNDING = 1e-3


def nul_rows(values: pd.Series) -> np.ndarray | None:
    """Rows whose cell is text holding a NUL character (``\\x00``); None when none does.

    A NUL is never part of a name: it ends strings in C libraries, terminals and spreadsheets, so a
    name holding one can show as another name. One scan of the joined text in the common case.
    """
    if isinstance(values.dtype, pd.CategoricalDtype):  # one look at each distinct value
        held = nul_rows(pd.Series(values.cat.categories, dtype=object))
        return None if held is None else np.append(held, False)[values.cat.codes.to_numpy()]
    if not (values.dtype == object or pd.api.types.is_string_dtype(values)):
        return None
    cells = values.to_numpy(dtype=object)
    try:
        joined = "".join(cells)
    except TypeError:  # blanks (None, NaN) or numbers among the text
        joined = "".join(c for c in cells if isinstance(c, str))
    if "\x00" not in joined:
        return None
    return np.fromiter((isinstance(c, str) and "\x00" in c for c in cells), dtype=bool, count=len(cells))


def too_large(values: np.ndarray) -> np.ndarray:
    """Finite numbers whose magnitude exceeds :data:`MAX_MAGNITUDE`."""
    values = np.asarray(values)
    if values.size and values.dtype.kind == "f":
        # the common case told by two reductions, which make no array: each temporary of a 2.4M-row
        # column (abs, isfinite) cost 20-90 ms on fresh memory (issue 13); NaN is skipped by fmax/fmin
        if not float(np.fmax.reduce(values, axis=None)) > MAX_MAGNITUDE \
                and not float(np.fmin.reduce(values, axis=None)) < -MAX_MAGNITUDE:
            return np.zeros(values.shape, dtype=bool)
    with np.errstate(invalid="ignore"):
        return np.isfinite(values) & (np.abs(values) > MAX_MAGNITUDE)


def _by_metric(metric: pd.Series) -> Iterator[tuple[str, np.ndarray, object]]:
    """(metric, its rows, its range) for each distinct metric whose range is known."""
    codes, names = pd.factorize(metric.astype(str))
    for k, name in enumerate(names):
        known = value_range(name)
        if known is not None:
            yield name, codes == k, known


def out_of_range(scores: pd.DataFrame) -> Iterator[tuple[np.ndarray, str, str]]:
    """The problems of a typed scores table's ``value`` and ``stderr`` against each metric's range.

    Yields
    ------
    mask : ndarray of bool
        The rows with the problem.
    column : str
        ``"value"`` or ``"stderr"``.
    what : str
        What is wrong, to follow the value in a message.
    """
    value = scores["value"].to_numpy(dtype=float)
    stderr = scores["stderr"].to_numpy(dtype=float) if "stderr" in scores else None
    for name, rows, known in _by_metric(scores["metric"]):
        outside = rows & ~known.contains(value)
        if outside.any():
            hint = ""
            if known.lo == 0 and known.hi == 1:
                percent = outside & (value > 1) & (value <= 100)
                hint = " (a percentage? give it as a proportion: 0.55 for 55%)" if percent.any() else ""
            yield outside, "value", f"is outside the values {name!r} can take ({known}){hint}"
        if stderr is not None and known.bounded:
            with np.errstate(invalid="ignore"):
                wide = rows & (stderr > known.max_stderr)
            if wide.any():
                yield wide, "stderr", (
                    f"is larger than any standard error of a mean of {name!r} values can be: at most "
                    f"{known.max_stderr:g}, half the width of its range {known}"
                )


def swamped(scores: pd.DataFrame) -> np.ndarray:
    """Rows whose standard error is larger than a mean of values in the metric's range can have at
    that value (the Bhatia-Davis bound, :meth:`~emergence.metrics.values.ValueRange.stderr_at`), with
    :data:`ROUNDING` of slack; returns the bound at each row (NaN where not exceeded or not known).

    Such a standard error is possible for no data, and its normal draws fall mostly outside the
    range: the intervals it gives are noise, however narrow they look.
    """
    bound = np.full(len(scores), np.nan)
    if "stderr" not in scores:
        return bound
    value = scores["value"].to_numpy(dtype=float)
    stderr = scores["stderr"].to_numpy(dtype=float)
    for _, rows, known in _by_metric(scores["metric"]):
        if not known.bounded:
            continue
        slack = ROUNDING * (known.hi - known.lo)
        limit = np.sqrt((known.hi - value[rows] + slack) * (value[rows] - known.lo + slack))
        with np.errstate(invalid="ignore"):
            over = (stderr[rows] > limit) & (stderr[rows] <= known.max_stderr)
        bound[np.flatnonzero(rows)[over]] = limit[over]
    return bound
