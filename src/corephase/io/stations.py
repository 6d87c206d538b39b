"""Array element positions: packaged element tables, config layouts and StationXML.

Converts between :class:`corephase.model.geometry.ArrayGeometry` and ObsPy
inventories. Coordinates in degrees, elevations in metres.
"""

from __future__ import annotations

import csv
from importlib import resources
from pathlib import Path

from obspy import Inventory, Stream, UTCDateTime, read_inventory
from obspy.core.inventory import Channel, Network, Site, Station

from corephase.model.geometry import ArrayGeometry, local_km_to_latlon, parametric_layout

# --------------------------------------------------------------------------- element tables


def _resolve_data_file(name: str) -> Path:
    p = Path(name)
    if p.exists():
        return p
    pkg = resources.files("corephase") / "data" / name
    if pkg.is_file():
        return Path(str(pkg))
    raise FileNotFoundError(
        f"element table {name!r} not found (neither a path nor corephase package data)"
    )


def elements_from_csv(path, array: str) -> list[dict]:
    """Element rows of one array from an IMS-style element table.

    Columns: ``array, station, lat, lon, elev_m`` (others ignored). Reference
    points (station equal to the array name, or ``statype == 'ar'``) and rows
    at the same position as an earlier element (three-component duplicates)
    are dropped.

    Returns
    -------
    list of dict
        ``{"station", "latitude", "longitude", "elevation_m"}`` per element.
    """
    path = _resolve_data_file(str(path))
    out, seen = [], set()
    with open(path, newline="") as fh:
        for row in csv.DictReader(fh):
            if row["array"] != array or row["station"] == array:
                continue
            if row.get("statype", "") == "ar":
                continue
            key = (round(float(row["lat"]), 5), round(float(row["lon"]), 5))
            if key in seen:
                continue
            seen.add(key)
            out.append(
                {
                    "station": row["station"],
                    "latitude": float(row["lat"]),
                    "longitude": float(row["lon"]),
                    "elevation_m": float(row.get("elev_m") or 0.0),
                }
            )
    if not out:
        raise ValueError(f"no elements of array {array!r} in {path}")
    return out


def geometry_from_config(name: str, arr: dict) -> ArrayGeometry:
    """Element geometry of a synthetic array from its config entry.

    ``elements`` holds one of ``list`` (explicit elements), ``csv`` (+ optional
    ``array``, default the array's name) or ``layout`` (parametric, centred on
    ``ref_lat``/``ref_lon``). Element ids are ``NET.STA..CHA`` with the
    array's network and first channel.
    """
    el = arr["elements"]
    net = arr.get("network", "XX")
    cha = (arr.get("channels") or ["SHZ"])[0]
    if "list" in el:
        rows = el["list"]
    elif "csv" in el:
        rows = elements_from_csv(el["csv"], el.get("array", name))
    elif "layout" in el:
        lay = el["layout"]
        e, n = parametric_layout(
            lay["kind"],
            lay["n"],
            lay["aperture_km"],
            seed=lay.get("seed", 0),
            rings=lay.get("rings", 2),
        )
        lat, lon = local_km_to_latlon(e, n, arr["ref_lat"], arr["ref_lon"])
        prefix = name[:3]
        rows = [
            {"station": f"{prefix}{i:02d}", "latitude": a, "longitude": b, "elevation_m": 0.0}
            for i, (a, b) in enumerate(zip(lat, lon, strict=True), start=1)
        ]
    else:
        raise ValueError(f"array {name}: elements needs one of list, csv or layout")
    codes = [f"{net}.{r['station']}..{cha}" for r in rows]
    return ArrayGeometry(
        name,
        codes,
        [r["latitude"] for r in rows],
        [r["longitude"] for r in rows],
        [r.get("elevation_m", 0.0) for r in rows],
        ref_lat=arr["ref_lat"],
        ref_lon=arr["ref_lon"],
    )


def geometry_to_inventory(geom: ArrayGeometry, sampling_rate: float, start=None) -> Inventory:
    """A StationXML inventory (coordinates only, no response) for a geometry."""
    start = UTCDateTime(start or "1990-01-01")
    nets: dict[str, Network] = {}
    for code, la, lo, el in zip(geom.codes, geom.lat, geom.lon, geom.elev_m, strict=True):
        net, sta, loc, cha = code.split(".")
        chan = Channel(
            code=cha,
            location_code=loc,
            latitude=la,
            longitude=lo,
            elevation=el,
            depth=0.0,
            sample_rate=sampling_rate,
            start_date=start,
        )
        st = Station(
            code=sta,
            latitude=la,
            longitude=lo,
            elevation=el,
            channels=[chan],
            site=Site(name=f"{geom.name} element {sta}"),
            start_date=start,
        )
        nets.setdefault(net, Network(code=net, stations=[], start_date=start)).stations.append(st)
    return Inventory(networks=list(nets.values()), source="corephase synthetic geometry")


def geometry_from_inventory(
    name: str, inv: Inventory, stream: Stream | None = None, ref=None, time=None
) -> ArrayGeometry:
    """Element geometry from StationXML, for the channels present in ``stream``.

    Without a stream every vertical channel in the inventory is used. ``time``
    selects the epoch in force; ``ref`` is ``(lat, lon)`` of the reference
    point (default: centroid).
    """
    ids = sorted({tr.id for tr in stream}) if stream is not None else None
    codes, lat, lon, elev = [], [], [], []
    if ids is None:
        ids = sorted(
            {
                f"{n.code}.{s.code}.{c.location_code}.{c.code}"
                for n in inv
                for s in n
                for c in s
                if c.code.endswith("Z")
            }
        )
    for sid in ids:
        try:
            coords = inv.get_coordinates(sid, time)
        except Exception as exc:  # obspy raises plain Exception when a channel is absent
            raise ValueError(f"no coordinates for {sid} in the StationXML: {exc}") from exc
        codes.append(sid)
        lat.append(coords["latitude"])
        lon.append(coords["longitude"])
        elev.append(coords["elevation"])
    ref_lat, ref_lon = ref if ref is not None else (None, None)
    return ArrayGeometry(name, codes, lat, lon, elev, ref_lat, ref_lon)


# --------------------------------------------------------------------------- station tables

#: Columns of a station table (plus ``start`` and ``end``, see :func:`load_station_table`).
STATION_TABLE_COLUMNS = ["network", "station", "latitude", "longitude", "elevation_m", "channels"]


def _inventory_rows(inv: Inventory) -> list[dict]:
    return [
        {
            "network": net.code,
            "station": sta.code,
            "latitude": sta.latitude,
            "longitude": sta.longitude,
            "elevation_m": sta.elevation,
            "channels": " ".join(sorted({c.code for c in sta.channels})),
            "start": sta.start_date,
            "end": sta.end_date,
        }
        for net in inv
        for sta in net
    ]


def _epoch_time(v, is_end: bool) -> UTCDateTime | None:
    """A table's start/end value as UTCDateTime; None if open (empty, NaN, year >= 2599).

    An end given as a date (``YYYY-MM-DD``) is open through that day.
    """
    if v is None or (isinstance(v, float) and v != v) or v == "":
        return None
    t = UTCDateTime(v)
    if is_end and t.year >= 2599:
        return None
    if is_end and len(str(v)) == 10:
        t = t + 86400 - 1e-6
    return t


def load_station_table(source):
    """Stations of a network as a table, one row per station epoch.

    Parameters
    ----------
    source : path, Inventory or DataFrame
        A CSV with columns network, station, latitude, longitude, elevation_m,
        channels (space separated), start, end (dates; ``2599-12-31`` or
        empty means open), or a StationXML file, or an Inventory, or such a
        DataFrame.

    Returns
    -------
    pandas.DataFrame
        Columns network, station, latitude, longitude (degrees), elevation_m,
        channels, start, end (``start``/``end`` as UTCDateTime, None if open).
    """
    import pandas as pd

    if isinstance(source, pd.DataFrame):
        df = source.copy()
    elif isinstance(source, Inventory) or str(source).lower().endswith((".xml", ".stationxml")):
        inv = source if isinstance(source, Inventory) else read_inventory(str(source))
        df = pd.DataFrame(_inventory_rows(inv), columns=[*STATION_TABLE_COLUMNS, "start", "end"])
    else:
        df = pd.read_csv(source, dtype={"station": str, "network": str, "channels": str})
    missing = {"network", "station", "latitude", "longitude"} - set(df.columns)
    if missing:
        raise ValueError(f"station table lacks columns {sorted(missing)}")
    for col, default in (("elevation_m", 0.0), ("channels", ""), ("start", None), ("end", None)):
        if col not in df.columns:
            df[col] = default
    df["start"] = [_epoch_time(v, False) for v in df["start"]]
    df["end"] = [_epoch_time(v, True) for v in df["end"]]
    df["channels"] = df["channels"].fillna("").astype(str)
    return df.reset_index(drop=True)
