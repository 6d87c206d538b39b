"""Agg canvas whose renderer keeps text layouts, metrics and glyph bitmaps between draws.

matplotlib's Agg renderer (3.11) lays out every string it draws or measures
(FreeType/libraqm shaping, about 1 ms a string) and renders every glyph anew at
its sub-pixel position; its text-metrics cache lives as long as one renderer,
i.e. one figure. The per-pair figures draw the same tick values, labels and
titles again and again, so :class:`CachedTextRenderer` keeps, for the life of the
process:

* the width, height and descent of each (string, font) it measured;
* the layout (font, glyph index and offset of every glyph) of each string;
* the bitmap of each glyph at each sub-pixel offset (1/64 px) and rotation.

A glyph placed at ``(x, y)`` (1/64 px) is the glyph rendered at the fraction
``(x mod 64, y mod 64)`` shifted by whole pixels, which FreeType rasterises
identically, so the drawn pixels are exactly matplotlib's. Mathtext and TeX
strings go to matplotlib's own code. Each cache is emptied when it reaches
:data:`CACHE_SIZE` entries.
"""

from __future__ import annotations

import math
import threading

import matplotlib as mpl
import numpy as np
from matplotlib import ft2font
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg, get_hinting_flag
from matplotlib.font_manager import fontManager, get_font

RenderMode = getattr(ft2font, "RenderMode", None)

#: Most entries of each text cache (metrics, layouts, glyph bitmaps) before it is emptied.
CACHE_SIZE = 20000

_METRICS: dict = {}
_HEIGHTS: dict = {}
_LAYOUTS: dict = {}
_GLYPHS: dict = {}


def clear_caches() -> None:
    """Empty the text caches (metrics, font heights, layouts, glyph bitmaps), e.g. to time
    a cold draw."""
    for cache in (_METRICS, _HEIGHTS, _LAYOUTS, _GLYPHS):
        cache.clear()


def _remember(cache: dict, key, value):
    if len(cache) >= CACHE_SIZE:
        cache.clear()
    cache[key] = value
    return value


#: rcParams that choose the font files of a FontProperties and its FT2Font object.
_FONT_RC = (
    "text.hinting",
    "text.hinting_factor",
    "text.kerning_factor",
    "font.enable_last_resort",
    "font.sans-serif",
    "font.serif",
    "font.monospace",
    "font.cursive",
    "font.fantasy",
)


def _font_key(prop) -> tuple:
    """The properties that select and size a font (those of FontProperties' hash), the
    rcParams that resolve them to a font and the thread (matplotlib keeps one FT2Font per
    font file and thread)."""
    rc = mpl.rcParams
    return (
        threading.get_ident(),
        *(tuple(v) if isinstance(v, list) else v for v in map(rc.__getitem__, _FONT_RC)),
        tuple(prop.get_family()),
        prop.get_slant(),
        prop.get_variant(),
        prop.get_weight(),
        prop.get_stretch(),
        prop.get_size(),
        prop.get_file(),
        prop.get_math_fontfamily(),
    )


def _font_heights(prop, dpi) -> tuple:
    """Ascent, descent and line gap (pixels at ``dpi``) of the font of ``prop`` from its
    OS/2 or hhea table, computed as :meth:`matplotlib.text.Text._get_layout` does (3.11)."""
    font = get_font(fontManager._find_fonts_by_props(prop))
    for table_name, gap_key, ascent_key, descent_key in (
        ("OS/2", "sTypoLineGap", "sTypoAscender", "sTypoDescender"),
        ("hhea", "lineGap", "ascent", "descent"),
    ):
        table = font.get_sfnt_table(table_name)
        if table is None:
            continue
        fontsize = prop.get_size_in_points()
        scale = 1 / font.get_sfnt_table("head")["unitsPerEm"] * fontsize * dpi / 72
        return table[ascent_key] * scale, -table[descent_key] * scale, table[gap_key] * scale
    return None, None, None


class CachedTextRenderer(RendererAgg):
    """:class:`~matplotlib.backends.backend_agg.RendererAgg` drawing plain text from the
    process-wide caches of this module (same pixels, same metrics)."""

    def _get_font_height_metrics(self, prop):
        """Ascent, descent and line gap (display pixels) of the font of ``prop``, which
        :meth:`matplotlib.text.Text._get_layout` (3.11) asks a renderer for before it reads
        them from the font's tables itself: the same values, read once per font and dpi
        (the renderer's dpi is the figure's, which the layout uses)."""
        key = (_font_key(prop), self.dpi)
        hit = _HEIGHTS.get(key)
        if hit is None:
            hit = _remember(_HEIGHTS, key, _font_heights(prop, self.dpi))
        return hit

    def get_text_width_height_descent(self, s, prop, ismath):
        """Width, height and descent (display pixels) of ``s``, as RendererAgg's."""
        if ismath:
            return super().get_text_width_height_descent(s, prop, ismath)
        key = (s, _font_key(prop), self.dpi, get_hinting_flag())
        hit = _METRICS.get(key)
        if hit is None:
            hit = _remember(_METRICS, key, super().get_text_width_height_descent(s, prop, False))
        return hit

    def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
        """Draw ``s`` at display ``(x, y)`` (y downwards), rotated ``angle`` degrees."""
        if ismath:
            return super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
        features = mtext.get_fontfeatures() if mtext is not None else None
        language = mtext.get_language() if mtext is not None else None
        flags = get_hinting_flag()
        key = (s, _font_key(prop), self.dpi, flags, repr(features), repr(language))
        items = _LAYOUTS.get(key)
        if items is None:
            font = self._prepare_font(prop)
            laid = font._layout(s, flags=flags, features=features, language=language)
            items = _remember(
                _LAYOUTS, key, tuple((i.ft_object, i.glyph_index, i.x, i.y) for i in laid)
            )
        self._draw_glyphs(gc, x, y, angle, prop.get_size_in_points(), items, flags)

    def _draw_glyphs(self, gc, x, y, angle, size, items, flags) -> None:
        """The glyphs ``items`` (font, index, dx, dy upwards) of a string at ``(x, y)``, as
        RendererAgg's ``_draw_text_glyphs_and_boxes`` draws them (``flags``: the hinting
        flag the string was laid out with)."""
        cos = math.cos(math.radians(angle))
        sin = math.sin(math.radians(angle))
        matrix = (0x10000 * np.array([[cos, -sin], [sin, cos]])).round().astype(int)
        rotation = tuple(matrix.ravel())
        mode = RenderMode.NORMAL if gc.get_antialiased() else RenderMode.MONO
        height = int(self.height)
        for font, index, dx, dy in items:
            px = round(0x40 * (x + dx * cos - dy * sin))
            py = round(0x40 * (self.height - y + dx * sin + dy * cos))
            key = (font, size, self.dpi, index, rotation, px & 63, py & 63, flags, mode)
            hit = _GLYPHS.get(key)
            if hit is None:
                font.set_size(size, self.dpi)
                font._set_transform(matrix, [px & 63, py & 63])
                bitmap = font._render_glyph(index, flags, mode)
                buffer = np.array(bitmap.buffer)
                if mode == RenderMode.MONO:
                    buffer *= 0xFF
                hit = _remember(_GLYPHS, key, (buffer, bitmap.left, bitmap.top))
            buffer, left, top = hit
            top += py >> 6
            self._renderer.draw_text_image(
                buffer, left + (px >> 6), height - top + buffer.shape[0], 0, gc
            )


class CachedTextCanvas(FigureCanvasAgg):
    """:class:`~matplotlib.backends.backend_agg.FigureCanvasAgg` drawing with a
    :class:`CachedTextRenderer`."""

    def get_renderer(self):
        """The canvas' renderer, a new one when the figure's pixel size or dpi changed."""
        w, h = self.get_width_height(physical=True)
        key = w, h, self.figure.dpi
        if self._lastKey != key:
            self.renderer = CachedTextRenderer(w, h, self.figure.dpi)
            self._lastKey = key
        return self.renderer


def _supported() -> bool:
    """Whether this matplotlib has the private pieces the cached renderer re-uses, in the
    form it was checked against (3.11: ``FT2Font._layout``, ``_render_glyph``,
    ``_set_transform``, ``RendererAgg._prepare_font``, ``RenderMode``)."""
    version = tuple(int(p) for p in mpl.__version__.split(".")[:2] if p.isdigit())
    font = getattr(ft2font, "FT2Font", None)
    return (
        version == (3, 11)
        and RenderMode is not None
        and all(hasattr(font, a) for a in ("_layout", "_render_glyph", "_set_transform"))
        and hasattr(RendererAgg, "_prepare_font")
    )


#: The Agg canvas the figures are drawn on: :class:`CachedTextCanvas` where this
#: matplotlib has what it re-uses (see :func:`_supported`), matplotlib's own otherwise
#: (the same figures, without the text caches).
AggCanvas = CachedTextCanvas if _supported() else FigureCanvasAgg
