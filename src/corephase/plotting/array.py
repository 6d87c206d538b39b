"""Array-analysis figures of one pair and band: vespagram and FK maps.

Slowness in s/deg on the axes (s/km inside the kernels); back-azimuth
clockwise from north; vespagram time in s after the event origin.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure

from corephase.model.geometry import KM_PER_DEG
from corephase.plotting.pair import _title
from corephase.plotting.style import save_figure
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
    def from_stream(cls, pair, arrivals, stream, geom, band) -> ArrayRecord:
        """The record of ``stream`` (one trace per element of ``geom``, in its order)."""
        data = np.array([tr.data for tr in stream])
        return cls(pair, arrivals, band, data, stream[0].stats.delta, *geom.offsets_km())

    @property
    def t0(self) -> float:
        """Time of the first sample, s after the origin."""
        return self.pair["window_s_after_origin"][0]

    def phases(self, names) -> list[str]:
        """Those of the phases ``names`` that have an arrival."""
        return [p for p in names if p in self.arrivals]

    def title(self, what: str) -> str:
        """The figure title: the pair, the band and ``what``."""
        return f"{_title(self.pair, self.band['name'])}   {what}"


def plot_vespagram(
    rec: ArrayRecord,
    phases,
    path,
    slowness_s_deg=(0.0, 10.0, 0.1),
    smooth_s=1.0,
    window_s=(-30.0, 60.0),
):
    """Vespagrams around each phase at the event back-azimuth, one panel per phase.

    Each row is the Hilbert envelope of the linear beam for one trial slowness
    (s/deg), smoothed over ``smooth_s``; time is relative to the phase's
    theoretical arrival, within ``window_s``. Each panel is normalised to its
    maximum and shown on a square-root scale. Crosses mark the theoretical
    time and slowness of every phase that falls in the panel.
    """
    from scipy.ndimage import uniform_filter1d

    from corephase.signal.stacking import envelope

    data, dt, arrivals = rec.data, rec.dt, rec.arrivals
    t = rec.t0 + np.arange(data.shape[1]) * dt
    s0, s1, ds = slowness_s_deg
    slow = np.arange(s0, s1 + ds / 2, ds)
    scan = SlownessScan(slow / KM_PER_DEG, rec.pair["baz_deg"])
    phases = rec.phases(phases)
    fig = Figure(figsize=(3.6 * max(len(phases), 1) + 0.8, 3.9))
    w = max(round(smooth_s / dt), 1)
    for k, ph in enumerate(phases, start=1):
        ax = fig.add_subplot(1, len(phases), k)
        tp = arrivals[ph].time
        pad = 20.0
        sel = (t >= tp + window_s[0] - pad) & (t <= tp + window_s[1] + pad)
        if sel.sum() < 16:
            ax.axis("off")
            ax.text(0.5, 0.5, f"{ph}: outside the record", ha="center")
            continue
        beams = vespagram(data[:, sel], dt, rec.east_km, rec.north_km, scan, "linear")
        env = envelope(beams)
        if w > 1:
            env = uniform_filter1d(env, w, axis=1, mode="constant")
        rel = t[sel] - tp
        keep = (rel >= window_s[0]) & (rel <= window_s[1])
        env = env[:, keep]
        env = np.sqrt(env / env.max()) if env.max() > 0 else env
        im = ax.imshow(
            env,
            aspect="auto",
            origin="lower",
            extent=(rel[keep][0], rel[keep][-1], slow[0] - ds / 2, slow[-1] + ds / 2),
            cmap="magma",
            vmin=0,
            vmax=1,
            interpolation="nearest",
        )
        for name, arr in arrivals.items():
            dtp = arr.time - tp
            if window_s[0] <= dtp <= window_s[1] and s0 <= arr.slowness_s_deg <= s1:
                ax.plot(dtp, arr.slowness_s_deg, "c+", ms=10, mew=1.5)
                ax.annotate(
                    name,
                    (dtp, arr.slowness_s_deg),
                    xytext=(3, 4),
                    textcoords="offset points",
                    color="c",
                    fontsize=7,
                )
        ax.set_xlabel(f"time after {ph} (s)")
        if k == 1:
            ax.set_ylabel("slowness (s/°)")
        ax.set_title(ph, fontsize=9)
    if phases:
        cax = fig.add_axes((0.93, 0.15, 0.012, 0.68))
        fig.colorbar(im, cax=cax, label="sqrt(envelope / max)")
    fig.suptitle(rec.title(f"vespagrams, linear beam, baz {rec.pair['baz_deg']:.0f}°"), fontsize=9)
    fig.subplots_adjust(left=0.06, right=0.91, bottom=0.14, top=0.82, wspace=0.25)
    save_figure(fig, path)


def plot_fk_maps(rec: ArrayRecord, phases, signal_window_s, path, smax_s_km=0.12, step_s_km=0.002):
    """Relative FK power in each phase's signal window (Bartlett), one panel per phase.

    The window is ``signal_window_s`` (s relative to the phase's theoretical
    time); the white cross marks the theoretical slowness vector of the phase,
    the circle the FK maximum. Axes are east and north slowness in s/deg.
    """
    data, dt, t0, arrivals, pair = rec.data, rec.dt, rec.t0, rec.arrivals, rec.pair
    fk = FKParams(smax_s_km, step_s_km, rec.band["fmin"], rec.band["fmax"])
    phases = rec.phases(phases)
    fig = Figure(figsize=(3.4 * max(len(phases), 1), 3.7))
    if not phases:
        ax = fig.add_subplot()
        ax.axis("off")
        ax.text(0.5, 0.5, "no phase with a ray at this distance", ha="center")
    for k, ph in enumerate(phases, start=1):
        ax = fig.add_subplot(1, len(phases), k)
        tp = arrivals[ph].time
        i0 = round((tp + signal_window_s[0] - t0) / dt)
        i1 = round((tp + signal_window_s[1] - t0) / dt)
        if i0 < 0 or i1 > data.shape[1] or i1 - i0 < 8:
            ax.axis("off")
            ax.text(0.5, 0.5, f"{ph}: window outside the record", ha="center")
            continue
        sx, sy, _, rel = fk_power(data, dt, rec.east_km, rec.north_km, (i0, i1), fk)
        ext = np.array([sx[0], sx[-1], sy[0], sy[-1]]) * KM_PER_DEG
        ax.imshow(rel.T, origin="lower", extent=ext, cmap="viridis", vmin=0, vmax=1)
        b = np.radians(pair["baz_deg"])
        p = arrivals[ph].slowness_s_deg
        # propagation-direction slowness vector: opposite to the back-azimuth
        ax.plot(-p * np.sin(b), -p * np.cos(b), "w+", ms=12, mew=2)
        s_obs, baz_obs, px, py = fk_peak(sx, sy, rel)
        ax.plot(px * KM_PER_DEG, py * KM_PER_DEG, "o", mfc="none", mec="r", ms=9)
        ax.set_title(
            f"{ph}: peak {s_obs * KM_PER_DEG:.2f} s/°, {baz_obs:.0f}°\n"
            f"theory {p:.2f} s/°, {pair['baz_deg']:.0f}°",
            fontsize=8,
        )
        ax.set_xlabel("east slowness (s/°)")
        if k == 1:
            ax.set_ylabel("north slowness (s/°)")
    fig.suptitle(rec.title("FK, relative power"), fontsize=9)
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.14, top=0.78, wspace=0.35)
    save_figure(fig, path)
