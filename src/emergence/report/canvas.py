"""An Agg canvas that remembers text across the figures of a report (issue 13).

The same texts recur in every figure of a report: tick labels (``1K``, ``0.5``), axis labels, metric
names. Matplotlib's Agg renderer lays out, measures and rasterizes each one anew at every draw (its
own cache of text sizes lives as long as one renderer, that is one figure), and text was the largest
cost of a report figure: a third of an overview page's time. :class:`TextCanvas` draws with a
:class:`TextRenderer`, which keeps, for the process:

- the size of each text (by text, font, size, resolution and hinting), what the layout measures,
  and each font's line metrics;
- the glyphs of each text and their offsets (the font's layout, with its kerning and fallbacks);
- each glyph's bitmap, by glyph, font, size, resolution, angle, hinting, antialiasing and the
  glyph's place within its pixel (1/64 of a pixel, FreeType's own unit).

A glyph whose place differs from a remembered one by whole pixels is the same bitmap moved by those
pixels (FreeType rasterizes an outline moved by whole pixels to the same bitmap, moved), so the
pixels are those matplotlib draws, bit for bit; ``tests/test_report_canvas.py`` compares them on
rotated, unhinted, hinted and aliased text, fallback fonts and math text. Math text (``$...$``) and
TeX are drawn by matplotlib (its math parser has its own cache).
"""

from __future__ import annotations

import math
import os
import re
import sys
import threading
import warnings

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg, get_hinting_flag
from matplotlib.font_manager import fontManager, get_font
from matplotlib.ft2font import FT2Font, RenderMode

#: Whether this matplotlib lays out and renders glyphs as 3.11 does (``FT2Font._layout``,
#: ``_set_transform``, ``_render_glyph``): private calls, so another version may lack them; plain
#: text is then drawn by matplotlib itself, uncached.
GLYPHS_CACHED = all(hasattr(FT2Font, name) for name in ("_layout", "_set_transform", "_render_glyph")) \
    and hasattr(RendererAgg, "_prepare_font")

#: Entries kept per cache before it is emptied and filled again: a report of 69 figures holds
#: about 20,000 glyph bitmaps (a few MB), far under this.
MAX_ENTRIES = 200_000

#: Glyph origins (1/64 pixel) within this distance of the canvas's corner are drawn from the cache.
_NEAR = 64 * 2**20

_FONTS: dict[tuple, object] = {}
_SIZES: dict[tuple, tuple] = {}
_HEIGHTS: dict[tuple, tuple] = {}
_LAYOUTS: dict[tuple, list[tuple]] = {}
_GLYPHS: dict[tuple, tuple[np.ndarray, int, int]] = {}


#: Where a font's line metrics are read, in matplotlib's order (:meth:`matplotlib.text.Text._get_layout`).
_LINE_TABLES = (("OS/2", "sTypoLineGap", "sTypoAscender", "sTypoDescender"),
                ("hhea", "lineGap", "ascent", "descent"))


def clear() -> None:
    """Forget every remembered text size, layout and glyph."""
    for cache in (_FONTS, _SIZES, _HEIGHTS, _LAYOUTS, _GLYPHS):
        cache.clear()


if hasattr(os, "register_at_fork"):  # font objects must not be shared across a fork (matplotlib)
    os.register_at_fork(after_in_child=clear)


def _remember(cache: dict, key: tuple, value):
    if len(cache) >= MAX_ENTRIES:
        cache.clear()
    cache[key] = value
    return value


def _warned(compute) -> tuple:
    """``(compute(), the warnings it gave)``, the warnings held back: :func:`_say` says them each time
    the remembered value is used, the first time included, as matplotlib says them at each measure
    and draw (a glyph missing from the font)."""
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        value = compute()
    return value, tuple((w.message, w.category) for w in said)


def _say(said: tuple) -> None:
    if not said:
        return
    # attributed, as matplotlib's warn_external does, to the first caller outside matplotlib (and here)
    frame, level = sys._getframe(1), 2
    while frame is not None and (frame.f_globals.get("__name__", "") == __name__
                                 or re.match(r"\A(matplotlib|mpl_toolkits)(\Z|\.(?!tests\.))",
                                             frame.f_globals.get("__name__", ""))):
        frame, level = frame.f_back, level + 1
    for message, category in said:
        warnings.warn(message, category, stacklevel=level)


#: The settings that choose and open a font besides its properties (matplotlib's ``findfont`` and
#: ``get_font`` read them).
_FONT_SETTINGS = ("font.family", "font.style", "font.variant", "font.weight", "font.stretch", "font.size",
                  "font.serif", "font.sans-serif", "font.cursive", "font.fantasy", "font.monospace",
                  "font.enable_last_resort", "text.kerning_factor", "text.hinting_factor")


def _font(prop):
    """The font (with its fallbacks) matplotlib's Agg renderer uses for ``prop``, unsized: found by
    matplotlib's font manager once per font properties and settings (finding it took a tenth of a
    task figure's time, text by text)."""
    import matplotlib as mpl

    # a font object serves the thread that opened it (matplotlib's get_font keys on the thread too); a
    # font added to the font manager (addfont) can be the better match from then on
    key = (prop, threading.get_ident(), len(fontManager.ttflist),
           *(_hashable(mpl.rcParams[name]) for name in _FONT_SETTINGS))
    font = _FONTS.get(key)
    if font is None:
        font = _remember(_FONTS, key, get_font(fontManager._find_fonts_by_props(prop)))
    return font


def _hashable(value):
    return tuple(value) if isinstance(value, list) else value


class TextRenderer(RendererAgg):
    """Matplotlib's Agg renderer, with the sizes, layouts and glyph bitmaps of plain text kept for the
    process (see the module's description): the same pixels, in less time. ``figure`` is the figure
    it draws (:class:`TextCanvas` sets it), whose resolution the font's line metrics follow."""

    figure = None

    def get_text_width_height_descent(self, s, prop, ismath):
        if ismath:
            return super().get_text_width_height_descent(s, prop, ismath)
        key = (s, _font(prop), prop.get_size_in_points(), self.dpi, get_hinting_flag())
        found = _SIZES.get(key)
        if found is None:
            measure = super().get_text_width_height_descent
            found = _remember(_SIZES, key, _warned(lambda: measure(s, prop, ismath)))
        _say(found[1])
        return found[0]

    def _get_font_height_metrics(self, prop):
        """A font's ascent, descent and line gap at its size, in pixels, from its OS/2 or hhea table
        (what :meth:`matplotlib.text.Text._get_layout` reads from the font for every line of text
        it lays out, when a renderer does not give them): the same arithmetic, read once."""
        font = _font(prop)
        size = prop.get_size_in_points()
        # Text._get_layout scales them by its figure's dpi, which get_window_extent(dpi=...) changes
        dpi = self.figure.dpi if self.figure is not None else self.dpi
        key = (font, size, dpi)
        metrics = _HEIGHTS.get(key)
        if metrics is None:
            metrics = (None, None, None)  # no such table: matplotlib measures the font itself
            for table_name, gap, ascent, descent in _LINE_TABLES:
                table = font.get_sfnt_table(table_name)
                if table is None:
                    continue
                scale = 1 / font.get_sfnt_table("head")["unitsPerEm"] * size * dpi / 72
                metrics = (table[ascent] * scale, -table[descent] * scale, table[gap] * scale)
                break
            _remember(_HEIGHTS, key, metrics)
        return metrics

    def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
        if ismath or not GLYPHS_CACHED:
            return super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
        features = mtext.get_fontfeatures() if mtext is not None else None
        language = mtext.get_language() if mtext is not None else None
        size = prop.get_size_in_points()
        flags = get_hinting_flag()
        key = (s, _font(prop), size, self.dpi, flags,
               None if features is None else tuple(features), language)
        found = _LAYOUTS.get(key)
        if found is None:
            font = self._prepare_font(prop)  # cleared and sized, as matplotlib lays text out
            found = _remember(_LAYOUTS, key, _warned(lambda: [
                (item.ft_object, item.glyph_index, item.x, item.y)
                for item in font._layout(s, flags=flags, features=features, language=language)]))
        _say(found[1])
        self._draw_glyphs(gc, x, y, angle, size, flags, found[0])
        return None

    def _draw_glyphs(self, gc, x, y, angle, size, flags, glyphs) -> None:
        """Each glyph as :meth:`RendererAgg._draw_text_glyphs_and_boxes` draws it (upright, unslanted,
        unstretched), its bitmap taken from the cache where it was rasterized before at the same
        place within a pixel."""
        cos, sin = math.cos(math.radians(angle)), math.sin(math.radians(angle))
        antialiased = bool(gc.get_antialiased())
        mode = RenderMode.NORMAL if antialiased else RenderMode.MONO
        height = self.height
        matrix = None
        draw = self._renderer.draw_text_image
        for font, index, dx, dy in glyphs:  # dy is upwards
            # the glyph's origin in FreeType's 1/64 pixels, its y upwards (as matplotlib computes it)
            gx = round(0x40 * (x + dx * cos - dy * sin))
            gy = round(0x40 * (height - y + dx * sin + dy * cos))
            key = (font, size, self.dpi, index, angle, gx & 63, gy & 63, flags, antialiased)
            # far outside the canvas FreeType may refuse the glyph (raster overflow): it is asked, as
            # matplotlib asks it, and not answered from the cache
            near = abs(gx) < _NEAR and abs(gy) < _NEAR
            glyph = _GLYPHS.get(key) if near else None
            if glyph is None:
                if matrix is None:  # the rotation (matplotlib's times [[1, 0], [0, 1]]: no slant or stretch)
                    matrix = (0x10000 * np.array([[cos, -sin], [sin, cos]])).round().astype(int)
                font.set_size(size, self.dpi)
                font._set_transform(matrix, [gx, gy])
                bitmap = font._render_glyph(index, flags, mode)
                buffer = np.array(bitmap.buffer, copy=True)
                if not antialiased:
                    buffer *= 0xff
                # the bitmap's corner relative to the glyph's whole-pixel origin
                glyph = (buffer, bitmap.left - (gx >> 6), bitmap.top - (gy >> 6))
                if near:
                    _remember(_GLYPHS, key, glyph)
            buffer, left, top = glyph
            # draw_text_image's y is downwards and is the bitmap's bottom side
            draw(buffer, left + (gx >> 6), int(height) - (top + (gy >> 6)) + buffer.shape[0], 0, gc)


class TextCanvas(FigureCanvasAgg):
    """An Agg canvas that draws with a :class:`TextRenderer`.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> fig = Figure(figsize=(2, 1))
    >>> _ = fig.text(0.1, 0.5, "exact_match")
    >>> canvas = TextCanvas(fig)
    >>> canvas.draw()
    >>> isinstance(canvas.get_renderer(), TextRenderer)
    True
    """

    def get_renderer(self):
        width, height = self.get_width_height(physical=True)
        key = width, height, self.figure.dpi
        if self._lastKey != key:
            self.renderer = TextRenderer(width, height, self.figure.dpi)
            self.renderer.figure = self.figure
            self._lastKey = key
        return self.renderer
