"""The project's figure style, set in one place, and the one figure saver.

Every figure module imports this module, which applies :data:`RC` to
matplotlib's rcParams on import (no pyplot state is used anywhere). The style:

* sizes in inches for a journal page: :data:`FULL_WIDTH` (two columns) and
  :data:`COLUMN_WIDTH` (one column);
* fonts of 7-9 pt, thin lines, inward ticks, no top/right frame lines;
* :data:`DPI` for every raster figure;
* colours from the Okabe-Ito palette (distinct for colour-blind readers and
  in grey-scale print), one fixed colour per phase (:data:`PHASE_COLORS`);
* perceptually uniform colour maps readable in grey scale and by colour-blind
  readers: :data:`SEQUENTIAL_CMAP` (cividis) for power and amplitude images,
  :data:`DEPTH_CMAP` (viridis) for continuous variables of scatter plots.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib as mpl
import numpy as np
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import TICKDOWN, TICKLEFT, TICKRIGHT, TICKUP, Line2D
from matplotlib.text import Text
from matplotlib.ticker import Locator, NullLocator
from matplotlib.transforms import Bbox, ScaledTranslation

from corephase.io.files import atomic_path
from corephase.plotting.png import PngCanvas

#: Resolution (dots per inch) of every raster figure the project writes.
DPI = 100

#: Height of Axes titles (axes fraction): pass ``y=TITLE_Y`` to ``set_title``. A fixed
#: height skips matplotlib's search, at every draw, for tick labels above the frame (there
#: are none in this style), which measures every tick label of the y axis once more.
TITLE_Y = 1.0

#: Figure widths (inches): a two-column and a one-column journal figure.
FULL_WIDTH = 7.2
COLUMN_WIDTH = 3.5

#: Okabe & Ito (2008) colour-blind-safe palette, in the order of the colour cycle.
OKABE_ITO = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#F0E442",  # yellow
    "#000000",  # black
)

#: One colour per phase, the same in every figure.
PHASE_COLORS = {
    "P": "#000000",
    "PcP": "#0072B2",
    "ScP": "#009E73",
    "PKiKP": "#D55E00",
    "PKIIKP": "#CC79A7",
    "PKJKP": "#E69F00",
}

#: Colour map of power and amplitude images (vespagrams, FK maps, responses).
SEQUENTIAL_CMAP = "cividis"
#: Colour map of a continuous variable on scatter plots (e.g. source depth).
DEPTH_CMAP = "viridis"
#: Colour of marks drawn over :data:`SEQUENTIAL_CMAP` images (theoretical phases).
OVERLAY_COLOR = "#F0E442"

#: rcParams of every figure.
RC = {
    "font.family": "DejaVu Sans",
    "font.size": 8.0,
    "axes.titlesize": 9.0,
    "axes.labelsize": 8.0,
    "figure.titlesize": 9.5,
    "xtick.labelsize": 7.0,
    "ytick.labelsize": 7.0,
    "legend.fontsize": 7.0,
    "legend.framealpha": 0.9,
    "legend.edgecolor": "0.7",
    "lines.linewidth": 0.9,
    "lines.markersize": 4.0,
    "axes.linewidth": 0.6,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": mpl.cycler(color=list(OKABE_ITO)),
    # matplotlib's defaults "C0" (the first cycle colour) spelled out: every "Cn" colour is
    # looked up in the cycle anew (about 0.3 ms), and collections and patches take this one
    "lines.color": OKABE_ITO[0],
    "patch.facecolor": OKABE_ITO[0],
    "axes.titlepad": 4.0,
    "xtick.direction": "in",
    "ytick.direction": "in",
    "xtick.major.size": 3.0,
    "ytick.major.size": 3.0,
    "xtick.major.width": 0.6,
    "ytick.major.width": 0.6,
    "image.cmap": SEQUENTIAL_CMAP,
    "image.interpolation": "nearest",
    "figure.dpi": DPI,
    "savefig.dpi": DPI,
    "savefig.facecolor": "white",
    "path.simplify": True,
    "agg.path.chunksize": 20000,
}


def apply_style() -> None:
    """Set :data:`RC` in matplotlib's rcParams (done once when this module is imported)."""
    mpl.rcParams.update(RC)


def new_figure(width: float = FULL_WIDTH, height: float = 4.0, **kwargs) -> Figure:
    """A :class:`~matplotlib.figure.Figure` of ``width`` x ``height`` inches in the project style.

    ``kwargs`` go to :class:`~matplotlib.figure.Figure` (e.g. ``layout="constrained"``,
    which costs more drawing time than fixed margins).
    """
    apply_style()
    return Figure(figsize=(width, height), **kwargs)


class InViewLocator(Locator):
    """The ticks of the locator ``base`` that fall inside the axis' view interval.

    matplotlib builds a tick (two lines, two labels) for every location its
    locator returns, also those outside the view it then does not draw; this
    locator returns only the drawn ones, so the figure is the same and cheaper.
    """

    def __init__(self, base: Locator):
        self.base = base

    def set_axis(self, axis) -> None:
        super().set_axis(axis)
        self.base.set_axis(axis)

    def __call__(self):
        lo, hi = sorted(self.axis.get_view_interval())
        locs = np.asarray(self.base(), float)
        tol = 1e-10 * (hi - lo)
        return locs[(locs >= lo - tol) & (locs <= hi + tol)]

    def tick_values(self, vmin, vmax):
        return self.base.tick_values(vmin, vmax)


#: Per axis side: the axis letter, the tick marker per ``{x,y}tick.direction`` (as
#: matplotlib's XTick and YTick draw them) and the tick labels' alignment and direction.
_CENTRE = "center_baseline"
TICK_SIDES = {
    "bottom": ("x", {"in": TICKUP, "out": TICKDOWN, "inout": "|"}, ("center", "top"), (0, -1)),
    "left": ("y", {"in": TICKRIGHT, "out": TICKLEFT, "inout": "_"}, ("right", _CENTRE), (-1, 0)),
    "right": ("y", {"in": TICKLEFT, "out": TICKRIGHT, "inout": "_"}, ("left", _CENTRE), (1, 0)),
}


def tick_label_pad(letter: str) -> float:
    """Distance (points) from an ``x`` or ``y`` axis line to its tick labels, as matplotlib
    sets it: ``{letter}tick.major.pad`` plus the part of the tick outside the axes."""
    rc = mpl.rcParams
    outside = {"in": 0.0, "inout": 0.5, "out": 1.0}[rc[f"{letter}tick.direction"]]
    return rc[f"{letter}tick.major.pad"] + outside * rc[f"{letter}tick.major.size"]


class TextStamps(Artist):
    """Single-line texts of one style, drawn by one :class:`~matplotlib.text.Text` moved from
    place to place: what one Text per string would draw, without building a Text each
    (building a Text costs about as much as drawing it).

    ``texts`` are ``((x, y), string)`` in the coordinates of ``style["transform"]``;
    ``style`` holds the keyword arguments of :class:`~matplotlib.text.Text` (font size,
    colour, alignment, transform, ``clip_on=False``). Add it to an Axes with
    :meth:`~matplotlib.axes.Axes.add_artist`: it draws at the text z-order, where those
    Texts, added one after the other, would have been drawn.
    """

    zorder = Text.zorder

    def __init__(self, figure, texts, style: dict):
        super().__init__()
        self.texts = [((float(x), float(y)), str(s)) for (x, y), s in texts]
        self._stamp = Text(0.0, 0.0, "", **style)
        self._stamp.set_figure(figure)

    def _placed(self):
        for xy, s in self.texts:
            self._stamp.set_position(xy)
            self._stamp.set_text(s)
            yield self._stamp

    def extents(self, renderer) -> list:
        """The window extent (display pixels) of every text, in order."""
        return [t.get_window_extent(renderer) for t in self._placed()]

    def get_window_extent(self, renderer=None):
        """The union of the texts' extents (display pixels)."""
        boxes = self.extents(renderer)
        return Bbox.union(boxes) if boxes else Bbox.null()

    def draw(self, renderer) -> None:
        if not self.get_visible():
            return
        for text in self._placed():
            text.draw(renderer)
        self.stale = False


def draw_ticks(ax, side: str, points, labels=(), transform=None) -> TextStamps:
    """Major ticks of the ``"bottom"``, ``"left"`` or ``"right"`` axis of ``ax``, drawn as
    matplotlib's Ticks draw them but as one line of markers and one :class:`TextStamps` of
    the labels (building matplotlib Ticks, or one Text per label, costs more than drawing
    them).

    ``points`` are (x, y) in ``transform`` (default ``ax.transAxes``); ``labels``, one per
    point or none, are placed as tick labels, :func:`tick_label_pad` away from the point
    (below it for the bottom axis, left or right of it for the y axes). Returns the
    labels' :class:`TextStamps`.
    """
    rc = mpl.rcParams
    letter, markers, (ha, va), (sx, sy) = TICK_SIDES[side]
    key = f"{letter}tick"
    transform = transform or ax.transAxes
    xy = np.asarray(points, float).reshape(-1, 2)
    # a plain artist, as matplotlib's ticks: the marks do not enter the data limits
    ax.add_artist(
        Line2D(
            xy[:, 0],
            xy[:, 1],
            transform=transform,
            ls="none",
            marker=markers[rc[f"{key}.direction"]],
            ms=rc[f"{key}.major.size"],
            mew=rc[f"{key}.major.width"],
            color=rc[f"{key}.color"],
            clip_on=False,
        )
    )
    pad = tick_label_pad(letter) / 72.0
    trans = transform + ScaledTranslation(sx * pad, sy * pad, ax.figure.dpi_scale_trans)
    color = rc[f"{key}.labelcolor"]
    style = {
        "fontsize": rc[f"{key}.labelsize"],
        "color": rc[f"{key}.color"] if color == "inherit" else color,
        "ha": ha,
        "va": va,
        "transform": trans,
        "clip_on": False,
    }
    stamps = TextStamps(ax.figure, zip(xy, labels, strict=False), style)
    ax.add_artist(stamps)
    return stamps


def _flat_side(ax, axis) -> str | None:
    """The side whose ticks :func:`draw_ticks` can draw for ``axis`` (None if it cannot): a
    linear axis of a visible Axes with labelled major ticks on one side (bottom for x, left
    or right for y) and its label there, the spine at the edge, no minor ticks, no grid and
    no other tick parameters (``tick_params``)."""
    side = axis.get_ticks_position()
    if side not in TICK_SIDES or TICK_SIDES[side][0] != axis.axis_name:
        return None
    one = side != "right"  # ticks and labels on side 1 (bottom, left) or 2 (right)
    plain = {"gridOn": False, "tick1On": one, "tick2On": not one,
             "label1On": one, "label2On": not one}  # fmt: skip
    ok = (
        ax.axison
        and axis.get_visible()
        and axis.get_scale() == "linear"
        and axis.get_label_position() == side
        and axis._major_tick_kw == plain
        and isinstance(axis.get_minor_locator(), NullLocator)
        and ax.spines[side].get_position() == ("outward", 0.0)
    )
    return side if ok else None


def _flatten(ax, axis, side: str, renderer) -> None:
    """Draw the in-view major ticks of ``axis`` on ``side`` with :func:`draw_ticks` and move
    its label out by the tick labels' extent (where matplotlib puts it beside them)."""
    locs = InViewLocator(axis.get_major_locator())
    locs.set_axis(axis)
    values = locs()
    fmt = axis.get_major_formatter()
    labels = fmt.format_ticks(values)
    if fmt.get_offset():  # an offset text: matplotlib's ticks place it
        return
    edge = 1.0 if side == "right" else 0.0
    if side == "bottom":
        trans, points = ax.get_xaxis_transform(), [(v, edge) for v in values]
    else:
        trans, points = ax.get_yaxis_transform(), [(edge, v) for v in values]
    boxes = draw_ticks(ax, side, points, labels, transform=trans).extents(renderer)
    if boxes:
        size = max(b.height if side == "bottom" else b.width for b in boxes)
        axis.labelpad += tick_label_pad(axis.axis_name) + size * 72.0 / ax.figure.dpi
    axis.set_major_locator(NullLocator())


def agg_canvas(fig: Figure) -> FigureCanvasAgg:
    """``fig``'s Agg canvas, giving the figure a :class:`~corephase.plotting.png.PngCanvas`
    first if it has none (its text layouts, metrics and glyphs are kept between figures,
    and it writes PNG without row filters)."""
    if not isinstance(fig.canvas, PngCanvas):
        PngCanvas(fig)
    return fig.canvas


def agg_renderer(fig: Figure):
    """The renderer of :func:`agg_canvas`: every measurement of a figure and its final
    draw share this one renderer."""
    return agg_canvas(fig).get_renderer()


def flat_ticks(fig: Figure) -> None:
    """Draw the ticks of every plain axis of ``fig`` with :func:`draw_ticks` (same marks,
    values, labels and axis-label position, no matplotlib Ticks), the others' with
    :func:`trim_ticks`. Call when the figure is complete (limits, locators and labels set).

    An axis keeps matplotlib's ticks where its formatter writes an offset text.
    """
    renderer = agg_renderer(fig)
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            side = _flat_side(ax, axis)
            if side is not None:
                _flatten(ax, axis, side, renderer)
    trim_ticks(fig)


def trim_ticks(fig: Figure) -> None:
    """Build only the ticks that are drawn on every axis of ``fig`` (:class:`InViewLocator`).

    Call when the figure is complete (after its last locator is set)."""
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            loc = axis.get_major_locator()
            if not isinstance(loc, (InViewLocator, NullLocator)):
                axis.set_major_locator(InViewLocator(loc))


def phase_color(phase: str, default: str = "0.3") -> str:
    """The colour of ``phase`` in every figure (``default`` for phases without one)."""
    return PHASE_COLORS.get(phase, default)


def save_figure(fig: Figure, path, *, tight: bool = False) -> Path:
    """Write ``fig`` to ``path`` atomically, format from the suffix (.png, .pdf, .svg, ...).

    Raster formats use :data:`DPI`; PNG is written by
    :class:`~corephase.plotting.png.PngCanvas`. ``tight=True`` crops the canvas to the drawn
    artists (``bbox_inches="tight"``). A file that cannot be written (e.g. an
    unknown format) leaves ``path`` untouched.

    Raises
    ------
    ValueError
        For a suffix matplotlib cannot write.
    """
    path = Path(path)
    agg_canvas(fig)
    fmt = path.suffix.lstrip(".").lower() or "png"
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=DPI, format=fmt, bbox_inches="tight" if tight else None)
    return path


apply_style()
