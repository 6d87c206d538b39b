"""Figures of one event x array pair (matplotlib, Agg, written atomically).

Times on the axes are seconds relative to each phase's theoretical arrival at
the array reference point. Beam amplitudes are, by default, relative to the
RMS of the same beam in the phase's pre-phase noise window (``scale="noise"``),
one y scale per row shared by all phases, so that a noise-only panel looks
like noise; ``scale="panel"`` normalises each panel to its maximum and says so
in the title.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.ticker import AutoLocator, MaxNLocator

from corephase.plotting.rows import RowStack
from corephase.plotting.style import (
    FULL_WIDTH,
    TITLE_Y,
    agg_renderer,
    flat_ticks,
    new_figure,
    phase_color,
    save_figure,
)

STACK_LABELS = {
    "linear": "linear beam",
    "pws": "PWS beam",
    "nthroot": "nth-root beam",
    "envelope": "envelope beam",
}

#: Smallest y half-range of a noise-scaled beam panel (noise RMS units): a noise-only
#: beam then fills about half of its panel instead of all of it.
MIN_NOISE_RANGE = 6.0

#: Beam amplitude scales: relative to the pre-phase noise, or each panel to its maximum.
SCALES = ("noise", "panel")


def _title(pair: dict, band_name: str) -> str:
    ev = pair["event"]
    syn = "SYNTHETIC  " if pair.get("synthetic") else ""
    return (
        f"{syn}{pair['array']}  {ev['id']}  M{ev['magnitude']:.1f} {ev['depth_km']:.0f} km  "
        f"Δ={pair['distance_deg']:.1f}°  baz={pair['baz_deg']:.0f}°  {band_name}"
    )


def missing_phases(phases, arrivals) -> list[str]:
    """Those of the configured ``phases`` that have no arrival at the pair's distance."""
    return [p for p in phases if p not in arrivals]


def missing_note(phases, arrivals, model: str = "ak135") -> str:
    """A one-line note naming the phases without an arrival ('' when there are none)."""
    miss = missing_phases(phases, arrivals)
    if not miss:
        return ""
    return f"no {model} arrival at this distance: {', '.join(miss)}"


def add_footnote(fig, text: str) -> None:
    """Write ``text`` at the lower left corner of ``fig`` (nothing for an empty text)."""
    if text:
        fig.text(0.005, 0.005, text, ha="left", va="bottom", fontsize=7, color="0.3")


def plot_message(text: str, path) -> None:
    """A figure holding only ``text`` (for outputs that have nothing to show)."""
    fig = new_figure(FULL_WIDTH, 1.6)
    fig.text(0.5, 0.5, text, ha="center", va="center", wrap=True)
    save_figure(fig, path)


def plot_status(pair: dict, band_name: str, path) -> None:
    """A placeholder figure that states why a pair has no beams."""
    plot_message(
        f"{_title(pair, band_name)}\nno beams: status '{pair['status']}'\n{pair['reason']}", path
    )


def tag_phases(rows: RowStack, row: int, arrivals: dict, t_ref: float, window, current: str):
    """Mark every arrival inside ``window`` (s after ``t_ref``) in row ``row`` of ``rows``
    with a dashed line and its name.

    Names are written inside the panel at its top; a name closer than 12 % of the
    axis width to the previous one is moved one line down so they do not overlap.
    """
    span = window[1] - window[0]
    last = -np.inf
    level = 0
    ax, frac = rows.ax, rows.xaxis(row)
    for name, arr in sorted(arrivals.items(), key=lambda kv: kv[1].time):
        dtp = arr.time - t_ref
        if not window[0] <= dtp <= window[1]:
            continue
        color = phase_color(name) if name == current else "0.55"
        ax.add_artist(rows.clip(row, Line2D([dtp, dtp], [0, 1], transform=frac, color=color,
                                          lw=0.7, ls="--")))  # fmt: skip
        level = level + 1 if dtp - last < 0.12 * span else 0
        last = dtp
        ax.text(
            dtp,
            0.99 - 0.1 * (level % 3),
            f" {name}",
            transform=frac,
            ha="left",
            va="top",
            fontsize=7.5,
            color=color,
            clip_on=True,
        )


def _beam_scale(beam, rel, noise_window, scale: str) -> tuple[float, str]:
    """Divisor of a beam panel and its unit: the pre-phase noise RMS, or the maximum."""
    if scale == "noise":
        m = (rel >= noise_window[0]) & (rel <= noise_window[1])
        rms = float(np.sqrt(np.mean(beam[m] ** 2))) if m.sum() >= 4 else 0.0
        if np.isfinite(rms) and rms > 0:
            return rms, "noise"
    peak = float(np.max(np.abs(beam))) if beam.size else 0.0
    return (peak if peak > 0 else 1.0), "max"


def _trace_row(rows: RowStack, rel, seg, ph, arrival) -> None:
    """Single traces of one phase's window (row 0), each normalised to its own maximum."""
    scale = np.max(np.abs(seg), axis=1, keepdims=True)
    scale[scale == 0] = 1
    y = seg / scale * 0.45 + np.arange(len(seg))[:, None]
    # one line broken by NaNs, not one artist per trace (drawing time)
    gap = np.full((len(seg), 1), np.nan)
    rows.set_ylim(0, -1, 1.35 * len(seg) + 2)  # room above the traces for the phase tags
    rows.plot(
        0,
        np.hstack([np.broadcast_to(rel, y.shape), gap]).ravel(),
        np.hstack([y, gap]).ravel(),
        color="0.25",
        lw=0.35,
    )
    rows.ax.set_title(
        f"{ph}  p={arrival.slowness_s_deg:.2f} s/°", color=phase_color(ph), y=TITLE_Y
    )


def _beam_panel(rows: RowStack, i: int, rel, beam, kind, ph, noise_window, scale) -> None:
    """Row ``i``: one beam, divided by its noise RMS (noise window shaded) or its maximum."""
    div, unit = _beam_scale(beam, rel, noise_window, scale)
    color = phase_color(ph) if kind != "envelope" else "0.2"
    locator = MaxNLocator(2, symmetric=kind != "envelope")
    y = beam / div
    if unit == "noise":
        w = noise_window[1] - noise_window[0]
        shade = Rectangle((noise_window[0], 0), w, 1, color="0.9", lw=0, transform=rows.xaxis(i))
        rows.ax.add_artist(rows.clip(i, shade))
        top = max(float(np.max(np.abs(y))) * 1.05, MIN_NOISE_RANGE)
        rows.set_ylim(i, -0.03 * top if kind == "envelope" else -top, top)
    else:
        # as matplotlib autoscales a panel: the data range, 5 % margins, then the
        # locator's view limits (symmetric about 0 for the symmetric locator)
        low, high = locator.nonsingular(*((np.min(y), np.max(y)) if y.size else (0.0, 0.0)))
        pad = 0.05 * (high - low)
        rows.set_ylim(i, *locator.view_limits(low - pad, high + pad))
        rows.text(i, 0.02, 0.05, "÷ max", fontsize=6.5, color="0.4")
    rows.plot(i, rel, y, color=color, lw=0.7)
    rows.yticks(i, locator)


@dataclass(frozen=True)
class _Layout:
    """What every column of a beams figure shares: band name, stack types (rows after the
    traces), noise window (s after the phase), beam scale and time window (s before and
    after the phase)."""

    band: str
    kinds: tuple
    noise_window: tuple
    scale: str
    half_window: tuple


def _column(rows: RowStack, ph, arrivals, t, data, beams, lay: _Layout) -> None:
    """The panels of phase ``ph``: its traces, then one beam per stack type."""
    tp = arrivals[ph].time
    sel = (t >= tp - lay.half_window[0]) & (t <= tp + lay.half_window[1])
    rel = t[sel] - tp
    _trace_row(rows, rel, data[:, sel], ph, arrivals[ph])
    for i, kind in enumerate(lay.kinds, start=1):
        key = f"{lay.band}/{ph}/{kind}"
        if key not in beams:  # no alignment for this phase (the detection table says why)
            rows.text(i, 0.5, 0.5, "no beam", ha="center")
            rows.yticks(i, AutoLocator())
            continue
        _beam_panel(rows, i, rel, beams[key][sel], kind, ph, lay.noise_window, lay.scale)
    window = (-lay.half_window[0], lay.half_window[1])
    tag_phases(rows, 0, arrivals, tp, window, ph)
    rows.ax.set_xlim(*window)
    rows.ax.set_xlabel(f"time after {ph} (s)")
    rows.ax.xaxis.set_major_locator(MaxNLocator(4))


def plot_pair_band(
    pair,
    arrivals,
    record,
    beams,
    band,
    config,
    path,
    half_window=(40.0, 80.0),
    scale: str = "noise",
):
    """Figure of one band: single traces (``record``, the band file of the pair, a
    :class:`corephase.io.bands.BandRecord`), then beams, one column per phase.

    Columns are the configured phases that exist at this distance (the others
    are listed in a note); rows are the single traces (each normalised to its
    maximum, not aligned), then the configured beams along the phase's
    theoretical slowness and back-azimuth. With ``scale="noise"`` each beam is
    divided by its RMS in the phase's noise window (``config["stack"]
    ["noise_window_s"]``, s relative to the phase, shaded grey), each panel
    with its own y axis of at least +-:data:`MIN_NOISE_RANGE` (so a noise-only
    beam looks like noise); with ``scale="panel"`` each beam panel is divided
    by its maximum. Theoretical arrivals in the window are tagged. The panels
    of a column are drawn in one Axes (:class:`~corephase.plotting.rows.RowStack`).
    """
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {SCALES}, got {scale!r}")
    name = band["name"]
    phases = [p for p in config["phases"] if p in arrivals]
    kinds = [k for k in ("linear", "pws", "nthroot", "envelope") if k in config["stack"]["types"]]
    nrow, ncol = 1 + len(kinds), max(len(phases), 1)
    fig = new_figure(max(FULL_WIDTH, 2.2 * ncol + 0.6), 1.25 * nrow + 1.0)
    # fixed margins: a constrained layout costs more than the drawing itself
    grid = {"left": 0.075, "right": 0.99, "bottom": 0.1, "top": 0.88}
    axes = fig.subplots(1, ncol, squeeze=False, gridspec_kw=grid)[0]
    t = beams[f"{name}/time"]
    data = np.array(record.data)
    columns = [RowStack(ax, nrow, gap=0.15) for ax in axes]
    noise_window = tuple(config["stack"]["noise_window_s"])
    lay = _Layout(name, tuple(kinds), noise_window, scale, tuple(half_window))
    for rows, ph in zip(columns, phases, strict=False):
        _column(rows, ph, arrivals, t, data, beams, lay)
    for rows in columns:
        rows.frame()
    unit = "÷ noise RMS" if scale == "noise" else "÷ panel max"
    labels = [f"{len(data)} traces\n(each ÷ max)"]
    labels += [f"{STACK_LABELS[kind]}\n{unit}" for kind in kinds]
    columns[0].ylabels(labels, agg_renderer(fig))
    how = (
        "each beam ÷ its RMS in the grey pre-phase noise window"
        if scale == "noise"
        else "each panel normalised to its maximum"
    )
    fig.suptitle(f"{_title(pair, name)}\n{how}")
    add_footnote(fig, missing_note(config["phases"], arrivals, config.get("model", "ak135")))
    flat_ticks(fig)
    save_figure(fig, path)
