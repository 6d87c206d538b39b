"""The event x array pairs of a study: configured events and distance/time selection."""

from __future__ import annotations

import logging
import math
from collections import Counter
from pathlib import Path

from corephase.config.validation import ConfigError
from corephase.model.events import Event, event_from_dict, events_from_quakeml

log = logging.getLogger("corephase")


def configured_events(config: dict, base_dir: str | Path = ".") -> list[Event]:
    """Events from ``events.list`` and ``events.quakeml`` (ids must be unique).

    When the ``events`` section names no events (no ``list``, ``quakeml`` or
    ``catalog``), the events are those of the QuakeML files in the local arrays'
    folders (see :func:`corephase.sources.local.folder_quakeml`); the same event
    in several folders counts once.
    """
    ev_cfg = config.get("events", {})
    files = [Path(base_dir) / q for q in ev_cfg.get("quakeml", [])]
    out = [event_from_dict(d) for d in ev_cfg.get("list", [])]
    if not (out or files or ev_cfg.get("catalog")):
        files = _folder_quakeml(config, base_dir)
    for f in files:
        out += [e for e in events_from_quakeml(f) if e not in out]
    dup = sorted(i for i, n in Counter(e.id for e in out).items() if n > 1)
    if dup:
        raise ConfigError(f"config key 'events': duplicate event ids {dup}")
    return out


class CatalogueUnavailable(ConfigError):
    """The event catalogue is neither cached nor reachable (the message says what to do)."""


def study_events(config: dict, base_dir: str | Path = ".") -> dict[str, Event]:
    """The study's events by id, as the workflow and ``corephase run-study`` gather them.

    Listed and QuakeML events (:func:`configured_events`) first, then the events of the
    cached catalogue query (``events.catalog_cache``), without repeats
    (``events.dedup_time_s``, ``events.dedup_distance_deg``): a catalogue event at the
    origin of a listed one is the listed event. A missing cache is filled by the
    catalogue query (once, when a run is planned; delete the file to query again).

    Raises
    ------
    CatalogueUnavailable
        The catalogue is neither cached nor reachable.
    ConfigError
        Invalid events (see :func:`configured_events`).
    """
    events = {e.id: e for e in configured_events(config, base_dir)}
    ev_cfg = config["events"]
    if not ev_cfg.get("catalog"):
        return events
    from corephase.sources.fdsn import deduplicate_events, query_events, save_events

    cache = Path(base_dir) / ev_cfg["catalog_cache"]
    if not cache.exists():
        log.info("querying the event catalog, cached in %s", cache)
        try:
            save_events(query_events(ev_cfg, config["arrays"]), cache)
        except Exception as err:
            reason = (str(err).strip().splitlines() or [type(err).__name__])[0][:300]
            raise CatalogueUnavailable(
                f"the event catalogue must be fetched first: {cache} does not exist and "
                f"the catalog query failed ({reason}). Run the workflow once where the "
                "data centre can be reached (a dry run, snakemake -n, is enough), or "
                f"put a QuakeML catalogue at {cache}."
            ) from None
    merged = [*events.values(), *events_from_quakeml(cache)]
    for ev in deduplicate_events(merged, ev_cfg["dedup_time_s"], ev_cfg["dedup_distance_deg"]):
        events.setdefault(ev.id, ev)
    return events


def _folder_quakeml(config: dict, base_dir) -> list[Path]:
    from corephase.sources.local import folder_quakeml

    return [
        f
        for arr in config.get("arrays", {}).values()
        if arr["source"] == "local" and (Path(base_dir) / arr["path"]).exists()
        for f in folder_quakeml(arr, base_dir)
    ]


def resolve_references(config: dict, base_dir: str | Path = ".") -> dict:
    """Fill in the reference point of local arrays that do not give ``ref_lat``/``ref_lon``.

    Reads each such array's StationXML (see
    :func:`corephase.sources.local.reference_point`) and sets ``ref_lat``,
    ``ref_lon`` (degrees) and ``ref_from`` (which element or centroid) in
    ``config["arrays"]``, in place; the fetch stage reports ``ref_from``.

    Raises
    ------
    ConfigError
        Neither a configured reference point nor a usable StationXML.
    """
    from corephase.sources.local import reference_point

    for name, arr in config["arrays"].items():
        if arr["source"] != "local" or "ref_lat" in arr:
            continue
        try:
            arr.update(reference_point(name, arr, base_dir))
        except ValueError as exc:
            raise ConfigError(
                f"config key 'arrays.{name}': no ref_lat/ref_lon given and none from the "
                f"StationXML: {exc}"
            ) from None
    return config


def _gc_distance_deg(lat1, lon1, lat2, lon2) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dl = math.radians(lon2 - lon1)
    c = math.sin(p1) * math.sin(p2) + math.cos(p1) * math.cos(p2) * math.cos(dl)
    return math.degrees(math.acos(max(-1.0, min(1.0, c))))


def plan_pairs(config: dict, events: list[Event]) -> list[tuple[str, str]]:
    """The (array, event id) pairs to process.

    A pair is kept when the epicentral distance from the array reference point
    (spherical Earth) lies within ``distance_deg`` (inclusive) and the origin
    time within the array's ``active`` span (start inclusive, end exclusive).
    Local arrays without ``ref_lat``/``ref_lon`` need :func:`resolve_references`
    first. An ``events.list`` entry with ``arrays`` pairs only with those arrays.
    Keys of ``synthetic.pairs`` must name a configured array and event.
    """
    lo, hi = config["distance_deg"]
    only = _event_arrays(config)
    _check_synthetic_pairs(config, events)
    pairs = []
    for name, arr in config["arrays"].items():
        if "ref_lat" not in arr or "ref_lon" not in arr:
            raise ConfigError(
                f"config key 'arrays.{name}.ref_lat': the array has no reference point "
                "(give ref_lat and ref_lon, or for a local array its StationXML)"
            )
        active = arr.get("active") or {}
        start, end = active.get("start"), active.get("end")
        for ev in events:
            if ev.id in only and name not in only[ev.id]:
                continue
            t = ev.time[:19]
            if start and t < str(start)[:19]:
                continue
            if end and t >= str(end)[:19]:
                continue
            d = _gc_distance_deg(arr["ref_lat"], arr["ref_lon"], ev.latitude, ev.longitude)
            if lo <= d <= hi:
                pairs.append((name, ev.id))
    return pairs


def _event_arrays(config: dict) -> dict[str, list[str]]:
    """Event id -> the arrays its ``events.list`` entry restricts it to (checked)."""
    out = {}
    for i, d in enumerate(config.get("events", {}).get("list", [])):
        if "arrays" not in d:
            continue
        bad = [a for a in d["arrays"] if a not in config["arrays"]]
        if bad:
            raise ConfigError(
                f"config key 'events.list.{i}.arrays': no array {bad[0]!r} is configured "
                f"(arrays: {', '.join(config['arrays'])})"
            )
        out[event_from_dict(d).id] = list(d["arrays"])
    return out


def _check_synthetic_pairs(config: dict, events: list[Event]) -> None:
    """ConfigError naming a ``synthetic.pairs`` key whose array or event is not configured."""
    ids = {e.id for e in events}
    for key in (config.get("synthetic") or {}).get("pairs") or {}:
        array, _, event = key.partition("/")
        if array not in config["arrays"] or event not in ids:
            what = f"array {array!r}" if array not in config["arrays"] else f"event {event!r}"
            raise ConfigError(
                f"config key 'synthetic.pairs.{key}': no {what} is configured "
                f"(pairs are named 'ARRAY/EVENT_ID')"
            )
