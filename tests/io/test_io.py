"""I/O: atomic writes, StationXML (the local source is tested in tests/sources/test_local.py)."""

from __future__ import annotations

import numpy as np
import pytest
from obspy import Stream, read_inventory

from corephase.io.files import atomic_path, read_stream, write_stream
from corephase.io.stations import geometry_from_inventory, geometry_to_inventory
from corephase.model.geometry import ArrayGeometry


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


def test_inventory_roundtrip(tmp_path):
    g = ArrayGeometry("T", ["XX.A..SHZ", "XX.B..SHZ"], [10.0, 10.1], [20.0, 20.2], [5.0, 7.0])
    inv = geometry_to_inventory(g, 20.0)
    inv.write(str(tmp_path / "s.xml"), format="STATIONXML")
    g2 = geometry_from_inventory("T", read_inventory(str(tmp_path / "s.xml")))
    assert g2.codes == g.codes
    np.testing.assert_allclose(g2.lat, g.lat)
    np.testing.assert_allclose(g2.elev_m, g.elev_m)
