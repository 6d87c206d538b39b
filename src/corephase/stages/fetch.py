"""Stage ``fetch`` (rule fetch / fetch_fdsn): one pair's records from its source."""

from __future__ import annotations

import logging
import time

from obspy import Inventory, UTCDateTime

from corephase import __version__
from corephase.io.files import write_inventory, write_json, write_stream
from corephase.io.stations import geometry_from_config, geometry_to_inventory
from corephase.model.events import Event, event_to_quakeml
from corephase.model.traveltimes import record_window, window_phase_choice
from corephase.sources.local import read_local, reference_point
from corephase.stages.common import (
    arrival_list_dict,
    arrivals_dict,
    pair_arrival_list,
    pair_geometry_info,
)

log = logging.getLogger("corephase")


def fetch_pair(
    array_name: str,
    arr: dict,
    event: Event,
    config: dict,
    out_mseed,
    out_stationxml,
    out_quakeml,
    out_status,
) -> dict:
    """Get the records of one event x array pair from the array's source.

    The record window (s after origin, stored as ``window_s_after_origin``) is
    computed here once, by :func:`corephase.model.traveltimes.record_window` on
    the config's ``window``, and handed to the source. Sources: ``synthetic``
    (made here, see :mod:`corephase.sources.synthetic`; the global ``synthetic``
    section with the array's ``synthetic`` entry merged over it key by key),
    ``local`` (miniSEED + StationXML folder or SDS archive, see
    :func:`corephase.sources.local.read_local`; an unreadable file gives status
    ``error``, files read in part are listed in ``read_problems``), ``fdsn`` (see
    :mod:`corephase.sources.fdsn`, with the ``fetch`` settings). Writes miniSEED,
    StationXML, QuakeML and a JSON status with provenance, including the
    reference point (``reference``: lat, lon and ``from``: ``config``, or for a
    local array without ``ref_lat``/``ref_lon`` the StationXML element or
    centroid it came from) and the pair's full arrival list (``arrival_list``,
    see :func:`corephase.stages.common.pair_arrival_list`; a synthetic pair's
    settings are the global section, the array's and ``synthetic.pairs``).
    Missing or unreadable data give status ``no_data`` or ``error`` and empty
    outputs rather than an exception.
    """
    t_start = time.time()
    if arr["source"] == "local" and "ref_lat" not in arr:
        arr = {**arr, **reference_point(array_name, arr)}
    info = pair_geometry_info(arr, event, config)
    w0, w1 = record_window(info["arrivals"], config["window"])
    start_phase, end_phase = window_phase_choice(info["arrivals"], config["window"])
    t0, t1 = event.origin + w0, event.origin + w1
    status = _status_header(array_name, event, arr, config, info, (w0, w1), start_phase, end_phase)
    src = arr["source"]
    settings = None
    if src == "synthetic":
        from corephase.config.synthetic import SyntheticSettings

        settings = SyntheticSettings.for_pair(
            config.get("synthetic"), arr.get("synthetic"), array_name, event.id
        )
    arrivals = pair_arrival_list(event, info["distance_deg"], config["model"], settings)
    status["arrival_list"] = arrival_list_dict(arrivals)
    if src == "synthetic":
        from corephase.sources.synthetic import synthesize
        from corephase.utils.random import pair_seed

        geom = geometry_from_config(array_name, arr)
        seed = pair_seed(config["seed"], array_name, event.id)
        stream, syn_info = synthesize(
            geom, event, (w0, w1), settings, seed=seed, model=config["model"]
        )
        inv = geometry_to_inventory(geom, stream[0].stats.sampling_rate if len(stream) else 20.0)
        status.update(status="ok", reason="", synthetic=True, synthetic_info=syn_info)
    elif src == "local":
        rec = read_local(arr, t0, t1)
        stream, inv = rec.stream, rec.inventory
        status.update(status=rec.status, reason=rec.reason, read_problems=rec.read_problems)
        status["synthetic"] = False
        status["path"] = str(arr["path"])
    elif src == "fdsn":
        from corephase.config.fetch import FetchSettings
        from corephase.sources.fdsn import fetch_pair as fdsn_fetch

        settings = FetchSettings.from_dict(config.get("fetch"), where="fetch")
        res = fdsn_fetch(array_name, arr, event, (t0, t1), settings, out_mseed, out_stationxml)
        status.update(res)
        status["synthetic"] = False
        event_to_quakeml(event, out_quakeml)
        write_json(status, out_status)
        return status
    else:
        raise ValueError(f"array {array_name}: unknown source {src!r}")
    status["n_traces"] = len(stream)
    status["elapsed_s"] = round(time.time() - t_start, 3)
    write_stream(stream, out_mseed)
    write_inventory(
        inv if len(inv.networks) else Inventory(networks=[], source="empty"), out_stationxml
    )
    event_to_quakeml(event, out_quakeml)
    write_json(status, out_status)
    log.info("fetched %s %s: %s, %d traces", array_name, event.id, status["status"], len(stream))
    return status


def _status_header(array_name, event, arr, config, info, window, start_phase, end_phase) -> dict:
    """The fetch status before the records are read: pair, window (s after origin),
    reference point, geometry, theoretical arrivals and provenance."""
    return {
        "array": array_name,
        "event": event.id,
        "source": arr["source"],
        "window_s_after_origin": list(window),
        "window_phases": {"start": start_phase, "end": end_phase},
        "reference": {
            "lat": arr["ref_lat"],
            "lon": arr["ref_lon"],
            "from": arr.get("ref_from", "config"),
        },
        "distance_deg": info["distance_deg"],
        "baz_deg": info["baz_deg"],
        "az_deg": info["az_deg"],
        "model": config["model"],
        "arrivals": arrivals_dict(info["arrivals"]),
        "missing_phases": [p for p in config["phases"] if p not in info["arrivals"]],
        "corephase_version": __version__,
        "fetched_at": str(UTCDateTime()),
    }
