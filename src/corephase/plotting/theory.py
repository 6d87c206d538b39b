"""Maps of PKiKP-PcP residuals at the PKiKP bounce points on the inner-core boundary.

Two global maps (cartopy, Robinson): the amplitude-ratio residual log10(observed /
predicted PKiKP/PcP ratio) and the differential-time residual t(PKiKP) - t(PcP)
observed minus TauP, each point at its PKiKP bounce point (catalogue columns
``bounce_lat``/``bounce_lon``). These are the quantities whose quasi-hemispherical
pattern (east vs west of the inner core) earlier studies report (e.g. Waszek & Deuss
2011, 2015). :func:`plot_coda_excess` does the same for the PKiKP coda excess of the
coda stage (map at the bounce points and against distance), to compare with the
hemispherical pattern of Koper et al. (2004) and Leyton & Koper (2007). Positions in
degrees; written with :func:`corephase.plotting.style.save_figure`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure

from corephase.plotting.maps import add_coastlines, save_map
from corephase.plotting.style import FULL_WIDTH, new_figure

#: (column of :func:`corephase.analysis.ratios.pkikp_pcp_table`, colour-bar label).
PANELS = (
    ("ratio_resid_log10", "log10(observed / predicted PKiKP/PcP ratio)"),
    ("dt_resid_s", "PKiKP−PcP time residual, observed − model (s)"),
)


def per_pair(tab: pd.DataFrame, column: str) -> pd.DataFrame:
    """One row per (event, array): bounce point and the median of ``column`` over bands.

    ``tab`` is a :func:`corephase.analysis.ratios.pkikp_pcp_table` reduced to one stack
    (:func:`corephase.plotting.catalogue.one_stack`); the bands of a pair share its
    bounce point, so one marker per pair shows them all. Column ``n_masked``: the
    pair's bands whose PKiKP-PcP pick was masked.
    """
    masked = tab["dt_note"].astype(str).str.contains("masked")
    return (
        tab.assign(value=tab[column].astype(float), masked=masked)
        .groupby(["event", "array"], sort=True)
        .agg(
            bounce_lat=("bounce_lat", "first"),
            bounce_lon=("bounce_lon", "first"),
            value=("value", "median"),
            n_masked=("masked", "sum"),
        )
        .reset_index()
    )


def _draw_panel(fig, position, tab, column, label, coastline_dirs) -> dict:
    import cartopy.crs as ccrs

    ax = fig.add_subplot(2, 1, position, projection=ccrs.Robinson(central_longitude=150.0))
    ax.set_global()
    coast = add_coastlines(ax, coastline_dirs)
    ax.gridlines(linewidth=0.3, color="0.7")
    tab = per_pair(tab, column)
    vals = tab["value"].to_numpy(float)
    ok = np.isfinite(vals) & tab["bounce_lat"].notna().to_numpy()
    if ok.any():
        vmax = float(np.nanpercentile(np.abs(vals[ok]), 95)) or 1.0
        sc = ax.scatter(
            tab.loc[ok, "bounce_lon"],
            tab.loc[ok, "bounce_lat"],
            c=vals[ok],
            cmap="RdBu_r",
            vmin=-vmax,
            vmax=vmax,
            s=30,
            edgecolors="k",
            linewidths=0.3,
            transform=ccrs.PlateCarree(),
            zorder=3,
        )
        fig.colorbar(sc, ax=ax, label=label, shrink=0.8)
    else:
        ax.text(0.5, 0.5, "no residual to map", transform=ax.transAxes, ha="center")
    masked = int((tab["n_masked"] > 0).sum()) if column == "dt_resid_s" else 0
    note = f", {masked} with masked picks" if masked else ""
    ax.set_title(
        f"{label}\nat PKiKP ICB bounce points: median over bands, {int(ok.sum())} pairs{note}",
        fontsize=9,
    )
    return {"n": int(ok.sum()), "coastlines": coast}


def plot_residual_map(cat: pd.DataFrame, path, coastline_dirs=None) -> dict:
    """Map the PKiKP/PcP ratio and differential-time residuals at the PKiKP bounce points.

    Parameters
    ----------
    cat : DataFrame
        Catalogue from :func:`corephase.analysis.catalogue.build_catalogue` (one point
        per event, array, band and stack with both phases detected).
    path : path
        Output image, written atomically.
    coastline_dirs : sequence of path, optional
        See :func:`corephase.plotting.maps.add_coastlines` (never downloads).

    Returns
    -------
    dict
        ``n_ratio`` and ``n_time``: pairs mapped on each panel (one marker per
        event and array: the median over bands of the linear stack's values, see
        :func:`per_pair`); ``coastlines``.
    """
    from corephase.analysis.ratios import pkikp_pcp_table
    from corephase.plotting.catalogue import one_stack

    tab, which = one_stack(pkikp_pcp_table(cat))
    fig = new_figure(FULL_WIDTH, 7.6)
    fig.suptitle(f"PKiKP-PcP residuals of {which}")
    info = [
        _draw_panel(fig, i + 1, tab, col, label, coastline_dirs)
        for i, (col, label) in enumerate(PANELS)
    ]
    save_map(fig, path)
    return {"n_ratio": info[0]["n"], "n_time": info[1]["n"], "coastlines": info[0]["coastlines"]}


def coda_excess_table(coda: pd.DataFrame, cat: pd.DataFrame, phase: str = "PKiKP") -> pd.DataFrame:
    """Coda-excess rows of ``phase`` joined with their pair's distance and bounce point.

    ``coda`` is the coda stage's table (columns array, event_id, band, phase,
    coda_excess, coda_excess_lo, coda_excess_hi, coda_significant); ``cat`` the
    catalogue (distance_deg, bounce_lat, bounce_lon of ``phase`` per event and array).
    Rows without a finite excess are dropped.
    """
    need = ["array", "event_id", "band", "phase", "coda_excess", "coda_excess_lo"]
    need += ["coda_excess_hi", "coda_significant"]
    missing = [c for c in need if c not in coda.columns]
    if missing:
        raise ValueError(f"coda table is missing columns {missing}")
    rows = coda.loc[(coda["phase"] == phase) & np.isfinite(coda["coda_excess"]), need]
    rows = rows.rename(columns={"event_id": "event"}).astype({"event": str, "array": str})
    cols = ["event", "array", "distance_deg", "bounce_lat", "bounce_lon"]
    pts = cat.loc[cat["phase"] == phase, cols]
    pts = pts.astype({"event": str, "array": str}).drop_duplicates(["event", "array"])
    return rows.merge(pts, on=["event", "array"], how="left").reset_index(drop=True)


def plot_coda_excess(
    coda: pd.DataFrame, cat: pd.DataFrame, path, phase: str = "PKiKP", coastline_dirs=None
) -> dict:
    """Coda excess of ``phase`` at its bounce points (map) and against distance.

    Map: log10(coda excess) at each bounce point, as colour (filled: significant, i.e.
    the lower bound of its interval is above 1; open, coloured rim: not). Bottom: coda
    excess with its interval against epicentral distance (deg), log axis, 1 = no coda
    beyond the extrapolated trend. Returns ``n`` (rows drawn) and ``n_significant``.
    """
    import cartopy.crs as ccrs

    tab = coda_excess_table(coda, cat, phase)
    fig = Figure(figsize=(9, 9))
    ax = fig.add_subplot(2, 1, 1, projection=ccrs.Robinson(central_longitude=150.0))
    ax.set_global()
    add_coastlines(ax, coastline_dirs)
    ax.gridlines(linewidth=0.3, color="0.7")
    ax2 = fig.add_subplot(2, 1, 2)
    sig = tab["coda_significant"].astype(bool).to_numpy()
    on_map = tab["bounce_lat"].notna().to_numpy()
    if len(tab):
        logx = np.log10(tab["coda_excess"].clip(lower=1e-3))
        vmax = max(float(np.nanmax(np.abs(logx))), 0.1)
        sm = ScalarMappable(norm=Normalize(-vmax, vmax), cmap="RdBu_r")
        colours = sm.to_rgba(logx)
        for mask, filled in ((sig & on_map, True), (~sig & on_map, False)):
            ax.scatter(
                tab.loc[mask, "bounce_lon"],
                tab.loc[mask, "bounce_lat"],
                transform=ccrs.PlateCarree(),
                s=30,
                zorder=3,
                facecolors=colours[mask] if filled else "none",
                edgecolors="k" if filled else colours[mask],
                linewidths=0.4 if filled else 1.2,
            )
        fig.colorbar(sm, ax=ax, label=f"log10 {phase} coda excess", shrink=0.8)
        yerr = [
            np.clip(tab["coda_excess"] - tab["coda_excess_lo"], 0, None),
            np.clip(tab["coda_excess_hi"] - tab["coda_excess"], 0, None),
        ]
        ax2.errorbar(tab["distance_deg"], tab["coda_excess"], yerr=yerr, fmt="none", ecolor="0.5")
        ax2.scatter(tab.loc[sig, "distance_deg"], tab.loc[sig, "coda_excess"], c="C3", s=20,
                    label="significant", zorder=3)  # fmt: skip
        ax2.scatter(tab.loc[~sig, "distance_deg"], tab.loc[~sig, "coda_excess"], facecolors="none",
                    edgecolors="k", s=20, label="not significant", zorder=3)  # fmt: skip
        ax2.set_yscale("log")
        ax2.legend(fontsize=7)
    else:
        ax.text(0.5, 0.5, f"no {phase} coda excess measured", transform=ax.transAxes, ha="center")
    ax2.axhline(1.0, color="k", lw=0.8)
    ax2.set_xlabel("Epicentral distance (deg)")
    ax2.set_ylabel(f"{phase} coda excess (1 = trend only)")
    ax.set_title(f"{phase} coda excess at the bounce points (n = {int(on_map.sum())})", fontsize=9)
    save_map(fig, path)
    return {"n": len(tab), "n_significant": int(sig.sum())}
