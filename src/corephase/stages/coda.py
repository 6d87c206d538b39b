"""Stage ``coda``: coda measurements of one pair."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from corephase.io.bands import read_band
from corephase.io.files import write_rows
from corephase.stages.common import load_arrival_list, load_pair, status_rows

if TYPE_CHECKING:  # imported where used: it slows every job's start-up
    from corephase.analysis.coda import BeamAlignment

log = logging.getLogger("corephase")


def coda_alignment(config: dict, pair: dict) -> BeamAlignment:
    """The coda beams' alignment: the detection's (``stack.detection``) for this pair.

    Curved wavefront when the pair asks for it (dense networks) or
    ``stack.detection.curved_wavefront`` is set, in the earth model
    ``config["model"]``; elevation statics with ``stack.detection.v_surface_km_s``
    (km/s) and station statics ``stack.detection.statics`` ({code: s}).
    """
    from corephase.analysis.coda import BeamAlignment

    det = config.get("stack", {}).get("detection", {})
    return BeamAlignment(
        curved=bool(pair.get("curved_wavefront") or det.get("curved_wavefront")),
        model=config.get("model", "ak135"),
        v_surface_km_s=det.get("v_surface_km_s"),
        statics=det.get("statics"),
    )


def coda_pair(pair_json, band_paths: dict, config: dict, out_table, out_arrays: dict):
    """Coda measurements of every band for one pair (see :mod:`corephase.analysis.coda`).

    Writes a coda table (one row per phase x band, with bootstrap intervals)
    and, per band, an ``.npz`` with the normalised envelope beams, trend fits
    and coda vespagram used by the figures (``out_arrays`` maps band -> path).
    ``config`` needs ``seed``, ``bands`` and ``coda``; ``model`` and
    ``stack.detection`` set the alignment (:func:`coda_alignment`);
    ``preprocess.taper_fraction`` gives the taper at each record end, which
    no coda window uses. Returns the table's rows (dicts, column to value); the job
    imports no pandas (:func:`corephase.io.files.write_rows` writes the CSV text
    :meth:`pandas.DataFrame.to_csv` would).
    """
    from corephase.analysis.coda import CodaBand, coda_band_rows, save_coda_arrays
    from corephase.config.coda import CodaSettings
    from corephase.config.preprocess import PreprocessSettings
    from corephase.utils.random import pair_seed

    settings = CodaSettings.from_dict(config["coda"])
    taper = PreprocessSettings.from_dict(config.get("preprocess", {})).taper_fraction
    pair, event, geom, arrivals = load_pair(pair_json)
    rows: list[dict] = []
    ok = pair["status"] in ("ok", "partial") and geom is not None
    results = [None] * len(config["bands"])
    if ok:  # every band at once: their coda vespagrams share one slowness sweep
        bands = []
        for band in config["bands"]:
            record = read_band(band_paths[band["name"]])
            hz = (band["fmin"], band["fmax"])
            bands.append(CodaBand(band["name"], hz, record, _taper_s(record, taper)))
        results = coda_band_rows(
            bands,
            geom,
            event,
            arrivals,
            settings,
            pair_seed(config["seed"], pair["array"], event.id),
            coda_alignment(config, pair),
            arrival_list=load_arrival_list(pair, config["model"]),
        )
    for band, result in zip(config["bands"], results, strict=True):
        plot: dict = {"meta": {"status": pair["status"], "reason": pair["reason"]}}
        if isinstance(result, ValueError):  # e.g. no pre-P noise in the record window
            log.warning("coda %s: not measured: %s", band["name"], result)
            band_rows = [{"band": band["name"], "qc": f"not measured: {result}"}]
            plot["meta"]["reason"] = f"coda not measured: {result}"
        elif result is not None:
            band_rows, plot = result
        if ok:
            rows += band_rows
            log.info("coda %s: %d rows", band["name"], len(band_rows))
        save_coda_arrays(plot, out_arrays[band["name"]])
    rows, columns = status_rows(rows, pair)
    write_rows(rows, columns, out_table)
    return rows


def _taper_s(record, fraction: float) -> float:
    """Length (s) of the band-pass taper at each end of a band record (ObsPy ``taper``
    of ``fraction`` of its samples)."""
    if not len(record):
        return 0.0
    return float(fraction) * record.npts * record.dt
