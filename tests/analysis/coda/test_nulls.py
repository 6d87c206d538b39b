"""The pseudo-phase null of the coda excess: masked and unmasked excesses in one pass."""

from __future__ import annotations

import numpy as np

from corephase.analysis.coda.contaminants import arrival_mask
from corephase.analysis.coda.measure import Record
from corephase.analysis.coda.nulls import null_excesses, pseudo_phase_times
from corephase.config.coda import CodaSettings
from corephase.model.traveltimes import PhaseArrival
from corephase.signal.smoothing import boxcar


def test_masked_and_unmasked_nulls_in_one_pass_equal_two_calls_to_the_bit():
    dt = 0.1
    t = -200.0 + dt * np.arange(14000)
    rng = np.random.default_rng(3)
    env = boxcar(np.abs(rng.standard_normal(t.size)) * (1.0 + 5.0 * np.exp(-t / 300.0)), dt, 1.0)
    times = {"P": 100.0, "pP": 160.0, "PcP": 420.0, "ScP": 515.0, "PKiKP": 880.0}
    arrivals = {k: PhaseArrival(k, v, 2.0, 10.0) for k, v in times.items()}
    s = CodaSettings()
    # noise window late and quiet, so that the pre-phase trends (and the masks) count
    rec = Record(t, dt, (t >= 1000.0) & (t <= 1090.0), 1.0, 2.0, edge_s=10.0)
    taus = pseudo_phase_times(rec, arrivals, times["PKiKP"], s)
    every = arrival_mask(t, arrivals, None, s.arrival_mask_s)
    masked, unmasked = null_excesses(env, rec, taus, every, s, unmasked=True)
    want_m = null_excesses(env, rec, taus, every, s)
    want_u = null_excesses(env, rec, taus, None, s)
    assert np.array_equal(masked, want_m, equal_nan=True)
    assert np.array_equal(unmasked, want_u, equal_nan=True)
    # both cases occur: windows the masks leave alone and windows they reach
    differ = np.isfinite(masked) & (masked != unmasked)
    assert differ.any() and (masked == unmasked).any()
