"""The full arrival list: TauP times and slownesses, depth phases, free-surface
coefficients and the choice of a clean noise window."""

from __future__ import annotations

import numpy as np
import pytest
from obspy.taup import TauPyModel

from corephase.model.arrivals import (
    PRIMARY_PHASES,
    Arrival,
    arrival_list,
    arrivals_in_window,
    clean_noise_window,
    element_arrival_times,
    free_surface_coefficients,
    is_comparable,
    surface_velocities,
)
from corephase.model.geometry import KM_PER_DEG, local_km_to_latlon, parametric_layout
from corephase.model.traveltimes import PhaseArrival, element_times

TAUP = TauPyModel("ak135")


def _by_name(arrivals):
    return {a.phase: a for a in arrivals}


@pytest.mark.parametrize("depth_km, dist", [(106.0, 45.0), (15.0, 30.0), (41.0, 26.6)])
def test_times_and_slownesses_are_taup_first_arrivals(depth_km, dist):
    arr = arrival_list(depth_km, dist)
    assert all(isinstance(a, PhaseArrival) for a in arr)
    assert [a.time for a in arr] == sorted(a.time for a in arr)
    got = _by_name(arr)
    for name in ("P", "pP", "sP", "PcP", "pPcP", "sPcP", "ScP", "sScP", "PKiKP", "pPKiKP", "ScS"):
        ref = min(TAUP.get_travel_times(depth_km, dist, [name]), key=lambda a: a.time)
        assert got[name].time == pytest.approx(ref.time, abs=1e-6)
        assert got[name].slowness_s_deg == pytest.approx(ref.ray_param_sec_degree, abs=1e-9)
    assert got["pPKiKP"].primary == "PKiKP" and got["pPKiKP"].is_depth_phase
    assert got["PKiKP"].primary == "PKiKP" and not got["PKiKP"].is_depth_phase


@pytest.mark.parametrize("dist, gap", [(60.0, 46.0), (65.0, 32.0), (70.0, 22.0)])
def test_p_precedes_pcp_by_the_issue_values(dist, gap):
    got = _by_name(arrival_list(15.0, dist))
    assert got["PcP"].time - got["P"].time == pytest.approx(gap, abs=1.0)


@pytest.mark.parametrize("depth_km, dp, ds", [(15.0, 5.0, 7.0), (50.0, 15.0, 21.0), (106, 29, 40)])
def test_pkikp_depth_phase_delays_grow_with_depth(depth_km, dp, ds):
    got = _by_name(arrival_list(depth_km, 35.0))
    assert got["pPKiKP"].time - got["PKiKP"].time == pytest.approx(dp, abs=1.5)
    assert got["sPKiKP"].time - got["PKiKP"].time == pytest.approx(ds, abs=1.5)


def test_pkp_branches_exist_only_where_taup_has_them():
    far = _by_name(arrival_list(100.0, 150.0))
    assert {"PKPab", "PKPbc", "PKIKP"} <= set(far)
    assert far["PKPab"].slowness_s_deg > far["PKPbc"].slowness_s_deg > far["PKIKP"].slowness_s_deg
    pkp = TAUP.get_travel_times(100.0, 150.0, ["PKP"])
    assert sorted([far["PKPab"].time, far["PKPbc"].time]) == pytest.approx(
        sorted(a.time for a in pkp)[:2]
    )
    near = _by_name(arrival_list(100.0, 45.0))
    assert not {"PKPab", "PKPbc", "PKIKP"} & set(near)
    assert set(PRIMARY_PHASES) >= {a.primary for a in near.values()}


def _energy_pp_ps(p, a, b):
    """Free-surface P incidence: reflected energy flux, which must equal 1."""
    r = free_surface_coefficients(p, a, b)
    ci, cj = np.sqrt(1 - (p * a) ** 2), np.sqrt(1 - (p * b) ** 2)
    return r["PP"] ** 2 + r["PS"] ** 2 * (b * cj) / (a * ci)


def _energy_ss_sp(p, a, b):
    r = free_surface_coefficients(p, a, b)
    ci, cj = np.sqrt(1 - (p * a) ** 2), np.sqrt(1 - (p * b) ** 2)
    return r["SS"] ** 2 + r["SP"] ** 2 * (a * ci) / (b * cj)


@pytest.mark.parametrize("p", [0.0, 0.01, 0.05, 0.1, 0.15, 0.17])
def test_free_surface_coefficients_conserve_energy(p):
    a, b = 5.8, 3.46
    assert _energy_pp_ps(p, a, b) == pytest.approx(1.0, abs=1e-12)
    assert _energy_ss_sp(p, a, b) == pytest.approx(1.0, abs=1e-12)


def test_free_surface_coefficients_at_vertical_incidence_and_signs():
    r0 = free_surface_coefficients(0.0, 5.8, 3.46)
    assert r0 == pytest.approx({"PP": -1.0, "PS": 0.0, "SP": 0.0, "SS": 1.0})
    # Steep incidence (core phases, PcP): pX has the opposite sign of X and nearly
    # its size; sX is small and grows with slowness.
    small, large = (free_surface_coefficients(p, 5.8, 3.46) for p in (0.01, 0.08))
    assert -1.0 < small["PP"] < -0.99 and -1.0 < large["PP"] < -0.6
    assert 0 < small["SP"] < large["SP"]
    # Aki & Richards (2002) in angle form, at i = 30 deg in a Poisson solid.
    a = 6.0
    b = a / np.sqrt(3.0)
    i = np.radians(30.0)
    p = np.sin(i) / a
    j = np.arcsin(p * b)
    s = 1 / b**2 - 2 * p**2
    d = s**2 + 4 * p**2 * np.cos(i) * np.cos(j) / (a * b)
    pp = (-(s**2) + 4 * p**2 * np.cos(i) * np.cos(j) / (a * b)) / d
    ps = 4 * p * np.cos(i) * s / (b * d)
    got = free_surface_coefficients(p, a, b)
    assert got["PP"] == pytest.approx(pp) and got["PS"] == pytest.approx(ps)


def test_depth_phase_amplitudes_are_coefficient_times_radiation():
    vp, vs = surface_velocities("ak135")
    assert (vp, vs) == (5.8, 3.46)
    assert surface_velocities("prem")[1] == pytest.approx(3.2)
    arr = _by_name(arrival_list(106.0, 35.0, radiation=(0.5, 2.0)))
    pk = arr["PKiKP"]
    for name, up, rad in (("pPKiKP", "PP", 0.5), ("sPKiKP", "SP", 2.0), ("sScP", "SS", 2.0)):
        a = arr[name]
        coef = free_surface_coefficients(a.slowness_s_deg / KM_PER_DEG, vp, vs)[up]
        assert a.free_surface == pytest.approx(coef)
        prim = arr[a.primary].relative_amplitude
        assert a.relative_amplitude == pytest.approx(prim * coef * rad)
    assert arr["pPKiKP"].relative_amplitude < 0 < pk.relative_amplitude
    assert arr["pPKiKP"].free_surface == pytest.approx(-1.0, abs=0.01)


def test_arrivals_in_window_and_element_times():
    arr = arrival_list(106.0, 35.0)
    pk = _by_name(arr)["PKiKP"]
    inside = arrivals_in_window(arr, pk.time - 1.0, pk.time + 60.0)
    assert {a.phase for a in inside} >= {"PKiKP", "pPKiKP", "sPKiKP"}
    assert all(pk.time - 1.0 <= a.time <= pk.time + 60.0 for a in inside)
    # Element times agree with the TauP-per-element times of element_times (150 km array).
    e, n = parametric_layout("rings", 12, 150.0)
    lat, lon = local_km_to_latlon(e, n, 62.49, -114.61)
    from corephase.model.traveltimes import distance_backazimuth

    ev = (62.49 - 35.0, -114.61)
    dist, _, _ = distance_backazimuth(*ev, 62.49, -114.61)
    ref = arrival_list(106.0, dist)
    got = element_arrival_times(ref, 106.0, dist, *ev, lat, lon)
    for ph in ("P", "PcP", "pPKiKP", "ScS"):
        want = element_times(106.0, *ev, lat, lon, ph)
        np.testing.assert_allclose(got[ph], want, atol=2e-3)


def _blocked(arrivals, target, window, before=2.0, after=10.0):
    by = _by_name(arrivals)
    t = by[target]
    strong = [
        a
        for a in arrivals
        if a.phase != target and abs(a.relative_amplitude) > t.relative_amplitude
    ]
    return [
        a.phase
        for a in strong
        if a.time - t.time - before < window[1] and a.time - t.time + after > window[0]
    ]


@pytest.mark.parametrize("dist", [60.0, 65.0, 70.0])
def test_pcp_noise_window_moves_off_the_p_onset(dist):
    arr = arrival_list(15.0, dist)
    assert _blocked(arr, "PcP", (-40.0, -5.0))  # the nominal window holds P (issue 12)
    win, reason = clean_noise_window(arr, "PcP", (-40.0, -5.0))
    assert win is not None and win[1] - win[0] == pytest.approx(35.0)
    assert not _blocked(arr, "PcP", win)
    assert reason.startswith("moved") and "P" in reason


def test_clean_window_kept_shortened_or_refused_with_a_reason():
    arr = arrival_list(15.0, 45.0)
    win, reason = clean_noise_window(arr, "P", (-40.0, -5.0))
    assert win == (-40.0, -5.0) and reason == ""
    # PKiKP with an unknown-amplitude arrival 20 s before it: shortened, then refused.
    pk = _by_name(arr)["PKiKP"]
    other = Arrival("X", pk.time - 20.0, 3.0, 10.0, primary="X")
    win, reason = clean_noise_window(
        [*arr, other], "PKiKP", (-40.0, -5.0), search_s=(-45.0, -5.0), min_length_s=10.0
    )
    assert win == pytest.approx((-45.0, -22.0))
    assert reason.startswith("shortened") and "X" in reason
    win, reason = clean_noise_window(
        [*arr, other], "PKiKP", (-40.0, -5.0), search_s=(-30.0, -5.0), min_length_s=20.0
    )
    assert win is None and "no clean noise window" in reason and "X" in reason
    with pytest.raises(ValueError, match="not in the arrival list"):
        clean_noise_window(arr, "PKJKP")


def test_one_comparator_of_arrival_strength():
    """``is_comparable``: |a| >= ratio |t| (signs ignored); an unknown amplitude on
    either side counts (the conservative side for windows and interference)."""
    t = Arrival("T", 100.0, 2.0, 20.0, primary="T", relative_amplitude=0.1)
    equal = Arrival("E", 90.0, 2.0, 20.0, primary="E", relative_amplitude=-0.1)
    weak = Arrival("W", 90.0, 2.0, 20.0, primary="W", relative_amplitude=0.049)
    unknown = Arrival("U", 90.0, 2.0, 20.0, primary="U")
    assert is_comparable(equal, t) and is_comparable(equal, t, 0.5)
    assert not is_comparable(weak, t, 0.5) and is_comparable(weak, t, 0.49)
    assert is_comparable(unknown, t, 10.0) and is_comparable(t, unknown, 10.0)


def test_noise_window_stays_out_of_a_stronger_phase_s_early_coda():
    """The demo's YKA pair (Aleutians, 106 km, 35.9 deg): PcP's nominal window holds PP's
    depth phases; moved minimally it lands 46-81 s after P (in the early codas of P,
    pP and sP). With ``coda_s`` it goes before P instead."""
    arr = arrival_list(106.0, 35.85)
    by = _by_name(arr)
    p = by["P"].time - by["PcP"].time
    old, _ = clean_noise_window(arr, "PcP", (-40.0, -5.0), amplitude_ratio=0.5)
    assert p + 30.0 < old[0] < p + 60.0  # in P's early coda
    win, reason = clean_noise_window(arr, "PcP", (-40.0, -5.0), amplitude_ratio=0.5, coda_s=30.0)
    assert win[1] <= p - 2.0 and win[1] - win[0] == pytest.approx(35.0)
    assert reason.startswith("moved") and "PP" in reason
    pcp = by["PcP"]
    for a in arr:  # no arrival at least as strong as PcP has its onset or early coda there
        if a.phase != "PcP" and is_comparable(a, pcp):
            dt = a.time - pcp.time
            assert not (win[0] < dt + 30.0 and win[1] > dt - 2.0), a.phase
