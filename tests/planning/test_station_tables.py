"""Packaged dense-network station tables: real end dates, explicit unknowns, sub-array plans."""

from __future__ import annotations

import pandas as pd
import pytest

from corephase.model.events import Event
from corephase.planning.dense import plan_dense, read_plan, write_plan
from corephase.planning.dense_pairs import dense_pairs
from corephase.planning.stations import resolve_stations, select_dense_stations

SNAPSHOT = "2015-04-22"  # latest date of the registry snapshot (TA_STATIONS_SOURCE.md)
TABLES = ["TA_stations.csv", "AK_stations.csv"]


def _packaged(name):
    return pd.read_csv(resolve_stations(f"package:{name}"), dtype=str, keep_default_na=False)


@pytest.mark.parametrize("name", TABLES)
def test_no_placeholder_end_dates(name):
    t = _packaged(name)
    assert (t["end"] < "2599").all() and (t["end"] <= SNAPSHOT).all()
    assert set(t["end_status"]) <= {"closed", "unknown"}
    assert (t["start"] <= t["end"]).all()


@pytest.mark.parametrize("name", TABLES)
def test_no_packaged_station_open_after_its_real_end(shared_dir, name):
    """Against the reference registry tables: real ends kept, placeholders made explicit."""
    ref = pd.read_csv(shared_dir / "dense-networks" / name, dtype=str, keep_default_na=False)
    mine = _packaged(name)
    m = mine.merge(ref, on=["network", "station", "start"], suffixes=("", "_ref"), how="outer")
    assert len(m) == len(ref) == len(mine)
    real = m["end_ref"] < "2599"
    assert (m.loc[real, "end"] == m.loc[real, "end_ref"]).all()
    assert (m.loc[real, "end_status"] == "closed").all()
    assert (m.loc[~real, "end_status"] == "unknown").all()
    assert (m.loc[~real, "end"] == SNAPSHOT).all()


def test_unknown_end_excluded_or_flagged_after_the_snapshot():
    ta = resolve_stations("package:TA_stations.csv")
    ev = Event("late", "2016-06-01T00:00:00", -20.0, -70.0, 100.0)
    excl = select_dense_stations(ta, ev, 0, 180)
    incl = select_dense_stations(ta, ev, 0, 180, unknown_end="include")
    assert excl.empty  # every TA site closed or unconfirmed by mid-2016
    assert len(incl) == 294 and not incl["dates_known"].any()
    early = select_dense_stations(ta, Event("e", "2014-06-01T00:00:00", -20, -70, 100), 0, 180)
    assert early["dates_known"].all() and len(early) > 250
    with pytest.raises(ValueError, match="unknown_end"):
        select_dense_stations(ta, ev, 0, 180, unknown_end="maybe")


def test_table_without_dates_is_reported_as_dates_unknown():
    table = pd.DataFrame(
        {"network": ["HI"] * 2, "station": ["A", "B"], "latitude": [35, 36], "longitude": [1, 2]}
    )
    sel = select_dense_stations(table, Event("e", "2014-06-01T00:00:00", -20, -70, 100), 0, 180)
    assert len(sel) == 2 and not sel["dates_known"].any()


def test_plan_with_subarrays(tmp_path):
    cat = pd.DataFrame(
        [
            {
                "event": "ev",
                "array": "YKA",
                "phase": "PKiKP",
                "band": "1-2Hz",
                "stack": "pws",
                "event_time": "2010-03-01T00:00:00",
                "event_lat": -20.0,
                "event_lon": -70.0,
                "event_depth_km": 100.0,
                "event_mag": 6.5,
                "status": "ok",
                "snr": 8.0,
                "detected": True,
            }
        ]
    )
    nets = {
        "TA": {
            "source": "synthetic",
            "network": "TA",
            "stations": "package:TA_stations.csv",
            "min_distance_deg": 40,
            "max_distance_deg": 70,
            "min_stations": 8,
            "subarray_aperture_km": 300.0,
        }
    }
    plan = plan_dense(cat, nets)
    subs = plan["subarray"].value_counts()
    assert len(subs) == 16 and subs.min() >= 8 and subs.index[0] == "TA_0"
    path = tmp_path / "plan.csv"
    write_plan(plan, path)
    arrays, pairs, pair_arrays = dense_pairs(
        {"arrays": {}, "dense_networks": nets}, path, events=["ev"]
    )
    assert len(pairs) == 16 and ("TA_0", "ev") in pairs and set(arrays) == set(subs.index)
    stations = [e["station"] for e in pair_arrays[("TA_0", "ev")]["elements"]["list"]]
    assert sorted(stations) == sorted(read_plan(path).query("subarray == 'TA_0'")["station"])
