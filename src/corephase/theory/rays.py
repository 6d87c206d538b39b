"""Ray quantities of P, PcP and PKiKP for amplitude predictions.

The ray parameter p as a function of epicentral distance and its derivative dp/dDelta
come from TauP (ObsPy's :class:`obspy.taup.seismic_phase.SeismicPhase` sampled at the
model's ray parameters, interpolated with a monotone PCHIP spline of p against
distance). The attenuation operator ``t* = integral dt / Qp`` along the ray is
integrated here over the radial profile of :mod:`corephase.theory.earth` (midpoint
integration on <= 2 km shells with eta^2 = (r/v)^2 linear in radius in each shell,
which also covers a turning ray's last shell); its travel time, the same integral without 1/Q,
agrees with TauP's to well under a second (tested).

Ray parameters in s/rad (multiply by pi/180 for s/deg), distances in degrees, depths
and radii in km, times in s.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from corephase.model.taupy import taup_classes
from corephase.model.traveltimes import tau_model
from corephase.theory.earth import profile

#: Radial shell thickness (km) of the t* quadrature.
SHELL_KM = 2.0


@lru_cache(maxsize=512)
def _phase_samples(model: str, depth_km: float, phase: str) -> tuple[np.ndarray, np.ndarray]:
    """TauP (p s/rad, Delta rad) samples of the branch used, sorted by increasing Delta.

    PcP and PKiKP: the whole (monotone) branch. P: the branch turning deepest (the
    run of samples from the smallest p on which Delta decreases with p), which is the
    first arrival beyond the upper-mantle triplications (about 25-99 deg in ak135).
    """
    tm = tau_model(model).depth_correct(float(depth_km))
    ph = taup_classes().SeismicPhase(phase, tm)
    p, dist = np.asarray(ph.ray_param, float), np.asarray(ph.dist, float)
    order = np.argsort(p, kind="stable")
    p, dist = p[order], dist[order]
    if phase == "P":
        step = np.diff(dist)
        n = np.argmax(step >= 0) if np.any(step >= 0) else len(step)
        p, dist = p[: n + 1], dist[: n + 1]
    keep = np.concatenate([[True], np.abs(np.diff(dist)) > 1e-9])
    p, dist = p[keep], dist[keep]
    order = np.argsort(dist)
    return p[order], dist[order]


def ray_parameter(model: str, depth_km: float, phase: str, distance_deg):
    """Ray parameter p (s/rad) and dp/dDelta (s/rad^2) at ``distance_deg``; NaN off the branch."""
    from scipy.interpolate import PchipInterpolator

    p, dist = _phase_samples(model, float(depth_km), phase)
    x = np.radians(np.atleast_1d(np.asarray(distance_deg, float)))
    f = PchipInterpolator(dist, p, extrapolate=False)
    return f(x), f.derivative()(x)


def _shells(model: str, top_km: float, bot_km: float):
    """Shell (top radius, bottom radius, P velocity at top/bottom, mid Qp) between two depths."""
    r_earth = tau_model(model).radius_of_planet
    lay = tau_model(model).s_mod.v_mod.layers
    edges = [top_km, bot_km]
    edges += [d for d in lay["top_depth"] if top_km < d < bot_km]
    edges = np.unique(edges)
    pieces = [
        np.linspace(a, b, max(2, int(np.ceil((b - a) / SHELL_KM)) + 1))[:-1]
        for a, b in itertools.pairwise(edges)
    ]
    tops = np.concatenate(pieces)
    bots = np.append(tops[1:], bot_km)
    eps = 1e-6  # just inside the shell at each end, so discontinuities take the right side
    v_top = profile(model, tops + eps)["vp"]
    v_bot = profile(model, bots - eps)["vp"]
    q_mid = profile(model, 0.5 * (tops + bots))["qp"]
    return r_earth - tops, r_earth - bots, v_top, v_bot, q_mid


@dataclass(frozen=True)
class LegIntegrals:
    """Travel time ``t_s`` and attenuation operator ``tstar_s`` of one ray leg (s)."""

    t_s: np.ndarray
    tstar_s: np.ndarray


def leg_integrals(model: str, p_s_rad, top_km: float, bot_km: float) -> LegIntegrals:
    """Time and t* of a ray with parameter ``p`` crossing the depths top_km..bot_km once.

    A ray that turns inside the interval is integrated from ``top_km`` down to its
    turning point (the turning shell analytically, for eta^2 linear in radius).
    """
    p = np.atleast_1d(np.asarray(p_s_rad, float))[:, None]
    if bot_km <= top_km:
        return LegIntegrals(np.zeros(len(p)), np.zeros(len(p)))
    r_top, r_bot, v_top, v_bot, q = _shells(model, top_km, bot_km)
    eta2_top, eta2_bot = (r_top / v_top) ** 2, (r_bot / v_bot) ** 2
    r_mid = 0.5 * (r_top + r_bot)
    p2 = p**2
    # shell integral of eta^2 / (r sqrt(eta^2 - p^2)) dr with eta^2 linear in r and the
    # slowly varying eta^2 / r at its mean over the part of the shell the ray crosses,
    # evaluated in place (the operations, in their order, of the closed expressions
    # weight / r_mid * 2 * (r_top - r_bot) * (s_top - s_bot) / d_eta2 and, in shells of
    # constant eta^2, eta2_top / (r_mid * s_top) * (r_top - r_bot): the same bits)
    s_top = _clipped_sqrt(eta2_top - p2)
    s_bot = _clipped_sqrt(eta2_bot - p2)
    d_eta2 = eta2_top - eta2_bot
    lin = np.abs(d_eta2) > 1e-9 * eta2_top
    with np.errstate(invalid="ignore", divide="ignore"):
        dt = np.where(eta2_bot > p2, 0.5 * (eta2_top + eta2_bot), 0.5 * (eta2_top + p2))
        dt /= r_mid
        dt *= 2.0
        dt *= r_top - r_bot
        dt *= np.subtract(s_top, s_bot, out=s_bot)
        dt /= d_eta2
        if not lin.all():
            c = ~lin
            dt[:, c] = eta2_top[c] / (r_mid[c] * s_top[:, c]) * (r_top[c] - r_bot[c])
    # shells at and below the turning point add nothing
    np.copyto(dt, 0.0, where=np.cumsum(eta2_top <= p2, axis=1) != 0)
    np.nan_to_num(dt, copy=False)
    t_s = dt.sum(axis=1)
    dt /= q
    return LegIntegrals(t_s, dt.sum(axis=1))


def _clipped_sqrt(x: np.ndarray) -> np.ndarray:
    """``sqrt(max(x, 0))`` in place of ``x`` (returned)."""
    np.clip(x, 0.0, None, out=x)
    return np.sqrt(x, out=x)
