"""One (family, task): each discontinuous metric and its smooth partners side by side, exact match
with the exact match its sequence probability predicts (the mirage check)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from emergence.errors import EmergenceError
from emergence.plots.common import (
    COLORS,
    VERDICT_ORDER,
    _choose_x,
    _select,
    _where,
    metric_label,
    panel_grid,
    plain,
    title_place,
)
from emergence.plots.curve import _bands, _missing, _several_points_per_model, _wrap, plot_curve


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
    from emergence.stats.decide import _f

    text = "J = " + ("nan" if _missing(effect) else _f(effect))
    if not _missing(lo) and not _missing(hi):
        text += f" [{_f(lo)}, {_f(hi)}]"
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
    """The first row of ``table`` with the values given (columns it lacks are not asked), or None."""
    if table is None or table.empty:
        return None
    found = np.flatnonzero(_where(table, **{k: v for k, v in where.items() if k in table}))
    return table.iloc[found[0]] if len(found) else None


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
        Draw, on exact match's panel, the exact match its predictor implies (the prediction of
        :func:`plot_mirage_check`) when the data has the predictor (multiple choice has none: the
        mean probability on the right choice is not a predicted accuracy).
    ncols : int
        Panels per row.
    level : float
        Coverage of the bootstrap bands (``Analysis.settings["level"]``), for the note under the figure.

    Returns
    -------
    Figure
    """
    from matplotlib.figure import Figure

    from emergence.analysis import PREDICTORS
    from emergence.plots.layout import PanelLayout

    part = _select(data, family=family, task=task)
    if part.empty:
        raise EmergenceError(f"no rows for family={family!r}, task={task!r}")
    x = _choose_x(part, x)
    panels: list[tuple[str, str | None]] = task_panels(part, family=family, task=task, pairs=pairs)
    if not panels:  # no pair: every metric of the task
        panels = [(m, None) for m in sorted(set(part["metric"].astype(str)))]
    have = set(part["metric"].astype(str))
    # the mirage check shares exact match's panel: a panel of its own repeated the observed curve,
    # and took a fifth of a task figure's time (issue 13)
    checks = {d for d, partner in panels if partner is None and PREDICTORS.get(d) in have} \
        if mirage_check else set()
    n = len(panels)
    nrows = -(-n // max(1, ncols))
    ncols = -(-n // nrows)  # balanced rows: 4 panels as 2 x 2, not 3 + 1
    fig = Figure(figsize=(4.3 * ncols, 3.5 * nrows + 0.5), layout=PanelLayout())
    axes = panel_grid(fig, n, nrows, ncols)
    # checkpoints of several sizes on a compute/tokens axis: drawn one line per model, while the
    # jump effect is that of all checkpoints pooled into one curve ordered by x
    pooled = _several_points_per_model(part, x)
    band, banded = f"{level:.0%}", False
    rows = part.groupby(part["metric"].astype(str), sort=False).indices  # each metric's, found once
    for ax, (metric, partner) in zip(axes, panels, strict=False):
        curve = _lookup(curves, family=family, task=task, metric=metric)
        lines = [plain(metric), _curve_text(curve)]
        if curve is not None and pooled:
            lines.append("(J of the checkpoints pooled)")
        if partner is not None:
            verdict = _lookup(verdicts, family=family, task=task, discontinuous=partner, smooth=metric)
            if verdict is not None:
                lines.append(f"vs {plain(partner)}: {verdict['verdict'].upper()}")
                if "jump_smooth" in verdict and verdict["jump_smooth"] == verdict["jump_smooth"]:
                    where = jump_text(verdict["jump_smooth"], verdict["jump_smooth_lo"],
                                      verdict["jump_smooth_hi"])
                    # S is measured at D's largest jump, which is a jump only when D's state says so
                    at = (f"where {plain(partner)} jumps:" if verdict.get("state_discontinuous") == "jump"
                          else f"at {plain(partner)}'s largest jump:")
                    # "where multiple_choice_grade jumps: J = 0.30 [0.04, 0.58]" ran off the figure
                    lines.append(f"{at} {where}" if len(at) + len(where) + 1 <= TITLE_CHARS
                                 else f"{at}\n{where}")
        # each line wrapped to the panel's width: a long metric name or interval was clipped
        title = "\n".join(_wrap(part, TITLE_CHARS) for t in lines if t for part in t.split("\n"))
        plot_curve(part.iloc[rows[metric]], metric=metric, x=x, ax=ax, title=title, band_label=band,
                   chance_text=not pooled, label=f"{metric} (observed)" if metric in checks else None)
        if metric in checks:
            _draw_prediction(part.iloc[rows[PREDICTORS[metric]]], discontinuous=metric, x=x, ax=ax,
                             band_label=band)
        banded = banded or bool(_bands(ax, band))
        if pooled or metric in checks:  # several lines: the legend tells them apart; a one-curve
            # panel is named by its title; bands are told once, under the figure
            _legend(ax, band, chance=pooled)
    for ax, below in zip(axes, axes[ncols:], strict=False):
        # the panel below shows the same scale axis: its labels serve both (the metrics of a task can
        # span other sizes, e.g. checkpoints pooled beside one point per model: those keep theirs)
        if np.allclose(ax.get_xlim(), below.get_xlim(), rtol=1e-9, atol=0):
            ax.xaxis.set_tick_params(which="both", labelbottom=False)
            ax.set_xlabel("")
    notes = [f"Shaded: a curve's {band} bootstrap interval."] if banded else []
    if checks:
        notes.append("Predicted: the exact match a model would score by sampling its answer (the "
                     "mirage check).")
    if notes:  # wrapped to the figure's width (small font: about 1.1 panel titles' characters)
        fig.supxlabel(_wrap(" ".join(notes), int(TITLE_CHARS * 1.1 * ncols)), fontsize="small")
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
    fig.suptitle(_wrap(f"{plain(family)} / {plain(task)}{verdict_text}", int(TITLE_CHARS * 0.8 * ncols)),
                 fontsize="large")
    return fig


#: Characters of a panel title's line (4.3-inch panels, medium font; 55 ran off a right-hand
#: panel): longer lines are wrapped.
TITLE_CHARS = 46


def plot_mirage_check(
    data: pd.DataFrame,
    *,
    discontinuous: str = "exact_match",
    x: str | None = None,
    family: str | None = None,
    task: str | None = None,
    ax=None,
    band_label: str = "95%",
    band_legend: bool = True,
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
    band_legend : bool
        List the bands in the legend (:func:`plot_task` tells them once, under the figure).

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
    _draw_prediction(part, discontinuous=discontinuous, x=x, ax=ax, band_label=band_label)
    ax.set_title("mirage check: observed vs\npredicted from the smooth metric", fontsize="medium",
                 **title_place(ax))
    if band_legend:
        ax.legend(fontsize="x-small", loc="best")
    else:
        _legend(ax, band_label)
    return ax


def _draw_prediction(part: pd.DataFrame, *, discontinuous: str, x: str | None, ax, band_label: str) -> None:
    """The exact match that ``discontinuous``'s predictor implies, on ``ax`` beside the observed curve
    (its axis label kept: the prediction is on the same scale)."""
    from emergence.analysis import PREDICTORS

    predictor = PREDICTORS[discontinuous]
    plot_curve(part, metric=predictor, x=x, ax=ax, color=COLORS["predicted"], chance=False,
               band_label=band_label, label=f"mean {predictor} (predicted)")
    ax.set_ylabel(metric_label(discontinuous))


def _legend(ax, band_label: str, *, chance: bool = True) -> None:
    """A legend of the curves on ``ax`` without their bootstrap bands (told under the figure), and
    without the chance level when ``chance`` is False (written on its line)."""
    handles, names = ax.get_legend_handles_labels()
    hidden = set(_bands(ax, band_label))
    keep = [i for i, name in enumerate(names)
            if name not in hidden and (chance or not name.startswith("chance ("))]
    ax.legend([handles[i] for i in keep], [names[i] for i in keep], fontsize="x-small", loc="best")
