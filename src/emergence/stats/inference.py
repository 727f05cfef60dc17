"""Intervals, p-values and multiple testing for the bounded curve statistics.

Intervals are the hull of two bootstrap intervals of the same replicates:

- the *median-centred percentile interval*, the percentile interval shifted so that the replicates'
  median sits on the point estimate, ``[t - (m - q_lo), t + (q_hi - m)]``: it keeps the skew of the
  bootstrap distribution and always contains the estimate (a plain percentile interval of the
  emergence score did not: ``228.6 [19.0, 137.7]``);
- the *basic* (reflected) interval ``[2t - q_hi, 2t - q_lo]``, which moves against the bootstrap's
  bias ``m - t``. The jump effect is a maximum over windows, so the estimate itself is biased up
  by about what its replicates are above it; the median-centred interval alone then missed the
  expected curve's value from above (a held-out coverage of 90.5% where 92.0% with the hull, in
  ``analyses/validate_verdicts.py --quick``).

The hull widens the interval on the side of the bias only, contains the estimate, and is clipped
to the statistic's bounds. BCa was the alternative; its acceleration constant needs a jackknife
over examples that a merged (Poisson-weighted) bootstrap does not keep. The coverage of these
intervals is measured in ``analyses/validate_verdicts.py``.

One-sided p-values of "effect > threshold" use the normal approximation with the bootstrap standard
deviation, so their resolution is not limited by the number of replicates and Benjamini-Hochberg
q-values of a large run are not floored at 1 / (B + 1).
"""

from __future__ import annotations

import warnings

import numpy as np

from emergence.bootstrap import row_percentiles, row_std


def centred_interval(point, replicates, *, level: float = 0.95, bounds=(-np.inf, np.inf)):
    """The hull of the median-centred percentile and the basic interval of each statistic.

    Parameters
    ----------
    point : float or ndarray, shape (k,)
        The estimates.
    replicates : ndarray, shape (B,) or (k, B)
        Their bootstrap replicates (NaN replicates are ignored).
    level : float
        Coverage.
    bounds : (float, float)
        The statistic's range; the interval is clipped to it.

    Returns
    -------
    (lo, hi)
        Floats or arrays; NaN where the estimate is NaN or no replicate is finite. Always
        ``lo <= point <= hi`` where defined.

    Examples
    --------
    >>> lo, hi = centred_interval(0.5, np.array([0.6, 0.7, 0.8, 0.9, 1.0]), level=0.5)
    >>> round(lo, 3), round(hi, 3)  # replicates 0.3 above the estimate: the interval reaches down
    (0.1, 0.6)
    """
    point = np.asarray(point, dtype=float)
    reps = np.asarray(replicates, dtype=float)
    scalar = point.ndim == 0
    point = np.atleast_1d(point)
    reps = reps.reshape(len(point), -1)
    tail = (1 - level) / 2 * 100
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        q_lo, median, q_hi = row_percentiles(reps, [tail, 50, 100 - tail])
    # the hull of the median-centred interval and the basic (reflected) one, 2t - q: the latter
    # moves the interval against the bootstrap's bias (median - point) and covers where that bias
    # is the bias of the estimate itself (a maximum over windows is biased up)
    lo = np.clip(np.minimum(point - (median - q_lo), 2 * point - q_hi), bounds[0], bounds[1])
    hi = np.clip(np.maximum(point + (q_hi - median), 2 * point - q_lo), bounds[0], bounds[1])
    lo, hi = np.minimum(lo, point), np.maximum(hi, point)
    if scalar:
        return float(lo[0]), float(hi[0])
    return lo, hi


def exceedance_p_value(point, replicates, threshold) -> np.ndarray:
    """One-sided p-value of ``H0: effect <= threshold`` against ``effect > threshold``.

    ``p = 1 - Phi((t - threshold) / sd*)`` with ``sd*`` the bootstrap standard deviation: a Wald
    test on the bootstrap scale. A statistic without spread gets 0 or 1.

    Examples
    --------
    >>> round(float(exceedance_p_value(0.5, np.array([0.4, 0.5, 0.6]), 0.3)[0]), 3)
    0.023
    """
    point = np.atleast_1d(np.asarray(point, dtype=float))
    reps = np.asarray(replicates, dtype=float).reshape(len(point), -1)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        sd = row_std(reps, ddof=1)
    return wald_p_value(point, sd, threshold)


def wald_p_value(point, sd, threshold) -> np.ndarray:
    """``Phi(-(point - threshold) / sd)``; 0 or 1 where ``sd`` is 0; NaN where ``point`` is NaN."""
    from scipy.special import ndtr  # on first use: scipy.special took 0.16 s of the package's import

    point, sd = np.asarray(point, dtype=float), np.asarray(sd, dtype=float)
    with np.errstate(all="ignore"):
        p = np.where(sd > 0, ndtr(-(point - threshold) / sd), np.where(point > threshold, 0.0, 1.0))
    return np.where(np.isfinite(point), p, np.nan)


def benjamini_hochberg(p_values) -> np.ndarray:
    """Benjamini-Hochberg q-values; NaN stays NaN.

    The step-up of statsmodels' ``multipletests(p, method="fdr_bh")``, in its arithmetic and so to
    the bit (``tests/test_stats.py``), without importing statsmodels (about 1 CPU-second of a run,
    issue 13): the p-values in increasing order, each divided by its rank over their count, the
    running minimum from the largest down, capped at 1.
    """
    p = np.asarray(p_values, dtype=float)
    q = np.full(p.shape, np.nan)
    flat_p, flat_q = p.reshape(-1), q.reshape(-1)  # q's cells, through a view
    ok = np.flatnonzero(np.isfinite(flat_p))
    if len(ok):
        order = ok[np.argsort(flat_p[ok])]
        share = np.arange(1, len(order) + 1) / float(len(order))
        stepped = np.minimum.accumulate((flat_p[order] / share)[::-1])[::-1]
        stepped[stepped > 1] = 1
        flat_q[order] = stepped
    return q
