"""Maps and summary figures of the global detection catalogue.

Maps (cartopy): events as stars, arrays as triangles, great-circle source-array
paths, PKiKP bounce points on the inner-core boundary (circles) and PcP bounce
points on the core-mantle boundary (squares), filled when the phase is detected
in any band and stack, open otherwise.

Coastlines never require the network unless asked to: :func:`find_coastline_data`
looks for GSHHS or Natural Earth shapefiles already on disk (Debian's
``python-cartopy-data`` installs GSHHS coarse coastlines under
``/usr/share/cartopy/data/shapefiles/gshhs/c/GSHHS_c_L1.shp``), points
``cartopy.config['pre_existing_data_dir']`` there and draws them. Without local
data the map is drawn without coastlines and a warning is logged, unless
``allow_download=True``, in which case cartopy may fetch Natural Earth
coastlines (failures are logged and the map is drawn without them).

The summary figures of the catalogue are in :mod:`corephase.plotting.catalogue`.
Maps are :class:`matplotlib.figure.Figure` objects on the Agg canvas, written
with :func:`corephase.plotting.style.save_figure`. Positions in degrees.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from corephase.model.bounce import bounce_point
from corephase.plotting.style import save_figure

log = logging.getLogger(__name__)

#: Where GSHHS / Natural Earth shapefiles are looked for, after cartopy's own config dirs.
SYSTEM_DATA_DIRS = ("/usr/share/cartopy/data", "/usr/share/cartopy", "/usr/local/share/cartopy")

#: Relative shapefile paths tried in each data dir, in order.
_COASTLINE_FILES = (
    ("gshhs", Path("shapefiles/gshhs/c/GSHHS_c_L1.shp")),
    ("natural_earth", Path("shapefiles/natural_earth/physical/ne_110m_coastline.shp")),
)

NORTH_AMERICAN_ARRAYS = ("ILAR", "IMAR", "BCAR", "YKA", "NVAR", "PDAR", "TXAR")
AUSTRALIAN_ARRAYS = ("ASAR", "WRA", "PSAR")

#: Named map views. ``arrays``: arrays to show (None = all); ``event_near``:
#: (lat, lon, radius_deg) to keep only events near a point; ``global``: whole Earth.
REGIONS: dict[str, dict] = {
    "global": {"global": True, "arrays": None, "event_near": None},
    "aleutian-north-america": {
        "global": False,
        "arrays": NORTH_AMERICAN_ARRAYS,
        "event_near": (51.95, 178.58, 3.0),  # 2014-06-23 Mw 7.9 Rat Islands
    },
    "australia": {"global": False, "arrays": AUSTRALIAN_ARRAYS, "event_near": None},
}

PHASE_STYLE = {
    "PKiKP": {"marker": "o", "color": "#c0392b", "label": "PKiKP bounce (ICB)"},
    "PcP": {"marker": "s", "color": "#2471a3", "label": "PcP bounce (CMB)"},
}


# --------------------------------------------------------------------------- coastlines


def find_coastline_data(search_dirs: Sequence | None = None) -> tuple[str, Path] | None:
    """Find coastline shapefiles on disk.

    Parameters
    ----------
    search_dirs : sequence of path, optional
        Data directories laid out like cartopy's (``shapefiles/gshhs/c/...``).
        Default: ``$CARTOPY_DATA_DIR``, ``cartopy.config['pre_existing_data_dir']``,
        ``cartopy.config['data_dir']`` and :data:`SYSTEM_DATA_DIRS`.

    Returns
    -------
    (kind, data_dir) or None
        ``kind`` is ``"gshhs"`` or ``"natural_earth"``; ``data_dir`` the folder to
        use as ``cartopy.config['pre_existing_data_dir']``.
    """
    if search_dirs is None:
        import cartopy

        search_dirs = [
            os.environ.get("CARTOPY_DATA_DIR"),
            cartopy.config.get("pre_existing_data_dir"),
            cartopy.config.get("data_dir"),
            *SYSTEM_DATA_DIRS,
        ]
    for d in search_dirs:
        if not d or str(d) in ("", "."):
            continue
        d = Path(d)
        for kind, rel in _COASTLINE_FILES:
            shp = d / rel
            if shp.is_file() and shp.with_suffix(".shx").is_file():
                return kind, d
    return None


def add_coastlines(
    ax, search_dirs: Sequence | None = None, allow_download: bool = False, linewidth=0.5
) -> str:
    """Draw coastlines on a cartopy GeoAxes without touching the network unless allowed.

    Returns a short description of what was drawn: ``"gshhs:<dir>"``,
    ``"natural_earth:<dir>"``, ``"natural_earth:download"`` or ``"none"`` (a
    warning is logged in that case).
    """
    import cartopy
    import cartopy.feature as cfeature

    found = find_coastline_data(search_dirs)
    style = {"edgecolor": "0.35", "facecolor": "none", "linewidth": linewidth, "zorder": 1}
    if found is not None:
        kind, d = found
        cartopy.config["pre_existing_data_dir"] = d
        if kind == "gshhs":
            feature = cfeature.GSHHSFeature(scale="c", levels=[1], **style)
        else:
            feature = cfeature.NaturalEarthFeature("physical", "coastline", "110m", **style)
        ax.add_feature(feature)
        return f"{kind}:{d}"
    if allow_download:
        feature = cfeature.NaturalEarthFeature("physical", "coastline", "110m", **style)
        try:
            n = sum(1 for _ in feature.geometries())  # fetches now, not while saving
        except Exception as exc:  # network or archive errors of any kind
            log.warning("coastlines not drawn: download of Natural Earth data failed (%s)", exc)
            return "none"
        if n:
            ax.add_feature(feature)
            return "natural_earth:download"
    log.warning(
        "coastlines not drawn: no GSHHS or Natural Earth shapefiles found "
        "(install Debian's python-cartopy-data or set CARTOPY_DATA_DIR)"
    )
    return "none"


# --------------------------------------------------------------------------- map data


def _unwrap(lon, centre):
    return (np.asarray(lon, float) - centre + 180.0) % 360.0 - 180.0 + centre


def _circular_mean_lon(lon) -> float:
    r = np.radians(np.asarray(lon, float))
    return float(np.degrees(np.arctan2(np.sin(r).mean(), np.cos(r).mean())))


def _angle_deg(lat1, lon1, lat2, lon2):
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dl = np.radians(np.asarray(lon2) - np.asarray(lon1))
    c = np.sin(p1) * np.sin(p2) + np.cos(p1) * np.cos(p2) * np.cos(dl)
    return np.degrees(np.arccos(np.clip(c, -1.0, 1.0)))


def great_circle_track(lat1, lon1, lat2, lon2, n: int = 65) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points (lat, lon in degrees) along the minor great-circle arc from 1 to 2."""
    from corephase.model.bounce import great_circle_point, spherical_azimuth

    az = spherical_azimuth(lat1, lon1, lat2, lon2)
    dist = float(_angle_deg(lat1, lon1, lat2, lon2))
    pts = [great_circle_point(lat1, lon1, az, f * dist) for f in np.linspace(0.0, 1.0, n)]
    lat, lon = np.array(pts).T
    return lat, _unwrap(lon, lon1)


def map_table(
    cat: pd.DataFrame,
    phases: Sequence[str] = ("PKiKP", "PcP"),
    model: str = "ak135",
) -> pd.DataFrame:
    """One row per (event, array, phase) for mapping.

    Columns: event, array, phase, event_lat, event_lon, event_depth_km,
    array_lat, array_lon, distance_deg, detected (any band/stack), bounce_lat,
    bounce_lon, bounce_depth_km. Bounce points come from the catalogue when
    present, else from :func:`corephase.model.bounce.bounce_point`. Pairs without a
    row for a phase appear with detected=False.
    """
    need = ["event", "array", "event_lat", "event_lon", "event_depth_km", "array_lat", "array_lon"]
    missing = [c for c in [*need, "phase", "detected", "distance_deg"] if c not in cat.columns]
    if missing:
        raise ValueError(f"catalogue lacks columns {missing} needed for maps")
    pairs = cat.groupby(["event", "array"], sort=True, as_index=False).first()[
        [*need, "distance_deg"]
    ]
    rows = []
    for ph in phases:
        sub = cat[cat["phase"] == ph]
        det = sub.groupby(["event", "array"])["detected"].any()
        bcols = [c for c in ("bounce_lat", "bounce_lon", "bounce_depth_km") if c in sub.columns]
        bnc = sub.groupby(["event", "array"])[bcols].first() if bcols else None
        for p in pairs.itertuples(index=False):
            k = (p.event, p.array)
            b = (np.nan, np.nan, np.nan)
            if bnc is not None and len(bcols) == 3 and k in bnc.index:
                b = tuple(bnc.loc[k])
            if not np.all(np.isfinite(b)):
                try:
                    b = bounce_point(
                        p.event_lat,
                        p.event_lon,
                        p.event_depth_km,
                        p.array_lat,
                        p.array_lon,
                        ph,
                        model=model,
                    )
                except ValueError:
                    b = (np.nan, np.nan, np.nan)
            rows.append(
                {
                    **p._asdict(),
                    "phase": ph,
                    "detected": bool(det.get(k, False)),
                    "bounce_lat": b[0],
                    "bounce_lon": b[1],
                    "bounce_depth_km": b[2],
                }
            )
    return pd.DataFrame(rows)


def select_region(mt: pd.DataFrame, region: str | dict) -> pd.DataFrame:
    """Rows of a :func:`map_table` belonging to ``region`` (a :data:`REGIONS` name or spec)."""
    spec = REGIONS[region] if isinstance(region, str) else region
    if isinstance(region, str) and region not in REGIONS:
        raise ValueError(f"unknown region {region!r}; known: {sorted(REGIONS)}")
    out = mt
    if spec.get("arrays"):
        out = out[out["array"].isin(list(spec["arrays"]))]
    if spec.get("event_near"):
        lat, lon, r = spec["event_near"]
        out = out[_angle_deg(lat, lon, out["event_lat"], out["event_lon"]) <= r]
    return out


# --------------------------------------------------------------------------- map


def _map_data(cat, spec: dict, region, phases, arrays, model):
    """Map table of the region, its events, arrays (with the extra ones) and source-array pairs."""
    mt = select_region(map_table(cat, phases, model), spec)
    extra = None
    if arrays is not None:
        missing = [c for c in ("array", "lat", "lon") if c not in arrays.columns]
        if missing:
            raise ValueError(f"arrays table lacks columns {missing}")
        extra = arrays
        if spec.get("arrays"):
            extra = extra[extra["array"].isin(list(spec["arrays"]))]
    if mt.empty and (extra is None or extra.empty):
        raise ValueError(f"nothing to map for region {region!r}")
    ev = mt.groupby("event", sort=True)[["event_lat", "event_lon"]].first()
    ar = mt.groupby("array", sort=True)[["array_lat", "array_lon"]].first()
    ar = ar.rename(columns={"array_lat": "lat", "array_lon": "lon"})
    if extra is not None:
        ex = extra.groupby("array")[["lat", "lon"]].first()
        ar = pd.concat([ar, ex[~ex.index.isin(ar.index)]])
    return mt, ev, ar, mt.drop_duplicates(["event", "array"])


def _map_view(spec: dict, mt, ev, ar):
    """Projection, extent (lon0, lon1, lat0, lat1 or None for global) and figure size (in)."""
    import cartopy.crs as ccrs

    if spec.get("global", False):
        return ccrs.Robinson(central_longitude=150.0), None, (11.0, 6.0)
    all_lon = np.concatenate([ev["event_lon"], ar["lon"], mt["bounce_lon"].dropna()])
    all_lat = np.concatenate([ev["event_lat"], ar["lat"], mt["bounce_lat"].dropna()])
    centre = _circular_mean_lon(all_lon)
    lons = _unwrap(all_lon, centre)
    pad = 5.0
    extent = (
        float(lons.min() - pad),
        float(lons.max() + pad),
        float(max(all_lat.min() - pad, -89.0)),
        float(min(all_lat.max() + pad, 89.0)),
    )
    aspect = (extent[1] - extent[0]) / max(extent[3] - extent[2], 1.0)
    figsize = (10.0, float(np.clip(10.0 / aspect + 0.8, 4.0, 11.0)))
    return ccrs.PlateCarree(central_longitude=centre), extent, figsize


def _draw_bounces(ax, mt, phases) -> tuple[dict, dict]:
    """Bounce points per phase (filled: detected); returns counts drawn and detected."""
    import cartopy.crs as ccrs

    n_bounce, n_detected = {}, {}
    # later phases are drawn smaller and on top so that coincident points stay visible
    for k, ph in enumerate(reversed(list(phases))):
        st = PHASE_STYLE.get(ph, {"marker": "D", "color": "k", "label": f"{ph} bounce"})
        sub = mt[(mt["phase"] == ph) & mt["bounce_lat"].notna()]
        n_bounce[ph] = len(sub)
        n_detected[ph] = int(sub["detected"].sum())
        d, nd = sub[sub["detected"]], sub[~sub["detected"]]
        size = 70.0 / (1 + 1.2 * k)
        for part, det in ((nd, False), (d, True)):
            if part.empty:
                continue
            ax.scatter(
                part["bounce_lon"],
                part["bounce_lat"],
                marker=st["marker"],
                s=size,
                facecolors=st["color"] if det else "white",
                edgecolors="k" if det else st["color"],
                linewidths=0.6 if det else 1.0,
                transform=ccrs.PlateCarree(),
                zorder=4 + k,
                label=f"{st['label']}, {'detected' if det else 'not detected'} ({len(part)})",
            )
    return n_bounce, n_detected


def _draw_sites(ax, ev, ar, pairs) -> None:
    """Great-circle paths, events (stars) and labelled arrays (triangles)."""
    import cartopy.crs as ccrs

    geo, pc = ccrs.Geodetic(), ccrs.PlateCarree()
    for p in pairs.itertuples(index=False):
        glat, glon = great_circle_track(p.event_lat, p.event_lon, p.array_lat, p.array_lon)
        ax.plot(glon, glat, color="0.55", lw=0.6, alpha=0.7, transform=geo, zorder=2)
    common = {"edgecolors": "k", "linewidths": 0.7, "transform": pc, "zorder": 8}
    ax.scatter(
        ev["event_lon"],
        ev["event_lat"],
        marker="*",
        s=180,
        c="gold",
        label=f"events ({len(ev)})",
        **common,
    )
    ax.scatter(
        ar["lon"], ar["lat"], marker="^", s=90, c="#1e8449", label=f"arrays ({len(ar)})", **common
    )
    for name, r in ar.iterrows():
        ax.annotate(
            str(name),
            xy=(r["lon"], r["lat"]),
            xycoords=pc._as_mpl_transform(ax),
            xytext=(4, 4),
            textcoords="offset points",
            fontsize=7,
            zorder=7,
        )


def _save_map(fig, path) -> None:
    """Save a map, silencing pyshp's warnings about hole-only GSHHS rings (harmless)."""
    shp_log = logging.getLogger("shapefile")
    level = shp_log.level
    shp_log.setLevel(logging.ERROR)
    try:
        save_figure(fig, path, tight=True)
    finally:
        shp_log.setLevel(level)


def plot_map(
    cat: pd.DataFrame,
    path,
    region: str | dict = "global",
    phases: Sequence[str] = ("PKiKP", "PcP"),
    arrays: pd.DataFrame | None = None,
    model: str = "ak135",
    coastline_dirs: Sequence | None = None,
    allow_download: bool = False,
    title: str | None = None,
) -> dict:
    """Draw a map of events, arrays, ray paths and bounce points and write it to ``path``.

    Parameters
    ----------
    cat : DataFrame
        Catalogue from :func:`corephase.analysis.catalogue.build_catalogue`.
    path : path
        Output image (.png, .pdf, .svg), written atomically.
    region : str or dict
        A :data:`REGIONS` name (``"global"``, ``"aleutian-north-america"``,
        ``"australia"``) or a spec dict of the same form. Regional views zoom to
        the plotted events, arrays and bounce points.
    phases : sequence of str
        Phases whose bounce points are drawn (styles in :data:`PHASE_STYLE`).
    arrays : DataFrame, optional
        Extra arrays to draw (columns array, lat, lon), e.g. all IMS arrays on
        the global map, even those without data.
    coastline_dirs, allow_download
        See :func:`add_coastlines`.

    Returns
    -------
    dict
        ``coastlines`` (what was drawn), ``n_events``, ``n_arrays``, ``n_paths``,
        ``n_bounce`` ({phase: number of bounce points}), ``n_detected``
        ({phase: number detected}), ``extent`` (lon0, lon1, lat0, lat1 or None).
    """
    import cartopy.crs as ccrs

    spec = REGIONS.get(region) if isinstance(region, str) else region
    if spec is None:
        raise ValueError(f"unknown region {region!r}; known: {sorted(REGIONS)}")
    mt, ev, ar, pairs = _map_data(cat, spec, region, phases, arrays, model)
    proj, extent, figsize = _map_view(spec, mt, ev, ar)
    fig = Figure(figsize=figsize)
    ax = fig.add_subplot(1, 1, 1, projection=proj)
    if extent is None:
        ax.set_global()
    else:
        ax.set_extent(extent, crs=ccrs.PlateCarree())
    coast = add_coastlines(ax, coastline_dirs, allow_download)
    gl = ax.gridlines(draw_labels=extent is not None, linewidth=0.3, color="0.7")
    if extent is not None:
        gl.top_labels = gl.right_labels = False
    n_bounce, n_detected = _draw_bounces(ax, mt, phases)
    _draw_sites(ax, ev, ar, pairs)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.05), ncol=3, fontsize=7, frameon=False)
    name = region if isinstance(region, str) else spec.get("name", "custom")
    ax.set_title(title or f"Core-phase bounce points ({name}, {model})", fontsize=10)
    if coast == "none":
        ax.text(
            0.99,
            0.01,
            "coastlines unavailable",
            transform=ax.transAxes,
            ha="right",
            va="bottom",
            fontsize=7,
            color="0.4",
        )
    _save_map(fig, path)
    return {
        "coastlines": coast,
        "n_events": len(ev),
        "n_arrays": len(ar),
        "n_paths": len(pairs),
        "n_bounce": n_bounce,
        "n_detected": n_detected,
        "extent": extent,
    }
