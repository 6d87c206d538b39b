"""Stage ``stack``: beams and detections of one pair."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import numpy as np

from corephase.io.files import (
    read_stream,
    write_table,
)
from corephase.model.geometry import ArrayGeometry
from corephase.signal.alignment import plane_wave_delays, shift_traces, slowness_deg_to_km
from corephase.signal.stacking import envelope_stack, linear_stack, nth_root_stack, pws

if TYPE_CHECKING:  # pandas is imported where used: it slows every job's start-up
    import pandas as pd

from corephase.stages.common import load_pair, phase_windows, read_curation_table, with_status

log = logging.getLogger("corephase")


def stack_pair(pair_json, band_paths: dict, config: dict, out_table, out_beams) -> pd.DataFrame:
    """Beams and detections for every band, phase and stack type of one pair.

    Writes the detection table (one row per phase x band x stack, see
    :func:`corephase.analysis.detection.detect_phases`, plus ``amplitude``: the peak
    absolute beam amplitude in the phase's signal window, in input units) and
    ``beams.npz`` holding, per
    band and phase, the beams of each stack type on a time axis in s after
    origin (keys ``{band}/{phase}/{stack}``, ``{band}/time``).
    """
    import pandas as pd

    from corephase.analysis.detection import detect_phases
    from corephase.sources.synthetic import pair_seed

    pair, event, geom, arrivals = load_pair(pair_json)
    phases = [p for p in config["phases"] if p in arrivals]
    arrays: dict[str, np.ndarray] = {}
    tables = []
    if pair["status"] in ("ok", "partial") and geom is not None:
        curation = read_curation_table(config)
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
                sig = phase_windows(config, ph)[0]
                win = (t >= arrivals[ph].time + sig[0]) & (t <= arrivals[ph].time + sig[1])
                det["amplitude"] = [
                    float(np.max(np.abs(beams[k][win]))) if k in beams and win.any() else np.nan
                    for k in det["stack"]
                ]
                tables.append(det)
                log.info("stack %s %s: done", band["name"], ph)
    table = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame()
    table = with_status(table, pair)
    write_table(table, out_table)
    from corephase.io.files import atomic_path

    with atomic_path(out_beams) as tmp:
        with open(tmp, "wb") as fh:
            np.savez_compressed(fh, **arrays)
    return table


def beam_all(
    data, dt, geom: ArrayGeometry, slowness_s_deg, baz_deg, stack_cfg, curved=None
) -> dict:
    """Align ``data`` on a plane wave (or a curved wavefront) and return every stack.

    Returns a dict ``{stack type: beam}``, plus ``"coherence"`` when PWS is
    computed. Slowness in s/deg, back-azimuth clockwise from north.
    ``curved = (event, phase, model)`` aligns on TauP times per element instead
    (:func:`corephase.signal.alignment.curved_wavefront_delays`).
    """
    if curved is not None:
        from corephase.signal.alignment import curved_wavefront_delays

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


def detection_config(config: dict, phase: str, band: dict, seed: int) -> dict:
    """Detection settings for one phase and band from the ``stack`` config section.

    Per-phase windows (``stack.phase_windows``) override the default signal
    and noise windows; the band limits set the FK band.
    """
    sc = config["stack"]
    signal_win, noise_win = phase_windows(config, phase)
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
