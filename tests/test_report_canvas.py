"""The report's Agg canvas (emergence.report.canvas): text sizes, layouts and glyph bitmaps kept
across figures, and the pixels matplotlib's own Agg canvas draws, bit for bit."""

from __future__ import annotations

import matplotlib as mpl
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

import emergence
from emergence import plots
from emergence.report import canvas as text_canvas
from emergence.report.canvas import TextCanvas, TextRenderer


@pytest.fixture(scope="module")
def analysis():
    """One simulated family at 40 examples (as tests/test_report_figures.py's)."""
    import warnings

    records = emergence.simulate(family="toy", truth="sharp", n_examples=40, target_lengths=(1, 5), seed=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return emergence.analyze(records, bootstrap=100, seed=0)


def _texts(shift: float) -> Figure:
    """A figure of texts that exercise the renderer, in pixels: one string in each style (rotations,
    sizes, weights, aliased, hinted or not) at places a whole number of pixels apart, so that a style
    left out of the cache's key would draw another style's glyphs; a fallback font (CJK glyphs DejaVu
    lacks), math text, several lines; ``shift`` moves every text by a fraction of a pixel, so that
    glyphs land at other places within their pixels."""
    from matplotlib.transforms import IdentityTransform

    fig = Figure(figsize=(4, 4), dpi=80)
    ax = fig.subplots()
    ax.plot([1e8, 3e9, 1.75e11], [0.1, 0.4, 0.9])
    ax.set(xscale="log", title="exact_match\nJ = 0.68 [0.61, 0.74]; jump", ylabel="per-token probability")
    styles = [{}, {"rotation": 30}, {"rotation": 90}, {"fontsize": 11}, {"fontweight": "bold"},
              {"antialiased": False}, {"fontfamily": "monospace"}, {"fontsize": 6}]
    for i, style in enumerate(styles):
        fig.text(12.25 + shift + 9 * i, 20.5 + shift + 25 * i, "AVA To 1K 漢", transform=IdentityTransform(),
                 **style)
    fig.text(0.5 + shift / 320, 0.5 + shift / 320, "math $10^{9}$ and $\\alpha$")
    fig.text(0.7 + shift / 320, 0.3 + shift / 320, "a\nb\nc", fontsize=6)
    return fig


def _pixels(fig: Figure, canvas_class) -> np.ndarray:
    canvas = canvas_class(fig)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba()).copy()


@pytest.mark.parametrize("hinting", ["none", "auto", "default"])
def test_text_is_the_pixels_matplotlib_draws(hinting):
    """Drawn cold and again from the cache (the same texts at the same and at other sub-pixel
    places), every pixel is matplotlib's own Agg canvas's."""
    import warnings

    text_canvas.clear()
    with mpl.rc_context({"text.hinting": hinting}), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Glyph ... missing from font(s)" where no CJK font is installed
        for shift in (0.0, 0.0, 0.37, 1.0, 2.61, 0.37):
            expected = _pixels(_texts(shift), FigureCanvasAgg)
            assert np.array_equal(_pixels(_texts(shift), TextCanvas), expected), shift
    assert text_canvas._GLYPHS and text_canvas._LAYOUTS and text_canvas._SIZES


def test_a_report_figure_is_the_same_pixels_cold_and_warm(analysis):
    """A task figure on matplotlib's canvas, then on the text canvas with nothing remembered, then
    again with everything remembered: the same pixels each time."""
    from emergence.report.figures import TEXT

    def figure():
        return plots.plot_task(analysis.scores, family="toy", task="toy_length_5", curves=analysis.curves)

    with mpl.rc_context(TEXT):
        expected = _pixels(figure(), FigureCanvasAgg)
        text_canvas.clear()
        assert np.array_equal(_pixels(figure(), TextCanvas), expected)
        assert np.array_equal(_pixels(figure(), TextCanvas), expected)


def test_the_caches_are_bounded(monkeypatch):
    """A cache at its bound is emptied before it takes another entry."""
    monkeypatch.setattr(text_canvas, "MAX_ENTRIES", 3)
    text_canvas.clear()
    fig = Figure(figsize=(2, 1), dpi=80)
    fig.text(0.1, 0.5, "many different glyphs")
    _pixels(fig, TextCanvas)
    assert 0 < len(text_canvas._GLYPHS) <= 3


def test_the_canvas_draws_with_the_text_renderer():
    fig = Figure(figsize=(2, 1), dpi=80)
    canvas = TextCanvas(fig)
    assert isinstance(canvas.get_renderer(), TextRenderer)
    assert canvas.get_renderer() is canvas.get_renderer()  # kept while the size stays
    fig.set_size_inches(3, 1)
    assert canvas.get_renderer().width == 240


def test_a_font_is_found_again_when_the_settings_change():
    """The same font properties (the family "sans-serif") name another font once the settings list
    another sans-serif font first: the cache keys on the settings, and draws that font."""
    import warnings

    text_canvas.clear()
    drawn = []
    for fonts in (["DejaVu Sans"], ["DejaVu Sans Mono"], ["DejaVu Sans"]):
        with mpl.rc_context({"font.sans-serif": fonts, "font.family": "sans-serif"}), \
                warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "Glyph ... missing from font(s)": no CJK font installed
            expected = _pixels(_texts(0.5), FigureCanvasAgg)
            assert np.array_equal(_pixels(_texts(0.5), TextCanvas), expected), fonts
            drawn.append(expected)
    assert not np.array_equal(drawn[0], drawn[1]) and np.array_equal(drawn[0], drawn[2])


@pytest.mark.filterwarnings("ignore:Glyph .* missing from font")  # no CJK font installed
def test_without_the_private_glyph_calls_matplotlib_draws_the_text(monkeypatch):
    """Another matplotlib may lack FT2Font's private layout and render calls: text is then drawn by
    matplotlib itself, and the pixels are still its own."""
    monkeypatch.setattr(text_canvas, "GLYPHS_CACHED", False)
    text_canvas.clear()
    expected = _pixels(_texts(0.25), FigureCanvasAgg)
    assert np.array_equal(_pixels(_texts(0.25), TextCanvas), expected)
    assert not text_canvas._LAYOUTS and not text_canvas._GLYPHS
    assert text_canvas.GLYPHS_CACHED is False


def test_what_matplotlib_warns_is_warned_at_every_draw():
    """A glyph missing from the font: matplotlib warns at each measure and draw; so does the text
    canvas, from what it remembered (a review found the warning said once, then never again)."""
    import warnings

    def count(canvas_class) -> list[tuple]:
        counts = []
        for _ in range(3):
            fig = Figure(figsize=(2, 1), dpi=80)
            fig.text(0.1, 0.5, "missing \U0001d400\U0001f600 glyphs")
            with warnings.catch_warnings(record=True) as said:
                warnings.simplefilter("always")
                _pixels(fig, canvas_class)
            # how many, and where (matplotlib names the first caller outside itself)
            counts.append(tuple((w.filename, w.lineno) for w in said if "from font" in str(w.message)))
        return counts

    text_canvas.clear()
    expected = count(FigureCanvasAgg)
    assert expected[0] and count(TextCanvas) == expected


@pytest.mark.filterwarnings("ignore:Glyph .* missing from font")
def test_the_line_metrics_follow_the_resolution_a_text_is_measured_at():
    """Text.get_window_extent(dpi=...) measures at another resolution than the renderer's: the
    font's line metrics follow it, as matplotlib's do (a review measured 11.11 px for 27.78)."""
    def extents(canvas_class):
        fig = Figure(figsize=(2, 1), dpi=80)
        text = fig.text(0.1, 0.5, "a\nb", fontsize=10)
        canvas_class(fig).draw()
        return [tuple(text.get_window_extent(dpi=dpi).bounds) for dpi in (200, 80, 50)]

    text_canvas.clear()
    assert extents(TextCanvas) == extents(FigureCanvasAgg)


def test_a_font_added_later_is_used():
    """A font added to matplotlib's font manager after a draw can be the better match from then on:
    the font found for a font's properties is looked up again (matplotlib clears its own cache)."""
    from matplotlib import font_manager

    text_canvas.clear()
    fig = Figure(figsize=(2, 1), dpi=80)
    fig.text(0.1, 0.5, "Added")
    _pixels(fig, TextCanvas)
    before = len(text_canvas._FONTS)
    font_manager.fontManager.ttflist.append(font_manager.fontManager.ttflist[0])  # one more entry
    try:
        _pixels(fig, TextCanvas)
        assert len(text_canvas._FONTS) > before
    finally:
        font_manager.fontManager.ttflist.pop()


def test_a_forked_process_starts_without_the_parents_fonts():
    """Font objects must not be shared across a fork (matplotlib empties its own font cache in the
    child): the child's caches start empty."""
    import os

    if not hasattr(os, "fork"):
        pytest.skip("no fork on this platform")
    fig = Figure(figsize=(2, 1), dpi=80)
    fig.text(0.1, 0.5, "parent")
    _pixels(fig, TextCanvas)
    assert text_canvas._FONTS
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # the child: report whether its caches are empty, and leave at once
        os.write(write, b"1" if not (text_canvas._FONTS or text_canvas._GLYPHS) else b"0")
        os._exit(0)
    os.close(write)
    answer = os.read(read, 1)
    os.waitpid(child, 0)
    assert answer == b"1" and text_canvas._FONTS
