"""The minor ticks of a log axis drawn by one artist (plots/minor_ticks.py: MinorTicks).

Every reference here is matplotlib itself: the same figure drawn with its own Tick objects.
"""

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from emergence import plots
from emergence.plots.major_ticks import light_major_ticks
from emergence.plots.minor_ticks import MinorTicks, light_minor_ticks


def _pixels(fig, *, light: bool = False) -> np.ndarray:
    canvas = FigureCanvasAgg(fig)
    if light:
        light_major_ticks(fig)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba()).copy()


def test_minor_ticks_are_the_pixels_matplotlib_draws():
    """The unlabelled minor ticks of a log axis are drawn by one artist (MinorTicks): the same pixels
    as matplotlib's own 40 Tick objects, for either axis and any tick style."""
    def draw(light: bool):
        fig = Figure(figsize=(3.2, 2.4), dpi=80)
        ax = fig.subplots()
        ax.plot([1e8, 3e9, 1.75e11], [2e-3, 0.4, 0.9])
        ax.set(xscale="log", yscale="log")
        ax.tick_params(which="minor", length=5, width=1.5, direction="inout", top=True, colors="red")
        if light:
            light_minor_ticks(ax.xaxis)
            light_minor_ticks(ax.yaxis)
            light_minor_ticks(ax.xaxis)  # once per axis
        return fig, ax

    fig, ax = draw(True)
    marks = [a for a in ax.artists if isinstance(a, MinorTicks)]
    assert [m.axis for m in marks] == [ax.xaxis, ax.yaxis] and not len(ax.xaxis.get_minorticklocs())
    plain, own = draw(False)
    assert np.array_equal(_pixels(plain), _pixels(fig))
    low, high = own.get_xlim()
    ticks = own.xaxis.get_minorticklocs()  # 7e7, 8e7, 9e7, 2e8 .. 9e8, ..., 2e11
    np.testing.assert_array_equal(marks[0].locations(), ticks[(ticks >= low) & (ticks <= high)])


def test_format_scale_axis_keeps_one_minor_tick_artist():
    """The mirage check draws two curves on one Axes: format_scale_axis runs twice."""
    ax = Figure().subplots()
    ax.plot([1e8, 1e11], [0, 1])
    plots.format_scale_axis(ax, "params")
    plots.format_scale_axis(ax, "params")
    assert sum(isinstance(a, MinorTicks) for a in ax.artists) == 1


@pytest.mark.parametrize("when", ["before", "after"])
def test_minor_grid_lines_of_a_log_axis_are_drawn(when):
    """MinorTicks draws minor tick marks only: a minor grid (``grid(which="both")``) turned on before
    light_minor_ticks keeps matplotlib's minor ticks, and one turned on after (on a figure of
    emergence.plots, say) gives them back at the next draw; its lines had been lost (a review of
    issue 13)."""
    def make(light: bool):
        def build():
            ax = Figure(figsize=(4, 3), layout="constrained").subplots()
            ax.plot([1e18, 1e22], [0, 1])
            ax.set_xscale("log")
            if when == "before":
                ax.grid(True, which="both", alpha=0.4)
            if light:
                light_minor_ticks(ax.xaxis)
            if when == "after":
                ax.grid(True, which="both", alpha=0.4)
            return ax.figure
        return build
    plain = _pixels(make(False)(), light=False)
    fig = make(True)()
    assert np.array_equal(_pixels(fig, light=True), plain)
    assert not any(isinstance(a, MinorTicks) for a in fig.axes[0].artists)
