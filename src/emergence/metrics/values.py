"""What values a metric can take: :class:`ValueRange` and the ranges metrics share."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ValueRange:
    """The values a metric can take: ``lo <= value <= hi`` (``<`` where that end is open).

    A mean of such values lies in the same range, so a reported score outside it is a mistake (a
    percentage given as a proportion, a sign flipped), never a measurement.

    Parameters
    ----------
    lo, hi : float
        The ends; ``-inf`` or ``inf`` where the metric is unbounded on that side.
    lo_open, hi_open : bool
        The end itself is excluded (a perplexity is > 0, not >= 0).

    Examples
    --------
    >>> import numpy as np
    >>> UNIT.contains(np.array([0.0, 1.0, 5.5, np.nan])).tolist()
    [True, True, False, True]
    >>> str(UNIT), str(POSITIVE), UNIT.max_stderr
    ('[0, 1]', '> 0', 0.5)
    """

    lo: float = -math.inf
    hi: float = math.inf
    lo_open: bool = False
    hi_open: bool = False

    def contains(self, values) -> np.ndarray:
        """Whether each value is in the range; NaN counts as inside (a missing value is not out of it)."""
        values = np.asarray(values, dtype=float)
        with np.errstate(invalid="ignore"):
            low = values > self.lo if self.lo_open else values >= self.lo
            high = values < self.hi if self.hi_open else values <= self.hi
        return (low & high) | np.isnan(values)

    @property
    def bounded(self) -> bool:
        """Both ends are finite."""
        return math.isfinite(self.lo) and math.isfinite(self.hi)

    @property
    def max_stderr(self) -> float:
        """The largest standard error a mean of values in the range can have: half its width.

        Popoviciu's inequality bounds the standard deviation of values in [lo, hi] by (hi - lo) / 2;
        the standard error of a mean of n >= 2 of them, s / sqrt(n) with the n - 1 convention, is at
        most that. ``inf`` for an unbounded range.
        """
        return (self.hi - self.lo) / 2 if self.bounded else math.inf

    def stderr_at(self, values) -> np.ndarray:
        """The largest standard error a mean of values in the range can have at each mean value.

        The Bhatia-Davis inequality: a variable in [lo, hi] with mean m has variance at most
        (hi - m)(m - lo), so a standard error above ``sqrt((hi - m)(m - lo))`` is impossible for a
        mean of n >= 2 values (reached by 0/1 values, e.g. an accuracy). ``inf`` when unbounded.
        """
        values = np.asarray(values, dtype=float)
        if not self.bounded:
            return np.full(values.shape, np.inf)
        clipped = np.clip(values, self.lo, self.hi)
        return np.sqrt((self.hi - clipped) * (clipped - self.lo))

    def __str__(self) -> str:
        if self.bounded:
            return f"{'(' if self.lo_open else '['}{self.lo:g}, {self.hi:g}{')' if self.hi_open else ']'}"
        if math.isfinite(self.lo):
            return f"{'>' if self.lo_open else '>='} {self.lo:g}"
        if math.isfinite(self.hi):
            return f"{'<' if self.hi_open else '<='} {self.hi:g}"
        return "any finite number"


#: Any finite number (a metric whose range is not known).
ANY = ValueRange()
#: A proportion (an accuracy, a probability): [0, 1].
UNIT = ValueRange(0.0, 1.0)
#: Greater than zero (a perplexity).
POSITIVE = ValueRange(0.0, lo_open=True)
#: Zero or more (a distance, bits per byte).
NONNEGATIVE = ValueRange(0.0)
#: Zero or less (a log-probability).
NONPOSITIVE = ValueRange(hi=0.0)
#: The multi-class Brier score, a sum of squared errors of a probability vector: [0, 2].
BRIER = ValueRange(0.0, 2.0)
