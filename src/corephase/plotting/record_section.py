"""Record section of a dense network's sub-array beams against distance (one event).

Like Kawakatsu (2006, Hi-net PKiKP) and the seed study's figures: one panel per
band and phase, each sub-array's beam (aligned on that phase with its statics,
from ``stack/beams.npz``) drawn at its epicentral distance, in reduced time
``T = t - t_ref - s_ref * (distance - distance_ref)`` with ``t_ref`` and ``s_ref``
the phase's theoretical time (s after origin) and slowness (s/deg) at the middle
sub-array. Curves: the theoretical times of the listed phases (PcP, PKiKP and the
other arrivals of the sub-arrays' arrival lists that fall in the window), joined
between sub-arrays. Each beam is normalised to its peak in the window (the
normalisation is stated); beams of sub-arrays that detected the phase are drawn in
the phase's colour, the others in grey.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from corephase.plotting.style import FULL_WIDTH, new_figure, phase_color, save_figure


@dataclass
class SubarrayBeams:
    """What the record section draws of one sub-array pair.

    Attributes
    ----------
    name : str
        Sub-array (pair) name.
    distance_deg : float
        Epicentral distance of its reference point (deg).
    time_s : dict
        ``{band: time axis}`` (s after origin).
    beams : dict
        ``{(band, phase): beam}`` (any units; normalised when drawn).
    arrivals : dict
        ``{phase: (time s after origin, slowness s/deg)}`` of its arrival list.
    detected : set
        ``(band, phase)`` the sub-array called ``detected`` (any stack).
    """

    name: str
    distance_deg: float
    time_s: dict
    beams: dict
    arrivals: dict
    detected: set = field(default_factory=set)


def reduced_time_reference(subarrays: Sequence[SubarrayBeams], phase: str):
    """``(distance_ref, t_ref, s_ref)`` of ``phase`` at the middle sub-array that lists it,
    or None when none does."""
    have = sorted((s for s in subarrays if phase in s.arrivals), key=lambda s: s.distance_deg)
    if not have:
        return None
    mid = have[len(have) // 2]
    t, slow = mid.arrivals[phase]
    return mid.distance_deg, float(t), float(slow)


def theory_curves(subarrays, phase: str, window_s, ref):
    """``{listed phase: (distances, reduced times)}`` of the arrivals inside ``window_s``
    (reduced time, s) on at least one sub-array, sorted by distance."""
    d0, t0, s0 = ref
    out = {}
    names = dict.fromkeys(p for s in subarrays for p in s.arrivals)
    for p in names:
        pts = sorted(
            (s.distance_deg, s.arrivals[p][0] - t0 - s0 * (s.distance_deg - d0))
            for s in subarrays
            if p in s.arrivals
        )
        d, t = (np.array(v, float) for v in zip(*pts, strict=True))
        if np.any((t >= window_s[0]) & (t <= window_s[1])) or p == phase:
            out[p] = (d, t)
    return out


def _trace_gain(subarrays) -> float:
    """Half the smallest distance step between sub-arrays (deg; 0.5 with one)."""
    d = np.unique(np.round([s.distance_deg for s in subarrays], 3))
    return 0.5 * float(np.min(np.diff(d))) if d.size > 1 else 0.5


def _panel(ax, subarrays, band: str, phase: str, window_s, gain: float) -> None:
    ref = reduced_time_reference(subarrays, phase)
    if ref is None:
        ax.text(0.5, 0.5, f"no {phase} arrival", ha="center", transform=ax.transAxes)
        return
    d0, t0, s0 = ref
    for s in subarrays:
        beam = s.beams.get((band, phase))
        if beam is None or band not in s.time_s:
            continue
        tr = s.time_s[band] - t0 - s0 * (s.distance_deg - d0)
        win = (tr >= window_s[0]) & (tr <= window_s[1])
        peak = float(np.max(np.abs(beam[win]))) if win.any() else 0.0
        if peak <= 0:
            continue
        hit = (band, phase) in s.detected
        ax.plot(
            tr[win],
            s.distance_deg + gain * beam[win] / peak,
            color=phase_color(phase) if hit else "0.45",
            lw=0.9 if hit else 0.6,
        )
        ax.text(window_s[1], s.distance_deg, f" {s.name}", fontsize=6, va="center")
    for p, (d, t) in theory_curves(subarrays, phase, window_s, ref).items():
        mark = "|" if d.size == 1 else None  # one sub-array: a tick, not a line
        ax.plot(t, d, "--", marker=mark, ms=14, color=phase_color(p, "0.2"), lw=0.8, label=p)
    ax.set_xlim(*window_s)
    ax.set_title(f"{phase}  {band}", fontsize=8)
    ax.set_xlabel(f"t − {phase}(ak135 at {d0:.1f}°) − {s0:.2f}·(Δ − {d0:.1f}°)  (s)")
    ax.legend(fontsize=6, loc="lower left", frameon=True)


def plot_record_section(
    subarrays: Sequence[SubarrayBeams],
    bands: Sequence[str],
    phases: Sequence[str],
    path,
    *,
    title: str = "",
    window_s: tuple[float, float] = (-20.0, 40.0),
):
    """Draw the record section (one panel per band x phase) and save it.

    Parameters
    ----------
    subarrays : sequence of SubarrayBeams
        The sub-arrays with data (an empty sequence draws a placeholder saying so).
    bands, phases : sequence of str
        Panel rows (bands) and columns (phases).
    path : str or Path
        Output image, written atomically (:func:`corephase.plotting.style.save_figure`).
    title : str
        Figure title (event and network).
    window_s : (float, float)
        Reduced-time window (s).

    Returns
    -------
    pathlib.Path
    """
    nrow, ncol = max(len(bands), 1), max(len(phases), 1)
    fig = new_figure(FULL_WIDTH, 1.0 + 2.8 * nrow, layout="constrained")
    axes = np.atleast_2d(fig.subplots(nrow, ncol, squeeze=False, sharey=True))
    if not subarrays:
        axes[0, 0].text(0.5, 0.5, "no sub-array with data", ha="center")
    else:
        gain = _trace_gain(subarrays)
        for i, band in enumerate(bands):
            for j, phase in enumerate(phases):
                _panel(axes[i, j], subarrays, band, phase, window_s, gain)
        for ax in axes[:, 0]:
            ax.set_ylabel("distance (°)")
    fig.suptitle(
        f"{title}\nsub-array beams, each normalised to its peak in the window; "
        "coloured: detected, grey: not; dashed: ak135 times of the listed arrivals",
        fontsize=8,
    )
    return save_figure(fig, path, tight=True)
