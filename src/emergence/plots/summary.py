"""The one-glance summary figure: for every task, the jump under the discontinuous metric against the
jump under its smooth partner, with intervals, coloured by verdict (issue 15).

It is the question of Schaeffer et al. (2023) on one page: a task to the right of the threshold whose
smooth partner stays below it is a mirage; one above it too is emergent; one to the left does not
jump at all. The regions are drawn and labelled; each point is the task's primary pair (the task
table's J of D and of S at D's place).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from emergence.plots.common import VERDICT_ORDER, plain

#: Colour of each verdict (colour-blind-safe: seaborn's "colorblind" palette; grey abstains).
VERDICT_COLORS = {"emergent": "#D55E00", "mirage": "#0072B2", "no emergence": "#009E73",
                  "inconclusive": "#999999"}

#: Tasks labelled by name at most (beyond, the points alone; the task table names them).
MAX_LABELS = 40


def plot_summary(tasks: pd.DataFrame, *, threshold: float = 0.4, ax=None):
    """Jump effect of D against that of S, one point per task with its intervals, by verdict.

    Parameters
    ----------
    tasks : DataFrame
        The task table (:attr:`emergence.Analysis.tasks`): ``family``, ``task``, ``verdict``,
        ``jump_discontinuous`` and ``jump_smooth`` with their ``_lo``/``_hi``.
    threshold : float
        The jump threshold (:class:`emergence.Thresholds`): the regions' edges.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import emergence
    >>> result = emergence.analyze(emergence.simulate(n_examples=100), bootstrap=100)
    >>> ax = plot_summary(result.tasks)
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(8.5, 6.2), layout="constrained")
    lo, hi = -0.5, 1.05
    ax.set_xlim(lo, hi)
    ax.set_ylim(lo, hi)
    shade = {"no emergence": ((lo, threshold), (lo, hi)), "mirage": ((threshold, hi), (lo, threshold)),
             "emergent": ((threshold, hi), (threshold, hi))}
    for verdict, ((x0, x1), (y0, y1)) in shade.items():
        ax.fill_between([x0, x1], y0, y1, color=VERDICT_COLORS[verdict], alpha=0.07, linewidth=0)
    ax.axvline(threshold, color="#444444", linestyle="--", linewidth=0.9)
    ax.axhline(threshold, color="#444444", linestyle=":", linewidth=0.9)
    labels = {"no emergence": ((lo + threshold) / 2, hi - 0.05),
              "mirage": ((threshold + hi) / 2, lo + 0.05),
              "emergent": ((threshold + hi) / 2, hi - 0.05)}
    for verdict, (x, y) in labels.items():
        ax.text(x, y, verdict, ha="center", va="center", fontsize=11, fontweight="bold",
                color=VERDICT_COLORS[verdict], alpha=0.8)
    data = tasks.dropna(subset=["jump_discontinuous"]) if len(tasks) else tasks
    for verdict in VERDICT_ORDER:
        mine = data[data["verdict"] == verdict] if len(data) else data
        if not len(mine):
            continue
        x = mine["jump_discontinuous"].to_numpy(dtype=float)
        y = np.clip(mine["jump_smooth"].to_numpy(dtype=float), lo, hi)
        xerr = np.vstack([x - mine["jump_discontinuous_lo"].to_numpy(dtype=float),
                          mine["jump_discontinuous_hi"].to_numpy(dtype=float) - x])
        yerr = np.vstack([y - np.clip(mine["jump_smooth_lo"].to_numpy(dtype=float), lo, hi),
                          np.clip(mine["jump_smooth_hi"].to_numpy(dtype=float), lo, hi) - y])
        ax.errorbar(x, y, xerr=np.nan_to_num(xerr), yerr=np.nan_to_num(yerr), fmt="o", markersize=5,
                    color=VERDICT_COLORS[verdict], ecolor=VERDICT_COLORS[verdict], elinewidth=0.8,
                    alpha=0.85, label=f"{verdict} ({len(mine)})")
    if 0 < len(data) <= MAX_LABELS:
        for _, row in data.iterrows():
            y = row["jump_smooth"]
            ax.annotate(plain(row["task"]), (row["jump_discontinuous"], y if y == y else lo),
                        textcoords="offset points", xytext=(4, 3), fontsize=6.5, color="#333333")
    ax.set_xlabel(f"jump of the discontinuous metric D (J, {threshold:g} = threshold, dashed)")
    ax.set_ylabel("jump of its smooth partner S where D jumps (J, dotted)")
    ax.set_title("Does the jump survive the change of metric? One point per task, 95% intervals",
                 fontsize=10)
    if len(data):
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False,
                  title="verdict (tasks)", title_fontsize=8)  # outside: never over a point
    return ax


def summary_png(tasks: pd.DataFrame, *, threshold: float = 0.4, width: float = 6.0) -> bytes:
    """:func:`plot_summary` as a small PNG, drawn off pyplot (a notebook shows only what it is given).

    For ``Analysis._repr_html_``: ``width`` inches at 72 dpi (6 inches: about 30 KB).
    """
    import io

    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, width * 0.73), layout="constrained")
    plot_summary(tasks, threshold=threshold, ax=fig.subplots())
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=72)
    return buffer.getvalue()
