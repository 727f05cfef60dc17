"""The BIG-bench emergence score and the other summary numbers of one scaling curve.

A curve is one (family, task, metric): the models sorted by scale, x = log10(scale), y oriented so
that higher is better. These numbers are reported for comparison with the literature; the verdicts
are decided by the jump effect of :mod:`emergence.stats.jumps`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: The emergence score's denominator is never below this share of the curve's range: a curve whose
#: median step is 0 scores at most 1 / ES_RANGE_FLOOR instead of infinity.
ES_RANGE_FLOOR = 1e-3


def _finite_column(y) -> np.ndarray:
    """The finite points of one curve as a (n, 1) column for :func:`curve_statistics`."""
    y = np.asarray(y, dtype=float)
    return y[np.isfinite(y)][:, None]


def emergence_score(y, *, floor: float = 0.0) -> float:
    """Emergence score (BIG-bench "breakthroughness") of a curve sorted by scale.

    ``ES = sign(argmax y - argmin y) * (max y - min y) / max(sqrt(median_i (y_i - y_{i-1})^2), d)``,
    as used by Schaeffer, Miranda & Koyejo (2023, Fig. 5) after Srivastava et al. (2022, BIG-bench),
    with the denominator floored at ``d = max(floor, ES_RANGE_FLOOR * (max y - min y))`` so that a
    curve with half of its steps flat gets a large finite score, not infinity. It is invariant to
    affine rescaling of y (with the floor rescaled alike), and an equally spaced straight n-point
    curve scores n - 1.

    Parameters
    ----------
    y : array-like
        Values in order of increasing scale, oriented so higher is better.
    floor : float
        The smallest denominator: the sampling noise of one step (``sqrt(2)`` times a point's
        standard error), so that steps within noise do not count as flat.

    Returns
    -------
    float
        The score; ``0.0`` for a flat curve; NaN for fewer than two finite points.

    Examples
    --------
    >>> emergence_score([0.0, 1.0, 2.0, 3.0])
    3.0
    >>> round(emergence_score([6.444e-06, 0.002026, 0.0651, 0.6065]), 2)  # Mirage Fig. 2C
    9.62
    >>> emergence_score([0.0, 0.0, 0.0, 1.0])  # the median step is 0: the floor decides
    1000.0
    """
    return float(curve_statistics(_finite_column(y), floor=floor)["emergence_score"][0])


def oriented(scores: pd.DataFrame) -> np.ndarray:
    """The ``value`` column with lower-is-better metrics negated (unknown direction: as given)."""
    value = scores["value"].to_numpy(dtype=float)
    if "higher_is_better" not in scores:
        return value
    lower = scores["higher_is_better"].map(lambda v: v is False or v == 0).to_numpy(dtype=bool)
    return np.where(lower, -value, value)


def linearity(y) -> float:
    """BIG-bench linearity of a curve sorted by scale.

    ``L = I(y) / sqrt(sum_i (y_i - y_{i-1})^2)`` with ``I(y) = sign(argmax y - argmin y)
    (max y - min y)`` (Srivastava et al. 2022, App. B, as DESIGN.md states it). By Cauchy-Schwarz
    ``|L| <= sqrt(n - 1)``, with equality exactly for a monotone curve with equal steps.

    Examples
    --------
    >>> round(linearity([0.0, 1.0, 2.0, 3.0]), 12) == round(3 ** 0.5, 12)
    True
    """
    return float(curve_statistics(_finite_column(y))["linearity"][0])


def curve_statistics(y: np.ndarray, *, floor: float | np.ndarray = 0.0) -> dict[str, np.ndarray]:
    """Emergence score and linearity of many curves at once.

    Parameters
    ----------
    y : ndarray, shape (n_scales, n_curves)
        Each column a curve in order of scale, oriented so higher is better (e.g. bootstrap
        replicates of one curve).
    floor : float or ndarray
        The emergence score's denominator floor (see :func:`emergence_score`).

    Returns
    -------
    dict of ndarray, each of shape (n_curves,)
        ``emergence_score`` (finite), ``es_floored`` (whether the floor set the denominator) and
        ``linearity``; 0, False and 0 for flat curves, NaN for fewer than two scales.
    """
    y = np.asarray(y, dtype=float)
    if y.shape[0] < 2:  # one scale: no curve
        nan = np.full(y.shape[1:], np.nan)
        return {"emergence_score": nan, "es_floored": np.zeros(y.shape[1:], bool), "linearity": nan.copy()}
    spread = y.max(axis=0) - y.min(axis=0)
    sign = np.where(np.argmax(y, axis=0) > np.argmin(y, axis=0), 1.0, -1.0)
    steps = np.diff(y, axis=0)
    typical = np.sqrt(np.median(steps**2, axis=0))
    denominator = np.maximum(np.maximum(typical, floor), ES_RANGE_FLOOR * spread)
    with np.errstate(divide="ignore", invalid="ignore"):
        es = sign * spread / denominator
        lin = sign * spread / np.sqrt(np.sum(steps**2, axis=0))
    flat = ~(spread > 0)
    return {
        "emergence_score": np.where(flat, 0.0, es),
        "es_floored": ~flat & (denominator > typical),
        "linearity": np.where(flat, 0.0, lin),
    }


def straight_line_score(x) -> float:
    """Emergence score of a straight line in x at these scales: ``range(x) / median |dx|``.

    It is n - 1 for equally spaced scales, more for uneven ladders (the GPT-3 sizes give 9.3 for 8
    models): a reference for reading an emergence score, not a decision threshold.
    """
    x = np.sort(np.asarray(x, dtype=float))
    return float(emergence_score(x)) if len(x) > 1 else float("nan")
