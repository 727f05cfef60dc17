"""A one-pass layout for figures that are a grid of panels (issue 13).

Matplotlib's constrained layout measures every Axes twice (it repeats its pass in case the tick
labels change when the Axes move), and measuring makes and places every tick and text: a third of a
task figure's rendering. A grid of equal panels needs one measure: :class:`PanelLayout` takes each
panel's tight box once, sets the grid's margins and gaps so that every box fits, and measures again
only the panels whose ticks the new size moved (their labels, and so their widths, can then differ)
and those holding texts or artists not clipped to them (placed in the panel's coordinates, how far
they reach out of it changes with its size).

The result is what a constrained layout of the same figure gives: panels of equal size, each gap as
wide as the boxes on either side of it need, the figure's title and labels at its edges. The
constrained layout's ``wspace``/``hspace`` (a share of the figure kept between panels) is not
applied; the pads are. A legend out of its panel, anchored elsewhere or larger than it, lands where
the panel's size puts it, so such a figure is measured until its room stops changing. Figures it
does not know (several grids, cells of other sizes, sub-figures, figure legends, colorbars, Axes
placed by hand), panels that do not fit, and boxes that keep changing are left to the constrained
layout itself.
"""

from __future__ import annotations

import matplotlib as mpl
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
        # first the room the texts' sizes and lines suggest, so that the one measure is taken at about
        # the final size: ticks chosen for the default place (taller panels) were others in 43 of a
        # 100-task report's 70 figures, and each took a second measure
        if not _place(fig, grid, _guessed_room(fig), self._params):
            self._give_up(fig)
            return
        boxes = {ax: _panel_box(ax, renderer) for ax in fig.axes if ax.get_visible()}
        edges = _edges(fig, renderer, self._params)
        room = _room_of(grid, boxes.values(), edges)
        measured = {ax: _tick_locations([ax]) for ax in boxes}  # after measuring: limits up to date
        for _ in range(3):  # at most three rounds; boxes still moving then go to the constrained layout
            if not _place(fig, grid, room, self._params):
                self._give_up(fig)
                return
            # measured again only where the new size may have changed a box: a panel whose ticks
            # moved or that holds texts or artists not clipped to it (placed in its data or axes
            # coordinates, they move with its size), or every panel when a legend is out of its panel
            # or larger than it (where it lands depends on the panel's size); the others keep their
            # boxes (a second measure of every panel took a sixth of a 7-panel figure; issue 13)
            loose = room.loose_legends or any(width > ax.bbox.width or height > ax.bbox.height
                                              for ax, width, height in room.legends)
            moved = [ax for ax in boxes
                     if loose or ax in room.unclipped or _tick_locations([ax]) != measured[ax]]
            if not moved:
                return
            for ax in moved:
                boxes[ax] = _panel_box(ax, renderer)
                measured[ax] = _tick_locations([ax])
            again = _room_of(grid, boxes.values(), edges)
            if again.same_as(room):
                return
            room = again
        self._give_up(fig)

    def _give_up(self, fig) -> None:
        """The panels do not fit (their room leaves no cell) or their boxes keep changing with their
        size: the grid's own places, and the constrained layout's attempt (and warning)."""
        for ax in fig.axes:
            ax.set_position(ax.get_subplotspec().get_position(fig))
            ax.set_in_layout(True)
        super().execute(fig)


def _single_grid(fig):
    """The one GridSpec whose cells of one size hold all the figure's Axes, or None when the figure
    is more than that."""
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
    if getattr(grid, "_subplot_spec", None) is not None:
        return None  # a nested grid
    if len(set(grid.get_width_ratios())) > 1 or len(set(grid.get_height_ratios())) > 1:
        return None  # cells of other sizes: the panels here are all of one size
    return grid


def _tick_locations(axes) -> list:
    return [tuple(np.round(axis.get_majorticklocs(), 12)) for ax in axes for axis in (ax.xaxis, ax.yaxis)]


class _Room:
    """Room outside the panels, in pixels: per column (``left``, ``right``), per row (``top``,
    ``bottom``), and the figure's own texts at its edges (``edges``: top, bottom, left)."""

    def __init__(self, nrows: int, ncols: int):
        self.left, self.right = np.zeros(ncols), np.zeros(ncols)
        self.top, self.bottom = np.zeros(nrows), np.zeros(nrows)
        self.edges = {"top": 0.0, "bottom": 0.0, "left": 0.0}
        self.loose_legends = False  # a legend reaches out of its panel
        self.legends: list = []  # (Axes, width, height) of each legend in a panel
        self.unclipped: set = set()  # panels holding artists that may reach out of them

    def same_as(self, other: _Room, tolerance: float = 0.5) -> bool:
        """Whether ``other`` asks for the same room, within ``tolerance`` pixels."""
        return all(np.allclose(getattr(self, side), getattr(other, side), atol=tolerance, rtol=0)
                   for side in ("left", "right", "top", "bottom")) and all(
            abs(self.edges[k] - other.edges[k]) <= tolerance for k in self.edges)

    def take(self, spec, left: float, right: float, top: float, bottom: float) -> None:
        """Make room for a panel in the cells of ``spec``."""
        first_col, last_col = spec.colspan.start, spec.colspan.stop - 1
        first_row, last_row = spec.rowspan.start, spec.rowspan.stop - 1
        self.left[first_col] = max(self.left[first_col], left)
        self.right[last_col] = max(self.right[last_col], right)
        self.top[first_row] = max(self.top[first_row], top)
        self.bottom[last_row] = max(self.bottom[last_row], bottom)


_FIGURE_TEXTS = (("_suptitle", "top"), ("_supxlabel", "bottom"), ("_supylabel", "left"))


def _shown(text) -> bool:
    return text is not None and text.get_visible() and bool(text.get_text())


def _guessed_room(fig) -> _Room:
    """The room the panels' texts need, from their font sizes and line counts, without measuring
    anything (a guess: :func:`_panel_box` then takes the real boxes)."""
    grid = fig.axes[0].get_subplotspec().get_gridspec()
    room = _Room(*grid.get_geometry())
    px = fig.dpi / 72  # pixels per point

    def height(text) -> float:  # points
        return (text.get_text().count("\n") + 1) * 1.2 * text.get_fontsize() if _shown(text) else 0.0

    for ax in fig.axes:
        if not ax.get_visible():
            continue
        ticks = _tick_label_points(ax.yaxis)
        room.take(ax.get_subplotspec(),
                  left=px * (2.4 * ticks + 10 + height(ax.yaxis.label)),
                  right=0.0,
                  top=px * (height(ax.title) + 6),
                  bottom=px * (1.2 * ticks + 10 + height(ax.xaxis.label)))
    for name, side in _FIGURE_TEXTS:
        text = getattr(fig, name, None)
        room.edges[side] = px * height(text) if text is not None and getattr(text, "_autopos", True) \
            else 0.0
    return room


def _tick_label_points(axis) -> float:
    """The font size of an axis's tick labels, in points, without making its ticks."""
    from matplotlib.font_manager import FontProperties

    name = axis.axis_name if axis.axis_name in ("x", "y") else "y"  # a polar Axes has r and theta
    size = axis.get_tick_params(which="major").get("labelsize", mpl.rcParams[f"{name}tick.labelsize"])
    return FontProperties(size=size).get_size_in_points()


def _panel_box(ax, renderer) -> tuple:
    """An Axes' tight box as room around its place, in pixels: ``(ax, sides, legend, unclipped)``,
    ``sides`` being ``(left, right, top, bottom)`` (None when the Axes has no box), ``legend``
    ``(width, height, loose)`` for a legend in the layout, else None (``loose``: anchored elsewhere
    than its panel's box, or out of it), and ``unclipped`` whether the box takes in artists of the
    panel not clipped to it (texts, annotations), whose reach beyond it changes with its size."""
    extras = ax.get_default_bbox_extra_artists()  # what get_tightbbox takes in besides the axes'
    box = ax.get_tightbbox(renderer, for_layout_only=True, bbox_extra_artists=extras)
    if box is None:
        return ax, None, None, False
    place = ax.get_window_extent(renderer)
    sides = (place.x0 - box.x0, box.x1 - place.x1, box.y1 - place.y1, place.y0 - box.y0)
    legend = ax.get_legend()
    unclipped = _moves_with_size(ax, legend, extras)
    if legend is None or not legend.get_visible() or not legend.get_in_layout():
        return ax, sides, None, unclipped
    extent = legend.get_window_extent(renderer)
    # a legend anchored elsewhere than its panel's box moves with the panel's size
    inside = (place.x0 - 0.5 <= extent.x0 and extent.x1 <= place.x1 + 0.5
              and place.y0 - 0.5 <= extent.y0 and extent.y1 <= place.y1 + 0.5)
    loose = legend.get_bbox_to_anchor() is not ax.bbox or not inside
    return ax, sides, (extent.width, extent.height, loose), unclipped


def _moves_with_size(ax, legend, extras: list) -> bool:
    """Whether what an Axes' tight box takes in may reach out of it by more or less as its size
    changes, its ticks unchanged: artists not clipped to it (texts, annotations, child Axes), axis
    labels placed by hand (``set_label_coords``) or aligned with other panels' (``align_labels``:
    they follow the other panels' boxes), and titles placed by hand off its top edge. ``extras``:
    the artists the tight box takes in (``get_default_bbox_extra_artists``)."""
    decorations = {ax.xaxis, ax.yaxis, ax.title, ax._left_title, ax._right_title, ax.patch, legend,
                   *ax.spines.values()}
    if any(a not in decorations for a in extras):
        return True
    if not (getattr(ax.xaxis, "_autolabelpos", True) and getattr(ax.yaxis, "_autolabelpos", True)):
        return True
    groups = getattr(ax.get_figure(root=False), "_align_label_groups", {})
    if any(len(group.get_siblings(ax)) > 1 for group in groups.values()):
        return True
    # a title at y=1 (emergence.plots.common.title_place) stands a fixed pad above the top edge
    return getattr(ax, "_autotitlepos", None) is False and any(
        title.get_position()[1] != 1.0 for title in (ax.title, ax._left_title, ax._right_title)
        if _shown(title))


def _edges(fig, renderer, params: dict) -> dict:
    """The room the figure's own title and labels take at its edges (top, bottom, left), measured;
    one placed by hand takes none."""
    edges = {"top": 0.0, "bottom": 0.0, "left": 0.0}
    for name, side in _FIGURE_TEXTS:
        text = getattr(fig, name, None)
        if _shown(text) and getattr(text, "_autopos", True):
            extent = text.get_window_extent(renderer)
            edges[side] = (extent.width + params["w_pad"] * fig.dpi if side == "left"
                           else extent.height + params["h_pad"] * fig.dpi)
    return edges


def _room_of(grid, boxes, edges: dict) -> _Room:
    """The room the panels' boxes (:func:`_panel_box`) and the figure's edges take."""
    room = _Room(*grid.get_geometry())
    for ax, sides, legend, unclipped in boxes:
        if sides is None:
            continue
        room.take(ax.get_subplotspec(), *sides)
        if unclipped:
            room.unclipped.add(ax)
        if legend is not None:
            width, height, loose = legend
            room.legends.append((ax, width, height))
            room.loose_legends |= loose
    room.edges = dict(edges)
    return room


def _place(fig, grid, room: _Room, params: dict) -> bool:
    """Panels of equal size with ``room`` around them: the outer margins, then each gap as wide as the
    two boxes beside it need. False, and nothing moved, when the room leaves no cell a pixel wide
    and high."""
    nrows, ncols = grid.get_geometry()
    width, height = fig.bbox.width, fig.bbox.height
    w_pad = params["w_pad"] * fig.dpi
    h_pad = params["h_pad"] * fig.dpi
    left, right, top, bottom, edges = room.left, room.right, room.top, room.bottom, room.edges
    x0 = edges["left"] + left[0] + w_pad
    y1 = height - edges["top"] - top[0] - h_pad
    wgaps = [right[c] + left[c + 1] + 2 * w_pad for c in range(ncols - 1)]
    hgaps = [bottom[r] + top[r + 1] + 2 * h_pad for r in range(nrows - 1)]
    cell_w = (width - right[-1] - w_pad - x0 - sum(wgaps)) / ncols
    cell_h = (y1 - edges["bottom"] - bottom[-1] - h_pad - sum(hgaps)) / nrows
    if not (cell_w >= 1 and cell_h >= 1):
        return False
    starts = x0 + np.arange(ncols) * cell_w + np.concatenate([[0.0], np.cumsum(wgaps)])
    tops = y1 - np.arange(nrows) * cell_h - np.concatenate([[0.0], np.cumsum(hgaps)])
    for ax in fig.axes:
        spec = ax.get_subplotspec()
        c0, c1 = spec.colspan.start, spec.colspan.stop - 1
        r0, r1 = spec.rowspan.start, spec.rowspan.stop - 1
        ax.set_position([starts[c0] / width, (tops[r1] - cell_h) / height,
                         (starts[c1] + cell_w - starts[c0]) / width, (tops[r0] - tops[r1] + cell_h) / height])
        ax.set_in_layout(True)  # set_position takes an Axes out of the layout
    _place_figure_labels(fig, h_pad, w_pad)
    return True


def _place_figure_labels(fig, h_pad: float, w_pad: float) -> None:
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
