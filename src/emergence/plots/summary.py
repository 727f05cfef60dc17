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

#: Size of the summary's own figure, inches (when no ``ax`` is given).
FIGSIZE = (8.5, 6.2)


def plot_summary(tasks: pd.DataFrame, *, threshold: float = 0.4, ax=None,
                 verdicts: pd.DataFrame | None = None):
    """Jump effect of D against that of S, one point per task with its intervals, by verdict.

    Parameters
    ----------
    tasks : DataFrame
        The task table (:attr:`emergence.Analysis.tasks`): ``family``, ``task``, ``verdict``,
        ``jump_discontinuous`` and ``jump_smooth`` with their ``_lo``/``_hi``.
    threshold : float
        The jump threshold (:class:`emergence.Thresholds`): the regions' edges.
    ax : matplotlib Axes, optional
    verdicts : DataFrame, optional
        The pair table (:attr:`emergence.Analysis.verdicts`). A task that the exact match predicted
        from its sequence probability decided (D's own test unclear, the prediction jumping: rule 5
        of :mod:`emergence.stats.decide`) is then drawn hollow, at the prediction's J, which is
        what placed it; without the table it sits at D's own J, which can lie left of the
        threshold.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import emergence
    >>> result = emergence.analyze(emergence.simulate(n_examples=100), bootstrap=100)
    >>> ax = plot_summary(result.tasks, verdicts=result.verdicts)
    """
    if ax is None:  # off pyplot, as every figure of this package: nothing keeps it alive
        from matplotlib.figure import Figure

        from emergence.plots.layout import PanelLayout

        ax = Figure(figsize=FIGSIZE, layout=PanelLayout()).subplots()
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
    data = summary_points(tasks, verdicts)
    for verdict in VERDICT_ORDER:
        for hollow in (False, True):
            mine = data[(data["verdict"] == verdict) & (data["hollow"] == hollow)] if len(data) else data
            if not len(mine):
                continue
            x = mine["x"].to_numpy(dtype=float)
            y = np.clip(mine["y"].to_numpy(dtype=float), lo, hi)
            xerr = np.vstack([x - mine["x_lo"].to_numpy(dtype=float), mine["x_hi"].to_numpy(dtype=float) - x])
            yerr = np.vstack([y - np.clip(mine["y_lo"].to_numpy(dtype=float), lo, hi),
                              np.clip(mine["y_hi"].to_numpy(dtype=float), lo, hi) - y])
            n = int((data["verdict"] == verdict).sum())
            ax.errorbar(x, y, xerr=np.nan_to_num(xerr), yerr=np.nan_to_num(yerr), fmt="o", markersize=5,
                        color=VERDICT_COLORS[verdict], ecolor=VERDICT_COLORS[verdict], elinewidth=0.8,
                        alpha=0.85, markerfacecolor="white" if hollow else VERDICT_COLORS[verdict],
                        label=(f"{verdict}: D by its prediction (hollow)" if hollow
                               else f"{verdict} ({n})"))
    # everything that takes room first: the labels are then placed on the final layout
    xlabel = f"jump of the discontinuous metric D (J; dashed: the threshold {threshold:g})"
    ax.set_xlabel(xlabel + "\nthe task table names every task")
    ax.set_ylabel("jump of its smooth partner S at D's largest jump (J; dotted)")
    ax.set_title("Does the jump survive the change of metric?\nOne point per task, 95% intervals",
                 fontsize=10)
    if len(data):
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False,
                  title="verdict (tasks)", title_fontsize=8)  # outside: never over a point
    hidden = _label_points(ax, data, lo) if 0 < len(data) <= MAX_LABELS else 0
    if hidden:
        ax.set_xlabel(xlabel + f"\n{hidden} label(s) left out where points crowd; the task table names "
                      "every task")
    return ax


def summary_points(tasks: pd.DataFrame, verdicts: pd.DataFrame | None = None) -> pd.DataFrame:
    """The points of :func:`plot_summary`: one row per task with a J of D, tidy.

    Columns ``family``, ``task``, ``verdict``, ``x``/``x_lo``/``x_hi`` (D's J, or the prediction's
    where it decided: ``hollow``), ``y``/``y_lo``/``y_hi`` (S's J at D's largest jump) and ``label``
    (the task, with its family where two families share the task's name).
    """
    from emergence.stats.decide import decided_by_prediction

    columns = ["family", "task", "verdict", "x", "x_lo", "x_hi", "y", "y_lo", "y_hi", "hollow", "label"]
    data = tasks.dropna(subset=["jump_discontinuous"]) if len(tasks) else tasks
    if not len(data):
        return pd.DataFrame(columns=columns)
    out = pd.DataFrame({
        "family": data["family"].astype(str).to_numpy(), "task": data["task"].astype(str).to_numpy(),
        "verdict": data["verdict"].to_numpy(),
        "x": data["jump_discontinuous"].to_numpy(dtype=float),
        "x_lo": data["jump_discontinuous_lo"].to_numpy(dtype=float),
        "x_hi": data["jump_discontinuous_hi"].to_numpy(dtype=float),
        "y": data["jump_smooth"].to_numpy(dtype=float), "y_lo": data["jump_smooth_lo"].to_numpy(dtype=float),
        "y_hi": data["jump_smooth_hi"].to_numpy(dtype=float), "hollow": False})
    if verdicts is not None and len(verdicts) and "jump_predicted" in verdicts:
        primary = verdicts[verdicts["role"] == "primary"] if "role" in verdicts else verdicts
        keyed = {(str(r["family"]), str(r["task"]), str(r["discontinuous"]), str(r["smooth"])): r
                 for _, r in primary.iterrows()}
        pairs = zip(out["family"], out["task"], data["discontinuous"].astype(str),
                    data["smooth"].astype(str), strict=True)
        for i, (family, task, d, s) in enumerate(pairs):
            row = keyed.get((family, task, d, s))
            if row is not None and decided_by_prediction(row):
                out.loc[i, ["x", "x_lo", "x_hi"]] = [row["jump_predicted"], row["jump_predicted_lo"],
                                                     row["jump_predicted_hi"]]
                out.loc[i, "hollow"] = True
    shared = out.groupby("task")["family"].transform("nunique") > 1
    named = out["task"].map(plain)
    out["label"] = np.where(shared, out["family"].map(plain) + "/" + named, named)
    return out[columns]


def _label_points(ax, data: pd.DataFrame, floor: float) -> int:
    """Name the points, leaving out a label that would overlap one already placed or run out of the
    axes (labels of points near the right edge go to their left); how many were left out.

    Measured on the laid-out figure (``draw_without_rendering``), not guessed from the text length.
    """
    fig = ax.figure
    fig.draw_without_rendering()  # the layout (plots.layout) sets the axes' final place
    renderer = fig._get_renderer()
    frame = ax.get_window_extent(renderer)
    (_, x1) = ax.get_xlim()
    placed = []
    hidden = 0
    for row in data.sort_values(["x", "y"], ascending=False).itertuples():
        x, y = float(row.x), float(row.y) if row.y == row.y else floor
        left = x > x1 - 0.35
        text = ax.annotate(row.label, (x, y), textcoords="offset points", xytext=(-4, 3) if left else (4, 3),
                           ha="right" if left else "left", fontsize=6.5, color="#333333")
        extent = text.get_window_extent(renderer)
        outside = extent.x0 < frame.x0 or extent.x1 > frame.x1 or extent.y1 > frame.y1
        if outside or any(extent.overlaps(other) for other in placed):
            text.remove()
            hidden += 1
            continue
        placed.append(extent)
    return hidden


def summary_png(tasks: pd.DataFrame, *, threshold: float = 0.4, width: float = 7.5,
                verdicts: pd.DataFrame | None = None) -> bytes:
    """:func:`plot_summary` as a small PNG, drawn off pyplot (a notebook shows only what it is given).

    For ``Analysis._repr_html_``: ``width`` inches at 72 dpi (7.5 inches: about 40 KB).
    """
    import io

    from matplotlib.figure import Figure

    from emergence.plots.layout import PanelLayout

    fig = Figure(figsize=(width, width * 0.73), layout=PanelLayout())
    plot_summary(tasks, threshold=threshold, ax=fig.subplots(), verdicts=verdicts)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=72)
    return buffer.getvalue()
