"""Input/output: element tables, StationXML <-> geometry, local archives, atomic writes.

Every writer here writes to a temporary file in the target folder and renames
it into place, so an interrupted job never leaves a partial output.
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

import numpy as np
from obspy import Inventory, Stream, UTCDateTime, read, read_inventory
from obspy.core.inventory import Channel, Network, Site, Station

from .geometry import ArrayGeometry, local_km_to_latlon, parametric_layout

# --------------------------------------------------------------------------- atomic writes


@contextmanager
def atomic_path(path):
    """Yield a temporary path beside ``path``; rename it to ``path`` on success.

    On an exception the temporary file is removed and ``path`` is untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_json(obj, path) -> None:
    """Write JSON atomically (sorted keys, NaN as null)."""

    def clean(o):
        if isinstance(o, dict):
            return {str(k): clean(v) for k, v in o.items()}
        if isinstance(o, list | tuple):
            return [clean(v) for v in o]
        if isinstance(o, np.generic):
            o = o.item()
        if isinstance(o, float) and not np.isfinite(o):
            return None
        if isinstance(o, UTCDateTime):
            return str(o)
        return o

    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(clean(obj), indent=2, sort_keys=True) + "\n")


def read_json(path) -> dict:
    """Read a JSON file."""
    return json.loads(Path(path).read_text())


def write_stream(stream: Stream, path, dtype=None) -> None:
    """Write a Stream as miniSEED atomically; an empty Stream gives an empty file.

    ``dtype`` (e.g. ``numpy.float32``) converts the samples first; otherwise
    integer data stay integer and anything else is written as float64. The
    encoding is chosen from the data type.
    """
    with atomic_path(path) as tmp:
        if len(stream):
            stream = stream.copy()
            for tr in stream:
                if dtype is not None:
                    tr.data = np.ascontiguousarray(tr.data, dtype=dtype)
                elif tr.data.dtype not in (np.float32, np.float64, np.int32):
                    tr.data = tr.data.astype(np.float64)
                tr.stats.pop("mseed", None)
            stream.write(str(tmp), format="MSEED")
        else:
            tmp.write_bytes(b"")


def read_stream(path) -> Stream:
    """Read miniSEED; an empty file gives an empty Stream."""
    if Path(path).stat().st_size == 0:
        return Stream()
    return read(str(path), format="MSEED")


def write_inventory(inv: Inventory, path) -> None:
    """Write StationXML atomically."""
    with atomic_path(path) as tmp:
        inv.write(str(tmp), format="STATIONXML")


def write_table(df, path) -> None:
    """Write a pandas DataFrame as CSV atomically (no index)."""
    with atomic_path(path) as tmp:
        df.to_csv(tmp, index=False)


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


# --------------------------------------------------------------------------- local archives


def select_channels(stream: Stream, priority) -> Stream:
    """Keep, per station and location, the channel that comes first in ``priority``."""
    best: dict[tuple, int] = {}
    for tr in stream:
        s = tr.stats
        if s.channel not in priority:
            continue
        k = (s.network, s.station, s.location)
        r = list(priority).index(s.channel)
        best[k] = min(best.get(k, r), r)
    out = Stream()
    for tr in stream:
        s = tr.stats
        k = (s.network, s.station, s.location)
        if k in best and s.channel == priority[best[k]]:
            out.append(tr)
    return out


def read_local(arr: dict, t0: UTCDateTime, t1: UTCDateTime) -> tuple[Stream, Inventory]:
    """Waveforms and StationXML of an array from a local folder or SDS archive.

    Parameters
    ----------
    arr : dict
        Array config: ``path``, ``format`` (``files``: every ``*.mseed``/
        ``*.msd``/``*.miniseed`` and ``*.xml``/``*.stationxml`` in the folder;
        ``sds``: an SDS root with StationXML files in it or in
        ``path/stations``), ``network``, ``station``, ``location``,
        ``channels`` (priority order).
    t0, t1 : UTCDateTime
        Window to read (the stream is trimmed to it).
    """
    root = Path(arr["path"])
    if not root.exists():
        raise FileNotFoundError(f"local array folder {root} does not exist")
    net, sta, loc = arr.get("network", "*"), arr.get("station", "*"), arr.get("location", "*")
    chans = arr.get("channels") or ["SHZ", "BHZ", "HHZ"]
    if arr.get("format", "files") == "sds":
        from obspy.clients.filesystem.sds import Client as SDSClient

        client = SDSClient(str(root))
        st = Stream()
        for cha in chans:
            st += client.get_waveforms(net, sta, "*" if loc == "*" else loc, cha, t0, t1)
        xml_dirs = [root, root / "stations"]
    else:
        st = Stream()
        for pat in ("*.mseed", "*.msd", "*.miniseed"):
            for f in sorted(root.glob(pat)):
                st += read(str(f), starttime=t0, endtime=t1)
        xml_dirs = [root]
    inv = Inventory(networks=[], source="corephase local")
    for d in xml_dirs:
        for pat in ("*.xml", "*.stationxml"):
            for f in sorted(d.glob(pat)):
                try:
                    inv += read_inventory(str(f))
                except Exception:
                    continue  # QuakeML or other XML in the same folder
    st = st.select(network=net, station=sta, location=loc)
    st = select_channels(st, chans)
    st.trim(t0, t1)
    return st, inv
