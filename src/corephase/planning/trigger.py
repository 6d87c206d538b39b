"""Stage-1 results that trigger the dense search: detections and their events."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from corephase.config.dense import TriggerSettings
from corephase.model.events import Event


def events_from_catalogue(catalogue: pd.DataFrame) -> list[Event]:
    """The events of a global catalogue (one per ``event`` id, origin from its columns)."""
    need = {"event", "event_time", "event_lat", "event_lon", "event_depth_km"}
    missing = need - set(catalogue.columns)
    if missing:
        raise ValueError(f"catalogue lacks columns {sorted(missing)}")
    first = catalogue.drop_duplicates("event")
    mag = first["event_mag"] if "event_mag" in first else [float("nan")] * len(first)
    return [
        Event(
            id=str(e),
            time=str(t),
            latitude=float(la),
            longitude=float(lo),
            depth_km=float(d),
            magnitude=float(m),
        )
        for e, t, la, lo, d, m in zip(
            first["event"],
            first["event_time"],
            first["event_lat"],
            first["event_lon"],
            first["event_depth_km"],
            mag,
            strict=True,
        )
    ]


def stage1_detections(catalogue: pd.DataFrame, exclude_arrays: Iterable[str] = ()) -> pd.DataFrame:
    """Stage-1 detections of a global catalogue, shaped for the dense search.

    Parameters
    ----------
    catalogue : DataFrame
        The global catalogue (columns ``event``, ``array``, ``phase``, ``snr``,
        ``detected``, optional ``status``).
    exclude_arrays : iterable of str
        Arrays whose rows are ignored: the dense networks themselves, so that
        stage-2 results never trigger stage 2.

    Returns
    -------
    DataFrame
        Rows with ``detected`` true (pairs of status ok/partial), columns
        ``event_id``, ``array``, ``phase``, ``band``, ``stack``, ``snr``, ``detected``.
    """
    need = {"event", "array", "phase", "snr", "detected"}
    missing = need - set(catalogue.columns)
    if missing:
        raise ValueError(f"catalogue lacks columns {sorted(missing)}")
    det = catalogue[~catalogue["array"].isin(list(exclude_arrays))]
    det = det[det["phase"].notna()]
    flag = det["detected"].astype(str).str.lower().isin(["true", "1", "1.0"])
    det = det[flag]
    if "status" in det.columns:
        det = det[det["status"].isin(["ok", "partial"])]
    cols = [c for c in ("event", "array", "phase", "band", "stack", "snr") if c in det]
    out = det[cols].rename(columns={"event": "event_id"}).copy()
    out["snr"] = pd.to_numeric(out["snr"], errors="coerce")
    out["detected"] = True
    return out.reset_index(drop=True)


def triggered_events(
    detections: pd.DataFrame, trigger: TriggerSettings, events: Iterable[Event]
) -> pd.DataFrame:
    """The events a dense network is searched for, with the detections that triggered it.

    Parameters
    ----------
    detections : DataFrame
        One row per array detection with columns ``event_id``, ``array``,
        ``phase``, ``snr`` (see :func:`stage1_detections`; rows with a False
        ``accept`` or ``detected`` flag are ignored).
    trigger : corephase.config.dense.TriggerSettings
        Phases that count, minimum beam SNR and minimum number of detecting arrays.
    events : iterable of Event
        The events that may be searched (e.g. those of the network's active
        span); detections of other events are ignored.

    Returns
    -------
    DataFrame
        Columns ``event_id``, ``n_detections`` (arrays), ``arrays`` (sorted,
        comma list), ``best_snr``; one row per triggered event, in the order of
        ``events``.
    """
    need = {"event_id", "array", "phase", "snr"}
    if not need <= set(detections.columns):
        raise ValueError(
            f"detections table lacks columns {sorted(need - set(detections.columns))}"
        )
    det = detections[detections["phase"].isin(list(trigger.phases))]
    det = det[pd.to_numeric(det["snr"], errors="coerce") >= float(trigger.min_snr)]
    for flag in ("accept", "detected"):
        if flag in det.columns:
            det = det[det[flag].astype(bool)]
    rows = []
    by_event = dict(tuple(det.groupby("event_id", sort=False)))
    for ev in events:
        grp = by_event.get(ev.id)
        if grp is None:
            continue
        arrays = sorted(set(grp["array"]))
        if len(arrays) >= int(trigger.min_detections):
            rows.append(
                {
                    "event_id": ev.id,
                    "n_detections": len(arrays),
                    "arrays": ",".join(arrays),
                    "best_snr": float(grp["snr"].max()),
                }
            )
    return pd.DataFrame(rows, columns=["event_id", "n_detections", "arrays", "best_snr"])
