"""The one figure saver: atomic, format from the suffix, one resolution."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.image import imread

from corephase.plotting.style import DPI, TextStamps, new_figure, save_figure


def test_save_figure_atomic(tmp_path):
    fig = Figure()
    fig.add_subplot(1, 1, 1).plot([0, 1], [0, 1])
    p = save_figure(fig, tmp_path / "ok.svg")
    assert p.read_text().lstrip().startswith("<?xml")
    with pytest.raises(ValueError):
        save_figure(fig, tmp_path / "bad.notaformat")
    assert sorted(x.name for x in tmp_path.iterdir()) == ["ok.svg"]


def test_save_figure_uses_the_project_dpi(tmp_path):
    fig = Figure(figsize=(2.0, 1.5))
    fig.add_subplot(1, 1, 1).plot([0, 1], [0, 1])
    img = imread(save_figure(fig, tmp_path / "a.png"))
    assert img.shape[:2] == (round(1.5 * DPI), round(2.0 * DPI))


def test_one_style_for_every_figure():
    """Every figure module uses the project style: fonts, colour cycle, colour-blind-safe maps."""
    import matplotlib as mpl

    from corephase.plotting import array, catalogue, coda, experiment, maps, pair  # noqa: F401
    from corephase.plotting.style import OKABE_ITO, PHASE_COLORS, RC, new_figure

    fig = new_figure(3.0, 2.0)
    assert tuple(fig.get_size_inches()) == (3.0, 2.0)
    for key in ("font.size", "image.cmap", "savefig.dpi"):
        assert mpl.rcParams[key] == RC[key]
    assert mpl.rcParams["image.cmap"] in ("cividis", "viridis")
    assert len(set(PHASE_COLORS.values())) == len(PHASE_COLORS)
    assert set(PHASE_COLORS.values()) <= set(OKABE_ITO)


def _labelled(stamped: bool):
    """A figure with tick-label-like texts, as one Text each or as one TextStamps."""
    fig = new_figure(3.0, 2.0)
    ax = fig.add_axes((0.2, 0.2, 0.7, 0.7))
    ax.plot([0, 1], [0, 1])
    style = {"fontsize": 7, "color": "0.2", "ha": "right", "va": "center_baseline",
             "transform": ax.transAxes, "clip_on": False}  # fmt: skip
    labels = "0 −2 4.5 10 −30 1e3".split()
    texts = [((-0.02, y), s) for y, s in zip(np.linspace(0, 1, 6), labels, strict=True)]
    if stamped:
        ax.add_artist(TextStamps(fig, texts, style))
    else:
        for (x, y), s in texts:
            ax.text(x, y, s, **style)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return fig, np.asarray(canvas.buffer_rgba()).copy()


def test_text_stamps_draw_what_one_text_each_draws():
    (fig_a, a), (fig_b, b) = _labelled(False), _labelled(True)
    assert np.array_equal(a, b)
    renderer = fig_a.canvas.get_renderer()
    want = [t.get_window_extent(renderer).bounds for t in fig_a.axes[0].texts]
    (stamps,) = [c for c in fig_b.axes[0].get_children() if isinstance(c, TextStamps)]
    got = [box.bounds for box in stamps.extents(fig_b.canvas.get_renderer())]
    assert np.array(got) == pytest.approx(np.array(want))
    union = stamps.get_window_extent(fig_b.canvas.get_renderer())
    assert union.x0 == pytest.approx(min(b[0] for b in want))
    assert union.y1 == pytest.approx(max(b[1] + b[3] for b in want))
