"""Stage ``figures``: the figures of one pair."""

from __future__ import annotations

import csv
import shutil

import numpy as np

from corephase.config.figures import FiguresSettings
from corephase.io.bands import read_band
from corephase.io.files import atomic_path
from corephase.stages.common import load_pair

#: The per-band figures of a pair, in the order they are drawn.
KINDS = ("beams", "vespagram", "fk", "coda", "coda_fit", "coda_vespagram")


def detected_phases(detections_csv) -> set[str]:
    """Phases detected in any band and stack of a pair's detection table."""
    with open(detections_csv, newline="") as f:
        return {r["phase"] for r in csv.DictReader(f) if r.get("detected") == "True"}


def skip_reason(settings: FiguresSettings, phases, detections_csv=None) -> str | None:
    """Why this pair's figures are not drawn under ``settings.pairs``, or None to draw them."""
    if settings.pairs == "all":
        return None
    if settings.pairs == "none":
        return "per-pair figures not drawn (figures.pairs: none)"
    wanted = set(settings.detection_phases or phases)
    if detections_csv is not None and detected_phases(detections_csv) & wanted:
        return None
    names = ", ".join(sorted(wanted))
    return f"per-pair figures not drawn: no detection of {names} (figures.pairs: detections)"


def _write_placeholders(reason: str, out: dict) -> None:
    """One figure stating ``reason``, copied to every output (drawn once)."""
    from corephase.plotting.pair import plot_message

    paths = list(out.values())
    plot_message(reason, paths[0])
    for p in paths[1:]:
        with atomic_path(p) as tmp:
            shutil.copyfile(paths[0], tmp)


def _array_figures(pair, arrivals, geom, record, beams, band, config, out, scale) -> None:
    """Beams, vespagram and FK figures of one band."""
    from corephase.plotting.array import ArrayRecord, plot_fk_maps, plot_vespagram
    from corephase.plotting.pair import plot_pair_band

    name, phases, model = band["name"], config["phases"], config.get("model", "ak135")
    plot_pair_band(pair, arrivals, record, beams, band, config, out[f"{name}/beams"], scale=scale)
    rec = ArrayRecord.from_band(pair, arrivals, record, geom, band)
    plot_vespagram(
        rec,
        phases,
        out[f"{name}/vespagram"],
        noise_window_s=tuple(config["stack"]["noise_window_s"]),
        scale=scale,
        model=model,
    )
    sig = config["stack"]["signal_window_s"]
    plot_fk_maps(rec, phases, sig, out[f"{name}/fk"], model=model)


def _coda_figures(pair, arrays, name, config, out) -> None:
    """The three coda figures of one band (figures that say why where there is no curve)."""
    from corephase.plotting.coda import plot_coda_fit, plot_coda_vespagram, plot_phase_envelopes
    from corephase.plotting.pair import plot_message, plot_status

    syn = bool(pair["synthetic"])
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


def figures_pair(
    pair_json,
    band_paths: dict,
    beams_npz,
    coda_npz: dict,
    config: dict,
    out: dict,
    detections_csv=None,
) -> bool:
    """The figures of one pair, per band; returns whether they were drawn.

    ``out`` maps ``"{band}/beams"`` (single traces and beams per phase),
    ``"{band}/vespagram"`` (vespagrams around each phase), ``"{band}/fk"``
    (FK maps of each phase's signal window),
    ``"{band}/coda"`` (envelope beams of the coda phases overlaid,
    log scale), ``"{band}/coda_fit"`` (main-phase envelope with pre-phase
    trend and its extrapolation) and ``"{band}/coda_vespagram"`` to PNG
    paths. Pairs without data get figures that say why. Under
    ``figures.pairs`` other than ``all`` a pair may be skipped (its detection
    table ``detections_csv`` decides for ``detections``): every output then
    holds one line saying why.
    """
    from corephase.analysis.coda import load_coda_arrays
    from corephase.plotting.pair import plot_status

    settings = FiguresSettings.from_dict(config.get("figures"), where="figures")
    reason = skip_reason(settings, config["phases"], detections_csv)
    if reason is not None:
        _write_placeholders(reason, out)
        return False
    pair, _, geom, arrivals = load_pair(pair_json)
    ok = pair["status"] in ("ok", "partial") and geom is not None
    beams = np.load(beams_npz) if ok else None
    for band in config["bands"]:
        name = band["name"]
        if not ok:
            for kind in KINDS:
                plot_status(pair, name, out[f"{name}/{kind}"])
            continue
        record = read_band(band_paths[name])
        _array_figures(pair, arrivals, geom, record, beams, band, config, out, settings.scale)
        arrays = load_coda_arrays(coda_npz[name])
        if arrays.get("phases"):
            _coda_figures(pair, arrays, name, config, out)
        else:
            for kind in ("coda", "coda_fit", "coda_vespagram"):
                plot_status(pair, name, out[f"{name}/{kind}"])
    return True
