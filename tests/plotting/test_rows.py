"""Panels stacked in one Axes (plotting.rows) and the drawing shortcuts of plotting.style."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from corephase.plotting.rows import RowStack
from corephase.plotting.style import TITLE_Y, new_figure, trim_ticks

GRID = {"left": 0.1, "right": 0.95, "bottom": 0.1, "top": 0.85}


def _rgba(fig) -> np.ndarray:
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba()).copy()


@pytest.mark.parametrize("n", [1, 3, 5])
def test_rows_sit_where_separate_axes_would(n):
    fig = new_figure(4.0, 5.0)
    separate = fig.subplots(n, 1, gridspec_kw={**GRID, "hspace": 0.15})
    separate = np.atleast_1d(separate)
    rows = RowStack(new_figure(4.0, 5.0).subplots(1, 1, gridspec_kw=GRID), n, gap=0.15)
    box = rows.ax.get_position()
    for i, ax in enumerate(separate):
        y0, y1 = rows.bounds(i)
        pos = ax.get_position()
        assert box.y0 + y0 * box.height == pytest.approx(pos.y0, abs=1e-12)
        assert box.y0 + y1 * box.height == pytest.approx(pos.y1, abs=1e-12)


def test_row_data_transform_maps_its_limits_to_its_panel():
    rows = RowStack(new_figure(4.0, 5.0).subplots(1, 1, gridspec_kw=GRID), 3)
    rows.set_ylim(1, -150.0, 150.0)
    rows.ax.set_xlim(0.0, 10.0)
    to_axes = rows.ax.transAxes.inverted()
    y0, y1 = rows.bounds(1)
    lo = to_axes.transform(rows.data(1).transform((0.0, -150.0)))
    hi = to_axes.transform(rows.data(1).transform((10.0, 150.0)))
    assert lo == pytest.approx([0.0, y0])
    assert hi == pytest.approx([1.0, y1])


@pytest.mark.parametrize(
    ("limits", "symmetric"), [((-150.0, 150.0), True), ((-0.4, 12.0), False), ((0, 1), False)]
)
def test_row_ticks_are_those_of_a_separate_axes(limits, symmetric):
    """Tick values and labels of a row equal what matplotlib draws on its own Axes."""
    fig = new_figure(3.0, 2.0)
    ax = fig.add_subplot(1, 1, 1)
    ax.set_ylim(*limits)
    ax.yaxis.set_major_locator(MaxNLocator(2, symmetric=symmetric))
    _rgba(fig)
    lo, hi = limits
    want = [(t.get_loc(), t.label1.get_text()) for t in ax.yaxis.get_major_ticks()]
    want = [(v, s) for v, s in want if lo <= v <= hi]

    rows = RowStack(new_figure(3.0, 2.0).add_subplot(1, 1, 1), 2)
    rows.set_ylim(0, *limits)
    rows.yticks(0, MaxNLocator(2, symmetric=symmetric))
    rows.frame()
    y0, y1 = rows.bounds(0)
    got = [(lo + (y - y0) / (y1 - y0) * (hi - lo), s) for y, s in rows._ticks]
    assert [s for _, s in got] == [s for _, s in want]
    assert [v for v, _ in got] == pytest.approx([v for v, _ in want])


def test_rows_are_drawn_with_their_labels():
    fig = new_figure(4.0, 5.0)
    rows = RowStack(fig.subplots(1, 1, gridspec_kw=GRID), 2)
    rows.ax.set_xlim(0, 10)
    rows.set_ylim(0, -2.0, 2.0)
    rows.plot(0, np.arange(11.0), np.sin(np.arange(11.0)), color="k")
    rows.yticks(0, MaxNLocator(2, symmetric=True))
    rows.text(1, 0.5, 0.5, "no beam", ha="center")
    rows.frame()
    rows.ylabels(["beam", "other"], FigureCanvasAgg(fig).get_renderer())
    texts = [t.get_text() for t in rows.ax.texts]
    assert {"beam", "other", "no beam"} <= set(texts)
    assert _rgba(fig)[..., :3].std() > 0


def _ticked_figure() -> Figure:
    fig = new_figure(5.0, 3.0)
    for j, ax in enumerate(fig.subplots(1, 2)):
        ax.plot(np.linspace(-33.0, 57.0, 50), np.linspace(0.1, 9.7, 50))
        ax.set_title(f"panel {j}", y=TITLE_Y)
        ax.set_xlabel("time (s)")
    return fig


def test_trim_ticks_builds_only_the_drawn_ticks_and_changes_no_pixel():
    plain, trimmed = _ticked_figure(), _ticked_figure()
    trim_ticks(trimmed)
    a, b = _rgba(plain), _rgba(trimmed)
    assert np.array_equal(a, b)
    for ax in trimmed.axes:
        for axis in (ax.xaxis, ax.yaxis):
            lo, hi = sorted(axis.get_view_interval())
            locs = axis.get_majorticklocs()
            assert len(axis.majorTicks) == len(locs)
            assert np.all((locs >= lo) & (locs <= hi))


@pytest.mark.parametrize("kind", ["linear", "envelope"])
def test_panel_scaled_beam_rows_get_matplotlibs_autoscaled_limits(kind):
    """scale='panel': a row's y limits are those matplotlib autoscales a separate Axes to."""
    from corephase.plotting.pair import _beam_panel

    rel = np.arange(5.0)
    y = np.array([0.2, -0.55, 1.0, 0.1, 0.3]) if kind == "linear" else np.array([0.1, 1.0, 0.4])
    rel = rel[: y.size]
    ax = new_figure(3.0, 2.0).add_subplot(1, 1, 1)
    ax.plot(rel, y)
    ax.yaxis.set_major_locator(MaxNLocator(2, symmetric=kind != "envelope"))
    ax.autoscale_view()
    rows = RowStack(new_figure(3.0, 2.0).add_subplot(1, 1, 1), 2)
    _beam_panel(rows, 1, rel, y, kind, "PcP", (-40.0, -5.0), "panel")
    assert rows.limits[1] == pytest.approx(ax.get_ylim())
