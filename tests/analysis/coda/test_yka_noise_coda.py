"""The coda call on the real YKA record's pre-event noise, alone and with a coda injected.

Pseudo-events are the real event moved 1044-1644 s earlier, 150 s apart (about one
PKiKP coda window): each one's whole default record window lies in the noise before
the real P. The machinery is ``bench/coda_false_alarm_rates.py``, which measures the
rates over 63 pseudo-events; these tests run five.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from corephase.config.coda import CodaSettings

BENCH = Path(__file__).resolve().parents[3] / "bench" / "coda_false_alarm_rates.py"


@pytest.fixture(scope="module")
def noise(yka_dir):
    spec = importlib.util.spec_from_file_location("coda_false_alarm_rates", BENCH)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    st, geom, ev, dist, baz = bench.load_record(yka_dir)
    arrivals = bench.first_arrivals(ev.depth_km, dist, list(bench.PHASES))
    shifts = bench.pseudo_shifts(st, ev, arrivals, 150.0)
    return bench, st, geom, ev, arrivals, baz, shifts


def test_real_noise_calls_no_coda_off_the_small_real_events(noise):
    """30 calls (5 pseudo-events x 2 bands x PcP, ScP, PKiKP) on the real pre-event noise:
    none significant except where the coda window holds one of the stretch's two small
    real events (whose energy is real; at X = 1494 s PKiKP's window holds the one 498 s
    before the origin, and both bands call it)."""
    bench, st, geom, ev, arrivals, baz, shifts = noise
    assert len(shifts) == 5
    settings = CodaSettings()
    c0, c1 = settings.coda_window_s
    false, on_event, nulls = [], [], []
    for i, x in enumerate(shifts):
        part, pseudo = bench.cut(st, ev, arrivals, float(x))
        for band in bench.BANDS:
            t = bench.coda_table(part, geom, pseudo, arrivals, band, baz, settings, i)
            assert sorted(t["phase"]) == ["PKiKP", "PcP", "ScP"]
            nulls += list(t["null_windows"])
            for r in t.itertuples():
                t_real = r.phase_time_s - x  # s after the real origin
                if bench.holds_real_event(t_real + c0, t_real + c1):
                    on_event.append((x, band, r.phase, bool(r.coda_significant)))
                elif r.coda_significant:
                    false.append((x, band, r.phase, r.coda_excess, r.coda_p_value))
    assert min(nulls) >= 19  # every p-value can reach the 5 % level
    assert false == []
    assert (1494.0, (1.0, 2.0), "PKiKP", True) in on_event


@pytest.mark.parametrize(("amplitude", "called"), [(0.0, False), (4.0, True)])
def test_coda_injected_into_real_noise(noise, amplitude, called):
    """A 100 s scattering coda at PKiKP's slowness, 4 x the single-trace noise RMS: called."""
    bench, st, geom, ev, arrivals, baz, shifts = noise
    part, pseudo = bench.cut(st, ev, arrivals, float(shifts[2]))
    t = bench.coda_table(
        part, geom, pseudo, arrivals, (1.0, 2.0), baz, CodaSettings(), 2, amplitude
    )
    r = t[t["phase"] == "PKiKP"].iloc[0]
    assert bool(r["coda_significant"]) is called
    assert bool(r["coda_detected"]) is called
    if called:
        assert r["coda_excess_lo"] > 1.0 and r["coda_p_value"] <= 0.05
