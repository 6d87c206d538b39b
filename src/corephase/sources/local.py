"""The ``local`` source: miniSEED, StationXML and QuakeML from a folder or an SDS archive.

Codes are selected with the FDSN web-service syntax, as for the ``fdsn`` source:
``network``, ``station`` and ``location`` are comma lists of glob patterns
(``"YKB?,YKR?"``; ``--`` is the empty location code) and ``channels`` a priority
list of glob patterns (the first one a station has wins).

:func:`read_local` never raises for bad data: it returns the records with a
status (``ok``, ``no_data``, ``error``), a reason naming the cause, and the
problems met while reading (truncated files). :func:`reference_point` gives an
array's reference point from its StationXML and :func:`folder_quakeml` its
folder's QuakeML files; both are used when planning.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from obspy import Inventory, Stream, UTCDateTime, read, read_inventory
from obspy.io.mseed import InternalMSEEDWarning

from corephase.io.stations import channel_rank, code_matches
from corephase.model.geometry import centroid

log = logging.getLogger("corephase.sources.local")

#: Channel priority when an array config names none (the schema default).
DEFAULT_CHANNELS = ("SHZ", "BHZ", "HHZ")
MSEED_PATTERNS = ("*.mseed", "*.msd", "*.miniseed")
XML_PATTERNS = ("*.xml", "*.stationxml", "*.quakeml", "*.qml")
#: Ids listed in a "no matching codes" reason before "and N more".
MAX_LISTED = 8


# --------------------------------------------------------------------------- code selection


def _selects(arr: dict, net: str, sta: str, loc: str, cha: str | None = None) -> bool:
    """Whether network/station/location (and channel, if given) match the array's selection."""
    ok = (
        code_matches(net, arr.get("network", "*"))
        and code_matches(sta, arr.get("station", "*"))
        and code_matches(loc, arr.get("location", "*"))
    )
    if ok and cha is not None:
        ok = channel_rank(cha, _channels(arr)) is not None
    return ok


def _locations(station) -> set[str]:
    return {c.location_code for c in station} or {""}


def _channels(arr: dict) -> list[str]:
    return list(arr.get("channels") or DEFAULT_CHANNELS)


def select_channels(stream: Stream, priority) -> Stream:
    """Keep, per station and location, the channel that comes first in ``priority`` (globs).

    Channels matching the same pattern are taken in alphabetical order.
    """
    best: dict[tuple, tuple[int, str]] = {}
    for tr in stream:
        r = channel_rank(tr.stats.channel, priority)
        if r is not None:
            k = (tr.stats.network, tr.stats.station, tr.stats.location)
            best[k] = min(best.get(k, (r, tr.stats.channel)), (r, tr.stats.channel))
    return Stream(
        [
            tr
            for tr in stream
            if best.get((tr.stats.network, tr.stats.station, tr.stats.location), (0, None))[1]
            == tr.stats.channel
        ]
    )


# --------------------------------------------------------------------------- folder contents


class UnreadableFile(ValueError):
    """A file of a local array could not be read (``file``, ``reason``)."""

    def __init__(self, file: str, reason: str):
        super().__init__(f"{file}: {reason}")
        self.file, self.reason = file, reason


def _files(folder: Path, patterns) -> list[Path]:
    return sorted({f for pat in patterns for f in folder.glob(pat) if f.is_file()})


def _xml_kind(path: Path) -> str | None:
    """``"stationxml"``, ``"quakeml"`` or None, from the first 4 kB of an XML file."""
    with open(path, "rb") as fh:
        head = fh.read(4096).lower()
    if b"fdsnstationxml" in head:
        return "stationxml"
    if b"quakeml" in head:
        return "quakeml"
    return None


def _xml_dirs(arr: dict, base_dir=".") -> list[Path]:
    root = Path(base_dir) / arr["path"]
    return [root, root / "stations"] if arr.get("format", "files") == "sds" else [root]


def _xml_files(arr: dict, kind: str, base_dir=".") -> list[Path]:
    return [
        f
        for d in _xml_dirs(arr, base_dir)
        for f in _files(d, XML_PATTERNS)
        if _xml_kind(f) == kind
    ]


def folder_quakeml(arr: dict, base_dir=".") -> list[Path]:
    """The QuakeML files in a local array's folder (``*.xml``, ``*.quakeml``, ``*.qml``)."""
    return _xml_files(arr, "quakeml", base_dir)


def station_inventory(arr: dict, base_dir=".") -> Inventory:
    """Every StationXML file of a local array (folder, or SDS root and ``stations/``).

    Raises :class:`UnreadableFile` (a ValueError) for a damaged file.
    """
    inv = Inventory(networks=[], source="corephase local")
    root = Path(base_dir) / arr["path"]
    for f in _xml_files(arr, "stationxml", base_dir):
        try:
            inv += read_inventory(str(f))
        except Exception as exc:  # ObsPy raises many types for damaged files
            raise UnreadableFile(str(f.relative_to(root)), f"{type(exc).__name__}: {exc}") from exc
    return inv


def reference_point(name: str, arr: dict, base_dir=".") -> dict:
    """An array's reference point from its StationXML.

    The reference element is the station whose code is the array's
    ``ref_station`` or, without one, the array name (IMS arrays list such a
    station, e.g. IM.ILAR); without it, the spherical centroid of the selected
    elements (stations matching ``network``/``station``/``location``).

    Returns
    -------
    dict
        ``ref_lat``, ``ref_lon`` (degrees) and ``ref_from`` saying which.

    Raises
    ------
    ValueError
        The folder does not exist, ``ref_station`` is not in the StationXML, or
        the StationXML lists no selected element.
    """
    root = Path(base_dir) / arr["path"]
    if not root.exists():
        raise ValueError(f"the folder {arr['path']} does not exist")
    inv = station_inventory(arr, base_dir)
    code = arr.get("ref_station") or name
    for net in inv:
        for sta in net:
            if sta.code == code and code_matches(net.code, arr.get("network", "*")):
                how = "ref_station" if arr.get("ref_station") else "station named as the array"
                return {
                    "ref_lat": float(sta.latitude),
                    "ref_lon": float(sta.longitude),
                    "ref_from": f"element {net.code}.{code} ({how})",
                }
    if arr.get("ref_station"):
        raise ValueError(f"ref_station {code} is not in the StationXML of {arr['path']}")
    coords = {
        (net.code, sta.code): (sta.latitude, sta.longitude)
        for net in inv
        for sta in net
        if any(_selects(arr, net.code, sta.code, loc) for loc in _locations(sta))
    }
    if not coords:
        raise ValueError(
            f"no StationXML in {arr['path']} lists an element matching network "
            f"{arr.get('network', '*')!r}, station {arr.get('station', '*')!r}"
        )
    lat, lon = centroid(*zip(*coords.values(), strict=True))
    return {"ref_lat": lat, "ref_lon": lon, "ref_from": f"centroid of {len(coords)} elements"}


# --------------------------------------------------------------------------- reading records


@dataclass
class LocalRecords:
    """What :func:`read_local` found.

    ``status`` is ``ok`` (records found), ``no_data`` or ``error`` (a file could
    not be read; stream and inventory are then empty); ``reason`` says why for
    the last two. ``read_problems`` lists ``{"file", "reason"}`` for files read
    only in part (truncated) and for elements the StationXML lists without a
    record in the window.
    """

    stream: Stream = field(default_factory=Stream)
    inventory: Inventory = field(
        default_factory=lambda: Inventory(networks=[], source="corephase local")
    )
    status: str = "ok"
    reason: str = ""
    read_problems: list[dict] = field(default_factory=list)


def _read_file(path: Path, root: Path, t0, t1, problems: list[dict], headonly=False) -> Stream:
    """The records of one file in [t0, t1]; a partial read is added to ``problems``."""
    name = str(path.relative_to(root))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", InternalMSEEDWarning)
        try:
            st = read(str(path), starttime=t0, endtime=t1, headonly=headonly)
        except Exception as exc:  # ObsPy raises many types for damaged files
            raise UnreadableFile(name, f"{type(exc).__name__}: {exc}") from exc
    for w in caught:
        if issubclass(w.category, InternalMSEEDWarning):
            problems.append({"file": name, "reason": str(w.message)})
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return st


def _sds_day_files(root: Path) -> list[tuple[Path, str, UTCDateTime]]:
    """SDS files ``YEAR/NET/STA/CHA.D/NET.STA.LOC.CHA.D.YEAR.DAY`` as (path, id, day start)."""
    out = []
    for f in sorted(root.glob("*/*/*/*.D/*")):
        parts = f.name.split(".")
        if len(parts) == 7 and parts[5].isdigit() and parts[6].isdigit():
            day = UTCDateTime(year=int(parts[5]), julday=int(parts[6]))
            out.append((f, ".".join(parts[:4]), day))
    return out


def _candidate_files(arr: dict, root: Path, t0, t1) -> list[Path]:
    """The miniSEED files that may hold the window's records."""
    if arr.get("format", "files") != "sds":
        return _files(root, MSEED_PATTERNS)
    return [
        f
        for f, sid, day in _sds_day_files(root)
        if _selects(arr, *sid.split(".")) and day - 30 <= t1 and day + 86430 >= t0
    ]


def _holdings(arr: dict, root: Path) -> list[tuple[str, UTCDateTime, UTCDateTime]]:
    """(id, start, end) of every record the folder holds (SDS: of every day file)."""
    if arr.get("format", "files") == "sds":
        return [(sid, day, day + 86400) for _, sid, day in _sds_day_files(root)]
    out = []
    for f in _files(root, MSEED_PATTERNS):
        for tr in _read_file(f, root, None, None, [], headonly=True):
            out.append((tr.id, tr.stats.starttime, tr.stats.endtime))
    return out


def _listing(ids) -> str:
    ids = sorted(set(ids))
    more = f" and {len(ids) - MAX_LISTED} more" if len(ids) > MAX_LISTED else ""
    return ", ".join(ids[:MAX_LISTED]) + more


def _no_data_reason(arr: dict, root: Path, t0, t1) -> str:
    """Why nothing was found: no files, no matching codes, or no record in the window."""
    held = _holdings(arr, root)
    if not held:
        kind = "SDS day files" if arr.get("format", "files") == "sds" else "miniSEED files"
        return f"no {kind} in {arr['path']}"
    match = [h for h in held if _selects(arr, *h[0].split("."))]
    if not match:
        return (
            f"no records match network {arr.get('network', '*')!r}, station "
            f"{arr.get('station', '*')!r}, location {arr.get('location', '*')!r}, channels "
            f"{_channels(arr)} in {arr['path']}; the files hold {_listing(h[0] for h in held)}"
        )
    start, end = min(h[1] for h in match), max(h[2] for h in match)
    return (
        f"no record in the time window {t0} to {t1}; the matching records in "
        f"{arr['path']} span {start} to {end}"
    )


def _missing_elements(inv: Inventory, arr: dict, stream: Stream, t0, t1) -> tuple[list, int]:
    """Selected elements listed open in [t0, t1] without a record, and the number listed."""
    listed = {
        f"{net.code}.{sta.code}"
        for net in inv
        for sta in net
        for c in sta
        if _selects(arr, net.code, sta.code, c.location_code, c.code)
        and (c.start_date is None or c.start_date <= t1)
        and (c.end_date is None or c.end_date >= t0)
    }
    have = {f"{tr.stats.network}.{tr.stats.station}" for tr in stream}
    return sorted(listed - have), len(listed)


def _select(arr: dict, parts, t0, t1) -> Stream:
    """The selected codes' records, one channel per station (priority order), in [t0, t1]."""
    st = Stream(
        [
            tr
            for part in parts
            for tr in part
            if _selects(arr, tr.stats.network, tr.stats.station, tr.stats.location)
        ]
    )
    return select_channels(st, _channels(arr)).trim(t0, t1)


def read_local(arr: dict, t0: UTCDateTime, t1: UTCDateTime) -> LocalRecords:
    """Records and StationXML of an array from a local folder or SDS archive.

    Parameters
    ----------
    arr : dict
        Array config: ``path``, ``format`` (``files``: every ``*.mseed``/
        ``*.msd``/``*.miniseed`` and StationXML file in the folder; ``sds``: an
        SDS root with StationXML files in it or in ``path/stations``),
        ``network``, ``station``, ``location`` (FDSN syntax: comma lists of
        globs), ``channels`` (priority order, globs).
    t0, t1 : UTCDateTime
        Window to read (the stream is trimmed to it).

    Returns
    -------
    LocalRecords
        Status ``error`` when a file cannot be read (the reason names it),
        ``no_data`` with the cause, else ``ok``.

    Raises
    ------
    FileNotFoundError
        The folder does not exist.
    """
    root = Path(arr["path"])
    if not root.exists():
        raise FileNotFoundError(f"local array folder {root} does not exist")
    problems: list[dict] = []
    try:
        inv = station_inventory(arr)
        parts = {
            f: _read_file(f, root, t0, t1, problems) for f in _candidate_files(arr, root, t0, t1)
        }
        st = _select(arr, parts.values(), t0, t1)
        reason = "" if len(st) else _no_data_reason(arr, root, t0, t1)
    except UnreadableFile as exc:
        log.error("local array %s: cannot read %s", root, exc)
        return LocalRecords(status="error", reason=f"cannot read {exc}")
    if reason:
        return LocalRecords(inventory=inv, status="no_data", reason=reason)
    missing, n_listed = _missing_elements(inv, arr, st, t0, t1)
    if missing:
        ids = {tr.id for tr in st}
        used = [f for f, part in parts.items() if any(tr.id in ids for tr in part)]
        problems.append(
            {
                "file": str(used[0].relative_to(root)) if len(used) == 1 else str(arr["path"]),
                "reason": f"no record of {len(missing)} of the {n_listed} elements the "
                f"StationXML lists for the window: {_listing(missing)} (truncated or missing?)",
            }
        )
    return LocalRecords(st, inv, read_problems=problems)
