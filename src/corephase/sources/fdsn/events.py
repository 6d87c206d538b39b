"""Event catalogues: FDSN event queries and user files, filtered and de-duplicated."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping

import pandas as pd
from obspy import UTCDateTime
from obspy.core.event import Catalog
from obspy.geodetics import locations2degrees

from corephase.config.fetch import FetchSettings
from corephase.io.files import atomic_path
from corephase.model.events import Event, event_from_dict, event_from_obspy, events_from_quakeml
from corephase.sources.fdsn.client import RequestFailed, call_with_retries, make_client


def _catalog_entries(cfg: Mapping) -> list[dict]:
    if "catalog" not in cfg and "events" in cfg:
        cfg = cfg["events"]
    cats = cfg.get("catalog") or cfg.get("catalogs") or []
    if isinstance(cats, Mapping):
        cats = [cats]
    return [dict(c) for c in cats]


def events_from_csv(path) -> list[Event]:
    """Events from a CSV with columns time, latitude, longitude, depth_km
    [, magnitude, magnitude_type, label, id]."""
    df = pd.read_csv(path, dtype={"id": str, "label": str, "magnitude_type": str})
    need = {"time", "latitude", "longitude", "depth_km"}
    if not need <= set(df.columns):
        raise ValueError(f"event CSV {path} lacks columns {sorted(need - set(df.columns))}")
    out = []
    for row in df.to_dict("records"):
        d = {k: v for k, v in row.items() if not (isinstance(v, float) and math.isnan(v))}
        out.append(event_from_dict(d))
    return out


def _span(cat: Mapping, arr: Mapping, now: UTCDateTime):
    active = arr.get("active") or {}
    starts = [UTCDateTime(x) for x in (cat.get("start"), active.get("start")) if x]
    ends = [UTCDateTime(x) for x in (cat.get("end"), active.get("end")) if x]
    t0 = max(starts) if starts else UTCDateTime("1990-01-01")
    t1 = min(ends) if ends else now
    return t0, t1


def _keep_for_any_array(ev: Event, cat: Mapping, arrays: Mapping) -> bool:
    lo = float(cat.get("min_distance_deg", 0.0))
    hi = float(cat.get("max_distance_deg", 180.0))
    mmin = cat.get("min_magnitude")
    if mmin is not None and not (ev.magnitude >= float(mmin)):
        return False
    for arr in arrays.values():
        active = arr.get("active") or {}
        if active.get("start") and ev.origin < UTCDateTime(active["start"]):
            continue
        if active.get("end") and ev.origin >= UTCDateTime(active["end"]):
            continue
        d = locations2degrees(ev.latitude, ev.longitude, arr["ref_lat"], arr["ref_lon"])
        if lo <= d <= hi:
            return True
    return False


def deduplicate_events(
    events_by_priority: Iterable[Event], time_tol_s: float = 10.0, dist_tol_deg: float = 0.5
) -> list[Event]:
    """Drop repeated events (same origin within ``time_tol_s`` and ``dist_tol_deg``).

    The first occurrence in the input order wins (list catalogs by
    preference). Returns events sorted by origin time with unique ids.
    """
    kept: list[Event] = []
    for ev in events_by_priority:
        dup = False
        for k in kept:
            if abs(ev.origin - k.origin) <= time_tol_s and (
                locations2degrees(ev.latitude, ev.longitude, k.latitude, k.longitude)
                <= dist_tol_deg
            ):
                dup = True
                break
        if not dup:
            kept.append(ev)
    kept.sort(key=lambda e: e.origin)
    seen: dict[str, int] = {}
    out = []
    for ev in kept:
        if ev.id in seen:
            seen[ev.id] += 1
            ev = Event(**{**ev.to_dict(), "id": f"{ev.id}-{seen[ev.id]}"})
        else:
            seen[ev.id] = 1
        out.append(ev)
    return out


def _query_fdsn_catalog(client, cat: Mapping, arrays: Mapping, now, retries, backoff) -> list:
    """Events of one FDSN catalog entry around every array, in chunks of ``chunk_days``."""
    found = []
    chunk = float(cat.get("chunk_days", 365)) * 86400.0
    for name, arr in arrays.items():
        t0, t1 = _span(cat, arr, now)
        while t0 < t1:
            te = min(t1, t0 + chunk)
            kw = {
                "starttime": t0,
                "endtime": te,
                "minmagnitude": float(cat["min_magnitude"]),
                "latitude": float(arr["ref_lat"]),
                "longitude": float(arr["ref_lon"]),
                "minradius": float(cat["min_distance_deg"]),
                "maxradius": float(cat["max_distance_deg"]),
                "orderby": "time-asc",
            }
            if cat.get("min_depth_km") is not None:
                kw["mindepth"] = float(cat["min_depth_km"])
            if cat.get("max_depth_km") is not None:
                kw["maxdepth"] = float(cat["max_depth_km"])
            if cat.get("catalog"):
                kw["catalog"] = cat["catalog"]
            try:
                qcat, _ = call_with_retries(
                    lambda kw=kw: client.get_events(**kw),
                    retries,
                    backoff,
                    f"event query {name} {t0.date}-{te.date}",
                )
            except RequestFailed as exc:
                if exc.kind != "no_data":
                    raise RuntimeError(
                        f"event query for array {name} ({t0} - {te}) at "
                        f"{cat.get('data_centre')} failed: {exc.reason}"
                    ) from exc
                qcat = Catalog()
            found += [ev for ev in map(event_from_obspy, qcat) if ev is not None]
            t0 = te
    return found


def query_events(
    cfg: Mapping, arrays: Mapping[str, Mapping], client_factory: Callable | None = None
) -> list[Event]:
    """Events for the arrays from FDSN event services and/or user files, de-duplicated.

    Parameters
    ----------
    cfg : dict
        The ``events`` config section (or a whole config with one). Its
        ``catalog`` is one entry or a list, in order of preference. An entry
        has ``source`` (``fdsn``, ``quakeml`` or ``csv``), and for ``fdsn``
        ``data_centre`` (``USGS``, ``ISC``, ``IRIS``, ... or a base URL),
        optionally ``catalog`` (the FDSN ``catalog`` parameter); for files
        ``path``. Filters: ``start``, ``end`` (ISO; intersected with each
        array's ``active`` span), ``min_magnitude`` (default 5.0),
        ``min_distance_deg``/``max_distance_deg`` from the array reference
        point (default 10/70), ``min_depth_km``/``max_depth_km`` (default
        any), ``chunk_days`` (query length, default 365); and for the whole
        list ``dedup_time_s`` (10) and ``dedup_distance_deg`` (0.5),
        ``timeout_s``, ``retries``, ``backoff_s``.
    arrays : dict
        ``{name: array config}`` with ``ref_lat``, ``ref_lon`` and optional
        ``active`` {start, end}.
    client_factory : callable, optional
        ``client_factory(data_centre, timeout_s)``; default :func:`make_client`.

    Returns
    -------
    list of Event
        Sorted by origin time; an event found by several catalogs or near
        several arrays appears once (the first catalog listed wins).
    """
    section = cfg["events"] if ("catalog" not in cfg and "events" in cfg) else cfg
    factory = client_factory or make_client
    fetch = FetchSettings()  # requests default like those of the ``fetch`` section
    timeout = float(section.get("timeout_s", fetch.timeout_s))
    retries = int(section.get("retries", fetch.retries))
    backoff = float(section.get("backoff_s", fetch.backoff_s))
    now = UTCDateTime()
    found: list[Event] = []
    for cat in _catalog_entries(section):
        cat.setdefault("min_magnitude", 5.0)
        cat.setdefault("min_distance_deg", 10.0)
        cat.setdefault("max_distance_deg", 70.0)
        src = cat.get("source", "fdsn")
        if src in ("quakeml", "csv"):
            path = cat.get("path")
            if not path:
                raise ValueError(f"event catalog of source {src!r} needs a 'path'")
            evs = events_from_quakeml(path) if src == "quakeml" else events_from_csv(path)
            found += [e for e in evs if _keep_for_any_array(e, cat, arrays)]
            continue
        if src != "fdsn":
            raise ValueError(f"event catalog source must be fdsn, quakeml or csv, not {src!r}")
        client = factory(cat.get("data_centre", "USGS"), timeout)
        found += _query_fdsn_catalog(client, cat, arrays, now, retries, backoff)
    return deduplicate_events(
        found,
        float(section.get("dedup_time_s", 10.0)),
        float(section.get("dedup_distance_deg", 0.5)),
    )


def save_events(events: Iterable[Event], path) -> None:
    """Write events as one QuakeML file, atomically (depth in m, as QuakeML requires).

    Reading it back with :func:`corephase.model.events.events_from_quakeml` gives the
    same origins, magnitudes and labels.
    """
    from obspy.core.event import ResourceIdentifier

    from corephase.model.events import to_obspy_event

    cat = Catalog(
        resource_id=ResourceIdentifier("smi:corephase/catalog"),
        events=[to_obspy_event(ev) for ev in events],
    )
    with atomic_path(path) as tmp:
        cat.write(str(tmp), format="QUAKEML")
