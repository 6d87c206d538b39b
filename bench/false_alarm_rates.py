"""Measured false-alarm rates and detection probability of the detector at its defaults.

(a) Real noise: the YKA record (/work/shared/data/yka-2012-08-14, 18 elements), the
    38 min before P: pseudo-phases every ``--spacing`` s (default 10) with 560 s of
    noise before them, ``--per-time`` (default 3) PKiKP-like slownesses (0.5-2.5 s/deg)
    at each time, at the event's back-azimuth, bands 1-2 and 2-3 Hz: about 900 windows
    per stack (neighbouring windows overlap, so they are not independent; 136 windows,
    the earlier sampling, could not tell 0.5 % from 1 %). The stretch holds two small
    real events (near 1378 s and 498 s before the origin); the rates count them as noise.
(b) Synthetic Peterson noise (level 0.5, 1-2 Hz) on ring arrays of N = 4 (3 km),
    18 (20 km) and 100 (40 km) elements; pseudo-phases every 50 s, slowness
    0.3-4 s/deg, ``--windows`` per size (default 1000), in independent records of
    :data:`CHUNK` pseudo-phases.

The sliding null (``stack.detection.sliding_null``) of each pseudo-phase slides its
windows over the :data:`QUIET_S` (500) s of noise that end 20 s before its noise window,
as the stack stage slides a phase's windows over the ~500 s of noise before P that the
workflow's records (600 s before P) leave after the band-pass taper.
(c) Detection probability per stack: a PKiKP-like wavelet (1.5 Hz Gabor, peak
    1.5 x the single-trace noise RMS, 1.5 s/deg) injected into the real YKA noise
    before P (18 elements, 1-2 Hz), one trial every 60 s, one wavelet per trial.
(d) Real YKA ScP at 1-2 Hz and 2-3 Hz with the defaults.

Per stack: ``snr_rate`` = fraction of noise windows with ``snr >= snr_threshold``
(the calibrated quantity, nominal ``false_alarm_level`` = 1 %) and ``detected_rate``
= fraction called ``detected`` (also needs slowness, back-azimuth and resample
agreement). Also the largest slowness misfit of any ``detected`` row.
Each rate is printed with its 95 % Clopper-Pearson interval.
Run: ``OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/false_alarm_rates.py [--quick]
[--shuffled-only] [--no-resampling] [--windows N] [--spacing S] [--per-time K]
[--only-n N] [--skip-real] [--skip-real-noise] [--skip-synthetic]`` (``--only-n``: one
of the synthetic array sizes 4, 18, 100; ``--skip-real-noise``: of the real record, (c)
and (d) only; ``--shuffled-only``: the shuffled null alone, as before the sliding null;
``--no-resampling``: no element resampling, about twice as fast: the SNR,
its threshold and ``snr_rate`` do not depend on it, ``detected_rate`` does).
The defaults take about an hour on one core.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from corephase.analysis.detection.calibration import (
    false_alarm_rates,
    noise_only_detections,
    quiet_before,
)
from corephase.analysis.detection.interference import PRE_ONSET_S
from corephase.config.stack import StackSettings
from corephase.io.stations import geometry_from_inventory
from corephase.model.events import Event, events_from_quakeml
from corephase.model.geometry import ArrayGeometry, local_km_to_latlon, parametric_layout
from corephase.model.traveltimes import distance_backazimuth, first_arrivals
from corephase.signal.alignment import plane_wave_delays, shift_traces
from corephase.signal.matrix import stream_to_matrix
from corephase.signal.preprocess import bandpass
from corephase.sources.noise import peterson_noise

YKA = Path("/work/shared/data/yka-2012-08-14")


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="a few windows of each kind")
    p.add_argument("--shuffled-only", action="store_true", help="no sliding null")
    p.add_argument("--no-resampling", action="store_true", help="no element resampling")
    p.add_argument("--windows", type=int, default=1000, help="windows per synthetic size")
    p.add_argument("--spacing", type=float, default=10.0, help="real: s between times")
    p.add_argument("--per-time", type=int, default=3, help="real: slownesses per time")
    p.add_argument("--only-n", type=int, choices=(4, 18, 100), help="one synthetic size")
    p.add_argument("--skip-real", action="store_true")
    p.add_argument("--skip-synthetic", action="store_true")
    p.add_argument("--skip-real-noise", action="store_true", help="real: (c) and (d) only")
    return p.parse_args(argv)


ARGS = parse_args()
QUICK = ARGS.quick
SETTINGS = StackSettings()
if ARGS.shuffled_only:
    SETTINGS = SETTINGS.replace(detection=SETTINGS.detection.replace(sliding_null=False))
if ARGS.no_resampling:
    SETTINGS = SETTINGS.replace(detection=SETTINGS.detection.replace(resampling="none"))
#: ObsPy's taper of the band-pass (5 % of the record at each end), s.
TAPER = 0.05


def yka_record(band):
    """The YKA record band-passed: (data, dt, t_start_s, geometry, event, P time)."""
    import obspy

    ev = events_from_quakeml(YKA / "event.quakeml")[0]
    st = obspy.read(str(YKA / "CN.YKA.SHZ.mseed"))
    inv = obspy.read_inventory(str(YKA / "CN.YKA.stationxml"))
    st.sort()
    st = bandpass(st, *band)
    t0 = max(tr.stats.starttime for tr in st)
    st.trim(t0, min(tr.stats.endtime for tr in st))
    geom = geometry_from_inventory("YKA", inv, st, time=t0)
    data, dt, ts = stream_to_matrix(st, geom, 2)
    dist, _, _ = distance_backazimuth(ev.latitude, ev.longitude, geom.ref_lat, geom.ref_lon)
    p = first_arrivals(ev.depth_km, dist, ["P"])["P"].time
    return data, dt, float(ts - ev.origin), geom, ev, p


def yka_quiet(data, dt, t_start, p_time):
    """The record's noise-only stretch (s after origin): taper's end to
    :data:`PRE_ONSET_S` (20 s) before P, as the stack stage takes it."""
    return (t_start + TAPER * data.shape[1] * dt, p_time - PRE_ONSET_S)


#: Length of the sliding null's noise stretch (s) and its end before a pseudo-phase (s):
#: the workflow's records start 600 s before P, so after the band-pass taper the stack
#: stage has about 500 s of noise before P for its sliding null (ending 20 s before P);
#: here each pseudo-phase gets the 500 s that end 20 s before its noise window.
QUIET_S, GAP_S = 500.0, 60.0


def yka_windows(quiet, spacing=30.0):
    """Pseudo-phase times: noise window [-40, -5] s and signal window [-2, 8] s, both in
    the noise-only stretch ``quiet``, with :data:`QUIET_S` of noise before them."""
    return np.arange(quiet[0] + QUIET_S + GAP_S, quiet[1] - 13.0, spacing)


def local_quiet(times, quiet):
    """Each pseudo-phase's sliding-null stretch (:func:`quiet_before`)."""
    return quiet_before(times, QUIET_S, GAP_S, quiet)


def inject(data, dt, t_start, geom, ev, times, slowness_s_deg, amp_rms):
    """Add a 1.5 Hz Gabor wavelet (peak ``amp_rms`` x the single-trace RMS) at each time."""
    _, baz, _ = distance_backazimuth(ev.latitude, ev.longitude, geom.ref_lat, geom.ref_lon)
    east, north = geom.offsets_km()
    tau = plane_wave_delays(east, north, slowness_s_deg / 111.19492664455873, baz)
    t = t_start + np.arange(data.shape[1]) * dt
    w = sum(np.exp(-(((t - tc) / 0.6) ** 2)) * np.cos(2 * np.pi * 1.5 * (t - tc)) for tc in times)
    rms = np.sqrt(np.mean(data**2))
    return data + amp_rms * rms * shift_traces(np.tile(w, (data.shape[0], 1)), -tau, dt)


def real_noise() -> pd.DataFrame:
    """(a) Detection rows of pseudo-phases in the YKA noise, both bands."""
    tables = []
    for band in [(1.0, 2.0), (2.0, 3.0)]:
        data, dt, ts, geom, ev, p = yka_record(band)
        quiet = yka_quiet(data, dt, ts, p)
        times = np.repeat(yka_windows(quiet, ARGS.spacing), ARGS.per_time)
        times = times[: 20 if QUICK else None]
        slow = np.random.default_rng(1).uniform(0.5, 2.5, times.size)
        tables.append(
            noise_only_detections(
                data, dt, ts, geom, ev, times, slow, band, SETTINGS, 1, local_quiet(times, quiet)
            )
        )
    return pd.concat(tables)


def injected_trials() -> pd.DataFrame:
    """(c) Detection rows of one PKiKP-like wavelet per trial in the YKA noise, 1-2 Hz
    (one wavelet per trial: the sliding null sees noise only)."""
    band = (1.0, 2.0)
    data, dt, ts, geom, ev, p = yka_record(band)
    quiet = yka_quiet(data, dt, ts, p)
    tables = []
    for k, tk in enumerate(yka_windows(quiet, 60.0)[: 10 if QUICK else None]):
        sig = inject(data, dt, ts, geom, ev, [tk], 1.5, 1.5)
        q = local_quiet([tk], quiet)
        tables.append(
            noise_only_detections(sig, dt, ts, geom, ev, [tk], [1.5], band, SETTINGS, 2000 + k, q)
        )
    return pd.concat(tables)


#: Pseudo-phases per synthetic record (each record: 610 s of lead-in noise, then 40
#: pseudo-phases 50 s apart).
CHUNK = 40


def synthetic_noise(n_el: int, aperture_km: float, n_win: int) -> pd.DataFrame:
    """Detection rows of ``n_win`` pseudo-phases in Peterson noise on an ``n_el``-element
    ring, in independent records of :data:`CHUNK` windows each (the sliding null of a
    window slides over its own record)."""
    from scipy.signal import butter, sosfiltfilt

    e, n = parametric_layout("rings", n_el, aperture_km)
    lat, lon = local_km_to_latlon(e, n, 62.5, -114.6)
    geom = ArrayGeometry("T", [f"XX.T{i:03d}..SHZ" for i in range(n_el)], lat, lon)
    ev = Event("ev", "2014-06-23T20:53:09", 51.95, 178.58, 106.0)
    dt, spacing = 0.05, 50.0
    sos = butter(4, [1.0, 2.0], "band", fs=1 / dt, output="sos")
    s = SETTINGS
    if n_el > 50:
        s = s.replace(detection=s.detection.replace(resampling="none"))
    tables = []
    for c, k0 in enumerate(range(0, n_win, CHUNK)):
        k = min(CHUNK, n_win - k0)
        rng = np.random.default_rng([n_el, c])
        lead = QUIET_S + GAP_S + 50.0
        data = peterson_noise(n_el, int((lead + k * spacing + 100) / dt), dt, 0.5, rng) * 1e9
        data = sosfiltfilt(sos, data, axis=-1)
        times = lead + spacing * np.arange(k)
        slow = rng.uniform(0.3, 4.0, k)
        quiet = local_quiet(times, (5.0, data.shape[1] * dt - 5.0))
        tables.append(
            noise_only_detections(
                data, dt, 0.0, geom, ev, times, slow, (1.0, 2.0), s, 1000 * n_el + c, quiet
            )
        )
    return pd.concat(tables, ignore_index=True)


def rates(table: pd.DataFrame) -> pd.DataFrame:
    """:func:`false_alarm_rates` with the 95 % Clopper-Pearson interval of ``snr_rate``."""
    from scipy.stats import beta

    r = false_alarm_rates(table)
    k = np.round(r["snr_rate"] * r["n"]).astype(int)
    r["snr_lo95"] = np.where(k > 0, beta.ppf(0.025, k, r["n"] - k + 1), 0.0)
    r["snr_hi95"] = np.where(k < r["n"], beta.ppf(0.975, k + 1, r["n"] - k), 1.0)
    return r


def max_misfit(table: pd.DataFrame) -> float:
    d = table[table["call"] == "detected"]
    if d.empty:
        return 0.0
    return float(np.max(np.abs(d["slowness_obs_s_deg"] - d["slowness_theory_s_deg"])))


def main() -> None:
    pd.set_option("display.width", 120)
    all_rows = []
    if YKA.is_dir() and not ARGS.skip_real:
        if not ARGS.skip_real_noise:
            noise = real_noise()
            all_rows.append(noise)
            print(f"(a) real YKA noise, bands 1-2 and 2-3 Hz, {len(noise) // 4} windows per stack")
            print(rates(noise).round(4))
        sig = injected_trials()
        all_rows.append(sig)
        print("(c) PKiKP-like wavelet at 1.5 x single-trace noise, 18 elements, 1-2 Hz")
        print(false_alarm_rates(sig).rename(columns={"snr_rate": "snr_pass"}).round(3))
        from corephase.analysis.detection import detect_phase

        for band in [(1.0, 2.0), (2.0, 3.0)]:
            data, dt, ts, geom, ev, _ = yka_record(band)
            ref = (geom.ref_lat, geom.ref_lon)
            dist, _, _ = distance_backazimuth(ev.latitude, ev.longitude, *ref)
            scp = first_arrivals(ev.depth_km, dist, ["ScP"])["ScP"]
            p = first_arrivals(ev.depth_km, dist, ["P"])["P"].time
            quiet = quiet_before([p], QUIET_S, PRE_ONSET_S, yka_quiet(data, dt, ts, p))[0]
            t = detect_phase(
                data, dt, ts, geom, ev, "ScP", scp, "b", SETTINGS, band_hz=band, quiet_s=quiet
            )
            print(f"(d) YKA ScP {band} Hz:")
            print(t.table[["stack", "snr", "snr_threshold", "fa_prob", "call"]].round(4))
            all_rows.append(t.table)
    n_win = 20 if QUICK else ARGS.windows
    sizes = [(n, ap, n_win) for n, ap in ((4, 3.0), (18, 20.0), (100, 40.0))]
    if ARGS.only_n:
        sizes = [s for s in sizes if s[0] == ARGS.only_n]
    for n_el, ap, n_win in [] if ARGS.skip_synthetic else sizes:
        tab = synthetic_noise(n_el, ap, n_win)
        all_rows.append(tab)
        print(f"(b) Peterson noise N={n_el} ({ap:g} km), 1-2 Hz, {n_win} windows per stack")
        print(rates(tab).round(4), flush=True)
    print(f"largest |slowness - theory| of a detected row: {max_misfit(pd.concat(all_rows)):.2f}")


if __name__ == "__main__":
    main()
