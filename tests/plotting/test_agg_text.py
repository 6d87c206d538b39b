"""The caching Agg canvas draws and measures text exactly as matplotlib's Agg canvas does."""

from __future__ import annotations

import matplotlib as mpl
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from corephase.plotting import agg_text
from corephase.plotting.agg_text import CachedTextCanvas
from corephase.plotting.style import new_figure

pytestmark = pytest.mark.skipif(
    agg_text.AggCanvas is not CachedTextCanvas,
    reason=f"matplotlib {mpl.__version__}: the figures use matplotlib's own Agg canvas",
)

TEXTS = ("PKiKP 1-2 Hz", "−0.25", "10", "slowness (s/deg)", "$\\beta$ = 3", "1e3", "PcP\nPKiKP")


def _texts(canvas_class, shift: float):
    """A figure of texts at sub-pixel positions, rotations, sizes and anti-aliasing; its
    pixels and the texts' extents (display pixels)."""
    fig = new_figure(3.0, 2.0)
    ax = fig.add_axes((0.15, 0.15, 0.8, 0.8))
    ax.plot([0, 1], [0, 1])
    ax.set_title("band 1-2 Hz")
    ax.set_ylabel("time (s)")
    rng = np.random.default_rng(3)
    for i, s in enumerate(TEXTS * 3):
        x, y = rng.uniform(0.05, 0.9, 2) + shift
        ax.text(x, y, s, rotation=(0, 90, 33)[i % 3], fontsize=6 + i % 4,
                antialiased=i % 5 != 0, ha=("left", "center", "right")[i % 3])  # fmt: skip
    canvas = canvas_class(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    boxes = [t.get_window_extent(renderer).bounds for t in ax.texts]
    return np.asarray(canvas.buffer_rgba()).copy(), boxes


def test_cached_text_canvas_draws_matplotlibs_pixels():
    for shift in (0.0, 0.0013, 0.0):  # the second and third draw hit the caches
        want, want_boxes = _texts(FigureCanvasAgg, shift)
        got, got_boxes = _texts(CachedTextCanvas, shift)
        assert np.array_equal(want, got)
        assert got_boxes == want_boxes
    assert agg_text._LAYOUTS and agg_text._GLYPHS and agg_text._METRICS and agg_text._HEIGHTS


def test_caches_are_emptied_when_full(monkeypatch):
    monkeypatch.setattr(agg_text, "CACHE_SIZE", 3)
    cache: dict = {}
    for k in range(5):
        agg_text._remember(cache, k, k)
    assert len(cache) <= 3 and cache[4] == 4
    want, _ = _texts(FigureCanvasAgg, 0.0)
    got, _ = _texts(CachedTextCanvas, 0.0)
    assert np.array_equal(want, got)


def _sans(canvas_class, fonts):
    """Pixels of a figure of generic sans-serif text, with ``fonts`` as that family."""
    with mpl.rc_context({"font.sans-serif": fonts}):
        fig = Figure(figsize=(2.0, 1.0), dpi=100)
        fig.text(0.1, 0.4, "PKiKP 1-2 Hz", family="sans-serif", fontsize=9)
        canvas = canvas_class(fig)
        canvas.draw()
        return np.asarray(canvas.buffer_rgba()).copy()


def test_font_rcparams_are_part_of_the_cache_keys():
    """A changed font list after a cached draw still draws matplotlib's pixels."""
    sans = _sans(CachedTextCanvas, ["DejaVu Sans"])
    want = _sans(FigureCanvasAgg, ["DejaVu Serif"])
    assert not np.array_equal(sans, want)
    assert np.array_equal(_sans(CachedTextCanvas, ["DejaVu Serif"]), want)


def test_cached_canvas_is_used_on_the_matplotlib_it_was_checked_against():
    """matplotlib 3.11 (the version the cached renderer was checked against) gets the cached
    canvas; any other falls back to matplotlib's own (see agg_text._supported)."""
    assert agg_text._supported() == mpl.__version__.startswith("3.11.")
