"""The coda call (``coda_significant``) on the real YKA record's pre-event noise.

The YKA record (/work/shared/data/yka-2012-08-14, 18 SHZ elements, 20 Hz) starts
1778 s before the origin of the Mw 7.7, 583 km deep event, 2270 s before its P.
Each pseudo-event here is the same event moved ``X`` s earlier (origin, and so
every predicted arrival, ``X`` s before the real ones), with ``X`` chosen so that
its whole record window (the workflow's default, 1634 s from 600 s before P to
180 s after PKIIKP: the coda's null windows come from its noise before P) lies
in the noise before the real P, so ``X`` runs over 1038-1670 s:

(a) **False alarms.** The coda stage (:func:`corephase.analysis.coda.analyse_coda`,
    the workflow's defaults: power-law trend, 30 bootstraps, the null of the
    record's arrival-free windows at ``false_positive_rate`` 0.05) runs on every
    pseudo-event, band 1-2 and 2-3 Hz, and each phase (PcP, ScP, PKiKP) that it
    calls ``coda_significant`` is a false alarm. Pseudo-events every ``--spacing``
    s (default 10) overlap, so the calls are not independent: the 632 s of
    offsets hold about 4 disjoint PKiKP coda windows. The stretch also holds
    two small real events (near 1378 s and 498 s before the origin, as in
    ``bench/false_alarm_rates.py``). A phase whose coda window (3-150 s after
    it) holds one of them measures real energy: its calls are listed apart, and
    the false-alarm rate is over the other windows.
(b) **Detection power.** A scattering coda injected into the same real noise: a
    plane wave at PKiKP's ak135 slowness and back-azimuth whose waveform is
    Gaussian noise (seeded) band-limited by the records' zero-phase Butterworth
    (:func:`corephase.signal.preprocess.zerophase_butterworth`), under
    ``exp(-t / 50 s)`` for 100 s from the pseudo PKiKP time, its RMS over the
    first 10 s ``A`` times the band-passed single-trace noise RMS (from the end
    of the taper to 20 s before the pseudo P), for ``A`` in ``--amplitudes``. The fraction of
    pseudo-events whose PKiKP coda is called significant is the power at ``A``.

Each rate is printed with its 95 % Clopper-Pearson interval (binomial, so too
narrow for overlapping windows). Run: ``OPENBLAS_NUM_THREADS=1 .venv/bin/python
bench/coda_false_alarm_rates.py [--spacing S] [--amplitudes A ...]`` (about 2 min
per 10 pseudo-events on one core at the defaults).
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import dataclasses
from pathlib import Path

import numpy as np
import obspy
from scipy.stats import beta

from corephase.analysis.coda import analyse_coda
from corephase.config.coda import CodaSettings
from corephase.config.fetch import WindowSettings
from corephase.io.stations import geometry_from_inventory
from corephase.model.events import events_from_quakeml
from corephase.model.geometry import KM_PER_DEG
from corephase.model.traveltimes import distance_backazimuth, first_arrivals, record_window
from corephase.signal.alignment import plane_wave_delays, shift_traces
from corephase.signal.preprocess import bandpass, zerophase_butterworth
from corephase.utils.random import component_rng

YKA = Path(__file__).resolve().parents[2] / "shared" / "data" / "yka-2012-08-14"
PHASES = ("P", "PcP", "ScP", "PKiKP", "PKIIKP")
BANDS = ((1.0, 2.0), (2.0, 3.0))
#: The workflow's default record window (from 600 s before P to 180 s after PKIIKP).
WINDOW = WindowSettings()
TAPER = 0.05
#: Pseudo windows end this many s before the real P.
GUARD_S = 10.0
CODA_DECAY_S, CODA_LENGTH_S = 50.0, 100.0
#: The two small real events of the pre-event stretch (s after the real origin).
REAL_EVENTS_S = (-1378.0, -498.0)


def holds_real_event(start_s: float, end_s: float) -> bool:
    """Whether the window ``start_s``-``end_s`` (s after the real origin) holds a real event."""
    return any(start_s <= t <= end_s for t in REAL_EVENTS_S)


def load_record(root: Path):
    """The YKA stream (sorted), its geometry, the event, and the distance and
    back-azimuth (deg) of the array from it."""
    ev = events_from_quakeml(root / "event.quakeml")[0]
    st = obspy.read(str(root / "CN.YKA.SHZ.mseed"))
    inv = obspy.read_inventory(str(root / "CN.YKA.stationxml"))
    st.sort()
    geom = geometry_from_inventory("YKA", inv, st, time=st[0].stats.starttime)
    dist, _, baz = distance_backazimuth(ev.latitude, ev.longitude, geom.ref_lat, geom.ref_lon)
    return st, geom, ev, dist, baz


def pseudo_shifts(st, ev, arrivals, spacing_s: float) -> np.ndarray:
    """Offsets ``X`` (s) that put the pseudo window inside the noise before the real P."""
    t0, t1 = record_window(arrivals, WINDOW)
    start = max(tr.stats.starttime for tr in st) - ev.origin
    lo = t1 - (arrivals["P"].time - GUARD_S)  # pseudo window ends before the real P
    hi = t0 - start  # and starts after the record does
    return np.arange(np.ceil(lo), hi, spacing_s)


def cut(st, ev, arrivals, shift_s: float):
    """The band-independent cut of the pseudo-event ``shift_s`` s earlier, and that event."""
    pseudo = dataclasses.replace(ev, time=str(ev.origin - shift_s))
    t0, t1 = record_window(arrivals, WINDOW)
    part = st.slice(pseudo.origin + t0, pseudo.origin + t1).copy()
    n = min(tr.stats.npts for tr in part)
    for tr in part:
        tr.data = tr.data[:n].astype(float)
    return part, pseudo


def inject(bp, geom, arrivals, pseudo, band, baz: float, amplitude: float, rng) -> None:
    """Add the scattering coda of (b) to the band-passed stream ``bp`` (in place)."""
    dt = bp[0].stats.delta
    data = np.array([tr.data for tr in bp])
    n = data.shape[1]
    t = bp[0].stats.starttime - pseudo.origin + np.arange(n) * dt  # s after origin
    tau = t - arrivals["PKiKP"].time
    on = (tau >= 0) & (tau <= CODA_LENGTH_S)
    g = zerophase_butterworth(rng.standard_normal(n), band, 1.0 / dt, 4, "bandpass")
    envelope = np.where(on, np.exp(-np.clip(tau, 0, None) / CODA_DECAY_S), 0.0)
    s = g * envelope
    first = on & (tau <= 10.0)
    quiet = (t >= t[0] + TAPER * n * dt) & (t < arrivals["P"].time - 20.0)  # after the taper
    noise_rms = np.sqrt(np.mean(data[:, quiet] ** 2))
    s *= amplitude * noise_rms / np.sqrt(np.mean(s[first] ** 2))
    east, north = geom.offsets_km()
    delays = plane_wave_delays(east, north, arrivals["PKiKP"].slowness_s_deg / KM_PER_DEG, baz)
    shifted = shift_traces(np.tile(s, (len(bp), 1)), -delays, dt)  # delayed by each delay
    for tr, add in zip(bp, shifted, strict=True):
        tr.data = tr.data + add


def interval(k: int, n: int) -> tuple[float, float]:
    """95 % Clopper-Pearson interval of ``k`` successes in ``n`` trials."""
    lo = beta.ppf(0.025, k, n - k + 1) if k > 0 else 0.0
    hi = beta.ppf(0.975, k + 1, n - k) if k < n else 1.0
    return float(lo), float(hi)


def coda_table(part, geom, pseudo, arrivals, band, baz, settings, seed, amplitude=0.0):
    """The coda rows of one pseudo-event and band (with a coda injected if ``amplitude``)."""
    bp = bandpass(part, band[0], band[1], 4, TAPER)
    if amplitude > 0:
        rng = component_rng(seed, "coda", band[0])
        inject(bp, geom, arrivals, pseudo, band, baz, amplitude, rng)
    taper_s = TAPER * bp[0].stats.npts * bp[0].stats.delta
    label = f"{band[0]:g}-{band[1]:g}Hz"
    table, _ = analyse_coda(
        bp, geom, pseudo, arrivals, label, band, settings, seed, taper_s=taper_s
    )
    return table


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--spacing", type=float, default=10.0, help="s between pseudo-events")
    ap.add_argument("--amplitudes", type=float, nargs="*", default=[0.5, 1.0, 2.0, 4.0])
    ap.add_argument("--data", type=Path, default=YKA)
    args = ap.parse_args()
    st, geom, ev, dist, baz = load_record(args.data)
    arrivals = first_arrivals(ev.depth_km, dist, list(PHASES))
    shifts = pseudo_shifts(st, ev, arrivals, args.spacing)
    settings = CodaSettings()
    print(
        f"{len(shifts)} pseudo-events, X = {shifts[0]:.0f}-{shifts[-1]:.0f} s "
        f"(pseudo PKiKP {arrivals['PKiKP'].time - shifts[-1]:.0f} to "
        f"{arrivals['PKiKP'].time - shifts[0]:.0f} s after the real origin)"
    )
    calls: dict = {}
    power: dict = {a: [] for a in args.amplitudes}
    for i, x in enumerate(shifts):
        part, pseudo = cut(st, ev, arrivals, float(x))
        for band in BANDS:
            table = coda_table(part, geom, pseudo, arrivals, band, baz, settings, i)
            for _, r in table.iterrows():
                t_real = r["phase_time_s"] - x  # the pseudo phase, s after the real origin
                peak = t_real + r["coda_peak_delay_s"]
                c0, c1 = settings.coda_window_s
                real = holds_real_event(t_real + c0, t_real + c1)
                called = bool(r["coda_significant"])
                calls.setdefault((r["band"], r["phase"]), []).append((called, real))
                if called:
                    print(
                        f"  call: X {x:.0f} s, {r['band']} {r['phase']}, coda peak at "
                        f"{peak:.1f} s after the real origin, excess {r['coda_excess']:.2f} "
                        f"(lower bound {r['coda_excess_lo']:.2f}), p {r['coda_p_value']:.3f}"
                    )
            if band == BANDS[0]:
                for a in args.amplitudes:
                    t = coda_table(part, geom, pseudo, arrivals, band, baz, settings, i, a)
                    row = t[t["phase"] == "PKiKP"].iloc[0]
                    power[a].append(bool(row["coda_significant"]))
    print("(a) coda_significant on real noise (the rate over windows without a real event):")
    print(
        "| band | phase | n | called | windows with a real event (called) | rate | 95 % CI |\n"
        "| --- | --- | --- | --- | --- | --- | --- |"
    )
    total = [0, 0]
    for (band, phase), v in sorted(calls.items()):
        k_all = sum(c for c, _ in v)
        n_real, k_real = sum(e for _, e in v), sum(c and e for c, e in v)
        k, n = k_all - k_real, len(v) - n_real
        total = [total[0] + k, total[1] + n]
        lo, hi = interval(k, n)
        print(
            f"| {band} | {phase} | {len(v)} | {k_all} | {n_real} ({k_real}) "
            f"| {k}/{n} = {k / n:.3f} | {lo:.3f}-{hi:.3f} |"
        )
    (k, n), (lo, hi) = total, interval(*total)
    print(f"| all | all | | | | {k}/{n} = {k / n:.4f} | {lo:.4f}-{hi:.4f} |")
    print("(b) PKiKP coda called with a coda injected (1-2 Hz), by amplitude A:")
    print("| A | called | n | power | 95 % CI |\n| --- | --- | --- | --- | --- |")
    for a, v in power.items():
        k, n = int(sum(v)), len(v)
        lo, hi = interval(k, n)
        print(f"| {a:g} | {k} | {n} | {k / n:.2f} | {lo:.2f}-{hi:.2f} |")


if __name__ == "__main__":
    main()
