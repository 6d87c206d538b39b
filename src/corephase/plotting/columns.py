"""Panels side by side that share one y axis, drawn in one matplotlib Axes.

The counterpart of :class:`~corephase.plotting.rows.RowStack` for a row of
panels (the vespagram and FK figures: one panel per phase): most of a small
panel's drawing time goes to its Axes (tick machinery, label placement), not
to its image. :class:`ColumnStack` draws the panels in one Axes instead: the
y axis (limits, ticks, tick labels, label) is the Axes' own, drawn once left
of the first panel; each column gets its own x limits, a frame (left and
bottom lines, like the project's axes without top and right spines), inward y
tick marks, x ticks and tick labels formatted as matplotlib would for that
panel alone, a title and an x label. Columns are numbered from the left.
"""

from __future__ import annotations

import math

import matplotlib as mpl
import numpy as np
from matplotlib.font_manager import FontProperties
from matplotlib.ticker import MaxNLocator, NullLocator
from matplotlib.transforms import (
    Affine2D,
    Bbox,
    ScaledTranslation,
    TransformedBbox,
    blended_transform_factory,
)

from corephase.plotting.rows import draw_frame, tick_labels
from corephase.plotting.style import TITLE_Y, draw_ticks, tick_label_pad

#: Steps of matplotlib's AutoLocator (a MaxNLocator with these steps).
AUTO_STEPS = (1, 2, 2.5, 5, 10)


class ColumnStack:
    """``n`` panels side by side in the Axes ``ax``, separated by ``gap`` times a panel's width.

    ``gap`` is matplotlib's ``wspace``: a row of ``n`` separate Axes with
    ``wspace=gap`` over the same area has its panels where these columns are.
    Set the Axes' y limits and y label as for one panel.
    """

    def __init__(self, ax, n: int, gap: float = 0.1):
        self.ax, self.n, self.gap = ax, n, gap
        self.limits = [(0.0, 1.0)] * n
        self._ticks: list[tuple[float, str]] = []
        ax.set_xlim(0.0, 1.0)
        ax.spines["left"].set_visible(False)
        ax.spines["bottom"].set_visible(False)

    def bounds(self, j: int) -> tuple[float, float]:
        """Left and right of column ``j`` in axes fraction."""
        total = self.n + (self.n - 1) * self.gap
        left = j * (1.0 + self.gap) / total
        return left, left + 1.0 / total

    def fraction(self, j: int):
        """Transform from column ``j``'s own fraction (0-1 across and up) to the display."""
        x0, x1 = self.bounds(j)
        return Affine2D().scale(x1 - x0, 1.0).translate(x0, 0.0) + self.ax.transAxes

    def set_xlim(self, j: int, low: float, high: float) -> None:
        """The x limits of column ``j`` (data units of that column)."""
        self.limits[j] = (float(low), float(high))

    def data(self, j: int):
        """Transform of column ``j``: x in the column's data (its limits), y in the Axes' data."""
        low, high = self.limits[j]
        to_fraction = Affine2D().translate(-low, 0.0).scale(1.0 / ((high - low) or 1.0), 1.0)
        return blended_transform_factory(to_fraction + self.fraction(j), self.ax.transData)

    def clip(self, j: int, artist):
        """Clip ``artist`` to column ``j``'s panel (y: the Axes' box); returns it."""
        x0, x1 = self.bounds(j)
        artist.set_clip_path(None)
        artist.set_clip_box(TransformedBbox(Bbox([[x0, 0.0], [x1, 1.0]]), self.ax.transAxes))
        return artist

    def text(self, j: int, x: float, y: float, s: str, **kwargs):
        """Text at ``(x, y)`` in column ``j``'s fraction (0-1 across and up the panel)."""
        return self.ax.text(x, y, s, transform=self.fraction(j), **kwargs)

    def auto_locator(self, j: int) -> MaxNLocator:
        """The locator matplotlib's AutoLocator is on an x axis as wide as column ``j``."""
        x0, x1 = self.bounds(j)
        width_pt = (x1 - x0) * self.ax.get_position().width * self.ax.figure.get_figwidth() * 72
        size = FontProperties(size=mpl.rcParams["xtick.labelsize"]).get_size_in_points()
        nbins = min(max(math.floor(width_pt / (3 * size)), 1), 9)
        return MaxNLocator(nbins, steps=AUTO_STEPS)

    def xticks(self, j: int, locator=None) -> None:
        """X ticks of column ``j`` where ``locator`` (default :meth:`auto_locator`) puts them
        within its limits, labelled as a ScalarFormatter labels them (no offset text)."""
        low, high = self.limits[j]
        locs, labels, _ = tick_labels(locator or self.auto_locator(j), low, high)
        x0, x1 = self.bounds(j)
        self._ticks += [
            (x0 + (v - low) / (high - low) * (x1 - x0), s)
            for v, s in zip(locs, labels, strict=True)
        ]

    def title(self, j: int, s: str, **kwargs):
        """Title of column ``j``, placed as matplotlib places an Axes title at ``y=TITLE_Y``."""
        rc = mpl.rcParams
        x0, x1 = self.bounds(j)
        shift = ScaledTranslation(0.0, rc["axes.titlepad"] / 72, self.ax.figure.dpi_scale_trans)
        kwargs.setdefault("fontsize", rc["axes.titlesize"])
        return self.ax.text(
            0.5 * (x0 + x1),
            TITLE_Y,
            s,
            transform=self.ax.transAxes + shift,
            ha="center",
            va="baseline",
            **kwargs,
        )

    def xlabels(self, labels, renderer) -> None:
        """One x label per column (``labels[j]``, '' for none), placed as matplotlib places an
        Axes' x label: below its tick labels (``renderer`` measures their height) by
        ``axes.labelpad``."""
        ax, rc = self.ax, mpl.rcParams
        prop = FontProperties(size=rc["xtick.labelsize"])
        measure = renderer.get_text_width_height_descent
        # a text's box is at least as tall as "lp" (matplotlib's Text layout)
        height_px = max(measure(s, prop, False)[1] for s in ["lp", *(s for _, s in self._ticks)])
        pad_pt = tick_label_pad("x") + ax.xaxis.labelpad
        dy = -(height_px * 72.0 / ax.figure.dpi + pad_pt) / 72.0
        trans = ax.transAxes + ScaledTranslation(0.0, dy, ax.figure.dpi_scale_trans)
        label = ax.xaxis.label
        for j, text in enumerate(labels):
            if text:
                x0, x1 = self.bounds(j)
                ax.text(
                    0.5 * (x0 + x1),
                    0.0,
                    text,
                    transform=trans,
                    ha="center",
                    va="top",
                    fontproperties=label.get_fontproperties(),
                    color=label.get_color(),
                )

    def frame(self) -> None:
        """Draw the columns' frames, the y tick marks of columns right of the first and the
        x ticks and tick labels (call once, after the y limits and :meth:`xticks`)."""
        ax = self.ax
        draw_frame(
            ax, [((x0, 1.0), (x0, 0.0), (x1, 0.0)) for x0, x1 in map(self.bounds, range(self.n))]
        )
        low, high = sorted(ax.get_ylim())
        ylocs = [y for y in ax.get_yticks() if low <= y <= high]
        lefts = [self.bounds(j)[0] for j in range(1, self.n)]
        if ylocs and lefts:
            x, y = np.meshgrid(lefts, ylocs)
            points = np.column_stack([x.ravel(), y.ravel()])
            draw_ticks(
                ax, "left", points, transform=blended_transform_factory(ax.transAxes, ax.transData)
            )
        draw_ticks(ax, "bottom", [(x, 0.0) for x, _ in self._ticks], [s for _, s in self._ticks])
        ax.xaxis.set_major_locator(NullLocator())
