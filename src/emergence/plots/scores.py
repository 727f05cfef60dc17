"""The distribution of emergence scores per metric across curves (Schaeffer et al. 2023, Fig. 5)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from emergence.plots.common import COLORS, plain


def emergence_score_data(curves: pd.DataFrame, *, metrics: Sequence[str] | None = None,
                         cap: float | None = None) -> pd.DataFrame:
    """The points of :func:`plot_emergence_scores`: one row per curve with a score.

    Scores of :func:`emergence.analyze` are finite (the denominator is floored at the noise of a
    step; column ``floored``, from ``es_floored``, False when the table has none). A table from
    elsewhere may hold inf: such a score is drawn at ``cap`` (default: twice the largest finite
    score) and flagged in the column ``infinite``. Scores of 0 or below (a curve that falls, or is
    flat) cannot sit on the log axis: their ``plotted`` value is NaN.
    """
    table = curves[["family", "task", "metric", "emergence_score"]].copy()
    if "kind" in curves:
        table["kind"] = curves["kind"]
    table["floored"] = (curves["es_floored"].fillna(False).astype(bool) if "es_floored" in curves
                        else False)
    if metrics is not None:
        table = table[table["metric"].isin(list(metrics))]
    table = table[table["emergence_score"].notna()]
    es = table["emergence_score"].to_numpy(dtype=float)
    finite = es[np.isfinite(es) & (es > 0)]
    if cap is None:
        cap = 2 * float(finite.max()) if len(finite) else 100.0
    table["infinite"] = np.isinf(es)
    table["plotted"] = np.where(np.isinf(es), cap, np.where(es > 0, es, np.nan))
    return table.reset_index(drop=True)


def plot_emergence_scores(
    curves: pd.DataFrame,
    *,
    metrics: Sequence[str] | None = None,
    reference: float | None = None,
    ax=None,
    title: str | None = None,
):
    """Distribution of emergence scores per metric across curves (Schaeffer et al. 2023, Fig. 5 form).

    A boxen plot per metric on a log axis, with every curve as a dot, ringed where the score's
    denominator was floored at the noise of a step (``es_floored``: the curve's typical step is
    within its noise, so the score says how far the curve rises above that noise); an infinite score
    (from a table not made by :func:`emergence.analyze`) is drawn as a triangle at the right edge.
    Emergence concentrated in a few discontinuous metrics is the paper's evidence that it is a
    property of the metric.

    Parameters
    ----------
    curves : DataFrame
        ``Analysis.curves`` (or any table with ``metric`` and ``emergence_score``).
    metrics : sequence of str, optional
        Metrics to show (default: all), in the order given.
    reference : float, optional
        Draw this score as a vertical line (default: the straight-line score of each ladder, when
        the table has ``straight_line_es``: one line per distinct ladder, up to
        :data:`MAX_LADDER_LINES`, else their range shaded; a median of two families' lines was no
        family's, issue 15).
    ax : Axes, optional
    title : str, optional

    Returns
    -------
    Axes
    """
    import seaborn as sns

    points = emergence_score_data(curves, metrics=metrics)
    if ax is None:
        from matplotlib.figure import Figure

        from emergence.plots.layout import PanelLayout

        n = max(1, points["metric"].nunique())
        ax = Figure(figsize=(9.5, 1.3 + 0.42 * n), layout=PanelLayout()).subplots()
    if points.empty:
        ax.text(0.5, 0.5, "no emergence scores to show", ha="center", va="center")
        return ax
    order = list(metrics) if metrics is not None else (
        points.groupby("metric")["plotted"].median().sort_values(ascending=False).index.tolist())
    order = [m for m in order if m in set(points["metric"])]
    counts = points["metric"].value_counts()
    labels = {m: f"{plain(m)} ({counts[m]})" for m in order}
    shown = points.assign(label=points["metric"].map(labels))
    label_order = [labels[m] for m in order]
    hidden = int(shown["plotted"].isna().sum())
    shown = shown[shown["plotted"].notna()]
    finite = shown[~shown["infinite"]]
    # the boxes summarise the finite scores; infinite ones are drawn apart, at the cap
    sns.boxenplot(data=finite, x="plotted", y="label", order=label_order, ax=ax, color="#9ecae1",
                  log_scale=True, showfliers=False)
    floored = finite[finite["floored"]]
    _strips(finite[~finite["floored"]], label_order, ax)
    if len(floored):  # on the row's centre line, ringed
        ys = [label_order.index(v) for v in floored["label"]]
        ax.scatter(floored["plotted"], ys, marker="o", color="#333333", edgecolors=COLORS["discontinuous"],
                   linewidths=1.5, s=30, zorder=4, label="denominator floored at the noise of a step")
    inf = shown[shown["infinite"]]
    if len(inf):
        ys = [label_order.index(v) for v in inf["label"]]
        ax.scatter(inf["plotted"], ys, marker=">", color=COLORS["discontinuous"], s=30, zorder=5,
                   label="infinite (half or more of the steps flat)")
    if reference is not None:
        ax.axvline(reference, color="#777777", linestyle="--", linewidth=1,
                   label=f"straight line at these scales ({reference:.1f})")
    else:
        _straight_lines(curves, ax)
    ax.set_xlabel("emergence score (log scale; higher = sharper)"
                  + (f"; {hidden} curve(s) with a score <= 0 not shown" if hidden else ""))
    ax.set_ylabel("metric (number of curves)")
    ax.set_title(title or "Emergence scores per metric across curves\n(each metric as reported)",
                 fontsize="medium")
    ax.grid(True, axis="x", alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize="x-small", loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return ax


def _strips(points: pd.DataFrame, order: list[str], ax) -> None:
    """Every curve as a dot on its metric's row, jittered across the row: ``seaborn.stripplot``'s
    dots (size 3, jitter 0.2), with the jitter drawn from a fixed seed (stripplot draws it from
    numpy's global generator, so the figure changed from run to run and with ``jobs``)."""
    rng = np.random.default_rng(0)
    for row, label in enumerate(order):
        x = points.loc[points["label"] == label, "plotted"].to_numpy(dtype=float)
        if len(x):
            y = row + (rng.uniform(-0.2, 0.2, len(x)) if len(x) > 1 else 0.0)
            ax.scatter(x, np.broadcast_to(y, x.shape), s=9, color="#333333", linewidths=0)


#: Most straight-line references drawn one by one; more ladders are shown as their shaded range.
MAX_LADDER_LINES = 4


def _straight_lines(curves: pd.DataFrame, ax) -> None:
    """The score of a straight line on each family's ladder (``straight_line_es``), labelled with the
    families that share it."""
    if "straight_line_es" not in curves or not curves["straight_line_es"].notna().any():
        return
    known = curves[curves["straight_line_es"].notna()]
    ladders = known.groupby(known["straight_line_es"].astype(float).round(1), sort=True)["family"].agg(
        lambda f: sorted(set(f.astype(str))))
    if len(ladders) > MAX_LADDER_LINES:
        ax.axvspan(ladders.index.min(), ladders.index.max(), color="#777777", alpha=0.12, linewidth=0,
                   label=f"straight lines on the {len(ladders)} ladders ({ladders.index.min():.1f}"
                         f"\N{EN DASH}{ladders.index.max():.1f})")
        return
    styles = ["--", ":", "-.", (0, (5, 1, 1, 1))]
    for (value, families), style in zip(ladders.items(), styles, strict=False):
        named = ", ".join(plain(f) for f in families[:3])
        named += f" +{len(families) - 3}" if len(families) > 3 else ""
        label = (f"straight line at these scales ({value:.1f})" if len(ladders) == 1
                 else f"straight line, {named} ({value:.1f})")
        ax.axvline(value, color="#777777", linestyle=style, linewidth=1, label=label)
