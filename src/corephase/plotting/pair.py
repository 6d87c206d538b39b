"""Figures of one event x array pair (matplotlib, Agg, written atomically).

Times on the axes are seconds relative to each phase's theoretical arrival at
the array reference point; amplitudes of beams are in the units of the input
traces (nm/s for synthetics, counts for raw records) normalised per panel.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from corephase.plotting.style import save_figure

STACK_LABELS = {
    "linear": "linear beam",
    "pws": "phase-weighted stack",
    "nthroot": "nth-root beam",
    "envelope": "envelope beam",
}


def _title(pair: dict, band_name: str) -> str:
    ev = pair["event"]
    syn = "SYNTHETIC  " if pair.get("synthetic") else ""
    return (
        f"{syn}{pair['array']}  {ev['id']}  M{ev['magnitude']:.1f} {ev['depth_km']:.0f} km  "
        f"Δ={pair['distance_deg']:.1f}°  baz={pair['baz_deg']:.0f}°  {band_name}"
    )


def plot_message(text: str, path) -> None:
    """A figure holding only ``text`` (for outputs that have nothing to show)."""
    fig = Figure(figsize=(8, 2.5))
    ax = fig.add_subplot()
    ax.axis("off")
    ax.text(0.5, 0.5, text, ha="center", va="center", wrap=True)
    save_figure(fig, path)


def plot_status(pair: dict, band_name: str, path) -> None:
    """A placeholder figure that states why a pair has no beams."""
    plot_message(
        f"{_title(pair, band_name)}\nno beams: status '{pair['status']}'\n{pair['reason']}", path
    )


def plot_pair_band(pair, arrivals, stream, beams, band, config, path, half_window=(40.0, 80.0)):
    """Seed-style figure for one band: single traces, then beams, per phase.

    Columns are the configured phases that exist at this distance; rows are the
    single traces (each normalised, not aligned), then the linear, phase-weighted
    and envelope beams along the phase's theoretical slowness and back-azimuth.
    Theoretical arrival times of all phases in the panel are marked.
    """
    name = band["name"]
    phases = [p for p in config["phases"] if p in arrivals]
    kinds = [k for k in ("linear", "pws", "nthroot", "envelope") if k in config["stack"]["types"]]
    nrow = 1 + len(kinds)
    ncol = max(len(phases), 1)
    fig = Figure(figsize=(3.3 * ncol, 1.7 * nrow + 1.4))
    # fixed margins: a constrained layout costs more than the drawing itself
    axes = fig.subplots(
        nrow,
        ncol,
        squeeze=False,
        sharex="col",
        gridspec_kw={
            "left": 0.05,
            "right": 0.99,
            "bottom": 0.07,
            "top": 0.91,
            "hspace": 0.12,
            "wspace": 0.06,
        },
    )
    t = beams[f"{name}/time"]
    data = np.array([tr.data for tr in stream])
    for j, ph in enumerate(phases):
        tp = arrivals[ph].time
        sel = (t >= tp - half_window[0]) & (t <= tp + half_window[1])
        rel = t[sel] - tp
        ax = axes[0, j]
        seg = data[:, sel]
        scale = np.max(np.abs(seg), axis=1, keepdims=True)
        scale[scale == 0] = 1
        for i, tr in enumerate(seg / scale):
            ax.plot(rel, tr * 0.45 + i, color="0.2", lw=0.4)
        ax.set_ylim(-1, len(seg))
        ax.set_yticks([])
        ax.set_title(f"{ph}  p={arrivals[ph].slowness_s_deg:.2f} s/°", fontsize=9)
        if j == 0:
            ax.set_ylabel(f"{len(seg)} traces")
        for i, kind in enumerate(kinds, start=1):
            ax = axes[i, j]
            key = f"{name}/{ph}/{kind}"
            if key not in beams:  # no alignment for this phase (the detection table says why)
                ax.text(0.5, 0.5, "no beam", transform=ax.transAxes, ha="center", fontsize=8)
                ax.set_yticks([])
                continue
            b = beams[key][sel]
            peak = np.max(np.abs(b)) or 1.0
            ax.plot(rel, b / peak, color="C0" if kind != "envelope" else "C3", lw=0.7)
            ax.set_yticks([])
            if j == 0:
                ax.set_ylabel(STACK_LABELS[kind], fontsize=8)
        for i in range(nrow):
            for other, arr in arrivals.items():
                dtp = arr.time - tp
                if -half_window[0] <= dtp <= half_window[1]:
                    axes[i, j].axvline(dtp, color="C1" if other == ph else "0.6", lw=0.7, ls="--")
                    if i == 0:
                        axes[i, j].text(dtp, len(seg) - 0.5, other, fontsize=7, color="C1")
        axes[-1, j].set_xlabel(f"time after {ph} (s)")
    fig.suptitle(_title(pair, name), fontsize=10)
    save_figure(fig, path)
