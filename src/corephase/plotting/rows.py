"""Rows of panels that share one x axis, drawn in one matplotlib Axes.

A figure of many small panels (the beams figure: traces and four beams per
phase) spends most of its drawing time on the Axes themselves (tick machinery,
label placement) rather than on the data. :class:`RowStack` draws a column of
panels in one Axes instead: each row gets its own y limits, a frame (left and
bottom lines, like the project's axes without top and right spines), y ticks
and tick labels formatted as matplotlib would for that row alone, and a y label
of its own; the x axis (limits, ticks, label) is the Axes' own, drawn once
below the bottom row. Rows are numbered from the top.
"""

from __future__ import annotations

import matplotlib as mpl
import numpy as np
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.ticker import NullLocator, ScalarFormatter
from matplotlib.transforms import (
    Affine2D,
    Bbox,
    ScaledTranslation,
    TransformedBbox,
    blended_transform_factory,
)

from corephase.plotting.style import draw_ticks, tick_label_pad


def draw_frame(ax, lines) -> None:
    """Frame lines of panels inside ``ax``, drawn as its left spine is drawn: ``lines`` are
    sequences of (x, y) points in axes fraction, one polyline per panel."""
    spine = ax.spines["left"]
    xy = np.vstack([np.vstack([np.asarray(p, float), [np.nan, np.nan]]) for p in lines])
    ax.add_artist(
        Line2D(
            xy[:, 0],
            xy[:, 1],
            transform=ax.transAxes,
            color=spine.get_edgecolor(),
            lw=spine.get_linewidth(),
            solid_capstyle="projecting",
            solid_joinstyle="miter",
            clip_on=False,
            zorder=spine.get_zorder(),
        )
    )


def tick_labels(locator, low: float, high: float) -> tuple[np.ndarray, list[str], str]:
    """The ticks ``locator`` puts within ``low``-``high``, their labels as a
    :class:`~matplotlib.ticker.ScalarFormatter` writes them on an axis of those limits, and
    the formatter's offset text ('' for none)."""
    locs = np.asarray(locator.tick_values(low, high), float)
    span = high - low
    locs = locs[(locs >= low - 1e-10 * abs(span)) & (locs <= high + 1e-10 * abs(span))]
    if not locs.size:
        return locs, [], ""
    fmt = ScalarFormatter()
    fmt.create_dummy_axis()
    fmt.axis.set_view_interval(low, high)
    fmt.axis.set_data_interval(low, high)
    labels = fmt.format_ticks(locs)
    return locs, labels, fmt.get_offset()


class RowStack:
    """``n`` rows of panels in the Axes ``ax``, separated by ``gap`` times a row's height.

    ``gap`` is matplotlib's ``hspace``: a grid of ``n`` separate Axes with
    ``hspace=gap`` over the same area has its panels where these rows are.
    """

    def __init__(self, ax, n: int, gap: float = 0.15):
        self.ax, self.n, self.gap = ax, n, gap
        self.limits = [(0.0, 1.0)] * n
        self._ticks: list[tuple[float, str]] = []
        self._offsets: list[tuple[int, str]] = []
        ax.set_ylim(0.0, 1.0)
        ax.spines["left"].set_visible(False)
        ax.spines["bottom"].set_visible(False)

    def bounds(self, i: int) -> tuple[float, float]:
        """Bottom and top of row ``i`` in axes fraction."""
        total = self.n + (self.n - 1) * self.gap
        top = 1.0 - i * (1.0 + self.gap) / total
        return top - 1.0 / total, top

    def fraction(self, i: int):
        """Transform from row ``i``'s own fraction (0 bottom, 1 top) to the display."""
        y0, y1 = self.bounds(i)
        return Affine2D().scale(1.0, y1 - y0).translate(0.0, y0) + self.ax.transAxes

    def set_ylim(self, i: int, low: float, high: float) -> None:
        """The y limits of row ``i`` (data units of that row)."""
        self.limits[i] = (float(low), float(high))

    def data(self, i: int):
        """Transform of row ``i``: x in the Axes' data, y in the row's data (its limits)."""
        low, high = self.limits[i]
        span = (high - low) or 1.0
        to_fraction = Affine2D().translate(0.0, -low).scale(1.0, 1.0 / span)
        return blended_transform_factory(self.ax.transData, to_fraction + self.fraction(i))

    def xaxis(self, i: int):
        """Transform of row ``i``: x in data, y in the row's fraction (0-1, bottom to top)."""
        return blended_transform_factory(self.ax.transData, self.fraction(i))

    def clip(self, i: int, artist):
        """Clip ``artist`` to row ``i``'s panel (x: the Axes' box); returns it."""
        y0, y1 = self.bounds(i)
        artist.set_clip_path(None)
        artist.set_clip_box(TransformedBbox(Bbox([[0.0, y0], [1.0, y1]]), self.ax.transAxes))
        return artist

    def plot(self, i: int, x, y, **kwargs) -> Line2D:
        """One line in row ``i`` (data coordinates of the row), clipped to its panel.

        Added as a plain artist: the rows set their own limits, so the line does not update
        the Axes' data limits (what ``Axes.add_line`` spends most of its time on)."""
        line = Line2D(x, y, transform=self.data(i), **kwargs)
        self.ax.add_artist(line)
        return self.clip(i, line)

    def text(self, i: int, x: float, y: float, s: str, **kwargs):
        """Text at ``(x, y)`` in row ``i``'s fraction (0-1 across and up the panel)."""
        return self.ax.text(x, y, s, transform=self.fraction(i), **kwargs)

    def yticks(self, i: int, locator) -> None:
        """Y ticks of row ``i`` where ``locator`` puts them within its limits, labelled as
        a :class:`~matplotlib.ticker.ScalarFormatter` labels them (its offset or
        exponent, if any, written above the row's top left corner, as matplotlib does)."""
        low, high = self.limits[i]
        locs, labels, offset = tick_labels(locator, low, high)
        y0, y1 = self.bounds(i)
        self._ticks += [
            (y0 + (v - low) / (high - low) * (y1 - y0), s)
            for v, s in zip(locs, labels, strict=True)
        ]
        if offset:
            self._offsets.append((i, offset))

    def frame(self) -> None:
        """Draw the rows' frames, ticks and tick labels (call once, after :meth:`yticks`)."""
        ax = self.ax
        draw_frame(
            ax, [((0.0, y1), (0.0, y0), (1.0, y0)) for y0, y1 in map(self.bounds, range(self.n))]
        )
        draw_ticks(ax, "left", [(0.0, y) for y, _ in self._ticks], [s for _, s in self._ticks])
        ax.yaxis.set_major_locator(NullLocator())
        for i, text in self._offsets:
            ax.text(
                0.0,
                self.bounds(i)[1],
                text,
                transform=ax.transAxes + ScaledTranslation(0, 3 / 72, ax.figure.dpi_scale_trans),
                ha="left",
                va="bottom",
                fontsize="small",
            )

    def ylabels(self, labels, renderer) -> None:
        """One y label per row (``labels[i]``, '' for none), placed as matplotlib places an
        Axes' y label (left of the tick labels by ``axes.labelpad``), all at the x of the
        widest tick label of the column (``renderer`` measures them)."""
        ax, rc = self.ax, mpl.rcParams
        prop = FontProperties(size=rc["ytick.labelsize"])
        measure = renderer.get_text_width_height_descent
        widths = [measure(s, prop, False)[0] for _, s in self._ticks]
        width_px = max(widths, default=0.0)
        pad_pt = tick_label_pad("y") + ax.yaxis.labelpad
        dx = -(width_px * 72.0 / ax.figure.dpi + pad_pt) / 72.0
        trans = ax.transAxes + ScaledTranslation(dx, 0.0, ax.figure.dpi_scale_trans)
        label = ax.yaxis.label
        for i, text in enumerate(labels):
            if text:
                y0, y1 = self.bounds(i)
                ax.text(
                    0.0,
                    0.5 * (y0 + y1),
                    text,
                    transform=trans,
                    rotation=90,
                    rotation_mode="anchor",
                    ha="center",
                    va="bottom",
                    fontproperties=label.get_fontproperties(),
                    color=label.get_color(),
                )
