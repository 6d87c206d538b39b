"""The preprocessed band files: round trips, the miniSEED they replace, bad files."""

from __future__ import annotations

import subprocess
import sys
import zipfile

import numpy as np
import pytest

from corephase.io.bands import BandRecord, read_band, write_band
from corephase.io.files import read_stream, write_stream
from corephase.model.events import events_from_quakeml
from corephase.signal.matrix import band_matrix, stream_to_matrix


@pytest.fixture(scope="module")
def yka_band(yka_dir):
    """The real YKA record on a 20 Hz grid from 60 s before P, band-passed 1-2 Hz (as the
    preprocess stage makes a band), with its geometry and event."""
    from obspy import read, read_inventory

    from corephase.io.stations import geometry_from_inventory
    from corephase.signal.preprocess import bandpass, common_grid

    event = events_from_quakeml(yka_dir / "event.quakeml")[0]
    st = read(str(yka_dir / "CN.YKA.SHZ.mseed"))
    st.sort(keys=["network", "station", "location", "channel"])
    inv = read_inventory(str(yka_dir / "CN.YKA.stationxml"))
    t0 = event.origin + 440.123456
    geom = geometry_from_inventory("YKA", inv, st, time=t0)
    return bandpass(common_grid(st, 20.0, t0, t0 + 600.0), 1.0, 2.0), geom, event


def test_band_file_gives_the_numbers_of_the_miniseed_it_replaces(tmp_path, yka_band):
    """Real records: the matrix, sample interval and start after origin of the band file
    are those of the float32 miniSEED the stages read before, bit for bit."""
    st, geom, event = yka_band
    write_stream(st, tmp_path / "b.mseed", dtype=np.float32)
    write_band(BandRecord.from_stream(st), tmp_path / "b.npz")
    old, old_dt, old_t0 = stream_to_matrix(read_stream(tmp_path / "b.mseed"), geom, 2)
    record = read_band(tmp_path / "b.npz")
    data, dt = band_matrix(record, geom, 2)
    assert data.dtype == np.float64 and np.array_equal(data, old)
    assert dt == old_dt
    assert record.seconds_after(event.origin_ns) == float(old_t0 - event.origin) == 440.123456
    assert record.t0_ns == old_t0.ns
    assert record.npts * record.dt == st[0].stats.npts * st[0].stats.delta


def test_to_stream_gives_back_the_traces(tmp_path, yka_band):
    st, _, _ = yka_band
    write_band(BandRecord.from_stream(st), tmp_path / "b.npz")
    back = read_band(tmp_path / "b.npz").to_stream()
    assert [tr.id for tr in back] == [tr.id for tr in st]
    for a, b in zip(back, st, strict=True):
        assert a.stats.starttime == b.stats.starttime and a.stats.npts == b.stats.npts
        assert a.stats.sampling_rate == b.stats.sampling_rate == 20.0
        assert a.data.dtype == np.float32 and np.array_equal(a.data, b.data.astype(np.float32))
    assert BandRecord.from_stream(back, dtype=float).t0_ns == st[0].stats.starttime.ns


def test_empty_band_round_trips(tmp_path):
    write_band(BandRecord.empty(), tmp_path / "e.npz")
    record = read_band(tmp_path / "e.npz")
    assert len(record) == 0 and record.data.shape == (0, 0) and np.isnan(record.dt)
    assert len(record.to_stream()) == 0
    from obspy import Stream

    assert len(BandRecord.from_stream(Stream())) == 0


def test_off_grid_streams_are_refused(yka_band):
    st, _, _ = yka_band
    bad = st.copy()
    bad[3].stats.starttime += 1.0
    with pytest.raises(ValueError, match="start at different times"):
        BandRecord.from_stream(bad)
    bad = st.copy()
    bad[2].stats.sampling_rate = 40.0
    with pytest.raises(ValueError, match="different sampling rates"):
        BandRecord.from_stream(bad)
    bad = st.copy()
    bad[1].data = bad[1].data[:-1]
    with pytest.raises(ValueError, match="different lengths"):
        BandRecord.from_stream(bad)


def _arrays(**change):
    arrays = {
        "data": np.zeros((2, 5), np.float32),
        "ids": np.array(["XX.A..SHZ", "XX.B..SHZ"]),
        "dt": np.float64(0.05),
        "t0_ns": np.int64(10**18),
    }
    return {k: v for k, v in {**arrays, **change}.items() if v is not None}


@pytest.mark.parametrize(
    "arrays, what",
    [
        (_arrays(t0_ns=None), "missing"),
        (_arrays(data=np.zeros(10, np.float32)), "2-D float"),
        (_arrays(data=np.zeros((2, 5), np.int32)), "2-D float"),
        (_arrays(ids=np.array(["XX.A..SHZ"])), "ids must be 2 strings"),
        (_arrays(dt=np.float64(-1.0)), "dt must be a positive"),
        (_arrays(t0_ns=np.float64(1.5)), "t0_ns"),
        (_arrays(ids=np.array([{"a": 1}, None], dtype=object)), "pickle"),
    ],
)
def test_malformed_band_files_are_named(tmp_path, arrays, what):
    path = tmp_path / "bad.npz"
    np.savez(path, **arrays)
    with pytest.raises(ValueError, match=what) as err:
        read_band(path)
    assert str(path) in str(err.value)


def test_truncated_or_foreign_files_are_named(tmp_path):
    path = tmp_path / "b.npz"
    write_band(BandRecord(np.ones((3, 100), np.float32), ("a.b.c.d",) * 3, 0.05, 0), path)
    good = path.read_bytes()
    for content in (good[: len(good) // 2], b"", b"not a band file at all"):
        path.write_bytes(content)
        with pytest.raises(ValueError, match="not a preprocessed band file") as err:
            read_band(path)
        assert str(path) in str(err.value)
    with pytest.raises(FileNotFoundError):
        read_band(tmp_path / "absent.npz")


def test_band_file_is_plain_uncompressed_arrays(tmp_path):
    record = BandRecord(
        np.arange(6, dtype=np.float32).reshape(2, 3), ("a.b.c.d", "a.e.c.d"), 0.5, 7
    )
    write_band(record, tmp_path / "b.npz")
    with zipfile.ZipFile(tmp_path / "b.npz") as z:
        assert sorted(z.namelist()) == ["data.npy", "dt.npy", "ids.npy", "t0_ns.npy"]
        assert {i.compress_type for i in z.infolist()} == {zipfile.ZIP_STORED}
    with np.load(tmp_path / "b.npz", allow_pickle=False) as npz:
        assert npz["ids"].tolist() == ["a.b.c.d", "a.e.c.d"] and int(npz["t0_ns"]) == 7


def test_reading_a_band_loads_no_obspy(tmp_path):
    write_band(
        BandRecord(np.ones((2, 4), np.float32), ("a.b.c.d", "a.e.c.d"), 0.05, 0),
        tmp_path / "b.npz",
    )
    code = (
        "from corephase.io.bands import read_band\n"
        f"r = read_band({str(tmp_path / 'b.npz')!r})\n"
        "assert r.seconds_after(-10**9) == 1.0\n"
        "import sys; print('obspy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_seconds_after_is_obspy_subtraction():
    """``UTCDateTime - UTCDateTime`` (rounded to 1 us) for starts with ns parts, before
    and after the origin."""
    from obspy import UTCDateTime

    rng = np.random.default_rng(3)
    for t0, origin in rng.integers(-(10**18), 2 * 10**18, size=(2000, 2)):
        record = BandRecord(np.zeros((1, 1), np.float32), ("a.b.c.d",), 0.05, int(t0))
        expected = UTCDateTime(ns=int(t0)) - UTCDateTime(ns=int(origin))
        assert record.seconds_after(int(origin)) == expected
