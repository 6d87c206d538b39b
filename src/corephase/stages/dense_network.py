"""Stage ``dense_network``: the network call and record section of one event x dense network."""

from __future__ import annotations

import logging

import numpy as np

log = logging.getLogger("corephase")


def dense_network(
    network: str,
    event: str,
    pair_jsons,
    detection_tables,
    beam_files,
    config: dict,
    out_calls,
    out_figure,
):
    """Combine the sub-array pairs of one (event, dense network).

    Parameters
    ----------
    network, event : str
        Dense network name and event id.
    pair_jsons, detection_tables, beam_files : sequences of paths
        ``pair.json``, ``stack/detections.csv`` and ``stack/beams.npz`` of its
        sub-array pairs (same order).
    config : dict
        Sections ``bands`` and ``phases`` (the figure's rows and columns) and
        ``model`` (arrival lists computed for pairs without one).
    out_calls : path
        Network calls (:func:`corephase.planning.dense_network.network_calls`), CSV.
    out_figure : path
        Record section (:func:`corephase.plotting.record_section.plot_record_section`).

    Returns
    -------
    DataFrame
        The network calls.
    """
    import pandas as pd

    from corephase.io.files import read_json, write_table
    from corephase.planning.dense_network import network_calls
    from corephase.plotting.record_section import plot_record_section

    pairs = [read_json(p) for p in pair_jsons]
    tables = [pd.read_csv(t) for t in detection_tables]
    calls = network_calls(event, network, tables, [p["distance_deg"] for p in pairs])
    write_table(calls, out_calls)
    subs = [
        _subarray(p, t, b, config["model"])
        for p, t, b in zip(pairs, tables, beam_files, strict=True)
        if p["status"] in ("ok", "partial")
    ]
    bands = [b["name"] for b in config["bands"]]
    phases = [p for p in config["phases"] if p in ("PcP", "PKiKP")] or list(config["phases"])
    plot_record_section(subs, bands, phases, out_figure, title=f"{event}  {network}")
    for r in calls.itertuples():
        log.info("dense network %s %s %s: %s (%s)", network, event, r.phase, r.call, r.n_tests)
    return calls


def _subarray(pair: dict, table, beams_path, model: str):
    """The :class:`corephase.plotting.record_section.SubarrayBeams` of one pair."""
    from corephase.plotting.record_section import SubarrayBeams
    from corephase.stages.common import load_arrival_list

    arrivals = {}
    for a in load_arrival_list(pair, model):
        arrivals.setdefault(a.phase, (float(a.time), float(a.slowness_s_deg)))
    with np.load(beams_path) as z:
        time_s = {k.split("/")[0]: z[k] for k in z.files if k.endswith("/time")}
        beams = {
            tuple(k.split("/")[:2]): z[k]
            for k in z.files
            if k.count("/") == 2 and k.endswith("/linear")
        }
    detected = set()
    if "call" in table:
        hit = table[table["call"] == "detected"]
        detected = set(zip(hit["band"], hit["phase"], strict=True))
    return SubarrayBeams(
        pair["array"], float(pair["distance_deg"]), time_s, beams, arrivals, detected
    )
