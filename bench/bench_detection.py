"""Benchmark: ``detect_phases`` batched bootstrap vs the per-resample loop (the old code path).

One event x array pair as the offline demo runs it: an 18-element cross array
of 20 km aperture (YKA-like), synthetic records from
:func:`corephase.sources.synthetic.synthesize` (Mw 7.7, 583 km deep, ~63 deg), two bands
(1-2 and 2-3 Hz, zero-phase Butterworth), five phases (PcP, ScP, PKiKP, PKIIKP,
PKJKP where they exist) detected one call per phase as
:func:`corephase.stages.stack.stack_pair` does, four stack types, 20 bootstrap
resamples, the default vespagram (0-10 s/deg, 0.1) and FK (+-0.12 s/km, 0.002)
grids. ``method="loop"`` re-stacks each resample from scratch (one vespagram,
one FK and four stacks per resample, as the original implementation);
``method="batched"`` forms the per-element terms once per phase and every
resample as a weighted sum.

Prints the time of each method, the speed-up, the largest relative difference
of every numeric output column and whether the detections agree, the peak
traced memory of one call of each, and the demo estimate (14 pairs).
Run: ``OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/bench_detection.py``
"""

from __future__ import annotations

import os

# single-threaded BLAS, as the pipeline's jobs on a 2-core machine; set before numpy is imported
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import time
import tracemalloc

import numpy as np
import pandas as pd

from corephase.analysis.detection import detect_phases
from corephase.config.fetch import WindowSettings
from corephase.config.stack import DetectionSettings, StackSettings
from corephase.config.synthetic import SyntheticSettings
from corephase.model.events import Event
from corephase.model.geometry import ArrayGeometry, local_km_to_latlon, parametric_layout
from corephase.model.traveltimes import distance_backazimuth, first_arrivals, record_window
from corephase.sources.synthetic import synthesize

PHASES = ["PcP", "ScP", "PKiKP", "PKIIKP", "PKJKP"]
BANDS = [(1.0, 2.0), (2.0, 3.0)]
SETTINGS = StackSettings(detection=DetectionSettings(resampling="bootstrap", bootstrap=20))
SEED = 20140623
NUMERIC = [
    "snr",
    "snr_lo",
    "snr_hi",
    "slowness_obs_s_deg",
    "slowness_err_s_deg",
    "baz_obs_deg",
    "baz_err_deg",
    "slowness_fk_s_deg",
    "fk_relpow",
    "t_peak_s",
    "coherence",
]


def make_pair():
    """Geometry, event, phase arrivals and one band-passed stream per band."""
    ref_lat, ref_lon = 62.49, -114.6
    east, north = parametric_layout("cross", 18, 20.0)
    lat, lon = local_km_to_latlon(east, north, ref_lat, ref_lon)
    codes = [f"SY.B{i:02d}..SHZ" for i in range(east.size)]
    geom = ArrayGeometry("SYN18", codes, lat, lon, np.full(east.size, 300.0), ref_lat, ref_lon)
    event = Event("bench", "2012-08-14T02:59:38", 49.8, 145.06, 583.0, 7.7, "Mw", "bench")
    dist, _, _ = distance_backazimuth(event.latitude, event.longitude, ref_lat, ref_lon)
    window = WindowSettings().to_dict()
    limits = first_arrivals(event.depth_km, dist, [window["start_phase"], window["end_phase"]])
    amplitudes = {"P": 1.0, "PcP": 0.12, "ScP": 0.2, "PKiKP": 0.02}
    stream, _ = synthesize(
        geom,
        event,
        record_window(limits, window),
        SyntheticSettings(amplitudes=amplitudes),
        seed=1,
    )
    arrivals = first_arrivals(event.depth_km, dist, PHASES)
    bands = {}
    for fmin, fmax in BANDS:
        st = stream.copy()
        st.filter("bandpass", freqmin=fmin, freqmax=fmax, corners=4, zerophase=True)
        bands[f"{fmin:g}-{fmax:g}Hz"] = (st, fmin, fmax)
    return geom, event, arrivals, bands, dist


def run(geom, event, arrivals, bands, method):
    tables = []
    for label, (st, fmin, fmax) in bands.items():
        for ph, arr in arrivals.items():
            tables.append(
                detect_phases(
                    st,
                    geom,
                    event,
                    {ph: arr},
                    label,
                    SETTINGS,
                    band_hz=(fmin, fmax),
                    seed=SEED,
                    method=method,
                )
            )
    return pd.concat(tables, ignore_index=True)


def main():
    geom, event, arrivals, bands, dist = make_pair()
    st0 = next(iter(bands.values()))[0]
    print(
        f"{len(geom)} elements, aperture {geom.aperture_km():.1f} km, {dist:.1f} deg, "
        f"{st0[0].stats.npts} samples at {st0[0].stats.sampling_rate:g} Hz; "
        f"{len(bands)} bands x {len(arrivals)} phases ({', '.join(arrivals)}) x "
        f"{len(SETTINGS.types)} stacks, bootstrap {SETTINGS.detection.bootstrap}, "
        f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')}"
    )
    run(geom, event, arrivals, bands, "batched")  # warm-up (TauP, FFT plans)
    times, tables = {}, {}
    for method in ("batched", "loop", "batched"):
        t = time.perf_counter()
        tables[method] = run(geom, event, arrivals, bands, method)
        el = time.perf_counter() - t
        times[method] = min(el, times.get(method, np.inf))
    tb, tl = times["batched"], times["loop"]
    print(f"loop (per-resample, old code path): {tl:.2f} s")
    print(f"batched:                            {tb:.2f} s")
    print(f"speed-up: {tl / tb:.1f}x")
    a = tables["batched"][NUMERIC].to_numpy(float)
    b = tables["loop"][NUMERIC].to_numpy(float)
    same_nan = bool(np.array_equal(np.isnan(a), np.isnan(b)))
    rel = np.abs(a - b) / np.maximum(np.abs(b), 1e-300)
    worst = {c: float(np.nanmax(rel[:, i], initial=0.0)) for i, c in enumerate(NUMERIC)}
    print(f"rows {len(a)}; NaN pattern equal: {same_nan}; largest relative difference:")
    print("  " + ", ".join(f"{c} {v:.1e}" for c, v in worst.items()))
    for col in ("detected", "reason"):
        eq = bool((tables["batched"][col] == tables["loop"][col]).all())
        print(f"  {col} identical: {eq}")
    st, fmin, fmax = next(iter(bands.values()))
    ph, arr = next(iter(arrivals.items()))
    for method in ("batched", "loop"):
        tracemalloc.start()
        detect_phases(
            st,
            geom,
            event,
            {ph: arr},
            "b",
            SETTINGS,
            band_hz=(fmin, fmax),
            seed=SEED,
            method=method,
        )
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"peak traced memory of one {method} call ({ph}): {peak / 1e6:.0f} MB")
    n_calls = len(bands) * len(arrivals)
    print(
        f"demo estimate (14 pairs, this pair's {n_calls} phase x band calls each, 1 core): "
        f"batched {14 * tb:.0f} s, loop {14 * tl:.0f} s"
    )


if __name__ == "__main__":
    main()
