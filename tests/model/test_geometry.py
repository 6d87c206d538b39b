"""Geometry: local projection, layouts, element tables."""

from __future__ import annotations

import numpy as np
import pytest
from obspy.geodetics import gps2dist_azimuth

from corephase.io.stations import elements_from_csv, geometry_from_config
from corephase.model.geometry import (
    ArrayGeometry,
    aperture_km,
    latlon_to_local_km,
    local_km_to_latlon,
    parametric_layout,
)


def test_projection_matches_geodesic_distance_and_azimuth():
    lat, lon = np.array([62.6, 62.3, 63.0]), np.array([-114.2, -115.0, -114.6])
    e, n = latlon_to_local_km(lat, lon, 62.49, -114.6)
    for la, lo, x, y in zip(lat, lon, e, n, strict=True):
        d, az, _ = gps2dist_azimuth(62.49, -114.6, la, lo)
        # spherical vs ellipsoidal distance: within 0.5 %
        assert np.hypot(x, y) == pytest.approx(d / 1000.0, rel=5e-3)
        assert np.degrees(np.arctan2(x, y)) % 360 == pytest.approx(az, abs=0.3)
    la2, lo2 = local_km_to_latlon(e, n, 62.49, -114.6)
    np.testing.assert_allclose(la2, lat, atol=1e-9)
    np.testing.assert_allclose(lo2, lon, atol=1e-9)


@pytest.mark.parametrize("kind", ["rings", "cross", "L", "spiral", "random", "line"])
def test_layouts_have_requested_aperture_and_count(kind):
    e, n = parametric_layout(kind, 13, 25.0, seed=3)
    assert e.size == 13
    assert aperture_km(e, n) == pytest.approx(25.0)
    assert len({(round(a, 6), round(b, 6)) for a, b in zip(e, n, strict=True)}) == 13


def test_unknown_layout_is_rejected():
    with pytest.raises(ValueError, match="unknown layout"):
        parametric_layout("hexagon", 7, 10.0)


def test_ims_table_drops_reference_points_and_duplicates():
    rows = elements_from_csv("ims_array_elements.csv", "KKAR")
    names = [r["station"] for r in rows]
    assert "KKAR" not in names  # reference point
    assert "KK31" not in names  # same site as KK02
    assert len(names) == 9


def test_geometry_from_config_layout_centred_on_reference():
    arr = {
        "network": "IM",
        "channels": ["SHZ"],
        "ref_lat": 63.0,
        "ref_lon": -141.8,
        "elements": {"layout": {"kind": "rings", "n": 10, "aperture_km": 4.0}},
    }
    g = geometry_from_config("BCAR", arr)
    assert len(g) == 10 and g.codes[0] == "IM.BCA01..SHZ"
    assert g.aperture_km() == pytest.approx(4.0, rel=1e-3)
    e, n = g.offsets_km()
    assert abs(e.mean()) < 1e-6 + 0.01 and abs(n.mean()) < 0.01


def test_geometry_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="same length"):
        ArrayGeometry("X", ["a", "b"], [1.0], [2.0, 3.0])
