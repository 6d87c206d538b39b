"""Predicted PKiKP/PcP amplitude ratios, and PcP and PKiKP amplitudes relative to P.

Amplitude of phase X at epicentral distance Delta from a source at depth h (ray
theory, spherical Earth, isotropic source, incident displacement at the receiver
without free-surface conversion; Aki & Richards 2002 eq. 4.97-4.100)::

    A_X = C_X * G_X * exp(-pi f t*_X)
    G_X = sqrt(tan(i_h) |dp/dDelta| / (sin(Delta) cos(i_0)))

with i_h the take-off angle (sin i_h = p v_h / r_h), i_0 the incidence angle at the
surface, dp/dDelta from TauP (:mod:`corephase.theory.rays`), t* = integral dt/Qp
along the ray, and C_X the product of plane-wave coefficients
(:mod:`corephase.theory.coefficients`): C_PcP = |R_PP(CMB)|, C_PKiKP =
|T_PP(CMB, down)| |R_PP(ICB)| |T_PP(CMB, up)|, C_P = 1. Source and receiver factors
(density, velocity, radius) are the same for all three phases and cancel in the
ratios returned here. The ratio PKiKP/PcP at frequency f is::

    ratio = (C_PKiKP / C_PcP) * (G_PKiKP / G_PcP) * exp(-pi f (t*_PKiKP - t*_PcP))

The frequency-independent parts are tabulated once per (model, depth node) on a 0.5
deg distance grid and interpolated linearly in distance and depth (:data:`DEPTH_NODES_KM`).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from corephase.model.traveltimes import MODELS, tau_model
from corephase.theory import coefficients as co
from corephase.theory.earth import interfaces, profile
from corephase.theory.rays import leg_integrals, ray_parameter

#: Distance grid (deg) of the tables.
DISTANCE_GRID_DEG = np.arange(0.5, 150.01, 0.5)
#: Source-depth nodes (km) of the tables; depths between are interpolated linearly.
DEPTH_NODES_KM = np.array([0.0, 15, 35, 70, 120, 170, 250, 350, 450, 550, 650, 750])

#: Columns of :func:`predict_ratio` (components of the PKiKP/PcP ratio).
RATIO_COLUMNS = (
    "ratio",
    "coef_ratio",
    "spreading_ratio",
    "attenuation_ratio",
    "r_cmb",
    "t_cmb_down",
    "r_icb",
    "t_cmb_up",
    "dtstar_s",
    "p_pkikp_s_deg",
)


def _spreading(model: str, depth_km: float, p, dpdd, distance_deg) -> np.ndarray:
    """Relative geometrical spreading factor G (common source/receiver factors dropped)."""
    r_earth = tau_model(model).radius_of_planet
    v_h = profile(model, depth_km, below=True)["vp"][0]
    v_0 = profile(model, 0.0, below=True)["vp"][0]
    sin_h = np.clip(p * v_h / (r_earth - depth_km), 0.0, 1.0 - 1e-12)
    sin_0 = np.clip(p * v_0 / r_earth, 0.0, 1.0 - 1e-12)
    tan_h = sin_h / np.sqrt(1.0 - sin_h**2)
    cos_0 = np.sqrt(1.0 - sin_0**2)
    return np.sqrt(tan_h * np.abs(dpdd) / (np.sin(np.radians(distance_deg)) * cos_0))


def _phase_table(model: str, depth_km: float, phase: str, dist) -> dict[str, np.ndarray]:
    """p (s/rad), spreading G and t* (s) of ``phase`` on the distance grid."""
    m = tau_model(model)
    cmb, icb = float(m.cmb_depth), float(m.iocb_depth)
    p, dpdd = ray_parameter(model, depth_km, phase, dist)
    ok = np.isfinite(p)
    tstar = np.full(p.shape, np.nan)
    if ok.any():
        if phase == "P":  # turning ray: twice surface-to-turning point, less surface-to-source
            legs = [(2.0, 0.0, cmb), (-1.0, 0.0, depth_km)]
        else:
            legs = [(1.0, 0.0, cmb), (1.0, depth_km, cmb)]
            if phase == "PKiKP":
                legs.append((2.0, cmb, icb))
        tstar[ok] = sum(w * leg_integrals(model, p[ok], a, b).tstar_s for w, a, b in legs)
    return {"p": p, "g": _spreading(model, depth_km, p, dpdd, dist), "tstar": tstar}


@lru_cache(maxsize=128)
def component_table(model: str, depth_km: float) -> pd.DataFrame:
    """Frequency-independent amplitude components on :data:`DISTANCE_GRID_DEG` for one depth.

    Columns: distance_deg, p_<phase>_s_rad, g_<phase> (relative spreading), tstar_<phase>_s
    for phase in p, pcp, pkikp, and the coefficients r_cmb, t_cmb_down, r_icb, t_cmb_up
    (moduli, PcP and PKiKP rays). NaN where a phase has no ray.
    """
    if model not in MODELS:
        raise ValueError(f"earth model {model!r} is not one of {', '.join(MODELS)}")
    dist = DISTANCE_GRID_DEG
    out = {"distance_deg": dist}
    for phase in ("P", "PcP", "PKiKP"):
        t = _phase_table(model, float(depth_km), phase, dist)
        key = phase.lower()
        out[f"p_{key}_s_rad"], out[f"g_{key}"], out[f"tstar_{key}_s"] = t["p"], t["g"], t["tstar"]
    ifc = interfaces(model)
    r_earth = tau_model(model).radius_of_planet
    p_c = out["p_pcp_s_rad"] / (r_earth - ifc.cmb_depth_km)  # s/km at the CMB
    p_k_cmb = out["p_pkikp_s_rad"] / (r_earth - ifc.cmb_depth_km)
    p_k_icb = out["p_pkikp_s_rad"] / (r_earth - ifc.icb_depth_km)
    out["r_cmb"] = np.abs(co.cmb_reflection(ifc.mantle, ifc.outer_core_top, np.nan_to_num(p_c)))
    down, up = co.cmb_transmissions(ifc.mantle, ifc.outer_core_top, np.nan_to_num(p_k_cmb))
    out["t_cmb_down"], out["t_cmb_up"] = np.abs(down), np.abs(up)
    icb = co.icb_reflection(ifc.outer_core_bottom, ifc.inner_core, np.nan_to_num(p_k_icb))
    out["r_icb"] = np.abs(icb)
    for k, p in (("r_cmb", p_c), ("t_cmb_down", p_k_cmb), ("t_cmb_up", p_k_cmb)):
        out[k] = np.where(np.isfinite(p), out[k], np.nan)
    out["r_icb"] = np.where(np.isfinite(p_k_icb), out["r_icb"], np.nan)
    return pd.DataFrame(out)


def _interpolated(model: str, distance_deg, depth_km, columns) -> dict[str, np.ndarray]:
    """Table columns at each (distance, depth), linear in distance and depth."""
    dist = np.atleast_1d(np.asarray(distance_deg, float))
    depth = np.broadcast_to(np.asarray(depth_km, float), dist.shape)
    depth = np.clip(np.nan_to_num(depth, nan=0.0), DEPTH_NODES_KM[0], DEPTH_NODES_KM[-1])
    j = np.clip(
        np.searchsorted(DEPTH_NODES_KM, depth, side="right") - 1, 0, len(DEPTH_NODES_KM) - 2
    )
    w = (depth - DEPTH_NODES_KM[j]) / np.diff(DEPTH_NODES_KM)[j]
    out = {c: np.full(dist.shape, np.nan) for c in columns}
    for jj in np.unique(j):
        sel = j == jj
        lo = component_table(model, float(DEPTH_NODES_KM[jj]))
        hi = component_table(model, float(DEPTH_NODES_KM[jj + 1]))
        for c in columns:
            a = np.interp(dist[sel], lo["distance_deg"], lo[c], left=np.nan, right=np.nan)
            b = np.interp(dist[sel], hi["distance_deg"], hi[c], left=np.nan, right=np.nan)
            out[c][sel] = (1.0 - w[sel]) * a + w[sel] * b
    return out


def predict_ratio(distance_deg, depth_km, freq_hz, model: str = "ak135") -> pd.DataFrame:
    """Predicted PKiKP/PcP displacement amplitude ratio and its components.

    Parameters
    ----------
    distance_deg, depth_km, freq_hz : float or array (broadcast)
        Epicentral distance (deg), source depth (km, clipped to 0-750) and frequency
        (Hz; the band's centre).
    model : str
        ak135, iasp91 or prem.

    Returns
    -------
    pandas.DataFrame
        :data:`RATIO_COLUMNS`: ``ratio`` = ``coef_ratio * spreading_ratio *
        attenuation_ratio``; ``coef_ratio`` = t_cmb_down r_icb t_cmb_up / r_cmb (moduli);
        ``attenuation_ratio`` = exp(-pi f dtstar_s) with dtstar_s = t*(PKiKP) - t*(PcP);
        ``p_pkikp_s_deg`` the PKiKP ray parameter. NaN beyond PcP's range (~99 deg).
    """
    dist, depth, freq = np.broadcast_arrays(
        np.asarray(distance_deg, float), np.asarray(depth_km, float), np.asarray(freq_hz, float)
    )
    cols = ("r_cmb", "t_cmb_down", "r_icb", "t_cmb_up", "g_pcp", "g_pkikp")
    cols += ("tstar_pcp_s", "tstar_pkikp_s", "p_pkikp_s_rad")
    v = _interpolated(model, dist.ravel(), depth.ravel(), cols)
    f = freq.ravel()
    out = pd.DataFrame({k: v[k] for k in ("r_cmb", "t_cmb_down", "r_icb", "t_cmb_up")})
    out["coef_ratio"] = v["t_cmb_down"] * v["r_icb"] * v["t_cmb_up"] / v["r_cmb"]
    out["spreading_ratio"] = v["g_pkikp"] / v["g_pcp"]
    out["dtstar_s"] = v["tstar_pkikp_s"] - v["tstar_pcp_s"]
    out["attenuation_ratio"] = np.exp(-np.pi * f * out["dtstar_s"])
    out["ratio"] = out["coef_ratio"] * out["spreading_ratio"] * out["attenuation_ratio"]
    out["p_pkikp_s_deg"] = v["p_pkikp_s_rad"] * np.pi / 180.0
    return out[list(RATIO_COLUMNS)]


def amplitudes_relative_to_p(distance_deg, depth_km, freq_hz, model: str = "ak135") -> dict:
    """Predicted PcP/P and PKiKP/P displacement amplitude ratios (for synthetic sources).

    Same physics and arguments as :func:`predict_ratio`; P is the ray turning deepest in
    the mantle, so the ratios are NaN where that branch is not the first arrival (about
    below 25 deg and beyond 99 deg in ak135). Returns arrays ``pcp`` and ``pkikp``.
    """
    dist, depth, freq = np.broadcast_arrays(
        np.asarray(distance_deg, float), np.asarray(depth_km, float), np.asarray(freq_hz, float)
    )
    cols = ("r_cmb", "t_cmb_down", "r_icb", "t_cmb_up", "g_p", "g_pcp", "g_pkikp")
    cols += ("tstar_p_s", "tstar_pcp_s", "tstar_pkikp_s")
    v = _interpolated(model, dist.ravel(), depth.ravel(), cols)
    f = freq.ravel()
    a_p = v["g_p"] * np.exp(-np.pi * f * v["tstar_p_s"])
    a_c = v["r_cmb"] * v["g_pcp"] * np.exp(-np.pi * f * v["tstar_pcp_s"])
    coef_k = v["t_cmb_down"] * v["r_icb"] * v["t_cmb_up"]
    a_k = coef_k * v["g_pkikp"] * np.exp(-np.pi * f * v["tstar_pkikp_s"])
    return {"pcp": (a_c / a_p).reshape(dist.shape), "pkikp": (a_k / a_p).reshape(dist.shape)}
