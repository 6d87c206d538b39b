"""Preprocessing QC: every dropped trace has a reason; grids and bands are right."""

from __future__ import annotations

import numpy as np
import pytest
from obspy import Stream, Trace, UTCDateTime

from corephase.signal.preprocess import bandpass, clip_runs, common_grid, qc_and_merge

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


def _noise(n, seed=3):
    return np.random.default_rng(seed).normal(size=n)


def test_clipped_trace_is_dropped_with_reason():
    t = np.arange(2001) / 20.0
    wave = 10.0 * np.sin(2 * np.pi * 0.2 * t) + _noise(2001)
    st = Stream([_trace("CLIP", np.clip(wave, -6.0, 6.0)), _trace("LOUD", wave)])
    out, qc = qc_and_merge(st, T0, T0 + 100.0)
    reasons = {q["id"].split(".")[1]: q["reason"] for q in qc}
    assert [tr.stats.station for tr in out] == ["LOUD"]
    assert reasons["CLIP"].startswith("clipped")
    # a configured level replaces the trace's own extremes
    out, qc = qc_and_merge(st, T0, T0 + 100.0, clip_level=9.0)
    reasons = {q["id"].split(".")[1]: q["reason"] for q in qc}
    assert [tr.stats.station for tr in out] == ["CLIP"] and "|x| >= 9" in reasons["LOUD"]


def test_flat_tops_need_many_levels_and_a_level_off_the_median():
    assert clip_runs(np.round(3 * np.sin(np.arange(400) / 20.0))) == 0  # coarse counts
    padded = np.concatenate([np.zeros(100), np.abs(_noise(500))])  # zeros at the minimum
    assert clip_runs(padded) == 0
    assert clip_runs(np.clip(_noise(500), -1.0, 1.0), clip_level=1.0, run_samples=3) > 0


def test_interpolated_gap_is_kept_with_reason_and_long_gap_dropped():
    x = _noise(20001)
    gap = 30 * 20
    parts = [_trace("A", x[:5000]), _trace("A", x[5000 + gap :], start=T0 + (5000 + gap) / 20.0)]
    out, qc = qc_and_merge(Stream(parts), T0, T0 + 1000.0, max_gap_fraction=0.05)
    assert qc[0]["kept"] and qc[0]["reason"] == "gap of 30.0 s interpolated"
    assert out[0].stats.npts == 20001
    out, qc = qc_and_merge(Stream(parts), T0, T0 + 1000.0, max_gap_fraction=0.02)
    assert not qc[0]["kept"] and qc[0]["reason"].startswith("gaps of 30.0 s, above the limit")


def test_duplicate_ids_are_refused_and_identical_copies_merged():
    a, b = _noise(2001, 4), _noise(2001, 5)
    out, qc = qc_and_merge(Stream([_trace("A", a), _trace("A", b)]), T0, T0 + 100.0)
    assert len(out) == 0 and qc[0]["reason"].startswith("duplicate SEED id")
    out, qc = qc_and_merge(Stream([_trace("A", a), _trace("A", a)]), T0, T0 + 100.0)
    assert len(out) == 1 and qc[0]["kept"]


def test_wrong_sampling_rate_is_dropped():
    st = Stream([_trace("A", _noise(4001), sr=40.0)])
    out, qc = qc_and_merge(st, T0, T0 + 100.0, expected_rates={"XX.A..SHZ": 20.0})
    assert len(out) == 0 and qc[0]["reason"].startswith("wrong sampling rate: 40.0 Hz")


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_direct_calls_equal_obspy_trace_methods(dtype):
    """common_grid and bandpass give exactly the samples of ObsPy's Trace-method chain."""
    rng = np.random.default_rng(5)
    t0 = UTCDateTime(2012, 1, 1)
    st = Stream()
    for i, (rate, off) in enumerate([(40.0, 0.0), (20.0, 0.0), (20.0, 0.013)]):
        data = (np.cumsum(rng.standard_normal(2400)) + 50.0 * i).astype(dtype)
        st.append(Trace(data, {"station": f"S{i}", "sampling_rate": rate, "starttime": t0 + off}))
    grid = common_grid(st, 20.0, t0 + 5, t0 + 55)
    for tr, got in zip(st, grid, strict=True):
        rate = tr.stats.sampling_rate
        ref = tr.copy()
        ref.detrend("linear")
        ref.taper(0.01)
        if ref.stats.sampling_rate > 20.0:
            ref.filter("lowpass", freq=8.0, corners=8, zerophase=True)
        on_grid = ref.stats.sampling_rate == 20.0 and not (ref.stats.starttime - t0) % 0.05
        if on_grid:
            ref.trim(t0 + 5, t0 + 55, pad=True, fill_value=0.0, nearest_sample=False)
        else:
            ref.interpolate(20.0, method="lanczos", a=12, starttime=t0 + 5, npts=1001)
        if rate == 40.0:  # on the input grid (offset 0)
            # 40 -> 20 Hz on the input grid: common_grid decimates, which equals the
            # Lanczos interpolation at the input samples to round-off
            tol = 1e-12 * float(np.abs(ref.data).max())
            np.testing.assert_allclose(got.data, ref.data, rtol=0, atol=tol)
            continue
        np.testing.assert_array_equal(got.data, ref.data)
    ref = grid.copy()
    ref.detrend("demean").detrend("linear").taper(0.05)
    ref.filter("bandpass", freqmin=1.0, freqmax=3.0, corners=4, zerophase=True)
    for a, b in zip(bandpass(grid, 1.0, 3.0, 4, 0.05), ref, strict=True):
        np.testing.assert_array_equal(a.data, b.data)


def test_lanczos_resample_equals_obspy():
    """Same samples as ObsPy's Lanczos interpolation, also for a non-integer rate ratio."""
    from obspy.signal.interpolation import lanczos_interpolation

    from corephase.signal.preprocess import lanczos_resample

    y = np.cumsum(np.random.default_rng(2).standard_normal(3000))
    t0 = UTCDateTime(2014, 6, 23).timestamp
    for new_dt, start, n in ((0.1, t0 + 3.013, 1400), (0.0375, t0 + 0.5, 3900)):
        ref = lanczos_interpolation(y, t0, 0.05, start, new_dt, n, a=12)
        got = lanczos_resample(y, t0, 0.05, start, new_dt, n)
        np.testing.assert_allclose(got, ref, rtol=0, atol=1e-12 * np.abs(ref).max())
    with pytest.raises(ValueError, match="inside the input span"):
        lanczos_resample(y, t0, 0.05, t0 - 1.0, 0.1, 10)


def test_lanczos_kernel_shared_by_traces_gives_each_its_own_samples():
    """Traces on one grid share the cached kernel; each result equals a fresh computation."""
    from corephase.signal.preprocess import _lanczos_terms, lanczos_resample

    rng = np.random.default_rng(5)
    t0 = UTCDateTime(2014, 6, 23).timestamp
    traces = [np.cumsum(rng.standard_normal(2000)) for _ in range(3)]
    _lanczos_terms.cache_clear()
    got = [lanczos_resample(y, t0, 0.05, t0 + 2.013, 0.1, 900) for y in traces]
    assert _lanczos_terms.cache_info().misses == 1
    for y, g in zip(traces, got, strict=True):
        _lanczos_terms.cache_clear()
        np.testing.assert_array_equal(g, lanczos_resample(y, t0, 0.05, t0 + 2.013, 0.1, 900))
