"""Figures: the pictures a researcher would draw by hand, from the tidy tables of an analysis.

Every function takes the data first (the ``scores`` or ``curves`` table of :func:`emergence.analyze`)
and the roles of its columns by keyword, never modifies it, and returns the matplotlib
:class:`~matplotlib.figure.Figure` (or the :class:`~matplotlib.axes.Axes` it drew on, when given one).
Figures are built without pyplot, so they work headless and are not kept alive by a global registry;
in a notebook they display like any figure.

- :func:`plot_task`: one (family, task): each discontinuous metric and its smooth partners side by side
  against scale, with bootstrap interval bands, the chance level, each curve's jump effect and the
  verdict in the titles, plus the mirage-consistency panel for exact match;
- :func:`plot_curve`: one metric's curve on an Axes (the building block);
- :func:`plot_mirage_check`: observed exact match against the exact match its smooth per-example
  quantity implies (the mean sequence probability);
- :func:`plot_overview`: a grid of many tasks, each task's primary pair on a common relative scale;
- :func:`plot_emergence_scores`: the distribution of emergence scores per metric across curves (the
  form of Schaeffer, Miranda & Koyejo 2023, Fig. 5).
"""

from __future__ import annotations

import textwrap
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from emergence.errors import EmergenceError
from emergence.scale import format_scale

#: Axis label of each scale column, with its unit.
SCALE_LABELS = {
    "params": "parameters (log scale)",
    "compute": "training compute, FLOPs (log scale)",
    "tokens": "training tokens (log scale)",
    "step": "training step (log scale)",
    "loss": "loss (nats)",
}

#: Axis label of each metric, with its unit or range.
METRIC_LABELS = {
    "exact_match": "exact match (share of examples)",
    "multiple_choice_grade": "multiple-choice grade (accuracy)",
    "acc": "accuracy (share of examples)",
    "acc_norm": "length-normalised accuracy",
    "target_logprob": "log p(target), nats",
    "target_logprob_per_token": "log p per target token, nats",
    "target_prob_per_token": "per-token probability of the target",
    "sequence_prob": "probability of the whole target",
    "choice_prob": "probability on the right choice",
    "brier_score": "Brier score (lower is better)",
    "token_edit_distance": "token edit distance, tokens (lower is better)",
    "log_ppl": "log perplexity, nats per token (lower is better)",
    "ppl": "perplexity (lower is better)",
    "bits_per_byte": "bits per byte (lower is better)",
}

#: Colour-blind-safe colours (seaborn's "colorblind" palette): discontinuous, smooth, predicted.
COLORS = {"discontinuous": "#D55E00", "smooth": "#0072B2", "predicted": "#009E73", "other": "#555555"}

#: Verdicts in the order tables and figures group them: the answers first, the abstention last (the
#: order of :data:`emergence.stats.decide.VERDICTS` and of :func:`emergence.analysis.task_lines`).
VERDICT_ORDER = ("emergent", "mirage", "no emergence", "inconclusive")


def plain(text) -> str:
    """Text from the data, shown as written: ``$`` escaped so matplotlib does not read it as math.

    A task or model name with one ``$`` would otherwise stop the drawing with a mathtext parse error,
    and one with two would be typeset as a formula.
    """
    return str(text).replace("$", r"\$")


def metric_label(metric: str) -> str:
    """Axis label of a metric (its name when unknown)."""
    return METRIC_LABELS.get(str(metric), plain(metric))


def scale_label(x: str) -> str:
    """Axis label of a scale column."""
    return SCALE_LABELS.get(x, x)


def format_scale_axis(ax, x: str = "params", *, axis: str = "x"):
    """Log scale with human tick labels (70M, 1.4B; FLOPs as powers of ten).

    Parameters
    ----------
    ax : Axes
    x : str
        The scale column drawn on that axis (chooses the label and tick format).
    axis : {"x", "y"}
    """
    from matplotlib.ticker import FuncFormatter, LogFormatterSciNotation, LogLocator, NullFormatter

    target = ax.xaxis if axis == "x" else ax.yaxis
    (ax.set_xscale if axis == "x" else ax.set_yscale)("log")
    (ax.set_xlabel if axis == "x" else ax.set_ylabel)(scale_label(x))
    if x == "compute":
        target.set_major_formatter(LogFormatterSciNotation())
        return ax
    target.set_major_locator(LogLocator(base=10))
    target.set_major_formatter(FuncFormatter(lambda v, _: format_scale(v)))
    low, high = (ax.get_xlim() if axis == "x" else ax.get_ylim())
    if low > 0 and np.log10(high / low) < 2.2:
        # less than ~2 decades: label 2x and 5x too, so the axis has more than one tick label
        target.set_minor_locator(LogLocator(base=10, subs=(2.0, 5.0)))
        target.set_minor_formatter(FuncFormatter(lambda v, _: format_scale(v)))
    else:
        target.set_minor_formatter(NullFormatter())
    return ax


def _curve_points(data: pd.DataFrame, x: str) -> pd.DataFrame:
    """Mean value and interval per distinct scale (checkpoints at the same x are averaged)."""
    cols = [c for c in ("value", "ci_lo", "ci_hi", "chance") if c in data]
    points = data.groupby(x, sort=True)[cols].mean(numeric_only=True).reset_index()
    return points[np.isfinite(points[x].to_numpy(dtype=float)) & (points[x] > 0)]


def _select(data: pd.DataFrame, **where) -> pd.DataFrame:
    mask = np.ones(len(data), dtype=bool)
    for column, value in where.items():
        if value is None:
            continue
        if column not in data:
            raise EmergenceError(f"the data has no '{column}' column; got columns {list(data.columns)}")
        mask &= (data[column] == value).to_numpy()
    return data[mask]


def _choose_x(data: pd.DataFrame, x: str | None) -> str:
    if x is not None:
        if x not in data:
            raise EmergenceError(f"The 'x' parameter must name a column of the data. Got {x!r}; "
                                 f"columns are {list(data.columns)}.")
        return x
    for name in ("params", "compute", "tokens", "step"):
        if name in data and data[name].notna().any():
            return name
    raise EmergenceError("the data has no scale column (params, compute, tokens or step)")


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

    Returns
    -------
    Axes
    """
    part = _select(data, family=family, task=task, metric=metric)
    if part.empty:
        raise EmergenceError(f"no rows for metric={metric!r}, family={family!r}, task={task!r}")
    identity = [c for c in ("family", "task") if c in part]
    if identity and len(part[identity].drop_duplicates()) > 1:
        found = part[identity].drop_duplicates().head(3).to_dict("records")
        raise EmergenceError(
            f"plot_curve draws one curve, but metric={metric!r} has rows of several (family, task) "
            f"pairs, e.g. {found}; pass family= and task= to choose one")
    x = _choose_x(part, x)
    if "model" in part and part["model"].nunique() > 1 and not _several_points_per_model(part, x):
        shared = part.groupby(x)["model"].nunique()
        if (shared > 1).any():
            warnings.warn(
                f"plot_curve: {int((shared > 1).sum())} value(s) of {x} are shared by several models "
                f"(e.g. {x}={shared[shared > 1].index[0]:g}); their points are averaged. Choose a scale "
                "that tells the models apart (params, compute).", stacklevel=2)
    if ax is None:
        from matplotlib.figure import Figure

        ax = Figure(figsize=(4.2, 3.2), layout="constrained").subplots()
    points = _curve_points(part, x)
    kind = part["kind"].iloc[0] if "kind" in part else None
    color = color or COLORS.get(kind if isinstance(kind, str) else "other", COLORS["smooth"])
    xs = points[x].to_numpy(dtype=float)
    if _several_points_per_model(part, x):
        # training checkpoints on a compute or tokens axis: one line per model, lighter = smaller
        _per_model_lines(part, x, ax, color, plain(label or metric))
    else:
        if {"ci_lo", "ci_hi"} <= set(points) and points[["ci_lo", "ci_hi"]].notna().any().all():
            band = f"{band_label} bootstrap interval"
            ax.fill_between(xs, points["ci_lo"], points["ci_hi"], color=color, alpha=0.2, linewidth=0,
                            label=None if band in ax.get_legend_handles_labels()[1] else band)
        ax.plot(xs, points["value"], marker="o", markersize=4, color=color, label=plain(label or metric))
    known = points["chance"].dropna() if "chance" in points else pd.Series(dtype=float)
    level = float(known.mean()) if len(known) else np.nan
    if chance and np.isfinite(level) and level > 0:
        ax.axhline(level, color="#777777", linestyle="--", linewidth=1, label=f"chance ({level:.3g})")
    format_scale_axis(ax, x)
    ax.set_ylabel(metric_label(metric))
    if title is not None:
        ax.set_title(title, fontsize="medium")
    ax.grid(True, which="major", alpha=0.3)
    return ax


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


def jump_text(effect, lo=None, hi=None, state: str | None = None) -> str:
    """``"J = 0.68 [0.61, 0.74]; jump"``: a jump effect with its interval and its state.

    Parameters
    ----------
    effect, lo, hi : float
        The jump effect and the ends of its interval (None or NaN where there is none).
    state : str, optional
        ``jump``, ``smooth``, ``unclear`` or ``untested`` (the ``sharp`` column of ``Analysis.curves``).

    Examples
    --------
    >>> jump_text(0.6812, 0.6101, 0.7433, "jump")
    'J = 0.68 [0.61, 0.74]; jump'
    """
    text = "J = " + ("nan" if _missing(effect) else f"{effect:.2f}")
    if not _missing(lo) and not _missing(hi):
        text += f" [{lo:.2f}, {hi:.2f}]"
    elif not _missing(effect):
        text += " (no interval)"
    return f"{text}; {state}" if isinstance(state, str) and state else text


def _curve_text(row) -> str:
    """A curve's jump effect for a panel title (a row of ``Analysis.curves``), or why it has none."""
    if row is None:
        return ""
    if _missing(row.get("jump")):  # fewer than 3 scales, or no values
        scales = row.get("n_scales")
        return "no jump effect" if _missing(scales) else f"{scales} scale(s): no jump effect"
    return jump_text(row["jump"], row.get("jump_lo"), row.get("jump_hi"), row.get("sharp"))


def _lookup(table: pd.DataFrame | None, **where) -> pd.Series | None:
    if table is None or table.empty:
        return None
    part = _select(table, **{k: v for k, v in where.items() if k in table})
    return None if part.empty else part.iloc[0]


def task_panels(data: pd.DataFrame, *, family: str, task: str, pairs=None) -> list[tuple[str, str | None]]:
    """The panels of :func:`plot_task`: (metric, discontinuous partner or None), in drawing order.

    Each discontinuous metric of ``pairs`` present for the task, then its smooth partners; metrics not
    in any pair are left out (their curves are in the scores table).
    """
    from emergence.analysis import DEFAULT_PAIRS

    pairs = DEFAULT_PAIRS if pairs is None else pairs
    have = set(_select(data, family=family, task=task)["metric"].astype(str))
    panels: list[tuple[str, str | None]] = []
    for d, smooth in pairs.items():
        if d in have and any(s in have for s in smooth):
            panels.append((d, None))
            panels += [(s, d) for s in smooth if s in have]
    return panels


def plot_task(
    data: pd.DataFrame,
    *,
    family: str,
    task: str,
    x: str | None = None,
    curves: pd.DataFrame | None = None,
    verdicts: pd.DataFrame | None = None,
    tasks: pd.DataFrame | None = None,
    pairs: dict[str, Sequence[str]] | None = None,
    mirage_check: bool = True,
    ncols: int = 3,
    level: float = 0.95,
):
    """One (family, task): discontinuous and smooth curves side by side against scale.

    Parameters
    ----------
    data : DataFrame
        A scores table (``Analysis.scores``).
    family, task : str
    x : str, optional
        Scale column (default: the analysis's, or the first present).
    curves, verdicts : DataFrame, optional
        ``Analysis.curves`` and ``Analysis.verdicts``: add each curve's jump effect J with its
        interval and state (jump, smooth, unclear, untested) to its panel title, and each pair's
        verdict and the smooth metric's J where the discontinuous one jumps to the smooth panel's
        title.
    tasks : DataFrame, optional
        ``Analysis.tasks``: the task's verdict in the figure title (else the count of pair verdicts).
    pairs : dict, optional
        Discontinuous metric -> smooth partners (default :data:`emergence.analysis.DEFAULT_PAIRS`).
    mirage_check : bool
        Add the panel of :func:`plot_mirage_check` for exact match when the data has its predictor
        (multiple choice has none: the mean probability on the right choice is not a predicted
        accuracy).
    ncols : int
        Panels per row.
    level : float
        Coverage of the bootstrap bands (``Analysis.settings["level"]``), for the legend.

    Returns
    -------
    Figure
    """
    from matplotlib.figure import Figure

    from emergence.analysis import PREDICTORS

    part = _select(data, family=family, task=task)
    if part.empty:
        raise EmergenceError(f"no rows for family={family!r}, task={task!r}")
    x = _choose_x(part, x)
    panels: list[tuple[str, str | None]] = task_panels(part, family=family, task=task, pairs=pairs)
    if not panels:  # no pair: every metric of the task
        panels = [(m, None) for m in sorted(set(part["metric"].astype(str)))]
    have = set(part["metric"].astype(str))
    checks = [d for d, partner in panels if partner is None and PREDICTORS.get(d) in have] \
        if mirage_check else []
    n = len(panels) + len(checks)
    nrows = -(-n // max(1, ncols))
    ncols = -(-n // nrows)  # balanced rows: 4 panels as 2 x 2, not 3 + 1
    fig = Figure(figsize=(4.3 * ncols, 3.5 * nrows + 0.5), layout="constrained")
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
    # checkpoints of several sizes on a compute/tokens axis: drawn one line per model, while the
    # jump effect is that of all checkpoints pooled into one curve ordered by x
    pooled = _several_points_per_model(part, x)
    for ax, (metric, partner) in zip(axes, panels, strict=False):
        curve = _lookup(curves, family=family, task=task, metric=metric)
        lines = [plain(metric), _curve_text(curve)]
        if curve is not None and pooled:
            lines[1] += " (checkpoints pooled)"
        if partner is not None:
            verdict = _lookup(verdicts, family=family, task=task, discontinuous=partner, smooth=metric)
            if verdict is not None:
                lines.append(f"vs {plain(partner)}: {verdict['verdict'].upper()}")
                if "jump_smooth" in verdict and verdict["jump_smooth"] == verdict["jump_smooth"]:
                    lines.append(f"where {plain(partner)} jumps: " + jump_text(
                        verdict["jump_smooth"], verdict["jump_smooth_lo"], verdict["jump_smooth_hi"]))
        plot_curve(part, metric=metric, x=x, ax=ax, title="\n".join(t for t in lines if t),
                   band_label=f"{level:.0%}")
        ax.legend(fontsize="x-small", loc="best")
    for ax, d in zip(axes[len(panels):], checks, strict=False):
        plot_mirage_check(part, discontinuous=d, x=x, ax=ax, band_label=f"{level:.0%}")
    for ax in axes[n:]:
        ax.set_visible(False)
    verdict_text = ""
    decided = _lookup(tasks, family=family, task=task)
    if decided is not None:
        verdict_text = f": {str(decided['verdict']).upper()}"
    elif verdicts is not None and not verdicts.empty:
        mine = _select(verdicts, family=family, task=task)
        if not mine.empty:
            counts = mine["verdict"].value_counts()
            verdict_text = " — verdicts: " + ", ".join(
                f"{counts[v]} {v}" for v in VERDICT_ORDER if v in counts)
    fig.suptitle(f"{plain(family)} / {plain(task)}{verdict_text}", fontsize="large")
    return fig


def plot_mirage_check(
    data: pd.DataFrame,
    *,
    discontinuous: str = "exact_match",
    x: str | None = None,
    family: str | None = None,
    task: str | None = None,
    ax=None,
    band_label: str = "95%",
):
    """Observed exact match against the exact match its smooth per-example quantity implies.

    The predictor is the mean sequence probability exp(target_logprob): the exact match a model would
    score if it sampled its answer (:data:`emergence.analysis.PREDICTORS`). When the prediction tracks
    the observed curve, the jump is what the smooth quantity implies on a nonlinear scale (the mirage
    argument); when the observed curve jumps and the prediction does not, something else changed.
    Multiple choice has no such predictor: the mean probability on the right choice is not a
    predicted accuracy, so it is not drawn as one.

    Parameters
    ----------
    data : DataFrame
        A scores table holding both the discontinuous metric and its predictor.
    discontinuous : str
        A discontinuous metric with a predictor in :data:`emergence.analysis.PREDICTORS`
        (``"exact_match"``).
    x, family, task, ax, band_label
        As in :func:`plot_curve`.

    Returns
    -------
    Axes
    """
    from emergence.analysis import PREDICTORS

    predictor = PREDICTORS.get(discontinuous)
    if predictor is None:
        raise EmergenceError(f"The 'discontinuous' parameter must be one of {sorted(PREDICTORS)}. "
                             f"Got {discontinuous!r} instead.")
    part = _select(data, family=family, task=task)
    ax = plot_curve(part, metric=discontinuous, x=x, ax=ax, color=COLORS["discontinuous"],
                    label=f"{discontinuous} (observed)", band_label=band_label)
    plot_curve(part, metric=predictor, x=x, ax=ax, color=COLORS["predicted"], chance=False,
               band_label=band_label,
               label=f"mean {predictor} (predicted)")
    ax.set_ylabel(metric_label(discontinuous))
    ax.set_title("mirage check: observed vs\npredicted from the smooth metric", fontsize="medium")
    ax.legend(fontsize="x-small", loc="best")
    return ax


def relative(values, *, higher_is_better: bool = True) -> np.ndarray:
    """Values rescaled to 0 (worst of the curve) .. 1 (best), oriented so that higher is better."""
    y = np.asarray(values, dtype=float)
    y = y if higher_is_better else -y
    low, high = np.nanmin(y), np.nanmax(y)
    if not np.isfinite(high - low) or high == low:
        return np.zeros_like(y)
    return (y - low) / (high - low)


def _first_pairs(verdicts: pd.DataFrame) -> list[tuple[str, str, pd.Series, str]]:
    """(family, task, the row of the pair drawn, verdict text) per task, in the table's order.

    One row per (family, task) (``Analysis.tasks``): that row and its verdict. Several
    (``Analysis.verdicts``): the first pair of the task and the count of each pair verdict.
    """
    out = []
    for (family, task), mine in verdicts.groupby(["family", "task"], sort=False):
        if len(mine) == 1:
            text = str(mine["verdict"].iloc[0])
        else:
            text = ", ".join(f"{(mine['verdict'] == v).sum()} {v}" for v in VERDICT_ORDER
                             if (mine["verdict"] == v).any())
        out.append((family, task, mine.iloc[0], text))
    return out


def overview_data(data: pd.DataFrame, verdicts: pd.DataFrame, *, x: str | None = None) -> pd.DataFrame:
    """The lines of :func:`plot_overview`, tidy: one row per (family, task, role, scale).

    For each (family, task) of ``verdicts``: its discontinuous metric and its smooth partner (the
    primary pair of ``Analysis.tasks``, or the first pair of ``Analysis.verdicts``), each on its
    reported scale, oriented so higher is better and rescaled to 0..1 by :func:`relative` (column
    ``relative``; ``value`` keeps the metric's own value). ``verdict`` is the task's verdict (with a
    pair table: the count of each pair verdict).
    """
    x = _choose_x(data, x)
    rows = []
    for family, task, first, verdict in _first_pairs(verdicts):
        for role, metric in (("discontinuous", first["discontinuous"]), ("smooth", first["smooth"])):
            part = _select(data, family=family, task=task, metric=metric)
            per_model = _several_points_per_model(part, x)
            points = (part.groupby(["model", x], sort=True)["value"].mean().reset_index() if per_model
                      else _curve_points(part, x).assign(model=None))
            points = points[np.isfinite(points[x].to_numpy(dtype=float)) & (points[x] > 0)]
            if points.empty:
                continue
            higher = part["higher_is_better"].iloc[0] if "higher_is_better" in part else True
            higher = True if higher is None or higher != higher else bool(higher)
            y = points["value"].to_numpy(dtype=float)
            rows.append(pd.DataFrame({
                "family": family, "task": task, "verdict": verdict, "role": role, "metric": metric,
                "model": points["model"].to_numpy(dtype=object), x: points[x].to_numpy(dtype=float),
                "value": y, "relative": relative(y, higher_is_better=higher),
            }))
    if not rows:
        return pd.DataFrame(columns=["family", "task", "verdict", "role", "metric", "model", x, "value",
                                     "relative"])
    return pd.concat(rows, ignore_index=True)


def plot_overview(
    data: pd.DataFrame,
    *,
    verdicts: pd.DataFrame,
    x: str | None = None,
    ncols: int = 4,
    max_panels: int = 48,
):
    """A grid of many (family, task) panels, each pair on a common relative scale.

    Each panel shows the task's discontinuous metric and its smooth partner on their reported scales,
    rescaled to 0..1 (see :func:`overview_data`), so sharp and gradual rises can be told apart at a
    glance; the title gives the verdict and the discontinuous metric's jump effect J with its
    interval.

    Parameters
    ----------
    data : DataFrame
        A scores table (``Analysis.scores``).
    verdicts : DataFrame
        ``Analysis.tasks`` (one panel per task, its primary pair and verdict) or
        ``Analysis.verdicts`` (the first pair of each task, and the count of pair verdicts).
    x : str, optional
    ncols : int
    max_panels : int
        At most this many panels (the interesting verdicts first); the figure says how many were left
        out.

    Returns
    -------
    Figure
    """
    from matplotlib.figure import Figure

    x = _choose_x(data, x)
    lines = overview_data(data, verdicts, x=x)
    rank = {v: i for i, v in enumerate(VERDICT_ORDER)}
    best = {(f, t): min(rank.get(v, 9) for v in mine["verdict"])
            for (f, t), mine in verdicts.groupby(["family", "task"], sort=False)} if len(verdicts) else {}
    evidence = {(f, t): row for f, t, row, _ in _first_pairs(verdicts)} if len(verdicts) else {}
    keys = list(dict.fromkeys(zip(lines["family"], lines["task"], strict=True)))
    keys.sort(key=lambda k: best.get(k, 9))
    shown, left_out = keys[:max_panels], max(0, len(keys) - max_panels)
    n = max(1, len(shown))
    ncols = max(1, min(ncols, n))
    nrows = -(-n // ncols)
    fig = Figure(figsize=(max(3.3 * ncols, 6.5), 2.7 * nrows + 0.9), layout="constrained")
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False, sharey=True)).ravel()
    for ax, (family, task) in zip(axes, shown, strict=False):
        mine = lines[(lines["family"] == family) & (lines["task"] == task)]
        for role, line in mine.groupby("role", sort=False):
            # the metric's own range, smallest -> largest scale: a 0..1 panel may span 0 -> 0.003
            ends = line.sort_values(x)["value"].to_numpy()
            label = f"{plain(line['metric'].iloc[0])} ({ends[0]:.3g} \N{RIGHTWARDS ARROW} {ends[-1]:.3g})"
            models = line["model"].dropna().unique() if "model" in line else ()
            if len(models):  # checkpoints: one thin line per model
                for i, model in enumerate(models):
                    own = line[line["model"] == model]
                    ax.plot(own[x], own["relative"], marker=".", markersize=2, linewidth=0.8,
                            color=COLORS[role], alpha=0.7, label=label if i == 0 else None)
            else:
                ax.plot(line[x], line["relative"], marker="o", markersize=3, color=COLORS[role],
                        label=label)
        format_scale_axis(ax, x)
        ax.set_xlabel("")
        verdict = mine["verdict"].iloc[0]
        row = evidence.get((family, task))
        if row is not None and "jump_discontinuous" in row and not _missing(row["jump_discontinuous"]):
            verdict += "; " + jump_text(row["jump_discontinuous"], row.get("jump_discontinuous_lo"),
                                        row.get("jump_discontinuous_hi"))
        ax.set_title(_wrap(f"{plain(family)} / {plain(task)}", 34) + "\n" + verdict, fontsize="small")
        ax.tick_params(labelsize="x-small")
        ax.legend(fontsize="xx-small", loc="upper left")
        ax.grid(True, alpha=0.3)
    for ax in axes[len(shown):]:
        ax.set_visible(False)
    if not shown:
        axes[0].text(0.5, 0.5, "no discontinuous/smooth pair to show", ha="center", va="center")
    fig.supxlabel(scale_label(x))
    fig.supylabel("relative score on the reported scale\n(0 = worst, 1 = best)", fontsize="medium")
    note = f" ({left_out} more not shown)" if left_out else ""
    fig.suptitle(_wrap(f"Overview: discontinuous (orange) vs smooth (blue) metric per task{note}",
                       int(12 * max(3.3 * ncols, 6.5))))
    return fig


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
        Draw this score as a vertical line (default: the median straight-line score of the curves,
        when the table has ``straight_line_es``).
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

        n = max(1, points["metric"].nunique())
        ax = Figure(figsize=(9.5, 1.3 + 0.42 * n), layout="constrained").subplots()
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
    if (~finite["floored"]).any():
        sns.stripplot(data=finite[~finite["floored"]], x="plotted", y="label", order=label_order, ax=ax,
                      color="#333333", size=3, jitter=0.2)
    if len(floored):  # on the row's centre line, ringed
        ys = [label_order.index(v) for v in floored["label"]]
        ax.scatter(floored["plotted"], ys, marker="o", color="#333333", edgecolors=COLORS["discontinuous"],
                   linewidths=1.5, s=30, zorder=4, label="denominator floored at the noise of a step")
    inf = shown[shown["infinite"]]
    if len(inf):
        ys = [label_order.index(v) for v in inf["label"]]
        ax.scatter(inf["plotted"], ys, marker=">", color=COLORS["discontinuous"], s=30, zorder=5,
                   label="infinite (half or more of the steps flat)")
    if reference is None and "straight_line_es" in curves and curves["straight_line_es"].notna().any():
        reference = float(curves["straight_line_es"].median())
    if reference is not None:
        ax.axvline(reference, color="#777777", linestyle="--", linewidth=1,
                   label=f"straight line at these scales ({reference:.1f})")
    ax.set_xlabel("emergence score (log scale; higher = sharper)"
                  + (f"; {hidden} curve(s) with a score <= 0 not shown" if hidden else ""))
    ax.set_ylabel("metric (number of curves)")
    ax.set_title(title or "Emergence scores per metric across curves\n(each metric as reported)",
                 fontsize="medium")
    ax.grid(True, axis="x", alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize="x-small", loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return ax


def save(fig, path, *, dpi: int = 110) -> None:
    """Write a figure (or the figure of an Axes) as PNG."""
    figure = getattr(fig, "figure", fig) if not hasattr(fig, "savefig") else fig
    figure.savefig(path, dpi=dpi)
