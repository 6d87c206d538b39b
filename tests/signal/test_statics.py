"""Empirical station statics by multichannel cross-correlation (VanDecar & Crosson 1990)."""

from __future__ import annotations

import numpy as np
import pytest

from corephase.signal.statics import empirical_statics, mccc, stream_statics

DT = 0.05


def _ricker(t, f0=1.5):
    a = (np.pi * f0 * t) ** 2
    return (1 - 2 * a) * np.exp(-a)


def _records(shifts, noise=0.0, seed=0, n=400):
    t = (np.arange(n) - n // 2) * DT
    rng = np.random.default_rng(seed)
    return _ricker(t[None, :] - np.asarray(shifts)[:, None]) + noise * rng.standard_normal(
        (len(shifts), n)
    )


def test_mccc_recovers_relative_times_noise_free():
    shifts = np.array([0.0, 0.12, -0.2, 0.31, -0.07, 0.05])
    t, sigma, cc, used, rms, npairs = mccc(_records(shifts), DT, max_lag_s=1.0)
    assert used.all() and npairs == 15
    np.testing.assert_allclose(t, shifts - shifts.mean(), atol=0.005)
    assert abs(t.sum()) < 1e-9
    assert rms < 0.005 and np.all(sigma < 0.01) and np.all(cc > 0.95)


def test_empirical_statics_table_removes_statics():
    rng = np.random.default_rng(3)
    statics = 0.3 * rng.standard_normal(12)
    data = _records(statics, noise=0.1, seed=4)
    codes = [f"XX.S{i:02d}..BHZ" for i in range(12)]
    res = empirical_statics(data, DT, codes, np.zeros(12), (200 * DT - 3, 200 * DT + 5))
    table = res.as_dict()
    assert set(table) == set(codes)
    est = np.array([table[c] for c in codes])
    np.testing.assert_allclose(est, statics - statics.mean(), atol=0.02)


def test_low_correlation_station_gets_no_static():
    data = _records([0.0, 0.1, -0.1, 0.2])
    data[2] = np.random.default_rng(0).standard_normal(data.shape[1])  # no signal
    res = empirical_statics(data, DT, ["A", "B", "C", "D"], np.zeros(4), (5.0, 15.0), min_cc=0.6)
    assert not res.used[2] and "C" not in res.as_dict()
    assert res.used[[0, 1, 3]].all()


def test_bad_window_is_a_clear_error():
    data = _records([0.0, 0.1])
    with pytest.raises(ValueError, match="outside the record"):
        empirical_statics(data, DT, ["A", "B"], np.zeros(2), (15.0, 30.0))
    with pytest.raises(ValueError, match="codes"):
        empirical_statics(data, DT, ["A"], np.zeros(2), (5.0, 10.0))


def test_stream_statics_from_a_p_record():
    from obspy import Stream, Trace, UTCDateTime

    from corephase.model.events import Event
    from corephase.model.geometry import ArrayGeometry
    from corephase.model.traveltimes import element_times

    ev = Event("e", "2010-03-01T00:00:00", -20.0, -70.0, 100.0)
    lat = 35.0 + 0.5 * np.arange(6) / 5
    lon = -100.0 + 0.7 * (np.arange(6) % 3) / 2
    codes = [f"TA.S{i}..BHZ" for i in range(6)]
    geom = ArrayGeometry("SUB", codes, lat, lon)
    t_p = element_times(ev.depth_km, ev.latitude, ev.longitude, lat, lon, "P")
    statics = np.array([0.2, -0.1, 0.0, 0.3, -0.25, 0.05])
    start = UTCDateTime(ev.time) + float(np.floor(t_p.min())) - 30
    t = np.arange(1200) * DT
    st = Stream(
        [
            Trace(
                _ricker(t - (t_p[i] + statics[i] - (start - UTCDateTime(ev.time)))),
                header={
                    "network": "TA",
                    "station": f"S{i}",
                    "channel": "BHZ",
                    "delta": DT,
                    "starttime": start,
                },
            )
            for i in range(6)
        ]
    )
    res = stream_statics(st, geom, ev)
    est = np.array([res.as_dict()[c] for c in codes])
    np.testing.assert_allclose(est, statics - statics.mean(), atol=0.01)
