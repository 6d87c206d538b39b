"""The one record-to-matrix conversion: :func:`corephase.signal.matrix.band_matrix`."""

from __future__ import annotations

import numpy as np
import pytest
from obspy import Stream, Trace, UTCDateTime

from corephase.io.bands import BandRecord
from corephase.model.geometry import ArrayGeometry
from corephase.signal.matrix import band_matrix, stream_to_matrix

CODES = ["XX.A..SHZ", "XX.B..SHZ", "XX.C..SHZ"]
GEOM = ArrayGeometry("T", CODES, [0.0, 0.01, 0.02], [0.0, 0.0, 0.01], [0, 0, 0], 0.0, 0.0)


def _stream(rng) -> Stream:
    start = UTCDateTime(2012, 8, 14, 3, 7, 18, 123456)
    return Stream(
        [
            Trace(
                rng.standard_normal(200).astype(np.float32),
                header={
                    "network": "XX",
                    "station": s,
                    "channel": "SHZ",
                    "sampling_rate": 20.0,
                    "starttime": start,
                },
            )
            for s in "ABC"
        ]
    )


def test_stream_and_record_give_one_matrix():
    st = _stream(np.random.default_rng(1))
    data, dt, t0 = stream_to_matrix(st, GEOM, 2)
    rec_data, rec_dt = band_matrix(BandRecord.from_stream(st), GEOM, 2)
    assert np.array_equal(data, rec_data) and rec_data.dtype == np.float64
    assert dt == rec_dt == 0.05 and t0 == st[0].stats.starttime


def test_codes_by_station_or_wildcard():
    record = BandRecord.from_stream(_stream(np.random.default_rng(2)))
    geom = ArrayGeometry("T", ["A", "XX.B.*.*", "XX.C..SHZ"], GEOM.lat, GEOM.lon,
                         GEOM.elev_m, 0.0, 0.0)  # fmt: skip
    assert band_matrix(record, geom)[0].shape == (3, 200)


def test_bad_records_are_refused():
    record = BandRecord.from_stream(_stream(np.random.default_rng(3)))
    swapped = BandRecord(record.data[::-1], record.ids[::-1], record.dt, record.t0_ns)
    with pytest.raises(ValueError, match="match geometry T codes in order"):
        band_matrix(swapped, GEOM)
    with pytest.raises(ValueError, match=r"missing \['XX.C..SHZ'\]"):
        band_matrix(BandRecord(record.data[:2], record.ids[:2], record.dt, 0), GEOM)
    with pytest.raises(ValueError, match="at least 4"):
        band_matrix(record, GEOM, 4)
    data = record.data.copy()
    data[1, 7] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        band_matrix(BandRecord(data, record.ids, record.dt, 0), GEOM)
    with pytest.raises(ValueError, match="0 traces for 3 elements"):
        band_matrix(BandRecord.empty(), GEOM)
