"""Band-limited plane waves crossing an array, for the array-processing tests."""

from __future__ import annotations

import numpy as np
from scipy.signal import butter, sosfiltfilt

from corephase.signal.alignment import plane_wave_delays, shift_traces

#: Sample interval (s) of the synthetic records.
DT = 0.05


def plane_wave_data(x, y, waves, n, noise=0.2, seed=0, band=(1.0, 2.0)):
    """Band-limited random wavelets crossing the array as plane waves.

    ``waves``: list of (slowness s/km, baz deg, arrival time s at the reference).
    """
    rng = np.random.default_rng(seed)
    sos = butter(4, band, "bandpass", fs=1 / DT, output="sos")
    data = noise * rng.standard_normal((x.size, n))
    for s, baz, t in waves:
        src = np.zeros(n)
        k = int(t / DT)
        src[k - 100 : k + 100] = rng.standard_normal(200) * np.hanning(200)
        w = sosfiltfilt(sos, src) * 5.0
        tau = plane_wave_delays(x, y, s, baz)
        data += shift_traces(np.tile(w, (x.size, 1)), -tau, DT)  # delay by tau
    return sosfiltfilt(sos, data, axis=-1)
