"""Stage ``coda``: coda measurements of one pair."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from corephase.io.files import (
    read_stream,
    write_table,
)

if TYPE_CHECKING:  # pandas is imported where used: it slows every job's start-up
    pass

from corephase.stages.common import load_pair, with_status

log = logging.getLogger("corephase")


def coda_pair(pair_json, band_paths: dict, config: dict, out_table, out_arrays: dict):
    """Coda measurements of every band for one pair (see :mod:`corephase.analysis.coda`).

    Writes a coda table (one row per phase x band, with bootstrap intervals)
    and, per band, an ``.npz`` with the normalised envelope beams, trend fits
    and coda vespagram used by the figures (``out_arrays`` maps band -> path).
    """
    import pandas as pd

    from corephase.analysis.coda import analyse_coda, save_coda_arrays
    from corephase.sources.synthetic import pair_seed

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
    table = with_status(table, pair)
    write_table(table, out_table)
    return table
