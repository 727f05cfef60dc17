"""The jump effect: how much of a curve's rise one place carries beyond what a smooth curve allows.

A jump is a property of a curve's shape on its natural scale (the metric as reported, oriented so
higher is better) against log10 of the scale. The smooth null is not one functional form but a class
of curves: at every place, the slope (rise per decade) may exceed the slope at the neighbouring
place by at most a factor ``exp(kappa * d)``, d the distance between the two places in decades.
Power laws in the loss, logistic and Gompertz rises of moderate width, saturating ceilings and
linear trends all belong to it; a step does not, nor does a curve that is flat and then rises within
one or two gaps between models.

For every *window* of one or two adjacent gaps between models that has a neighbouring gap (a
*flank*) on at least one side::

    allowance(W) = width(W) * max over flanks f of  max(slope(f), 0) * exp(kappa * d(W, f))
    effect(W)    = (rise(W) - allowance(W)) / range

and the jump effect is the largest effect over the windows: the share of the curve's whole range
that one place carries beyond what its neighbours allow. It lies in [-1, 1] (clipped below at -1);
a step from a flat floor scores close to 1, a straight line scores 0 or less. The range is floored at
the sampling noise (``range_floor``), so a flat noisy curve does not become "all jump".

A window of two gaps catches a step that falls between two models (half of it in each gap); longer
windows would start to admit smooth S-shaped rises as jumps.

The *concentration* of a curve asks the weaker question a reader of a scaling plot asks of a
discontinuous metric ("does it look like it jumps?"): the same windows against a uniform rise in log
scale, ``rise(W) / range - width(W) / span``. It is how the apparent emergence of exact match is
measured; the jump effect, with its flexible null, is what a smooth metric must beat for the jump to
be real. A curve that accelerates smoothly (an exponential in log N, exact match on long answers
under a power-law loss) is concentrated but does not jump.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Growth of the slope per decade that the smooth null allows (e-folds per decade): a slope may
#: double within a decade (exp(0.7) = 2.01). Set with the development grid of
#: ``analyses/validate_verdicts.py``.
KAPPA = 0.7

#: Longest window, in gaps between neighbouring models.
MAX_WINDOW = 2


@dataclass(frozen=True)
class Windows:
    """The windows of a ladder: window k runs from scale ``start[k]`` to scale ``stop[k]``.

    Attributes
    ----------
    start, stop : ndarray of int
        Indices of the first and last model of each window (``stop - start`` gaps).
    share : ndarray
        Each window's share of the ladder's span in log10 scale (the uniform baseline).
    allowance : ndarray, shape (n_windows, n_gaps)
        ``allowance[k, f]``: the factor by which the positive slope of gap f is multiplied to
        give the rise window k may have (0 where f is not a flank of k).
    """

    start: np.ndarray
    stop: np.ndarray
    allowance: np.ndarray
    share: np.ndarray

    def __len__(self) -> int:
        return len(self.start)

    def overlapping(self, start: int, stop: int) -> np.ndarray:
        """Mask of the windows that share at least one gap with the window ``start..stop``."""
        return (self.start < stop) & (self.stop > start)


def windows(x, *, kappa: float = KAPPA, max_window: int = MAX_WINDOW) -> Windows:
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
    start, stop, rows = [], [], []
    for width in range(1, max_window + 1):
        for i in range(gaps - width + 1):
            j = i + width  # last model of the window
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
    start, stop = np.array(start, dtype=int), np.array(stop, dtype=int)
    return Windows(start, stop, np.array(rows).reshape(len(rows), gaps),
                   (x[stop] - x[start]) / (x[-1] - x[0]) if len(start) else np.zeros(0))


def window_effects(y: np.ndarray, w: Windows, *, range_floor: float | np.ndarray = 0.0,
                   baseline: str = "flexible") -> np.ndarray:
    """Effect of every window on one or many curves.

    Parameters
    ----------
    y : ndarray, shape (n_scales,) or (n_scales, n_curves)
        Curves oriented higher-is-better, in order of scale.
    w : Windows
        From :func:`windows` at the same scales.
    range_floor : float or ndarray
        The smallest range a curve is divided by (its noise).
    baseline : {"flexible", "uniform"}
        Against the flank allowance (the jump effect) or a uniform rise in log scale (the
        concentration).

    Returns
    -------
    ndarray, shape (n_windows,) or (n_windows, n_curves)
        ``(rise - allowance) / max(range, range_floor)`` clipped to [-1, 1]; NaN where a curve has
        a non-finite point or a zero range.
    """
    y = np.asarray(y, dtype=float)
    column = y.ndim == 1
    y = y[:, None] if column else y
    rise = y[w.stop] - y[w.start]  # (W, C)
    steps = np.diff(y, axis=0)  # (G, C)
    # per window, the largest flank allowance: max_f allowance[k, f] * max(step_f, 0)
    spread = np.maximum(y.max(axis=0) - y.min(axis=0), range_floor)
    with np.errstate(divide="ignore", invalid="ignore"):
        if baseline == "uniform":
            effect = np.clip(rise / spread - w.share[:, None], -1.0, 1.0)
        else:
            allowed = np.max(w.allowance[:, :, None] * np.clip(steps, 0, None)[None], axis=1)
            effect = np.clip((rise - allowed) / spread, -1.0, 1.0)
    bad = ~np.isfinite(y).all(axis=0) | ~(spread > 0)
    effect[:, bad] = np.nan
    return effect[:, 0] if column else effect


def jump_effect(x, y, *, range_floor: float = 0.0, kappa: float = KAPPA,
                baseline: str = "flexible") -> tuple[float, int, int]:
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
    baseline : {"flexible", "uniform"}
        ``"uniform"`` gives the concentration instead (see the module docstring).

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
    >>> y = [1.0, 1.65, 2.72, 4.48, 7.39]  # exp(x / 2): the slope grows e^0.5 per decade
    >>> round(jump_effect([8, 9, 10, 11, 12], y, baseline="uniform")[0], 2), round(jump_effect(
    ...     [8, 9, 10, 11, 12], y)[0], 2)
    (0.23, -0.1)
    """
    x = np.asarray(x, dtype=float)
    if len(x) < 3:
        return float("nan"), -1, -1
    w = windows(x, kappa=kappa)
    effects = window_effects(np.asarray(y, dtype=float), w, range_floor=range_floor, baseline=baseline)
    if np.isnan(effects).all():
        return float("nan"), -1, -1
    k = int(np.nanargmax(effects))
    return float(effects[k]), int(w.start[k]), int(w.stop[k])
