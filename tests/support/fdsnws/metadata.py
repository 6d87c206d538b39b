"""fdsnws-station 1.1 and fdsnws-event 1.1 query logic over a StationXML and a QuakeML file.

Only what a standards-following client needs: the documented query
parameters (long and short names), GET and (station) POST requests, 204 or
``nodata=404`` when nothing matches, 400 for unknown parameters or bad
values, ``level`` network/station/channel/response, ``format`` xml/text
(station) and xml (event), plus ``/version`` and ``/application.wadl``.
"""

from __future__ import annotations

import copy
import fnmatch
import io
import math
from urllib.parse import parse_qsl

from obspy import UTCDateTime
from obspy.core.event import Catalog
from obspy.core.inventory import Inventory
from obspy.geodetics import locations2degrees

STATION_PARAMS = {
    "starttime": "start",
    "endtime": "end",
    "startbefore": None,
    "startafter": None,
    "endbefore": None,
    "endafter": None,
    "network": "net",
    "station": "sta",
    "location": "loc",
    "channel": "cha",
    "minlatitude": "minlat",
    "maxlatitude": "maxlat",
    "minlongitude": "minlon",
    "maxlongitude": "maxlon",
    "latitude": "lat",
    "longitude": "lon",
    "minradius": None,
    "maxradius": None,
    "level": None,
    "includerestricted": None,
    "includeavailability": None,
    "updatedafter": None,
    "matchtimeseries": None,
    "format": None,
    "nodata": None,
}

EVENT_PARAMS = {
    "starttime": "start",
    "endtime": "end",
    "minlatitude": "minlat",
    "maxlatitude": "maxlat",
    "minlongitude": "minlon",
    "maxlongitude": "maxlon",
    "latitude": "lat",
    "longitude": "lon",
    "minradius": None,
    "maxradius": None,
    "mindepth": None,
    "maxdepth": None,
    "minmagnitude": "minmag",
    "maxmagnitude": "maxmag",
    "magnitudetype": None,
    "includeallorigins": None,
    "includeallmagnitudes": None,
    "includearrivals": None,
    "eventid": None,
    "limit": None,
    "offset": None,
    "orderby": None,
    "catalog": None,
    "contributor": None,
    "updatedafter": None,
    "format": None,
    "nodata": None,
}

TIME_PARAMS = {"starttime", "endtime", "startbefore", "startafter", "endbefore", "endafter"}
TIME_PARAMS |= {"updatedafter"}
FLOAT_PARAMS = {
    "minlatitude",
    "maxlatitude",
    "minlongitude",
    "maxlongitude",
    "latitude",
    "longitude",
    "minradius",
    "maxradius",
    "mindepth",
    "maxdepth",
    "minmagnitude",
    "maxmagnitude",
}


class BadRequest(ValueError):
    """Maps to HTTP 400."""


class Reply:
    """An HTTP reply: status, content type and body bytes."""

    def __init__(self, status: int, body: bytes = b"", ctype: str = "text/plain"):
        self.status, self.body, self.ctype = status, body, ctype


def error_text(status: int, message: str, url: str = "") -> bytes:
    """FDSN error document (plain text)."""
    return (
        f"Error {status}: {message}\n\nRequest:\n{url}\n\n"
        f"Request Submitted:\n{UTCDateTime()}\n\nService version:\n1.1.0\n"
    ).encode()


def parse_params(pairs, spec: dict) -> dict:
    """Normalise (name, value) pairs to long names with typed values."""
    short = {s: long for long, s in spec.items() if s}
    out: dict = {}
    for name, value in pairs:
        key = name.lower()
        key = short.get(key, key)
        if key not in spec:
            raise BadRequest(f"unknown parameter {name!r}")
        try:
            if key in TIME_PARAMS:
                out[key] = UTCDateTime(value)
            elif key in FLOAT_PARAMS:
                out[key] = float(value)
                if not math.isfinite(out[key]):
                    raise ValueError(value)
            elif key in ("limit", "offset", "nodata"):
                out[key] = int(value)
            else:
                out[key] = value
        except (ValueError, TypeError) as exc:
            raise BadRequest(f"bad value {value!r} for {name!r}") from exc
    if out.get("nodata", 204) not in (204, 404):
        raise BadRequest("nodata must be 204 or 404")
    return out


def _patterns(value: str | None) -> list[str] | None:
    if value is None:
        return None
    return [("" if p.strip() == "--" else p.strip()) for p in value.split(",")]


def _match(code: str, pats: list[str] | None) -> bool:
    if pats is None:
        return True
    return any(fnmatch.fnmatchcase(code, p) for p in pats)


def _epoch_ok(obj, p: dict) -> bool:
    s, e = obj.start_date, obj.end_date
    if "starttime" in p and e is not None and e < p["starttime"]:
        return False
    if "endtime" in p and s is not None and s > p["endtime"]:
        return False
    if "startbefore" in p and (s is None or s >= p["startbefore"]):
        return False
    if "startafter" in p and (s is None or s <= p["startafter"]):
        return False
    if "endbefore" in p and (e is None or e >= p["endbefore"]):
        return False
    return not ("endafter" in p and e is not None and e <= p["endafter"])


def _geo_ok(lat: float, lon: float, p: dict) -> bool:
    if "minlatitude" in p and lat < p["minlatitude"]:
        return False
    if "maxlatitude" in p and lat > p["maxlatitude"]:
        return False
    if "minlongitude" in p and lon < p["minlongitude"]:
        return False
    if "maxlongitude" in p and lon > p["maxlongitude"]:
        return False
    if "minradius" in p or "maxradius" in p:
        if "latitude" not in p or "longitude" not in p:
            raise BadRequest("minradius/maxradius need latitude and longitude")
        d = locations2degrees(p["latitude"], p["longitude"], lat, lon)
        if d < p.get("minradius", 0.0) or d > p.get("maxradius", 180.0):
            return False
    return True


def select_inventory(inv: Inventory, criteria: list[dict], p: dict) -> Inventory:
    """Inventory filtered by request lines ``criteria`` and shared parameters ``p``."""
    level = p.get("level", "station")
    if level not in ("network", "station", "channel", "response"):
        raise BadRequest(f"bad level {level!r}")
    out = Inventory(networks=[], source=inv.source or "corephase test fdsnws-station")
    for net in inv.networks:
        nets = []
        for crit in criteria:
            q = {**p, **crit}
            if not _match(net.code, _patterns(q.get("network"))) or not _epoch_ok(net, q):
                continue
            stations = []
            for sta in net.stations:
                if not _match(sta.code, _patterns(q.get("station"))) or not _epoch_ok(sta, q):
                    continue
                if not _geo_ok(sta.latitude, sta.longitude, q):
                    continue
                chans = [
                    c
                    for c in sta.channels
                    if _match(c.location_code, _patterns(q.get("location")))
                    and _match(c.code, _patterns(q.get("channel")))
                    and _epoch_ok(c, q)
                ]
                has_cha_filter = q.get("channel") is not None or q.get("location") is not None
                if has_cha_filter and not chans:
                    continue
                stations.append((sta, chans))
            if stations:
                nets.append(stations)
        merged: dict[int, tuple] = {}
        for stations in nets:
            for sta, chans in stations:
                key = id(sta)
                if key in merged:
                    have = merged[key][1]
                    merged[key] = (sta, have + [c for c in chans if all(c is not h for h in have)])
                else:
                    merged[key] = (sta, list(chans))
        if not merged:
            continue
        n = copy.copy(net)
        n.stations = []
        if level != "network":
            for sta, chans in merged.values():
                s = copy.copy(sta)
                if level == "station":
                    s.channels = []
                else:
                    s.channels = [copy.deepcopy(c) for c in chans]
                    if level == "channel":
                        for c in s.channels:
                            c.response = None
                n.stations.append(s)
        out.networks.append(n)
    return out


def station_query(inv: Inventory, params: list[tuple[str, str]], bulk_lines=None) -> Reply:
    """Answer an fdsnws-station query (GET parameters, or POST parameters + bulk lines)."""
    p = parse_params(params, STATION_PARAMS)
    criteria = [{}]
    if bulk_lines:
        criteria = []
        for line in bulk_lines:
            parts = line.split()
            if len(parts) != 6:
                raise BadRequest(f"bad request line {line!r}")
            net, sta, loc, cha, t0, t1 = parts
            crit = {"network": net, "station": sta, "location": loc, "channel": cha}
            crit["starttime"] = UTCDateTime(t0)
            if t1 != "*":
                crit["endtime"] = UTCDateTime(t1)
            criteria.append(crit)
    sel = select_inventory(inv, criteria, p)
    if not sel.networks:
        return Reply(p.get("nodata", 204))
    fmt = p.get("format", "xml")
    buf = io.BytesIO()
    if fmt == "xml":
        sel.write(buf, format="STATIONXML")
        return Reply(200, buf.getvalue(), "application/xml")
    if fmt == "text":
        level = p.get("level", "station")
        if level == "response":
            raise BadRequest("format=text does not support level=response")
        text = io.StringIO()
        sel.write(text, format="STATIONTXT", level=level)
        return Reply(200, text.getvalue().encode(), "text/plain")
    raise BadRequest(f"unsupported format {fmt!r}")


def event_query(cat: Catalog, params: list[tuple[str, str]]) -> Reply:
    """Answer an fdsnws-event query."""
    p = parse_params(params, EVENT_PARAMS)
    if p.get("format", "xml") != "xml":
        raise BadRequest("only format=xml is supported")
    rows = []
    for ev in cat:
        org = ev.preferred_origin() or (ev.origins[0] if ev.origins else None)
        if org is None:
            continue
        mag = ev.preferred_magnitude() or (ev.magnitudes[0] if ev.magnitudes else None)
        if "eventid" in p and p["eventid"] not in str(ev.resource_id):
            continue
        if "starttime" in p and org.time < p["starttime"]:
            continue
        if "endtime" in p and org.time > p["endtime"]:
            continue
        if not _geo_ok(org.latitude, org.longitude, p):
            continue
        depth_km = (org.depth or 0.0) / 1000.0
        if "mindepth" in p and depth_km < p["mindepth"]:
            continue
        if "maxdepth" in p and depth_km > p["maxdepth"]:
            continue
        m = mag.mag if mag else None
        if "minmagnitude" in p and (m is None or m < p["minmagnitude"]):
            continue
        if "maxmagnitude" in p and (m is None or m > p["maxmagnitude"]):
            continue
        if "magnitudetype" in p and (
            mag is None or (mag.magnitude_type or "").lower() != p["magnitudetype"].lower()
        ):
            continue
        rows.append((org.time, m if m is not None else -99.0, ev))
    order = p.get("orderby", "time")
    keys = {
        "time": (lambda r: r[0], True),
        "time-asc": (lambda r: r[0], False),
        "magnitude": (lambda r: r[1], True),
        "magnitude-asc": (lambda r: r[1], False),
    }
    if order not in keys:
        raise BadRequest(f"bad orderby {order!r}")
    key, rev = keys[order]
    rows.sort(key=key, reverse=rev)
    off = max(0, p.get("offset", 1) - 1)
    rows = rows[off:]
    if "limit" in p:
        rows = rows[: p["limit"]]
    if not rows:
        return Reply(p.get("nodata", 204))
    buf = io.BytesIO()
    Catalog(events=[r[2] for r in rows]).write(buf, format="QUAKEML")
    return Reply(200, buf.getvalue(), "application/xml")


def parse_query_string(qs: str) -> list[tuple[str, str]]:
    """Query string to (name, value) pairs (blank values kept, then rejected as bad)."""
    return parse_qsl(qs, keep_blank_values=True)


def parse_post_body(body: str) -> tuple[list[tuple[str, str]], list[str]]:
    """FDSN POST body: ``key=value`` lines then request lines."""
    params, lines = [], []
    for raw in body.splitlines():
        line = raw.strip()
        if not line:
            continue
        if "=" in line and len(line.split()) == 1:
            k, v = line.split("=", 1)
            params.append((k.strip(), v.strip()))
        else:
            lines.append(line)
    return params, lines


def wadl(service: str, base_url: str) -> bytes:
    """A WADL describing ``service`` ("station" or "event") with its query parameters."""
    spec = STATION_PARAMS if service == "station" else EVENT_PARAMS
    types = {k: "xs:dateTime" for k in TIME_PARAMS}
    types.update({k: "xs:double" for k in FLOAT_PARAMS})
    types.update({"limit": "xs:int", "offset": "xs:int", "nodata": "xs:int"})
    params = "\n".join(
        f'          <param name="{k}" style="query" type="{types.get(k, "xs:string")}"/>'
        for k in spec
    )
    ctype = "application/xml"
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<application xmlns="http://wadl.dev.java.net/2009/02"
             xmlns:xs="http://www.w3.org/2001/XMLSchema">
  <doc title="FDSN {service} web service 1.1 (corephase test server)"/>
  <resources base="{base_url}/fdsnws/{service}/1/">
    <resource path="query">
      <method name="GET" id="query">
        <request>
{params}
        </request>
        <response status="200"><representation mediaType="{ctype}"/></response>
        <response status="204 400 401 403 404 413 414 500 503">
          <representation mediaType="text/plain"/>
        </response>
      </method>
      <method name="POST" id="postQuery">
        <response status="200"><representation mediaType="{ctype}"/></response>
      </method>
    </resource>
    <resource path="version">
      <method name="GET"><response><representation mediaType="text/plain"/></response></method>
    </resource>
    <resource path="application.wadl">
      <method name="GET"><response><representation mediaType="{ctype}"/></response></method>
    </resource>
  </resources>
</application>
""".encode()
