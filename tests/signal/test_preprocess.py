"""Preprocessing QC: every dropped trace has a reason; grids and bands are right."""

from __future__ import annotations

import numpy as np
import pytest
from obspy import Stream, Trace, UTCDateTime

from corephase.signal.preprocess import bandpass, common_grid, qc_and_merge

T0 = UTCDateTime("2014-06-23T21:00:00")


def _trace(sta, data, sr=20.0, start=T0):
    return Trace(
        np.asarray(data, float),
        header={
            "network": "XX",
            "station": sta,
            "channel": "SHZ",
            "sampling_rate": sr,
            "starttime": start,
        },
    )


def test_qc_drops_bad_traces_with_reasons():
    rng = np.random.default_rng(1)
    good = rng.normal(size=2001)
    nan = good.copy()
    nan[100] = np.nan
    st = Stream(
        [
            _trace("GOOD", good),
            _trace("NAN", nan),
            _trace("DEAD", np.zeros(2001)),
            _trace("SHORT", good[:1000]),
        ]
    )
    out, qc = qc_and_merge(st, T0, T0 + 100.0, max_gap_fraction=0.05)
    reasons = {q["id"].split(".")[1]: q["reason"] for q in qc}
    assert [tr.stats.station for tr in out] == ["GOOD"]
    assert "non-finite" in reasons["NAN"]
    assert "dead" in reasons["DEAD"]
    assert "covers" in reasons["SHORT"]
    assert reasons["GOOD"] == ""


def test_small_gap_is_interpolated():
    rng = np.random.default_rng(2)
    x = rng.normal(size=2001)
    st = Stream([_trace("A", x[:1000]), _trace("A", x[1010:], start=T0 + 1010 / 20.0)])
    out, qc = qc_and_merge(st, T0, T0 + 100.0, max_gap_fraction=0.05)
    assert len(out) == 1 and out[0].stats.npts == 2001 and qc[0]["kept"]


def test_common_grid_resamples_and_aligns():
    t = np.arange(0, 100, 1 / 40.0)
    sig = np.sin(2 * np.pi * 1.0 * t)
    st = Stream([_trace("A", sig, sr=40.0, start=T0 + 0.0125)])
    g = common_grid(st, 20.0, T0 + 5, T0 + 95)
    tr = g[0]
    assert tr.stats.sampling_rate == 20.0 and tr.stats.starttime == T0 + 5
    assert tr.stats.npts == 1801
    tt = 5 + np.arange(tr.stats.npts) / 20.0 - 0.0125
    mid = slice(200, 1600)
    np.testing.assert_allclose(tr.data[mid], np.sin(2 * np.pi * tt[mid]), atol=0.02)


def test_bandpass_keeps_in_band_and_removes_out_of_band():
    t = np.arange(0, 200, 0.05)
    inb = np.sin(2 * np.pi * 1.5 * t)
    outb = np.sin(2 * np.pi * 5.0 * t)
    st = Stream([_trace("A", inb + outb)])
    f = bandpass(st, 1.0, 2.0, corners=4)[0].data
    mid = slice(800, 3200)
    assert np.std(f[mid] - inb[mid]) < 0.05
    with pytest.raises(ValueError):
        bandpass(st, 1.0, 12.0)
