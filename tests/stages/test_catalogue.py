"""Stages tables and catalogue: pairs without data never stop the summaries."""

from __future__ import annotations

import pandas as pd

from corephase.analysis.catalogue import DETECTION_COLUMNS, read_catalogue
from corephase.io.files import write_json
from corephase.stages.catalogue import global_catalogue
from corephase.stages.tables import summarise

EVENT = {
    "id": "ev1",
    "time": "2014-06-23T20:53:09",
    "latitude": 51.8,
    "longitude": 178.7,
    "depth_km": 100.0,
    "magnitude": 7.9,
}


def _pair(tmp_path, array, status, lat, lon, dist):
    pair = {
        "array": array,
        "event": EVENT,
        "ref_lat": lat,
        "ref_lon": lon,
        "distance_deg": dist,
        "baz_deg": 300.0,
        "n_elements": 18 if status == "ok" else 0,
        "status": status,
        "reason": "" if status == "ok" else "no matching records",
        "synthetic": False,
        "source": "local",
    }
    path = tmp_path / f"{array}.json"
    write_json(pair, path)
    return path


def _detections(tmp_path, array, rows):
    path = tmp_path / f"{array}.csv"
    rows.to_csv(path, index=False)
    return path


def test_ok_and_no_data_pairs_both_reach_tables_and_catalogue(tmp_path):
    ok = _pair(tmp_path, "YKA", "ok", 62.49, -114.6, 36.1)
    nodata = _pair(tmp_path, "PDAR", "no_data", 42.77, -109.56, 40.2)
    row = dict.fromkeys(DETECTION_COLUMNS, 1.0)
    row.update(event="ev1", array="YKA", phase="PcP", band="1-2Hz", stack="linear")
    row.update(detected=True, decided_by="auto", reason="", n_elements=18, baz_theory_deg=300.0)
    row.update(slowness_theory_s_deg=4.3, t_theory_s=560.0, t_peak_s=560.4, amplitude=2.0)
    det_ok = _detections(tmp_path, "YKA", pd.DataFrame([row]))
    # what the stack stage writes for a pair without data: one status row, no phase
    det_none = _detections(
        tmp_path,
        "PDAR",
        pd.DataFrame([{"event": "ev1", "array": "PDAR", "pair_status": "no_data"}]),
    )
    out = {k: tmp_path / f"{k}.csv" for k in ("pairs", "detections", "coda")}
    summarise([ok, nodata], [det_ok, det_none], [], *out.values())
    pairs = pd.read_csv(out["pairs"])
    assert sorted(zip(pairs["array"], pairs["status"], strict=True)) == [
        ("PDAR", "no_data"),
        ("YKA", "ok"),
    ]
    cat = global_catalogue(
        [ok, nodata], [det_ok, det_none], "ak135", tmp_path / "c.csv", tmp_path / "c.parquet"
    )
    assert len(cat) == 2
    back = read_catalogue(tmp_path / "c.csv")
    by_array = {a: g for a, g in back.groupby("array")}
    assert by_array["YKA"]["detected"].item()
    assert by_array["YKA"]["phase"].item() == "PcP"
    assert by_array["PDAR"]["status"].item() == "no_data"
    assert not by_array["PDAR"]["detected"].item()
