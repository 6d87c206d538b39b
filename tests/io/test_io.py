"""I/O: atomic writes, channel priority, local archives (real YKA files), StationXML."""

from __future__ import annotations

import numpy as np
import pytest
from obspy import Stream, Trace, UTCDateTime, read_inventory

from corephase.io.files import atomic_path, read_stream, write_stream
from corephase.io.stations import geometry_from_inventory, geometry_to_inventory
from corephase.model.events import events_from_quakeml
from corephase.model.geometry import ArrayGeometry
from corephase.sources.local import read_local, select_channels


def test_atomic_path_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "out.csv"
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("interrupted")
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


def test_empty_stream_roundtrip(tmp_path):
    write_stream(Stream(), tmp_path / "e.mseed")
    assert len(read_stream(tmp_path / "e.mseed")) == 0


def test_channel_priority():
    def tr(sta, cha):
        return Trace(np.zeros(10), header={"network": "IM", "station": sta, "channel": cha})

    st = Stream([tr("A", "BHZ"), tr("A", "SHZ"), tr("B", "HHZ"), tr("B", "BHZ"), tr("C", "LHZ")])
    got = sorted(t.id for t in select_channels(st, ["SHZ", "BHZ", "HHZ"]))
    assert got == ["IM.A..SHZ", "IM.B..BHZ"]


def test_inventory_roundtrip(tmp_path):
    g = ArrayGeometry("T", ["XX.A..SHZ", "XX.B..SHZ"], [10.0, 10.1], [20.0, 20.2], [5.0, 7.0])
    inv = geometry_to_inventory(g, 20.0)
    inv.write(str(tmp_path / "s.xml"), format="STATIONXML")
    g2 = geometry_from_inventory("T", read_inventory(str(tmp_path / "s.xml")))
    assert g2.codes == g.codes
    np.testing.assert_allclose(g2.lat, g.lat)
    np.testing.assert_allclose(g2.elev_m, g.elev_m)


def test_read_local_real_yka(yka_dir):
    ev = events_from_quakeml(yka_dir / "event.quakeml")[0]
    assert ev.depth_km == pytest.approx(583.2, abs=0.1)
    t0 = UTCDateTime(ev.time) + 300
    arr = {"path": str(yka_dir), "network": "CN", "station": "YK*", "channels": ["SHZ"]}
    st, inv = read_local(arr, t0, t0 + 600)
    assert len(st) == 18
    assert all(abs(tr.stats.starttime - t0) < 0.05 for tr in st)
    g = geometry_from_inventory("YKA", inv, st)
    assert len(g) == 18
    assert 15 < g.aperture_km() < 30  # YKA's cross is about 20 km
    with pytest.raises(FileNotFoundError):
        read_local({"path": str(yka_dir / "nope")}, t0, t0 + 10)
