"""The real YKA record (2012-08-14, 583 km deep, 51.4 deg): no PKiKP coda is called.

The record is cut and band-passed as the workflow does (record window of the
default ``window`` section, 5 % taper, 4-corner zero-phase Butterworth).
"""

from __future__ import annotations

import numpy as np
import obspy
import pytest

from corephase.analysis.coda import CodaBand, analyse_coda, coda_band_rows, coda_rows
from corephase.config.coda import CodaSettings
from corephase.config.fetch import WindowSettings
from corephase.io.stations import geometry_from_inventory
from corephase.model.events import events_from_quakeml
from corephase.model.traveltimes import distance_backazimuth, first_arrivals, record_window
from corephase.signal.preprocess import bandpass

TAPER = 0.05


@pytest.fixture(scope="module")
def yka_record(yka_dir):
    ev = events_from_quakeml(yka_dir / "event.quakeml")[0]
    st = obspy.read(str(yka_dir / "CN.YKA.SHZ.mseed"))
    inv = obspy.read_inventory(str(yka_dir / "CN.YKA.stationxml"))
    st.sort()
    geom = geometry_from_inventory("YKA", inv, st, time=st[0].stats.starttime)
    dist, _, _ = distance_backazimuth(ev.latitude, ev.longitude, geom.ref_lat, geom.ref_lon)
    arrivals = first_arrivals(ev.depth_km, dist, ["P", "PcP", "ScP", "PKiKP", "PKIIKP"])
    t0, t1 = record_window(arrivals, WindowSettings())
    st.trim(ev.origin + t0, ev.origin + t1)
    n = min(tr.stats.npts for tr in st)
    for tr in st:
        tr.data = tr.data[:n].astype(float)
    return st, geom, ev, arrivals, TAPER * n * st[0].stats.delta


@pytest.fixture(scope="module", params=[(1.0, 2.0), (2.0, 3.0)], ids=["1-2Hz", "2-3Hz"])
def yka_table(request, yka_record):
    st, geom, ev, arrivals, taper_s = yka_record
    band = request.param
    bp = bandpass(st, band[0], band[1], 4, TAPER)
    table, _ = analyse_coda(
        bp,
        geom,
        ev,
        arrivals,
        f"{band[0]:g}-{band[1]:g}Hz",
        band,
        CodaSettings(),
        1,
        None,
        taper_s=taper_s,
    )
    return table.set_index("phase")


def test_yka_pkikp_coda_not_significant_and_interval_contains_one(yka_table):
    r = yka_table.loc["PKiKP"]
    assert r["qc"] == ""
    assert not r["coda_significant"]
    assert r["coda_excess_lo"] <= 1.0 <= r["coda_excess_hi"]
    # the depth phases of the 583 km deep event are listed and masked
    assert "sScP" in r["contaminating_phases"]
    assert r["null_windows"] >= 19 and np.isfinite(r["coda_threshold"])
    assert 0 < r["coda_p_value"] <= 1


def test_yka_intervals_finite_ordered_and_within_four_decades(yka_table):
    for ph, r in yka_table.iterrows():
        lo, hi = r["coda_excess_lo"], r["coda_excess_hi"]
        assert np.isfinite(lo) and np.isfinite(hi) and 0 < lo <= hi, ph
        assert np.log10(hi / lo) <= 4.0, ph
        assert r["duration_s"] >= 0 and r["duration_s_lo"] >= 0, ph
        if not np.isfinite(r["decay_rate_per_s"]):
            assert r["decay_reason"], ph


def _same(a, b) -> bool:
    """Equal to the last bit: numbers (NaN equal to NaN), arrays, strings, nested dicts."""
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, np.ndarray | float | np.floating):
        x, y = np.asarray(a), np.asarray(b)
        return x.dtype == y.dtype and x.shape == y.shape and x.tobytes() == y.tobytes()
    return type(a) is type(b) and a == b


def test_bands_of_a_record_at_once_equal_each_band_alone(yka_record):
    """One slowness sweep for the bands' coda vespagrams: the numbers of one sweep per band."""
    st, geom, ev, arrivals, taper_s = yka_record
    s = CodaSettings(bootstrap=6)
    streams = {hz: bandpass(st, hz[0], hz[1], 4, TAPER) for hz in ((1.0, 2.0), (2.0, 3.0))}
    short = streams[(1.0, 2.0)].copy()
    for tr in short:  # other samples: a sweep of its own
        tr.data = tr.data[:-50]
    bands = [CodaBand(f"{a:g}-{b:g}Hz", (a, b), x, taper_s) for (a, b), x in streams.items()]
    bands += [CodaBand("short", (1.0, 2.0), short, taper_s), CodaBand("bad", (2.0, 1.0), short)]
    got = coda_band_rows(bands, geom, ev, arrivals, s, 7)
    for band, result in zip(bands[:3], got, strict=False):
        want = coda_rows(
            band.record, geom, ev, arrivals, band.label, band.band_hz, s, 7, None, band.taper_s
        )
        assert want[1]["vespagram"] is not None
        assert _same(result, want), band.label
    assert isinstance(got[3], ValueError) and "corners" in str(got[3])


def test_line_fit_gives_the_numbers_of_polyfit(yka_record, monkeypatch):
    """The coda's trend and decay fits (``trend.line_fit``) change no number of the record."""
    import corephase.analysis.coda.measure as measure
    import corephase.analysis.coda.trend as trend

    st, geom, ev, arrivals, taper_s = yka_record
    bp = bandpass(st, 1.0, 2.0, 4, TAPER)
    args = (bp, geom, ev, arrivals, "1-2Hz", (1.0, 2.0), CodaSettings(bootstrap=6), 3, None)
    got = coda_rows(*args, taper_s)
    for mod in (measure, trend):
        monkeypatch.setattr(mod, "line_fit", lambda x, y: np.polyfit(x, y, 1))
    assert _same(got, coda_rows(*args, taper_s))


def test_shared_shifts_equal_align_of_each_band_alone(yka_record):
    """The bands' shared alignment gives each band's ``align`` to the last bit."""
    from corephase.analysis.coda.beams import SharedShifts
    from corephase.signal.alignment import align
    from corephase.signal.matrix import stream_to_matrix

    st, geom, _, _, _ = yka_record
    datas = []
    for hz in ((1.0, 2.0), (2.0, 3.0)):
        data, dt, _ = stream_to_matrix(bandpass(st, hz[0], hz[1], 4, TAPER), geom)
        datas.append(data)
    shared = SharedShifts(datas, dt)
    rng = np.random.default_rng(2)
    for delays in (rng.normal(0.0, 1.5, len(datas[0])), np.zeros(len(datas[0]))):
        for band, data in enumerate(datas):
            want = align(data, delays, dt)
            assert shared.aligned(band, delays).tobytes() == want.tobytes()
    assert shared.holds(datas) and not shared.holds(datas[::-1])
