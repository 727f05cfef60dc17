"""The overview: a grid of many tasks, each task's primary pair on a common relative scale."""

from __future__ import annotations

import numpy as np
import pandas as pd

from emergence.plots.common import (
    COLORS,
    VERDICT_ORDER,
    _choose_x,
    _scale_means,
    _where,
    format_scale_axis,
    panel_grid,
    plain,
    same_ylim,
    scale_label,
    title_place,
)
from emergence.plots.curve import _missing, _several_points_per_model, _wrap
from emergence.plots.task import jump_text


def relative(values, *, higher_is_better: bool = True) -> np.ndarray:
    """Values rescaled to 0 (worst of the curve) .. 1 (best), oriented so that higher is better."""
    y = np.asarray(values, dtype=float)
    y = y if higher_is_better else -y
    low, high = np.nanmin(y), np.nanmax(y)
    if not np.isfinite(high - low) or high == low:
        return np.zeros_like(y)
    return (y - low) / (high - low)


def _task_rows(table: pd.DataFrame) -> list[tuple[str, str, np.ndarray]]:
    """(family, task, row positions) of each (family, task) of ``table``, in the order of their first
    row: ``groupby(["family", "task"], sort=False)``'s groups and keys, rows with a missing name left
    out.

    Positions, not sub-tables: iterating the groups sliced each of the table's text columns, and the
    rows of an overview page's tasks took a tenth of its time that way (issue 13).
    """
    if not len(table):
        return []
    groups = table.groupby(["family", "task"], sort=False)
    number = groups.ngroup().to_numpy(dtype=float)
    kept = np.flatnonzero(~np.isnan(number))
    order = kept[np.argsort(number[kept], kind="stable")]
    starts = np.flatnonzero(np.diff(number[order], prepend=-1.0))
    keys = groups.size().index  # in the groups' order, as ngroup numbers them
    return [(family, task, rows)
            for (family, task), rows in zip(keys, np.split(order, starts[1:]), strict=True)]


def _first_pairs(verdicts: pd.DataFrame) -> list[tuple[str, str, dict, str]]:
    """(family, task, the row of the pair drawn, verdict text) per task, in the table's order.

    One row per (family, task) (``Analysis.tasks``): that row and its verdict. Several
    (``Analysis.verdicts``): the first pair of the task and the count of each pair verdict. The row
    is a dict of the table's columns.
    """
    groups = _task_rows(verdicts)
    if not groups:
        return []
    columns = {name: verdicts[name].to_numpy() for name in verdicts.columns}  # numpy's scalars, as a row's
    said = columns["verdict"]
    compared = verdicts["verdict"].to_numpy(dtype=object)
    out = []
    for family, task, rows in groups:
        if len(rows) == 1:
            text = str(said[rows[0]])
        else:
            mine = compared[rows]
            text = ", ".join(f"{(mine == v).sum()} {v}" for v in VERDICT_ORDER if (mine == v).any())
        out.append((family, task, {name: values[rows[0]] for name, values in columns.items()}, text))
    return out


def overview_data(data: pd.DataFrame, verdicts: pd.DataFrame, *, x: str | None = None) -> pd.DataFrame:
    """The lines of :func:`plot_overview`, tidy: one row per (family, task, role, scale).

    For each (family, task) of ``verdicts``: its discontinuous metric and its smooth partner (the
    primary pair of ``Analysis.tasks``, or the first pair of ``Analysis.verdicts``), each on its
    reported scale, oriented so higher is better and rescaled to 0..1 by :func:`relative` (column
    ``relative``; ``value`` keeps the metric's own value). ``verdict`` is the task's verdict (with a
    pair table: the count of each pair verdict).
    """
    return _lines(data, _first_pairs(verdicts), x=_choose_x(data, x))


def _lines(data: pd.DataFrame, firsts: list, *, x: str) -> pd.DataFrame:
    """:func:`overview_data` from the pairs :func:`_first_pairs` found."""
    names = ["family", "task", "verdict", "role", "metric"]
    columns: dict[str, list] = {name: [] for name in [*names, "model", x, "value", "relative"]}
    # each curve's rows found once (a mask over the whole table per curve took most of a page's time),
    # and its points averaged on arrays (sub-tables per curve took a tenth of a page; issue 13)
    at = data.groupby(["family", "task", "metric"], sort=False).indices if len(firsts) else {}
    # each curve's rows made floats, as a table of its own rows was (another task's rows are not read)
    scale_of = data[x].to_numpy()
    value_of = data["value"].to_numpy() if "value" in data and pd.api.types.is_numeric_dtype(data["value"]) \
        else None  # a value column that is not numeric gives no means, as mean(numeric_only=True)
    higher_of = data["higher_is_better"].to_numpy(dtype=object) if "higher_is_better" in data else None
    checkpoints = x not in ("params", "step") and "model" in data  # where a model can have several points
    for family, task, first, verdict in firsts:
        for role, metric in (("discontinuous", first["discontinuous"]), ("smooth", first["smooth"])):
            rows = (np.flatnonzero(_where(data, family=family, task=task, metric=metric)) if metric is None
                    else at.get((family, task, metric), np.arange(0)))
            part = data.iloc[rows] if checkpoints else None  # the rows' table, only where it is needed
            per_model = checkpoints and _several_points_per_model(part, x)
            if per_model:
                points = part.groupby(["model", x], sort=True)["value"].mean().reset_index()
                scales, y = points[x].to_numpy(dtype=float), points["value"].to_numpy(dtype=float)
            else:
                values = {} if value_of is None else {"value": np.asarray(value_of[rows], dtype=float)}
                scales, means = _scale_means(np.asarray(scale_of[rows], dtype=float), values)
            keep = np.isfinite(scales) & (scales > 0)
            if not keep.any():
                continue
            higher = higher_of[rows[0]] if higher_of is not None else True
            higher = True if higher is None or higher != higher else bool(higher)
            y = (y if per_model else means["value"])[keep]
            # the columns of every curve, made into one table at the end (a table per curve, then a
            # concat, took a third of an overview page's build; issue 13)
            for name, value in zip(names, (family, task, verdict, role, metric), strict=True):
                columns[name] += [value] * len(y)
            columns["model"].append(points["model"].to_numpy(dtype=object)[keep] if per_model
                                    else np.full(len(y), None, dtype=object))
            columns[x].append(scales[keep])
            columns["value"].append(y)
            columns["relative"].append(relative(y, higher_is_better=higher))
    if not columns["value"]:
        return pd.DataFrame(columns=list(columns))
    return pd.DataFrame({name: (np.concatenate(value) if name in ("model", x, "value", "relative")
                                else value) for name, value in columns.items()})


def overview_pages(verdicts: pd.DataFrame, *, per_page: int = 12) -> list[tuple[str, int, list]]:
    """The overview split by verdict and into pages: ``[(verdict, page, [(family, task), ...]), ...]``.

    Tasks are grouped by their verdict (the order of :data:`VERDICT_ORDER`; with a pair table, the
    best of the task's pair verdicts), in the table's order within a group, and each group is cut
    into pages of at most ``per_page`` panels, numbered from 1. One figure of 45 panels was a
    3,500-pixel scroll (issue 15). A page of 12 (three rows of four, 1,056 x 792 pixels at the
    report's 80 dpi) is seen whole on a laptop's screen; a page of 16 was 1,032 pixels tall, and
    at 0.33 s the one figure of the report over ~0.3 s to draw on a 2-core machine (issue 13).
    """
    if per_page < 1:
        raise ValueError(f"per_page must be at least 1, got {per_page}")
    rank = {v: i for i, v in enumerate(VERDICT_ORDER)}
    groups: dict[str, list] = {}
    for (family, task), mine in verdicts.groupby(["family", "task"], sort=False):
        best = min(mine["verdict"].astype(str), key=lambda v: rank.get(v, len(rank)))
        groups.setdefault(best, []).append((family, task))
    out = []
    for verdict in sorted(groups, key=lambda v: rank.get(v, len(rank))):
        keys = groups[verdict]
        out += [(verdict, i // per_page + 1, keys[i:i + per_page]) for i in range(0, len(keys), per_page)]
    return out


def plot_overview(
    data: pd.DataFrame,
    *,
    verdicts: pd.DataFrame,
    x: str | None = None,
    ncols: int = 4,
    max_panels: int = 48,
    panels: list[tuple[str, str]] | None = None,
    title: str | None = None,
):
    """A grid of many (family, task) panels, each pair on a common relative scale.

    Each panel shows the task's discontinuous metric and its smooth partner on their reported scales,
    rescaled to 0..1 (see :func:`overview_data`), so sharp and gradual rises can be told apart at a
    glance. The panels have one y range, labelled on the first column (the Axes are not linked:
    :func:`~emergence.plots.common.same_ylim`); the title gives the verdict and the discontinuous
    metric's jump effect J with its interval.

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
    panels : list of (family, task), optional
        Exactly these panels, in this order (a page of :func:`overview_pages`).
    title : str, optional
        The figure's title (default: what the colours mean).

    Returns
    -------
    Figure
    """
    from matplotlib.figure import Figure

    from emergence.plots.layout import PanelLayout

    x = _choose_x(data, x)
    if panels is not None:  # a page: only its tasks' lines
        asked = pd.MultiIndex.from_tuples([tuple(k) for k in panels]) if len(panels) else []
        verdicts = verdicts[pd.MultiIndex.from_frame(verdicts[["family", "task"]]).isin(asked)]
    firsts = _first_pairs(verdicts)
    lines = _lines(data, firsts, x=x)
    rank = {v: i for i, v in enumerate(VERDICT_ORDER)}
    said = verdicts["verdict"].to_numpy(dtype=object) if len(verdicts) else None
    best = {(f, t): min(rank.get(v, 9) for v in said[rows]) for f, t, rows in _task_rows(verdicts)}
    evidence = {(f, t): row for f, t, row, _ in firsts}
    keys = list(dict.fromkeys(zip(lines["family"], lines["task"], strict=True)))
    keys.sort(key=lambda k: best.get(k, 9))
    if panels is not None:
        present = set(keys)
        keys = [tuple(k) for k in panels if tuple(k) in present]
    shown, left_out = keys[:max_panels], max(0, len(keys) - max_panels)
    n = max(1, len(shown))
    ncols = max(1, min(ncols, n))
    nrows = -(-n // ncols)
    fig = Figure(figsize=(max(3.3 * ncols, 6.5), 3.0 * nrows + 0.9), layout=PanelLayout())
    axes = panel_grid(fig, n, nrows, ncols, outer_y_labels=True)
    # each panel's rows as arrays, found once: selecting and grouping them in pandas per panel took a
    # fifth of an overview page's time (issue 13)
    at = lines.groupby(["family", "task"], sort=False).indices if len(lines) else {}
    columns = {name: lines[name].to_numpy(dtype=object) for name in ("role", "metric", "model", "verdict")}
    scale, value, rel = (lines[name].to_numpy(dtype=float) for name in (x, "value", "relative"))
    for ax, (family, task) in zip(axes, shown, strict=False):
        mine = at[(family, task)]
        roles = columns["role"][mine]
        names = []  # "D: metric (from -> to)" per role, under the panel: a legend inside covered curves
        for role in dict.fromkeys(roles):
            rows = mine[roles == role]
            # the metric's own range, smallest -> largest scale: a 0..1 panel may span 0 -> 0.003
            ends = value[rows][np.argsort(scale[rows])]
            label = f"{plain(columns['metric'][rows[0]])} ({ends[0]:.3g} \N{RIGHTWARDS ARROW} {ends[-1]:.3g})"
            names.append(f"{'D' if role == 'discontinuous' else 'S'}: {label}")
            owners = columns["model"][rows]
            models = [m for m in dict.fromkeys(owners) if m is not None and m == m]
            if models:  # checkpoints: one thin line per model
                for i, model in enumerate(models):
                    own = rows[owners == model]
                    ax.plot(scale[own], rel[own], marker=".", markersize=2, linewidth=0.8,
                            color=COLORS[role], alpha=0.7, label=label if i == 0 else None)
            else:
                ax.plot(scale[rows], rel[rows], marker="o", markersize=3, color=COLORS[role], label=label)
        format_scale_axis(ax, x)
        ax.set_xlabel("\n".join(names), fontsize="x-small", loc="left")
        verdict = columns["verdict"][mine[0]]
        row = evidence.get((family, task))
        if row is not None and "jump_discontinuous" in row and not _missing(row["jump_discontinuous"]):
            verdict += "; " + jump_text(row["jump_discontinuous"], row.get("jump_discontinuous_lo"),
                                        row.get("jump_discontinuous_hi"))
        ax.set_title(_wrap(f"{plain(family)} / {plain(task)}", 34) + "\n" + verdict, fontsize="small",
                     **title_place(ax))
        ax.tick_params(labelsize="x-small")
        ax.grid(True, alpha=0.3)
    same_ylim(axes)
    if not shown:
        axes[0].text(0.5, 0.5, "no discontinuous/smooth pair to show", ha="center", va="center")
    fig.supxlabel(scale_label(x))
    fig.supylabel("relative score on the reported scale\n(0 = worst, 1 = best)", fontsize="medium")
    note = f" ({left_out} more not shown)" if left_out else ""
    heading = title or "Overview: discontinuous D (orange) vs smooth S (blue) metric per task"
    fig.suptitle(_wrap(heading + note, int(12 * max(3.3 * ncols, 6.5))))
    return fig
