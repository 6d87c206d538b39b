"""The local source on the real YKA record and on damaged copies of it."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from obspy import Stream, Trace, UTCDateTime

from corephase.io.stations import code_matches, geometry_from_inventory
from corephase.model.events import events_from_quakeml
from corephase.model.geometry import centroid
from corephase.sources.local import (
    folder_quakeml,
    read_local,
    reference_point,
    select_channels,
)

MSEED = "CN.YKA.SHZ.mseed"


@pytest.fixture
def t0(yka_dir):
    """Five minutes after the YKA event's origin (the record is 02:30-03:30 UTC)."""
    return UTCDateTime(events_from_quakeml(yka_dir / "event.quakeml")[0].time) + 300


def _copy(yka_dir, tmp_path, mseed_bytes=None):
    """The YKA folder in tmp_path, its miniSEED replaced by ``mseed_bytes`` if given."""
    folder = tmp_path / "yka"
    shutil.copytree(yka_dir, folder)
    if mseed_bytes is not None:
        (folder / MSEED).write_bytes(mseed_bytes)
    return folder


def test_code_matches_fdsn_syntax():
    assert code_matches("YKB3", "YKB?,YKR?") and code_matches("YKR9", " YKB?, YKR?")
    assert not code_matches("YKA", "YKB?,YKR?") and not code_matches("YKB10", "YKB?,XX")
    assert code_matches("", "--") and not code_matches("00", "--")


def test_channel_priority():
    def tr(sta, cha):
        return Trace(np.zeros(10), header={"network": "IM", "station": sta, "channel": cha})

    st = Stream([tr("A", "BHZ"), tr("A", "SHZ"), tr("B", "HHZ"), tr("B", "BHZ"), tr("C", "LHZ")])
    got = sorted(t.id for t in select_channels(st, ["SHZ", "BHZ", "HHZ"]))
    assert got == ["IM.A..SHZ", "IM.B..BHZ"]
    # channel patterns are globs, as for the fdsn source
    assert sorted(t.id for t in select_channels(st, ["S?Z", "?HZ"])) == [
        "IM.A..SHZ",
        "IM.B..BHZ",
        "IM.C..LHZ",
    ]


def test_read_local_real_yka(yka_dir, t0):
    arr = {"path": str(yka_dir), "network": "CN", "station": "YK*", "channels": ["SHZ"]}
    rec = read_local(arr, t0, t0 + 600)
    assert rec.status == "ok" and rec.reason == "" and rec.read_problems == []
    assert len(rec.stream) == 18
    assert all(abs(tr.stats.starttime - t0) < 0.05 for tr in rec.stream)
    g = geometry_from_inventory("YKA", rec.inventory, rec.stream)
    assert len(g) == 18
    assert 15 < g.aperture_km() < 30  # YKA's cross is about 20 km
    with pytest.raises(FileNotFoundError):
        read_local({"path": str(yka_dir / "nope")}, t0, t0 + 10)


def test_comma_list_finds_all_18_elements(yka_dir, t0):
    rec = read_local({"path": str(yka_dir), "station": "YKB?,YKR?"}, t0, t0 + 60)
    assert rec.status == "ok" and len(rec.stream) == 18
    rec = read_local({"path": str(yka_dir), "station": "YKB?"}, t0, t0 + 60)
    assert len(rec.stream) == 9


def test_no_data_reasons(yka_dir, t0, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    rec = read_local({"path": str(empty)}, t0, t0 + 60)
    assert rec.status == "no_data" and rec.reason.startswith("no miniSEED files in")
    # codes: the reason lists what the files hold
    rec = read_local({"path": str(yka_dir), "station": "YKB?", "channels": ["BHZ"]}, t0, t0 + 60)
    assert rec.status == "no_data" and "no records match" in rec.reason
    assert "CN.YKB0..SHZ" in rec.reason and "and 10 more" in rec.reason
    # the window: both spans are given
    day = t0 + 86400
    rec = read_local({"path": str(yka_dir), "station": "YKB?,YKR?"}, day, day + 60)
    assert rec.status == "no_data" and "no record in the time window" in rec.reason
    assert str(day) in rec.reason and str(day + 60) in rec.reason
    assert "2012-08-14T02:30:00.000000Z to 2012-08-14T03:29:59.950000Z" in rec.reason


@pytest.mark.parametrize("damage", ["random", "header"])
def test_corrupt_file_is_an_error_naming_it(yka_dir, t0, tmp_path, damage):
    data = (yka_dir / MSEED).read_bytes()
    if damage == "random":
        bad = np.random.default_rng(1).bytes(len(data) // 4)
    else:  # every record's fixed header overwritten from the start time on
        buf = bytearray(data)
        for i in range(0, len(buf), 4096):
            buf[i + 20 : i + 40] = b"\xff" * 20
        bad = bytes(buf)
    folder = _copy(yka_dir, tmp_path, bad)
    rec = read_local({"path": str(folder), "station": "YKB?,YKR?"}, t0, t0 + 60)
    assert rec.status == "error" and MSEED in rec.reason
    assert len(rec.stream) == 0 and len(rec.inventory.networks) == 0


def test_truncated_file_reads_what_is_readable(yka_dir, t0, tmp_path):
    data = (yka_dir / MSEED).read_bytes()
    folder = _copy(yka_dir, tmp_path, data[: len(data) // 2])
    rec = read_local({"path": str(folder), "station": "YKB?,YKR?"}, t0, t0 + 60)
    assert rec.status == "ok" and len(rec.stream) == 9
    [problem] = rec.read_problems
    assert problem["file"] == MSEED and "no record of 9 of the 18 elements" in problem["reason"]
    # cut inside a record: libmseed's warning is the problem recorded
    (folder / MSEED).write_bytes(data[: len(data) // 2 + 1000])
    rec = read_local({"path": str(folder), "station": "YKB?,YKR?"}, t0, t0 + 60)
    assert len(rec.stream) == 9
    reasons = [p["reason"] for p in rec.read_problems if p["file"] == MSEED]
    assert any("Unexpected end of file" in r for r in reasons)


def test_reference_point_and_folder_quakeml(yka_dir):
    ref = reference_point("YKA", {"path": str(yka_dir)})
    # YKA's StationXML has no station named YKA: the centroid of its 18 elements
    assert ref["ref_from"] == "centroid of 18 elements"
    rec = read_local(
        {"path": str(yka_dir)}, UTCDateTime(2012, 8, 14, 3), UTCDateTime(2012, 8, 14, 3, 1)
    )
    g = geometry_from_inventory("YKA", rec.inventory, rec.stream)
    assert (ref["ref_lat"], ref["ref_lon"]) == pytest.approx(centroid(g.lat, g.lon))
    ref = reference_point("YKA", {"path": str(yka_dir), "ref_station": "YKR8"})
    assert ref == {
        "ref_lat": pytest.approx(62.4931),
        "ref_lon": pytest.approx(-114.6062),
        "ref_from": "element CN.YKR8 (ref_station)",
    }
    # a station named as the array is its reference element
    assert reference_point("YKR8", {"path": str(yka_dir)})["ref_from"] == (
        "element CN.YKR8 (station named as the array)"
    )
    with pytest.raises(ValueError, match="ref_station XX1"):
        reference_point("YKA", {"path": str(yka_dir), "ref_station": "XX1"})
    with pytest.raises(ValueError, match="lists an element matching"):
        reference_point("YKA", {"path": str(yka_dir), "station": "ZZ*"})
    assert [f.name for f in folder_quakeml({"path": str(yka_dir)})] == ["event.quakeml"]
