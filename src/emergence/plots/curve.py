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
    # the curve's checks and points on arrays: pandas' own took 2.5 ms a panel (issue 13)
    identity = [c for c in ("family", "task") if c in part]
    if any(len(pd.factorize(part[c].to_numpy(dtype=object), use_na_sentinel=False)[1]) > 1 for c in identity):
        found = part[identity].drop_duplicates().head(3).to_dict("records")
        raise EmergenceError(
            f"plot_curve draws one curve, but metric={metric!r} has rows of several (family, task) "
            f"pairs, e.g. {found}; pass family= and task= to choose one")
    x = _choose_x(part, x)
    # seeds of one size share it by design
    seeds = "seed" in part and bool(pd.notna(part["seed"].to_numpy(dtype=object)).any())
    models, owners = pd.factorize(part["model"].to_numpy(dtype=object)) if "model" in part else (None, [])
    if len(owners) > 1 and not seeds and not _several_points_per_model(part, x):
        _warn_shared_scales(part[x].to_numpy(), models, len(owners), x)
    if ax is None:
        from matplotlib.figure import Figure

        from emergence.plots.layout import PanelLayout

        ax = Figure(figsize=(4.2, 3.2), layout=PanelLayout()).subplots()
    xs, points = _curve_points(part, x)
    kind = part["kind"].iloc[0] if "kind" in part else None
    color = color or COLORS.get(kind if isinstance(kind, str) else "other", COLORS["smooth"])
    if _several_points_per_model(part, x):
        # training checkpoints on a compute or tokens axis: one line per model, lighter = smaller
        _per_model_lines(part, x, ax, color, plain(label or metric))
    else:
        if "ci_lo" in points and "ci_hi" in points and all(
                (~np.isnan(points[end])).any() for end in ("ci_lo", "ci_hi")):
            # a legend entry only for a band one can see (intervals of zero width draw nothing), and
            # one per band: the mirage check shades two curves
            scale = max(1.0, _max_known(np.abs(points["value"])))
            shown = _max_known(points["ci_hi"] - points["ci_lo"]) > 1e-9 * scale
            band = f"{band_label} bootstrap interval"
            if _bands(ax, band_label):
                band += f" ({plain(label or metric)})"
            ax.fill_between(xs, points["ci_lo"], points["ci_hi"], color=color, alpha=0.2, linewidth=0,
                            label=band if shown else None)
        ax.plot(xs, points["value"], marker="o", markersize=4, color=color, label=plain(label or metric))
    known = points["chance"][~np.isnan(points["chance"])] if "chance" in points else np.empty(0)
    level = float(np.mean(known)) if len(known) else np.nan
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


def _max_known(values: np.ndarray) -> float:
    """The largest value that is not NaN (NaN when there is none), as pandas' ``max`` gives it."""
    known = values[~np.isnan(values)]
    return float(known.max()) if len(known) else np.nan


def _warn_shared_scales(scales: np.ndarray, models: np.ndarray, n_models: int, x: str) -> None:
    """Warn when several models share a value of the scale (their points are averaged); ``models``
    are the rows' model codes (-1: none), as :func:`pandas.factorize` gives them."""
    where, values = pd.factorize(scales)
    known = (where >= 0) & (models >= 0)
    pairs = np.unique(where[known] * n_models + models[known])
    shared = np.bincount(pairs // n_models, minlength=len(values)) > 1  # models per scale value
    if shared.any():
        warnings.warn(
            f"plot_curve: {int(shared.sum())} value(s) of {x} are shared by several models "
            f"(e.g. {x}={np.sort(values[shared])[0]:g}); their points are averaged. Choose a scale "
            "that tells the models apart (params, compute).", stacklevel=3)


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
