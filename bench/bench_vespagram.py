"""Benchmark: vespagram (linear, PWS, envelope) vs per-slowness shifting + stackmaster.

700 traces x 4000 samples (20 Hz) x 201 slownesses. The reference shifts every
trace for every slowness in the frequency domain (same zero-padded FFT length),
then calls ``stackmaster.core.pws`` (nu = 2), a mean and an envelope stack.
``vespagram_stacks`` runs with ``method="fft"`` (the exact default: one rFFT of
all traces, phase ramps per slowness and one inverse FFT per block of traces, in
single and double precision) and ``method="interp"`` (double precision: each
trace's analytic signal oversampled once and shifted by 12-point Lagrange
interpolation in a compiled numba kernel; see ``corephase.signal.shifting``).
Prints CPU and wall times (min over ``--repeat`` runs, reference and fast paths
in the same run), speed-ups (target >= 15x in double precision on one core), the
largest difference relative to each stack's maximum (target <= 1e-6), achieved
GB/s against a numpy copy, and peak memory. The interp path also runs with
``workers=2`` (trace blocks shared by 2 threads; this machine has 2 cores); the
reference runs on one. On a loaded machine the CPU-time ratio is the one to read.
The numba kernel is compiled (or loaded from its cache) before the timings; the
CPU this takes is printed.
Run: ``.venv/bin/python bench/bench_vespagram.py [--repeat N]``
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse
import time
import tracemalloc

import numpy as np
from scipy.signal import butter, sosfiltfilt
from stackmaster.core import pws as stackmaster_pws

from corephase.signal.alignment import plane_wave_delays
from corephase.signal.shifting import interpolation_error_bound
from corephase.signal.stacking import envelope_stack
from corephase.signal.vespagram import SlownessScan, vespagram_nfft, vespagram_stacks

DT = 0.05
NTR, NS, NSLOW = 700, 4000, 201
BAZ = 30.0
STACKS = ("linear", "pws", "envelope")
#: (method, precision, threads) of the timed vespagram_stacks calls
PATHS = (
    ("fft", "single", 1),
    ("fft", "double", 1),
    ("interp", "double", 1),
    ("interp", "double", 2),
)


def make_data(seed=0):
    rng = np.random.default_rng(seed)
    x, y = rng.uniform(-150, 150, NTR), rng.uniform(-150, 150, NTR)
    sos = butter(4, [1.0, 3.0], "bandpass", fs=1 / DT, output="sos")
    data = rng.standard_normal((NTR, NS))
    t = np.arange(NS) * DT
    w = np.exp(-(((t - 100.0) / 1.0) ** 2)) * np.cos(2 * np.pi * 1.5 * (t - 100.0))
    tau = plane_wave_delays(x, y, 0.04, BAZ)
    data += 0.5 * np.array([np.interp(t - ti, t, w) for ti in tau])
    return x, y, sosfiltfilt(sos, data, axis=-1)


def reference(data, x, y, slow):
    """Shift every trace per slowness (frequency domain), then stackmaster PWS, mean, envelope."""
    nfft = vespagram_nfft(NS, DT, x, y, SlownessScan(slow, BAZ))
    spec = np.fft.rfft(data, nfft)
    f = np.fft.rfftfreq(nfft, DT)
    out = {k: np.empty((slow.size, NS)) for k in STACKS}
    for j, s in enumerate(slow):
        tau = plane_wave_delays(x, y, s, BAZ)
        shifted = np.fft.irfft(spec * np.exp(2j * np.pi * f * tau[:, None]), nfft)
        out["linear"][j] = shifted.mean(axis=0)[:NS]
        out["pws"][j] = stackmaster_pws(shifted, p=2)[:NS]
        out["envelope"][j] = envelope_stack(shifted)[:NS]
    return out


def copy_bandwidth() -> float:
    a = np.ones(50_000_000)  # 400 MB
    b = np.empty_like(a)
    best = np.inf
    for _ in range(3):
        t = time.perf_counter()
        np.copyto(b, a)
        best = min(best, time.perf_counter() - t)
    return 2 * a.nbytes / best / 1e9  # read + write


def timed(fn, repeat: int):
    """``(result, min CPU s, min wall s)`` of ``fn()`` over ``repeat`` runs."""
    cpu, wall = np.inf, np.inf
    for _ in range(repeat):
        c, w = time.process_time(), time.perf_counter()
        out = fn()
        cpu, wall = min(cpu, time.process_time() - c), min(wall, time.perf_counter() - w)
    return out, cpu, wall


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=1, help="runs per timing (min is kept)")
    repeat = ap.parse_args().repeat
    x, y, data = make_data()
    slow = np.linspace(0.0, 0.1, NSLOW)  # s/km
    scan = SlownessScan(slow, BAZ)
    nfft = vespagram_nfft(NS, DT, x, y, scan)
    print(f"{NTR} traces x {NS} samples x {NSLOW} slownesses, FFT length {nfft}")
    c = time.process_time()
    vespagram_stacks(data[:4, :100], DT, x[:4], y[:4], scan, STACKS, method="interp")
    print(f"numba kernel compiled or loaded from cache: {time.process_time() - c:.2f} s CPU")
    print(
        f"stated interpolation error bound: {interpolation_error_bound():.1e} per unit amplitude"
    )
    res, times = {}, {}
    for method, prec, workers in PATHS:
        key = f"{method}, {prec}" + ("" if workers == 1 else f", {workers} threads")
        out, c, w = timed(
            lambda m=method, p=prec, n=workers: vespagram_stacks(
                data, DT, x, y, scan, STACKS, precision=p, workers=n, method=m
            ),
            repeat,
        )
        res[key], times[key] = out, (c, w)
        print(f"corephase vespagram_stacks ({key}): {times[key][0]:.2f} s CPU, "
              f"{times[key][1]:.2f} s wall")  # fmt: skip
    ref, t_cpu, t_wall = timed(lambda: reference(data, x, y, slow), repeat)
    print(
        "reference (shift per slowness + stackmaster.pws + mean + envelope, one thread): "
        f"{t_cpu:.2f} s CPU, {t_wall:.2f} s wall"
    )
    for key, (c, w) in times.items():
        print(f"speed-up ({key}): {t_cpu / c:.1f}x CPU, {t_wall / w:.1f}x wall "
              "(target >= 15x in double precision on one core)")  # fmt: skip
        for k in STACKS:
            err = np.abs(res[key][k] - ref[k]).max() / np.abs(ref[k]).max()
            print(f"  {k:8s} max |fast - reference| / max |reference| = {err:.1e}")
    bw = copy_bandwidth()
    for method, prec, isz in (("fft", "single", 8), ("fft", "double", 16)):
        # minimum traffic: every shifted analytic signal written once and read once
        nbytes = NSLOW * NTR * nfft * isz * 2
        gbs = nbytes / times[f"{method}, {prec}"][1] / 1e9
        print(f"achieved {gbs:.2f} GB/s ({prec}) vs numpy copy {bw:.2f} GB/s ({gbs / bw:.0%})")
    outputs = len(STACKS) * NSLOW * NS * 8 + NSLOW * NS * 16
    for method, prec in (("fft", "single"), ("interp", "double")):
        tracemalloc.start()
        vespagram_stacks(data, DT, x, y, scan, STACKS, precision=prec, method=method)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(
            f"peak traced memory of one vespagram_stacks call ({method}, {prec}): "
            f"{peak / 1e6:.0f} MB (input {data.nbytes / 1e6:.0f} MB, outputs and "
            f"accumulators ~{outputs / 1e6:.0f} MB)"
        )


if __name__ == "__main__":
    main()
