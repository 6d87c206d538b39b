"""Dense-network stations per event, and the events that trigger the search."""

from __future__ import annotations

import pandas as pd
import pytest
from obspy.geodetics import locations2degrees

from corephase.config.dense import TriggerSettings
from corephase.model.events import Event, events_from_quakeml
from corephase.model.traveltimes import distance_backazimuth
from corephase.planning.dense import plan_dense
from corephase.planning.stations import select_dense_stations
from corephase.planning.trigger import triggered_events

YKA_REF = (62.49308, -114.6061)  # YKA reference point (IMS site table)


@pytest.fixture(scope="module")
def event(yka_dir) -> Event:
    return events_from_quakeml(yka_dir / "event.quakeml")[0]


def test_select_dense_stations_open_and_in_range(shared_dir, event):
    ta = shared_dir / "dense-networks" / "TA_stations.csv"
    sel = select_dense_stations(ta, event, 60.0, 80.0, ["HHZ", "BHZ"])
    raw = pd.read_csv(ta, dtype=str)
    day = event.time[:10]
    open_ = (raw["start"] <= day) & (raw["end"] >= day)
    d = locations2degrees(
        event.latitude,
        event.longitude,
        raw["latitude"].astype(float).to_numpy(),
        raw["longitude"].astype(float).to_numpy(),
    )
    expect = raw[open_ & (d >= 60.0) & (d <= 80.0)]
    assert 50 < len(sel) < len(raw)
    assert sorted(sel["station"]) == sorted(expect["station"])
    assert sel["distance_deg"].is_monotonic_increasing
    assert set(sel["channel"]) <= {"HHZ", "BHZ"}
    # every station listing HHZ got HHZ (priority)
    has_hh = sel["channels"].str.split().apply(lambda c: "HHZ" in c)
    assert (sel.loc[has_hh, "channel"] == "HHZ").all()
    assert (sel.loc[~has_hh, "channel"] == "BHZ").all()


def test_select_dense_stations_from_stationxml(yka_dir, event):
    sel = select_dense_stations(yka_dir / "CN.YKA.stationxml", event, 10, 70, ["SHZ"])
    assert len(sel) == 18
    dist, baz, _ = distance_backazimuth(event.latitude, event.longitude, *YKA_REF)
    assert sel["distance_deg"].mean() == pytest.approx(dist, abs=0.1)
    assert sel["backazimuth_deg"].mean() == pytest.approx(baz, abs=0.3)


def _detections(event) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"event_id": event.id, "array": "YKA", "phase": "PKiKP", "snr": 5.0},
            {"event_id": event.id, "array": "ILAR", "phase": "PKiKP", "snr": 4.0},
            {"event_id": event.id, "array": "TXAR", "phase": "PcP", "snr": 9.0},
            {"event_id": "quiet", "array": "YKA", "phase": "PKiKP", "snr": 2.0},
        ]
    )


def test_triggered_events(event):
    other = Event("quiet", "2012-09-01T00:00:00", 10.0, 120.0, 50.0, 6.0)
    det = _detections(event)
    got = triggered_events(det, TriggerSettings(), [event, other])
    assert list(got["event_id"]) == [event.id]
    assert got.iloc[0]["n_detections"] == 2 and got.iloc[0]["arrays"] == "ILAR,YKA"
    assert got.iloc[0]["best_snr"] == 5.0
    assert triggered_events(det, TriggerSettings(min_detections=3), [event, other]).empty
    # PcP counts when it is a trigger phase; the quiet event is below min_snr
    pcp = triggered_events(det, TriggerSettings(phases=("PcP",), min_snr=1.0), [event, other])
    assert pcp.iloc[0]["arrays"] == "TXAR" and pcp.iloc[0]["best_snr"] == 9.0
    with pytest.raises(ValueError, match="snr"):
        triggered_events(det.drop(columns="snr"), TriggerSettings(), [event])


def test_plan_dense_on_station_tables(shared_dir, event):
    catalogue = pd.DataFrame(
        {
            "event": event.id,
            "event_time": event.time,
            "event_lat": event.latitude,
            "event_lon": event.longitude,
            "event_depth_km": event.depth_km,
            "array": ["YKA", "ILAR", "TXAR"],
            "phase": ["PKiKP", "PKiKP", "PcP"],
            "snr": [5.0, 4.0, 9.0],
            "detected": True,
        }
    )
    dn = shared_dir / "dense-networks"
    nets = {
        "TA": {"source": "fdsn", "network": "TA", "stations": str(dn / "TA_stations.csv")},
        "AK": {"source": "fdsn", "network": "AK", "stations": str(dn / "AK_stations.csv")},
        "OLD": {
            "source": "fdsn",
            "network": "XX",
            "stations": str(dn / "AK_stations.csv"),
            "active": {"start": "2000-01-01", "end": "2005-01-01"},
        },
    }
    for n in nets.values():
        n["channels"] = ["BHZ"]
    plan = plan_dense(catalogue, nets)
    assert set(plan["network"]) == {"AK", "TA"}
    assert (plan["arrays"] == "ILAR,YKA").all() and (plan["best_snr"] == 5.0).all()
    for name, rows in plan.groupby("network"):
        sel = select_dense_stations(nets[name]["stations"], event, 10, 70, ["BHZ"])
        assert sorted(rows["station"]) == sorted(sel["station"])
        assert (rows["n_open"] == len(sel)).all()
