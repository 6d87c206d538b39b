"""The ``local`` source: miniSEED and StationXML from a folder or an SDS archive."""

from __future__ import annotations

from pathlib import Path

from obspy import Inventory, Stream, UTCDateTime, read, read_inventory

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
