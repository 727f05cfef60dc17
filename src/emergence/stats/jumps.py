"""The jump effect: how much of a curve's rise one place carries beyond what a smooth curve allows.

A jump is a property of a curve's shape on its natural scale (the metric as reported, oriented so
higher is better) against log10 of the scale. The smooth null is not one functional form but a class
of curves: at every place, the slope (rise per decade) may exceed the slope at the neighbouring
place by at most a factor ``exp(kappa * d)``, d the distance between the two places in decades.
Power laws in the loss, logistic and Gompertz rises of moderate width, saturating ceilings and
linear trends all belong to it; a step does not, nor does a curve that is flat and then rises within
one or two gaps between models.

For every *window* of adjacent gaps between models (one or two gaps, or more while the window spans
at most ``MAX_SPAN`` decades, so that a step on a dense ladder fits in one window) that has a
neighbouring gap (a *flank*) outside it on at least one side::

    gain(W)      = y(last model of W) - max(y up to the first model of W)
    allowance(W) = width(W) * max over flanks f of  max(slope(f), 0) * exp(kappa * d(W, f))
    effect(W)    = (gain(W) - allowance(W)) / range

and the jump effect is the largest effect over the windows: the share of the curve's whole range
that one place gains beyond what its neighbours allow. The gain is counted from the best model
before the window, so recovering from one bad model is not a gain; a window that starts in a deep
dip (more than ``DIP`` of the range below an earlier model) is not measured at all (NaN): the
window from the better model before the dip measures the rise over its true width.
The effect lies in [-1, 1] (clipped below at -1); a step from a flat floor scores close to 1, a
straight line 0 or less, a flat curve 0. The range is floored at the sampling noise
(``range_floor``), so a flat noisy curve does not become "all jump".

Every metric, discontinuous or smooth, is judged with this one statistic: two identical curves
always get the same effect, so a metric pair whose curves agree can never read as a mirage.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Growth of the slope per decade that the smooth null allows (e-folds per decade): a slope may
#: double within a decade (exp(0.7) = 2.01). Set with the development grid of
#: ``analyses/validate_verdicts.py``.
KAPPA = 0.7

#: A window that starts this share of the curve's range below an earlier model starts in a dip.
DIP = 0.1

#: A window may have one or two gaps, or more as long as it spans at most this many decades.
MAX_SPAN = 1.0


@dataclass(frozen=True)
class Windows:
    """The windows of a ladder: window k runs from scale ``start[k]`` to scale ``stop[k]``.

    Attributes
    ----------
    start, stop : ndarray of int
        Indices of the first and last model of each window (``stop - start`` gaps).
    allowance : ndarray, shape (n_windows, n_gaps)
        ``allowance[k, f]``: the factor by which the positive slope of gap f is multiplied to
        give the rise window k may have (0 where f is not a flank of k).
    flank, factor : ndarray, shape (n_windows, 2)
        The same, sparse: the (at most two) flank gaps of each window and their factors (a window
        with one flank names it twice). :func:`window_effects` uses these: a dense
        (windows x gaps x curves) product took 40 s for a 208-checkpoint curve (issue 13).
    """

    start: np.ndarray
    stop: np.ndarray
    allowance: np.ndarray
    flank: np.ndarray
    factor: np.ndarray

    def __len__(self) -> int:
        return len(self.start)

    def overlapping(self, start: int, stop: int) -> np.ndarray:
        """Mask of the windows that share at least one gap with the window ``start..stop``."""
        return (self.start < stop) & (self.stop > start)


def windows(x, *, kappa: float = KAPPA, max_span: float = MAX_SPAN) -> Windows:
    """The windows of a ladder at log10 scales ``x`` (increasing), and their flank allowances.

    Examples
    --------
    >>> w = windows([8.0, 9.0, 10.0])
    >>> w.start.tolist(), w.stop.tolist()
    ([0, 1], [1, 2])
    """
    x = np.asarray(x, dtype=float)
    gaps = len(x) - 1
    dx = np.diff(x)
    centre = (x[1:] + x[:-1]) / 2
    start, stop, rows, flank, factor = [], [], [], [], []
    for width in range(1, gaps + 1):
        for i in range(gaps - width + 1):
            j = i + width  # last model of the window
            if width > 2 and x[j] - x[i] > max_span:
                continue
            flanks = [f for f in (i - 1, j) if 0 <= f < gaps]
            if not flanks:
                continue
            row = np.zeros(gaps)
            middle = (x[i] + x[j]) / 2
            for f in flanks:
                row[f] = (x[j] - x[i]) / dx[f] * np.exp(kappa * abs(centre[f] - middle))
            start.append(i)
            stop.append(j)
            rows.append(row)
            flank.append((flanks + flanks)[:2])  # one flank: it twice
            factor.append([row[f] for f in flank[-1]])
    return Windows(np.array(start, dtype=int), np.array(stop, dtype=int),
                   np.array(rows).reshape(len(rows), gaps), np.array(flank, dtype=int).reshape(-1, 2),
                   np.array(factor, dtype=float).reshape(-1, 2))


def window_effects(y: np.ndarray, w: Windows, *, range_floor: float | np.ndarray = 0.0) -> np.ndarray:
    """Effect of every window on one or many curves.

    Parameters
    ----------
    y : ndarray, shape (n_scales,) or (n_scales, n_curves)
        Curves oriented higher-is-better, in order of scale.
    w : Windows
        From :func:`windows` at the same scales.
    range_floor : float or ndarray
        The smallest range a curve is divided by (its noise).

    Returns
    -------
    ndarray, shape (n_windows,) or (n_windows, n_curves)
        ``(gain - allowance) / max(range, range_floor)`` clipped to [-1, 1]; 0 for a flat curve;
        NaN where a curve has a non-finite point or a window starts in a deep dip.
    """
    y = np.asarray(y, dtype=float)
    column = y.ndim == 1
    y = y[:, None] if column else y
    best_before = np.maximum.accumulate(y, axis=0)[w.start]
    gain = y[w.stop] - best_before  # (W, C): recovering from a dip is not gaining
    steps = np.diff(y, axis=0)  # (G, C)
    # per window, the largest flank allowance: max_f allowance[k, f] * max(step_f, 0), over its (at
    # most two) flanks; the other gaps give 0, which the clipped products never go below
    rising = np.clip(steps, 0, None)
    allowed = np.maximum(np.maximum(w.factor[:, 0, None] * rising[w.flank[:, 0]],
                                    w.factor[:, 1, None] * rising[w.flank[:, 1]]), 0.0)
    spread = np.maximum(y.max(axis=0) - y.min(axis=0), range_floor)
    with np.errstate(divide="ignore", invalid="ignore"):
        effect = np.clip((gain - allowed) / spread, -1.0, 1.0)
    # a window that starts in a deep dip (one bad model) is left to the window from the better model
    # before it, which measures the rise over its true width; shallow dips (noise) only lower the gain
    effect[best_before - y[w.start] > DIP * spread] = np.nan
    effect[:, ~(spread > 0)] = 0.0  # a flat curve carries no jump
    effect[:, ~np.isfinite(y).all(axis=0)] = np.nan
    return effect[:, 0] if column else effect


def jump_effect(x, y, *, range_floor: float = 0.0, kappa: float = KAPPA) -> tuple[float, int, int]:
    """The jump effect of one curve and where it is.

    Parameters
    ----------
    x : array-like
        log10 of each model's scale, increasing.
    y : array-like
        The curve, oriented so higher is better.
    range_floor : float
        See :func:`window_effects`.
    kappa : float
        Slope growth per decade the smooth null allows (:data:`KAPPA`).

    Returns
    -------
    (effect, start, stop)
        The largest window effect and the indices of the first and last model of its window;
        (NaN, -1, -1) with fewer than three models.

    Examples
    --------
    >>> effect, start, stop = jump_effect([8, 9, 10, 11, 12], [0.0, 0.01, 0.02, 0.9, 0.92])
    >>> round(effect, 2), start, stop
    (0.92, 2, 4)
    >>> round(jump_effect([8, 9, 10, 11, 12], [0.0, 0.25, 0.5, 0.75, 1.0])[0], 2)  # a straight line
    -0.25
    >>> y = [1.0, 1.65, 2.72, 4.48, 7.39]  # exp(x / 2): the slope grows e^0.5 per decade, allowed
    >>> round(jump_effect([8, 9, 10, 11, 12], y)[0], 2)
    -0.1
    >>> round(jump_effect([8, 9, 10, 11, 12], [0.6, 0.62, 0.15, 0.64, 0.66])[0], 2)  # a dip: no gain
    0.04
    """
    x = np.asarray(x, dtype=float)
    if len(x) < 3:
        return float("nan"), -1, -1
    w = windows(x, kappa=kappa)
    effects = window_effects(np.asarray(y, dtype=float), w, range_floor=range_floor)
    if np.isnan(effects).all():
        return float("nan"), -1, -1
    k = int(np.nanargmax(effects))
    return float(effects[k]), int(w.start[k]), int(w.stop[k])
