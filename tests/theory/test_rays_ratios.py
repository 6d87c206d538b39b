"""Ray quantities and predicted ratios against TauP and independent integrals."""

import numpy as np
import pytest

from corephase.model.traveltimes import first_arrivals, taup_model
from corephase.theory.earth import profile
from corephase.theory.ratios import (
    DEPTH_NODES_KM,
    amplitudes_relative_to_p,
    component_table,
    predict_ratio,
)
from corephase.theory.rays import leg_integrals, ray_parameter


def _times(model, depth, phase, dist):
    m = taup_model(model).model
    cmb, icb = m.cmb_depth, m.iocb_depth
    p, _ = ray_parameter(model, depth, phase, dist)
    if phase == "P":
        legs = [(2, 0.0, cmb), (-1, 0.0, depth)]
    else:
        legs = [(1, 0.0, cmb), (1, depth, cmb)] + ([(2, cmb, icb)] if phase == "PKiKP" else [])
    return sum(w * leg_integrals(model, p, a, b).t_s[0] for w, a, b in legs)


@pytest.mark.parametrize("model", ["ak135", "prem"])
@pytest.mark.parametrize(
    ("phase", "dist", "tol"),
    [("PcP", 20.0, 0.05), ("PcP", 70.0, 0.05), ("PKiKP", 30.0, 0.05), ("PKiKP", 90.0, 0.05),
     ("P", 50.0, 0.5)],
)  # fmt: skip
def test_quadrature_travel_time_matches_taup(model, phase, dist, tol):
    """The t* quadrature without 1/Q is the travel time: compare with TauP's."""
    t = _times(model, 100.0, phase, dist)
    assert t == pytest.approx(first_arrivals(100.0, dist, [phase], model)[phase].time, abs=tol)


@pytest.mark.parametrize("phase", ["PcP", "PKiKP"])
def test_dp_ddelta_matches_finite_differences_of_taup_arrivals(phase):
    h = 1.0
    for dist in (20.0, 45.0, 70.0):
        p0 = first_arrivals(100.0, dist - h, [phase])[phase].slowness_s_deg
        p1 = first_arrivals(100.0, dist + h, [phase])[phase].slowness_s_deg
        fd = (p1 - p0) / (2 * h) * (180 / np.pi) ** 2  # s/deg^2 -> s/rad^2
        p, dpdd = ray_parameter("ak135", 100.0, phase, dist)
        assert p[0] * np.pi / 180 == pytest.approx(
            first_arrivals(100.0, dist, [phase])[phase].slowness_s_deg, rel=1e-3
        )
        assert dpdd[0] == pytest.approx(fd, rel=0.05)


def test_vertical_tstar_equals_direct_depth_integral():
    """p = 0: t* = integral dz / (v Q), integrated here with the trapezoid rule."""
    cmb = taup_model("ak135").model.cmb_depth
    z = np.linspace(0.0, cmb - 1e-6, 200001)
    pr = profile("ak135", z)
    direct = np.trapezoid(1.0 / (pr["vp"] * pr["qp"]), z)
    ours = leg_integrals("ak135", 0.0, 0.0, cmb).tstar_s[0]
    assert ours == pytest.approx(direct, rel=2e-3)
    assert 0.3 < ours < 0.6  # one-way mantle t* of ak135-F, s


def test_ratio_is_product_of_components_and_frequency_enters_through_tstar():
    d = np.arange(10.0, 90.0, 5.0)
    r1, r2 = predict_ratio(d, 100.0, 1.0), predict_ratio(d, 100.0, 2.0)
    prod = r1["coef_ratio"] * r1["spreading_ratio"] * r1["attenuation_ratio"]
    np.testing.assert_allclose(r1["ratio"], prod)
    np.testing.assert_allclose(
        r1["coef_ratio"], r1["t_cmb_down"] * r1["r_icb"] * r1["t_cmb_up"] / r1["r_cmb"]
    )
    np.testing.assert_allclose(r2["ratio"] / r1["ratio"], np.exp(-np.pi * r1["dtstar_s"]))
    assert np.all((r1["ratio"] > 0.005) & (r1["ratio"] < 0.5))
    assert predict_ratio(120.0, 100.0, 1.0)["ratio"].isna().all()  # no PcP beyond ~99 deg


def test_depth_interpolation_close_to_direct_table():
    d = np.arange(10.0, 90.0, 5.0)
    assert 100.0 not in DEPTH_NODES_KM
    direct = component_table("ak135", 100.0).set_index("distance_deg").loc[d]
    exact = (
        direct["t_cmb_down"] * direct["r_icb"] * direct["t_cmb_up"] / direct["r_cmb"]
        * direct["g_pkikp"] / direct["g_pcp"]
        * np.exp(-np.pi * (direct["tstar_pkikp_s"] - direct["tstar_pcp_s"]))
    )  # fmt: skip
    np.testing.assert_allclose(predict_ratio(d, 100.0, 1.0)["ratio"], exact, rtol=0.02)


@pytest.mark.parametrize("model", ["ak135", "iasp91", "prem"])
def test_amplitudes_relative_to_p_agree_with_ratio(model):
    d = np.arange(35.0, 95.0, 5.0)
    rel = amplitudes_relative_to_p(d, 50.0, 1.0, model)
    np.testing.assert_allclose(
        rel["pkikp"] / rel["pcp"], predict_ratio(d, 50.0, 1.0, model)["ratio"]
    )
    assert np.all((rel["pcp"] > 1e-3) & (rel["pcp"] < 1.0))
    assert np.all((rel["pkikp"] > 1e-4) & (rel["pkikp"] < rel["pcp"]))
    assert np.isnan(amplitudes_relative_to_p(10.0, 50.0, 1.0, model)["pcp"]).all()


def test_unknown_model_is_a_clear_error():
    with pytest.raises(ValueError, match="earth model"):
        predict_ratio(30.0, 10.0, 1.0, "mars")
