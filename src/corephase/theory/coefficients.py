"""Plane-wave P-SV reflection and transmission coefficients at a plane interface.

Displacement-amplitude coefficients for an incident P wave, from the boundary
conditions of Aki & Richards (2002, *Quantitative Seismology*, 2nd ed., sec. 5.2):
continuity of displacement and traction across a welded solid-solid interface; at a
liquid-solid interface only the normal displacement and normal traction are
continuous and the shear traction vanishes (free slip). The linear system is built
and solved here with NumPy for any horizontal slowness, including post-critical ones
(complex coefficients; vertical slownesses take the root with non-negative imaginary
part, so evanescent waves decay away from the interface).

Conventions: medium 1 is above the interface, medium 2 below (z positive down). The P
polarisation points along the propagation direction and the SV polarisation is the P one
rotated by -90 deg in the x-z plane; at normal incidence ``rpp = (Z2 - Z1)/(Z2 + Z1)``
with impedances ``Z = rho * vp`` (Aki & Richards' convention). Velocities in km/s,
density in g/cm^3, horizontal slowness ``p`` in s/km.
"""

from __future__ import annotations

import numpy as np

from corephase.theory.earth import Medium

#: Rows of the boundary-condition system: u_x, u_z, sigma_xz, sigma_zz.
_ROWS = ("ux", "uz", "sxz", "szz")


def vertical_slowness(v: float, p) -> np.ndarray:
    """Vertical slowness sqrt(1/v^2 - p^2) (s/km), complex with Im >= 0."""
    return np.sqrt(1.0 / v**2 - np.asarray(p, float) ** 2 + 0j)


def _wave(medium: Medium, p, kind: str, down: bool) -> np.ndarray:
    """(u_x, u_z, sigma_xz, sigma_zz) of a unit plane wave, shape (4, n), common factor dropped."""
    v = medium.vp if kind == "P" else medium.vs
    eta = vertical_slowness(v, p) * (1.0 if down else -1.0)
    p = np.asarray(p, float) + 0j
    dx, dz = (v * p, v * eta) if kind == "P" else (v * eta, -v * p)
    mu = medium.rho * medium.vs**2
    lam = medium.rho * medium.vp**2 - 2.0 * mu
    return np.stack(
        [dx, dz, mu * (eta * dx + p * dz), lam * (p * dx + eta * dz) + 2 * mu * eta * dz]
    )


def _flux(medium: Medium, p, kind: str) -> np.ndarray:
    """Vertical energy flux of a unit-amplitude wave, rho v^2 Re(eta) (common factors dropped)."""
    v = medium.vp if kind == "P" else medium.vs
    return medium.rho * v**2 * np.abs(vertical_slowness(v, p).real)


def p_incidence(upper: Medium, lower: Medium, p, from_above: bool = True) -> dict:
    """Coefficients for a P wave incident on the interface between ``upper`` and ``lower``.

    Parameters
    ----------
    upper, lower : Medium
        Media above and below (``vs = 0`` for a liquid).
    p : float or array
        Horizontal slowness in s/km.
    from_above : bool
        True: the P wave comes down through ``upper``; False: up through ``lower``.

    Returns
    -------
    dict
        Complex arrays ``rpp``, ``rps`` (reflected P, S), ``tpp``, ``tps`` (transmitted P,
        S), zero where the wave cannot exist (S in a liquid); and ``energy_<name>``, the
        share of the incident vertical energy flux each carries (they sum to 1).
    """
    p = np.atleast_1d(np.asarray(p, float))
    inc_med, out_med = (upper, lower) if from_above else (lower, upper)
    incident = _wave(inc_med, p, "P", down=from_above)
    # scattered waves: (name, medium, kind, goes down, sign in the continuity rows)
    sign_inc = 1.0 if from_above else -1.0
    waves = [
        ("rpp", inc_med, "P", not from_above, sign_inc),
        ("rps", inc_med, "S", not from_above, sign_inc),
        ("tpp", out_med, "P", from_above, -sign_inc),
        ("tps", out_med, "S", from_above, -sign_inc),
    ]
    waves = [w for w in waves if not (w[2] == "S" and w[1].liquid)]
    rows = [0, 1, 2, 3]
    if upper.liquid or lower.liquid:
        rows.remove(0)  # free slip: tangential displacement may jump
    if upper.liquid and lower.liquid:
        rows.remove(2)  # no shear traction on either side
    cols = [sign * _wave(med, p, kind, down)[rows] for _, med, kind, down, sign in waves]
    mat = np.moveaxis(np.stack(cols, axis=1), -1, 0)  # (n, rows, unknowns)
    rhs = np.moveaxis(-sign_inc * incident[rows], -1, 0)[..., None]
    sol = np.linalg.solve(mat, rhs)[..., 0]
    out = {k: np.zeros(p.shape, complex) for k in ("rpp", "rps", "tpp", "tps")}
    flux_in = _flux(inc_med, p, "P")
    with np.errstate(invalid="ignore", divide="ignore"):  # no incident flux: evanescent
        for j, (name, med, kind, _, _) in enumerate(waves):
            out[name] = sol[:, j]
            out[f"energy_{name}"] = np.abs(out[name]) ** 2 * _flux(med, p, kind) / flux_in
    return out


def icb_reflection(outer: Medium, inner: Medium, p) -> np.ndarray:
    """PKiKP's P-to-P reflection coefficient at the ICB (liquid over solid), complex."""
    return p_incidence(outer, inner, p, from_above=True)["rpp"]


def cmb_reflection(mantle: Medium, core: Medium, p) -> np.ndarray:
    """PcP's P-to-P reflection coefficient at the CMB (solid over liquid), complex."""
    return p_incidence(mantle, core, p, from_above=True)["rpp"]


def cmb_transmissions(mantle: Medium, core: Medium, p) -> tuple[np.ndarray, np.ndarray]:
    """P-to-P transmission through the CMB: down (mantle to core) and up (core to mantle)."""
    down = p_incidence(mantle, core, p, from_above=True)["tpp"]
    up = p_incidence(mantle, core, p, from_above=False)["tpp"]
    return down, up
