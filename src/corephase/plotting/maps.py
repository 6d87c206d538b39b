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

from corephase.model.bounce import bounce_point
from corephase.plotting.map_layout import (
    LEFT,
    RIGHT,
    ROW_GAP_IN,
    WSPACE,
    angle_deg,
    drawn_width,
    label_overlaps,
    map_view,
    place_labels,
    study_regions,
    unwrap_lon,
)
from corephase.plotting.style import FULL_WIDTH, TITLE_Y, new_figure, phase_color, save_figure

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
    "PKiKP": {"marker": "o", "color": phase_color("PKiKP"), "label": "PKiKP bounce (ICB)"},
    "PcP": {"marker": "s", "color": phase_color("PcP"), "label": "PcP bounce (CMB)"},
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


def great_circle_track(lat1, lon1, lat2, lon2, n: int = 65) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points (lat, lon in degrees) along the minor great-circle arc from 1 to 2."""
    from corephase.model.bounce import great_circle_point, spherical_azimuth

    az = spherical_azimuth(lat1, lon1, lat2, lon2)
    dist = float(angle_deg(lat1, lon1, lat2, lon2))
    pts = [great_circle_point(lat1, lon1, az, f * dist) for f in np.linspace(0.0, 1.0, n)]
    lat, lon = np.array(pts).T
    return lat, unwrap_lon(lon, lon1)


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
    """Rows of a :func:`map_table` belonging to ``region`` (a :data:`REGIONS` name or spec).

    A spec keeps the rows of its ``events`` and ``arrays`` (names; None or
    empty: all) and of events within ``event_near`` = (lat, lon, radius), deg.
    """
    if isinstance(region, str) and region not in REGIONS:
        raise ValueError(f"unknown region {region!r}; known: {sorted(REGIONS)}")
    spec = REGIONS[region] if isinstance(region, str) else region
    out = mt
    if spec.get("events"):
        out = out[out["event"].isin(list(spec["events"]))]
    if spec.get("arrays"):
        out = out[out["array"].isin(list(spec["arrays"]))]
    if spec.get("event_near"):
        lat, lon, r = spec["event_near"]
        out = out[angle_deg(lat, lon, out["event_lat"], out["event_lon"]) <= r]
    return out


# --------------------------------------------------------------------------- map


def _region_data(mt, spec: dict, region, arrays):
    """Rows of the region, its events, arrays (with the extra ones) and source-array pairs."""
    mt = select_region(mt, spec)
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


def _draw_bounces(ax, mt, phase) -> tuple[int, int]:
    """Bounce points of ``phase`` (filled: detected); returns the numbers drawn and detected."""
    import cartopy.crs as ccrs

    st = PHASE_STYLE.get(phase, {"marker": "D", "color": "k", "label": f"{phase} bounce"})
    sub = mt[(mt["phase"] == phase) & mt["bounce_lat"].notna()]
    for det in (False, True):
        part = sub[sub["detected"] == det]
        if part.empty:
            continue
        ax.scatter(
            part["bounce_lon"],
            part["bounce_lat"],
            marker=st["marker"],
            s=34,
            facecolors=st["color"] if det else "white",
            edgecolors="k" if det else st["color"],
            linewidths=0.5 if det else 1.0,
            transform=ccrs.PlateCarree(),
            zorder=5 if det else 4,
            label=f"{st['label']}, {'detected' if det else 'not detected'}",
        )
    return len(sub), int(sub["detected"].sum())


def _draw_sites(ax, ev, ar, pairs, bounces) -> int:
    """Great-circle paths, events (stars) and arrays (triangles) with non-overlapping names.

    Names avoid each other, the events and the ``bounces`` (lon, lat) drawn;
    returns the number of overlapping pairs of names (0 unless no free place existed).
    """
    import cartopy.crs as ccrs

    geo, pc = ccrs.Geodetic(), ccrs.PlateCarree()
    for p in pairs.itertuples(index=False):
        glat, glon = great_circle_track(p.event_lat, p.event_lon, p.array_lat, p.array_lon)
        ax.plot(glon, glat, color="0.6", lw=0.5, alpha=0.7, transform=geo, zorder=2)
    common = {"edgecolors": "k", "linewidths": 0.6, "transform": pc, "zorder": 8}
    ax.scatter(ev["event_lon"], ev["event_lat"], marker="*", s=120, c="#E69F00", **common)
    ax.scatter(ar["lon"], ar["lat"], marker="^", s=55, c="#009E73", **common)
    ar = ar.sort_values(["lat", "lon"], ascending=[False, True])
    ax.apply_aspect()  # label positions are computed in the final axes box
    labels = place_labels(
        ax,
        ar["lon"].to_numpy(),
        ar["lat"].to_numpy(),
        [str(n) for n in ar.index],
        obstacles=(
            np.concatenate([ev["event_lon"].to_numpy(), bounces[0]]),
            np.concatenate([ev["event_lat"].to_numpy(), bounces[1]]),
        ),
    )
    return label_overlaps(ax, labels)


def _draw_panel(ax, data, phase, view, coast: dict) -> dict:
    """One map panel: coastlines, grid, paths, sites and the bounce points of ``phase``.

    ``view`` is :func:`corephase.plotting.map_layout.map_view`'s answer; gridlines
    are labelled on plate carree views.
    """
    import cartopy.crs as ccrs

    mt, ev, ar, pairs = data
    _, extent, box, _ = view
    if extent is None:
        ax.set_global()
    elif box is None:
        ax.set_extent(extent, crs=ccrs.PlateCarree())
    else:
        ax.set_xlim(box[0], box[1])
        ax.set_ylim(box[2], box[3])
    drawn = add_coastlines(ax, coast.get("search_dirs"), coast.get("allow_download", False))
    labelled = extent is not None and box is None
    gl = ax.gridlines(draw_labels=labelled, linewidth=0.3, color="0.75")
    if labelled:
        gl.top_labels = gl.right_labels = False
        gl.xlabel_style = gl.ylabel_style = {"size": 6.5}
    n, n_det = _draw_bounces(ax, mt, phase)
    b = mt[(mt["phase"] == phase) & mt["bounce_lat"].notna()]
    overlaps = _draw_sites(
        ax, ev, ar, pairs, (b["bounce_lon"].to_numpy(), b["bounce_lat"].to_numpy())
    )
    if drawn == "none":
        ax.text(
            0.99, 0.01, "coastlines unavailable", transform=ax.transAxes, ha="right", fontsize=6.5
        )
    return {"coastlines": drawn, "n": n, "n_detected": n_det, "label_overlaps": overlaps}


def _legend_and_save(fig, axes, path) -> None:
    """One legend for all panels below them (labels deduplicated), then save."""
    from matplotlib.lines import Line2D

    handles = {}
    for ax in axes:
        for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
            handles.setdefault(lab, h)
    ms = {"marker": "", "ls": "", "mec": "k", "mew": 0.6}
    handles["events"] = Line2D([], [], **{**ms, "marker": "*", "mfc": "#E69F00", "ms": 10})
    handles["arrays"] = Line2D([], [], **{**ms, "marker": "^", "mfc": "#009E73", "ms": 7})
    fig.legend(handles.values(), handles.keys(), loc="lower center", ncol=3, frameon=False)
    save_map(fig, path)


def save_map(fig, path) -> None:
    """Save a map figure with :func:`corephase.plotting.style.save_figure`, silencing
    pyshp's warnings about hole-only GSHHS rings (harmless)."""
    shp_log = logging.getLogger("shapefile")
    level = shp_log.level
    shp_log.setLevel(logging.ERROR)
    try:
        save_figure(fig, path, tight=True)
    finally:
        shp_log.setLevel(level)


def _panel_title(phase: str, res: dict) -> str:
    where = {"PKiKP": " on the ICB", "PcP": " on the CMB"}.get(phase, "")
    return f"{phase} bounce points{where}: {res['n_detected']} of {res['n']} detected"


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

    One panel per phase (PKiKP bounce points on the ICB and PcP bounce points on
    the CMB never hide each other), each with the events, arrays (names placed
    to avoid each other, with leader lines where moved) and great-circle paths.

    Parameters
    ----------
    cat : DataFrame
        Catalogue from :func:`corephase.analysis.catalogue.build_catalogue`.
    path : path
        Output image (.png, .pdf, .svg), written atomically.
    region : str or dict
        A :data:`REGIONS` name (``"global"``, ``"aleutian-north-america"``,
        ``"australia"``) or a spec dict of the form :func:`select_region` reads.
        Regional views zoom to the plotted events, arrays and bounce points.
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
        ({phase: number detected}), ``extent`` (lon0, lon1, lat0, lat1 or None),
        ``label_overlaps`` (pairs of array names that overlap: 0 unless no free
        place existed, which is logged).
    """
    spec = REGIONS.get(region) if isinstance(region, str) else region
    if spec is None:
        raise ValueError(f"unknown region {region!r}; known: {sorted(REGIONS)}")
    data = _region_data(map_table(cat, phases, model), spec, region, arrays)
    view = map_view(spec, *data[:3])
    proj, extent, _, aspect = view
    stacked = extent is None or aspect > 1.5  # wide views one above the other
    nrow, ncol = (len(phases), 1) if stacked else (1, len(phases))
    panel_w = FULL_WIDTH if stacked else max(FULL_WIDTH / ncol, 3.6)
    h = drawn_width(panel_w, ncol) / aspect  # panel height (in)
    height = nrow * h + (nrow - 1) * ROW_GAP_IN + 1.3
    fig = new_figure(panel_w * ncol, height)
    fig.subplots_adjust(
        left=LEFT,
        right=RIGHT,
        bottom=0.7 / height,
        top=1 - 0.6 / height,
        hspace=ROW_GAP_IN / h,
        wspace=WSPACE,
    )
    name = region if isinstance(region, str) else spec.get("name", "custom")
    coast = {"search_dirs": coastline_dirs, "allow_download": allow_download}
    axes, out = [], {}
    for k, ph in enumerate(phases, start=1):
        ax = fig.add_subplot(nrow, ncol, k, projection=proj)
        out[ph] = _draw_panel(ax, data, ph, view, coast)
        ax.set_title(_panel_title(ph, out[ph]), y=TITLE_Y)
        axes.append(ax)
    fig.suptitle(title or f"Core-phase bounce points ({name}, {model})")
    _legend_and_save(fig, axes, path)
    _, ev, ar, pairs = data
    return {
        "coastlines": next(iter(out.values()))["coastlines"] if out else "none",
        "n_events": len(ev),
        "n_arrays": len(ar),
        "n_paths": len(pairs),
        "n_bounce": {ph: r["n"] for ph, r in out.items()},
        "n_detected": {ph: r["n_detected"] for ph, r in out.items()},
        "label_overlaps": sum(r["label_overlaps"] for r in out.values()),
        "extent": extent,
    }


def plot_regional_map(
    cat: pd.DataFrame,
    path,
    phases: Sequence[str] = ("PKiKP", "PcP"),
    model: str = "ak135",
    cluster_deg: float = 20.0,
    max_panels: int = 4,
    coastline_dirs: Sequence | None = None,
    allow_download: bool = False,
) -> list[dict]:
    """Regional maps derived from the study: one row per group of nearby events.

    Events within ``cluster_deg`` of each other (single linkage) form a group
    (:func:`corephase.plotting.map_layout.study_regions`); each row shows that
    group's events, the arrays that recorded them, their paths and, one
    column per phase, the bounce points, zoomed to them. At most
    ``max_panels`` rows (the groups with most pairs). Any study with a pair
    gets a non-empty map.

    Returns
    -------
    list of dict
        Per row: ``name``, ``extent`` (lon0, lon1, lat0, lat1), ``n_events``,
        ``n_arrays``, ``n_bounce`` and ``n_detected`` ({phase: count}), ``coastlines``,
        ``label_overlaps`` (as in :func:`plot_map`).

    Raises
    ------
    ValueError
        When the catalogue has no pair to map.
    """
    mt = map_table(cat, phases, model)
    specs = study_regions(mt, cluster_deg, max_panels)
    if not specs:
        raise ValueError("nothing to map for region 'regional'")
    rows = [_region_data(mt, s, s["name"], None) for s in specs]
    views = [map_view(s, *d[:3]) for s, d in zip(specs, rows, strict=True)]
    ncol = len(phases)
    panel_w = max(FULL_WIDTH / ncol, 3.6)
    heights = [drawn_width(panel_w, ncol) / v[3] for v in views]  # panel heights (in)
    total = sum(heights) + (len(heights) - 1) * ROW_GAP_IN + 1.3
    fig = new_figure(panel_w * ncol, total)
    gs = fig.add_gridspec(
        len(specs),
        ncol,
        height_ratios=heights,
        left=LEFT,
        right=RIGHT,
        bottom=0.8 / total,
        top=1 - 0.5 / total,
        hspace=ROW_GAP_IN / float(np.mean(heights)),
        wspace=WSPACE,
    )
    coast = {"search_dirs": coastline_dirs, "allow_download": allow_download}
    axes, info = [], []
    for i, (spec, data, view) in enumerate(zip(specs, rows, views, strict=True)):
        res = {}
        for j, ph in enumerate(phases):
            ax = fig.add_subplot(gs[i, j], projection=view[0])
            res[ph] = _draw_panel(ax, data, ph, view, coast)
            ax.set_title(f"{spec['name']}\n{_panel_title(ph, res[ph])}", fontsize=8, y=TITLE_Y)
            axes.append(ax)
        info.append(
            {
                "name": spec["name"],
                "extent": view[1],
                "n_events": len(data[1]),
                "n_arrays": len(data[2]),
                "n_bounce": {ph: r["n"] for ph, r in res.items()},
                "n_detected": {ph: r["n_detected"] for ph, r in res.items()},
                "label_overlaps": sum(r["label_overlaps"] for r in res.values()),
                "coastlines": res[phases[0]]["coastlines"],
            }
        )
    _legend_and_save(fig, axes, path)
    return info
