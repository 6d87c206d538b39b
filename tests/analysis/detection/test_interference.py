"""Arrivals beside each detection: moved noise windows, listed arrivals, interference calls."""

from __future__ import annotations

import pandas as pd
import pytest

from corephase.analysis.detection.interference import annotate, phase_windows
from corephase.config.stack import StackSettings
from corephase.model.arrivals import Arrival, arrival_list


def _arr(phase, time, slowness, amp, primary=None):
    return Arrival(phase, time, slowness, 20.0, primary=primary or phase, relative_amplitude=amp)


def _rows(call="detected"):
    reason = "snr, slowness and baz within limits"
    return [
        {"stack": k, "call": call, "detected": call == "detected", "reason": reason}
        for k in ("linear", "pws")
    ]


def test_pcp_noise_window_leaves_direct_p_at_65_deg():
    """P arrives about 32 s before PcP at 65 deg: the nominal [-40, -5] s window holds it."""
    arrivals = arrival_list(100.0, 65.0)
    win = phase_windows(arrivals, "PcP", StackSettings())
    pcp = next(a for a in arrivals if a.phase == "PcP")
    p = next(a for a in arrivals if a.phase == "P")
    assert -40.0 < p.time - pcp.time < -5.0
    assert win.noise_s is not None and "moved" in win.noise_note
    lo, hi = win.noise_s
    for a in arrivals:  # no comparable or stronger onset (with its guard) in the window
        if a.phase != "PcP" and abs(a.relative_amplitude or 1.0) > 0.5 * 0.12:
            dt = a.time - pcp.time
            assert not (lo < dt + 10.0 and hi > dt - 2.0), a.phase


def test_without_a_clean_window_the_call_says_so():
    tgt = _arr("X", 100.0, 2.0, 0.01)
    crowd = [_arr(f"Y{i}", 100.0 - 5.0 * i, 8.0, 1.0) for i in range(1, 80)]
    win = phase_windows([tgt, *crowd], "X", StackSettings())
    assert win.noise_s is None and "no clean noise window" in win.noise_note


def test_a_comparable_arrival_at_the_same_slowness_interferes():
    tgt = _arr("PKiKP", 1000.0, 1.5, 0.012)
    near = _arr("ScS", 1003.0, 2.5, 0.012)  # equal amplitude, 1 s/deg away, 3 s later
    far = _arr("SS", 1004.0, 9.0, 0.02)  # strong but far in slowness: the slowness test decides
    own = _arr("pPKiKP", 1005.0, 1.5, -0.011, primary="PKiKP")  # the phase's own depth phase
    win = phase_windows([tgt, near, far, own], "PKiKP", StackSettings())
    assert [a.phase for a in win.interferers] == ["ScS"]
    rows = _rows()
    annotate(rows, win, tgt)
    table = pd.DataFrame(rows)
    assert (table["call"] == "interfered").all() and not table["detected"].any()
    assert table["reason"].str.startswith("interfered: ScS").all()
    assert "ScS@+3.0s/dp+1.00s/deg/A=+0.012" in table["arrivals_in_signal"].iloc[0]
    assert "pPKiKP" in table["arrivals_in_signal"].iloc[0]


def test_weak_or_own_arrivals_leave_the_call_alone():
    tgt = _arr("PKiKP", 1000.0, 1.5, 0.012)
    weak = _arr("PKIIKP", 1004.0, 1.0, 0.003)
    own = _arr("sPKiKP", 1006.0, 1.5, 0.008, primary="PKiKP")
    win = phase_windows([tgt, weak, own], "PKiKP", StackSettings())
    rows = _rows()
    annotate(rows, win, tgt)
    table = pd.DataFrame(rows)
    assert (table["call"] == "detected").all()
    assert table["noise_window_s"].iloc[0] == "-40.000,-5.000"


def test_switched_off_gives_the_configured_windows():
    settings = StackSettings()
    off = settings.replace(detection=settings.detection.replace(avoid_arrivals=False))
    arrivals = arrival_list(100.0, 65.0)
    win = phase_windows(arrivals, "PcP", off)
    assert win.noise_s == pytest.approx((-40.0, -5.0)) and not win.in_signal
