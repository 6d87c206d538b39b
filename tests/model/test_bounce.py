"""Bounce points of PKiKP (ICB) and PcP (CMB)."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from corephase.model.bounce import (
    bounce_point,
    bounce_point_full,
    boundary_depth_km,
    great_circle_point,
)
from corephase.model.traveltimes import distance_backazimuth, taup_model


def _unit(lat, lon):
    la, lo = np.radians(lat), np.radians(lon)
    return np.array([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)])


def _angle_deg(lat1, lon1, lat2, lon2):
    return float(np.degrees(np.arccos(np.clip(_unit(lat1, lon1) @ _unit(lat2, lon2), -1, 1))))


def _midpoint(lat1, lon1, lat2, lon2):
    v = _unit(lat1, lon1) + _unit(lat2, lon2)
    v /= np.linalg.norm(v)
    return float(np.degrees(np.arcsin(v[2]))), float(np.degrees(np.arctan2(v[1], v[0])))


# Aleutian event 2014-06-23 to North American / Australian arrays (reference points)
PAIRS = [
    (51.95, 178.58, 64.7714, -146.8866),  # ILAR
    (51.95, 178.58, 62.493, -114.605),  # YKA
    (51.95, 178.58, 42.7765, -109.5826),  # PDAR
    (-20.0, -175.0, -23.665, 133.905),  # Tonga -> ASAR (crosses the dateline)
]


def test_boundary_depths_ak135():
    assert boundary_depth_km("cmb") == pytest.approx(2891.5)
    assert boundary_depth_km("icb") == pytest.approx(5153.5)
    with pytest.raises(ValueError, match="boundary"):
        boundary_depth_km("moho")


@pytest.mark.parametrize("phase", ["PcP", "PKiKP"])
@pytest.mark.parametrize("pair", PAIRS)
def test_surface_source_bounces_at_great_circle_midpoint(phase, pair):
    """A surface source gives a symmetric ray: the reflection is at the path midpoint."""
    ev_lat, ev_lon, st_lat, st_lon = pair
    lat, lon, depth = bounce_point(ev_lat, ev_lon, 0.0, st_lat, st_lon, phase)
    mlat, mlon = _midpoint(ev_lat, ev_lon, st_lat, st_lon)
    assert _angle_deg(lat, lon, mlat, mlon) < 0.01
    assert depth == pytest.approx(5153.5 if phase == "PKiKP" else 2891.5)


@pytest.mark.parametrize("phase", ["PcP", "PKiKP", "ScP"])
@pytest.mark.parametrize("pair", PAIRS[:3])
def test_agrees_with_obspy_pierce_points_geo(phase, pair):
    """Position agrees with ObsPy's own geographic pierce points (spherical Earth)."""
    try:
        import geographiclib  # noqa: F401  (ObsPy needs it for geographic pierce points)
    except ImportError:
        if os.environ.get("CI") == "true":
            pytest.fail("geographiclib missing: it is a dev dependency")
        pytest.skip("geographiclib not installed")
    ev_lat, ev_lon, st_lat, st_lon = pair
    depth = 583.0
    lat, lon, d = bounce_point(ev_lat, ev_lon, depth, st_lat, st_lon, phase)
    arr = taup_model("ak135").get_pierce_points_geo(depth, ev_lat, ev_lon, st_lat, st_lon, [phase])
    p = arr[0].pierce
    i = int(np.argmax(p["depth"]))
    assert p["depth"][i] == pytest.approx(d)
    assert _angle_deg(lat, lon, p["lat"][i], p["lon"][i]) < 0.02


def test_deep_source_bounce_lies_on_path_nearer_the_source():
    """A deep source shortens the down-going leg: bounce on the great circle, before midpoint."""
    ev_lat, ev_lon, st_lat, st_lon = PAIRS[1]
    dist, _, _ = distance_backazimuth(ev_lat, ev_lon, st_lat, st_lon)
    b = bounce_point_full(ev_lat, ev_lon, 600.0, st_lat, st_lon, "PKiKP")
    a_src = _angle_deg(ev_lat, ev_lon, b.lat, b.lon)
    a_rec = _angle_deg(b.lat, b.lon, st_lat, st_lon)
    assert a_src + a_rec == pytest.approx(dist, abs=1e-3)  # on the great circle
    assert a_src == pytest.approx(b.dist_from_source_deg, abs=1e-3)
    assert a_src < dist / 2 - 0.1
    # receiver leg equals half the distance of a surface-source PKiKP with the same
    # ray parameter (found independently by root finding on TauP slowness vs distance)
    p_deep = taup_model("ak135").get_travel_times(600.0, dist, ["PKiKP"])[0].ray_param_sec_degree
    from scipy.optimize import brentq

    def slow(d):
        return taup_model("ak135").get_travel_times(0.0, d, ["PKiKP"])[0].ray_param_sec_degree

    d0 = brentq(lambda d: slow(d) - p_deep, 1.0, 60.0, xtol=1e-6)
    assert a_rec == pytest.approx(d0 / 2, abs=0.01)


def test_great_circle_point_known_values():
    assert great_circle_point(0.0, 0.0, 90.0, 90.0) == pytest.approx((0.0, 90.0))
    lat, lon = great_circle_point(0.0, 170.0, 90.0, 20.0)
    assert (lat, lon) == pytest.approx((0.0, -170.0))
    lat, _ = great_circle_point(10.0, 20.0, 0.0, 30.0)
    assert lat == pytest.approx(40.0)


def test_bad_phase_and_missing_ray():
    with pytest.raises(ValueError, match="bounce points"):
        bounce_point(0, 0, 10, 0, 50, "PKIKP")
    # ScP (CMB reflection of S to P) has no ray at 120 deg in ak135
    with pytest.raises(ValueError, match="does not exist"):
        bounce_point(0, 0, 10, 0, 120, "ScP")


def test_phase_pierces_equal_taupymodel_in_a_fresh_process():
    """In a fresh process (TauP without obspy.taup's __init__), the pierce points of
    :func:`phase_pierces` and the bounce points equal TauPyModel.get_pierce_points' to
    the last bit, and neither matplotlib nor obspy.taup's package is imported."""
    code = (
        "import itertools, sys\n"
        "import numpy as np\n"
        "from corephase.model.bounce import bounce_point_full\n"
        "from corephase.model.traveltimes import phase_pierces\n"
        "cases = list(itertools.product(('ak135', 'prem'), (0.0, 106.0, 583.0),\n"
        "                               (12.3, 45.0, 95.5, 140.0),\n"
        "                               ('PcP', 'PKiKP', 'ScP', 'P')))\n"
        "got = [phase_pierces(d, x, p, m) for m, d, x, p in cases]\n"
        f"bounce = bounce_point_full(*{PAIRS[1]!r}[:2], 583.0, *{PAIRS[1]!r}[2:], 'PKiKP')\n"
        "for name in ('matplotlib', 'scipy.optimize', 'obspy.taup'):\n"
        "    assert name not in sys.modules, name\n"
        "from obspy.taup import TauPyModel\n"
        "models = {m: TauPyModel(m) for m in ('ak135', 'prem')}\n"
        "for (m, d, x, p), arrivals in zip(cases, got, strict=True):\n"
        "    want = models[m].get_pierce_points(d, x, [p])\n"
        "    assert [a.time for a in arrivals] == [a.time for a in want], (m, d, x, p)\n"
        "    for a, w in zip(arrivals, want, strict=True):\n"
        "        assert a.name == w.name and a.pierce.tobytes() == w.pierce.tobytes()\n"
        "print(sum(map(bool, got)), len(cases), bounce.time_s)\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    n_rows, n_cases, time_s = res.stdout.splitlines()[-1].split()
    assert n_cases == "96" and 40 < int(n_rows) < 96
    ev_lat, ev_lon, st_lat, st_lon = PAIRS[1]
    want = bounce_point_full(ev_lat, ev_lon, 583.0, st_lat, st_lon, "PKiKP")
    assert float(time_s) == want.time_s
