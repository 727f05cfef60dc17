"""One metric's curve on an Axes, with its bootstrap band and chance level (the building block)."""

from __future__ import annotations

import textwrap
import warnings

import numpy as np
import pandas as pd

from emergence.errors import EmergenceError
from emergence.plots.common import (
    COLORS,
    _choose_x,
    _curve_points,
    _select,
    format_scale_axis,
    metric_label,
    plain,
    title_place,
)


def plot_curve(
    data: pd.DataFrame,
    *,
    metric: str,
    x: str | None = None,
    family: str | None = None,
    task: str | None = None,
    ax=None,
    color: str | None = None,
    label: str | None = None,
    chance: bool = True,
    title: str | None = None,
    band_label: str = "95%",
    chance_text: bool = False,
):
    """One metric against scale, with its bootstrap interval band and the chance level.

    Parameters
    ----------
    data : DataFrame
        A scores table (``Analysis.scores``): columns ``metric``, ``value``, a scale column and,
        when present, ``ci_lo``/``ci_hi`` (the band), ``chance`` and ``kind``.
    metric : str
        The metric to draw.
    x : str, optional
        Scale column (default: the first of params, compute, tokens, step present).
    family, task : str, optional
        Rows to use (needed when the data holds more than one curve).
    ax : Axes, optional
        Where to draw; a new figure when not given.
    color, label, title : str, optional
        ``label`` is shown as written (``$`` is not math); ``title`` is passed to matplotlib as is.
    chance : bool
        Draw the chance level (when the data gives one above 0).
    band_label : str
        What the band's interval is (the analysis's level), for the legend.
    chance_text : bool
        Also write the chance level on its line (``chance 0.25``), for a panel drawn without a
        legend (:func:`~emergence.plots.plot_task`).

    Returns
    -------
    Axes
    """
    part = _select(data, family=family, task=task, metric=metric)
    if part.empty:
        raise EmergenceError(f"no rows for metric={metric!r}, family={family!r}, task={task!r}")
    identity = [c for c in ("family", "task") if c in part]
    if any(part[c].nunique(dropna=False) > 1 for c in identity):
        found = part[identity].drop_duplicates().head(3).to_dict("records")
        raise EmergenceError(
            f"plot_curve draws one curve, but metric={metric!r} has rows of several (family, task) "
            f"pairs, e.g. {found}; pass family= and task= to choose one")
    x = _choose_x(part, x)
    seeds = "seed" in part and part["seed"].notna().any()  # seeds of one size share it by design
    several = "model" in part and part["model"].nunique() > 1
    if several and not seeds and not _several_points_per_model(part, x):
        shared = part.groupby(x)["model"].nunique()
        if (shared > 1).any():
            warnings.warn(
                f"plot_curve: {int((shared > 1).sum())} value(s) of {x} are shared by several models "
                f"(e.g. {x}={shared[shared > 1].index[0]:g}); their points are averaged. Choose a scale "
                "that tells the models apart (params, compute).", stacklevel=2)
    if ax is None:
        from matplotlib.figure import Figure

        from emergence.plots.layout import PanelLayout

        ax = Figure(figsize=(4.2, 3.2), layout=PanelLayout()).subplots()
    points = _curve_points(part, x)
    kind = part["kind"].iloc[0] if "kind" in part else None
    color = color or COLORS.get(kind if isinstance(kind, str) else "other", COLORS["smooth"])
    xs = points[x].to_numpy(dtype=float)
    if _several_points_per_model(part, x):
        # training checkpoints on a compute or tokens axis: one line per model, lighter = smaller
        _per_model_lines(part, x, ax, color, plain(label or metric))
    else:
        if {"ci_lo", "ci_hi"} <= set(points) and points[["ci_lo", "ci_hi"]].notna().any().all():
            # a legend entry only for a band one can see (intervals of zero width draw nothing), and
            # one per band: the mirage check shades two curves
            scale = max(1.0, float(points["value"].abs().max()))
            shown = (points["ci_hi"] - points["ci_lo"]).max() > 1e-9 * scale
            band = f"{band_label} bootstrap interval"
            if _bands(ax, band_label):
                band += f" ({plain(label or metric)})"
            ax.fill_between(xs, points["ci_lo"], points["ci_hi"], color=color, alpha=0.2, linewidth=0,
                            label=band if shown else None)
        ax.plot(xs, points["value"], marker="o", markersize=4, color=color, label=plain(label or metric))
    known = points["chance"].dropna() if "chance" in points else pd.Series(dtype=float)
    level = float(known.mean()) if len(known) else np.nan
    if chance and np.isfinite(level) and level > 0:
        ax.axhline(level, color="#777777", linestyle="--", linewidth=1, label=f"chance ({level:.3g})")
        if chance_text:
            ax.text(0.99, level, f"chance {level:.3g}", transform=ax.get_yaxis_transform(), ha="right",
                    va="bottom", fontsize="x-small", color="#777777")
    format_scale_axis(ax, x)
    ax.set_ylabel(metric_label(metric))
    if title is not None:
        ax.set_title(title, fontsize="medium", **title_place(ax))
    ax.grid(True, which="major", alpha=0.3)
    return ax


def _bands(ax, band_label: str = "95%") -> list[str]:
    """The legend entries of the bootstrap bands :func:`plot_curve` drew on ``ax`` with
    ``band_label`` (a band too narrow to see has none)."""
    start = f"{band_label} bootstrap interval"
    return [name for name in ax.get_legend_handles_labels()[1] if name.startswith(start)]


def _several_points_per_model(data: pd.DataFrame, x: str) -> bool:
    """Whether some model contributes more than one point (its checkpoints) to the curve."""
    if "model" not in data or x in ("params", "step"):
        return False
    return bool((data.groupby("model", sort=False)[x].nunique() > 1).any())


def _per_model_lines(data: pd.DataFrame, x: str, ax, color, label: str) -> None:
    import seaborn as sns

    order = data.groupby("model", sort=False)["params"].max().sort_values().index if "params" in data \
        else data["model"].unique()
    shades = sns.light_palette(color, len(order) + 2)[2:]
    for i, (model, shade) in enumerate(zip(order, shades, strict=True)):
        rows = data[data["model"] == model].groupby(x, sort=True)["value"].mean()
        ax.plot(rows.index, rows.to_numpy(), color=shade, linewidth=1.2, marker=".", markersize=3,
                label=f"{label}: one line per model (darker = larger)" if i == len(order) - 1 else None)


def _wrap(text: str, width: int = 42) -> str:
    return "\n".join(textwrap.wrap(text, width)) if text else text


def _missing(value) -> bool:
    return value is None or value != value
