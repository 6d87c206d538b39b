"""Benchmark: per-pair cost of the false-alarm calibration (the empirical null).

The pair of ``bench/bench_detection.py`` (18-element YKA-like cross array, synthetic
record, 2 bands x 5 phases x 4 stacks) detected as the stack stage does (one
:func:`corephase.analysis.detection.detect_phase` per band and phase, default
settings: jackknife resampling) with ``detection.calibration = "fixed"`` (no null,
the stack stage before the calibration) and ``"empirical"`` (300 null draws per
phase and band, the default), best of three runs each.
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
from corephase.signal.matrix import stream_to_matrix
from corephase.utils.random import component_rng


def stack_detections(geom, event, arrivals, bands, settings) -> float:
    """Seconds to detect every band and phase of the pair (as the stack stage does)."""
    t = time.perf_counter()
    for label, (st, fmin, fmax) in bands.items():
        data, dt, t0 = stream_to_matrix(st, geom, 2)
        for ph, arr in arrivals.items():
            detect_phase(
                data, dt, float(t0 - event.origin), geom, event, ph, arr, label, settings,
                band_hz=(fmin, fmax), rng=component_rng(1, label, ph),
            )  # fmt: skip
    return time.perf_counter() - t


def main() -> None:
    geom, event, arrivals, bands, _ = make_pair()
    base = StackSettings()
    fixed = base.replace(detection=base.detection.replace(calibration="fixed"))
    stack_detections(geom, event, arrivals, bands, base)  # warm-up
    times = {}
    for name, s in [("fixed", fixed), ("empirical", base)] * 3:
        el = stack_detections(geom, event, arrivals, bands, s)
        times[name] = min(times.get(name, np.inf), el)
    print(f"{len(geom)} elements, {len(bands)} bands x {len(arrivals)} phases, jackknife")
    print(f"stack detections without calibration (fixed thresholds): {times['fixed']:.2f} s")
    n = base.detection.null_draws
    print(f"with the empirical null ({n} draws): {times['empirical']:.2f} s")
    print(f"ratio: {times['empirical'] / times['fixed']:.2f}")


if __name__ == "__main__":
    main()
