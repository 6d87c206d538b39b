"""Maps of PKiKP-PcP residuals at the PKiKP bounce points on the inner-core boundary.

Two global maps (cartopy, Robinson): the amplitude-ratio residual log10(observed /
predicted PKiKP/PcP ratio) and the differential-time residual t(PKiKP) - t(PcP)
observed minus TauP, each point at its PKiKP bounce point (catalogue columns
``bounce_lat``/``bounce_lon``). These are the quantities whose quasi-hemispherical
pattern (east vs west of the inner core) earlier studies report (e.g. Waszek & Deuss
2011, 2015). Positions in degrees; written with :func:`corephase.plotting.style.save_figure`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from corephase.plotting.maps import _save_map, add_coastlines

#: (column of :func:`corephase.analysis.catalogue.pkikp_pcp_table`, colour-bar label).
PANELS = (
    ("ratio_resid_log10", "log10(observed / predicted PKiKP/PcP ratio)"),
    ("dt_resid_s", "PKiKP−PcP time residual, observed − model (s)"),
)


def _draw_panel(fig, position, tab, column, label, coastline_dirs) -> dict:
    import cartopy.crs as ccrs

    ax = fig.add_subplot(2, 1, position, projection=ccrs.Robinson(central_longitude=150.0))
    ax.set_global()
    coast = add_coastlines(ax, coastline_dirs)
    ax.gridlines(linewidth=0.3, color="0.7")
    vals = tab[column].to_numpy(float)
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
    ax.set_title(f"{label} at PKiKP ICB bounce points (n = {int(ok.sum())})", fontsize=9)
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
        ``n_ratio`` and ``n_time``: points mapped on each panel; ``coastlines``.
    """
    from corephase.analysis.catalogue import pkikp_pcp_table

    tab = pkikp_pcp_table(cat)
    fig = Figure(figsize=(9, 9))
    info = [
        _draw_panel(fig, i + 1, tab, col, label, coastline_dirs)
        for i, (col, label) in enumerate(PANELS)
    ]
    _save_map(fig, path)
    return {"n_ratio": info[0]["n"], "n_time": info[1]["n"], "coastlines": info[0]["coastlines"]}
