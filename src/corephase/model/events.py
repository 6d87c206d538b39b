"""Events: the pipeline's event model, readable ids, and loaders.

Origin times are UTC; depth in km; magnitudes as catalogued. An :class:`Event` keeps its
origin time as ISO 8601 text; ObsPy is imported only where a
:class:`obspy.UTCDateTime` is made (:func:`utc`), so a job that reads events from
``pair.json`` and never asks for :attr:`Event.origin` does not load ObsPy.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from obspy import UTCDateTime


@dataclass(frozen=True)
class Event:
    """One earthquake.

    Attributes
    ----------
    id : str
        Stable, readable identifier used in paths (``results/{array}/{id}``).
    time : str
        Origin time, ISO 8601 UTC.
    latitude, longitude : float
        Epicentre in degrees.
    depth_km : float
        Hypocentral depth in km.
    magnitude : float
    magnitude_type : str
    label : str
        Free text (region name).
    """

    id: str
    time: str
    latitude: float
    longitude: float
    depth_km: float
    magnitude: float = float("nan")
    magnitude_type: str = ""
    label: str = ""

    @property
    def origin(self) -> UTCDateTime:
        """Origin time as :class:`obspy.UTCDateTime` (imports ObsPy)."""
        return utc(self.time)

    @property
    def origin_ns(self) -> int:
        """Origin time in ns since 1970-01-01 UTC: ``self.origin.ns``, without ObsPy for
        the ISO text the pipeline writes (:func:`utc_ns`)."""
        return utc_ns(self.time)

    def to_dict(self) -> dict:
        return asdict(self)


def utc(time) -> UTCDateTime:
    """``obspy.UTCDateTime(time)``, importing ObsPy at the first call.

    Parameters
    ----------
    time : str, float or obspy.UTCDateTime
        A time ObsPy reads: ISO 8601 text (UTC), a POSIX timestamp in s, or a UTCDateTime.
    """
    from obspy import UTCDateTime

    return UTCDateTime(time)


_ISO_RE = re.compile(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?Z?")
_EPOCH = datetime(1970, 1, 1)


def utc_ns(time: str) -> int:
    """``obspy.UTCDateTime(time).ns``: ns since 1970-01-01 UTC of an ISO 8601 time.

    Text ``YYYY-MM-DDTHH:MM:SS[.ffffff][Z]`` (as :class:`Event` holds it) is read without
    ObsPy, as ObsPy reads it (calendar date and time, the fraction in whole us); any other
    form ObsPy reads goes through :func:`utc`.
    """
    m = _ISO_RE.fullmatch(time) if isinstance(time, str) else None
    if m is None:
        return utc(time).ns
    *ymdhms, frac = m.groups()
    try:
        span = datetime(*map(int, ymdhms)) - _EPOCH
    except ValueError:  # e.g. a leap second: ObsPy says what it reads
        return utc(time).ns
    micro = int((frac or "").ljust(6, "0"))
    return (span.days * 86400 + span.seconds) * 10**9 + micro * 1000


#: Resource-id prefix under which the pipeline stores its event ids in QuakeML.
_RID_PREFIX = "smi:corephase/event/"

_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def default_event_id(time, label: str = "") -> str:
    """Readable id from the origin time (to the second) and an optional label.

    ``2014-06-23T20:53:09`` with label ``Aleutians`` gives
    ``20140623T205309_Aleutians``.
    """
    t = utc(time)
    base = t.strftime("%Y%m%dT%H%M%S")
    lab = re.sub(r"[^A-Za-z0-9]+", "-", label).strip("-")
    return f"{base}_{lab}" if lab else base


def check_event_id(event_id: str) -> str:
    """Raise ValueError unless ``event_id`` is safe as a single path component."""
    if not _ID_RE.match(event_id):
        raise ValueError(
            f"event id {event_id!r} must start with a letter or digit and contain only "
            "letters, digits, '_', '.' and '-'"
        )
    return event_id


def event_from_dict(d: dict) -> Event:
    """Build an :class:`Event` from a config entry (keys as in the config schema)."""
    time = str(utc(d["time"]))
    eid = d.get("id") or default_event_id(time, d.get("label", ""))
    return Event(
        id=check_event_id(eid),
        time=time,
        latitude=float(d["latitude"]),
        longitude=float(d["longitude"]),
        depth_km=float(d["depth_km"]),
        magnitude=float(d.get("magnitude", float("nan"))),
        magnitude_type=str(d.get("magnitude_type", "")),
        label=str(d.get("label", "")),
    )


def event_from_obspy(ev) -> Event | None:
    """An :class:`Event` from an ObsPy event (preferred origin and magnitude).

    The id is kept when the event was written by corephase (resource id
    ``smi:corephase/event/<id>``), else made by :func:`default_event_id`. Depth
    in km (QuakeML stores metres). Returns None for an event without an origin
    with coordinates.
    """
    org = ev.preferred_origin() or (ev.origins[0] if ev.origins else None)
    if org is None or org.latitude is None or org.longitude is None:
        return None
    mag = ev.preferred_magnitude() or (ev.magnitudes[0] if ev.magnitudes else None)
    label = (ev.event_descriptions[0].text or "") if ev.event_descriptions else ""
    rid = str(ev.resource_id.id) if ev.resource_id else ""
    return event_from_dict(
        {
            "id": rid[len(_RID_PREFIX) :] if rid.startswith(_RID_PREFIX) else None,
            "time": org.time,
            "latitude": org.latitude,
            "longitude": org.longitude,
            "depth_km": (org.depth or 0.0) / 1000.0,
            "magnitude": mag.mag if mag else float("nan"),
            "magnitude_type": (mag.magnitude_type or "") if mag else "",
            "label": label,
        }
    )


def events_from_quakeml(path) -> list[Event]:
    """Read the events of a QuakeML file (see :func:`event_from_obspy`).

    Raises
    ------
    ValueError
        For an event without an origin with coordinates.
    """
    from obspy import read_events

    out = []
    for i, ev in enumerate(read_events(str(path))):
        event = event_from_obspy(ev)
        if event is None:
            raise ValueError(f"{path}: event {i} has no origin with coordinates")
        out.append(event)
    return out


def to_obspy_event(event: Event):
    """The event as an :class:`obspy.core.event.Event` (depth in m, as QuakeML requires).

    The resource id carries the pipeline's event id, which
    :func:`events_from_quakeml` reads back.
    """
    from obspy.core.event import Event as QEvent
    from obspy.core.event import EventDescription, Magnitude, Origin, ResourceIdentifier

    org = Origin(
        time=utc(event.time),
        latitude=event.latitude,
        longitude=event.longitude,
        depth=event.depth_km * 1000.0,
    )
    qe = QEvent(resource_id=ResourceIdentifier(f"{_RID_PREFIX}{event.id}"))
    qe.origins.append(org)
    qe.preferred_origin_id = org.resource_id
    if event.magnitude == event.magnitude:  # not NaN
        mag = Magnitude(
            mag=event.magnitude,
            magnitude_type=event.magnitude_type or None,
            origin_id=org.resource_id,
        )
        qe.magnitudes.append(mag)
        qe.preferred_magnitude_id = mag.resource_id
    if event.label:
        qe.event_descriptions.append(EventDescription(text=event.label, type="region name"))
    return qe


def event_to_quakeml(event: Event, path) -> None:
    """Write one event as QuakeML, atomically (see :func:`to_obspy_event`)."""
    from obspy.core.event import Catalog

    from corephase.io.files import atomic_path

    with atomic_path(path) as tmp:
        Catalog(events=[to_obspy_event(event)]).write(str(tmp), format="QUAKEML")
