"""The numbers measured on one curve: its jump effect and its emergence score, with intervals.

Each is computed on the point estimates and on every bootstrap replicate of the curve (the same
replicates for every metric of a task: the bootstrap is paired), and summarised by a
median-centred percentile interval (:mod:`emergence.stats.inference`).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from emergence.stats.inference import centred_interval
from emergence.stats.jumps import KAPPA, Windows, window_effects, windows
from emergence.stats.points import Curve
from emergence.stats.scores import curve_statistics

#: The jump effect divides by the curve's range, floored at this many standard errors of a point: a
#: curve that changes by less than its noise is not "all jump" (DESIGN.md, Statistics 3).
NOISE_RANGE = 8.0


@dataclass(frozen=True)
class Jump:
    """The jump effect of a curve, window by window.

    Attributes
    ----------
    windows : Windows
    effects : ndarray, shape (n_windows,)
        Each window's effect on the point estimates.
    replicates : ndarray, shape (n_windows, B)
        Each window's effect on every bootstrap replicate.
    range_floor : float
        The noise floor of the range the effects are divided by.
    spread : float
        The curve's range (max - min of the point estimates).
    """

    windows: Windows
    effects: np.ndarray
    replicates: np.ndarray
    range_floor: float
    spread: float

    def summary(self, mask: np.ndarray | None = None, *, level: float = 0.95) -> dict:
        """The largest effect over the windows in ``mask`` (default all), its interval and place.

        Returns
        -------
        dict
            ``effect``, ``lo``, ``hi`` (median-centred percentile interval of the replicates' own
            largest effect over the same windows), ``sd`` (bootstrap standard deviation of that
            maximum), ``start`` and ``stop`` (first and last model of the window; -1 if none).
        """
        mask = np.ones(len(self.effects), bool) if mask is None else np.asarray(mask, bool)
        nan = {"effect": np.nan, "lo": np.nan, "hi": np.nan, "sd": np.nan, "start": -1, "stop": -1}
        if not mask.any() or np.isnan(self.effects[mask]).all():
            return nan
        index = np.flatnonzero(mask)
        k = index[int(np.nanargmax(self.effects[index]))]
        effect = float(self.effects[k])
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            reps = np.nanmax(self.replicates[index], axis=0)
            sd = float(np.nanstd(reps, ddof=1)) if np.isfinite(reps).sum() > 1 else np.nan
        lo, hi = centred_interval(effect, reps, level=level, bounds=(-1.0, 1.0))
        return {"effect": effect, "lo": lo, "hi": hi, "sd": sd,
                "start": int(self.windows.start[k]), "stop": int(self.windows.stop[k])}


def noise_floor(curve: Curve) -> float:
    """Mean standard error of the curve's points (0 when there is none).

    The mean, not the median: points at a bound (accuracy 0 at the small models) have a standard
    error of 0, and when they are half of the curve the median would leave no floor at all.
    """
    se = curve.se
    se = se[np.isfinite(se)]
    return float(np.mean(se)) if len(se) else 0.0


def measure_jump(curve: Curve, *, kappa: float = KAPPA, noise_range: float = NOISE_RANGE) -> Jump | None:
    """The window effects of a curve and of its replicates; None with fewer than three points."""
    if len(curve.scale) < 3:
        return None
    w = windows(curve.x, kappa=kappa)
    floor = noise_range * noise_floor(curve)
    return Jump(
        windows=w,
        effects=window_effects(curve.y, w, range_floor=floor),
        replicates=window_effects(curve.reps, w, range_floor=floor),
        range_floor=floor,
        spread=float(np.nanmax(curve.y) - np.nanmin(curve.y)),
    )


def measure_score(curve: Curve, *, level: float = 0.95) -> dict:
    """The BIG-bench emergence score with its interval; the denominator floored at the noise of a step.

    Returns
    -------
    dict
        ``emergence_score``, ``emergence_score_lo``, ``emergence_score_hi``, ``es_floored`` (the
        floor, sqrt(2) standard errors of a point, set the denominator), ``linearity``.
    """
    floor = np.sqrt(2) * noise_floor(curve)
    point = curve_statistics(curve.y[:, None], floor=floor)
    reps = curve_statistics(curve.reps, floor=floor)
    es = float(point["emergence_score"][0])
    ok = np.isfinite(curve.reps).all(axis=0)
    lo, hi = (centred_interval(es, reps["emergence_score"][ok], level=level) if ok.any()
              else (np.nan, np.nan))
    return {"emergence_score": es, "emergence_score_lo": lo, "emergence_score_hi": hi,
            "es_floored": bool(point["es_floored"][0]), "linearity": float(point["linearity"][0])}
