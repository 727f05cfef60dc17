"""Predictability backtest: fit the smooth trend of the smaller models, predict the largest.

Wei et al. (2022) call an ability emergent when it "cannot be predicted simply by extrapolating the
performance of smaller models"; this reports how far such an extrapolation misses (DESIGN.md,
Statistics 6). It is evidence shown beside a verdict, not a decision rule.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from emergence.errors import EmergenceWarning


def smooth_fit(x, y, variance):
    """The linear trend ``y = b0 + b1 log10(scale)`` fitted with statsmodels WLS.

    Returns
    -------
    statsmodels RegressionResults
        ``y = b0 + b1 x`` with weights ``1 / variance``; its ``summary()`` is the usual table.
    """
    wls, add_constant = statsmodels_parts()
    design = add_constant(np.asarray(x, dtype=float), has_constant="add")
    return wls(np.asarray(y, dtype=float), design, weights=1 / np.asarray(variance)).fit()


def statsmodels_parts():
    """statsmodels' WLS and ``add_constant``, imported on first use from their own modules:
    ``statsmodels.api`` took 1.1 s to import here, these 0.7 s (issue 13)."""
    from statsmodels.regression.linear_model import WLS
    from statsmodels.tools.tools import add_constant

    return WLS, add_constant


def weighted_line(x, y, variance) -> np.ndarray:
    """``[b0, b1]`` of ``y = b0 + b1 x`` with weights ``1 / variance``: the ``params`` of
    :func:`smooth_fit` for float64 input, to the bit, without importing statsmodels.

    The arithmetic of statsmodels' default (``"pinv"``) fit: the design ``[1, x]`` and ``y``
    multiplied by the square roots of the weights, and the pseudo-inverse of that design from its
    singular value decomposition, singular values up to 1e-15 of the largest taken as zero. The
    verdicts need only these two numbers of the backtest's fit, and importing statsmodels' regression
    took about 1 CPU-second of a run (issue 13). ``tests/test_stats.py`` checks the bits against
    :func:`smooth_fit` on random and badly conditioned weights.
    """
    root = np.sqrt(1 / np.asarray(variance, dtype=float))
    x = np.asarray(x, dtype=float)
    design = root[:, None] * np.column_stack((np.ones(x.shape[0]), x))
    u, singular, vt = np.linalg.svd(design, False)
    if singular.min() <= singular.max() * len(singular) * np.finfo(float).eps:  # statsmodels' rank test
        warnings.warn("the backtest's line is not unique: the smaller models' scales are too close to "
                      "tell apart on a log scale (the prediction is the least-squares one of least norm)",
                      EmergenceWarning, stacklevel=2)
    large = singular > 1e-15 * np.maximum.reduce(singular)
    with np.errstate(divide="ignore"):
        inverted = np.where(large, 1.0 / singular, 0.0)
    pseudo_inverse = np.dot(np.transpose(vt), np.multiply(inverted[:, np.newaxis], np.transpose(u)))
    return np.dot(pseudo_inverse, np.asarray(y, dtype=float) * root)


def import_statistics() -> None:
    """Import the scipy parts the tests and verdicts use, ahead of them: the in-process engine does
    it while its processes rescore, when this one would only wait for them."""
    from scipy.special import ndtr, ndtri  # noqa: F401  (wald_p_value's and the intervals')


@dataclass(frozen=True)
class Backtest:
    """Predict the largest model from the smooth trend of the smaller ones.

    Attributes
    ----------
    predicted, observed : float
    error : float
        ``|predicted - observed| / (max y - min y)``: the miss as a share of the curve's range.
    inside : bool
        Whether the observation lies in the 95% prediction interval (fit and point variance).
    """

    predicted: float
    observed: float
    error: float
    inside: bool


def backtest(x, y, variance, *, holdout: int = 1) -> Backtest:
    """Fit ``y = b0 + b1 x`` (weighted least squares, :func:`weighted_line`: statsmodels' WLS to the
    bit) without the largest ``holdout`` models; predict them.

    The last held-out model is reported. Needs at least three models left to fit.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    variance = np.asarray(variance, dtype=float)
    keep = len(x) - holdout
    # a scale that is not finite (a loss so high that its scale underflows to 0) has no line through
    # it: statsmodels' fit stopped the whole analysis with "SVD did not converge"
    if keep < 3 or not np.isfinite(x).all() or not np.isfinite(y).all() or not (variance > 0).all():
        return Backtest(np.nan, np.nan, np.nan, False)
    # weights spanning more than 12 decades make the whitened design numerically singular (a point
    # at probability ~1e-20 has a variance of ~1e-40); the relative floor keeps the fit defined
    variance = np.maximum(variance, 1e-12 * variance.max())
    params = weighted_line(x[:keep], y[:keep], variance[:keep])
    point = np.array([[1.0, x[-1]]])
    predicted = float(np.dot(point, params)[0])  # as statsmodels' fit.predict(point)
    # prediction variance: parameter uncertainty of the weighted fit (variances known, so the
    # covariance is (X'WX)^-1, not rescaled by the residual scale) plus the point's own variance
    design = np.column_stack([np.ones(keep), x[:keep]])
    cov = np.linalg.pinv(design.T @ (design / variance[:keep, None]))
    spread = float((point @ cov @ point.T)[0, 0]) + variance[-1]
    span = y.max() - y.min()
    return Backtest(
        predicted=predicted,
        observed=float(y[-1]),
        error=abs(predicted - y[-1]) / span if span > 0 else np.nan,
        inside=bool(abs(predicted - y[-1]) <= 1.96 * np.sqrt(spread)),
    )
