"""Data-centre aliases name a client key that every supported ObsPy version knows."""

from __future__ import annotations

from obspy.clients.fdsn.header import URL_MAPPINGS

from corephase.sources.fdsn.client import DATA_CENTRE_ALIASES

#: FDSN keys of ObsPy 1.4.0 (the oldest version pyproject allows) that aliases may use.
OBSPY_1_4_KEYS = {"IRIS", "USGS", "ISC", "GFZ", "ORFEUS"}


def _key(name: str) -> str:
    """The ObsPy key make_client passes on for a data-centre name."""
    return DATA_CENTRE_ALIASES.get(name.upper(), name.upper())


def test_every_alias_is_known_to_obspy_1_4_and_to_the_installed_obspy():
    for name in [*DATA_CENTRE_ALIASES, "IRIS", "USGS", "ISC"]:
        assert _key(name) in OBSPY_1_4_KEYS, (name, _key(name))
        assert _key(name) in URL_MAPPINGS, (name, _key(name))


def test_earthscope_names_the_iris_key():
    assert _key("EarthScope") == _key("IRIS") == _key("IRISDMC") == "IRIS"
