"""Stage ``catalogue``: the global detection catalogue."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from corephase.io.files import (
    read_json,
)

log = logging.getLogger("corephase")

if TYPE_CHECKING:  # pandas is imported where used: it slows every job's start-up
    pass


def pair_meta(pair: dict) -> dict:
    """The per-pair metadata row of the global catalogue (see corephase.analysis.catalogue)."""
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


def global_catalogue(pair_jsons, detection_tables, model: str, out_csv, out_parquet, bands=None):
    """Build the global detection catalogue (CSV and Parquet) from every pair.

    ``bands``: the config's frequency bands, whose centres the predicted PKiKP/PcP
    ratios use (see :func:`corephase.analysis.catalogue.build_catalogue`).
    """
    import pandas as pd

    from corephase.analysis.catalogue import build_catalogue, write_catalogue

    metas = [pair_meta(read_json(p)) for p in pair_jsons]
    dets = []
    for path in detection_tables:
        df = pd.read_csv(path)
        # pairs without beams carry one status row with no phase: their metadata
        # record alone puts them in the catalogue
        if "phase" in df:
            dets.append(df[df["phase"].notna()])
    cat = build_catalogue(dets, metas, model=model, bands=bands)
    write_catalogue(cat, out_csv, out_parquet)
    log.info("catalogue: %d rows from %d pairs", len(cat), len(metas))
    return cat
