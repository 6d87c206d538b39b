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
      align on TauP times per element (default true).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from corephase.io.files import atomic_path
from corephase.model.events import Event
from corephase.model.geometry import centroid

log = logging.getLogger(__name__)

#: Prefix of a ``stations`` value naming a table shipped in ``corephase/data``.
PACKAGE_PREFIX = "package:"

#: Default stage-1 trigger of the dense search.
DEFAULT_TRIGGER = {"phases": ["PKiKP"], "min_snr": 3.0, "min_detections": 1}

#: Keys of a dense-network entry used only to plan (not passed to the per-pair stages).
PLAN_KEYS = (
    "min_distance_deg",
    "max_distance_deg",
    "stations",
    "max_aperture_km",
    "max_stations",
    "min_stations",
    "trigger",
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
]


# --------------------------------------------------------------------------- inputs


def resolve_stations(spec: str, base_dir: str | Path = ".") -> Path:
    """Path of a station table named in a dense-network config.

    Parameters
    ----------
    spec : str
        ``package:<file>`` for a table shipped in ``corephase/data``, else a
        path (relative paths are relative to ``base_dir``).
    base_dir : str or Path
        Working directory of the workflow.

    Raises
    ------
    FileNotFoundError
        If the table does not exist.
    """
    spec = str(spec)
    if spec.startswith(PACKAGE_PREFIX):
        name = spec[len(PACKAGE_PREFIX) :]
        res = resources.files("corephase") / "data" / name
        if not res.is_file():
            raise FileNotFoundError(f"station table {spec!r}: no package data file {name!r}")
        return Path(str(res))
    path = Path(spec)
    if not path.is_absolute():
        path = Path(base_dir) / path
    if not path.is_file():
        raise FileNotFoundError(f"station table {spec!r} not found ({path})")
    return path


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


def query_station_table(ncfg: Mapping, events: Iterable[Event], fetch_cfg: Mapping | None = None):
    """Stations of a dense network from its data centre, for the span of ``events``.

    One channel-level station request (``network``, ``station``, ``location``,
    first-choice channel patterns of ``channels``) from the earliest to the latest
    origin time, through :func:`corephase.sources.fdsn.make_client` (``data_centre``; a
    ``hinet`` source uses NIED), with the retries of ``fetch``.

    Returns
    -------
    DataFrame
        See :func:`corephase.sources.fdsn.load_station_table` (one row per station epoch).
    """
    from obspy import Inventory, UTCDateTime

    from corephase.sources.fdsn import (
        DEFAULT_FETCH,
        call_with_retries,
        load_station_table,
        make_client,
    )

    fcfg = {**DEFAULT_FETCH, **(fetch_cfg or {})}
    times = [UTCDateTime(e.time) for e in events]
    if not times:
        return load_station_table(
            pd.DataFrame(columns=["network", "station", "latitude", "longitude"])
        )
    dc = ncfg.get("data_centre") or ("NIED" if ncfg.get("source") == "hinet" else "IRIS")
    client = make_client(dc, fcfg["timeout_s"])
    kw = dict(
        network=ncfg["network"],
        station=ncfg.get("station", "*"),
        location=ncfg.get("location", "*"),
        channel=",".join(ncfg.get("channels") or ["BHZ", "HHZ"]),
        starttime=min(times),
        endtime=max(times) + 1.0,
        level="channel",
    )
    inv = call_with_retries(
        lambda: client.get_stations(**kw),
        fcfg["retries"],
        fcfg["backoff_s"],
        f"station query {ncfg['network']} at {dc}",
    )
    return load_station_table(inv if isinstance(inv, Inventory) else Inventory(networks=[]))


# --------------------------------------------------------------------------- selection


def _unit_vectors(lat, lon) -> np.ndarray:
    la, lo = np.radians(np.asarray(lat, float)), np.radians(np.asarray(lon, float))
    return np.column_stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)])


def even_subset(lat, lon, n: int) -> np.ndarray:
    """Indices of ``n`` points that cover a set of sites evenly (farthest-point sampling).

    Starts at the site nearest the spherical centroid, then repeatedly adds
    the site farthest (great circle) from those already chosen, so the subset
    spans the full aperture first and then fills it with a nearly uniform
    spacing. Deterministic: ties go to the earlier site.

    Parameters
    ----------
    lat, lon : array_like
        Site coordinates in degrees.
    n : int
        Number of sites to keep; all are kept (in input order) if ``n`` is
        at least their number.

    Returns
    -------
    ndarray of int
        Sorted indices into ``lat``/``lon``.
    """
    m = len(lat)
    if n < 1:
        raise ValueError(f"max_stations must be at least 1, got {n}")
    if m <= n:
        return np.arange(m)
    v = _unit_vectors(lat, lon)
    c = v.mean(axis=0)
    first = int(np.argmax(v @ c))
    chosen = [first]
    # cosine of the angular distance to the nearest chosen site (larger = closer)
    near = v @ v[first]
    for _ in range(n - 1):
        nxt = int(np.argmin(near))
        chosen.append(nxt)
        near = np.maximum(near, v @ v[nxt])
    return np.sort(np.array(chosen))


def densest_disc(lat, lon, diameter_km: float) -> np.ndarray:
    """Indices of the sites inside the circle of a given diameter that holds the most.

    Candidate centres are the sites themselves; the circle is a spherical cap of
    great-circle radius ``diameter_km / 2`` (Earth radius 6371 km). Ties go to
    the earlier site (deterministic).

    Parameters
    ----------
    lat, lon : array_like
        Site coordinates in degrees.
    diameter_km : float
        Aperture of the kept subset (km): every kept site is within
        ``diameter_km / 2`` of the centre site.

    Returns
    -------
    ndarray of int
        Sorted indices of the kept sites.
    """
    if not diameter_km > 0:
        raise ValueError(f"max_aperture_km must be positive, got {diameter_km}")
    m = len(lat)
    if m == 0:
        return np.arange(0)
    v = _unit_vectors(lat, lon)
    cos_r = math.cos(min(math.pi, 0.5 * diameter_km / 6371.0))
    best, best_n = 0, -1
    for start in range(0, m, 512):  # blocks keep memory at 512 x m
        inside = (v[start : start + 512] @ v.T) >= cos_r
        counts = inside.sum(axis=1)
        i = int(np.argmax(counts))
        if counts[i] > best_n:
            best, best_n = start + i, int(counts[i])
    return np.flatnonzero(v @ v[best] >= cos_r)


def _settings(ncfg: Mapping) -> tuple[float, float, int, int | None, dict]:
    lo = float(ncfg.get("min_distance_deg", 10.0))
    hi = float(ncfg.get("max_distance_deg", 70.0))
    if not 0 <= lo < hi <= 180:
        raise ValueError(f"distance range must satisfy 0 <= min < max <= 180, got {[lo, hi]}")
    min_sta = int(ncfg.get("min_stations", 3))
    cap = ncfg.get("max_stations")
    trig = {**DEFAULT_TRIGGER, **(ncfg.get("trigger") or {})}
    return lo, hi, min_sta, (None if cap is None else int(cap)), trig


def plan_dense(
    catalogue: pd.DataFrame,
    dense_cfg: Mapping[str, Mapping],
    events: Iterable[Event] | None = None,
    station_tables: Mapping[str, object] | None = None,
    fetch_cfg: Mapping | None = None,
    base_dir: str | Path = ".",
) -> pd.DataFrame:
    """The second-stage plan: selected stations per (event, dense network).

    Uses :func:`corephase.sources.fdsn.plan_dense_search` for the events and
    networks (trigger, active span, minimum station count) and
    :func:`corephase.sources.fdsn.select_dense_stations` for the stations (open at the
    origin time, within the distance range, first available channel of the
    network's ``channels`` priority), then caps each pair at ``max_stations``
    with :func:`even_subset`.

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
        :func:`corephase.sources.fdsn.load_station_table` reads), overriding
        ``stations`` and the data-centre query.
    fetch_cfg : dict, optional
        ``config["fetch"]`` (timeouts and retries of station queries).
    base_dir : str or Path
        Directory relative ``stations`` paths are resolved against.

    Returns
    -------
    DataFrame
        Columns :data:`PLAN_COLUMNS`, sorted by event time, network and
        station distance; ``n_open`` is the number of stations open in range
        before the cap.
    """
    from corephase.sources.fdsn import load_station_table, plan_dense_search, select_dense_stations

    events = list(events) if events is not None else events_from_catalogue(catalogue)
    det = stage1_detections(catalogue, exclude_arrays=dense_cfg)
    tables = dict(station_tables or {})
    blocks = []
    for name, ncfg in dense_cfg.items():
        lo, hi, min_sta, cap, trig = _settings(ncfg)
        trig_det = det[det["phase"].isin(list(trig["phases"]))]
        trig_det = trig_det[trig_det["snr"] >= float(trig["min_snr"])]
        evs = [e for e in events if e.id in set(trig_det["event_id"])]
        if not evs:
            continue
        if name in tables:
            table = load_station_table(tables[name])
        elif ncfg.get("stations"):
            table = load_station_table(resolve_stations(ncfg["stations"], base_dir))
        elif ncfg.get("source") in ("fdsn", "hinet"):
            table = query_station_table(ncfg, evs, fetch_cfg)
        else:
            raise ValueError(
                f"dense network {name}: source {ncfg.get('source')!r} needs a 'stations' table"
            )
        wanted = plan_dense_search(
            trig_det,
            {name: {**ncfg, "min_distance_deg": lo, "max_distance_deg": hi}},
            evs,
            min_snr=float(trig["min_snr"]),
            phases=trig["phases"],
            min_detections=int(trig["min_detections"]),
            station_tables={name: table},
            min_stations=min_sta,
        )
        by_id = {e.id: e for e in evs}
        for _, row in wanted.iterrows():
            ev = by_id[row["event_id"]]
            sel = select_dense_stations(table, ev, lo, hi, ncfg.get("channels"))
            n_open = len(sel)
            if ncfg.get("max_aperture_km") is not None:
                sel = sel.iloc[
                    densest_disc(sel["latitude"], sel["longitude"], float(ncfg["max_aperture_km"]))
                ]
            if len(sel) < min_sta:
                log.info(
                    "dense plan: %s on %s: %d stations in the aperture", ev.id, name, len(sel)
                )
                continue
            if cap is not None:
                sel = sel.iloc[even_subset(sel["latitude"], sel["longitude"], cap)]
            blocks.append(
                pd.DataFrame(
                    {
                        "event": ev.id,
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
                        "n_detections": int(row["n_detections"]),
                        "arrays": row["arrays"],
                        "best_snr": float(row["best_snr"]),
                        "_t": ev.origin.timestamp,
                    }
                )
            )
            log.info(
                "dense plan: %s on %s, %d of %d open stations in %g-%g deg",
                ev.id,
                name,
                len(sel),
                n_open,
                lo,
                hi,
            )
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
        },
        keep_default_na=False,
        na_values={"latitude": [""], "longitude": [""]},
    )
    missing = set(PLAN_COLUMNS) - set(plan.columns)
    if missing:
        raise ValueError(f"dense plan {path} lacks columns {sorted(missing)}")
    return plan


# --------------------------------------------------------------------------- pairs


def dense_array_config(ncfg: Mapping, stations: pd.DataFrame) -> dict:
    """Array configuration of one dense pair for the per-pair stages.

    Parameters
    ----------
    ncfg : dict
        The network's ``dense_networks`` entry.
    stations : DataFrame
        Its selected stations for one event (plan rows).

    Returns
    -------
    dict
        The entry without the planning keys, with ``ref_lat``/``ref_lon`` at the
        stations' spherical centroid, ``curved_wavefront`` (default true) and
        the stations: ``elements: {list: [...]}`` for a ``synthetic`` source,
        else ``station`` as a comma list (a ``hinet`` source becomes ``fdsn``
        through data centre NIED).
    """
    if len(stations) == 0:
        raise ValueError("a dense pair needs at least one station")
    out = {k: v for k, v in ncfg.items() if k not in PLAN_KEYS}
    lat, lon = centroid(stations["latitude"].to_numpy(), stations["longitude"].to_numpy())
    out["ref_lat"] = round(lat, 6)
    out["ref_lon"] = round(lon, 6)
    out["curved_wavefront"] = bool(ncfg.get("curved_wavefront", True))
    codes = [str(s) for s in stations["station"]]
    if ncfg.get("source") == "synthetic":
        out["elements"] = {
            "list": [
                {
                    "station": s,
                    "latitude": float(la),
                    "longitude": float(lo),
                    "elevation_m": float(el),
                }
                for s, la, lo, el in zip(
                    codes,
                    stations["latitude"],
                    stations["longitude"],
                    stations["elevation_m"],
                    strict=True,
                )
            ]
        }
    else:
        if ncfg.get("source") == "hinet":
            out["source"] = "fdsn"
            out.setdefault("data_centre", "NIED")
        out["station"] = ",".join(codes)
    return out


def dense_pairs(
    config: Mapping, plan_path, events: Iterable[str] | Mapping | None = None
) -> tuple[dict, list[tuple[str, str]], dict]:
    """Dense arrays and pairs of a plan file, for the workflow's planning.

    Parameters
    ----------
    config : dict
        The workflow config (``dense_networks``, ``arrays``).
    plan_path : str or Path
        The plan written by rule ``dense_plan``; if it does not exist there
        are no dense pairs (yet).
    events : iterable of event ids, optional
        Known events; plan rows of other events are skipped with a warning.

    Returns
    -------
    arrays : dict
        ``{network name: config}``: one entry per planned network (the
        entry of its first pair, reference point at the centroid of every
        planned station) for lookups by array name (source, map position).
    pairs : list of (str, str)
        ``(network name, event id)`` in plan order.
    pair_arrays : dict
        ``{(network name, event id): config}`` of each pair (see
        :func:`dense_array_config`).

    Raises
    ------
    ValueError
        If a dense network has the name of a configured array.
    """
    dense_cfg = config.get("dense_networks") or {}
    clash = sorted(set(dense_cfg) & set(config.get("arrays") or {}))
    if clash:
        raise ValueError(f"dense_networks {clash} have the names of configured arrays")
    path = Path(plan_path)
    if not dense_cfg or not path.is_file():
        return {}, [], {}
    plan = read_plan(path)
    known = None if events is None else set(events)
    skipped = sorted(set(plan["network"]) - set(dense_cfg))
    if skipped:
        log.warning("dense plan %s: networks %s are no longer configured", path, skipped)
    arrays: dict = {}
    pairs: list[tuple[str, str]] = []
    pair_arrays: dict = {}
    for (event, name), rows in plan.groupby(["event", "network"], sort=False):
        if name not in dense_cfg:
            continue
        if known is not None and event not in known:
            log.warning("dense plan %s: event %s is not configured; skipped", path, event)
            continue
        pair_arrays[(name, event)] = dense_array_config(dense_cfg[name], rows)
        pairs.append((name, event))
    for name in dict.fromkeys(n for n, _ in pairs):
        rows = plan[plan["network"] == name]
        first = next(cfg for (n, _), cfg in pair_arrays.items() if n == name)
        lat, lon = centroid(rows["latitude"].to_numpy(), rows["longitude"].to_numpy())
        arrays[name] = {**first, "ref_lat": round(lat, 6), "ref_lon": round(lon, 6)}
    return arrays, pairs, pair_arrays


def summarise_dense(plan: pd.DataFrame, pair_jsons, detection_tables) -> pd.DataFrame:
    """One row per dense pair and phase: stations planned and used, best detection.

    Parameters
    ----------
    plan : DataFrame
        The plan (see :func:`plan_dense`).
    pair_jsons, detection_tables : sequences of paths
        ``pair.json`` and ``stack/detections.csv`` of the dense pairs.

    Returns
    -------
    DataFrame
        Columns ``event``, ``network``, ``stage1_arrays``, ``stage1_best_snr``,
        ``n_planned``, ``n_open``, ``status``, ``reason``, ``n_elements``,
        ``aperture_km``, ``phase``, ``detected`` (any band and stack),
        ``best_snr`` and the ``band``/``stack`` of that SNR (empty phase for
        pairs without beams).
    """
    from corephase.io.files import read_json

    rows = []
    for pj, dt in zip(pair_jsons, detection_tables, strict=True):
        pair = read_json(pj)
        event, name = pair["event"]["id"], pair["array"]
        p = plan[(plan["event"] == event) & (plan["network"] == name)]
        geo = pair.get("geometry") or {}
        base = {
            "event": event,
            "network": name,
            "stage1_arrays": p["arrays"].iloc[0] if len(p) else "",
            "stage1_best_snr": float(p["best_snr"].iloc[0]) if len(p) else math.nan,
            "n_planned": len(p),
            "n_open": int(p["n_open"].iloc[0]) if len(p) else 0,
            "status": pair["status"],
            "reason": pair["reason"],
            "n_elements": pair.get("n_elements", 0),
            "aperture_km": geo.get("aperture_km", math.nan),
        }
        det = pd.read_csv(dt)
        det = det[det["phase"].notna()] if "phase" in det else det.iloc[0:0]
        if det.empty:
            rows.append({**base, "phase": "", "detected": False, "best_snr": math.nan})
            continue
        det = det.assign(
            detected=det["detected"].astype(str).str.lower().isin(["true", "1", "1.0"])
        )
        for phase, grp in det.groupby("phase", sort=False):
            snr = pd.to_numeric(grp["snr"], errors="coerce")
            row = {**base, "phase": phase, "detected": bool(grp["detected"].any())}
            if snr.notna().any():
                best = grp.loc[snr.idxmax()]
                row.update(best_snr=float(snr.max()), band=best["band"], stack=best["stack"])
            else:
                row["best_snr"] = math.nan
            rows.append(row)
    cols = [
        "event",
        "network",
        "stage1_arrays",
        "stage1_best_snr",
        "n_planned",
        "n_open",
        "status",
        "reason",
        "n_elements",
        "aperture_km",
        "phase",
        "detected",
        "best_snr",
        "band",
        "stack",
    ]
    return pd.DataFrame(rows, columns=cols)


__all__ = [
    "DEFAULT_TRIGGER",
    "PACKAGE_PREFIX",
    "PLAN_COLUMNS",
    "PLAN_KEYS",
    "dense_array_config",
    "dense_pairs",
    "densest_disc",
    "even_subset",
    "events_from_catalogue",
    "plan_dense",
    "query_station_table",
    "read_plan",
    "resolve_stations",
    "stage1_detections",
    "summarise_dense",
    "write_plan",
]
