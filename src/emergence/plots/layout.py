"""A one-pass layout for figures that are a grid of panels (issue 13).

Matplotlib's constrained layout measures every Axes twice (it repeats its pass in case the tick
labels change when the Axes move), and measuring makes and places every tick and text: a third of a
task figure's rendering. A grid of equal panels needs one measure: :class:`PanelLayout` takes each
panel's tight box once, sets the grid's margins and gaps so that every box fits, and measures again
only when the new size moved a panel's ticks (their labels, and so their widths, can then differ).

The result is what a constrained layout of the same figure gives: panels of equal size, each gap as
wide as the boxes on either side of it need, the figure's title and labels at its edges. The
constrained layout's ``wspace``/``hspace`` (a share of the figure kept between panels) is not
applied; the pads are. Figures it does not know (several grids, sub-figures, figure legends,
colorbars, Axes placed by hand) are left to the constrained layout itself.
"""

from __future__ import annotations

import numpy as np
from matplotlib.layout_engine import ConstrainedLayoutEngine


class PanelLayout(ConstrainedLayoutEngine):
    """Constrained layout in one measuring pass, for a figure whose Axes fill cells of one grid.

    Takes the same parameters as :class:`~matplotlib.layout_engine.ConstrainedLayoutEngine`
    (``w_pad``, ``h_pad``: inches around each panel's tight box and the figure's edge; ``wspace``,
    ``hspace`` are not used) and is one: matplotlib treats the figure as constrained (colorbars,
    ``get_constrained_layout``).

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> fig = Figure(figsize=(8, 3), layout=PanelLayout())
    >>> axes = fig.subplots(1, 2)
    >>> fig.draw_without_rendering()
    """

    def execute(self, fig) -> None:
        grid = _single_grid(fig)
        if grid is None:
            super().execute(fig)
            return
        renderer = fig._get_renderer()
        for _ in range(3):  # a third pass was never needed in the report's figures; a bound all the same
            before = _tick_locations(fig.axes)
            _fit(fig, grid, renderer, self._params)
            if _tick_locations(fig.axes) == before:
                return


def _single_grid(fig):
    """The one GridSpec whose cells hold all the figure's visible Axes, or None when the figure is
    more than that."""
    if fig.subfigs or fig.legends or any(not a.get_in_layout() for a in fig.axes):
        return None
    grids = set()
    for ax in fig.axes:
        spec = ax.get_subplotspec()
        if spec is None or getattr(ax, "_colorbar", None) is not None:
            return None
        grids.add(spec.get_gridspec())
    if len(grids) != 1:
        return None
    grid = grids.pop()
    if grid.get_subplot_params is None or getattr(grid, "_subplot_spec", None) is not None:
        return None  # a nested grid
    return grid


def _tick_locations(axes) -> list:
    return [tuple(np.round(axis.get_majorticklocs(), 12)) for ax in axes for axis in (ax.xaxis, ax.yaxis)]


def _fit(fig, grid, renderer, params: dict) -> None:
    """Set ``grid``'s margins and gaps from the tight boxes of its panels, measured once."""
    nrows, ncols = grid.get_geometry()
    width, height = fig.bbox.width, fig.bbox.height
    w_pad = params["w_pad"] * fig.dpi
    h_pad = params["h_pad"] * fig.dpi
    left, right = np.zeros(ncols), np.zeros(ncols)  # room outside the panels, per column or row
    top, bottom = np.zeros(nrows), np.zeros(nrows)
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        spec = ax.get_subplotspec()
        box = ax.get_tightbbox(renderer, for_layout_only=True)
        place = ax.get_window_extent(renderer)
        if box is None:
            continue
        first_col, last_col = spec.colspan.start, spec.colspan.stop - 1
        first_row, last_row = spec.rowspan.start, spec.rowspan.stop - 1
        left[first_col] = max(left[first_col], place.x0 - box.x0)
        right[last_col] = max(right[last_col], box.x1 - place.x1)
        top[first_row] = max(top[first_row], box.y1 - place.y1)
        bottom[last_row] = max(bottom[last_row], place.y0 - box.y0)
    edges = {"top": 0.0, "bottom": 0.0, "left": 0.0}
    for name, side in (("_suptitle", "top"), ("_supxlabel", "bottom"), ("_supylabel", "left")):
        text = getattr(fig, name, None)
        if text is not None and text.get_visible() and text.get_text():
            extent = text.get_window_extent(renderer)
            edges[side] = (extent.width if side == "left" else extent.height) + h_pad
    # the outer margins, then each gap as wide as the two boxes beside it need; equal cells
    x0 = edges["left"] + left[0] + w_pad
    y1 = height - edges["top"] - top[0] - h_pad
    wgaps = [right[c] + left[c + 1] + 2 * w_pad for c in range(ncols - 1)]
    hgaps = [bottom[r] + top[r + 1] + 2 * h_pad for r in range(nrows - 1)]
    cell_w = max((width - right[-1] - w_pad - x0 - sum(wgaps)) / ncols, 1.0)
    cell_h = max((y1 - edges["bottom"] - bottom[-1] - h_pad - sum(hgaps)) / nrows, 1.0)
    starts = x0 + np.arange(ncols) * cell_w + np.concatenate([[0.0], np.cumsum(wgaps)])
    tops = y1 - np.arange(nrows) * cell_h - np.concatenate([[0.0], np.cumsum(hgaps)])
    for ax in fig.axes:
        spec = ax.get_subplotspec()
        c0, c1 = spec.colspan.start, spec.colspan.stop - 1
        r0, r1 = spec.rowspan.start, spec.rowspan.stop - 1
        ax.set_position([starts[c0] / width, (tops[r1] - cell_h) / height,
                         (starts[c1] + cell_w - starts[c0]) / width, (tops[r0] - tops[r1] + cell_h) / height])
        ax.set_in_layout(True)  # set_position takes an Axes out of the layout
    _place_figure_labels(fig, renderer, h_pad, w_pad)


def _place_figure_labels(fig, renderer, h_pad: float, w_pad: float) -> None:
    """The figure's title at the top, its x label at the bottom, its y label at the left, each a pad
    from the edge (as the constrained layout places them)."""
    width, height = fig.bbox.width, fig.bbox.height
    title = getattr(fig, "_suptitle", None)
    if title is not None and getattr(title, "_autopos", True):
        title.set_y(1 - h_pad / height)
        title.set_verticalalignment("top")
    xlabel = getattr(fig, "_supxlabel", None)
    if xlabel is not None and getattr(xlabel, "_autopos", True):
        xlabel.set_y(h_pad / height)
        xlabel.set_verticalalignment("bottom")
    ylabel = getattr(fig, "_supylabel", None)
    if ylabel is not None and getattr(ylabel, "_autopos", True):
        ylabel.set_x(w_pad / width)
        ylabel.set_horizontalalignment("left")
