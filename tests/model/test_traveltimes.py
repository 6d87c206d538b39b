"""TauP evaluated phase by phase (shared, cached) gives one combined call's numbers."""

import pytest

from corephase.model.traveltimes import first_arrivals, taup_model, taup_rows


@pytest.mark.parametrize(("depth_km", "distance_deg"), [(0.0, 35.0), (33.0, 61.2), (600.0, 140.0)])
def test_phase_by_phase_rows_equal_one_taup_call(depth_km, distance_deg):
    phases = ["PcP", "P", "ScP", "PKiKP", "PKP", "pP", "sPKiKP", "PKJKP", "PcP"]
    combined = taup_model("ak135").get_travel_times(
        source_depth_in_km=depth_km, distance_in_degree=distance_deg, phase_list=phases
    )
    want = [
        (a.name, float(a.time), float(a.ray_param_sec_degree), float(a.incident_angle))
        for a in combined
    ]
    assert taup_rows(depth_km, distance_deg, phases, "ak135") == want
    first = {}
    for a in combined:
        first.setdefault(a.name, (a.time, a.ray_param_sec_degree, a.incident_angle))
    got = first_arrivals(depth_km, distance_deg, phases)
    assert list(got) == list(first)
    assert {k: (v.time, v.slowness_s_deg, v.incidence_deg) for k, v in got.items()} == first
