"""Event origin times without ObsPy: :func:`corephase.model.events.utc_ns`."""

from __future__ import annotations

import numpy as np
import pytest
from obspy import UTCDateTime

from corephase.model.events import Event, utc_ns


def test_iso_text_reads_as_obspy_reads_it():
    """The ISO forms an Event holds (and shorter fractions, no ``Z``): the integer ns of
    ``UTCDateTime(text)``, from 1906 to 2096."""
    rng = np.random.default_rng(5)
    for stamp in rng.uniform(-2e9, 4e9, 3000):
        text = str(UTCDateTime(stamp))
        for t in (text, text[:-1], text[:19], text[:19] + "Z", text[:21], text[:24] + "Z"):
            assert utc_ns(t) == UTCDateTime(t).ns, t


@pytest.mark.parametrize(
    "text", ["2012-227T02:59:38.46", "2012-08-14 02:59:38.46", "20120814T025938", "2012-08-14"]
)
def test_other_forms_go_through_obspy(text):
    assert utc_ns(text) == UTCDateTime(text).ns


def test_event_origin_ns():
    e = Event("ev1", "2012-08-14T02:59:38.460000Z", 49.8, 145.064, 583.2)
    assert e.origin_ns == e.origin.ns == 1344913178460000000
