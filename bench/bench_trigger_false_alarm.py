"""Per-event false-alarm rate of the dense-search trigger on noise-only synthetic events.

Each noise-only "pair" is one pseudo-PKiKP window (slowness 0.5-2.5 s/deg at the
event's back-azimuth) in Peterson noise (level 0.5) on a ring array, measured by
the detection at its defaults (:func:`corephase.analysis.detection.calibration.
noise_only_detections`: calibrated ``fa_prob``, ``call``) in two bands (1-2 and
2-3 Hz, the same noise) and four stacks: 8 tests per pair. Windows are 50 s apart
on one record per chunk of 25 windows (independent noise).

A noise-only event is ``k`` distinct pairs (arrays) drawn from the pool; its
catalogue rows go through :func:`corephase.planning.trigger.stage1_detections` and
:func:`corephase.planning.trigger.triggered_events` (default trigger: PKiKP,
min_snr 3, one array) with the per-event level ``nominal``. The pool is split
into disjoint events over several random permutations, so every pair is used
once per permutation; the measured rate is the fraction of events triggered
over the permutations, with the Poisson 95 % interval of one permutation's
count (the permutations reuse the same noise, so they add no independent
events). The network-level call of dense sub-arrays
(:func:`corephase.planning.dense_network.network_calls`) uses the same Sidak
correction, so the ``k``-array rates are also its rates for ``k`` sub-arrays.

Run: ``OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/bench_trigger_false_alarm.py
[n_windows] [n_elements] [pool.csv]`` (default 600 windows, 9 elements; about
1 s per window on one core). With a pool CSV, the chunks of 25 windows already
there are read and the others measured and appended (a run can be resumed).
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.signal import butter, sosfiltfilt
from scipy.stats import chi2

from corephase.analysis.detection.calibration import noise_only_detections
from corephase.config.dense import TriggerSettings
from corephase.config.stack import StackSettings
from corephase.model.events import Event
from corephase.model.geometry import ArrayGeometry, local_km_to_latlon, parametric_layout
from corephase.planning.trigger import stage1_detections, triggered_events
from corephase.sources.noise import peterson_noise
from corephase.utils.random import component_rng

BANDS = ((1.0, 2.0), (2.0, 3.0))
NOMINAL = (0.01, 0.05, 0.1)
ARRAYS_PER_EVENT = (1, 3, 5)
SPACING_S = 50.0
DT = 0.05


def noise_chunk(chunk: int, n_windows: int, n_el: int, aperture_km: float = 20.0):
    """Detection rows of ``n_windows`` noise-only pseudo-PKiKP windows in both bands.

    One Peterson-noise record per chunk (seeded by the chunk number); column
    ``pair`` numbers the windows from ``chunk * n_windows``; every window has
    2 bands x 4 stacks rows with phase ``PKiKP``.
    """
    e, n = parametric_layout("rings", n_el, aperture_km)
    lat, lon = local_km_to_latlon(e, n, 62.5, -114.6)
    geom = ArrayGeometry("T", [f"XX.T{i:03d}..SHZ" for i in range(n_el)], lat, lon)
    ev = Event("ev", "2014-06-23T20:53:09", 51.95, 178.58, 106.0)
    rng = component_rng(19, "trigger-bench", n_el, chunk)
    raw = peterson_noise(n_el, int((n_windows * SPACING_S + 150) / DT), DT, 0.5, rng) * 1e9
    times = 100.0 + SPACING_S * np.arange(n_windows)
    slow = rng.uniform(0.5, 2.5, n_windows)
    tables = []
    for band in BANDS:
        sos = butter(4, band, "band", fs=1 / DT, output="sos")
        data = sosfiltfilt(sos, raw, axis=-1)
        t = noise_only_detections(
            data, DT, 0.0, geom, ev, times, slow, band, StackSettings(), chunk
        )
        t["pair"] = chunk * n_windows + t["phase"].str[1:].astype(int)
        tables.append(t)
    out = pd.concat(tables, ignore_index=True)
    out["phase"] = "PKiKP"
    return out


def noise_pool(n_windows: int, n_el: int, cache: Path | None, chunk_size: int = 25):
    """The pool of noise-only windows, measured chunk by chunk; with ``cache`` (CSV)
    the chunks already there are read and each new one is appended."""
    have = pd.read_csv(cache) if cache is not None and cache.is_file() else pd.DataFrame()
    done = set(have["chunk"]) if len(have) else set()
    parts = [have]
    for c in range(int(np.ceil(n_windows / chunk_size))):
        if c in done:
            continue
        part = noise_chunk(c, chunk_size, n_el).assign(chunk=c)
        parts.append(part)
        if cache is not None:
            part.to_csv(cache, mode="a", header=not cache.is_file(), index=False)
        print(f"chunk {c}: {len(part) // 8} windows", flush=True)
    return pd.concat(parts, ignore_index=True)


def event_catalogue(pool: pd.DataFrame, k: int, seed: int) -> tuple[pd.DataFrame, list[Event]]:
    """Noise-only events of ``k`` arrays each: one permutation of the pool's pairs."""
    pairs = np.unique(pool["pair"])
    perm = component_rng(seed, "events", k).permutation(pairs)
    n_ev = perm.size // k
    event_of = {int(p): i // k for i, p in enumerate(perm[: n_ev * k])}
    array_of = {int(p): f"A{i % k}" for i, p in enumerate(perm[: n_ev * k])}
    cat = pool[pool["pair"].isin(list(event_of))].copy()
    cat["event"] = [f"e{event_of[p]}" for p in cat["pair"]]
    cat["array"] = [array_of[p] for p in cat["pair"]]
    cat["status"] = "ok"
    events = [Event(f"e{i}", "2014-06-23T20:53:09", 0.0, 0.0, 10.0) for i in range(n_ev)]
    return cat, events


def rates(pool: pd.DataFrame, permutations: int = 5) -> pd.DataFrame:
    """Triggered fraction of noise-only events per nominal level and arrays per event."""
    rows = []
    for nominal in NOMINAL:
        for k in ARRAYS_PER_EVENT:
            hits = n = 0
            for seed in range(permutations):
                cat, events = event_catalogue(pool, k, seed)
                det = stage1_detections(cat)
                hits += len(triggered_events(det, TriggerSettings(), events, nominal))
                n += len(events)
            # the permutations reuse the same pool: the interval is that of one permutation
            lo, hi = (v * permutations for v in poisson_interval(round(hits / permutations)))
            rows.append(
                dict(
                    nominal=nominal,
                    arrays=k,
                    tests_per_event=8 * k,
                    events=n,
                    triggered=hits,
                    rate=hits / n,
                    rate_lo=lo / n,
                    rate_hi=hi / n,
                    ratio=hits / n / nominal,
                )
            )
    return pd.DataFrame(rows)


def poisson_interval(count: int) -> tuple[float, float]:
    """Exact (Garwood) 95 % interval of a Poisson count."""
    lo = 0.0 if count == 0 else chi2.ppf(0.025, 2 * count) / 2
    return float(lo), float(chi2.ppf(0.975, 2 * count + 2) / 2)


def main() -> None:
    n_win = int(sys.argv[1]) if len(sys.argv) > 1 else 600
    n_el = int(sys.argv[2]) if len(sys.argv) > 2 else 9
    cache = Path(sys.argv[3]) if len(sys.argv) > 3 else None
    t0 = time.perf_counter()
    pool = noise_pool(n_win, n_el, cache)
    print(f"pool: {n_win} windows x 2 bands, {n_el} elements, {time.perf_counter() - t0:.0f} s")
    per_row = pool.groupby("stack")["call"].apply(lambda c: float(np.mean(c == "detected")))
    print("per-row detected rate (nominal false_alarm_level 0.01):")
    print(per_row.to_string())
    fa = pd.to_numeric(pool["fa_prob"], errors="coerce")
    print(f"rows with fa_prob <= 0.01: {float(np.mean(fa <= 0.01)):.4f}")
    units = pool.assign(fa=fa).groupby(["pair", "band"])
    for a in (0.00126, 0.005, 0.01):
        hit = units.apply(lambda d, a=a: bool(((d["fa"] <= a) & (d["call"] == "detected")).any()))
        low = units["fa"].min() <= a
        print(
            f"(array, band) with a detected stack at fa_prob <= {a}: {hit.mean():.4f}, "
            f"smallest fa_prob <= {a}: {low.mean():.4f}"
        )
    with pd.option_context("display.width", 120, "display.float_format", "{:.4f}".format):
        print(rates(pool).to_string(index=False))


if __name__ == "__main__":
    main()
