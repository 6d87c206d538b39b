"""Grid-search inversion of PKiKP/PcP amplitude ratios for the inner-core boundary.

Following Shearer & Masters (1990, GJI 102, 491-498) and Koper & Pyle (2004, JGR 109,
B03301): only PKiKP's ICB reflection coefficient depends on the ICB parameters, so a
trial ICB (density jump ``drho``, inner-core top shear velocity ``vs``, P-velocity jump
``dvp``; outer-core side as in the model) predicts::

    ratio(trial) = ratio(model) * |R_ICB(p; trial)| / |R_ICB(p; model)|

at each observation's PKiKP ray parameter p. The misfit is chi^2 of log10 ratios, each
with the standard deviation implied by its interval (lo, hi), taken as a 95% interval
(sigma = log10(hi / lo) / (2 * 1.96)). The posterior on the grid (uniform prior,
likelihood exp(-chi^2 / 2)) gives each parameter's mean and standard deviation; the
grid minimum gives the best fit. Densities in g/cm^3, velocities in km/s.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from corephase.model.traveltimes import tau_model
from corephase.theory.coefficients import icb_reflection
from corephase.theory.earth import Medium, interfaces

#: Default search grids (g/cm^3, km/s, km/s).
DRHO_GRID = np.round(np.arange(0.0, 1.501, 0.025), 4)
VS_GRID = np.round(np.arange(0.5, 4.501, 0.1), 4)
DVP_GRID = np.round(np.arange(0.3, 1.201, 0.05), 4)
#: log10 standard deviation of an observation without a usable interval.
DEFAULT_SIGMA_LOG10 = 0.3
#: Columns an observation table needs.
OBS_COLUMNS = ("amp_ratio", "ratio_pred", "p_pkikp_s_deg")


@dataclass(frozen=True)
class IcbFit:
    """Result of :func:`invert_icb`.

    ``best``, ``mean`` and ``std`` map ``drho``, ``vs`` and ``dvp`` to values
    (g/cm^3, km/s, km/s; ``dvp`` has std 0 when it was held at the model value);
    ``chi2_min`` and ``n_obs`` describe the fit; ``model`` is the reference model and
    ``reference`` its own ICB values; ``free`` the parameters searched; ``data`` the
    observations used with ``sigma_log10``.
    """

    best: dict
    mean: dict
    std: dict
    chi2_min: float
    n_obs: int
    model: str
    reference: dict
    free: tuple
    data: pd.DataFrame = field(repr=False)


def reference_icb(model: str = "ak135") -> dict:
    """The model's own ICB density jump, inner-core shear velocity and P jump."""
    ifc = interfaces(model)
    return {
        "drho": ifc.inner_core.rho - ifc.outer_core_bottom.rho,
        "vs": ifc.inner_core.vs,
        "dvp": ifc.inner_core.vp - ifc.outer_core_bottom.vp,
    }


def icb_reflection_modulus(model: str, p_s_km, drho, vs, dvp) -> np.ndarray:
    """|R_PP| at the ICB of ``model`` with the given jumps (broadcast against ``p_s_km``)."""
    outer = interfaces(model).outer_core_bottom
    p, drho, vs, dvp = np.broadcast_arrays(
        *(np.asarray(x, float) for x in (p_s_km, drho, vs, dvp))
    )
    inner = Medium(vp=outer.vp + dvp.ravel(), vs=vs.ravel(), rho=outer.rho + drho.ravel())
    return np.abs(icb_reflection(outer, inner, p.ravel())).reshape(p.shape)


def observation_sigma(tab: pd.DataFrame) -> np.ndarray:
    """log10 standard deviation of each ratio from its 95% interval (``amp_ratio_lo/hi``)."""
    lo = tab.get("amp_ratio_lo", pd.Series(np.nan, index=tab.index)).to_numpy(float)
    hi = tab.get("amp_ratio_hi", pd.Series(np.nan, index=tab.index)).to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        sigma = np.log10(hi / lo) / (2.0 * 1.96)
    return np.where(np.isfinite(sigma) & (sigma > 0), sigma, DEFAULT_SIGMA_LOG10)


def _usable(tab: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in OBS_COLUMNS if c not in tab.columns]
    if missing:
        raise ValueError(f"observation table is missing columns {missing}")
    ok = (tab["amp_ratio"] > 0) & (tab["ratio_pred"] > 0) & tab["p_pkikp_s_deg"].notna()
    data = tab[ok].copy()
    if data.empty:
        raise ValueError("no observation with a positive observed and predicted ratio")
    data["sigma_log10"] = observation_sigma(data)
    return data.reset_index(drop=True)


def _marginals(chi2: np.ndarray, grids: dict) -> tuple[dict, dict]:
    post = np.exp(-0.5 * (chi2 - chi2.min()))
    post /= post.sum()
    mean, std = {}, {}
    for axis, (name, g) in enumerate(grids.items()):
        other = tuple(i for i in range(len(grids)) if i != axis)
        m = post.sum(axis=other)
        mean[name] = float((m * g).sum())
        std[name] = float(np.sqrt((m * (g - mean[name]) ** 2).sum()))
    return mean, std


def invert_icb(
    tab: pd.DataFrame,
    model: str = "ak135",
    free_dvp: bool = False,
    drho_grid=DRHO_GRID,
    vs_grid=VS_GRID,
    dvp_grid=DVP_GRID,
) -> IcbFit:
    """Fit the ICB density jump and inner-core shear velocity (and P jump) to observed ratios.

    Parameters
    ----------
    tab : DataFrame
        One row per observation with ``amp_ratio`` (observed PKiKP/PcP), ``ratio_pred``
        (``model``'s prediction for that row), ``p_pkikp_s_deg`` (PKiKP ray parameter,
        s/deg) and optionally ``amp_ratio_lo``/``amp_ratio_hi`` (95% interval), e.g.
        :func:`corephase.analysis.ratios.pkikp_pcp_table` with the catalogue's
        ``pred_p_pkikp_s_deg`` column. Rows without a positive ratio are skipped.
    model : str
        Reference model of ``ratio_pred``.
    free_dvp : bool
        Also search the P-velocity jump (otherwise held at the model's).
    drho_grid, vs_grid, dvp_grid : array
        Search grids (g/cm^3, km/s, km/s).

    Returns
    -------
    IcbFit
    """
    data = _usable(tab)
    ref = reference_icb(model)
    r_icb = tau_model(model).radius_of_planet - interfaces(model).icb_depth_km
    p = data["p_pkikp_s_deg"].to_numpy(float) * 180.0 / np.pi / r_icb  # s/km at the ICB
    r_ref = icb_reflection_modulus(model, p, ref["drho"], ref["vs"], ref["dvp"])
    y = np.log10(data["amp_ratio"].to_numpy(float) / data["ratio_pred"].to_numpy(float))
    y += np.log10(r_ref)  # observed log10 |R_ICB| implied by each ratio
    grids = {
        "drho": np.asarray(drho_grid, float),
        "vs": np.asarray(vs_grid, float),
        "dvp": np.asarray(dvp_grid, float) if free_dvp else np.array([ref["dvp"]]),
    }
    mesh = np.meshgrid(*grids.values(), indexing="ij")
    w = 1.0 / data["sigma_log10"].to_numpy(float) ** 2
    chi2 = np.zeros(mesh[0].shape)
    for i in range(len(p)):
        r = icb_reflection_modulus(model, p[i], *mesh)
        chi2 += w[i] * (np.log10(np.maximum(r, 1e-12)) - y[i]) ** 2
    mean, std = _marginals(chi2, grids)
    best_idx = np.unravel_index(np.argmin(chi2), chi2.shape)
    best = {k: float(g[i]) for (k, g), i in zip(grids.items(), best_idx, strict=True)}
    free = ("drho", "vs", "dvp") if free_dvp else ("drho", "vs")
    return IcbFit(best, mean, std, float(chi2.min()), len(data), model, ref, free, data)


def fit_table(fit: IcbFit) -> pd.DataFrame:
    """One row per ICB parameter: best, mean, std, model reference, whether it was free.

    Columns: parameter (drho g/cm^3, vs km/s, dvp km/s), best, mean, std, reference,
    free, n_obs, chi2_min, model; ``fit.data`` holds the observations used.
    """
    return pd.DataFrame(
        [
            {
                "parameter": k,
                "best": fit.best[k],
                "mean": fit.mean[k],
                "std": fit.std[k],
                "reference": fit.reference[k],
                "free": k in fit.free,
                "n_obs": fit.n_obs,
                "chi2_min": fit.chi2_min,
                "model": fit.model,
            }
            for k in ("drho", "vs", "dvp")
        ]
    )
