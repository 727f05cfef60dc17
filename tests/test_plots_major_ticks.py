"""The light major ticks of the report's figures (plots/major_ticks.py: KeptTicks, MajorTicks).

Every reference here is matplotlib itself: the same figure drawn with its own Tick objects.
"""


import matplotlib as mpl
import numpy as np
import pytest
from matplotlib import patheffects
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MultipleLocator

from emergence import plots
from emergence.plots.major_ticks import KeptTicks, MajorTicks, light_major_ticks


@pytest.fixture
def analysis(two_families):
    return two_families  # conftest.py


def _pixels(fig, *, light: bool) -> np.ndarray:
    canvas = FigureCanvasAgg(fig)
    if light:
        light_major_ticks(fig)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba()).copy()


def _same_pixels(make) -> Figure:
    """Draw ``make()`` with matplotlib's ticks and with the light ones; the pixels must be equal."""
    plain = _pixels(make(), light=False)
    fig = make()
    assert np.array_equal(_pixels(fig, light=True), plain)
    return fig


def _lightened(fig) -> list:
    return [a for ax in fig.axes for a in ax.artists if isinstance(a, MajorTicks)]


def test_task_figure_and_overview_are_the_pixels_matplotlib_draws(analysis):
    """A 2 x 2 task figure (tick labels hidden over a panel with the same sizes), a multiple-choice
    task (a chance line) and an overview page (shared y, labels only on its first column)."""
    for task in ("toy_length_3", "toy_multiple_choice"):
        fig = _same_pixels(lambda task=task: plots.plot_task(
            analysis.scores, family="toy-sharp", task=task, curves=analysis.curves,
            verdicts=analysis.verdicts, tasks=analysis.tasks))
        assert len(_lightened(fig)) == 2 * len(fig.axes)
    fig = _same_pixels(lambda: plots.plot_overview(analysis.scores, verdicts=analysis.tasks))
    assert len(_lightened(fig)) == 2 * len(fig.axes)
    # panels with no y tick labels keep one tick (its mark sets the spine's box); the first column its
    # ends (the widest label is one of them)
    assert [len(ax.get_yticks()) for ax in fig.axes] == [2 if i % 4 == 0 else 1 for i in range(len(fig.axes))]


def _line(x, y, *, scale: str | None = None, **tick_params):
    def make():
        ax = Figure(figsize=(4, 3), layout="constrained").subplots()
        ax.plot(x, y, marker="o")
        ax.grid(True, alpha=0.3)
        if scale is not None:
            plots.format_scale_axis(ax, scale)
        if tick_params:
            ax.tick_params(**tick_params)
        return ax.figure
    return make


@pytest.mark.parametrize("make", [
    _line([1, 2, 3], [1e6 + 1, 1e6 + 2, 1e6 + 3]),  # an offset text ("+1e6")
    _line([0, 1], [-0.003, 2.5e-4]),  # labels of several widths; a factor text
    _line([1e18, 1e21, 1e24], [0.1, 0.5, 0.9], scale="compute"),  # mathtext labels
    _line([1.5, 2.5, 3.5], [0.1, 0.5, 0.9], scale="loss"),  # a reversed linear axis
    _line([1e8, 1e11], [0, 1], scale="params", labelright=True, labeltop=True, right=True, top=True),
    _line([1e8, 1e11], [0, 1], scale="params", direction="in", length=8, labelsize=12),
    _line([0, 1], [0, 1], labelbottom=False, bottom=False),  # nothing of the x ticks but grid lines
], ids=["offset", "widths", "mathtext", "loss", "both-sides", "tick-style", "no-labels"])
def test_axes_of_every_kind_are_the_pixels_matplotlib_draws(make):
    _same_pixels(make)


def _custom(style):
    """A figure made by ``style(ax)`` after a line and a grid."""
    def make():
        ax = Figure(figsize=(4, 3), layout="constrained").subplots()
        ax.plot([0, 1], [0, 1], marker="o")
        ax.grid(True, alpha=0.3)
        style(ax)
        return ax.figure
    return make


def _one_label_hidden(ax):
    ax.figure.canvas.draw()  # the ticks made, as a user styling them one by one would have them
    ax.get_yticklabels()[0].set_visible(False)
    ax.get_xticklabels()[2].set_color("red")


def _several_lines(ax):
    ax.set_yticks([0, 0.5, 1], labels=["none", "half\nof it", "all"])


def _wide_labels(ax):
    ax.set_yticks([0, 0.3, 0.6, 1], labels=["a", "aktmjaf", "prhlhvh", "b"])


def _a_location_twice(ax):
    from matplotlib.ticker import FixedLocator

    ax.grid(True, linewidth=3, alpha=0.3)
    ax.yaxis.set_major_locator(FixedLocator([0, 0.25, 0.5, 0.5, 1]))  # its grid line drawn twice


@pytest.mark.parametrize("style", [
    lambda ax: ax.xaxis.set_major_formatter(__import__("matplotlib.ticker").ticker.FuncFormatter(
        lambda v, _: v * 2)),  # numbers, not strings, as labels
    lambda ax: ax.minorticks_on(),
    lambda ax: (ax.minorticks_on(), ax.grid(True, which="both")),
    lambda ax: plots.format_scale_axis(ax.figure.add_subplot(2, 1, 2), "compute"),
    lambda ax: ax.set_axis_off(),
    _one_label_hidden,
    _several_lines,
    _wide_labels,
    lambda ax: (ax.set_axisbelow(False), ax.grid(True, linewidth=5)),  # grid at the spines' z-order
    _a_location_twice,
    lambda ax: (ax.yaxis.set_minor_locator(__import__("matplotlib.ticker").ticker.AutoMinorLocator()),
                ax.grid(True, axis="x", color="red", linewidth=3, alpha=0.5),
                ax.grid(True, axis="y", color="blue", linewidth=3, alpha=0.5)),  # y left to matplotlib
    lambda ax: ax.grid(True, antialiased=False, snap=False, linewidth=1.5),
    lambda ax: ax.tick_params(labelrotation=180, labelrotation_mode="anchor"),
], ids=["numbers", "minor", "minor-grid", "empty-compute", "axis-off", "one-by-one", "lines", "widths",
        "axis-over-spines", "twice", "one-axis", "grid-style", "rotation-mode"])
def test_styles_a_review_tried_are_the_pixels_matplotlib_draws(style):
    """A review of issue 13 found each of these drawn otherwise than matplotlib draws it (a crash on
    numbers as labels; minor ticks placed from the kept major ticks only; the ticks of an Axes
    turned off; every label styled as the first; the wrong widest label; grid lines under the spines;
    grid lines merged into one path; properties update_from does not copy). Not here: grid lines,
    marks or labels of neighbouring ticks that overlap one another (documented in light_major_ticks)."""
    _same_pixels(_custom(style))


def test_label_sizes_follow_the_text_settings():
    """The widest label is measured under the text settings of the draw: a size measured hinted
    and reused unhinted kept the wrong label (a review of issue 13)."""
    from emergence.report.figures import TEXT

    _same_pixels(_custom(_wide_labels))
    with mpl.rc_context(TEXT):
        _same_pixels(_custom(_wide_labels))


def test_ticks_set_after_are_matplotlibs():
    """After light_major_ticks, new ticks (set_xticks, another scale) are drawn by matplotlib alone."""
    def changed(light: bool):
        fig = _custom(lambda ax: None)()
        canvas = FigureCanvasAgg(fig)
        if light:
            light_major_ticks(fig)
        canvas.draw()
        ax = fig.axes[0]
        ax.set_xticks([0.1, 0.45, 0.8])
        ax.set_yscale("log")
        canvas.draw()
        return np.asarray(canvas.buffer_rgba()).copy()

    assert np.array_equal(changed(True), changed(False))


def test_rotated_labels_keep_matplotlibs_ticks():
    """The widest of rotated labels is not the one that reaches farthest: such an axis is left as is."""
    fig = _same_pixels(_line([1e8, 1e11], [0, 1], scale="params", axis="x", labelrotation=45))
    assert len(_lightened(fig)) == 1  # the y axis only


def test_kept_ticks_are_the_ends_and_the_widest_label_formatted_from_all():
    """Matplotlib keeps the ticks at both ends and the one with the widest y label; each label is the
    one the axis's formatter gives from all the locations, out-of-view ones included (as matplotlib
    formats them)."""
    def axes():
        ax = Figure(figsize=(4, 3)).subplots()
        ax.plot([0, 1], [5, 15])  # y labels 6, 8, 10, 12, 14: "10" is the first of the widest
        return ax

    plain = axes()
    FigureCanvasAgg(plain.figure).draw()
    low, high = plain.get_ylim()
    expected = [(t.get_loc(), t.label1.get_text(), t.label1.get_window_extent().width)
                for t in plain.yaxis.get_major_ticks() if low <= t.get_loc() <= high]
    ax = axes()
    kept = KeptTicks(ax.yaxis)
    FigureCanvasAgg(ax.figure).draw()
    locs, names, which = kept.ticks()
    assert locs.tolist() == [loc for loc, _, _ in expected] and names == [n for _, n, _ in expected]
    assert names == ["6", "8", "10", "12", "14"]
    widest = int(np.argmax([w for _, _, w in expected]))
    assert which.tolist() == [0, widest, len(locs) - 1] == [0, 2, 4]
    np.testing.assert_array_equal(ax.yaxis.get_majorticklocs(), locs[which])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["6", "10", "14"]


def test_shared_axes_share_one_kept_locator():
    """Axes sharing y share their ticker: one KeptTicks, a MajorTicks artist per axis, and the ticks
    that set the extent kept (the axes' boxes are measured from the one ticker), labels or not."""
    def make():
        fig = Figure(figsize=(6, 3), layout="constrained")
        # the ticker is the first axis's, whose labels are hidden; the second shows them
        first = fig.add_subplot(1, 2, 1)
        axes = [first, fig.add_subplot(1, 2, 2, sharey=first)]
        first.yaxis.set_tick_params(labelleft=False)
        axes[1].yaxis.set_tick_params(labelleft=True)
        for ax in axes:
            ax.plot([1, 2, 3], [0.0, 0.5, 1.0])
            ax.grid(True, alpha=0.3)
        return fig
    fig = _same_pixels(make)
    light_major_ticks(fig)  # once per axis
    lockers = {id(ax.yaxis.get_major_locator()) for ax in fig.axes}
    assert len(lockers) == 1 and isinstance(fig.axes[0].yaxis.get_major_locator(), KeptTicks)
    assert len(_lightened(fig)) == 2 * len(fig.axes)
    assert [len(ax.get_yticks()) for ax in fig.axes] == [2, 2]  # the ends (0 and 1, the widest among them)


def test_report_text_settings_do_not_leak():
    """light_major_ticks changes no rcParams."""
    before = dict(mpl.rcParams)
    fig = _line([0, 1], [0, 1])()
    FigureCanvasAgg(fig)
    light_major_ticks(fig)
    assert dict(mpl.rcParams) == before


def test_an_axis_linked_to_one_left_to_matplotlib_is_left_too():
    """Axes linked by sharey share one ticker: when one of them cannot be lightened (rotated labels),
    the other is left to matplotlib too (it had taken the shared ticker, and the first axis drew one
    tick; a review of issue 13)."""
    def make():
        fig = Figure(figsize=(6, 3), layout="constrained")
        first, second = fig.subplots(1, 2, sharey=True)
        first.tick_params(axis="y", labelrotation=30)
        for ax in (first, second):
            ax.plot([1, 2, 3], [0.0, 0.5, 1.0])
            ax.grid(True, alpha=0.3)
        return fig
    fig = _same_pixels(make)
    assert not any(isinstance(ax.yaxis.get_major_locator(), KeptTicks) for ax in fig.axes)
    assert len(_lightened(fig)) == 2  # the x axes, not linked
    assert [len(ax.get_yticks()) for ax in fig.axes] == [8, 8]  # -0.2, 0, ..., 1.2: all of matplotlib's


def test_an_axis_linked_to_one_with_labels_keeps_the_ticks_of_its_extent():
    """An axis whose labels are hidden keeps the ticks of a labelled one when the two are linked,
    whichever of them is lightened first."""
    fig = Figure(figsize=(6, 3), layout="constrained")
    first, second = fig.subplots(1, 2, sharey=True)  # the second's labels hidden by subplots
    for ax in (first, second):
        ax.plot([1, 2, 3], [5.0, 10.0, 15.0])
    FigureCanvasAgg(fig)
    light_major_ticks(fig)
    assert second.yaxis.get_major_locator().shared
    assert [len(ax.get_yticks()) for ax in fig.axes] == [3, 3]


def _each_grid_line(**props):
    def style(ax):
        FigureCanvasAgg(ax.figure).draw()  # the ticks made, styled one by one
        for axis in (ax.xaxis, ax.yaxis):
            for tick in axis.get_major_ticks():
                for name, value in props.items():
                    getattr(tick.gridline, f"set_{name}")(*value)
    return style


@pytest.mark.parametrize("style", [
    lambda ax: ax.grid(True, drawstyle="steps-mid", alpha=0.5),
    lambda ax: ax.grid(True, path_effects=[patheffects.withTickedStroke(spacing=7, angle=135)]),
    _each_grid_line(sketch_params=(2, 50, 2)),
    _each_grid_line(marker=("o",), markevery=(2,)),
], ids=["steps-grid", "path-effects", "sketch", "markevery"])
def test_grid_lines_drawn_otherwise_are_drawn_tick_by_tick(style):
    """Grid lines of another draw style, with path effects, a sketch or markers on some points are
    not merged into one path: steps join the ticks through the gaps, a ticked stroke spaces its ticks
    and markevery counts points along the whole path, a sketch's wiggle restarts with each path
    (reviews of issue 13; markevery was also lost in the copy of a line)."""
    _same_pixels(_custom(style))


def test_sketched_grid_from_the_settings():
    """A sketch set for every path (``rcParams["path.sketch"]``) keeps the grid lines tick by tick."""
    with mpl.rc_context({"path.sketch": (2, 50, 2)}):
        _same_pixels(_custom(lambda ax: None))


@pytest.mark.parametrize("n", [340, 345, 400])
def test_hundreds_of_grid_lines_stay_snapped(n):
    """Agg snaps the lines of a path of at most 1,024 points to whole pixels: one merged path of
    345 grid lines (3 points each) was drawn blurred over two pixel columns (a review of issue 13)."""
    def style(ax):
        ax.set_xlim(0, n)
        ax.xaxis.set_major_locator(MultipleLocator(1))
        ax.tick_params(axis="x", labelbottom=False)
        ax.grid(True, axis="x")

    def make():
        ax = Figure(figsize=(n * 6 / 100, 3), layout="constrained").subplots()
        ax.plot([0, 1], [0, 1])
        style(ax)
        return ax.figure
    _same_pixels(make)


def test_a_linked_axis_outside_the_figures_axes_leaves_its_group_to_matplotlib():
    """An inset linked to its panel (not in ``fig.axes``) or an Axes of another figure linked to one of
    this figure's would get the shared locator and no artist drawing the other ticks: the inset
    showed 2 of its 8 ticks (a review of issue 13). Such a group is left to matplotlib."""
    def inset():
        fig = Figure(figsize=(5, 4), layout="constrained")
        ax = fig.subplots()
        ax.plot([0, 10], [0, 1])
        ax.grid(True)
        ax.inset_axes([0.55, 0.55, 0.4, 0.4], sharex=ax).plot([0, 10], [3, 1])
        return fig
    fig = _same_pixels(inset)
    assert len(fig.axes[0].child_axes[0].get_xticks()) == 8

    def other_figure(light: bool) -> np.ndarray:
        first = Figure(figsize=(4, 3))
        ax = first.subplots()
        ax.plot([0, 10], [0, 1])
        second = Figure(figsize=(4, 3))
        second.add_subplot(sharex=ax).plot([0, 10], [1, 0])
        canvases = FigureCanvasAgg(first), FigureCanvasAgg(second)
        if light:
            light_major_ticks(first)
        for canvas in canvases:
            canvas.draw()
        return np.asarray(canvases[1].buffer_rgba()).copy()
    assert np.array_equal(other_figure(True), other_figure(False))


@pytest.mark.parametrize("which", [0, 1])
def test_linked_axes_with_labels_in_other_fonts_are_left_to_matplotlib(which):
    """The widest of the shared ticks' labels is measured in one font: with another font on one of
    the linked axes its widest label was dropped and the layout moved (a review of issue 13)."""
    def make():
        fig = Figure(figsize=(6, 3), layout="constrained")
        first = fig.add_subplot(1, 2, 1)
        axes = [first, fig.add_subplot(1, 2, 2, sharey=first)]
        for ax in axes:
            ax.plot([0, 1], [0, 1])
        first.set_yticks([0, 0.3, 0.6, 1], labels=["a", "iiiiiiiiii", "WWWWWW", "b"])
        axes[which].tick_params(axis="y", labelfontfamily="monospace")
        return fig
    _same_pixels(make)
