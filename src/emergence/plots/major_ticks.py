"""The major ticks of a report figure drawn by one artist per axis rather than one matplotlib Tick
each (issue 13).

Matplotlib makes a :class:`~matplotlib.axis.Tick` (two tick lines, a grid line and two labels) per
tick, and updates each one at every layout pass and draw. Once a log axis's minor ticks were drawn
in one go (:mod:`emergence.plots.minor_ticks`), the major ticks were close to half of what remained
of a report figure's time. :func:`light_major_ticks` leaves matplotlib the ticks that set each
axis's extent and draws the others with a :class:`MajorTicks` artist: the same pixels (the report's
figures, :func:`emergence.report.figures.render`).
"""

from __future__ import annotations

import numpy as np
from matplotlib.artist import Artist
from matplotlib.lines import Line2D
from matplotlib.text import Text
from matplotlib.ticker import Formatter, Locator, NullLocator
from matplotlib.transforms import _interval_contains_close


class KeptTicks(Locator):
    """An axis's major locator and formatter, giving matplotlib only the ticks that set the axis's
    extent; the others are drawn by a :class:`MajorTicks` artist.

    Matplotlib makes a :class:`~matplotlib.axis.Tick` (three lines and two texts) for every major
    location, and positions and measures each at every layout pass and draw: the major ticks were
    close to half of a report figure's time (issue 13). Matplotlib keeps the ticks at both ends and
    the one with the widest (y) or tallest (x) label, so the axis's tight box, its label's place
    and the layout are what they would be with every tick; an axis showing no tick label (the inner
    panels of an overview page) keeps one, whose mark the box of a spine takes in. Every label is
    formatted from all the locations, as matplotlib formats them.

    Parameters
    ----------
    axis : matplotlib.axis.Axis
        Its major locator and formatter are wrapped (``axis.get_major_locator()`` then returns this).
    """

    def __init__(self, axis):
        self.axis = axis
        self.locator = axis.get_major_locator()
        self.formatter = axis.get_major_formatter()
        self._labels: dict[float, str] = {}
        self._last: tuple = ((), None)  # the last call's view and size, and its answer
        # axes linked by sharex/sharey share one ticker, so this one: another may show its labels
        self.shared = len(_siblings(axis)) > 1
        axis.set_major_locator(self)
        axis.set_major_formatter(_KeptLabels(self))

    def set_axis(self, axis) -> None:
        self.axis = axis

    def nonsingular(self, vmin, vmax):
        return self.locator.nonsingular(vmin, vmax)

    def view_limits(self, vmin, vmax):
        return self.locator.view_limits(vmin, vmax)

    def tick_values(self, vmin, vmax):
        return self.locator.tick_values(vmin, vmax)

    def __call__(self):
        locs, _, kept = self.ticks()
        return locs[kept]

    def locations(self) -> np.ndarray:
        """Every location of the wrapped locator (what ``get_majorticklocs()`` gave before)."""
        return np.asarray(self.locator(), dtype=float)

    def ticks(self) -> tuple[np.ndarray, list[str], np.ndarray]:
        """The locations in view, their labels, and the positions among them matplotlib draws."""
        axis = self.axis
        low, high = sorted(axis.get_view_interval())
        # a locator's choice depends on the view and on the room for ticks (the Axes' size)
        labelled = self._labelled()
        key = (low, high, *axis.axes.bbox.size, axis.get_scale(), labelled)
        if self._last[0] == key:  # measured and drawn at this view and size several times
            return self._last[1]
        locs = self.locations()
        labels = list(self.formatter.format_ticks(locs))  # from all locations, as matplotlib does
        self._labels = dict(zip(locs.tolist(), labels, strict=True))
        transform = axis.get_transform()
        interval = transform.transform([low, high])
        inside = [i for i, loc in enumerate(locs)
                  if _interval_contains_close(interval, transform.transform(loc))]
        locs, labels = locs[inside], [labels[i] for i in inside]
        if not labelled:  # no label takes room; one tick for the marks the spines' boxes reach
            kept = set(range(min(1, len(locs))))
        elif len(locs) > 2:
            kept = {0, len(locs) - 1, self._largest(labels)}
        else:
            kept = set(range(len(locs)))
        self._last = (key, (locs, labels, np.array(sorted(kept), dtype=int)))
        return self._last[1]

    def _labelled(self) -> bool:
        """Whether the axis shows its tick labels. An axis shared with others keeps its ticks: the
        others may show theirs, and their boxes are measured from the ticks of this one."""
        if self.shared:
            return True
        first = self.axis.get_major_ticks(1)[0]
        return first.label1.get_visible() or first.label2.get_visible()

    def _largest(self, labels: list[str]) -> int:
        """The label that reaches farthest from the axis: the widest on a y axis, the tallest on x."""
        import matplotlib as mpl

        prototype = self.axis.get_major_ticks(1)[0].label1
        figure = self.axis.get_figure(root=True)
        renderer = figure._get_renderer()
        font = prototype.get_fontproperties()
        # text settings and renderer change the sizes (a cache keyed without them kept the wrong label)
        setting = (figure.dpi, self.axis.axis_name, type(renderer).__name__,
                   *(mpl.rcParams[k] for k in ("text.hinting", "text.hinting_factor", "text.kerning_factor")))
        sizes = []
        for label in map(str, labels):  # a formatter may give numbers, which matplotlib writes as str
            key = (label, font, setting)
            if key not in _LABEL_SIZES:
                if "\n" in label:  # lines of a label: measured as a text of several lines
                    text = _copy_text(prototype, prototype.get_figure(root=False))
                    text.set_text(label)
                    box = text.get_window_extent(renderer)
                    width, height = box.width, box.height
                else:
                    line, math = prototype._preprocess_math(label)
                    width, height, _ = renderer.get_text_width_height_descent(line, font, ismath=math)
                _LABEL_SIZES[key] = height if self.axis.axis_name == "x" else width
            sizes.append(_LABEL_SIZES[key])
        return int(np.argmax(sizes))


#: A tick label's size across its axis (pixels), by text, font, resolution, axis, renderer and text
#: settings: the same labels recur in every figure of a report.
_LABEL_SIZES: dict[tuple, float] = {}


class _KeptLabels(Formatter):
    """The labels :class:`KeptTicks` formatted from all the locations (the wrapped formatter's
    offset and state are those of that call)."""

    def __init__(self, kept: KeptTicks):
        self.kept = kept

    def set_axis(self, axis) -> None:
        pass

    def format_ticks(self, values):
        known = self.kept._labels
        if all(float(v) in known for v in values):
            return [known[float(v)] for v in values]
        return self.kept.formatter.format_ticks(values)

    def __call__(self, x, pos=None):
        return self.kept.formatter(x, pos)

    def get_offset(self):
        return self.kept.formatter.get_offset()

    def format_data(self, value):
        return self.kept.formatter.format_data(value)

    def format_data_short(self, value):
        return self.kept.formatter.format_data_short(value)


class MajorTicks(Artist):
    """The major ticks :class:`KeptTicks` leaves to be drawn: their grid lines, marks and labels,
    styled as the axis's own first tick (so ``rcParams``, ``tick_params`` and ``grid`` apply), in the
    order of a :class:`~matplotlib.axis.Tick`: the grid lines of all the ticks in one line (a line
    each took a fifth of an overview page's drawing, issue 13), then their marks, then their labels.
    Nothing is drawn once the axis has other ticks (``set_xticks``, a new scale) or the Axes is off."""

    def __init__(self, axis, kept: KeptTicks):
        super().__init__()
        self.axis = axis
        self.kept = kept
        self.set_in_layout(False)  # inside the extent of the ticks matplotlib keeps

    def draw(self, renderer) -> None:
        axis = self.axis
        if (not self.get_visible() or not axis.get_visible() or not axis.axes.axison
                or axis.get_major_locator() is not self.kept):
            return
        locs, labels, kept = self.kept.ticks()
        rest = np.setdiff1d(np.arange(len(locs)), kept)
        if not len(rest):
            return
        prototype = axis.get_major_ticks(1)[0]
        along = 0 if axis.axis_name == "x" else 1  # the data coordinate of a tick's location
        figure = self.get_figure(root=False)
        lines = [(_copy_line(line, figure), np.asarray(line.get_data()[1 - along], dtype=float))
                 for line in (prototype.gridline, prototype.tick1line, prototype.tick2line)
                 if line.get_visible()]
        texts = [(_copy_text(label, figure), list(label.get_position()))
                 for label in (prototype.label1, prototype.label2) if label.get_visible()]
        drawn = [line for line, _ in lines]
        if _mergeable(drawn) and _apart(axis, locs[rest], drawn, renderer):
            for line, across in lines:  # each kind of line of all the ticks in one go, NaN between ticks
                # at most _SNAPPED points a path: matplotlib snaps a longer one's lines to no pixel
                step = max(1, _SNAPPED // (len(across) + 1))
                for start in range(0, len(rest), step):
                    chunk = rest[start:start + step]
                    where = np.repeat(locs[chunk], len(across) + 1)
                    spans = np.tile(np.append(across, np.nan), len(chunk))
                    line.set_data(*((where, spans) if along == 0 else (spans, where)))
                    line.draw(renderer)
            for text, position in texts:
                for i in rest:
                    position[along] = locs[i]
                    text.set(text=labels[i], position=tuple(position))
                    text.draw(renderer)
        else:  # lines of neighbouring ticks overlap: drawn tick by tick, as matplotlib blends them
            for i in rest:
                for line, across in lines:
                    where = np.full(len(across), locs[i])
                    line.set_data(*((where, across) if along == 0 else (across, where)))
                    line.draw(renderer)
                for text, position in texts:
                    position[along] = locs[i]
                    text.set(text=labels[i], position=tuple(position))
                    text.draw(renderer)
        self.stale = False


#: The most points of a path matplotlib's Agg renderer snaps to whole pixels (``PathSnapper``).
_SNAPPED = 1024


def _mergeable(lines: list) -> bool:
    """Whether one line through the ticks draws what a line per tick draws: lines drawn point to
    point (another draw style, ``"steps-mid"``, fills the NaN between ticks with steps), with no
    path effects (an effect follows the whole path: a ticked stroke spaces its ticks along it), no
    sketch (its wiggle restarts with each path) and markers on every point (``markevery`` counts
    the points of the whole path)."""
    return all(line.get_drawstyle() == "default" and not line.get_path_effects()
               and line.get_sketch_params() is None and line.get_markevery() is None for line in lines)


def _apart(axis, locs: np.ndarray, lines: list, renderer) -> bool:
    """Whether the lines and marks of ticks at ``locs`` are far enough apart on the canvas (their
    widths and two pixels of antialiasing) that one line through all of them covers each pixel as a
    line per tick does. Closer, one path would cover their common pixels once where matplotlib blends each
    line in turn (a translucent grid line drawn twice is darker)."""
    if len(locs) < 2:
        return True
    points = np.zeros((len(locs), 2))
    along = 0 if axis.axis_name == "x" else 1
    points[:, along] = locs
    points[:, 1 - along] = 1.0  # any place across: the axis's transform is separable
    where = np.sort(axis.axes.transData.transform(points)[:, along])
    width = max((renderer.points_to_pixels(max(line.get_linewidth(), line.get_markeredgewidth()))
                 for line in lines), default=0.0)
    return bool(np.all(np.diff(where) > width + 2))


def _copy_line(line: Line2D, figure) -> Line2D:
    """A line drawn as ``line`` is (what ``update_from`` leaves out included)."""
    copy = Line2D([], [])
    copy.update_from(line)
    copy.set(figure=figure, transform=line.get_transform(), antialiased=line.get_antialiased(),
             snap=line.get_snap(), markevery=line.get_markevery())
    return copy


def _copy_text(label: Text, figure) -> Text:
    """A text drawn as ``label`` is (what ``update_from`` leaves out included)."""
    copy = Text()
    copy.update_from(label)
    copy.set(figure=figure, rotation_mode=label.get_rotation_mode(), wrap=label.get_wrap(),
             parse_math=label.get_parse_math())
    return copy


def light_major_ticks(fig) -> None:
    """Hand the major ticks of ``fig``'s Axes, but those that set each axis's extent, to
    :class:`MajorTicks` artists, for a figure about to be rendered (``get_xticks()`` then gives only
    the kept ticks).

    Left to matplotlib: Axes other than plain rectangular ones, scales other than linear and log,
    axes with matplotlib's own minor ticks (placed from the major locations), rotated or boxed
    labels, axes whose ticks were styled one by one (``get_xticklabels()[0].set_color(...)``), and
    axes linked by ``sharex``/``sharey`` to one of these (linked axes share one ticker). Grid lines
    and marks of another draw style or with path effects are drawn tick by tick.

    Each artist is drawn just before its axis, after everything matplotlib draws before it (the
    spines of the same z-order): the axis and its artist are lifted by hairs, the y axis's above
    the x axis's. Where the grid lines, marks or labels of neighbouring ticks overlap one another
    (ticks closer than their lines are wide, labels that run into each other), the kept ticks' are
    drawn over the others, where matplotlib draws them in order: translucent pixels there can differ
    by a level or two.
    """
    members = set(fig.axes)
    for ax in fig.axes:
        if any(isinstance(a, MajorTicks) for a in ax.artists):
            continue  # done before
        x_z, y_z = ax.xaxis.get_zorder(), ax.yaxis.get_zorder()
        lift = 1e-9 * (1 + abs(max(x_z, y_z)))
        # other than rectangular Axes and colorbars: neither axis (_light_ticks_draw_it)
        light = [_group_light(axis, members) for axis in (ax.xaxis, ax.yaxis)]
        if not any(light):
            continue
        after = (0, 2 * (y_z == x_z))
        for axis, z, later, drawn in zip((ax.xaxis, ax.yaxis), (x_z, y_z), after, light, strict=True):
            # both axes lifted, so that a y axis of the x axis's z-order stays after it
            axis.set_zorder(z + (later + 2) * lift)
            if drawn:
                locator = axis.get_major_locator()  # a shared axis's KeptTicks, made for another
                kept = locator if isinstance(locator, KeptTicks) else KeptTicks(axis)
                artist = MajorTicks(axis, kept)
                artist.set_zorder(z + (later + 1) * lift)
                ax.add_artist(artist)


def _siblings(axis) -> list:
    """The axes of the same name linked to ``axis`` by ``sharex``/``sharey`` (it among them): they
    share its ticker."""
    ax = axis.axes
    group = ax.get_shared_x_axes() if axis.axis_name == "x" else ax.get_shared_y_axes()
    return [getattr(other, f"{axis.axis_name}axis") for other in group.get_siblings(ax)]


def _group_light(axis, members: set) -> bool:
    """Whether ``axis`` and the axes linked to it, which share its ticker, can all be lightened: each
    one's Axes among ``members``, the figure's axes (an inset or another figure's Axes would get the
    shared locator and no artist to draw the other ticks), each one's ticks drawable
    (:func:`_light_ticks_draw_it`) and their labels in one font (the widest label is measured in one
    axis's)."""
    group = _siblings(axis)
    if any(other.axes not in members or not _light_ticks_draw_it(other) for other in group):
        return False
    fonts = {(tick.label1.get_fontproperties(), tick.label2.get_fontproperties())
             for tick in (other.get_major_ticks(1)[0] for other in group)}
    return len(fonts) == 1


def _light_ticks_draw_it(axis) -> bool:
    """Whether :class:`MajorTicks` draws what matplotlib would for this axis (see
    :func:`light_major_ticks`)."""
    ax = axis.axes
    if ax.name != "rectilinear" or getattr(ax, "_colorbar", None) is not None:
        return False
    if isinstance(axis.get_major_locator(), NullLocator) or axis.get_scale() not in ("linear", "log"):
        return False
    if not isinstance(axis.get_minor_locator(), NullLocator):
        return False  # matplotlib's minor ticks leave out those on a major location: it needs them all
    ticks = axis.get_major_ticks(max(1, len(axis.majorTicks)))
    first = ticks[0]
    for label in (first.label1, first.label2):
        if label.get_rotation() % 180 or label.get_bbox_patch() is not None:
            return False  # the widest of rotated labels is not the one that reaches farthest
    return all(_looks(tick) == _looks(first) for tick in ticks[1:])


def _looks(tick) -> tuple:
    """What of a tick one may style tick by tick, to tell ticks styled apart."""
    texts = [(t.get_visible(), t.get_color(), t.get_fontproperties(), t.get_rotation(), t.get_alpha())
             for t in (tick.label1, tick.label2)]
    lines = [(line.get_visible(), str(line.get_color()), line.get_linewidth(), line.get_linestyle(),
              line.get_alpha(), line.get_marker(), line.get_markersize())
             for line in (tick.gridline, tick.tick1line, tick.tick2line)]
    return (*texts, *lines)
