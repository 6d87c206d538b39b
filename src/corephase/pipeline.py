"""Per-pair stages of the workflow: fetch, preprocess, stack, coda, figures, tables.

Each function reads its inputs from files, writes its outputs atomically and
returns nothing; the Snakemake scripts in ``workflow/scripts`` only unpack
paths and parameters and call one of these. A pair whose data are missing or
unusable still gets every output: an explicit empty result with its status
and reason, so that downstream stages and summary tables keep going.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from obspy import Inventory, Stream, UTCDateTime, read_inventory

from . import __version__
from .beam import plane_wave_delays, shift_traces, slowness_deg_to_km
from .events import Event, event_to_quakeml, events_from_quakeml
from .geometry import ArrayGeometry
from .io import (
    geometry_from_config,
    geometry_from_inventory,
    geometry_to_inventory,
    read_json,
    read_local,
    read_stream,
    write_inventory,
    write_json,
    write_stream,
    write_table,
)
from .preprocess import bandpass, common_grid, qc_and_merge
from .stacking import envelope_stack, linear_stack, nth_root_stack, pws
from .traveltimes import distance_backazimuth, first_arrivals

if TYPE_CHECKING:  # pandas is imported where used: it slows every job's start-up
    import pandas as pd

log = logging.getLogger("corephase")

#: Statuses a pair can have. Only "ok" pairs carry beams and measurements.
STATUSES = ("ok", "partial", "no_data", "restricted", "too_few_elements", "error")


def _window(arrivals: dict, win: dict) -> tuple[float, float]:
    """Start and end (s after origin) of a record window defined by phases."""
    times = {k: v.time for k, v in arrivals.items()}
    if not times:
        raise ValueError("no theoretical arrivals to set the record window")
    start = times.get(win["start_phase"], min(times.values())) + win["start_offset_s"]
    end = times.get(win["end_phase"], max(times.values())) + win["end_offset_s"]
    return start, end


def pair_geometry_info(arr: dict, event: Event, config: dict) -> dict:
    """Distance, back-azimuth and theoretical arrivals at the array reference point."""
    dist, baz, az = distance_backazimuth(
        event.latitude, event.longitude, arr["ref_lat"], arr["ref_lon"]
    )
    phases = ["P", *config["phases"]]
    for key in ("start_phase", "end_phase"):
        if config["window"][key] not in phases:
            phases.append(config["window"][key])
    arrivals = first_arrivals(event.depth_km, dist, phases, config["model"])
    return {"distance_deg": dist, "baz_deg": baz, "az_deg": az, "arrivals": arrivals}


def _arrivals_dict(arrivals: dict) -> dict:
    """Theoretical arrivals as plain JSON (times s after origin, slowness s/deg)."""
    return {
        k: {"time_s": v.time, "slowness_s_deg": v.slowness_s_deg, "incidence_deg": v.incidence_deg}
        for k, v in arrivals.items()
    }


def _geometry_info_from_status(fstat: dict, config: dict) -> dict | None:
    """The fetch stage's distance, back-azimuth and arrivals, if made with this model.

    Saves a second TauP evaluation; returns None when the fetch status lacks
    them or used another earth model or fewer phases.
    """
    from .traveltimes import PhaseArrival

    arr = fstat.get("arrivals")
    if not arr or fstat.get("model") != config["model"] or "az_deg" not in fstat:
        return None
    if not set(config["phases"]) <= set(arr) | set(fstat.get("missing_phases", [])):
        return None
    return {
        "distance_deg": fstat["distance_deg"],
        "baz_deg": fstat["baz_deg"],
        "az_deg": fstat["az_deg"],
        "arrivals": {
            k: PhaseArrival(k, v["time_s"], v["slowness_s_deg"], v["incidence_deg"])
            for k, v in arr.items()
        },
    }


# --------------------------------------------------------------------------- fetch


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

    Sources: ``synthetic`` (made here, see :mod:`corephase.synthetic`),
    ``local`` (miniSEED + StationXML folder or SDS archive), ``fdsn`` (see
    :mod:`corephase.fdsn`). Writes miniSEED, StationXML, QuakeML and a JSON
    status with provenance. Missing data give status ``no_data`` and empty
    outputs rather than an exception.
    """
    t_start = time.time()
    info = pair_geometry_info(arr, event, config)
    w0, w1 = _window(info["arrivals"], config["window"])
    t0, t1 = event.origin + w0, event.origin + w1
    status = {
        "array": array_name,
        "event": event.id,
        "source": arr["source"],
        "window_s_after_origin": [w0, w1],
        "distance_deg": info["distance_deg"],
        "baz_deg": info["baz_deg"],
        "az_deg": info["az_deg"],
        "model": config["model"],
        "arrivals": _arrivals_dict(info["arrivals"]),
        "missing_phases": [p for p in config["phases"] if p not in info["arrivals"]],
        "corephase_version": __version__,
        "fetched_at": str(UTCDateTime()),
    }
    src = arr["source"]
    if src == "synthetic":
        from .synthetic import pair_seed, synthesize

        geom = geometry_from_config(array_name, arr)
        syn_cfg = {**config.get("synthetic", {}), **(arr.get("synthetic") or {})}
        syn_cfg["window"] = dict(config["window"])
        syn_cfg["model"] = config["model"]
        seed = pair_seed(config["seed"], array_name, event.id)
        stream, syn_info = synthesize(geom, event, syn_cfg, seed)
        inv = geometry_to_inventory(geom, stream[0].stats.sampling_rate if len(stream) else 20.0)
        status.update(status="ok", reason="", synthetic=True, synthetic_info=syn_info)
    elif src == "local":
        stream, inv = read_local(arr, t0, t1)
        if len(stream) == 0:
            status.update(status="no_data", reason=f"no matching records in {arr['path']}")
        else:
            status.update(status="ok", reason="")
        status["synthetic"] = False
        status["path"] = str(arr["path"])
    elif src == "fdsn":
        from .fdsn import fetch_pair as fdsn_fetch

        times = {k: v.time for k, v in info["arrivals"].items()}
        fetch_cfg = {**config.get("fetch", {}), "window": config["window"]}
        res = fdsn_fetch(array_name, arr, event, fetch_cfg, times, out_mseed, out_stationxml)
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


# --------------------------------------------------------------------------- preprocess


def preprocess_pair(
    array_name: str,
    arr: dict,
    config: dict,
    raw_mseed,
    stationxml,
    quakeml,
    fetch_status,
    out_bands: dict,
    out_qc,
    out_pair,
) -> dict:
    """QC, resample and band-pass one pair's records for every configured band.

    Writes one miniSEED per band (traces in the order of the pair geometry, one
    common time grid), a QC table (one row per channel, kept or dropped with a
    reason) and ``pair.json``: event, array, geometry, distance, back-azimuth,
    theoretical arrivals (s after origin, slowness s/deg) and status.
    """
    import pandas as pd

    event = events_from_quakeml(quakeml)[0]
    fstat = read_json(fetch_status)
    pcfg = config["preprocess"]
    info = _geometry_info_from_status(fstat, config) or pair_geometry_info(arr, event, config)
    w0, w1 = fstat["window_s_after_origin"]
    t0, t1 = event.origin + w0, event.origin + w1
    status, reason = fstat.get("status", "error"), fstat.get("reason", "")
    qc: list[dict] = []
    geom = None
    bands_out = {b["name"]: None for b in config["bands"]}
    if status in ("ok", "partial"):
        stream = read_stream(raw_mseed)
        inv = read_inventory(str(stationxml))
        stream, qc = qc_and_merge(stream, t0, t1, pcfg["max_gap_fraction"])
        # keep only channels with coordinates
        kept = []
        for tr in stream:
            try:
                inv.get_coordinates(tr.id, tr.stats.starttime)
                kept.append(tr)
            except Exception:
                qc = [q for q in qc if q["id"] != tr.id]
                qc.append({"id": tr.id, "kept": False, "reason": "no coordinates in StationXML"})
        stream.traces = kept
        if pcfg["remove_response"] and len(stream):
            stream.attach_response(inv)
            stream.remove_response(output="VEL", pre_filt=None, water_level=60)
        if len(stream) < pcfg["min_elements"]:
            status = "too_few_elements"
            reason = f"{len(stream)} usable elements, need {pcfg['min_elements']}"
        else:
            stream.sort(keys=["network", "station", "location", "channel"])
            geom = geometry_from_inventory(
                array_name, inv, stream, ref=(arr["ref_lat"], arr["ref_lon"]), time=t0
            )
            grid = common_grid(stream, pcfg["sampling_rate_hz"], t0, t1)
            for band in config["bands"]:
                bands_out[band["name"]] = bandpass(
                    grid,
                    band["fmin"],
                    band["fmax"],
                    pcfg["filter_corners"],
                    pcfg["taper_fraction"],
                )
    for name, path in out_bands.items():
        st = bands_out.get(name)
        write_stream(st if st is not None else Stream(), path, dtype=np.float32)
    write_table(pd.DataFrame(qc, columns=["id", "kept", "reason"]), out_qc)
    pair = {
        "array": array_name,
        "event": event.to_dict(),
        "status": status,
        "reason": reason,
        "synthetic": bool(fstat.get("synthetic", False)),
        "source": fstat.get("source"),
        "distance_deg": info["distance_deg"],
        "baz_deg": info["baz_deg"],
        "ref_lat": arr["ref_lat"],
        "ref_lon": arr["ref_lon"],
        "window_s_after_origin": [w0, w1],
        "arrivals": _arrivals_dict(info["arrivals"]),
        "missing_phases": [p for p in config["phases"] if p not in info["arrivals"]],
        "curved_wavefront": bool(arr.get("curved_wavefront", False)),
        "geometry": None
        if geom is None
        else {
            "codes": geom.codes,
            "lat": geom.lat.tolist(),
            "lon": geom.lon.tolist(),
            "elev_m": geom.elev_m.tolist(),
            "aperture_km": geom.aperture_km(),
        },
        "n_elements": 0 if geom is None else len(geom),
    }
    write_json(pair, out_pair)
    return pair


def load_pair(pair_json) -> tuple[dict, Event, ArrayGeometry | None, dict]:
    """Read ``pair.json``: (pair dict, Event, geometry or None, arrivals as PhaseArrival)."""
    from .traveltimes import PhaseArrival

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
    arrivals = {
        k: PhaseArrival(k, v["time_s"], v["slowness_s_deg"], v["incidence_deg"])
        for k, v in pair["arrivals"].items()
    }
    return pair, event, geom, arrivals


# --------------------------------------------------------------------------- stack


def _phase_windows(config: dict, phase: str) -> tuple[list, list]:
    sc = config["stack"]
    over = sc.get("phase_windows", {}).get(phase, {})
    return over.get("signal_window_s", sc["signal_window_s"]), over.get(
        "noise_window_s", sc["noise_window_s"]
    )


def beam_all(
    data, dt, geom: ArrayGeometry, slowness_s_deg, baz_deg, stack_cfg, curved=None
) -> dict:
    """Align ``data`` on a plane wave (or a curved wavefront) and return every stack.

    Returns a dict ``{stack type: beam}``, plus ``"coherence"`` when PWS is
    computed. Slowness in s/deg, back-azimuth clockwise from north.
    ``curved = (event, phase, model)`` aligns on TauP times per element instead
    (:func:`corephase.beam.curved_wavefront_delays`).
    """
    if curved is not None:
        from .beam import curved_wavefront_delays

        delays = curved_wavefront_delays(geom, *curved)
    else:
        e, n = geom.offsets_km()
        delays = plane_wave_delays(e, n, slowness_deg_to_km(slowness_s_deg), baz_deg)
    aligned = shift_traces(data, delays, dt)
    out = {}
    for kind in stack_cfg["types"]:
        if kind == "linear":
            out["linear"] = linear_stack(aligned)
        elif kind == "pws":
            out["pws"], out["coherence"] = pws(
                aligned, stack_cfg["pws_nu"], dt, stack_cfg["pws_gate_s"]
            )
        elif kind == "nthroot":
            out["nthroot"] = nth_root_stack(aligned, stack_cfg["nthroot_n"])
        elif kind == "envelope":
            out["envelope"] = envelope_stack(aligned, dt, stack_cfg["envelope_smooth_s"])
    return out


def beam_snr(beam, t, t_phase, signal_win, noise_win, envelope_like=False) -> float:
    """Beam SNR: RMS in the signal window over RMS in the noise window, as a ratio.

    Windows are ``[start, end]`` s relative to ``t_phase`` (s after origin); ``t``
    is the time axis of the beam (s after origin). For envelope beams the mean
    level is used instead of the RMS of a zero-mean signal.
    """
    s = (t >= t_phase + signal_win[0]) & (t <= t_phase + signal_win[1])
    n = (t >= t_phase + noise_win[0]) & (t <= t_phase + noise_win[1])
    if s.sum() < 2 or n.sum() < 2:
        return float("nan")
    if envelope_like:
        noise = np.mean(beam[n])
        return float(np.max(beam[s]) / noise) if noise > 0 else float("nan")
    rms_n = np.sqrt(np.mean(beam[n] ** 2))
    return float(np.sqrt(np.mean(beam[s] ** 2)) / rms_n) if rms_n > 0 else float("nan")


def _curation(config: dict):
    import pandas as pd

    path = config.get("curation")
    if not path:
        return None
    if not Path(path).exists():
        raise FileNotFoundError(f"config key 'curation': file {path} does not exist")
    return pd.read_csv(path)


def stack_pair(pair_json, band_paths: dict, config: dict, out_table, out_beams) -> pd.DataFrame:
    """Beams and detections for every band, phase and stack type of one pair.

    Writes the detection table (one row per phase x band x stack, see
    :func:`corephase.detection.detect_phases`, plus ``amplitude``: the peak
    absolute beam amplitude in the phase's signal window, in input units) and
    ``beams.npz`` holding, per
    band and phase, the beams of each stack type on a time axis in s after
    origin (keys ``{band}/{phase}/{stack}``, ``{band}/time``).
    """
    import pandas as pd

    from .detection import detect_phases
    from .synthetic import pair_seed

    pair, event, geom, arrivals = load_pair(pair_json)
    phases = [p for p in config["phases"] if p in arrivals]
    arrays: dict[str, np.ndarray] = {}
    tables = []
    if pair["status"] in ("ok", "partial") and geom is not None:
        curation = _curation(config)
        seed = pair_seed(config["seed"], pair["array"], event.id)
        curved = bool(pair.get("curved_wavefront"))
        for band in config["bands"]:
            st = read_stream(band_paths[band["name"]])
            data = np.array([tr.data for tr in st])
            dt = st[0].stats.delta
            t = pair["window_s_after_origin"][0] + np.arange(data.shape[1]) * dt
            arrays[f"{band['name']}/time"] = t
            for ph in phases:
                beams = beam_all(
                    data,
                    dt,
                    geom,
                    arrivals[ph].slowness_s_deg,
                    pair["baz_deg"],
                    config["stack"],
                    curved=(event, ph, config["model"]) if curved else None,
                )
                for k, v in beams.items():
                    arrays[f"{band['name']}/{ph}/{k}"] = v.astype(np.float32)
                det_cfg = detection_config(config, ph, band, seed)
                if curved:
                    det_cfg["curved_wavefront"] = True
                det = detect_phases(
                    st, geom, event, {ph: arrivals[ph]}, band["name"], det_cfg, curation
                )
                # peak absolute beam amplitude in the signal window (input units:
                # nm/s for synthetics, counts for raw records)
                sig = _phase_windows(config, ph)[0]
                win = (t >= arrivals[ph].time + sig[0]) & (t <= arrivals[ph].time + sig[1])
                det["amplitude"] = [
                    float(np.max(np.abs(beams[k][win]))) if k in beams and win.any() else np.nan
                    for k in det["stack"]
                ]
                tables.append(det)
                log.info("stack %s %s: done", band["name"], ph)
    table = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame()
    table = _with_status(table, pair)
    write_table(table, out_table)
    from .io import atomic_path

    with atomic_path(out_beams) as tmp:
        with open(tmp, "wb") as fh:
            np.savez_compressed(fh, **arrays)
    return table


def detection_config(config: dict, phase: str, band: dict, seed: int) -> dict:
    """Detection settings for one phase and band from the ``stack`` config section.

    Per-phase windows (``stack.phase_windows``) override the default signal
    and noise windows; the band limits set the FK band.
    """
    sc = config["stack"]
    signal_win, noise_win = _phase_windows(config, phase)
    return {
        "stacks": sc["types"],
        "pws_nu": sc["pws_nu"],
        "pws_gate_s": sc["pws_gate_s"],
        "nthroot_n": sc["nthroot_n"],
        "envelope_smooth_s": sc["envelope_smooth_s"],
        "signal_window_s": signal_win,
        "noise_window_s": noise_win,
        "snr_threshold": sc["snr_threshold"],
        "band_hz": [band["fmin"], band["fmax"]],
        "seed": seed,
        "earth_model": config.get("model", "ak135"),
        **sc.get("detection", {}),
    }


def _with_status(table: pd.DataFrame, pair: dict) -> pd.DataFrame:
    """Add pair status columns; an empty table gets one row saying why it is empty."""
    import pandas as pd

    if table.empty:
        table = pd.DataFrame([{"event": pair["event"]["id"], "array": pair["array"]}])
    table["pair_status"] = pair["status"]
    table["pair_reason"] = pair["reason"]
    table["synthetic"] = pair["synthetic"]
    table["distance_deg"] = pair["distance_deg"]
    return table


# --------------------------------------------------------------------------- coda


def coda_pair(pair_json, band_paths: dict, config: dict, out_table, out_arrays: dict):
    """Coda measurements of every band for one pair (see :mod:`corephase.coda`).

    Writes a coda table (one row per phase x band, with bootstrap intervals)
    and, per band, an ``.npz`` with the normalised envelope beams, trend fits
    and coda vespagram used by the figures (``out_arrays`` maps band -> path).
    """
    import pandas as pd

    from .coda import analyse_coda, save_coda_arrays
    from .synthetic import pair_seed

    pair, event, geom, arrivals = load_pair(pair_json)
    tables = []
    ok = pair["status"] in ("ok", "partial") and geom is not None
    for band in config["bands"]:
        plot: dict = {"meta": {"status": pair["status"], "reason": pair["reason"]}}
        if ok:
            st = read_stream(band_paths[band["name"]])
            seed = pair_seed(config["seed"], pair["array"], event.id)
            ccfg = {k: v for k, v in config["coda"].items() if not k.startswith("cluster_")}
            df, plot = analyse_coda(
                st, geom, event, arrivals, band["name"], (band["fmin"], band["fmax"]), ccfg, seed
            )
            tables.append(df)
            log.info("coda %s: %d phases measured", band["name"], len(df))
        save_coda_arrays(plot, out_arrays[band["name"]])
    table = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame()
    table = _with_status(table, pair)
    write_table(table, out_table)
    return table


# --------------------------------------------------------------------------- figures


def figures_pair(pair_json, band_paths: dict, beams_npz, coda_npz: dict, config: dict, out: dict):
    """The figures of one pair, per band.

    ``out`` maps ``"{band}/beams"`` (single traces and beams per phase),
    ``"{band}/vespagram"`` (vespagrams around each phase), ``"{band}/fk"``
    (FK maps of each phase's signal window),
    ``"{band}/coda"`` (normalised envelope beams of PcP, ScP, PKiKP overlaid,
    log scale), ``"{band}/coda_fit"`` (main-phase envelope with pre-phase
    trend and its extrapolation) and ``"{band}/coda_vespagram"`` to PNG
    paths. Pairs without data get figures that say why.
    """
    from .coda import load_coda_arrays
    from .plotting import plot_pair_band, plot_status
    from .plotting_array import plot_fk_maps, plot_vespagram
    from .plotting_coda import plot_coda_fit, plot_coda_vespagram, plot_phase_envelopes

    pair, _, geom, arrivals = load_pair(pair_json)
    ok = pair["status"] in ("ok", "partial") and geom is not None
    beams = np.load(beams_npz) if ok else None
    syn = bool(pair["synthetic"])
    for band in config["bands"]:
        name = band["name"]
        if ok:
            st = read_stream(band_paths[name])
            plot_pair_band(pair, arrivals, st, beams, band, config, out[f"{name}/beams"])
            phases = config["phases"]
            plot_vespagram(pair, arrivals, st, geom, band, phases, out[f"{name}/vespagram"])
            plot_fk_maps(
                pair,
                arrivals,
                st,
                geom,
                band,
                phases,
                config["stack"]["signal_window_s"],
                out[f"{name}/fk"],
            )
            arrays = load_coda_arrays(coda_npz[name])
        if not ok or not arrays.get("phases"):
            for kind in ("beams", "vespagram", "fk", "coda", "coda_fit", "coda_vespagram"):
                if ok and kind in ("beams", "vespagram", "fk"):
                    continue
                plot_status(pair, name, out[f"{name}/{kind}"])
            continue
        plot_phase_envelopes(arrays, out[f"{name}/coda"], synthetic=syn)
        plot_coda_fit(arrays, out[f"{name}/coda_fit"], synthetic=syn)
        if arrays.get("vespagram"):
            plot_coda_vespagram(arrays, out[f"{name}/coda_vespagram"], synthetic=syn)
        else:
            plot_status(pair, name, out[f"{name}/coda_vespagram"])


# --------------------------------------------------------------------------- tables


def summarise(pair_jsons, detection_tables, coda_tables, out_pairs, out_detections, out_coda):
    """Gather all pairs into three tables: pairs, detections and coda."""
    import pandas as pd

    rows = []
    for p in pair_jsons:
        pair = read_json(p)
        ev = pair["event"]
        rows.append(
            {
                "array": pair["array"],
                "event": ev["id"],
                "time": ev["time"],
                "latitude": ev["latitude"],
                "longitude": ev["longitude"],
                "depth_km": ev["depth_km"],
                "magnitude": ev["magnitude"],
                "distance_deg": pair["distance_deg"],
                "baz_deg": pair["baz_deg"],
                "n_elements": pair["n_elements"],
                "status": pair["status"],
                "reason": pair["reason"],
                "synthetic": pair["synthetic"],
                "source": pair["source"],
            }
        )
    write_table(pd.DataFrame(rows).sort_values(["array", "event"]), out_pairs)
    for paths, outp in ((detection_tables, out_detections), (coda_tables, out_coda)):
        frames = [pd.read_csv(p) for p in paths]
        frames = [f for f in frames if not f.empty]
        df = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
        write_table(df, outp)


# --------------------------------------------------------------------------- global products


def pair_meta(pair: dict) -> dict:
    """The per-pair metadata row of the global catalogue (see corephase.catalogue)."""
    ev = pair["event"]
    qc = [pair["reason"]] if pair.get("reason") else []
    return {
        "event": ev["id"],
        "array": pair["array"],
        "event_time": ev["time"],
        "event_lat": ev["latitude"],
        "event_lon": ev["longitude"],
        "event_depth_km": ev["depth_km"],
        "event_mag": ev["magnitude"],
        "array_lat": pair["ref_lat"],
        "array_lon": pair["ref_lon"],
        "distance_deg": pair["distance_deg"],
        "status": pair["status"],
        "qc": qc,
    }


def global_catalogue(pair_jsons, detection_tables, model: str, out_csv, out_parquet):
    """Build the global detection catalogue (CSV and Parquet) from every pair."""
    import pandas as pd

    from .catalogue import build_catalogue, write_catalogue

    metas = [pair_meta(read_json(p)) for p in pair_jsons]
    dets = []
    for path in detection_tables:
        df = pd.read_csv(path)
        # pairs without beams carry one status row with no phase: metadata covers them
        dets.append(df[df["phase"].notna()] if "phase" in df else df.iloc[0:0])
    cat = build_catalogue(dets, metas, model=model)
    write_catalogue(cat, out_csv, out_parquet)
    log.info("catalogue: %d rows from %d pairs", len(cat), len(metas))
    return cat


def global_figures(catalogue_csv, arrays_cfg: dict, model: str, out: dict, regions) -> None:
    """Maps, detection histogram and PKiKP-PcP figure from the global catalogue.

    ``out`` maps ``map_{region}`` for each of ``regions`` (names of
    :data:`corephase.maps.REGIONS`), ``histogram`` and ``pkikp_pcp`` to PNG
    paths. A regional map with nothing inside its region says so.
    """
    import pandas as pd

    from .catalogue import read_catalogue
    from .maps import plot_detection_histogram, plot_map, plot_pkikp_pcp
    from .plotting import plot_message

    cat = read_catalogue(catalogue_csv)
    arrays = pd.DataFrame(
        [{"array": k, "lat": v["ref_lat"], "lon": v["ref_lon"]} for k, v in arrays_cfg.items()]
    )
    for region in regions:
        try:
            info = plot_map(
                cat,
                out[f"map_{region}"],
                region,
                arrays=arrays if region == "global" else None,
                model=model,
            )
            log.info("map %s: coastlines %s", region, info.get("coastlines"))
        except ValueError as err:
            if "nothing to map" not in str(err):
                raise
            log.info("map %s: no event, array or bounce point in the region", region)
            plot_message(
                f"map '{region}': no event, array or bounce point in this region",
                out[f"map_{region}"],
            )
    plot_detection_histogram(cat, out["histogram"])
    plot_pkikp_pcp(cat, out["pkikp_pcp"], model=model)


def coda_comparisons(pair_jsons, coda_npz: dict, config: dict, out_table, out_figs: dict):
    """Compare PKiKP codas across nearby events at one array and across arrays.

    Events are clustered per array with :func:`corephase.clustering.cluster_events`
    (``coda.cluster_distance_deg``, ``coda.cluster_depth_km``). Writes the
    cluster table and, per band, one figure of cluster overlays (an array's
    events in one cluster) and one of event overlays (one event at every
    array that recorded it). ``coda_npz`` maps ``(array, event, band)`` to the
    per-band arrays written by :func:`coda_pair`.
    """
    import pandas as pd

    from .clustering import cluster_events
    from .coda import load_coda_arrays
    from .plotting_coda import plot_overlay_panels

    pairs = [read_json(p) for p in pair_jsons]
    ccfg = config["coda"]
    rows = []
    by_array: dict[str, list] = {}
    for p in pairs:
        if p["status"] in ("ok", "partial"):
            by_array.setdefault(p["array"], []).append(p)
    for arr, plist in sorted(by_array.items()):
        evs = [Event(**p["event"]) for p in plist]
        ids = cluster_events(evs, ccfg["cluster_distance_deg"], ccfg["cluster_depth_km"])
        for p, cid in zip(plist, ids, strict=True):
            rows.append({"array": arr, "event": p["event"]["id"], "cluster": f"{arr}-{cid}"})
    table = pd.DataFrame(rows, columns=["array", "event", "cluster"])
    write_table(table, out_table)
    phase = ccfg["main_phase"]
    for band in config["bands"]:
        name = band["name"]
        cl_panels, ev_panels = [], []
        for cid, grp in table.groupby("cluster"):
            if len(grp) >= 2:
                curves = [
                    (e, load_coda_arrays(coda_npz[(a, e, name)]))
                    for a, e in zip(grp["array"], grp["event"], strict=True)
                ]
                cl_panels.append((f"{grp['array'].iloc[0]}: events of cluster {cid}", curves))
        for ev, grp in table.groupby("event"):
            if len(grp) >= 2:
                curves = [(a, load_coda_arrays(coda_npz[(a, ev, name)])) for a in grp["array"]]
                ev_panels.append((f"event {ev} across arrays", curves))
        synthetic = any(p["synthetic"] for p in pairs)
        plot_overlay_panels(cl_panels, phase, name, out_figs[f"{name}/clusters"], synthetic)
        plot_overlay_panels(ev_panels, phase, name, out_figs[f"{name}/events"], synthetic)
