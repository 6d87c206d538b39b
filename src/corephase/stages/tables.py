"""Stage ``tables``: pairs, detections and coda tables over all pairs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from corephase.io.files import (
    read_json,
    write_table,
)

if TYPE_CHECKING:  # pandas is imported where used: it slows every job's start-up
    pass


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
