"""A log axis's unlabelled minor ticks drawn by one artist rather than one matplotlib Tick each
(issue 13): the 40 minor ticks of a log axis over three decades took a third of a report figure's
time. :func:`light_minor_ticks` hands an axis's minor locator to a :class:`MinorTicks` artist, which
draws the same marks in one go (every figure of :mod:`emergence.plots`).
"""

from __future__ import annotations

import numpy as np
from matplotlib.artist import Artist
from matplotlib.lines import Line2D
from matplotlib.ticker import NullLocator

from emergence.plots.major_ticks import KeptTicks


class MinorTicks(Artist):
    """The minor tick marks of a log axis, at the locator's in-view locations, at draw time.

    The marks are those of the axis's own prototype minor tick (size, width, colour, direction, the
    sides it is drawn on), so they follow ``rcParams`` and ``tick_params(which="minor")``; locations
    on a major tick are left out, as :meth:`~matplotlib.axis.Axis.get_minorticklocs` does. Nothing is
    drawn once the axis is no longer logarithmic; minor ticks set later (``ax.minorticks_on()``, a new
    minor locator) are drawn by matplotlib as usual.

    Parameters
    ----------
    axis : matplotlib.axis.Axis
        Its minor locator is taken over (the axis gets a :class:`~matplotlib.ticker.NullLocator`).
    """

    def __init__(self, axis):
        super().__init__()
        self.axis = axis
        self.locator = axis.get_minor_locator()
        axis.set_minor_locator(NullLocator())
        self.set_zorder(axis.get_zorder())
        self.set_in_layout(False)  # tick marks are not part of an axis's tight box either

    def locations(self) -> np.ndarray:
        """The minor locations in view, those on a major tick left out."""
        axis = self.axis
        locs = np.asarray(self.locator(), dtype=float)
        transform = axis.get_transform()
        low, high = np.sort(transform.transform(np.asarray(axis.get_view_interval(), dtype=float)))
        if not len(locs) or not np.isfinite(high - low):
            return locs[:0]
        where = transform.transform(locs)
        slack = 1e-10 * (high - low)  # as matplotlib.transforms._interval_contains_close
        keep = (where >= low - slack) & (where <= high + slack)
        major = axis.get_major_locator()  # every major location, also those left to MajorTicks
        majors = np.asarray(major.locations() if isinstance(major, KeptTicks) else axis.get_majorticklocs(),
                            dtype=float)
        if axis.remove_overlapping_locs and len(majors):
            keep &= ~np.isclose(where[:, None], transform.transform(majors)[None, :],
                                atol=(high - low) * 1e-5, rtol=0).any(axis=1)
        return locs[keep]

    def draw(self, renderer) -> None:
        if not self.get_visible() or self.axis.get_scale() != "log":
            return
        if _minor_grid(self.axis):  # turned on since: matplotlib's own minor ticks, from this draw on
            self.axis.set_minor_locator(self.locator)  # the axis is drawn after this artist
            self.remove()
            return
        locs = self.locations()
        if len(locs):
            prototype = self.axis.get_minor_ticks(1)[0]
            for line, side in ((prototype.tick1line, 0.0), (prototype.tick2line, 1.0)):
                if not line.get_visible():
                    continue
                marks = Line2D([], [])
                marks.update_from(line)
                marks.set(figure=self.get_figure(root=False), transform=line.get_transform(), clip_on=False)
                across = np.full(len(locs), side)  # axes coordinate of the side the marks stand on
                marks.set_data(*((locs, across) if self.axis.axis_name == "x" else (across, locs)))
                marks.draw(renderer)
        self.stale = False


def light_minor_ticks(axis) -> None:
    """Hand a log axis's unlabelled minor ticks to a :class:`MinorTicks` artist (one per axis),
    unless the axis shows minor grid lines (``ax.grid(which="both")``), which the artist does not draw;
    one turned on later gives the axis its minor ticks back at the next draw."""
    if isinstance(axis.get_minor_locator(), NullLocator) or _minor_grid(axis):
        return
    ax = axis.axes
    for artist in list(ax.artists):
        if isinstance(artist, MinorTicks) and artist.axis is axis:
            artist.remove()
    ax.add_artist(MinorTicks(axis))


def _minor_grid(axis) -> bool:
    """Whether the axis's minor ticks show grid lines (what ``grid(which="minor")`` sets)."""
    return bool(axis._minor_tick_kw.get("gridOn", False))
