"""Stage ``coda_compare``: PKiKP codas across nearby events and across arrays."""

from __future__ import annotations

from corephase.io.files import read_json, write_rows
from corephase.model.events import Event


def coda_comparisons(pair_jsons, coda_npz: dict, config: dict, out_table, out_figs: dict):
    """Compare PKiKP codas across nearby events at one array and across arrays.

    Events are clustered per array with :func:`corephase.analysis.clustering.cluster_events`
    (``coda.cluster_distance_deg``, ``coda.cluster_depth_km``). Writes the
    cluster table and, per band, one figure of cluster overlays (an array's
    events in one cluster) and one of event overlays (one event at every
    array that recorded it). ``coda_npz`` maps ``(array, event, band)`` to the
    per-band arrays written by :func:`coda_pair`.
    """
    from corephase.analysis.clustering import cluster_events
    from corephase.analysis.coda import load_coda_arrays
    from corephase.config.coda import CodaSettings
    from corephase.plotting.coda import plot_overlay_panels

    pairs = [read_json(p) for p in pair_jsons]
    settings = CodaSettings.from_dict(config["coda"])
    rows = []
    by_array: dict[str, list] = {}
    for p in pairs:
        if p["status"] in ("ok", "partial"):
            by_array.setdefault(p["array"], []).append(p)
    for arr, plist in sorted(by_array.items()):
        evs = [Event(**p["event"]) for p in plist]
        ids = cluster_events(evs, settings.cluster_distance_deg, settings.cluster_depth_km)
        for p, cid in zip(plist, ids, strict=True):
            rows.append({"array": arr, "event": p["event"]["id"], "cluster": f"{arr}-{cid}"})
    write_rows(rows, ["array", "event", "cluster"], out_table)
    phase = settings.main_phase
    clusters, events = _groups(rows, "cluster"), _groups(rows, "event")
    for band in config["bands"]:
        name = band["name"]
        cl_panels, ev_panels = [], []
        for cid, grp in clusters:
            if len(grp) >= 2:
                curves = [
                    (r["event"], load_coda_arrays(coda_npz[(r["array"], r["event"], name)]))
                    for r in grp
                ]
                cl_panels.append((f"{grp[0]['array']}: events of cluster {cid}", curves))
        for ev, grp in events:
            if len(grp) >= 2:
                curves = [
                    (r["array"], load_coda_arrays(coda_npz[(r["array"], ev, name)])) for r in grp
                ]
                ev_panels.append((f"event {ev} across arrays", curves))
        synthetic = any(p["synthetic"] for p in pairs)
        plot_overlay_panels(cl_panels, phase, name, out_figs[f"{name}/clusters"], synthetic)
        plot_overlay_panels(ev_panels, phase, name, out_figs[f"{name}/events"], synthetic)


def _groups(rows: list[dict], key: str) -> list[tuple[str, list[dict]]]:
    """``rows`` grouped by ``key`` in sorted key order, each group in row order (as
    :meth:`pandas.DataFrame.groupby` iterates them)."""
    out: dict[str, list[dict]] = {}
    for r in rows:
        out.setdefault(r[key], []).append(r)
    return sorted(out.items(), key=lambda kv: kv[0])
