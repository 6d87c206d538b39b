"""PKiKP-PcP pairs of the catalogue: differential times, amplitude ratios and predictions.

For every (event, array, band, stack) with both PKiKP and PcP detected, the
observed PKiKP-PcP differential time (s) and amplitude ratio with its interval
(from the two SNR intervals), beside the reference model's predicted ratio at
the band's centre frequency (:mod:`corephase.theory.ratios`) and the residuals.
The differential time uses each phase's clean pick ``t_pick_s``
(:mod:`corephase.analysis.picks`: clear of depth phases and coda); where either
pick is masked the time is NaN and ``pkikp_pcp_dt_note`` says why (tables
without clean picks fall back to the signal-window peak ``t_peak_s``, noted).
:func:`corephase.analysis.catalogue.build_catalogue` adds these columns.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

#: Ratio interval and model prediction of the PKiKP/PcP ratio (see :func:`_add_prediction`).
PREDICTION_COLUMNS = (
    "pkikp_pcp_amp_ratio_lo",
    "pkikp_pcp_amp_ratio_hi",
    "band_centre_hz",
    "pkikp_pcp_ratio_pred",
    "pkikp_pcp_ratio_resid_log10",
    "pred_coef_ratio",
    "pred_spreading_ratio",
    "pred_attenuation_ratio",
    "pred_r_icb",
    "pred_p_pkikp_s_deg",
)


def _ratio_interval(both: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Ratio interval from the two SNR intervals, as independent relative errors.

    The relative widths of each SNR interval are taken as its amplitude's and combined
    in quadrature in log space (PKiKP's upper with PcP's lower, and vice versa); a
    PKiKP interval reaching zero gives a lower bound of 0.
    """
    r = both["pkikp_pcp_amp_ratio"].to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        k_up = np.log(both["snr_hi_k"] / both["snr_k"]).to_numpy(float)
        k_dn = np.log(both["snr_k"] / both["snr_lo_k"]).to_numpy(float)
        c_up = np.log(both["snr_hi_c"] / both["snr_c"]).to_numpy(float)
        c_dn = np.log(both["snr_c"] / both["snr_lo_c"]).to_numpy(float)
        lo = np.where(both["snr_lo_k"] > 0, r * np.exp(-np.hypot(k_dn, c_up)), 0.0)
        hi = r * np.exp(np.hypot(k_up, c_dn))
    return lo, np.where(both["snr_lo_c"] > 0, hi, np.nan)


def band_centres(bands) -> dict[str, float]:
    """Geometric centre frequency (Hz) of each band.

    ``bands`` is a list of ``{name, fmin, fmax}`` records (the config's ``bands``) or a
    mapping name -> (fmin, fmax) in Hz.
    """
    if bands is None:
        return {}
    items = (
        bands.items()
        if isinstance(bands, Mapping)
        else [(b["name"], (b["fmin"], b["fmax"])) for b in bands]
    )
    return {str(k): float(np.sqrt(float(lo) * float(hi))) for k, (lo, hi) in items}


def _add_prediction(both: pd.DataFrame, model: str, centres: dict) -> pd.DataFrame:
    """Model PKiKP/PcP ratio at each row's distance, depth and band centre, and its residual."""
    from corephase.theory.ratios import predict_ratio

    both["band_centre_hz"] = both["band"].map(centres).astype(float)
    pred = predict_ratio(
        both["distance_deg"].to_numpy(float),
        both["event_depth_km"].to_numpy(float),
        both["band_centre_hz"].to_numpy(float),
        model,
    )
    both["pkikp_pcp_ratio_pred"] = pred["ratio"].to_numpy()
    for c in ("coef_ratio", "spreading_ratio", "attenuation_ratio", "r_icb", "p_pkikp_s_deg"):
        both[f"pred_{c}"] = pred[c].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        both["pkikp_pcp_ratio_resid_log10"] = np.log10(
            both["pkikp_pcp_amp_ratio"].where(both["pkikp_pcp_amp_ratio"] > 0)
            / both["pkikp_pcp_ratio_pred"]
        )
    return both


def _pick_times(both: pd.DataFrame, suffix: str, phase: str) -> tuple[pd.Series, pd.Series]:
    """A phase's pick (s after origin) per row and why it is missing or a fallback."""
    pick, peak = both[f"t_pick_s{suffix}"], both[f"t_peak_s{suffix}"]
    note = both[f"pick_note{suffix}"].fillna("").astype(str)
    masked = note.str.startswith("masked")
    fallback = pick.isna() & ~masked
    times = pick.where(~fallback, peak)
    why = pd.Series("", index=both.index, dtype=object)
    why[masked] = phase + " pick " + note[masked]
    why[fallback] = phase + ": signal-window peak (the table has no clean pick)"
    return times, why


#: ``amp_ratio_basis`` values, in order of preference: the direct pulses' amplitudes at
#: the clean picks, the peaks over the whole signal windows, the SNRs.
RATIO_BASES = ("pick_amplitude", "window_amplitude", "snr")


def _amplitude_ratio(both: pd.DataFrame):
    """PKiKP/PcP ratio per row and its basis (:data:`RATIO_BASES`, "" for none)."""
    ratio = pd.Series(np.nan, index=both.index)
    basis = pd.Series("", index=both.index, dtype=object)
    for name, k, c in (
        ("pick_amplitude", "amplitude_pick_k", "amplitude_pick_c"),
        ("window_amplitude", "amplitude_k", "amplitude_c"),
        ("snr", "snr_k", "snr_c"),
    ):
        num, den = both[k].astype(float), both[c].astype(float)
        use = (basis == "") & np.isfinite(num) & np.isfinite(den) & (den > 0)
        ratio[use] = num[use] / den[use]
        basis[use] = name
    return ratio.to_numpy(), basis.to_numpy()


def add_pkikp_pcp(df: pd.DataFrame, model: str = "ak135", centres: dict | None = None):
    """PKiKP-PcP differential time, amplitude ratio (with interval) and model prediction.

    Set where both phases are detected in the same band and stack; the prediction
    (:func:`corephase.theory.ratios.predict_ratio`) needs the band's centre frequency
    from ``centres`` (band name -> Hz) and is NaN for bands not in it.
    """
    grp = ["event", "array", "band", "stack"]
    val = ["t_peak_s", "t_pick_s", "pick_note", "t_theory_s", "amplitude", "amplitude_pick"]
    val += ["snr", "snr_lo", "snr_hi"]
    if "amplitude_pick" not in df.columns:  # tables made before the clean picks
        df = df.assign(amplitude_pick=np.nan)
    det = df[df["detected"]]
    k = det.loc[det["phase"] == "PKiKP", grp + val + ["distance_deg", "event_depth_km"]]
    c = det.loc[det["phase"] == "PcP", grp + val]
    both = k.merge(c, on=grp, suffixes=("_k", "_c"), validate="one_to_one")
    t_k, why_k = _pick_times(both, "_k", "PKiKP")
    t_c, why_c = _pick_times(both, "_c", "PcP")
    both["pkikp_pcp_dt_obs_s"] = t_k - t_c
    both["pkikp_pcp_dt_note"] = (why_k + "; " + why_c).str.strip("; ")
    both["pkikp_pcp_dt_theory_s"] = both["t_theory_s_k"] - both["t_theory_s_c"]
    both["pkikp_pcp_dt_resid_s"] = both["pkikp_pcp_dt_obs_s"] - both["pkikp_pcp_dt_theory_s"]
    ratio, basis = _amplitude_ratio(both)
    both["pkikp_pcp_amp_ratio"], both["amp_ratio_basis"] = ratio, basis
    both["pkikp_pcp_amp_ratio_lo"], both["pkikp_pcp_amp_ratio_hi"] = _ratio_interval(both)
    both = _add_prediction(both, model, centres or {})
    new = [
        "pkikp_pcp_dt_obs_s",
        "pkikp_pcp_dt_theory_s",
        "pkikp_pcp_dt_resid_s",
        "pkikp_pcp_dt_note",
        "pkikp_pcp_amp_ratio",
        "amp_ratio_basis",
        *PREDICTION_COLUMNS,
    ]
    both = both[grp + new]
    rows = pd.concat([both.assign(phase="PKiKP"), both.assign(phase="PcP")], ignore_index=True)
    rows["phase"] = rows["phase"].astype(df["phase"].dtype)
    out = df.merge(rows, on=[*grp, "phase"], how="left", validate="many_to_one")
    out.index = df.index
    return out


def pkikp_pcp_table(df: pd.DataFrame) -> pd.DataFrame:
    """One row per (event, array, band, stack) with both PKiKP and PcP detected.

    Columns: event, array, band, stack, distance_deg, event_depth_km, bounce_lat,
    bounce_lon (PKiKP's ICB bounce point), dt_obs_s, dt_theory_s, dt_resid_s
    (NaN where a pick is masked), dt_note,
    amp_ratio, amp_ratio_lo, amp_ratio_hi, amp_ratio_basis, band_centre_hz,
    ratio_pred, ratio_resid_log10, p_pkikp_s_deg (model PKiKP ray parameter, s/deg).
    """
    k = df[(df["phase"] == "PKiKP") & df["pkikp_pcp_dt_theory_s"].notna()]
    out = k[
        [
            "event",
            "array",
            "band",
            "stack",
            "distance_deg",
            "event_depth_km",
            "bounce_lat",
            "bounce_lon",
            "pkikp_pcp_dt_obs_s",
            "pkikp_pcp_dt_theory_s",
            "pkikp_pcp_dt_resid_s",
            "pkikp_pcp_dt_note",
            "pkikp_pcp_amp_ratio",
            "pkikp_pcp_amp_ratio_lo",
            "pkikp_pcp_amp_ratio_hi",
            "amp_ratio_basis",
            "band_centre_hz",
            "pkikp_pcp_ratio_pred",
            "pkikp_pcp_ratio_resid_log10",
            "pred_p_pkikp_s_deg",
        ]
    ].rename(
        columns={
            "pkikp_pcp_dt_obs_s": "dt_obs_s",
            "pkikp_pcp_dt_theory_s": "dt_theory_s",
            "pkikp_pcp_dt_resid_s": "dt_resid_s",
            "pkikp_pcp_dt_note": "dt_note",
            "pkikp_pcp_amp_ratio": "amp_ratio",
            "pkikp_pcp_amp_ratio_lo": "amp_ratio_lo",
            "pkikp_pcp_amp_ratio_hi": "amp_ratio_hi",
            "pkikp_pcp_ratio_pred": "ratio_pred",
            "pkikp_pcp_ratio_resid_log10": "ratio_resid_log10",
            "pred_p_pkikp_s_deg": "p_pkikp_s_deg",
        }
    )
    return out.reset_index(drop=True)
