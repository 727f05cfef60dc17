"""The verdict engine: one module per idea.

- :mod:`~emergence.stats.scores`: the BIG-bench emergence score (floored, finite) and linearity;
- :mod:`~emergence.stats.jumps`: the jump effect against a flexible smooth null;
- :mod:`~emergence.stats.inference`: median-centred intervals, p-values, Benjamini-Hochberg;
- :mod:`~emergence.stats.points`: scores -> curves (final checkpoints, seeds, integrity guards);
- :mod:`~emergence.stats.evidence`: the numbers measured on one curve;
- :mod:`~emergence.stats.backtest`: predict the largest model from the smaller ones;
- :mod:`~emergence.stats.decide`: thresholds and the declared verdict rules;
- :mod:`~emergence.stats.pairs`: every curve, pair and task of a run, measured and judged;
- :mod:`~emergence.stats.curves`: :func:`curve_table`, the public one-row-per-curve summary.
"""

from emergence.stats.backtest import Backtest, backtest, smooth_fit
from emergence.stats.curves import curve_table
from emergence.stats.decide import Thresholds
from emergence.stats.inference import benjamini_hochberg, centred_interval
from emergence.stats.jumps import KAPPA, jump_effect
from emergence.stats.scores import (
    curve_statistics,
    emergence_score,
    linearity,
    oriented,
    straight_line_score,
)

__all__ = [
    "KAPPA", "Backtest", "Thresholds", "backtest", "benjamini_hochberg", "centred_interval",
    "curve_statistics", "curve_table", "emergence_score", "jump_effect", "linearity", "oriented",
    "smooth_fit", "straight_line_score",
]
