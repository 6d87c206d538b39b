"""Picks for differential times: clear of depth phases and of a growing coda."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from corephase.analysis.detection.interference import phase_windows
from corephase.analysis.picks import add_clean_picks, clean_pick, pick_window
from corephase.analysis.ratios import add_pkikp_pcp
from corephase.config.stack import StackSettings
from corephase.model.arrivals import arrival_list
from corephase.signal.stacking import analytic_signal
from corephase.utils.random import component_rng

DT = 0.025
SETTINGS = StackSettings()


def _ricker(t, t0, f=1.5):
    a = (np.pi * f * (t - t0)) ** 2
    return (1 - 2 * a) * np.exp(-a)


@pytest.fixture(scope="module")
def shallow():
    """A 12 km deep source at 40 deg: pPKiKP about 4 s after PKiKP, inside its signal window."""
    arrivals = arrival_list(12.0, 40.0, primaries=("P", "PcP", "PKiKP"))
    by = {a.phase: a for a in arrivals}
    return arrivals, by


def _record(by, depth_amp=-2.5, coda=0.0, noise=0.05, seed=1):
    """A PKiKP beam with a strong pPKiKP (2.5 x PKiKP, reversed) and optional coda."""
    t = by["PKiKP"].time - 60 + np.arange(int(120 / DT)) * DT
    x = _ricker(t, by["PKiKP"].time) + depth_amp * _ricker(t, by["pPKiKP"].time)
    rng = component_rng(seed, "picks")
    if coda:
        lag = t - by["PKiKP"].time
        grow = np.where(lag > 0, np.clip(lag / 2.5, 0, 1) * np.exp(-lag / 60.0), 0.0)
        x += (
            coda
            * grow
            * np.convolve(rng.normal(size=t.size), _ricker(np.arange(-40, 41) * DT, 0), "same")
            / 3
        )
    return t, x + noise * rng.normal(size=t.size)


def test_the_window_ends_before_the_depth_phase(shallow):
    arrivals, by = shallow
    k = by["PKiKP"]
    lag = by["pPKiKP"].time - k.time
    assert 2.5 < lag < 6.0  # inside the (-2, 8) s signal window
    win = phase_windows(arrivals, "PKiKP", SETTINGS)
    (w0, w1), note = pick_window(
        win.signal_s, k, win.in_signal, guard_s=2.0, ratio=0.5, tolerance=1.0
    )
    assert w0 == -2.0 and w1 == pytest.approx(lag - 2.0)
    assert note.startswith("ends before pPKiKP@+")


def test_a_strong_depth_phase_no_longer_captures_the_pick(shallow):
    arrivals, by = shallow
    k = by["PKiKP"]
    t, x = _record(by)
    sig = (t >= k.time - 2) & (t <= k.time + 8)
    peak = t[sig][np.argmax(np.abs(x[sig]))] - k.time  # the detection's signal-window peak
    assert peak == pytest.approx(by["pPKiKP"].time - k.time, abs=0.1)
    rows = [{"stack": k} for k in ("linear", "envelope", "pws")]
    env = np.abs(analytic_signal(x))  # as the envelope stack of one trace
    win = phase_windows(arrivals, "PKiKP", SETTINGS)
    add_clean_picks(rows, {"linear": x, "envelope": env}, t, k.time, win, k, SETTINGS)
    table = pd.DataFrame(rows)
    assert abs(table.loc[0, "t_pick_s"] - k.time) < 0.15
    assert abs(table.loc[1, "t_pick_s"] - k.time) < 0.15
    # the direct pulse's amplitude (1), not the 2.5x depth phase's
    assert table.loc[0, "amplitude_pick"] == pytest.approx(1.0, abs=0.15)
    assert np.isnan(table.loc[2, "amplitude_pick"])
    assert table.loc[0, "pick_note"].startswith("ends before pPKiKP")
    assert np.isnan(table.loc[2, "t_pick_s"]) and table.loc[2, "pick_note"].startswith("masked")


def test_a_growing_coda_does_not_capture_the_pick(shallow):
    """A coda whose envelope grows to 1.4 x the direct pulse (the pick holds below 2 x)."""
    _, by = shallow
    k = by["PKiKP"]
    t, x = _record(by, depth_amp=0.0, coda=0.8, seed=3)
    sig = (t >= k.time - 2) & (t <= k.time + 8)
    assert abs(t[sig][np.argmax(np.abs(x[sig]))] - k.time) > 1.0  # the peak is in the coda
    t_pick, amp, note = clean_pick(x, t, k.time, (-2.0, 8.0))
    assert abs(t_pick - k.time) < 0.3 and note == ""
    assert amp == pytest.approx(1.0, abs=0.2) and amp < 0.8 * np.abs(x[sig]).max()


def test_no_clean_window_masks_the_pick(shallow):
    _, by = shallow
    t, x = _record(by)
    t_pick, amp, note = clean_pick(x, t, by["PKiKP"].time, (-2.0, -1.5))
    assert np.isnan(t_pick) and np.isnan(amp) and "masked" in note and "shorter than 1 s" in note


def _rows(t_pick_k, note_k, t_peak_k=1004.0):
    base = dict(event="e", array="A", band="b", stack="linear", detected=True, amplitude=1.0)
    base.update(snr=5.0, snr_lo=4.0, snr_hi=6.0, distance_deg=40.0, event_depth_km=12.0)
    k = dict(base, phase="PKiKP", t_theory_s=1000.0, t_peak_s=t_peak_k)
    c = dict(base, phase="PcP", t_theory_s=600.0, t_peak_s=600.2)
    df = pd.DataFrame([{**k, "t_pick_s": t_pick_k, "pick_note": note_k}, c])
    df.loc[1, "t_pick_s"], df.loc[1, "pick_note"] = 600.1, ""
    return df


def test_differential_time_uses_the_clean_picks_or_says_why_not():
    out = add_pkikp_pcp(_rows(1000.3, "ends before pPKiKP@+4.1s"))
    assert out.loc[0, "pkikp_pcp_dt_resid_s"] == pytest.approx(0.2)  # not 3.8 s from t_peak
    assert out.loc[0, "pkikp_pcp_dt_note"] == ""
    out = add_pkikp_pcp(_rows(np.nan, "masked: no beam samples in the pick window"))
    assert np.isnan(out.loc[0, "pkikp_pcp_dt_obs_s"])
    assert out.loc[0, "pkikp_pcp_dt_note"].startswith("PKiKP pick masked")
    assert np.isfinite(out.loc[0, "pkikp_pcp_amp_ratio"])  # the ratio stays
    old = _rows(np.nan, "").drop(columns=["t_pick_s", "pick_note"])
    old["t_pick_s"], old["pick_note"] = np.nan, ""
    out = add_pkikp_pcp(old)
    assert out.loc[0, "pkikp_pcp_dt_obs_s"] == pytest.approx(1004.0 - 600.2)
    assert "no clean pick" in out.loc[0, "pkikp_pcp_dt_note"]


def test_a_peak_at_the_edge_of_the_window_is_masked(shallow):
    """Energy from before the window (its envelope falling from the start) gives no pick."""
    _, by = shallow
    k = by["PKiKP"]
    t, x = _record(by, depth_amp=0.0)
    t_pick, _, note = clean_pick(x, t, k.time + 2.5, (-2.0, 3.0))  # the pulse 2.5 s before
    assert (
        np.isnan(t_pick) and note == "masked: the envelope peaks at the start of the pick window"
    )
