"""Panels side by side in one Axes (plotting.columns) and ticks without matplotlib Ticks
(plotting.style.flat_ticks)."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.ticker import NullLocator

from corephase.plotting.columns import ColumnStack
from corephase.plotting.style import TextStamps, flat_ticks, new_figure

RECT = (0.07, 0.17, 0.84, 0.63)


def _stamped(ax) -> list[str]:
    """The tick labels :func:`~corephase.plotting.style.draw_ticks` stamped in ``ax``."""
    return [s for a in ax.get_children() if isinstance(a, TextStamps) for _, s in a.texts]


def _rgba(fig) -> np.ndarray:
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba()).copy()


@pytest.mark.parametrize("n", [1, 3, 4])
def test_columns_sit_where_separate_axes_would(n):
    fig = new_figure(7.2, 3.0)
    separate = np.atleast_1d(fig.subplots(1, n, squeeze=False)[0])
    fig.subplots_adjust(left=0.07, right=0.91, bottom=0.17, top=0.8, wspace=0.08)
    cols = ColumnStack(new_figure(7.2, 3.0).add_axes(RECT), n, gap=0.08)
    box = cols.ax.get_position()
    for j, ax in enumerate(separate):
        x0, x1 = cols.bounds(j)
        pos = ax.get_position()
        assert box.x0 + x0 * box.width == pytest.approx(pos.x0, abs=1e-12)
        assert box.x0 + x1 * box.width == pytest.approx(pos.x1, abs=1e-12)


def test_column_data_transform_maps_its_limits_to_its_panel():
    cols = ColumnStack(new_figure(7.2, 3.0).add_axes(RECT), 3)
    cols.set_xlim(2, -30.0, 60.0)
    cols.ax.set_ylim(0.0, 10.0)
    to_axes = cols.ax.transAxes.inverted()
    x0, x1 = cols.bounds(2)
    lo = to_axes.transform(cols.data(2).transform((-30.0, 0.0)))
    hi = to_axes.transform(cols.data(2).transform((60.0, 10.0)))
    assert lo == pytest.approx([x0, 0.0])
    assert hi == pytest.approx([x1, 1.0])


@pytest.mark.parametrize("limits", [(-30.0, 59.95), (-13.2, 13.2), (0.0, 1.0)])
def test_column_ticks_are_those_of_a_separate_axes(limits):
    """AutoLocator ticks and labels of a column equal what matplotlib draws on an Axes of
    the column's size."""
    fig = new_figure(7.2, 3.0)
    axes = fig.subplots(1, 4)
    fig.subplots_adjust(left=0.07, right=0.91, bottom=0.17, top=0.8, wspace=0.08)
    ax = axes[1]
    ax.set_xlim(*limits)
    _rgba(fig)
    lo, hi = limits
    want = [(t.get_loc(), t.label1.get_text()) for t in ax.xaxis.get_major_ticks()]
    want = [(v, s) for v, s in want if lo <= v <= hi]

    cols = ColumnStack(new_figure(7.2, 3.0).add_axes(RECT), 4, gap=0.08)
    cols.set_xlim(1, *limits)
    cols.xticks(1)
    x0, x1 = cols.bounds(1)
    got = [(lo + (x - x0) / (x1 - x0) * (hi - lo), s) for x, s in cols._ticks]
    assert [s for _, s in got] == [s for _, s in want]
    assert [v for v, _ in got] == pytest.approx([v for v, _ in want])


def test_columns_are_drawn_with_titles_labels_and_ticks():
    fig = new_figure(7.2, 3.0)
    cols = ColumnStack(fig.add_axes(RECT), 2)
    cols.ax.set_ylim(0.0, 10.0)
    for j in range(2):
        cols.set_xlim(j, -30.0, 60.0)
        cols.ax.imshow(np.eye(4), aspect="auto", extent=(-30, 60, 0, 10), transform=cols.data(j))
        cols.title(j, f"panel {j}")
        cols.xticks(j)
    cols.frame()
    cols.xlabels(["time (s)", ""], FigureCanvasAgg(fig).get_renderer())
    texts = [t.get_text() for t in cols.ax.texts] + _stamped(cols.ax)
    assert {"panel 0", "panel 1", "time (s)", "0", "−20"} <= set(texts)
    assert cols.ax.get_xlim() == (0.0, 1.0)
    assert _rgba(fig)[..., :3].std() > 0


def _plain_figure():
    fig = new_figure(5.0, 3.0)
    ax = fig.add_axes((0.15, 0.2, 0.6, 0.7))
    im = ax.imshow(np.linspace(0.0, 1.0, 12).reshape(3, 4), aspect="auto", extent=(-33, 57, -1, 0))
    ax.set_xlabel("time (s)")
    ax.set_ylabel("log10 envelope")
    fig.colorbar(im, cax=fig.add_axes((0.8, 0.2, 0.015, 0.7)), label="power")
    other = fig.add_axes((0.9, 0.2, 0.05, 0.7))
    other.tick_params(labelrotation=30)
    return fig, ax, fig.axes[1], other


def test_flat_ticks_draws_matplotlibs_ticks_without_ticks():
    """Same tick labels at the same places, axis labels where matplotlib puts them (also a
    colour bar's, on the right), a few pixels of difference; other axes keep their ticks."""
    plain, *axes_p = _plain_figure()
    flat, *axes_f = _plain_figure()
    a = _rgba(plain)
    flat_ticks(flat)
    b = _rgba(flat)
    for axis in (axes_f[0].xaxis, axes_f[0].yaxis, axes_f[1].yaxis):
        assert isinstance(axis.get_major_locator(), NullLocator)
    assert not isinstance(axes_f[2].yaxis.get_major_locator(), NullLocator)
    renderer = FigureCanvasAgg(plain).get_renderer()
    for ax_p, ax_f, axes in zip(axes_p[:2], axes_f[:2], ("xy", "y"), strict=True):
        want = []
        for axis in (getattr(ax_p, f"{c}axis") for c in axes):
            lo, hi = sorted(axis.get_view_interval())
            ticks = [t for t in axis.get_major_ticks() if lo <= t.get_loc() <= hi]
            want += [t.label2 if axis.get_ticks_position() == "right" else t.label1 for t in ticks]
            label_p = axis.label.get_window_extent(renderer).bounds
            label_f = getattr(ax_f, axis.__name__).label.get_window_extent(renderer).bounds
            assert label_f == pytest.approx(label_p, abs=1.0)
        want = sorted((t.get_text(), t.get_window_extent(renderer).bounds) for t in want)
        stamps = [a for a in ax_f.get_children() if isinstance(a, TextStamps)]
        got = sorted(
            (s, box.bounds)
            for a in stamps
            for (_, s), box in zip(a.texts, a.extents(renderer), strict=True)
        )
        assert [s for s, _ in got] == [s for s, _ in want]
        for (_, box), (_, ref) in zip(got, want, strict=True):
            assert box == pytest.approx(ref, abs=1.0)
    assert np.mean(np.any(a != b, axis=-1)) < 0.002
