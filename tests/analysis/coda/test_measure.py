"""One envelope beam's measurement: a cut around the phase's windows gives the same numbers."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from corephase.analysis.coda.contaminants import arrival_mask
from corephase.analysis.coda.measure import Record, measure_envelope, window_span
from corephase.config.coda import CodaSettings
from corephase.model.traveltimes import PhaseArrival
from corephase.signal.smoothing import boxcar
from corephase.utils.random import component_rng


def test_measurement_of_a_cut_beam_equals_the_whole_beam_to_the_bit():
    dt, phase_time = 0.1, 700.0
    t = -100.0 + dt * np.arange(12000)
    rng = np.random.default_rng(4)
    lapse = np.clip(t - phase_time, 0.0, None)
    coda = np.where(t >= phase_time, 6.0 * np.exp(-lapse / 40.0), 0.0)
    env = boxcar(np.abs(rng.standard_normal(t.size)) * (1.0 + coda), dt, 1.0)
    s = CodaSettings()
    rec = Record(t, dt, (t >= 0.0) & (t <= 90.0), 1.0, 2.0, edge_s=10.0)
    arrivals = {"X": PhaseArrival("X", phase_time - 30.0, 4.0, 20.0)}
    exclude = arrival_mask(t, arrivals, None, s.arrival_mask_s)
    span = window_span(rec, phase_time, s)
    cut = replace(rec, t_orig=t[span], noise_mask=rec.noise_mask[span])
    n0 = float(np.mean((env**2)[rec.noise_mask]))
    assert span.stop - span.start < t.size // 2
    for seed in range(6):
        kw = {"rng": component_rng(seed), "block_s": 5.0}
        whole, _ = measure_envelope(env, rec, phase_time, s, exclude=exclude, **kw)
        kw = {"rng": component_rng(seed), "block_s": 5.0, "noise_power": n0}
        part, _ = measure_envelope(env[span], cut, phase_time, s, exclude=exclude[span], **kw)
        assert whole.keys() == part.keys()
        for k, v in whole.items():
            assert np.asarray(v).tobytes() == np.asarray(part[k]).tobytes(), k
        assert np.isfinite(whole["coda_excess"]) and np.isfinite(whole["decay_rate_per_s"])
