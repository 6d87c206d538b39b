"""Element codes that survive miniSEED and StationXML for any element count."""

from __future__ import annotations

import pytest
from obspy import read_inventory

from corephase.io.files import read_stream, write_stream
from corephase.io.stations import (
    check_seed_codes,
    element_codes,
    geometry_from_config,
    geometry_from_inventory,
    geometry_to_inventory,
    listed_elements,
    open_channels,
)
from corephase.model.events import event_from_dict
from corephase.model.geometry import ArrayGeometry
from corephase.sources.synthetic import synthesize

EVENT = event_from_dict(
    {
        "id": "ev1",
        "time": "2012-08-14T02:59:38",
        "latitude": 49.8,
        "longitude": 145.06,
        "depth_km": 583.0,
        "magnitude": 7.7,
    }
)


def _layout_array(n: int) -> dict:
    return {
        "network": "XX",
        "channels": ["SHZ"],
        "ref_lat": 62.49,
        "ref_lon": -114.61,
        "elements": {"layout": {"kind": "random", "n": n, "aperture_km": 20.0, "seed": 1}},
    }


def test_element_codes_keep_short_arrays_and_fit_five_characters():
    assert element_codes("BCAR", 10)[:2] == ["BCA01", "BCA02"]
    assert element_codes("BIG", 99)[-1] == "BIG99"
    assert element_codes("BIG", 150)[99:101] == ["BI100", "BI101"]
    assert element_codes("BIG", 1000)[-1] == "B1000"
    assert element_codes("my_array", 2) == ["mya01", "mya02"]  # letters and digits only
    for n in (150, 1000, 100_000):
        codes = element_codes("BIG", n)
        assert len(set(codes)) == n
        assert all(len(c) <= 5 and c.isalnum() for c in codes)


def test_bad_codes_are_refused():
    with pytest.raises(ValueError, match="station codes"):
        check_seed_codes("A", "XX", ["TOOLONG"], "SHZ")
    with pytest.raises(ValueError, match="more than one element"):
        check_seed_codes("A", "XX", ["A1", "A1"], "SHZ")
    g = ArrayGeometry("A", ["XX.A1..SHZ", "XX.A1..SHZ"], [1.0, 1.1], [2.0, 2.0])
    with pytest.raises(ValueError, match="more than one element"):
        geometry_to_inventory(g, 20.0)


@pytest.mark.parametrize("n", [150, 1000])
def test_large_layout_survives_miniseed_and_stationxml(n, tmp_path):
    geom = geometry_from_config("BIG", _layout_array(n))
    assert len(set(geom.codes)) == n
    stream, _ = synthesize(geom, EVENT, (600.0, 620.0), seed=1)
    write_stream(stream, tmp_path / "raw.mseed")
    back = read_stream(tmp_path / "raw.mseed")
    assert sorted(tr.id for tr in back) == sorted(geom.codes)
    inv = geometry_to_inventory(geom, stream[0].stats.sampling_rate)
    inv.write(str(tmp_path / "s.xml"), format="STATIONXML")
    inv2 = read_inventory(str(tmp_path / "s.xml"))
    g2 = geometry_from_inventory("BIG", inv2, back)
    assert sorted(g2.codes) == sorted(geom.codes)
    t0 = stream[0].stats.starttime
    listed = listed_elements(open_channels(inv2, t0, t0 + 20), ["SHZ"])
    assert listed == sorted(geom.codes)


def test_listed_elements_one_channel_per_station_by_priority():
    rows = [
        {"network": "CN", "station": s, "location": "", "channel": c}
        for s, c in [("YKR1", "BHZ"), ("YKR1", "SHZ"), ("YKR2", "BHZ"), ("ZZZ", "SHZ")]
    ]
    assert listed_elements(rows, ["SHZ", "BHZ"], station="YKR?") == [
        "CN.YKR1..SHZ",
        "CN.YKR2..BHZ",
    ]
    assert listed_elements(rows, ["SHZ"], station="YKR1,ZZ*") == ["CN.YKR1..SHZ", "CN.ZZZ..SHZ"]
    assert all(r.endswith("SHZ") for r in listed_elements(rows, ["SHZ"]))
