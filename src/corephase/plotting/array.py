"""Array-analysis figures of one pair and band: vespagram and FK maps.

Slowness in s/deg on the axes (s/km inside the kernels); back-azimuth
clockwise from north; vespagram time in s after the event origin.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib.lines import Line2D

from corephase.model.geometry import KM_PER_DEG
from corephase.plotting.columns import ColumnStack
from corephase.plotting.pair import _title, add_footnote, missing_note
from corephase.plotting.style import (
    FULL_WIDTH,
    OVERLAY_COLOR,
    agg_renderer,
    flat_ticks,
    new_figure,
    phase_color,
    save_figure,
)
from corephase.signal.fk import FKParams, fk_peak, fk_power
from corephase.signal.vespagram import SlownessScan, vespagram


@dataclass(frozen=True, eq=False)
class ArrayRecord:
    """One pair's band-passed record on the array: what the array figures draw from.

    Attributes
    ----------
    pair : dict
        The pair record (``baz_deg``, ``window_s_after_origin`` ...).
    arrivals : dict
        ``{phase: arrival}`` with ``time`` (s after origin) and ``slowness_s_deg``.
    band : dict
        The band (``name``, ``fmin``, ``fmax`` in Hz).
    data : numpy.ndarray, shape (n_elements, n_samples)
    dt : float
        Sample interval in s.
    east_km, north_km : numpy.ndarray
        Element offsets in km.
    """

    pair: dict
    arrivals: dict
    band: dict
    data: np.ndarray
    dt: float
    east_km: np.ndarray
    north_km: np.ndarray

    @classmethod
    def from_band(cls, pair, arrivals, record, geom, band) -> ArrayRecord:
        """The record of a band file (:class:`corephase.io.bands.BandRecord`: one row per
        element of ``geom``, in its order)."""
        data = np.array(record.data)
        return cls(pair, arrivals, band, data, record.dt, *geom.offsets_km())

    @property
    def t0(self) -> float:
        """Time of the first sample, s after the origin."""
        return self.pair["window_s_after_origin"][0]

    def phases(self, names) -> list[str]:
        """Those of the phases ``names`` that have an arrival."""
        return [p for p in names if p in self.arrivals]

    def title(self, what: str) -> str:
        """The figure title: the pair and the band, then ``what`` on a second line (one
        line did not fit the width of a figure with three phases)."""
        return f"{_title(self.pair, self.band['name'])}\n{what}"


def _square_columns(fig, n: int, rect, gap: float) -> ColumnStack:
    """``n`` square panels side by side, each centred in its cell of a row of ``n`` cells
    over ``rect`` (left, bottom, right, top in figure fraction) with ``wspace=gap``: where
    separate Axes of equal aspect would draw them."""
    width, height = fig.get_size_inches()
    left, bottom, right, top = rect
    cell_w = (right - left) * width / (n + (n - 1) * gap)
    cell_h = (top - bottom) * height
    side = min(cell_w, cell_h)
    x0 = left * width + 0.5 * (cell_w - side)
    y0 = bottom * height + 0.5 * (cell_h - side)
    span = (n - 1) * cell_w * (1.0 + gap) + side
    ax = fig.add_axes((x0 / width, y0 / height, span / width, side / height))
    return ColumnStack(ax, n, gap=(cell_w * (1.0 + gap) - side) / side)


def _vespagram_panel(rec: ArrayRecord, scan, ph, window_s, smooth_s):
    """Smoothed envelopes (n_slowness, n_time) around ``ph`` and their times after it, or None."""
    from corephase.signal.smoothing import boxcar
    from corephase.signal.stacking import envelope

    data, dt = rec.data, rec.dt
    t = rec.t0 + np.arange(data.shape[1]) * dt
    tp = rec.arrivals[ph].time
    pad = 20.0
    sel = (t >= tp + window_s[0] - pad) & (t <= tp + window_s[1] + pad)
    if sel.sum() < 16:
        return None
    env = envelope(vespagram(data[:, sel], dt, rec.east_km, rec.north_km, scan, "linear"))
    if smooth_s > dt:
        env = boxcar(env, dt, smooth_s)
    rel = t[sel] - tp
    keep = (rel >= window_s[0]) & (rel <= window_s[1])
    return env[:, keep], rel[keep]


def _vespagram_levels(panels: dict, noise_window, scale: str) -> tuple[dict, float, str]:
    """Image values per phase, the shared colour maximum and the colour-bar label.

    ``scale="noise"``: 20 log10 of the envelope over its RMS in the pre-phase
    ``noise_window`` (s after the phase; all slownesses), in dB, clipped at 0 dB,
    one colour scale for every panel. ``scale="panel"``: sqrt(envelope / panel max).
    """
    out = {}
    for ph, (env, rel) in panels.items():
        if scale == "noise":
            m = (rel >= noise_window[0]) & (rel <= noise_window[1])
            ref = float(np.sqrt(np.mean(env[:, m] ** 2))) if m.sum() >= 4 else 0.0
            if not (np.isfinite(ref) and ref > 0):
                ref = float(env.max()) or 1.0
            out[ph] = 20.0 * np.log10(np.maximum(env / ref, 1.0))
        else:
            peak = env.max()
            out[ph] = np.sqrt(env / peak) if peak > 0 else env
    if scale == "panel":
        return out, 1.0, "sqrt(envelope ÷ panel max)"
    vmax = max([6.0, *(float(v.max()) for v in out.values())])
    return out, vmax, "envelope ÷ pre-phase noise RMS (dB)"


def _mark_arrivals(cols: ColumnStack, j: int, arrivals, tp, window_s, slow_range) -> None:
    """Cross and name at the theoretical time and slowness of arrivals in panel ``j``."""
    trans = cols.data(j)
    for name, arr in arrivals.items():
        dtp = arr.time - tp
        if (
            window_s[0] <= dtp <= window_s[1]
            and slow_range[0] <= arr.slowness_s_deg <= slow_range[1]
        ):
            cross = Line2D([dtp], [arr.slowness_s_deg], transform=trans, ls="none", marker="+",
                           color=OVERLAY_COLOR, ms=9, mew=1.4)  # fmt: skip
            cols.ax.add_artist(cols.clip(j, cross))
            cols.ax.annotate(
                name,
                (dtp, arr.slowness_s_deg),
                xycoords=trans,
                xytext=(3, 4),
                textcoords="offset points",
                color=OVERLAY_COLOR,
                fontsize=7.5,
                annotation_clip=True,
            )


def _image(cols: ColumnStack, j: int, values, extent, **kwargs):
    """``values`` (rows up the y axis) as an image over ``extent`` (x in column ``j``'s data,
    y in the Axes' data), clipped to its panel."""
    im = cols.ax.imshow(
        values, aspect="auto", origin="lower", extent=extent, transform=cols.data(j), **kwargs
    )
    return cols.clip(j, im)


def _finish_columns(fig, cols: ColumnStack, xlabels) -> None:
    """Frames, x ticks (AutoLocator's, per panel) and x labels of a row of panels."""
    for j in range(cols.n):
        cols.xticks(j)
    cols.frame()
    cols.xlabels(xlabels, agg_renderer(fig))


def plot_vespagram(
    rec: ArrayRecord,
    phases,
    path,
    slowness_s_deg=(0.0, 10.0, 0.1),
    smooth_s=1.0,
    window_s=(-30.0, 60.0),
    noise_window_s=(-40.0, -5.0),
    scale: str = "noise",
    model: str = "ak135",
):
    """Vespagrams around each phase at the event back-azimuth, one panel per phase.

    Each row is the Hilbert envelope of the linear beam for one trial slowness
    (s/deg), smoothed over ``smooth_s`` (boxcar); time is relative to the
    phase's theoretical arrival, within ``window_s``. With ``scale="noise"``
    the colour is the envelope over its RMS in the part of ``noise_window_s``
    (s relative to the phase) inside the panel, in dB, on one colour scale for
    all panels; ``scale="panel"`` normalises each panel to its maximum (stated
    in the title). Crosses mark the theoretical time and slowness of every
    phase in the panel; configured phases without an arrival are listed. The
    panels are drawn in one Axes (:class:`~corephase.plotting.columns.ColumnStack`).
    """
    s0, s1, ds = slowness_s_deg
    slow = np.arange(s0, s1 + ds / 2, ds)
    scan = SlownessScan(slow / KM_PER_DEG, rec.pair["baz_deg"])
    names = rec.phases(phases)
    panels = {ph: _vespagram_panel(rec, scan, ph, window_s, smooth_s) for ph in names}
    images, vmax, label = _vespagram_levels(
        {k: v for k, v in panels.items() if v is not None}, noise_window_s, scale
    )
    fig = new_figure(max(FULL_WIDTH, 2.3 * max(len(names), 1) + 1.0), 3.0)
    cols = ColumnStack(fig.add_axes((0.07, 0.17, 0.84, 0.63)), max(len(names), 1), gap=0.08)
    ylim = (slow[0] - ds / 2, slow[-1] + ds / 2)
    cols.ax.set_ylim(*ylim)
    im = None
    xlabels = [""] * cols.n
    for j, ph in enumerate(names):
        cols.title(j, ph, color=phase_color(ph))
        if panels[ph] is None:
            cols.text(j, 0.5, 0.5, f"{ph}: outside the record", ha="center")
            continue
        rel = panels[ph][1]
        cols.set_xlim(j, rel[0], rel[-1])
        im = _image(cols, j, images[ph], (rel[0], rel[-1], *ylim), vmin=0, vmax=vmax)
        _mark_arrivals(cols, j, rec.arrivals, rec.arrivals[ph].time, window_s, (s0, s1))
        xlabels[j] = f"time after {ph} (s)"
    cols.ax.set_ylabel("slowness (s/°)")
    _finish_columns(fig, cols, xlabels)
    if im is not None:
        fig.colorbar(im, cax=fig.add_axes((0.93, 0.17, 0.012, 0.6)), label=label)
    how = "one colour scale" if scale == "noise" else "each panel normalised to its maximum"
    fig.suptitle(rec.title(f"vespagrams, linear beam, baz {rec.pair['baz_deg']:.0f}°, {how}"))
    add_footnote(fig, missing_note(phases, rec.arrivals, model))
    flat_ticks(fig)
    save_figure(fig, path)


def _fk_panel(cols: ColumnStack, j: int, rec: ArrayRecord, ph, signal_window_s, fk):
    """FK map of ``ph``'s signal window in panel ``j`` with its title; the image, or None
    for a window outside the record."""
    data, dt, pair = rec.data, rec.dt, rec.pair
    tp = rec.arrivals[ph].time
    i0 = round((tp + signal_window_s[0] - rec.t0) / dt)
    i1 = round((tp + signal_window_s[1] - rec.t0) / dt)
    if i0 < 0 or i1 > data.shape[1] or i1 - i0 < 8:
        cols.title(j, ph, color=phase_color(ph))
        cols.text(j, 0.5, 0.5, "window outside\nthe record", ha="center")
        return None
    sx, sy, _, rel = fk_power(data, dt, rec.east_km, rec.north_km, (i0, i1), fk)
    ext = np.array([sx[0], sx[-1], sy[0], sy[-1]]) * KM_PER_DEG
    cols.set_xlim(j, ext[0], ext[1])
    im = _image(cols, j, rel.T, ext, vmin=0, vmax=1)
    b = np.radians(pair["baz_deg"])
    p = rec.arrivals[ph].slowness_s_deg
    s_obs, baz_obs, px, py = fk_peak(sx, sy, rel)
    trans = cols.data(j)
    # propagation-direction slowness vector: opposite to the back-azimuth
    marks = (
        Line2D([-p * np.sin(b)], [-p * np.cos(b)], marker="+", color=OVERLAY_COLOR, ms=11),
        Line2D([px * KM_PER_DEG], [py * KM_PER_DEG], marker="o", mfc="none", mec="w", ms=9),
    )
    marks[0].set_markeredgewidth(1.8)
    marks[1].set_markeredgewidth(1.2)
    for mark in marks:
        mark.set(transform=trans, linestyle="none")
        cols.ax.add_artist(cols.clip(j, mark))
    cols.title(
        j,
        f"{ph}: peak {s_obs * KM_PER_DEG:.2f} s/°, {baz_obs:.0f}°\n"
        f"theory {p:.2f} s/°, {pair['baz_deg']:.0f}°",
        fontsize=7.5,
        color=phase_color(ph),
    )
    return im


def plot_fk_maps(
    rec: ArrayRecord,
    phases,
    signal_window_s,
    path,
    smax_s_km=0.12,
    step_s_km=0.002,
    model: str = "ak135",
):
    """Relative FK power in each phase's signal window (Bartlett), one panel per phase.

    The window is ``signal_window_s`` (s relative to the phase's theoretical
    time). The colour is the Bartlett relative power, beam power over the
    summed power of the elements (0-1, 1 for a perfectly coherent plane
    wave), on the same 0-1 scale in every panel. The cross marks the
    theoretical slowness vector of the phase, the circle the FK maximum. Axes
    are east and north slowness (propagation direction) in s/deg, on square
    panels drawn in one Axes (:class:`~corephase.plotting.columns.ColumnStack`).
    """
    fk = FKParams(smax_s_km, step_s_km, rec.band["fmin"], rec.band["fmax"])
    names = rec.phases(phases)
    fig = new_figure(max(FULL_WIDTH, 2.2 * max(len(names), 1) + 0.8), 3.1)
    cols = _square_columns(fig, max(len(names), 1), (0.08, 0.16, 0.91, 0.74), 0.12)
    grid = fk.grid()[[0, -1]] * KM_PER_DEG
    cols.ax.set_ylim(*grid)
    im = None
    xlabels = [""] * cols.n
    for j, ph in enumerate(names):
        cols.set_xlim(j, *grid)
        image = _fk_panel(cols, j, rec, ph, signal_window_s, fk)
        if image is not None:
            im, xlabels[j] = image, "east slowness (s/°)"
    if names:
        cols.ax.set_ylabel("north slowness (s/°)")
        _finish_columns(fig, cols, xlabels)
    else:
        cols.ax.axis("off")
        cols.ax.text(0.5, 0.5, "no phase with a ray at this distance", ha="center")
    if im is not None:
        fig.colorbar(im, cax=fig.add_axes((0.93, 0.17, 0.012, 0.58)), label="relative power")
    fig.suptitle(rec.title("FK, Bartlett relative power (+ theory, ○ peak)"))
    add_footnote(fig, missing_note(phases, rec.arrivals, model))
    flat_ticks(fig)
    save_figure(fig, path)
