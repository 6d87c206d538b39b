"""Dense pairs from a plan: array configurations for the per-pair stages, and the summary."""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from corephase.model.geometry import centroid

if TYPE_CHECKING:  # pandas is imported where used: the workflow plans without it
    import pandas as pd

log = logging.getLogger("corephase.planning.dense")


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
        stations' spherical centroid, ``curved_wavefront`` (default true), ``statics``
        (:class:`corephase.config.dense.StaticsSettings`, all keys; method
        ``empirical`` by default) and
        the stations: ``elements: {list: [...]}`` for a ``synthetic`` source,
        else ``station`` as a comma list (a ``hinet`` source becomes ``fdsn``
        through data centre NIED).
    """
    from corephase.config.dense import StaticsSettings
    from corephase.planning.dense import PLAN_KEYS

    if len(stations) == 0:
        raise ValueError("a dense pair needs at least one station")
    out = {k: v for k, v in ncfg.items() if k not in PLAN_KEYS}
    lat, lon = centroid(stations["latitude"].to_numpy(), stations["longitude"].to_numpy())
    out["ref_lat"] = round(lat, 6)
    out["ref_lon"] = round(lon, 6)
    out["curved_wavefront"] = bool(ncfg.get("curved_wavefront", True))
    # empirical station statics are on for dense pairs unless configured off
    out["statics"] = StaticsSettings.from_dict(
        ncfg.get("statics"), where="dense_networks.statics"
    ).to_dict()
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


def pair_names(plan: pd.DataFrame):
    """Name of the pair (array) of each plan row: its sub-array, else its network."""
    if "subarray" not in plan:
        return plan["network"].astype(str)
    sub = plan["subarray"].fillna("").astype(str)
    return sub.where(sub != "", plan["network"].astype(str))


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
    from corephase.planning.dense import read_plan

    plan = read_plan(path)
    known = None if events is None else set(events)
    skipped = sorted(set(plan["network"]) - set(dense_cfg))
    if skipped:
        log.warning("dense plan %s: networks %s are no longer configured", path, skipped)
    arrays: dict = {}
    pairs: list[tuple[str, str]] = []
    pair_arrays: dict = {}
    plan = plan.assign(_pair=pair_names(plan))
    clash = sorted(set(plan["_pair"]) - set(dense_cfg) & set(config.get("arrays") or {}))
    if clash:
        raise ValueError(f"dense sub-arrays {clash} have the names of configured arrays")
    for (event, network, name), rows in plan.groupby(["event", "network", "_pair"], sort=False):
        if network not in dense_cfg:
            continue
        if known is not None and event not in known:
            log.warning("dense plan %s: event %s is not configured; skipped", path, event)
            continue
        pair_arrays[(name, event)] = dense_array_config(dense_cfg[network], rows)
        pairs.append((name, event))
    for name in dict.fromkeys(n for n, _ in pairs):
        rows = plan[plan["_pair"] == name]
        first = next(cfg for (n, _), cfg in pair_arrays.items() if n == name)
        lat, lon = centroid(rows["latitude"].to_numpy(), rows["longitude"].to_numpy())
        arrays[name] = {**first, "ref_lat": round(lat, 6), "ref_lon": round(lon, 6)}
    return arrays, pairs, pair_arrays


def network_groups(plan_path, pairs) -> dict:
    """The sub-array pairs of each (network, event) of a plan, for the network calls.

    Parameters
    ----------
    plan_path : str or Path
        The plan (rule ``dense_plan``); none yet gives no groups.
    pairs : iterable of (str, str)
        The dense pairs (pair name, event id) that are run (see :func:`dense_pairs`).

    Returns
    -------
    dict
        ``{(network, event): [pair names]}`` in plan order.
    """
    path = Path(plan_path)
    wanted = set(pairs)
    if not wanted or not path.is_file():
        return {}
    from corephase.planning.dense import read_plan

    plan = read_plan(path)
    plan = plan.assign(_pair=pair_names(plan)).drop_duplicates(["event", "_pair"])
    out: dict = {}
    for network, event, name in zip(plan["network"], plan["event"], plan["_pair"], strict=True):
        if (name, event) in wanted:
            out.setdefault((network, event), []).append(name)
    return out


def statics_summary(path) -> dict:
    """Stations with an empirical static, their spread and the MCCC residual of a pair.

    Reads ``stack/statics.csv`` (:data:`corephase.stages.dense_statics.STATICS_COLUMNS`);
    returns ``statics_phase`` (phases used, comma list), ``n_statics`` (stations with a
    static, the smallest over the bands), ``statics_std_s`` (standard deviation of
    the applied statics, s, mean over bands) and ``statics_rms_residual_s`` (s, mean
    over bands); empty or NaN when none were measured.
    """
    import pandas as pd

    t = pd.read_csv(path, keep_default_na=False, na_values=[""])
    t = t[t["applied"].astype(str).str.lower() == "true"] if len(t) else t
    if t.empty:
        return dict(statics_phase="", n_statics=0, statics_std_s=math.nan)
    by = t.groupby("band")
    return dict(
        statics_phase=",".join(sorted(set(t["phase"].astype(str)))),
        n_statics=int(by.size().min()),
        statics_std_s=float(by["static_s"].std().mean()),
        statics_rms_residual_s=float(by["rms_residual_s"].first().mean()),
    )


def summarise_dense(
    plan: pd.DataFrame, pair_jsons, detection_tables, statics_tables=None
) -> pd.DataFrame:
    """One row per dense pair and phase: stations planned and used, best detection.

    Parameters
    ----------
    plan : DataFrame
        The plan (see :func:`plan_dense`).
    pair_jsons, detection_tables : sequences of paths
        ``pair.json`` and ``stack/detections.csv`` of the dense pairs.
    statics_tables : sequence of paths, optional
        Their ``stack/statics.csv`` (adds the columns of :func:`statics_summary`).

    Returns
    -------
    DataFrame
        Columns ``event``, ``network`` (the pair: network or sub-array),
        ``stage1_arrays``, ``stage1_best_snr``, ``n_planned``, ``n_open``,
        ``n_dates_unknown`` (planned stations without known operating dates),
        ``status``, ``reason``, ``n_elements``,
        ``aperture_km``, ``phase``, ``detected`` (any band and stack),
        ``best_snr`` and the ``band``/``stack`` of that SNR (empty phase for
        pairs without beams); with ``statics_tables`` also the columns of
        :func:`statics_summary`.
    """
    import pandas as pd

    from corephase.io.files import read_json

    rows = []
    statics = [None] * len(pair_jsons) if statics_tables is None else list(statics_tables)
    for pj, dt, st in zip(pair_jsons, detection_tables, statics, strict=True):
        pair = read_json(pj)
        event, name = pair["event"]["id"], pair["array"]
        p = plan[(plan["event"] == event) & (pair_names(plan) == name)]
        geo = pair.get("geometry") or {}
        base = {
            "event": event,
            "network": name,
            "stage1_arrays": p["arrays"].iloc[0] if len(p) else "",
            "stage1_best_snr": float(p["best_snr"].iloc[0]) if len(p) else math.nan,
            "n_planned": len(p),
            "n_open": int(p["n_open"].iloc[0]) if len(p) else 0,
            "n_dates_unknown": int((~p["dates_known"].astype(bool)).sum()) if len(p) else 0,
            "status": pair["status"],
            "reason": pair["reason"],
            "n_elements": pair.get("n_elements", 0),
            "aperture_km": geo.get("aperture_km", math.nan),
            **({} if st is None else statics_summary(st)),
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
        "n_dates_unknown",
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
    if statics_tables is not None:
        cols += ["statics_phase", "n_statics", "statics_std_s", "statics_rms_residual_s"]
    return pd.DataFrame(rows, columns=cols)
