"""Stage ``figures``: the figures of one pair."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from corephase.io.files import (
    read_stream,
)

if TYPE_CHECKING:  # pandas is imported where used: it slows every job's start-up
    pass

from corephase.stages.common import load_pair


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
    from corephase.analysis.coda import load_coda_arrays
    from corephase.plotting.array import ArrayRecord, plot_fk_maps, plot_vespagram
    from corephase.plotting.coda import (
        plot_coda_fit,
        plot_coda_vespagram,
        plot_phase_envelopes,
    )
    from corephase.plotting.pair import plot_message, plot_pair_band, plot_status

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
            rec = ArrayRecord.from_stream(pair, arrivals, st, geom, band)
            plot_vespagram(rec, phases, out[f"{name}/vespagram"])
            plot_fk_maps(rec, phases, config["stack"]["signal_window_s"], out[f"{name}/fk"])
            arrays = load_coda_arrays(coda_npz[name])
        if not ok or not arrays.get("phases"):
            for kind in ("beams", "vespagram", "fk", "coda", "coda_fit", "coda_vespagram"):
                if ok and kind in ("beams", "vespagram", "fk"):
                    continue
                plot_status(pair, name, out[f"{name}/{kind}"])
            continue
        plot_phase_envelopes(arrays, out[f"{name}/coda"], synthetic=syn)
        main = arrays.get("meta", {}).get("main_phase", config["coda"]["main_phase"])
        if main in arrays["phases"]:
            plot_coda_fit(arrays, out[f"{name}/coda_fit"], synthetic=syn)
        else:
            plot_message(
                f"{pair['array']} {pair['event']['id']} {name}: the {main} coda was not "
                "measured (the reason is in coda/coda.csv, column qc)",
                out[f"{name}/coda_fit"],
            )
        if arrays.get("vespagram"):
            plot_coda_vespagram(arrays, out[f"{name}/coda_vespagram"], synthetic=syn)
        else:
            plot_status(pair, name, out[f"{name}/coda_vespagram"])
