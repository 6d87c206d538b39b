"""The fdsn source against real FDSN components on 127.0.0.1.

dataselect is EarthScope's portable-fdsnws-dataselect over the real YKA
miniSEED (indexed with mseedindex); station and event are served from the real
StationXML and QuakeML by tests/support/fdsnws. ObsPy's FDSN client talks to them as
to a data centre. Faults are injected at the front server, per test.
"""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from obspy import UTCDateTime, read, read_inventory
from obspy.clients.fdsn import Client
from support.fdsnws.fixtures import fdsn_fixture, fdsn_services_fixture  # noqa: F401
from support.fdsnws.front import Fault

import corephase
from corephase.config.fetch import FetchSettings
from corephase.model.events import Event, events_from_quakeml
from corephase.model.traveltimes import distance_backazimuth, first_arrivals, record_window
from corephase.sources import fdsn as cf
from corephase.sources.local import read_local

ROOT = Path(__file__).resolve().parents[2]
YKA_REF = (62.49308, -114.6061)  # YKA reference point (IMS site table)

FAST = {"timeout_s": 5.0, "retries": 2, "backoff_s": 0.05, "pad_s": 2.0}
#: The record window of these tests (s after the phases' theoretical times).
WINDOW = {"start_phase": "PcP", "start_offset_s": -120, "end_phase": "PKiKP", "end_offset_s": 300}


# --------------------------------------------------------------------------- helpers


@pytest.fixture(scope="module")
def event(yka_dir) -> Event:
    return events_from_quakeml(yka_dir / "event.quakeml")[0]


@pytest.fixture(scope="module")
def phases_times(event) -> dict:
    dist, _, _ = distance_backazimuth(event.latitude, event.longitude, *YKA_REF)
    return first_arrivals(event.depth_km, dist, ["PcP", "ScP", "PKiKP"], "ak135")


def window_of(event, arrivals) -> tuple:
    """The absolute record window, as the fetch stage computes it."""
    w0, w1 = record_window(arrivals, WINDOW)
    return event.origin + w0, event.origin + w1


def factory_for(front):
    def factory(data_centre, timeout_s):
        return Client(front.base_url, timeout=timeout_s)

    return factory


def array_cfg(station="YK*", channels=("BHZ", "SHZ")) -> dict:
    return {
        "source": "fdsn",
        "network": "CN",
        "station": station,
        "location": "*",
        "channels": list(channels),
        "data_centre": "IRIS",
        "ref_lat": YKA_REF[0],
        "ref_lon": YKA_REF[1],
    }


def run(front, tmp_path, event, phases_times, name="YKA", station="YK*", fetch=None):
    out = tmp_path / name
    res = cf.fetch_pair(
        name,
        array_cfg(station),
        event,
        window_of(event, phases_times),
        FetchSettings.from_dict({**FAST, **(fetch or {})}),
        out / "data.mseed",
        out / "stations.xml",
        client_factory=factory_for(front),
    )
    return res, out / "data.mseed", out / "stations.xml"


def local_reference(yka_dir, t0, t1, station_glob="YK*"):
    """Independent reference: ObsPy read of the local file trimmed to the window."""
    st = read(str(yka_dir / "CN.YKA.SHZ.mseed")).select(station=station_glob)
    st.trim(UTCDateTime(t0), UTCDateTime(t1))
    return st


def assert_same_traces(got, ref):
    assert sorted(tr.id for tr in got) == sorted(tr.id for tr in ref)
    for tr in ref:
        g = got.select(id=tr.id)
        assert len(g) == 1, tr.id
        g = g[0]
        assert g.stats.starttime == tr.stats.starttime, tr.id
        assert g.stats.sampling_rate == tr.stats.sampling_rate
        assert g.stats.npts == tr.stats.npts, tr.id
        np.testing.assert_array_equal(g.data, tr.data)


def assert_clean_pair(res, mseed, yka_dir, station_glob):
    assert res["status"] == "ok", res["reason"]
    ref = local_reference(yka_dir, res["window"]["start"], res["window"]["end"], station_glob)
    assert len(ref) > 0
    assert_same_traces(cf.read_fetched(mseed), ref)


# --------------------------------------------------------------------------- the clean path


def test_fetch_equals_local_source(fdsn, tmp_path, yka_dir, event, phases_times):
    res, mseed, sxml = run(fdsn, tmp_path, event, phases_times)
    assert res["status"] == "ok", res["reason"]
    t0 = event.origin + phases_times["PcP"].time - 120
    t1 = event.origin + phases_times["PKiKP"].time + 300
    assert UTCDateTime(res["window"]["start"]) == t0
    assert UTCDateTime(res["window"]["end"]) == t1

    got = cf.read_fetched(mseed)
    ref = local_reference(yka_dir, t0, t1)
    assert len(ref) == 18
    assert_same_traces(got, ref)
    # the pipeline's local source on the same files gives the same traces
    local_st = read_local(
        {"path": str(yka_dir), "network": "CN", "station": "YK*", "channels": ["SHZ"]}, t0, t1
    ).stream
    assert_same_traces(got, local_st)

    # StationXML: channel priority BHZ > SHZ falls back to SHZ; coordinates and responses
    inv = read_inventory(str(sxml))
    full = read_inventory(str(yka_dir / "CN.YKA.stationxml"))
    assert len(inv.get_contents()["channels"]) == 18
    for net in inv:
        for sta in net:
            assert [c.code for c in sta.channels] == ["SHZ"]
            cha = sta.channels[0]
            ref_cha = full.select(station=sta.code, channel="SHZ")[0][0][0]
            assert (cha.latitude, cha.longitude, cha.elevation) == (
                ref_cha.latitude,
                ref_cha.longitude,
                ref_cha.elevation,
            )
            assert cha.response is not None and cha.response.response_stages
            st = res["stations"][f"CN.{sta.code}"]
            assert (st["latitude"], st["longitude"]) == (ref_cha.latitude, ref_cha.longitude)
            assert st["coverage"] == pytest.approx(1.0, abs=1e-3)

    prov = res["provenance"]
    assert prov["sha256"]["mseed"] == cf.sha256_file(mseed)
    assert prov["sha256"]["stationxml"] == cf.sha256_file(sxml)
    assert prov["corephase_version"] == corephase.__version__
    assert prov["data_centre"] == "IRIS"
    assert prov["base_url"] == fdsn.base_url
    assert prov["station_request"]["level"] == "response"
    assert len(prov["bulk"]) == 18 and prov["attempts"]["bulk"] == 1
    assert res["n_ok"] == res["n_stations"] == 18
    # one station query and one bulk dataselect request, nothing else
    assert [r.service for r in fdsn.requests] == ["station", "dataselect"]


def test_second_call_reuses_outputs(fdsn, tmp_path, event, phases_times):
    res1, mseed, sxml = run(fdsn, tmp_path, event, phases_times)
    before = (cf.sha256_file(mseed), cf.sha256_file(sxml))
    fdsn.reset()
    res2, _, _ = run(fdsn, tmp_path, event, phases_times)
    assert res2["reused"] is True and res2["status"] == res1["status"] == "ok"
    assert fdsn.requests == []
    assert (cf.sha256_file(mseed), cf.sha256_file(sxml)) == before
    # a changed file is not trusted: fetched again
    mseed.write_bytes(b"")
    res3, _, _ = run(fdsn, tmp_path, event, phases_times)
    assert res3["reused"] is False and res3["status"] == "ok"
    assert cf.sha256_file(mseed) == before[0]


# --------------------------------------------------------------------------- faults


def two_pairs(front, tmp_path, event, phases_times, fetch=None):
    """Pair YKB (faults target YKB stations) and pair YKR (no fault)."""
    a = run(front, tmp_path, event, phases_times, "YKB", "YKB*", fetch)
    b = run(front, tmp_path, event, phases_times, "YKR", "YKR*", fetch)
    return a, b


def test_http500_then_success_is_retried(fdsn, tmp_path, yka_dir, event, phases_times):
    fdsn.faults = [
        Fault("http500", service="station", station="YKB*", times=1),
        Fault("http500", service="dataselect", station="YKB*", times=1),
    ]
    (res, mseed, _), (res2, mseed2, _) = two_pairs(fdsn, tmp_path, event, phases_times)
    assert_clean_pair(res, mseed, yka_dir, "YKB*")
    assert res["provenance"]["attempts"]["station"] == 2
    assert res["provenance"]["attempts"]["bulk"] == 2
    statuses = [(r.service, r.status) for r in fdsn.requests if "YKB0" in r.stations]
    assert statuses == [("dataselect", 500), ("dataselect", 200)]
    assert_clean_pair(res2, mseed2, yka_dir, "YKR*")
    assert res2["provenance"]["attempts"] == {"station": 1, "bulk": 1, "single": {}}


def test_timeout_is_retried_then_recorded(fdsn, tmp_path, yka_dir, event, phases_times):
    fdsn.faults = [Fault("delay", station="YKB*", delay_s=2.5)]
    fetch = {"timeout_s": 0.8, "retries": 1}
    (res, mseed, sxml), (res2, mseed2, _) = two_pairs(fdsn, tmp_path, event, phases_times, fetch)
    assert res["status"] == "error"
    assert all(s["status"] == "error" for s in res["stations"].values())
    assert any("Timed Out" in s["reason"] for s in res["stations"].values())
    assert res["provenance"]["attempts"]["bulk"] == 2  # first try + 1 retry
    # the single-station fallback stops after two stations keep failing
    assert len(res["provenance"]["attempts"]["single"]) == 2
    assert mseed.stat().st_size == 0 and len(cf.read_fetched(mseed)) == 0
    assert len(read_inventory(str(sxml)).get_contents()["stations"]) == 9
    assert_clean_pair(res2, mseed2, yka_dir, "YKR*")


def test_truncated_miniseed_is_detected(fdsn, tmp_path, yka_dir, event, phases_times):
    fdsn.faults = [Fault("truncate", station="YKB3", cut_bytes=700)]
    (res, mseed, _), (res2, mseed2, _) = two_pairs(fdsn, tmp_path, event, phases_times)
    assert res["status"] == "partial"
    bad = {k: v for k, v in res["stations"].items() if v["status"] != "ok"}
    assert list(bad) == ["CN.YKB3"]
    assert bad["CN.YKB3"]["status"] == "error" and "truncated" in bad["CN.YKB3"]["reason"]
    ref = local_reference(yka_dir, res["window"]["start"], res["window"]["end"], "YKB*")
    ref = ref.select(station="YKB[!3]")
    assert_same_traces(cf.read_fetched(mseed), ref)
    assert_clean_pair(res2, mseed2, yka_dir, "YKR*")


def test_truncation_once_is_retried(fdsn, tmp_path, yka_dir, event, phases_times):
    fdsn.faults = [Fault("truncate", station="YKB*", cut_bytes=100, times=1)]
    (res, mseed, _), _ = two_pairs(fdsn, tmp_path, event, phases_times)
    assert_clean_pair(res, mseed, yka_dir, "YKB*")
    assert res["provenance"]["attempts"]["bulk"] == 2


def test_check_miniseed_catches_what_obspy_drops(yka_dir):
    data = (yka_dir / "CN.YKA.SHZ.mseed").read_bytes()[: 8 * 4096]
    assert cf.check_miniseed(data) == 8
    cut = data[:-100]
    # ObsPy reads the cut data without complaint, one record short
    n_full = sum(tr.stats.npts for tr in read(io.BytesIO(data)))
    n_cut = sum(tr.stats.npts for tr in read(io.BytesIO(cut)))
    assert n_cut < n_full
    with pytest.raises(cf.TruncatedMiniSEED, match="truncated"):
        cf.check_miniseed(cut)
    with pytest.raises(cf.TruncatedMiniSEED):
        cf.check_miniseed(b"<html>oops</html>" * 10)


def test_missing_station_gives_partial(fdsn, tmp_path, yka_dir, event, phases_times):
    fdsn.faults = [Fault("drop_station", station="YKB6")]
    (res, mseed, sxml), (res2, mseed2, _) = two_pairs(fdsn, tmp_path, event, phases_times)
    assert res["status"] == "partial"
    assert res["stations"]["CN.YKB6"]["status"] == "no_data"
    assert "CN.YKB6" in res["reason"]
    assert res["n_ok"] == 8 and res["n_stations"] == 9
    ref = local_reference(yka_dir, res["window"]["start"], res["window"]["end"], "YKB*")
    assert_same_traces(cf.read_fetched(mseed), ref.select(station="YKB[!6]"))
    # the StationXML still lists the station that has no data
    assert "CN.YKB6..SHZ" in read_inventory(str(sxml)).get_contents()["channels"]
    assert_clean_pair(res2, mseed2, yka_dir, "YKR*")


def test_http204_gives_no_data(fdsn, tmp_path, yka_dir, event, phases_times):
    fdsn.faults = [Fault("nodata", station="YKB*")]
    (res, mseed, sxml), (res2, mseed2, _) = two_pairs(fdsn, tmp_path, event, phases_times)
    assert res["status"] == "no_data"
    assert all(s["status"] == "no_data" for s in res["stations"].values())
    assert mseed.stat().st_size == 0 and len(cf.read_fetched(mseed)) == 0
    assert len(read_inventory(str(sxml)).get_contents()["channels"]) == 9
    assert_clean_pair(res2, mseed2, yka_dir, "YKR*")


def test_window_without_data_gives_no_data(fdsn, tmp_path, event, phases_times):
    # a real 204 from the portable server: the stations exist, the archive has no samples then
    later = Event(**{**event.to_dict(), "id": "later", "time": str(event.origin + 86400)})
    res, mseed, _ = run(fdsn, tmp_path, later, phases_times, "YKA", "YKR1,YKR2")
    assert res["status"] == "no_data", res
    assert [r.status for r in fdsn.requests if r.service == "dataselect"] == [204]
    assert mseed.stat().st_size == 0


def test_restricted_station(fdsn, tmp_path, yka_dir, event, phases_times):
    fdsn.faults = [Fault("forbidden", station="YKB2")]
    (res, mseed, _), (res2, mseed2, _) = two_pairs(fdsn, tmp_path, event, phases_times)
    assert res["status"] == "partial"
    assert res["stations"]["CN.YKB2"]["status"] == "restricted"
    assert sum(s["status"] == "ok" for s in res["stations"].values()) == 8
    ref = local_reference(yka_dir, res["window"]["start"], res["window"]["end"], "YKB*")
    assert_same_traces(cf.read_fetched(mseed), ref.select(station="YKB[!2]"))
    assert_clean_pair(res2, mseed2, yka_dir, "YKR*")


def test_all_restricted(fdsn, tmp_path, event, phases_times):
    fdsn.faults = [Fault("forbidden", service="station")]
    res, mseed, sxml = run(fdsn, tmp_path, event, phases_times)
    assert res["status"] == "restricted"
    assert mseed.stat().st_size == 0
    assert read_inventory(str(sxml)).networks == []


def test_no_matching_channel_gives_no_data(fdsn, tmp_path, event, phases_times):
    out = tmp_path / "x"
    res = cf.fetch_pair(
        "YKA",
        array_cfg(channels=("BHZ", "HHZ")),
        event,
        window_of(event, phases_times),
        FetchSettings.from_dict(FAST),
        out / "d.mseed",
        out / "s.xml",
        client_factory=factory_for(fdsn),
    )
    assert res["status"] == "no_data"
    assert (out / "d.mseed").stat().st_size == 0


# --------------------------------------------------------------------------- units


def test_channel_priority(yka_dir):
    inv = read_inventory(str(yka_dir / "CN.YKA.stationxml"))
    t0 = UTCDateTime("2012-08-14T03:00:00")
    sel, choice = cf.choose_channels(inv, ["HHZ", "SH?", "BHZ"], t0, t0 + 60)
    assert len(choice) == 18 and {c["channel"] for c in choice.values()} == {"SHZ"}
    sel, choice = cf.choose_channels(inv, ["HHZ"], t0, t0 + 60)
    assert choice == {} and sel.networks == []
    # an epoch that ended before the window is not open
    early = UTCDateTime("1900-01-01")
    assert cf.choose_channels(inv, ["SHZ"], early, early + 60)[1] == {}


def test_retries_give_up_on_non_transient():
    from obspy.clients.fdsn.header import FDSNBadRequestException

    calls = []

    def bad():
        calls.append(1)
        raise FDSNBadRequestException("bad")

    with pytest.raises(cf.RequestFailed) as ei:
        cf.call_with_retries(bad, retries=3, backoff_s=0.0, what="t")
    assert ei.value.kind == "error" and len(calls) == 1


# --------------------------------------------------------------------------- events


def test_query_events_dedup_and_filters(fdsn, tmp_path, event):
    arrays = {
        "YKA": array_cfg(),
        # a second array at 30 deg from the event finds it again
        "FAR": {"ref_lat": 49.8, "ref_lon": 145.064 + 30 / math.cos(math.radians(49.8))},
    }
    cat = {"source": "fdsn", "data_centre": "X", "start": "2012-08-01", "end": "2012-09-01"}
    cfg = {"catalog": [cat, {**cat}], "retries": 0}
    evs = cf.query_events(cfg, arrays, client_factory=factory_for(fdsn))
    assert len(evs) == 1 and evs[0] == event
    assert len([r for r in fdsn.requests if r.service == "event"]) == 4
    # distance and magnitude filters are sent to and applied by the service
    near = {**cat, "max_distance_deg": 40.0}
    assert cf.query_events({"catalog": near}, {"YKA": arrays["YKA"]}, factory_for(fdsn)) == []
    big = {**cat, "min_magnitude": 7.8}
    assert cf.query_events({"catalog": big}, arrays, factory_for(fdsn)) == []
    # the array's active period limits the query
    late = {"YKA": {**arrays["YKA"], "active": {"start": "2013-01-01", "end": None}}}
    assert cf.query_events({"catalog": cat}, late, factory_for(fdsn)) == []

    path = tmp_path / "events.xml"
    cf.save_events(evs, path)
    back = events_from_quakeml(path)
    assert back == evs


def test_user_csv_merges_with_fdsn(fdsn, tmp_path, event):
    csv = tmp_path / "mine.csv"
    pd.DataFrame(
        [
            # the same event from another agency: 3 s and ~0.1 deg off -> duplicate
            {
                "time": str(event.origin + 3),
                "latitude": event.latitude + 0.1,
                "longitude": event.longitude,
                "depth_km": 580.0,
                "magnitude": 7.6,
            },
            # a different event 2 min later
            {
                "time": str(event.origin + 120),
                "latitude": event.latitude,
                "longitude": event.longitude,
                "depth_km": 100.0,
                "magnitude": 6.0,
            },
            # too small
            {
                "time": "2012-08-20",
                "latitude": 50,
                "longitude": 150,
                "depth_km": 10,
                "magnitude": 4,
            },
        ]
    ).to_csv(csv, index=False)
    cats = [
        {"source": "fdsn", "data_centre": "X", "start": "2012-08-01", "end": "2012-09-01"},
        {"source": "csv", "path": str(csv)},
    ]
    evs = cf.query_events(
        {"catalog": cats}, {"YKA": array_cfg() | {"active": {}}}, factory_for(fdsn)
    )
    assert [e.magnitude for e in evs] == [7.7, 6.0]
    assert evs[0] == event  # the first catalog listed wins


# --------------------------------------------------------------------------- real config


def _haversine_deg(lat1, lon1, lat2, lon2):
    p1, p2, dl = np.radians(lat1), np.radians(lat2), np.radians(np.asarray(lon2) - lon1)
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return np.degrees(2 * np.arcsin(np.sqrt(a)))


def test_real_data_config_is_complete(shared_dir):
    cfg = yaml.safe_load((ROOT / "config" / "real_data.yaml").read_text())
    ims = {
        "ASAR",
        "WRA",
        "PSAR",
        "BCAR",
        "BMAR",
        "IMAR",
        "YKA",
        "NVAR",
        "ILAR",
        "TXAR",
        "PDAR",
        "ABKAR",
        "KKAR",
        "MKAR",
        "GERES",
        "BURAR",
        "EKA",
        "SPITS",
    }
    assert ims <= set(cfg["arrays"])
    for name, arr in cfg["arrays"].items():
        assert arr["source"] == "fdsn", name
        for key in ("network", "station", "location", "channels", "data_centre", "active"):
            assert key in arr, (name, key)
        assert -90 <= arr["ref_lat"] <= 90 and -180 <= arr["ref_lon"] <= 360
    elems = pd.read_csv(shared_dir / "ims-arrays" / "ims_array_elements.csv")
    for name in ims:
        rows = elems[elems["array"] == name]
        d = _haversine_deg(
            cfg["arrays"][name]["ref_lat"],
            cfg["arrays"][name]["ref_lon"],
            rows["lat"].to_numpy(),
            rows["lon"].to_numpy(),
        )
        assert d.max() < 1.0, name  # reference point inside the array (< ~110 km)
    assert set(cfg["dense_networks"]) >= {"TA", "AK", "HINET"}
    assert "password" not in (ROOT / "config" / "real_data.yaml").read_text().lower().replace(
        "hinet_password", ""
    )
    cat = cfg["events"]["catalog"]
    assert cat["min_magnitude"] == 5.0
    assert (cat["min_distance_deg"], cat["max_distance_deg"]) == (10, 70)
    # the record window starts before P (pre-P noise for the coda) and ends after PKIIKP
    w = cfg["window"]
    assert (w["start_phase"], w["end_phase"]) == ("P", "PKIIKP")
    from corephase.config import DEFAULT_SCHEMA, validate_config

    validate_config(cfg, DEFAULT_SCHEMA)


# --------------------------------------------------------------------------- the test services


def _get(url):
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def test_test_services_follow_the_fdsn_conventions(fdsn):
    base = fdsn.base_url + "/fdsnws"
    q = "network=CN&station=YKR1&level=channel&format=text"
    status, body = _get(f"{base}/station/1/query?{q}")
    assert status == 200 and body.decode().startswith("#Network|Station|Location|Channel")
    assert body.decode().count("\nCN|YKR1||SHZ|") == 1
    assert _get(f"{base}/station/1/query?network=XX")[0] == 204
    assert _get(f"{base}/station/1/query?network=XX&nodata=404")[0] == 404
    assert _get(f"{base}/station/1/query?foo=1")[0] == 400
    assert _get(f"{base}/event/1/query?starttime=notatime")[0] == 400
    assert _get(f"{base}/event/1/query?latitude=0&longitude=0&maxradius=10")[0] == 204
    for service in ("dataselect", "station", "event"):
        status, body = _get(f"{base}/{service}/1/version")
        assert status == 200 and body.strip()
        assert _get(f"{base}/{service}/1/application.wadl")[0] == 200
