"""Benchmark: sliding-window FK vs ObsPy ``array_processing`` (method 0, Bartlett).

20 elements, 300 s at 20 Hz, 5 s windows with 50 % overlap, 81 x 81 slowness
grid over +-0.3 s/km, 1-2 Hz. Prints both timings, their ratio (target >= 50)
and whether the best slowness and back-azimuth agree in every window.
Run: ``.venv/bin/python bench/bench_fk.py``
"""

from __future__ import annotations

import os

# single-threaded BLAS: ObsPy's beamformer is single-threaded, and threaded BLAS on a small,
# shared machine makes timings erratic. Must be set before numpy is imported.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import time

import numpy as np
from obspy import Stream, Trace, UTCDateTime
from obspy.core.util import AttribDict
from obspy.signal.array_analysis import array_processing
from scipy.signal import butter, sosfiltfilt

from corephase.signal.alignment import plane_wave_delays, shift_traces
from corephase.signal.fk import FKParams, sliding_fk

DT = 0.05
FK = FKParams(0.3, 0.0075, 1.0, 2.0)  # grid s/km, band Hz


def make_data(seed=1):
    rng = np.random.default_rng(seed)
    nel, n = 20, int(300 / DT)
    x, y = rng.uniform(-10, 10, nel), rng.uniform(-10, 10, nel)
    sos = butter(4, [1.0, 2.0], "bandpass", fs=1 / DT, output="sos")
    data = 0.3 * rng.standard_normal((nel, n))
    waves = [(0.08, 40), (0.15, 200), (0.05, 300), (0.25, 120), (0.12, 10)]
    for k, (s, baz) in enumerate(waves):
        src = np.zeros(n)
        src[int((20 + 55 * k) / DT)] = 1.0
        w = sosfiltfilt(sos, np.convolve(src, rng.standard_normal(400), "same")) * 5
        data += shift_traces(np.tile(w, (nel, 1)), -plane_wave_delays(x, y, s, baz), DT)
    return x, y, sosfiltfilt(sos, data, axis=-1)


def main():
    x, y, data = make_data()
    n = data.shape[1]
    t0 = UTCDateTime(2020, 1, 1)
    st = Stream()
    for i in range(x.size):
        tr = Trace(data[i].copy(), header={"sampling_rate": 1 / DT, "starttime": t0})
        tr.stats.station = f"S{i:02d}"
        tr.stats.coordinates = AttribDict(x=x[i], y=y[i], elevation=0.0)
        st.append(tr)
    args = (5.0, 0.5, -0.3, 0.3, -0.3, 0.3, 0.0075, -1e9, -1e9, 1.0, 2.0, t0, t0 + (n - 1) * DT, 0)
    t = time.perf_counter()
    ref = array_processing(st, *args, coordsys="xy", timestamp="julsec", method=0)
    t_obspy = time.perf_counter() - t
    sliding_fk(data, DT, x, y, 5.0, 0.5, FK, t1_idx=n - 1)  # warm-up
    reps = 5
    t = time.perf_counter()
    for _ in range(reps):
        r = sliding_fk(data, DT, x, y, 5.0, 0.5, FK, t1_idx=n - 1)
    t_ours = (time.perf_counter() - t) / reps
    same_s = np.allclose(r.slowness_s_km, ref[:, 4], atol=1e-7)
    dbaz = (r.baz_deg - ref[:, 3] + 180) % 360 - 180
    same_b = bool(np.all(np.abs(dbaz[ref[:, 4] > 1e-6]) < 1e-6))
    print(f"windows: {ref.shape[0]} (corephase {r.baz_deg.size}), grid 81 x 81, 20 elements")
    print(f"ObsPy array_processing method 0: {t_obspy:.3f} s")
    print(f"corephase sliding_fk (mean of {reps}): {t_ours * 1e3:.1f} ms")
    print(f"speed-up: {t_obspy / t_ours:.1f}x (target >= 50x)")
    print(f"same best slowness in every window: {same_s}; same baz: {same_b}")
    print(f"max |relpow - ObsPy relpow| / max relpow: {np.abs(r.relpow - ref[:, 1]).max():.2e}")


if __name__ == "__main__":
    main()
