"""Sub-array layouts and their extraction from dense networks."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from obspy import UTCDateTime

from corephase.config.experiment import GeometrySettings, LayoutSettings
from corephase.experiment.subarray import (
    LAYOUT_KINDS,
    dense_geometry,
    extract_subarray,
    ideal_layout,
    make_subarray,
    spacing_km,
    theoretical_dense_geometry,
)
from corephase.model.geometry import aperture_km, latlon_to_local_km


@pytest.mark.parametrize("kind", LAYOUT_KINDS)
def test_ideal_layout_has_requested_aperture_and_spacing(kind):
    e, n = ideal_layout(kind, 12, aperture=80.0, baz_deg=30.0, seed=3)
    assert e.size == 12
    assert aperture_km(e, n) == pytest.approx(80.0, rel=1e-9)
    assert np.mean(e) == pytest.approx(0.0, abs=1e-9)
    e, n = ideal_layout(kind, 12, spacing=7.5, baz_deg=30.0, seed=3)
    assert spacing_km(e, n) == pytest.approx(7.5, rel=1e-9)


def test_lines_follow_the_back_azimuth():
    baz = 305.7
    u = np.array([np.sin(np.radians(baz)), np.cos(np.radians(baz))])
    e, n = ideal_layout("line_along", 7, aperture=20.0, baz_deg=baz)
    # every station on the line through the centre along the back-azimuth
    np.testing.assert_allclose(e * u[1] - n * u[0], 0.0, atol=1e-9)
    e, n = ideal_layout("line_across", 7, aperture=20.0, baz_deg=baz)
    np.testing.assert_allclose(e * u[0] + n * u[1], 0.0, atol=1e-9)


def test_ideal_layout_rejects_bad_input():
    with pytest.raises(ValueError, match="exactly one of aperture and spacing"):
        ideal_layout("ring", 5, aperture=10.0, spacing=2.0)
    with pytest.raises(ValueError, match="unknown layout"):
        ideal_layout("hexagon", 5, aperture=10.0)
    with pytest.raises(ValueError, match="at least 2"):
        ideal_layout("ring", 1, aperture=10.0)


def test_extraction_never_reuses_a_station_and_prefers_nearest():
    rng = np.random.default_rng(5)
    dx, dy = rng.uniform(-100, 100, 400), rng.uniform(-100, 100, 400)
    ie, inn = ideal_layout("random", 25, aperture=150.0, seed=2)
    for method in ("optimal", "greedy"):
        idx, mis = extract_subarray(dx, dy, ie, inn, max_shift_km=20.0, method=method)
        assert len(set(idx.tolist())) == idx.size == 25
        np.testing.assert_allclose(mis, np.hypot(dx[idx] - ie, dy[idx] - inn))
        assert np.all(mis <= 20.0)
    opt = extract_subarray(dx, dy, ie, inn, 20.0, "optimal")[1]
    gre = extract_subarray(dx, dy, ie, inn, 20.0, "greedy")[1]
    assert np.sum(opt**2) <= np.sum(gre**2) + 1e-9
    # two ideal points sharing one nearest station: each gets a different one
    idx, _ = extract_subarray([0.0, 1.0, 50.0], [0.0, 0.0, 0.0], [0.1, 0.2], [0.0, 0.0], 5.0)
    assert sorted(idx.tolist()) == [0, 1]


def test_extraction_reports_impossible_layouts():
    with pytest.raises(ValueError, match="fewer than the 3 requested"):
        extract_subarray([0.0, 1.0], [0.0, 0.0], [0, 1, 2], [0, 0, 0], 1.0)
    with pytest.raises(ValueError, match="no station within"):
        extract_subarray([0.0, 100.0], [0.0, 0.0], [0.0, 50.0], [0.0, 0.0], 5.0)


@pytest.mark.parametrize("kind", ["ring", "cross", "L", "line_along", "spiral", "clustered"])
def test_extracted_subarrays_respect_the_aperture(kind):
    dense = theoretical_dense_geometry(40.0, -100.0, 600.0, 15.0, jitter_km=3.0, seed=1)
    tol = 0.25
    feasible = 0
    for n in (5, 12, 24):
        for ap in (30.0, 120.0, 400.0):
            sub = make_subarray(
                kind,
                n,
                "extracted",
                40.0,
                -100.0,
                aperture=ap,
                baz_deg=120.0,
                dense=dense,
                lay=LayoutSettings(aperture_tol=tol),
            )
            if not sub.ok:
                assert sub.status.startswith("infeasible")
                continue
            feasible += 1
            assert len(set(sub.index.tolist())) == sub.n == n
            assert abs(sub.aperture_km - ap) <= tol * ap
            # stations are real stations of the dense network
            np.testing.assert_array_equal(sub.geometry.lat, dense.lat[sub.index])
            assert np.all(
                sub.misfit_km <= 0.5 * spacing_km(sub.ideal_east_km, sub.ideal_north_km) + 1e-9
            )
    assert feasible >= 2


def test_too_small_a_layout_for_a_sparse_network_is_infeasible():
    dense = theoretical_dense_geometry(40.0, -100.0, 600.0, 70.0, seed=1)
    sub = make_subarray("ring", 10, "extracted", 40.0, -100.0, aperture=20.0, dense=dense)
    assert not sub.ok and "infeasible" in sub.status and sub.geometry is None


def test_ta_stations_open_on_a_date(shared_dir):
    path = shared_dir / "dense-networks" / "TA_stations.csv"
    cfg = {
        "source": "csv",
        "path": str(path),
        "date": "2010-06-01",
        "center_lat": 38.0,
        "center_lon": -98.0,
        "radius_km": 500.0,
    }
    geom = dense_geometry(GeometrySettings.from_dict(cfg), "TA")
    table = pd.read_csv(path, dtype={"station": str})
    t = UTCDateTime("2010-06-01")
    rows = table.set_index("station").loc[[c.split(".")[1] for c in geom.codes]]
    assert all(UTCDateTime(s) <= t for s in rows["start"])
    assert all(UTCDateTime(e) + 86400 > t for e in rows["end"])
    e, n = geom.offsets_km()
    assert np.all(np.hypot(e, n) <= 500.0) and len(geom) > 30
    # TA spacing is about 70 km
    assert 40.0 < spacing_km(e, n) < 100.0
    sub = make_subarray(
        "cross",
        9,
        "extracted",
        38.0,
        -98.0,
        aperture=500.0,
        dense=geom,
        lay=LayoutSettings(max_shift_frac=0.8),
    )
    assert sub.ok, sub.status
    assert len(set(sub.geometry.codes)) == 9
    assert abs(sub.aperture_km - 500.0) <= 0.25 * 500.0


def test_ims_geometry_from_package_data():
    geom = dense_geometry(GeometrySettings(source="ims", array="YKA"))
    assert len(geom) >= 18
    assert 15.0 < geom.aperture_km() < 30.0
    e, n = latlon_to_local_km(geom.lat, geom.lon, geom.ref_lat, geom.ref_lon)
    assert np.max(np.hypot(e, n)) < 15.0


def test_dense_geometry_rejects_unknown_source():
    with pytest.raises(ValueError, match="geometry source 'ftp'"):
        dense_geometry(GeometrySettings(source="ftp"))


def test_linear_sum_assignment_is_scipys_without_scipy_optimize():
    """The matching uses SciPy's own compiled function, loaded without scipy.optimize's
    ``__init__`` (and so without scipy.linalg and scipy.sparse); a later plain import
    gives the same function."""
    code = (
        "import sys\n"
        "from corephase.experiment.subarray import _linear_sum_assignment\n"
        "f = _linear_sum_assignment()\n"
        "loaded = [m for m in ('scipy.optimize', 'scipy.linalg', 'scipy.sparse') "
        "if m in sys.modules]\n"
        "assert not loaded, loaded\n"
        "from scipy.optimize import linear_sum_assignment\n"
        "assert f is linear_sum_assignment\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
