"""What every figure shares: axis labels with units, colours, the verdict order, the scale axis,
and picking a curve's rows."""

from __future__ import annotations

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
    "loss": "loss, nats per token (lower is better; axis reversed)",
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
    # on two lines: on one it was longer than a panel of a 2 x 2 task figure is high
    "token_edit_distance": "edit distance, characters or words\n(lower is better)",
    # per what the source averaged over: a target word for LAMBADA, a token or byte elsewhere
    "log_ppl": "log perplexity, nats (lower is better)",
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
    """Log scale with human tick labels (70M, 1.4B; FLOPs as powers of ten); a loss on a linear
    axis, reversed (lower loss to the right, where the larger models are on the other scales).

    Parameters
    ----------
    ax : Axes
    x : str
        The scale column drawn on that axis (chooses the label and tick format).
    axis : {"x", "y"}
    """
    from matplotlib.ticker import FuncFormatter, LogFormatterSciNotation, LogLocator, NullFormatter

    from emergence.plots.minor_ticks import light_minor_ticks

    target = ax.xaxis if axis == "x" else ax.yaxis
    if x == "loss":  # a linear axis, reversed: the models improve from left to right
        (ax.set_xlabel if axis == "x" else ax.set_ylabel)(scale_label(x))
        low, high = (ax.get_xlim() if axis == "x" else ax.get_ylim())
        if low < high:
            (ax.invert_xaxis if axis == "x" else ax.invert_yaxis)()
        return ax
    (ax.set_xscale if axis == "x" else ax.set_yscale)("log")
    (ax.set_xlabel if axis == "x" else ax.set_ylabel)(scale_label(x))
    if x == "compute":
        target.set_minor_formatter(NullFormatter())
        low, high = (ax.get_xlim() if axis == "x" else ax.get_ylim())
        if low > 0 and np.log10(high / low) < 1.5:
            # within a decade or so the powers-of-ten formatter labels every minor tick in long
            # "2.1 x 10^21" form, and they ran into each other (issue 15): a few short labels instead
            from matplotlib.ticker import MaxNLocator

            # under half a decade 1-2-5 ticks would leave one or none in view: evenly spaced ones
            target.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)) if np.log10(high / low) >= 0.5
                                     else MaxNLocator(nbins=3))
            target.set_major_formatter(FuncFormatter(lambda v, _: _short_power(v)))
        else:
            target.set_major_formatter(LogFormatterSciNotation())
        light_minor_ticks(target)
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
        light_minor_ticks(target)
    return ax


def title_place(ax) -> dict:
    """``{"y": 1.0}`` for ``ax.set_title`` when the y axis shows no offset or power-of-ten text at its
    top (nothing the title must clear), else ``{}``: the title then finds its place at each draw.

    Finding it measured the y axis again at every layout pass and draw: a tenth of a figure's time
    (issue 13). Call it once the Axes has all its data; the ticks are those at its present size.
    """
    formatter = ax.yaxis.get_major_formatter()
    formatter.set_locs(ax.yaxis.get_majorticklocs())
    return {} if formatter.get_offset() else {"y": 1.0}


def panel_grid(fig, n: int, nrows: int, ncols: int, *, outer_y_labels: bool = False) -> list:
    """``n`` Axes on a ``nrows`` x ``ncols`` grid of ``fig``, row by row, as ``fig.subplots`` would
    make them; the cells left over get none (a hidden Axes still had its ticks made and measured at
    every layout pass). ``outer_y_labels``: y tick labels on the first column only (for panels given
    one y range, :func:`same_ylim`)."""
    grid = fig.add_gridspec(nrows, ncols)
    axes: list = []
    for i in range(n):
        ax = fig.add_subplot(grid[i // ncols, i % ncols])
        if outer_y_labels and i % ncols:
            ax.yaxis.set_tick_params(which="both", labelleft=False)
        axes.append(ax)
    return axes


def same_ylim(axes: list) -> None:
    """Give every Axes of ``axes`` the y range one shared y axis would give them: the range of all
    their data, each with its margins, autoscaled at the next draw. Call it once they hold their data.

    The axes stay unlinked (``set_ylim`` on one moves only that one). Linked by ``sharey``, each look-up
    of an Axes' limits asked every other panel whether its limits were stale: a tenth of a 16-panel
    overview page's time (issue 13).

    For panels of lines and markers, as an overview page's. Sticky edges (those of bars and images,
    where the margin stops) stay each panel's own, where ``sharey`` applies every panel's to all: a
    panel without bars beside one with them keeps its margin below zero.
    """
    limits = [value for ax in axes for value in ax.dataLim.intervaly if np.isfinite(value)]
    if not limits:
        return
    for ax in axes:
        ax.dataLim.update_from_data_y([min(limits), max(limits)], ignore=False)
        ax.autoscale_view(scalex=False)


def _short_power(value: float) -> str:
    """A short tick label: ``2.2e21``, ``1e20``."""
    if not value > 0:
        return ""
    exponent = int(np.floor(np.log10(value)))
    mantissa = round(value / 10.0**exponent, 2)
    return f"{mantissa:g}e{exponent}"


def _curve_points(data: pd.DataFrame, x: str) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The distinct scales of a curve's rows and the mean value and interval at each (checkpoints at
    the same x are averaged), as arrays: ``(scales, {"value": ..., "ci_lo": ..., ...})``."""
    # numpy, not a pandas groupby (~3 ms a curve) nor a table of points (0.6 ms): a figure draws many
    # curves (issue 13)
    columns = {column: data[column].to_numpy(dtype=float) for column in ("value", "ci_lo", "ci_hi", "chance")
               if column in data and pd.api.types.is_numeric_dtype(data[column])}  # mean(numeric_only=True)
    return _scale_means(data[x].to_numpy(dtype=float), columns)


def _scale_means(xs: np.ndarray, columns: dict[str, np.ndarray]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The distinct finite positive scales of ``xs``, sorted, and the mean of each column's known
    values at each (NaN where it has none)."""
    kept = np.isfinite(xs) & (xs > 0)
    scales, group = np.unique(xs[kept], return_inverse=True)
    means = {}
    for column, values in columns.items():
        values = values[kept]
        known = ~np.isnan(values)
        counts = np.bincount(group[known], minlength=len(scales))
        sums = np.bincount(group[known], weights=values[known], minlength=len(scales))
        means[column] = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
    return scales, means


def _select(data: pd.DataFrame, **where) -> pd.DataFrame:
    mask = _where(data, **where)
    return data if mask.all() else data[mask]  # a figure's own rows are often all of them: no copy


def _where(data: pd.DataFrame, **where) -> np.ndarray:
    """The rows of ``data`` whose columns hold the values given (a None value: any), as a mask."""
    mask = np.ones(len(data), dtype=bool)
    for column, value in where.items():
        if value is None:
            continue
        if column not in data:
            raise EmergenceError(f"the data has no '{column}' column; got columns {list(data.columns)}")
        mask &= _equals(data[column], value)
    return mask


def _equals(column: pd.Series, value) -> np.ndarray:
    """``(column == value).to_numpy()``, compared on the column's values as objects: pandas' own
    comparison took 80 us on a text column of a few rows, and figures make hundreds (issue 13)."""
    if isinstance(value, (str, int, float, np.number, np.bool_)):  # numpy would broadcast a list
        try:
            return np.asarray(column.to_numpy(dtype=object) == value, dtype=bool)
        except (TypeError, ValueError):  # a missing value pandas compares and numpy will not (pd.NA)
            pass
    return (column == value).to_numpy()


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




def save(fig, path, *, dpi: int = 110) -> None:
    """Write a figure (or the figure of an Axes) as PNG."""
    figure = getattr(fig, "figure", fig) if not hasattr(fig, "savefig") else fig
    figure.savefig(path, dpi=dpi)
