"""Second stage (issue #5): search dense networks for events the IMS arrays detect.

Stage 1 processes every configured event x IMS array pair and gathers the
detections in the global catalogue (``results/summary/catalogue.csv``, see
:mod:`corephase.analysis.catalogue`). Stage 2 takes the events whose weak core phase
(by default PKiKP) is detected there and searches them on dense networks (TA,
AK, Hi-net, ...): for each (event, network) the stations open at the origin
time within the network's epicentral distance range form one *dense pair*,
processed by the same per-pair stages as an IMS pair, with curved-wavefront
(TauP per element) alignment instead of a plane wave.

The plan is a table, one row per selected station of each (event, network),
written by :func:`plan_dense` (rule ``dense_plan``) and turned into array
configurations and pairs by :func:`dense_pairs` when the workflow is planned.

Conventions
-----------
- Distances are epicentral great-circle distances (degrees) from the event to
  each station; back-azimuths are at the station, towards the event,
  clockwise from north.
- A dense pair's reference point is the spherical centroid of its stations;
  its records start and end by theoretical phases at that point (config
  ``window``).
- The configuration of a dense network (``dense_networks.<name>``) takes the
  keys of an array plus

  ``min_distance_deg``, ``max_distance_deg``
      range of station distances (deg, inclusive; default 10-70);
  ``stations``
      station table: CSV or StationXML path, or ``package:<file>`` for a table
      shipped in ``corephase/data`` (e.g. ``package:TA_stations.csv``). Without
      one, stations are queried from the network's data centre (FDSN, or NIED
      for Hi-net) when the plan is made;
  ``max_aperture_km``
      keep only the stations within a circle of this diameter (km) holding the
      most of them (:func:`densest_disc`): the largest offsets and time shifts a
      pair's record window must hold grow with its aperture;
  ``max_stations``
      cap per pair (after the aperture cut); the kept stations cover the pair's aperture evenly
      (farthest-point sampling, :func:`even_subset`);
  ``min_stations``
      fewer stations open in range: the pair is not planned (default 3);
  ``trigger``
      ``{phases, min_snr, min_detections}``: an event is searched when at
      least ``min_detections`` stage-1 arrays detect one of ``phases`` with
      beam SNR >= ``min_snr`` (any band and stack; default PKiKP, 3, 1);
  ``curved_wavefront``
      align on TauP times per element (default true);
  ``unknown_end``
      ``exclude`` (default) or ``include`` the stations of a table whose real end
      date is unknown (``end_status = unknown``) for events after their confirmed end
      (:func:`corephase.planning.stations.select_dense_stations`); the plan flags
      every station kept without known dates (``dates_known``);
  ``subarray_aperture_km``
      split the selected stations of each pair into sub-arrays of this diameter
      (:func:`corephase.planning.stations.subarray_groups`, each with at least
      ``min_stations``), each planned, beamed and tested as its own pair named
      ``<network>_<k>`` (``k`` from 0, most populous first); none (default) keeps
      one pair per (event, network).

Modules: :mod:`corephase.planning.trigger` (stage-1 detections that trigger
the search), :mod:`corephase.planning.stations` (station selection per event),
:mod:`corephase.planning.dense_pairs` (pairs and array configs from a plan,
the summary).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd
from obspy import UTCDateTime

from corephase.config.dense import TriggerSettings
from corephase.config.fetch import FetchSettings
from corephase.io.files import atomic_path
from corephase.io.stations import load_station_table
from corephase.model.events import Event
from corephase.planning.stations import (
    densest_disc,
    even_subset,
    resolve_stations,
    select_dense_stations,
    subarray_groups,
)
from corephase.planning.trigger import events_from_catalogue, stage1_detections, triggered_events

log = logging.getLogger(__name__)

#: Keys of a dense-network entry used only to plan (not passed to the per-pair stages).
PLAN_KEYS = (
    "min_distance_deg",
    "max_distance_deg",
    "stations",
    "max_aperture_km",
    "max_stations",
    "min_stations",
    "trigger",
    "unknown_end",
    "subarray_aperture_km",
)

#: Columns of the plan table (one row per selected station of an event x network).
PLAN_COLUMNS = [
    "event",
    "network",
    "station_network",
    "station",
    "latitude",
    "longitude",
    "elevation_m",
    "channel",
    "distance_deg",
    "backazimuth_deg",
    "n_open",
    "n_detections",
    "arrays",
    "best_snr",
    "subarray",
    "dates_known",
]


def _active(ncfg: Mapping, event: Event) -> bool:
    """Whether ``event`` is inside the network's ``active`` span (start inclusive)."""
    active = ncfg.get("active") or {}
    if active.get("start") and event.origin < UTCDateTime(active["start"]):
        return False
    return not (active.get("end") and event.origin >= UTCDateTime(active["end"]))


def _station_table(name, ncfg, events, station_tables, fetch, base_dir) -> pd.DataFrame:
    """The network's stations: a given table, its ``stations`` file, or a query."""
    if name in station_tables:
        return load_station_table(station_tables[name])
    if ncfg.get("stations"):
        return load_station_table(resolve_stations(ncfg["stations"], base_dir))
    if ncfg.get("source") in ("fdsn", "hinet"):
        from corephase.sources.fdsn.stations import query_station_table

        return query_station_table(ncfg, events, fetch)
    raise ValueError(
        f"dense network {name}: source {ncfg.get('source')!r} needs a 'stations' table"
    )


def _pair_rows(name: str, ncfg: Mapping, table, event: Event, trig: Mapping):
    """Plan rows of one (event, network), or None if too few stations remain."""
    lo = float(ncfg.get("min_distance_deg", 10.0))
    hi = float(ncfg.get("max_distance_deg", 70.0))
    min_sta = int(ncfg.get("min_stations", 3))
    unknown_end = ncfg.get("unknown_end", "exclude")
    sel = select_dense_stations(table, event, lo, hi, ncfg.get("channels"), unknown_end)
    n_open = len(sel)
    if n_open < min_sta:
        return None
    if ncfg.get("max_aperture_km") is not None:
        keep = densest_disc(sel["latitude"], sel["longitude"], float(ncfg["max_aperture_km"]))
        sel = sel.iloc[keep]
    if len(sel) < min_sta:
        log.info("dense plan: %s on %s: %d stations in the aperture", event.id, name, len(sel))
        return None
    if ncfg.get("max_stations") is not None:
        sel = sel.iloc[even_subset(sel["latitude"], sel["longitude"], int(ncfg["max_stations"]))]
    log.info(
        "dense plan: %s on %s, %d of %d open stations in %g-%g deg (%d without known dates)",
        event.id,
        name,
        len(sel),
        n_open,
        lo,
        hi,
        int((~sel["dates_known"]).sum()),
    )
    sub = _subarrays(ncfg, sel, min_sta)
    if sub is not None:
        sel, sub = sel[sub >= 0], sub[sub >= 0]
        if sel.empty:
            log.info("dense plan: %s on %s: no sub-array of %d stations", event.id, name, min_sta)
            return None
    return pd.DataFrame(
        {
            "event": event.id,
            "network": name,
            "station_network": sel["network"].astype(str).to_numpy(),
            "station": sel["station"].astype(str).to_numpy(),
            "latitude": sel["latitude"].astype(float).to_numpy(),
            "longitude": sel["longitude"].astype(float).to_numpy(),
            "elevation_m": pd.to_numeric(sel["elevation_m"]).fillna(0.0).to_numpy(),
            "channel": sel["channel"].astype(str).to_numpy(),
            "distance_deg": sel["distance_deg"].to_numpy(),
            "backazimuth_deg": sel["backazimuth_deg"].to_numpy(),
            "n_open": n_open,
            "n_detections": int(trig["n_detections"]),
            "arrays": trig["arrays"],
            "best_snr": float(trig["best_snr"]),
            "subarray": "" if sub is None else [f"{name}_{k}" for k in sub],
            "dates_known": sel["dates_known"].astype(bool).to_numpy(),
            "_t": event.origin.timestamp,
        }
    )


def _subarrays(ncfg: Mapping, sel: pd.DataFrame, min_sta: int):
    """Sub-array number of each selected station (-1: in none), or None without sub-arrays."""
    ap = ncfg.get("subarray_aperture_km")
    if ap is None:
        return None
    return subarray_groups(sel["latitude"], sel["longitude"], float(ap), min_sta)


def _check_distance_range(name: str, ncfg: Mapping) -> None:
    lo = float(ncfg.get("min_distance_deg", 10.0))
    hi = float(ncfg.get("max_distance_deg", 70.0))
    if not 0 <= lo < hi <= 180:
        raise ValueError(
            f"dense network {name}: distance range must satisfy 0 <= min < max <= 180, "
            f"got {[lo, hi]}"
        )


def plan_dense(
    catalogue: pd.DataFrame,
    dense_cfg: Mapping[str, Mapping],
    events: Iterable[Event] | None = None,
    station_tables: Mapping[str, object] | None = None,
    fetch: FetchSettings | None = None,
    base_dir: str | Path = ".",
) -> pd.DataFrame:
    """The second-stage plan: selected stations per (event, dense network).

    For each network: the events of its active span that its trigger selects
    (:func:`corephase.planning.trigger.triggered_events`), then per event the
    stations open at the origin time within the distance range, first
    available channel of the network's ``channels`` priority
    (:func:`corephase.planning.stations.select_dense_stations`), cut to
    ``max_aperture_km`` (:func:`densest_disc`) and capped at ``max_stations``
    (:func:`even_subset`); pairs with fewer than ``min_stations`` are dropped.

    Parameters
    ----------
    catalogue : DataFrame
        Stage-1 global catalogue (see :func:`stage1_detections`); rows of the
        dense networks themselves are ignored.
    dense_cfg : dict
        ``config["dense_networks"]`` (see the module docstring).
    events : iterable of Event, optional
        Event list; default: the events of the catalogue.
    station_tables : dict, optional
        ``{network name: table}`` (anything
        :func:`corephase.io.stations.load_station_table` reads), overriding
        ``stations`` and the data-centre query.
    fetch : corephase.config.fetch.FetchSettings, optional
        Timeouts and retries of station queries.
    base_dir : str or Path
        Directory relative ``stations`` paths are resolved against.

    Returns
    -------
    DataFrame
        Columns :data:`PLAN_COLUMNS`, sorted by event time, network and
        station distance; ``n_open`` is the number of stations open in range
        before the aperture cut and the cap.
    """
    events = list(events) if events is not None else events_from_catalogue(catalogue)
    det = stage1_detections(catalogue, exclude_arrays=dense_cfg)
    tables = dict(station_tables or {})
    blocks = []
    for name, ncfg in dense_cfg.items():
        _check_distance_range(name, ncfg)
        where = f"dense_networks.{name}.trigger"
        trigger = TriggerSettings.from_dict(ncfg.get("trigger"), where=where)
        by_id = {e.id: e for e in events if _active(ncfg, e)}
        wanted = triggered_events(det, trigger, by_id.values())
        if wanted.empty:
            continue
        evs = [by_id[e] for e in wanted["event_id"]]
        table = _station_table(name, ncfg, evs, tables, fetch, base_dir)
        for ev, (_, trig) in zip(evs, wanted.iterrows(), strict=True):
            rows = _pair_rows(name, ncfg, table, ev, trig)
            if rows is not None:
                blocks.append(rows)
    if not blocks:
        return pd.DataFrame(columns=PLAN_COLUMNS)
    plan = pd.concat(blocks, ignore_index=True)
    plan = plan.sort_values(["_t", "event", "network", "distance_deg", "station"], kind="stable")
    return plan.drop(columns="_t").reset_index(drop=True)[PLAN_COLUMNS]


def write_plan(plan: pd.DataFrame, path) -> None:
    """Write the plan table atomically (CSV, :data:`PLAN_COLUMNS`)."""
    missing = set(PLAN_COLUMNS) - set(plan.columns)
    if missing:
        raise ValueError(f"plan lacks columns {sorted(missing)}")
    with atomic_path(path) as tmp:
        plan[PLAN_COLUMNS].to_csv(tmp, index=False, float_format="%.6f")


def read_plan(path) -> pd.DataFrame:
    """Read a plan written by :func:`write_plan` (codes kept as strings)."""
    plan = pd.read_csv(
        path,
        dtype={
            "event": str,
            "network": str,
            "station_network": str,
            "station": str,
            "channel": str,
            "arrays": str,
            "subarray": str,
        },
        keep_default_na=False,
        na_values={"latitude": [""], "longitude": [""]},
    )
    missing = set(PLAN_COLUMNS) - set(plan.columns)
    if missing:
        raise ValueError(f"dense plan {path} lacks columns {sorted(missing)}")
    return plan


# --------------------------------------------------------------------------- pairs
