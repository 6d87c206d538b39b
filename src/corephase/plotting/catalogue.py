"""Summary figures of the global detection catalogue (matplotlib, Agg canvas).

Number of arrays with a detection against epicentral distance, and PKiKP-PcP
differential times and amplitude ratios against distance, each with its model
prediction (TauP times; :mod:`corephase.theory` ratios) and residuals. Distances in
degrees, times in s; written with :func:`corephase.plotting.style.save_figure`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter, LogLocator

from corephase.plotting.style import (
    COLUMN_WIDTH,
    FULL_WIDTH,
    new_figure,
    phase_color,
    save_figure,
)


def _histogram_bins(distances, bin_width_deg: float, distance_range_deg) -> np.ndarray:
    """Bin edges (deg) over the configured distance range, widened to hold every distance."""
    lo, hi = (0.0, 180.0) if distance_range_deg is None else map(float, distance_range_deg)
    lo = min(lo, float(np.min(distances)))
    hi = max(hi, float(np.max(distances)))
    lo = np.floor(lo / bin_width_deg) * bin_width_deg
    hi = max(np.ceil(hi / bin_width_deg) * bin_width_deg, lo + bin_width_deg)
    return np.arange(lo, hi + bin_width_deg / 2, bin_width_deg)


def plot_detection_histogram(
    cat: pd.DataFrame,
    path,
    phase: str = "PKiKP",
    bin_width_deg: float = 5.0,
    distance_range_deg=None,
) -> dict:
    """Histogram of the number of arrays with a ``phase`` detection vs epicentral distance.

    Each (event, array) pair counts once (detected in any band or stack). Bars:
    pairs with a detection; outline: all pairs analysed. The axis spans
    ``distance_range_deg`` (the study's configured (min, max) distance, deg;
    default 0-180), widened to whole bins and to any pair outside it. Returns
    ``bins`` (deg), ``detected`` and ``total`` counts per bin.
    """
    from corephase.analysis.catalogue import detections_per_pair

    if bin_width_deg <= 0:
        raise ValueError(f"bin_width_deg must be positive, got {bin_width_deg}")
    per = detections_per_pair(cat, phase)
    if per.empty:
        raise ValueError("catalogue has no (event, array) pairs")
    bins = _histogram_bins(per["distance_deg"], bin_width_deg, distance_range_deg)
    total, _ = np.histogram(per["distance_deg"], bins)
    det, _ = np.histogram(per.loc[per["detected"], "distance_deg"], bins)
    fig = new_figure(COLUMN_WIDTH * 1.4, 3.2)
    ax = fig.add_subplot(1, 1, 1)
    ax.bar(
        bins[:-1],
        det,
        width=bin_width_deg,
        align="edge",
        color=phase_color(phase),
        edgecolor="k",
        linewidth=0.4,
        label=f"{phase} detected ({det.sum()})",
    )
    ax.stairs(total, bins, color="k", linewidth=1.0, label=f"pairs analysed ({total.sum()})")
    ax.set_xlabel("Epicentral distance (deg)")
    ax.set_ylabel("Number of arrays (event-array pairs)")
    ax.set_xlim(bins[0], bins[-1])
    ax.set_ylim(0, max(int(total.max()), 1) * 1.15)
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.legend(loc="upper left")
    ax.set_title(f"{phase} detections vs distance ({bin_width_deg:g} deg bins)")
    fig.subplots_adjust(left=0.14, right=0.97, bottom=0.15, top=0.9)
    save_figure(fig, path)
    return {"bins": bins, "detected": det, "total": total}


def pkikp_pcp_prediction(distances_deg, depth_km: float, model: str = "ak135") -> np.ndarray:
    """TauP PKiKP minus PcP travel time (s) at each distance; NaN where either is missing."""
    from corephase.model.traveltimes import first_arrivals

    out = []
    for d in np.atleast_1d(np.asarray(distances_deg, float)):
        a = first_arrivals(depth_km, d, ["PKiKP", "PcP"], model)
        out.append(a["PKiKP"].time - a["PcP"].time if len(a) == 2 else np.nan)
    return np.array(out)


def pkikp_pcp_curve(grid_deg, depth_km: float, model: str = "ak135", knot_deg: float = 5.0):
    """:func:`pkikp_pcp_prediction` on a fine distance grid (s), from TauP at knots
    ``knot_deg`` apart and SciPy's cubic spline through them (within 1e-3 s of TauP at
    every degree for 10-70 deg at 100 km depth); NaN outside the knots where both
    phases exist."""
    from scipy.interpolate import CubicSpline

    grid = np.asarray(grid_deg, float)
    knots = np.arange(grid.min(), grid.max() + knot_deg, knot_deg)
    dt = pkikp_pcp_prediction(knots, depth_km, model)
    ok = np.isfinite(dt)
    out = np.full(grid.shape, np.nan)
    if ok.sum() < 4:
        return pkikp_pcp_prediction(grid, depth_km, model)
    inside = (grid >= knots[ok].min()) & (grid <= knots[ok].max())
    out[inside] = CubicSpline(knots[ok], dt[ok])(grid[inside])
    return out


#: Stack whose beams keep amplitudes (linear): the one plotted where the catalogue has it.
AMPLITUDE_STACK = "linear"


def one_stack(tab: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """Rows of :data:`AMPLITUDE_STACK` when present (else all), and a label saying which.

    The stacks of one pair and band share their picks and differ in amplitude
    (phase-weighted and nth-root stacks do not keep amplitudes), so drawing every
    stack repeats one measurement; the linear stack's ratio is the physical one.
    """
    if "stack" in tab.columns and (tab["stack"] == AMPLITUDE_STACK).any():
        return tab[tab["stack"] == AMPLITUDE_STACK], f"{AMPLITUDE_STACK} beams"
    stacks = sorted(set(tab["stack"].dropna())) if "stack" in tab.columns else []
    return tab, ("stacks " + ", ".join(stacks)) if stacks else "no stack"


def _curve_depths(tab, cat) -> tuple[pd.Series, list]:
    """Source depths of the points, and the depths (km) of the predicted curves."""
    depths = tab["event_depth_km"] if not tab.empty else cat["event_depth_km"].dropna()
    dmed = float(np.median(depths)) if len(depths) else 0.0
    curve_depths = [dmed]
    if len(depths) and depths.max() - depths.min() > 50:
        curve_depths += sorted({float(depths.min()), float(depths.max())} - {dmed})
    return depths, curve_depths


def _scatter_style(tab, depths) -> dict:
    style = {
        "c": tab["event_depth_km"],
        "cmap": "viridis",
        "s": 22,
        "edgecolors": "k",
        "linewidths": 0.3,
        "zorder": 3,
    }
    if len(depths):
        style["vmin"], style["vmax"] = float(depths.min()), float(depths.max()) + 1e-6
    return style


def _observed_panels(fig, axes, tab, depths, model: str) -> tuple[float, set]:
    """Observed times, ratios and residuals coloured by depth; returns RMS residual and bases."""
    ax1, ax2, ax3, ax4 = axes
    # the catalogue's own residual: observed minus the pair's TauP times (no TauP here)
    resid = tab["dt_resid_s"].to_numpy(float)
    rms = float(np.sqrt(np.nanmean(resid**2)))
    style = _scatter_style(tab, depths)
    sc = ax1.scatter(tab["distance_deg"], tab["dt_obs_s"], label="observed", **style)
    ax2.scatter(tab["distance_deg"], resid, **style)
    ax2.axhline(0.0, color="k", lw=0.8)
    pos = (tab["amp_ratio"] > 0).to_numpy()
    obs = tab[pos]
    lo = np.clip(obs["amp_ratio"] - obs["amp_ratio_lo"].fillna(obs["amp_ratio"]), 0, None)
    hi = np.clip(obs["amp_ratio_hi"].fillna(obs["amp_ratio"]) - obs["amp_ratio"], 0, None)
    ax3.errorbar(
        obs["distance_deg"], obs["amp_ratio"], yerr=[lo, hi], fmt="none", ecolor="0.5", lw=0.6
    )
    ax3.scatter(obs["distance_deg"], obs["amp_ratio"], **{**style, "c": obs["event_depth_km"]})
    ax3.set_yscale("log")
    res = tab["ratio_resid_log10"].to_numpy(float)
    ok = np.isfinite(res)
    ax4.scatter(
        tab.loc[ok, "distance_deg"], res[ok], **{**style, "c": tab.loc[ok, "event_depth_km"]}
    )
    ax4.axhline(0.0, color="k", lw=0.8)
    fig.colorbar(sc, ax=list(axes), label="Source depth (km)", shrink=0.9)
    n_t = int(np.isfinite(resid).sum())
    masked = int(tab["dt_note"].astype(str).str.contains("masked").sum())
    note = f"; {masked} masked picks" if masked else ""
    ax2.set_title(f"Observed − {model}: RMS {rms:.2f} s, n = {n_t}{note}", fontsize=9)
    rr = float(np.sqrt(np.mean(res[ok] ** 2))) if ok.any() else np.nan
    ax4.set_title(f"log10(observed / {model}): RMS {rr:.2f}, n = {int(ok.sum())}", fontsize=9)
    return rms, set(tab["amp_ratio_basis"]) - {""}


def _ratio_label(bases: set) -> str:
    if bases == {"pick_amplitude"}:
        return "PKiKP/PcP amplitude ratio\n(direct pulses, dimensionless)"
    if bases <= {"pick_amplitude", "window_amplitude"}:
        return "PKiKP/PcP amplitude ratio (dimensionless)"
    if bases == {"snr"}:
        return "PKiKP/PcP SNR ratio (dimensionless)"
    return "PKiKP/PcP amplitude (or SNR) ratio (dimensionless)"


def _distance_limits(tab, max_distance_deg: float) -> tuple[float, float]:
    """Distance axis (deg): the observed distances with 10 deg margins, within 0 to the max."""
    if tab.empty:
        return 0.0, float(max_distance_deg)
    lo = max(0.0, 10.0 * np.floor(tab["distance_deg"].min() / 10.0) - 10.0)
    hi = min(float(max_distance_deg), 10.0 * np.ceil(tab["distance_deg"].max() / 10.0) + 10.0)
    return lo, max(hi, lo + 20.0)


def _prediction_curves(ax1, ax3, tab, curve_depths, model, xlim) -> list:
    """TauP differential-time curves and predicted ratio curves; returns the frequencies used."""
    from corephase.theory.ratios import predict_ratio

    grid = np.arange(max(xlim[0], 1.0), xlim[1] + 0.5, 1.0)
    freqs = sorted(set(tab["band_centre_hz"].dropna())) if not tab.empty else []
    for k, d in enumerate(curve_depths):
        ls = ("-", "--", ":")[k % 3]
        label = f"{model}, depth {d:.0f} km"
        ax1.plot(grid, pkikp_pcp_curve(grid, d, model), ls, color="k", lw=1, label=label)
        for j, f in enumerate(freqs):
            ax3.plot(
                grid,
                predict_ratio(grid, d, f, model)["ratio"],
                ls,
                color=f"C{j}",
                lw=1,
                label=f"{model}, {f:.2g} Hz" if k == 0 else None,
            )
    return freqs


def plot_pkikp_pcp(
    cat: pd.DataFrame, path, model: str = "ak135", max_distance_deg: float = 100.0
) -> dict:
    """PKiKP-PcP differential times and amplitude ratios vs distance, with predictions.

    Top left: observed t(PKiKP) - t(PcP) (s) beside the TauP ``model`` curve for the
    median source depth (dashed: shallowest and deepest event). Top right:
    observed minus predicted differential time, each point against the prediction
    for its own source depth and distance. Bottom left: observed amplitude ratios
    (or SNR ratios, as labelled) with their intervals, on a log axis, beside the
    ratio predicted by :func:`corephase.theory.ratios.predict_ratio` (ICB/CMB
    plane-wave coefficients, spreading, attenuation) at each band's centre
    frequency (colour; line style: depth, as in the top left). Bottom right:
    log10(observed / predicted ratio), each point against its own distance,
    depth and band.

    One point per (event, array, band): the linear stack's where the catalogue
    has it (:func:`one_stack`). The distance axis spans the observations with
    10 deg margins (up to ``max_distance_deg``). Pairs whose pick is masked
    (``dt_note``) keep their ratio and are counted in the time panel's title.

    Returns
    -------
    dict
        ``n`` (points plotted), ``depths_km`` (depths of the curves), ``freqs_hz``
        (band centres of the ratio curves), ``rms_resid_s`` (RMS observed minus
        predicted time) and ``rms_ratio_resid_log10`` (NaN when nothing plotted).
    """
    from corephase.analysis.ratios import pkikp_pcp_table

    tab, which = one_stack(pkikp_pcp_table(cat))
    fig = new_figure(FULL_WIDTH, 5.6, layout="constrained")
    axes = [fig.add_subplot(2, 2, i) for i in (1, 2, 3, 4)]
    ax1, ax2, ax3, ax4 = axes
    depths, curve_depths = _curve_depths(tab, cat)
    xlim = _distance_limits(tab, max_distance_deg)
    freqs = _prediction_curves(ax1, ax3, tab, curve_depths, model, xlim)
    rms, bases = np.nan, set()
    if not tab.empty:
        rms, bases = _observed_panels(fig, axes, tab, depths, model)
    else:
        for a in axes:
            a.text(
                0.5,
                0.5,
                "no pair with both PKiKP and PcP detected",
                transform=a.transAxes,
                ha="center",
                fontsize=9,
            )
        ax2.set_title(f"Observed − {model}", fontsize=9)
    for a in axes:
        a.set_xlabel("Epicentral distance (deg)")
        a.set_xlim(*xlim)
    ax1.set_ylabel("t(PKiKP) − t(PcP) (s)")
    ax1.legend(fontsize=7)
    ax1.set_title("PKiKP−PcP differential time", fontsize=9)
    ax2.set_ylabel("Differential-time residual (s)")
    ax3.set_ylabel(_ratio_label(bases))
    ax3.set_title("PKiKP/PcP ratio and prediction", fontsize=9)
    if ax3.get_yscale() == "log":
        ax3.yaxis.set_minor_locator(LogLocator(subs=(2.0, 5.0)))
        for axis in (ax3.yaxis.set_major_formatter, ax3.yaxis.set_minor_formatter):
            axis(FuncFormatter(lambda v, _: f"{v:g}"))  # 0.05, 0.1, 0.2 rather than 5×10⁻²
    fig.suptitle(f"PKiKP and PcP picks and amplitudes of {which}, one point per pair and band")
    if freqs:
        ax3.legend(fontsize=7, loc="lower left", title="line style: depth as above")
    ax4.set_ylabel("log10(observed / predicted ratio)")
    res = tab["ratio_resid_log10"].to_numpy(float) if not tab.empty else np.array([])
    ok = np.isfinite(res)
    save_figure(fig, path)
    return {
        "n": len(tab),
        "depths_km": curve_depths,
        "freqs_hz": freqs,
        "rms_resid_s": rms,
        "rms_ratio_resid_log10": float(np.sqrt(np.mean(res[ok] ** 2))) if ok.any() else np.nan,
    }
