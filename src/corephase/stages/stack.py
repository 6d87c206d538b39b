"""Stage ``stack``: beams and detections of one pair."""

from __future__ import annotations

import logging

import numpy as np

from corephase.config.stack import StackSettings
from corephase.io.bands import read_band
from corephase.io.files import atomic_path, write_rows
from corephase.signal.matrix import band_matrix
from corephase.stages.common import (
    load_arrival_list,
    load_pair,
    read_curation_table,
    status_rows,
)
from corephase.stages.dense_statics import PairStatics

log = logging.getLogger("corephase")


def stack_settings(config: dict, pair: dict) -> StackSettings:
    """The ``stack`` config section as settings; a curved-wavefront array (``pair.json``)
    aligns on the curved wavefront whatever ``stack.detection.curved_wavefront`` says."""
    settings = StackSettings.from_dict(config["stack"])
    if pair.get("curved_wavefront"):
        settings = settings.replace(detection=settings.detection.replace(curved_wavefront=True))
    return settings


def stack_pair(
    pair_json, band_paths: dict, config: dict, out_table, out_beams, out_statics=None
) -> list[dict]:
    """Beams and detections for every band, phase and stack type of one pair.

    Each phase is aligned once per band (:func:`corephase.analysis.detection.detect_phase`);
    the full-array stacks of that alignment are both the saved beams and the beams
    measured. The detection table has one row per phase x band x stack (columns of
    :func:`corephase.analysis.detection.detect_phases`; call ``no_arrival`` for a
    configured phase without a TauP arrival), plus ``amplitude`` (peak absolute beam
    amplitude in the signal window, input units), the arrival-list columns of
    :func:`corephase.analysis.detection.interference.annotate` and the clean pick
    ``t_pick_s``/``pick_note`` (:func:`corephase.analysis.picks.add_clean_picks`).
    ``beams.npz`` holds the beams per band, phase and stack (keys ``{band}/{phase}/{stack}``)
    on ``{band}/time`` (s after origin), uncompressed: compressing float32 beams saves
    14 % of the file for 0.15 s of CPU per pair. Empirical station statics (config
    ``statics``) are measured per band and added to the alignment before any beam
    (:class:`corephase.stages.dense_statics.PairStatics`); their table goes to
    ``out_statics``. Returns the table's rows (dicts, column to value); the job
    imports no pandas (:func:`corephase.io.files.write_rows` writes the CSV text
    :meth:`pandas.DataFrame.to_csv` would).
    """
    from corephase.analysis.detection import curate, detect_phase, no_arrival
    from corephase.analysis.detection.interference import annotate, phase_windows, quiet_interval
    from corephase.analysis.picks import add_clean_picks
    from corephase.signal.alignment import TraceShifter
    from corephase.utils.random import component_rng, pair_seed

    pair, event, geom, arrivals = load_pair(pair_json)
    phases = [p for p in config["phases"] if p in arrivals]
    absent = [p for p in config["phases"] if p not in arrivals]
    arrays: dict[str, np.ndarray] = {}
    rows: list[dict] = []
    statics = PairStatics(config)
    if pair["status"] in ("ok", "partial") and geom is not None:
        arrival_list = load_arrival_list(pair, config["model"])
        listed = {a.phase: a for a in arrival_list}
        settings = stack_settings(config, pair)
        curation = read_curation_table(config)
        seed = pair_seed(config["seed"], pair["array"], event.id)
        for band in config["bands"]:
            record = read_band(band_paths[band["name"]])
            data, dt = band_matrix(record, geom, 2)
            t_start = record.seconds_after(event.origin_ns)
            t = t_start + np.arange(data.shape[1]) * dt
            arrays[f"{band['name']}/time"] = t
            band_settings = statics.apply(
                settings, data, dt, t_start, geom, event, arrival_list, band["name"]
            )
            edge = float(config["preprocess"]["taper_fraction"]) * (t[-1] - t[0])
            quiet = quiet_interval(arrival_list, t[0], t[-1], edge)
            shifter = TraceShifter(data, dt)  # the record's spectra, shared by its phases
            for ph in phases:
                win = phase_windows(arrival_list, ph, settings)
                det = detect_phase(
                    data,
                    dt,
                    t_start,
                    geom,
                    event,
                    ph,
                    arrivals[ph],
                    band["name"],
                    band_settings,
                    band_hz=(band["fmin"], band["fmax"]),
                    rng=component_rng(seed, band["name"], ph),
                    earth_model=config["model"],
                    windows=(win.signal_s, win.noise_s),
                    quiet_s=quiet,
                    shifter=shifter,
                )
                annotate(det.rows, win, listed.get(ph))
                for k, v in det.beams.items():
                    arrays[f"{band['name']}/{ph}/{k}"] = v.astype(np.float32)
                sig = arrivals[ph].time + np.asarray(win.signal_s)
                for row in det.rows:
                    k = row["stack"]
                    row["amplitude"] = (
                        peak_amplitude(det.beams[k], t, sig) if k in det.beams else np.nan
                    )
                add_clean_picks(
                    det.rows, det.beams, t, arrivals[ph].time, win, listed.get(ph), settings
                )
                rows += curate(det.rows, curation)
                log.info("stack %s %s: done", band["name"], ph)
            for ph in absent:
                rows += no_arrival(event, geom, ph, band["name"], settings).rows
                log.info("stack %s %s: no arrival at this distance", band["name"], ph)
    rows, columns = status_rows(rows, pair)
    if "call" not in columns:  # no data: the one row status_rows made says why
        rows[0].update(call="no_data", detected=False)
        columns += ["call", "detected"]
    write_rows(rows, columns, out_table)
    with atomic_path(out_beams) as tmp:
        with open(tmp, "wb") as fh:
            np.savez(fh, **arrays)
    if out_statics is not None:
        statics.write(out_statics)
    return rows


def peak_amplitude(beam, t, window_s) -> float:
    """Peak absolute value of ``beam`` at times ``t`` within ``window_s`` (s after origin).

    In the beam's units (nm/s for synthetics, counts for raw records); NaN
    without samples in the window.
    """
    win = (t >= window_s[0]) & (t <= window_s[1])
    if not win.any():
        return float("nan")
    return float(np.max(np.abs(beam[win])))
