"""Plane-wave coefficients against independent values (Aki & Richards 2002, ch. 5)."""

import numpy as np
import pytest

from corephase.model.traveltimes import MODELS
from corephase.theory.coefficients import (
    cmb_reflection,
    cmb_transmissions,
    icb_reflection,
    p_incidence,
    vertical_slowness,
)
from corephase.theory.earth import Medium, interfaces

P = np.linspace(0.0, 0.07, 15)  # s/km, pre-critical at both boundaries


def aki_richards_solid_solid(m1: Medium, m2: Medium, p):
    """Explicit solid-solid coefficients, Aki & Richards (2002) eq. 5.40 (incident P from above).

    Written from the textbook formulas independently of the linear solve under test.
    Returns (PP reflection, PP transmission) for P incident in medium 1.
    """
    a1, b1, r1 = m1.vp, m1.vs, m1.rho
    a2, b2, r2 = m2.vp, m2.vs, m2.rho
    ci1, ci2 = a1 * vertical_slowness(a1, p), a2 * vertical_slowness(a2, p)
    cj1, cj2 = b1 * vertical_slowness(b1, p), b2 * vertical_slowness(b2, p)
    a = r2 * (1 - 2 * b2**2 * p**2) - r1 * (1 - 2 * b1**2 * p**2)
    b = r2 * (1 - 2 * b2**2 * p**2) + 2 * r1 * b1**2 * p**2
    c = r1 * (1 - 2 * b1**2 * p**2) + 2 * r2 * b2**2 * p**2
    d = 2 * (r2 * b2**2 - r1 * b1**2)
    e = b * ci1 / a1 + c * ci2 / a2
    f = b * cj1 / b1 + c * cj2 / b2
    g = a - d * (ci1 / a1) * (cj2 / b2)
    h = a - d * (ci2 / a2) * (cj1 / b1)
    det = e * f + g * h * p**2
    rpp = ((b * ci1 / a1 - c * ci2 / a2) * f - (a + d * (ci1 / a1) * (cj2 / b2)) * h * p**2) / det
    tpp = 2 * r1 * (ci1 / a1) * f * a1 / (a2 * det)
    return rpp, tpp


def liquid_over_solid_rpp(liq: Medium, sol: Medium, p):
    """PP reflection of a liquid over a solid from effective impedances (Brekhovskikh 1980)."""
    cos_i1 = liq.vp * vertical_slowness(liq.vp, p)
    cos_i2 = sol.vp * vertical_slowness(sol.vp, p)
    cos_j2 = sol.vs * vertical_slowness(sol.vs, p)
    sin_j2 = sol.vs * p
    cos2j, sin2j = 1 - 2 * sin_j2**2, 2 * sin_j2 * cos_j2
    z1 = liq.rho * liq.vp / cos_i1
    z2 = sol.rho * sol.vp / cos_i2 * cos2j**2 + sol.rho * sol.vs / cos_j2 * sin2j**2
    return (z2 - z1) / (z2 + z1)


@pytest.mark.parametrize("model", MODELS)
def test_normal_incidence_icb_is_impedance_contrast(model):
    ifc = interfaces(model)
    z1 = ifc.outer_core_bottom.vp * ifc.outer_core_bottom.rho
    z2 = ifc.inner_core.vp * ifc.inner_core.rho
    r = icb_reflection(ifc.outer_core_bottom, ifc.inner_core, 0.0)[0]
    assert r.real == pytest.approx((z2 - z1) / (z2 + z1), abs=1e-12)
    assert 0.04 < r.real < 0.07  # ak135: 0.0580
    zm = ifc.mantle.vp * ifc.mantle.rho
    zc = ifc.outer_core_top.vp * ifc.outer_core_top.rho
    assert cmb_reflection(ifc.mantle, ifc.outer_core_top, 0.0)[0].real == pytest.approx(
        (zc - zm) / (zc + zm), abs=1e-12
    )


def test_solid_solid_matches_aki_richards_closed_form():
    m1, m2 = Medium(6.0, 3.5, 2.7), Medium(8.0, 4.5, 3.3)
    p = np.linspace(0.0, 0.12, 13)  # up to beyond the P critical slowness 0.125 s/km
    ours = p_incidence(m1, m2, p)
    rpp, tpp = aki_richards_solid_solid(m1, m2, p)
    np.testing.assert_allclose(ours["rpp"], rpp, atol=1e-10)
    np.testing.assert_allclose(ours["tpp"], tpp, atol=1e-10)


@pytest.mark.parametrize("model", MODELS)
def test_liquid_limit_of_solid_solid_zoeppritz(model):
    """Liquid over solid (ICB) equals Aki & Richards' solid-solid form as vs1 -> 0."""
    ifc = interfaces(model)
    liq, sol = ifc.outer_core_bottom, ifc.inner_core
    ours = icb_reflection(liq, sol, P)
    for vs in (1e-3, 1e-5):
        rpp, _ = aki_richards_solid_solid(Medium(liq.vp, vs, liq.rho), sol, P)
        np.testing.assert_allclose(np.abs(ours), np.abs(rpp), atol=20 * vs)
    np.testing.assert_allclose(ours, liquid_over_solid_rpp(liq, sol, P), atol=1e-12)


def test_solid_over_liquid_limit_and_transmission():
    """CMB (solid over liquid) against the solid-solid closed form with vs2 -> 0."""
    ifc = interfaces("ak135")
    core = ifc.outer_core_top
    rpp, tpp = aki_richards_solid_solid(ifc.mantle, Medium(core.vp, 1e-5, core.rho), P)
    np.testing.assert_allclose(np.abs(cmb_reflection(ifc.mantle, core, P)), np.abs(rpp), atol=1e-4)
    down, _ = cmb_transmissions(ifc.mantle, core, P)
    np.testing.assert_allclose(np.abs(down), np.abs(tpp), atol=1e-4)


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("boundary", ["cmb_down", "cmb_up", "icb_down"])
def test_energy_flux_is_conserved(model, boundary):
    ifc = interfaces(model)
    if boundary == "icb_down":
        out = p_incidence(ifc.outer_core_bottom, ifc.inner_core, P, from_above=True)
    else:
        out = p_incidence(ifc.mantle, ifc.outer_core_top, P, from_above=boundary == "cmb_down")
    total = sum(v for k, v in out.items() if k.startswith("energy_"))
    np.testing.assert_allclose(total, 1.0, atol=1e-10)


def test_post_critical_reflection_is_total():
    """Beyond every critical slowness of a liquid over a faster solid, |R_PP| = 1."""
    liq, sol = Medium(1.5, 0.0, 1.0), Medium(6.0, 3.5, 2.7)
    r = p_incidence(liq, sol, np.array([0.4, 0.5, 0.6]))["rpp"]
    np.testing.assert_allclose(np.abs(r), 1.0, atol=1e-12)
