"""Shared by the per-pair stages: pair geometry and arrivals, pair.json, status rows."""

from __future__ import annotations

from pathlib import Path

from corephase.io.files import read_json, row_columns
from corephase.model.events import Event
from corephase.model.geometry import ArrayGeometry
from corephase.model.traveltimes import distance_backazimuth, first_arrivals, window_phases

#: Statuses a pair can have. Only "ok" pairs carry beams and measurements.
STATUSES = ("ok", "partial", "no_data", "restricted", "too_few_elements", "error")


def pair_geometry_info(arr: dict, event: Event, config: dict) -> dict:
    """Distance, back-azimuth and theoretical arrivals at the array reference point."""
    dist, baz, az = distance_backazimuth(
        event.latitude, event.longitude, arr["ref_lat"], arr["ref_lon"]
    )
    phases = ["P", *config["phases"]]
    phases += [p for p in window_phases(config["window"]) if p not in phases]
    arrivals = first_arrivals(event.depth_km, dist, phases, config["model"])
    return {"distance_deg": dist, "baz_deg": baz, "az_deg": az, "arrivals": arrivals}


def arrivals_dict(arrivals: dict) -> dict:
    """Theoretical arrivals as plain JSON (times s after origin, slowness s/deg)."""
    return {
        k: {"time_s": v.time, "slowness_s_deg": v.slowness_s_deg, "incidence_deg": v.incidence_deg}
        for k, v in arrivals.items()
    }


def arrivals_from_dict(arrivals: dict) -> dict:
    """Inverse of :func:`arrivals_dict`: ``{phase: PhaseArrival}``."""
    from corephase.model.traveltimes import PhaseArrival

    return {
        k: PhaseArrival(k, v["time_s"], v["slowness_s_deg"], v["incidence_deg"])
        for k, v in arrivals.items()
    }


def pair_arrival_list(event: Event, distance_deg: float, model: str, synthetic=None) -> list:
    """Every arrival of the pair (:mod:`corephase.model.arrivals`), sorted by time.

    For a synthetic pair (``synthetic``: its
    :class:`~corephase.config.synthetic.SyntheticSettings`) the arrivals the
    record holds, at its amplitudes
    (:func:`corephase.sources.synthetic.synthetic_arrivals`); else the full
    list at the typical amplitudes.
    """
    if synthetic is not None:
        from corephase.sources.synthetic import synthetic_arrivals

        return synthetic_arrivals(float(event.depth_km), distance_deg, synthetic, model)[0]
    from corephase.model.arrivals import arrival_list

    return arrival_list(float(event.depth_km), distance_deg, model)


def arrival_list_dict(arrivals) -> list[dict]:
    """An arrival list as plain JSON rows (times s after origin, slowness s/deg)."""
    return [
        {
            "phase": a.phase,
            "time_s": a.time,
            "slowness_s_deg": a.slowness_s_deg,
            "incidence_deg": a.incidence_deg,
            "primary": a.primary,
            "free_surface": a.free_surface,
            "relative_amplitude": a.relative_amplitude,
        }
        for a in arrivals
    ]


def arrival_list_from_dict(rows) -> list:
    """Inverse of :func:`arrival_list_dict`: a list of
    :class:`~corephase.model.arrivals.Arrival`."""
    from corephase.model.arrivals import Arrival

    return [
        Arrival(
            r["phase"],
            r["time_s"],
            r["slowness_s_deg"],
            r["incidence_deg"],
            primary=r["primary"],
            free_surface=r["free_surface"],
            relative_amplitude=r["relative_amplitude"],
        )
        for r in rows
    ]


def load_arrival_list(pair: dict, model: str) -> list:
    """The pair's arrival list: from ``pair["arrival_list"]`` (written by the fetch stage and
    copied into ``pair.json``), else computed (:func:`pair_arrival_list`, typical amplitudes).

    Parameters
    ----------
    pair : dict
        The pair dict (as from :func:`load_pair`, or the fetch status).
    model : str
        Earth model used when the list has to be computed.
    """
    rows = pair.get("arrival_list")
    if rows is not None:
        return arrival_list_from_dict(rows)
    return pair_arrival_list(Event(**pair["event"]), pair["distance_deg"], model)


def geometry_info_from_status(fstat: dict, config: dict) -> dict | None:
    """The fetch stage's distance, back-azimuth and arrivals, if made with this model.

    Saves a second TauP evaluation; returns None when the fetch status lacks
    them or used another earth model or fewer phases.
    """
    arr = fstat.get("arrivals")
    if not arr or fstat.get("model") != config["model"] or "az_deg" not in fstat:
        return None
    if not set(config["phases"]) <= set(arr) | set(fstat.get("missing_phases", [])):
        return None
    return {
        "distance_deg": fstat["distance_deg"],
        "baz_deg": fstat["baz_deg"],
        "az_deg": fstat["az_deg"],
        "arrivals": arrivals_from_dict(arr),
    }


def load_pair(pair_json) -> tuple[dict, Event, ArrayGeometry | None, dict]:
    """Read ``pair.json``: (pair dict, Event, geometry or None, arrivals as PhaseArrival)."""
    pair = read_json(pair_json)
    event = Event(**pair["event"])
    g = pair["geometry"]
    geom = None
    if g is not None:
        geom = ArrayGeometry(
            pair["array"],
            g["codes"],
            g["lat"],
            g["lon"],
            g["elev_m"],
            pair["ref_lat"],
            pair["ref_lon"],
        )
    return pair, event, geom, arrivals_from_dict(pair["arrivals"])


def read_curation_table(config: dict):
    """The config's curation table (checked, see ``read_curation``), or None."""
    from corephase.analysis.detection.curation import read_curation

    path = config.get("curation")
    if not path:
        return None
    if not Path(path).exists():
        raise FileNotFoundError(f"config key 'curation': file {path} does not exist")
    return read_curation(path)


def status_rows(rows: list[dict], pair: dict) -> tuple[list[dict], list[str]]:
    """Add the pair status columns to table rows (dicts, in place); no rows give one row
    saying why there are none.

    Returns the rows and their columns: the rows' keys in order of first appearance,
    then the status columns (the columns of ``pandas.DataFrame(rows)`` with the status
    columns assigned after).
    """
    if not rows:
        rows = [{"event": pair["event"]["id"], "array": pair["array"]}]
    status = {
        "pair_status": pair["status"],
        "pair_reason": pair["reason"],
        "synthetic": pair["synthetic"],
        "distance_deg": pair["distance_deg"],
    }
    columns = list(dict.fromkeys([*row_columns(rows), *status]))
    for row in rows:
        row.update(status)
    return rows, columns
