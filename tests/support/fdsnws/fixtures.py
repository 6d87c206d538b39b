"""pytest fixtures: local FDSN services over the real YKA recording.

Import them explicitly into a test module::

    from support.fdsnws.fixtures import fdsn_fixture, fdsn_services_fixture  # noqa: F401

(the functions carry the fixture names ``fdsn`` and ``fdsn_services``).
"""

from __future__ import annotations

import pytest

from .dataselect import PortableDataselect
from .front import FrontServer


@pytest.fixture(scope="session", name="fdsn_services")
def fdsn_services_fixture(yka_dir, tmp_path_factory):
    """Portable dataselect + front server (station, event) for the session."""
    work = tmp_path_factory.mktemp("fdsnws")
    ds = PortableDataselect(sorted(yka_dir.glob("*.mseed")), work / "dataselect")
    ds.start()
    front = None
    try:
        front = FrontServer(
            ds.base_url, yka_dir / "CN.YKA.stationxml", yka_dir / "event.quakeml"
        ).start()
        yield front
    finally:
        if front is not None:
            front.stop()
        ds.stop()


@pytest.fixture(name="fdsn")
def fdsn_fixture(fdsn_services):
    """The front server with no faults and an empty request log."""
    fdsn_services.reset()
    yield fdsn_services
    fdsn_services.reset()
