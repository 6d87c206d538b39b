"""Data-centre aliases name a client key that every supported ObsPy version knows."""

from __future__ import annotations

from obspy.clients.fdsn.header import URL_MAPPINGS

from corephase.sources.fdsn.client import DATA_CENTRE_ALIASES

#: FDSN keys of ObsPy 1.4.0 (the oldest version pyproject allows) that aliases may use.
OBSPY_1_4_KEYS = {"IRIS", "USGS", "ISC", "GFZ", "ORFEUS"}


def test_every_alias_is_known_to_obspy_1_4_and_to_the_installed_obspy():
    for name, key in DATA_CENTRE_ALIASES.items():
        assert key in OBSPY_1_4_KEYS, (name, key)
        assert key in URL_MAPPINGS, (name, key)


def test_earthscope_names_the_iris_key():
    assert DATA_CENTRE_ALIASES["EARTHSCOPE"] == DATA_CENTRE_ALIASES["IRIS"] == "IRIS"
