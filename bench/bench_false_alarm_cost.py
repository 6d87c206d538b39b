"""Benchmark: per-pair cost of the false-alarm calibration (the empirical null).

The pair of ``bench/bench_detection.py`` (18-element YKA-like cross array, synthetic
record, 2 bands x 5 phases x 4 stacks) detected as the stack stage does (one
:func:`corephase.analysis.detection.detect_phase` per band and phase, default
settings: jackknife resampling) with ``detection.calibration = "fixed"`` (no null,
the stack stage before the calibration), ``"empirical"`` with the shuffled null
alone (300 draws per phase and band) and ``"empirical"`` with the sliding null as
well (the default; its noise-only stretch from the end of a 5 % taper to 20 s before
P, as the stack stage takes it), best of three runs each.
Run: ``OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/bench_false_alarm_cost.py``
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_detection import make_pair

from corephase.analysis.detection import detect_phase
from corephase.config.stack import StackSettings
from corephase.model.traveltimes import first_arrivals
from corephase.signal.matrix import stream_to_matrix
from corephase.utils.random import component_rng


def stack_detections(geom, event, arrivals, bands, settings, p_time) -> float:
    """Seconds to detect every band and phase of the pair (as the stack stage does)."""
    t = time.perf_counter()
    for label, (st, fmin, fmax) in bands.items():
        data, dt, t0 = stream_to_matrix(st, geom, 2)
        ts = float(t0 - event.origin)
        quiet = (ts + 0.05 * data.shape[1] * dt, p_time - 20.0)
        for ph, arr in arrivals.items():
            detect_phase(
                data, dt, ts, geom, event, ph, arr, label, settings,
                band_hz=(fmin, fmax), rng=component_rng(1, label, ph), quiet_s=quiet,
            )  # fmt: skip
    return time.perf_counter() - t


def main() -> None:
    geom, event, arrivals, bands, dist = make_pair()
    p_time = first_arrivals(event.depth_km, dist, ["P"])["P"].time
    base = StackSettings()
    fixed = base.replace(detection=base.detection.replace(calibration="fixed"))
    shuffled = base.replace(detection=base.detection.replace(sliding_null=False))
    variants = [("fixed", fixed), ("shuffled", shuffled), ("both", base)]
    stack_detections(geom, event, arrivals, bands, base, p_time)  # warm-up
    times = {}
    for name, s in variants * 3:
        el = stack_detections(geom, event, arrivals, bands, s, p_time)
        times[name] = min(times.get(name, np.inf), el)
    print(f"{len(geom)} elements, {len(bands)} bands x {len(arrivals)} phases, jackknife")
    print(f"stack detections without calibration (fixed thresholds): {times['fixed']:.2f} s")
    n = base.detection.null_draws
    print(f"with the shuffled null ({n} draws): {times['shuffled']:.2f} s")
    print(f"with the shuffled and the sliding null (default): {times['both']:.2f} s")
    print(f"ratio default / fixed: {times['both'] / times['fixed']:.2f}")


if __name__ == "__main__":
    main()
