"""A synthetic catalogue whose PKiKP/PcP amplitude ratios follow a chosen ICB.

Events on the equator at chosen distances west of one array at (0, 0); PcP amplitude 1
and PKiKP amplitude = the ratio predicted with the given ICB jumps (model ratio scaled by
|R_ICB(trial)| / |R_ICB(model)|), times log-normal noise of ``sigma_log10``; SNR
intervals whose relative widths give the ratio that noise as its 95% interval.
"""

import numpy as np
import pandas as pd

from corephase.analysis.catalogue import build_catalogue
from corephase.model.traveltimes import first_arrivals
from corephase.theory.inversion import icb_reflection_modulus, reference_icb
from corephase.theory.ratios import predict_ratio

BAND = {"name": "1-2Hz", "fmin": 1.0, "fmax": 2.0}


def synthetic_ratio_catalogue(distances, icb=None, sigma_log10=0.05, depth_km=100.0, seed=0):
    """(catalogue, true ratios) for events at ``distances`` (deg) and ICB jumps ``icb``."""
    rng = np.random.default_rng(seed)
    distances = np.asarray(distances, float)
    f0 = np.sqrt(BAND["fmin"] * BAND["fmax"])
    pred = predict_ratio(distances, depth_km, f0)
    true = pred["ratio"].to_numpy()
    if icb is not None:
        from corephase.theory.earth import interfaces

        r_icb = 6371.0 - interfaces().icb_depth_km
        p = pred["p_pkikp_s_deg"].to_numpy() * 180 / np.pi / r_icb
        true = (
            true
            * icb_reflection_modulus("ak135", p, **icb)
            / icb_reflection_modulus("ak135", p, **reference_icb())
        )
    obs = true * 10 ** rng.normal(0.0, sigma_log10, len(distances))
    half = 10 ** (1.96 * sigma_log10 / np.sqrt(2))  # each phase carries half the variance
    tables, metas = [], []
    for i, (d, amp) in enumerate(zip(distances, obs, strict=True)):
        ev = f"ev{i:03d}"
        arr = first_arrivals(depth_km, d, ["PcP", "PKiKP"])
        rows = []
        for phase, a in (("PcP", 1.0), ("PKiKP", amp)):
            t = arr[phase].time
            rows.append(
                dict(event=ev, array="AR", phase=phase, band=BAND["name"], stack="linear",
                     t_theory_s=t, slowness_theory_s_deg=arr[phase].slowness_s_deg,
                     baz_theory_deg=270.0, snr=10.0, snr_lo=10.0 / half, snr_hi=10.0 * half,
                     slowness_obs_s_deg=arr[phase].slowness_s_deg, slowness_err_s_deg=0.1,
                     baz_obs_deg=270.0, baz_err_deg=1.0, t_peak_s=t, coherence=0.5,
                     detected=True, decided_by="snr", reason="", n_elements=10, amplitude=a)
            )  # fmt: skip
        tables.append(pd.DataFrame(rows))
        metas.append(
            dict(event=ev, array="AR", event_lat=0.0, event_lon=-d, event_depth_km=depth_km,
                 array_lat=0.0, array_lon=0.0, distance_deg=d, status="ok")
        )  # fmt: skip
    return build_catalogue(tables, metas, bands=[BAND]), true
