"""Figures of one event x array pair (matplotlib, Agg, written atomically).

Times on the axes are seconds relative to each phase's theoretical arrival at
the array reference point. Beam amplitudes are, by default, relative to the
RMS of the same beam in the phase's pre-phase noise window (``scale="noise"``),
one y scale per row shared by all phases, so that a noise-only panel looks
like noise; ``scale="panel"`` normalises each panel to its maximum and says so
in the title.
"""

from __future__ import annotations

import numpy as np
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator, NullLocator

from corephase.plotting.style import FULL_WIDTH, new_figure, phase_color, save_figure

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


def tag_phases(ax, arrivals: dict, t_ref: float, window, current: str) -> None:
    """Mark every arrival inside ``window`` (s after ``t_ref``) with a dashed line and its name.

    Names are written inside the frame at its top; a name closer than 12 % of the
    axis width to the previous one is moved one line down so they do not overlap.
    """
    span = window[1] - window[0]
    last = -np.inf
    level = 0
    for name, arr in sorted(arrivals.items(), key=lambda kv: kv[1].time):
        dtp = arr.time - t_ref
        if not window[0] <= dtp <= window[1]:
            continue
        color = phase_color(name) if name == current else "0.55"
        ax.axvline(dtp, color=color, lw=0.7, ls="--")
        level = level + 1 if dtp - last < 0.12 * span else 0
        last = dtp
        ax.text(
            dtp,
            0.99 - 0.1 * (level % 3),
            f" {name}",
            transform=ax.get_xaxis_transform(),
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


def _trace_row(ax, rel, seg, ph, arrival) -> None:
    """Single traces of one phase's window, each normalised to its own maximum."""
    scale = np.max(np.abs(seg), axis=1, keepdims=True)
    scale[scale == 0] = 1
    y = seg / scale * 0.45 + np.arange(len(seg))[:, None]
    # one line broken by NaNs, not one artist per trace (drawing time)
    gap = np.full((len(seg), 1), np.nan)
    ax.plot(
        np.hstack([np.broadcast_to(rel, y.shape), gap]).ravel(),
        np.hstack([y, gap]).ravel(),
        color="0.25",
        lw=0.35,
    )
    ax.set_ylim(-1, 1.35 * len(seg) + 2)  # room above the traces for the phase tags
    ax.set_yticks([])
    ax.set_title(f"{ph}  p={arrival.slowness_s_deg:.2f} s/°", color=phase_color(ph))


def _beam_panel(ax, rel, beam, kind, ph, noise_window, scale) -> str:
    """One beam panel; returns the unit it was scaled to ('noise' or 'max')."""
    div, unit = _beam_scale(beam, rel, noise_window, scale)
    color = phase_color(ph) if kind != "envelope" else "0.2"
    y = beam / div
    ax.plot(rel, y, color=color, lw=0.7)
    if unit == "noise":
        # an artist, not axvspan: no data-limit update (drawing time)
        w = noise_window[1] - noise_window[0]
        trans = ax.get_xaxis_transform()
        ax.add_artist(Rectangle((noise_window[0], 0), w, 1, color="0.9", lw=0, transform=trans))
        top = max(float(np.max(np.abs(y))) * 1.05, MIN_NOISE_RANGE)
        ax.set_ylim(-0.03 * top if kind == "envelope" else -top, top)
    else:
        ax.text(0.02, 0.05, "÷ max", transform=ax.transAxes, fontsize=6.5, color="0.4")
    return unit


def plot_pair_band(
    pair,
    arrivals,
    stream,
    beams,
    band,
    config,
    path,
    half_window=(40.0, 80.0),
    scale: str = "noise",
):
    """Figure of one band: single traces, then beams, one column per phase.

    Columns are the configured phases that exist at this distance (the others
    are listed in a note); rows are the single traces (each normalised to its
    maximum, not aligned), then the configured beams along the phase's
    theoretical slowness and back-azimuth. With ``scale="noise"`` each beam is
    divided by its RMS in the phase's noise window (``config["stack"]
    ["noise_window_s"]``, s relative to the phase, shaded grey), each panel
    with its own y axis of at least +-:data:`MIN_NOISE_RANGE` (so a noise-only
    beam looks like noise); with ``scale="panel"`` each beam panel is divided
    by its maximum. Theoretical arrivals in the window are tagged.
    """
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {SCALES}, got {scale!r}")
    name = band["name"]
    phases = [p for p in config["phases"] if p in arrivals]
    kinds = [k for k in ("linear", "pws", "nthroot", "envelope") if k in config["stack"]["types"]]
    nrow, ncol = 1 + len(kinds), max(len(phases), 1)
    fig = new_figure(max(FULL_WIDTH, 2.2 * ncol + 0.6), 1.25 * nrow + 1.0)
    # fixed margins: a constrained layout costs more than the drawing itself
    axes = fig.subplots(
        nrow,
        ncol,
        squeeze=False,
        gridspec_kw={"left": 0.075, "right": 0.99, "bottom": 0.1, "top": 0.88, "hspace": 0.15},
    )
    t = beams[f"{name}/time"]
    data = np.array([tr.data for tr in stream])
    noise_window = tuple(config["stack"]["noise_window_s"])
    for j, ph in enumerate(phases):
        tp = arrivals[ph].time
        sel = (t >= tp - half_window[0]) & (t <= tp + half_window[1])
        rel = t[sel] - tp
        _trace_row(axes[0, j], rel, data[:, sel], ph, arrivals[ph])
        for i, kind in enumerate(kinds, start=1):
            ax = axes[i, j]
            key = f"{name}/{ph}/{kind}"
            if key not in beams:  # no alignment for this phase (the detection table says why)
                ax.text(0.5, 0.5, "no beam", transform=ax.transAxes, ha="center")
                continue
            _beam_panel(ax, rel, beams[key][sel], kind, ph, noise_window, scale)
            ax.yaxis.set_major_locator(MaxNLocator(2, symmetric=kind != "envelope"))
        tag_phases(axes[0, j], arrivals, tp, (-half_window[0], half_window[1]), ph)
        # one time axis per column: tick marks and labels on the bottom row only (fewer artists)
        for i in range(nrow):
            axes[i, j].set_xlim(-half_window[0], half_window[1])
            if i < nrow - 1:
                axes[i, j].xaxis.set_major_locator(NullLocator())
        axes[-1, j].set_xlabel(f"time after {ph} (s)")
        axes[-1, j].xaxis.set_major_locator(MaxNLocator(4))
    axes[0, 0].set_ylabel(f"{len(data)} traces\n(each ÷ max)")
    unit = "÷ noise RMS" if scale == "noise" else "÷ panel max"
    for i, kind in enumerate(kinds, start=1):
        axes[i, 0].set_ylabel(f"{STACK_LABELS[kind]}\n{unit}")
    how = (
        "each beam ÷ its RMS in the grey pre-phase noise window"
        if scale == "noise"
        else "each panel normalised to its maximum"
    )
    fig.suptitle(f"{_title(pair, name)}\n{how}")
    add_footnote(fig, missing_note(config["phases"], arrivals, config.get("model", "ak135")))
    save_figure(fig, path)
