"""Alignment: delay signs, fractional shifts without wrap-around, statics, curved wavefronts."""

from __future__ import annotations

import numpy as np
import pytest

from corephase.model.events import Event
from corephase.model.geometry import (
    KM_PER_DEG,
    ArrayGeometry,
    local_km_to_latlon,
    parametric_layout,
)
from corephase.model.traveltimes import distance_backazimuth, first_arrivals
from corephase.signal.alignment import (
    TraceShifter,
    align,
    curved_wavefront_delays,
    element_delays,
    elevation_statics,
    plane_wave_delays,
    shift_traces,
    static_table_delays,
)


def gauss(t, t0, w=0.3):
    return np.exp(-(((t - t0) / w) ** 2))


def test_plane_wave_delay_sign_source_side_first():
    # source to the east (baz 90): the eastern element records first (negative delay)
    tau = plane_wave_delays([10.0, -10.0, 0.0], [0.0, 0.0, 10.0], 0.05, 90.0)
    np.testing.assert_allclose(tau, [-0.5, 0.5, 0.0], atol=1e-12)
    # source to the north: the northern element first
    tau = plane_wave_delays([0.0], [10.0], 0.05, 0.0)
    np.testing.assert_allclose(tau, [-0.5])


def test_fractional_shift_matches_analytic_pulse():
    dt = 0.05
    t = np.arange(800) * dt
    shifts = np.array([0.0, 0.123, -1.377, 3.01])
    data = np.tile(gauss(t, 20.0), (4, 1))
    out = shift_traces(data, shifts, dt)
    # out_i(t) = u(t + shift_i): the pulse moves to 20 - shift_i
    for i, s in enumerate(shifts):
        np.testing.assert_allclose(out[i], gauss(t, 20.0 - s), atol=1e-6)


def test_shift_never_wraps_around():
    dt = 0.05
    t = np.arange(400) * dt
    near_end = gauss(t, 19.0, 0.2)  # pulse 1 s before the end
    near_start = gauss(t, 1.0, 0.2)
    out = shift_traces(np.vstack([near_end, near_start]), [-3.0, 3.0], dt)
    # delaying the late pulse pushes it off the end; it must not reappear at the start
    assert np.max(np.abs(out[0])) < 1e-6
    # advancing the early pulse pushes it before the start; the end stays empty
    assert np.max(np.abs(out[1])) < 1e-6


def test_trace_shifter_equals_shift_traces_to_the_bit():
    """A slowness sweep reuses the record's spectrum (per FFT length) with the same numbers."""
    dt = 0.1
    rng = np.random.default_rng(5)
    data = rng.standard_normal((6, 1000))
    shifter = TraceShifter(data, dt)
    for k in range(8):
        shifts = rng.standard_normal(6) * (k + 1)
        want = shift_traces(data, shifts, dt)
        assert np.array_equal(shifter.shift(shifts).view(np.uint8), want.view(np.uint8))
    assert len(shifter._spectra) > 1  # several FFT lengths in the sweep


def test_align_plane_wave_makes_traces_identical():
    dt = 0.02
    t = np.arange(1500) * dt
    x, y = parametric_layout("rings", 9, 20.0)
    s, baz = 0.06, 233.0
    tau = plane_wave_delays(x, y, s, baz)
    data = np.vstack([gauss(t, 15.0 + ti) for ti in tau])  # arrival at element = ref + tau
    aligned = align(data, tau, dt)
    np.testing.assert_allclose(aligned, np.tile(gauss(t, 15.0), (9, 1)), atol=1e-6)


def test_elevation_statics_sign_and_size():
    # 1 km above the reference, vertical incidence, 5 km/s: 0.2 s later
    st = elevation_statics([1000.0, 0.0], 0.0, 5.0, ref_elev_m=0.0)
    np.testing.assert_allclose(st, [0.2, 0.0])
    # oblique incidence: dz * cos(i) / v with sin(i) = p v
    p = 0.1
    st = elevation_statics([500.0], p, 5.0, ref_elev_m=0.0)
    np.testing.assert_allclose(st, [0.5 * np.sqrt(1 - 0.25) / 5.0])
    with pytest.raises(ValueError, match="post-critical"):
        elevation_statics([0.0], 0.3, 5.0)
    with pytest.raises(ValueError, match="positive"):
        elevation_statics([0.0], 0.0, 0.0)


def test_static_table_by_id_or_station():
    codes = ["CN.YKR1..SHZ", "CN.YKR2..SHZ", "CN.YKR3..SHZ"]
    st = static_table_delays(codes, {"CN.YKR1..SHZ": 0.1, "YKR3": -0.05})
    np.testing.assert_allclose(st, [0.1, 0.0, -0.05])


def _geometry(aperture_km, n=9, ref=(62.5, -114.6)):
    x, y = parametric_layout("rings", n, aperture_km)
    lat, lon = local_km_to_latlon(x, y, *ref)
    codes = [f"XX.S{i:02d}..SHZ" for i in range(n)]
    return ArrayGeometry("T", codes, lat, lon, np.linspace(0, 400, n), *ref)


def test_element_delays_sum_of_parts():
    g = _geometry(20.0)
    x, y = g.offsets_km()
    statics = {g.codes[0]: 0.3}
    tau = element_delays(g, 0.05, 300.0, v_surface_km_s=5.8, statics=statics)
    expect = (
        plane_wave_delays(x, y, 0.05, 300.0)
        + elevation_statics(g.elev_m, 0.05, 5.8)
        + static_table_delays(g.codes, statics)
    )
    np.testing.assert_allclose(tau, expect)
    with pytest.raises(ValueError, match="event and the phase"):
        element_delays(g, 0.05, 300.0, curved=True)


def test_curved_wavefront_close_to_plane_wave_for_small_array():
    ev = Event("e", "2012-08-14T02:59:38", 49.8, 145.064, 583.2)
    g = _geometry(20.0)
    dist, baz, _ = distance_backazimuth(ev.latitude, ev.longitude, g.ref_lat, g.ref_lon)
    p = first_arrivals(ev.depth_km, dist, ["ScP"])["ScP"].slowness_s_deg / KM_PER_DEG
    x, y = g.offsets_km()
    curved = curved_wavefront_delays(g, ev, "ScP")
    plane = plane_wave_delays(x, y, p, baz)
    # same sign convention and nearly the same values for a 20 km array
    assert np.max(np.abs(curved - plane)) < 0.02
    assert np.corrcoef(curved, plane)[0, 1] > 0.999


def test_missing_elevation_gets_no_static_and_is_recognised():
    """IMAR IM03 has 0.0 m in the registry table while its neighbours are at 360-645 m:
    missing, so it gets no elevation static; real zeros and sea-level arrays are kept."""
    from corephase.io.stations import geometry_from_config
    from corephase.model.geometry import missing_elevations
    from corephase.signal.alignment import known_elevation_statics

    imar = geometry_from_config(
        "IMAR",
        {
            "source": "synthetic",
            "network": "IM",
            "station": "IM*",
            "ref_lat": 65.9824,
            "ref_lon": -153.749,
            "elements": {"csv": "ims_array_elements.csv"},
        },
    )
    missing = imar.missing_elevations()
    assert [c for c, m in zip(imar.codes, missing, strict=True) if m] == [
        c for c in imar.codes if "IM03" in c
    ]
    st = known_elevation_statics(imar, 0.02, 5.0)
    assert st[missing] == pytest.approx(0.0)
    known = imar.elev_m[~missing]
    ref = (known - known.mean()) / 1000.0 * np.sqrt(1 - (0.02 * 5.0) ** 2) / 5.0
    assert st[~missing] == pytest.approx(ref)
    assert np.ptp(st[~missing]) > 0.05  # 285 m of relief: ~0.06 s
    assert not missing_elevations([0.0, 150.0, 300.0, 450.0]).any()  # 0 within the relief
    assert not missing_elevations(np.zeros(5)).any()
    assert missing_elevations([np.nan, 10.0]).tolist() == [True, False]


def test_trace_shifter_of_sets_equals_each_set_alone_to_the_bit():
    """Bands of one record shifted together share the phase ramp, with the same numbers."""
    dt = 0.1
    rng = np.random.default_rng(8)
    sets = rng.standard_normal((2, 5, 999))
    together = TraceShifter(sets, dt)
    alone = [TraceShifter(x, dt) for x in sets]
    for k in range(4):
        shifts = rng.standard_normal(5) * (k + 1)
        got = together.shift(shifts)
        assert got.shape == sets.shape
        for x, shifter in zip(got, alone, strict=True):
            assert np.array_equal(x.view(np.uint8), shifter.shift(shifts).view(np.uint8))
