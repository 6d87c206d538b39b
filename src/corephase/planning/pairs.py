"""The event x array pairs of a study: configured events and distance/time selection."""

from __future__ import annotations

import math
from pathlib import Path

from corephase.config.validation import ConfigError
from corephase.model.events import Event, event_from_dict, events_from_quakeml


def configured_events(config: dict, base_dir: str | Path = ".") -> list[Event]:
    """Events from ``events.list`` and ``events.quakeml`` (ids must be unique)."""
    ev_cfg = config.get("events", {})
    out = [event_from_dict(d) for d in ev_cfg.get("list", [])]
    for q in ev_cfg.get("quakeml", []):
        out += events_from_quakeml(Path(base_dir) / q)
    ids = [e.id for e in out]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise ConfigError(f"config key 'events': duplicate event ids {dup}")
    return out


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
    """
    lo, hi = config["distance_deg"]
    pairs = []
    for name, arr in config["arrays"].items():
        active = arr.get("active") or {}
        start, end = active.get("start"), active.get("end")
        for ev in events:
            t = ev.time[:19]
            if start and t < str(start)[:19]:
                continue
            if end and t >= str(end)[:19]:
                continue
            d = _gc_distance_deg(arr["ref_lat"], arr["ref_lon"], ev.latitude, ev.longitude)
            if lo <= d <= hi:
                pairs.append((name, ev.id))
    return pairs
