"""Array element positions: packaged element tables, config layouts and StationXML.

Converts between :class:`corephase.model.geometry.ArrayGeometry` and ObsPy
inventories. Coordinates in degrees, elevations in metres.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from fnmatch import fnmatchcase
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


#: Longest network, station, location and channel codes that miniSEED (SEED 2.4) holds.
SEED_CODE_LENGTHS = {"network": 2, "station": 5, "location": 2, "channel": 3}

_BASE36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def element_codes(name: str, n: int) -> list[str]:
    """Station codes of ``n`` numbered elements of array ``name``: unique, at most 5 characters.

    A prefix of the array name (letters and digits only) followed by the element
    number, 1-based: ``BIG01`` .. ``BIG99`` below 100 elements, then the prefix
    shortens as the digits grow (``BI001`` .. ``BI150``, ``B0001`` .. ``B1000``,
    ``00001`` .. ``99999``). Beyond 99,999 elements the numbers are five base-36
    digits (``00001`` .. ``ZZZZZ``).

    Raises
    ------
    ValueError
        For more elements than five characters can number (36**5 - 1).
    """
    width = SEED_CODE_LENGTHS["station"]
    digits = max(2, len(str(n)))
    if digits <= width:
        prefix = re.sub(r"[^A-Za-z0-9]", "", name)[: width - digits]
        return [f"{prefix}{i:0{digits}d}" for i in range(1, n + 1)]
    if n >= len(_BASE36) ** width:
        raise ValueError(f"array {name}: {n} elements cannot have unique {width}-character codes")
    codes = []
    for i in range(1, n + 1):
        code = ""
        for _ in range(width):
            i, r = divmod(i, len(_BASE36))
            code = _BASE36[r] + code
        codes.append(code)
    return codes


def check_seed_codes(name: str, network: str, stations: list[str], channel: str) -> None:
    """Raise ValueError unless the codes fit miniSEED and the station codes are unique.

    Network up to 2, station up to 5, channel up to 3 characters, letters and
    digits only; a longer code would be cut when written to miniSEED and two
    elements could end up with one SEED id.
    """
    for kind, codes in (("network", [network]), ("station", stations), ("channel", [channel])):
        longest = SEED_CODE_LENGTHS[kind]
        bad = [c for c in codes if not (0 < len(c) <= longest and c.isascii() and c.isalnum())]
        if bad:
            raise ValueError(
                f"array {name}: {kind} codes {bad[:5]} are not 1-{longest} letters or digits "
                "(miniSEED would cut or reject them)"
            )
    dup = sorted(c for c, k in Counter(stations).items() if k > 1)
    if dup:
        raise ValueError(f"array {name}: station codes {dup[:5]} name more than one element")


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
        rows = [
            {"station": code, "latitude": a, "longitude": b, "elevation_m": 0.0}
            for code, a, b in zip(element_codes(name, len(lat)), lat, lon, strict=True)
        ]
    else:
        raise ValueError(f"array {name}: elements needs one of list, csv or layout")
    check_seed_codes(name, net, [r["station"] for r in rows], cha)
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
    """A StationXML inventory (coordinates only, no response) for a geometry.

    Raises ValueError when two elements share a SEED id.
    """
    dup = sorted(c for c, k in Counter(geom.codes).items() if k > 1)
    if dup:
        raise ValueError(f"array {geom.name}: SEED ids {dup[:5]} name more than one element")
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


def open_channels(inv: Inventory, t0: UTCDateTime, t1: UTCDateTime) -> list[dict]:
    """Every channel of the inventory whose epoch overlaps ``[t0, t1]``.

    Returns
    -------
    list of dict
        ``{"id", "network", "station", "location", "channel", "latitude",
        "longitude", "elevation", "sample_rate"}`` per channel epoch (degrees,
        metres, Hz; ``sample_rate`` None when the StationXML gives none).
    """
    rows = []
    for net in inv:
        for sta in net:
            for cha in sta:
                if (cha.start_date is not None and cha.start_date > t1) or (
                    cha.end_date is not None and cha.end_date < t0
                ):
                    continue
                lat = sta.latitude if cha.latitude is None else cha.latitude
                lon = sta.longitude if cha.longitude is None else cha.longitude
                rows.append(
                    {
                        "id": f"{net.code}.{sta.code}.{cha.location_code}.{cha.code}",
                        "network": net.code,
                        "station": sta.code,
                        "location": cha.location_code,
                        "channel": cha.code,
                        "latitude": lat,
                        "longitude": lon,
                        "elevation": sta.elevation if cha.elevation is None else cha.elevation,
                        "sample_rate": cha.sample_rate or None,
                    }
                )
    return rows


def code_matches(code: str, pattern: str) -> bool:
    """Whether a SEED code matches an FDSN selection: comma list of globs, ``--`` = empty."""
    for pat in pattern.split(","):
        pat = pat.strip()
        if fnmatchcase(code, "" if pat == "--" else pat):
            return True
    return False


def channel_rank(channel: str, priority) -> int | None:
    """Index of the first pattern of ``priority`` (globs) that ``channel`` matches, or None."""
    return next((i for i, p in enumerate(priority) if fnmatchcase(channel, p)), None)


def listed_elements(
    channels: list[dict], priority, network: str = "*", station: str = "*", location: str = "*"
) -> list[str]:
    """SEED ids of the elements that station metadata lists: one per station and location.

    Parameters
    ----------
    channels : list of dict
        Rows of :func:`open_channels`.
    priority : sequence of str
        Channel codes or globs, first preferred (an array's ``channels``); a
        station and location with none of them is not an element.
    network, station, location : str
        Comma-separated wildcard patterns the element must match.

    Returns
    -------
    list of str
        Sorted ``NET.STA.LOC.CHA`` ids, with the first channel of ``priority``
        listed for each element.
    """
    priority = list(priority)
    best: dict[tuple, tuple[int, str]] = {}
    for r in channels:
        rank = channel_rank(r["channel"], priority)
        if rank is None or not (
            code_matches(r["network"], network)
            and code_matches(r["station"], station)
            and code_matches(r["location"], location or "*")
        ):
            continue
        key = (r["network"], r["station"], r["location"])
        if key not in best or (rank, r["channel"]) < best[key]:
            best[key] = (rank, r["channel"])
    return sorted(".".join([*key, cha]) for key, (_, cha) in best.items())


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
