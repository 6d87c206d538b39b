"""Real data from FDSN web services: events, StationXML and waveforms per event x array pair.

Everything here talks to data centres only through ObsPy's FDSN clients
(:class:`obspy.clients.fdsn.Client`, :class:`obspy.clients.fdsn.RoutingClient`),
so any standards-conformant fdsnws-station/-dataselect/-event endpoint works,
including a local test server.

Modules: :mod:`~corephase.sources.fdsn.client` (clients of data centres,
requests with retries), :mod:`~corephase.sources.fdsn.waveforms` (one pair's
StationXML and waveforms, :func:`fetch_pair`), :mod:`~corephase.sources.fdsn.miniseed`
(checks and reading of downloaded miniSEED), :mod:`~corephase.sources.fdsn.events`
(event catalogues) and :mod:`~corephase.sources.fdsn.stations` (station tables
of a network queried from its data centre).

Conventions
-----------
- Times are UTC. A pair's record window is given by the caller (the fetch stage
  computes it once with :func:`corephase.model.traveltimes.record_window`).
- Distances are epicentral great-circle distances in degrees from the array
  reference point (``ref_lat``, ``ref_lon``), back-azimuths clockwise from north.
- A pair's ``status`` is one of :data:`STATUSES`:

  ``ok``          every selected station returned data;
  ``partial``     some stations returned data, the others are listed with a reason;
  ``no_data``     the data centre has no stations or no data for the window (HTTP 204);
  ``restricted``  all data that exist are restricted (HTTP 401/403);
  ``error``       nothing usable after retries (timeouts, server errors, truncated data).

  Whatever the status, both outputs are written (atomically): the miniSEED
  holds the traces obtained, or is an EMPTY FILE (zero bytes) when there are
  none -- ObsPy cannot read a zero-byte file, so read it with
  :func:`read_fetched` / :func:`corephase.io.files.read_stream`, which return an
  empty Stream. The StationXML holds the selected channels (with responses),
  possibly no network at all.

Credentials (Hi-net via ``HINET_USER``/``HINET_PASSWORD``, an EIDA token via
``EIDA_TOKEN``) are read from the environment only and never written to
configs, logs, provenance or outputs.
"""

from corephase.sources.fdsn.client import (
    HinetClient,
    RequestFailed,
    TruncatedMiniSEED,
    call_with_retries,
    make_client,
)
from corephase.sources.fdsn.events import (
    deduplicate_events,
    events_from_csv,
    query_events,
    save_events,
)
from corephase.sources.fdsn.miniseed import check_miniseed, read_fetched, sha256_file
from corephase.sources.fdsn.stations import query_station_table
from corephase.sources.fdsn.waveforms import (
    DEFAULT_CHANNELS,
    STATUSES,
    choose_channels,
    fetch_pair,
)

__all__ = [
    "DEFAULT_CHANNELS",
    "STATUSES",
    "HinetClient",
    "RequestFailed",
    "TruncatedMiniSEED",
    "call_with_retries",
    "check_miniseed",
    "choose_channels",
    "deduplicate_events",
    "events_from_csv",
    "fetch_pair",
    "make_client",
    "query_events",
    "query_station_table",
    "read_fetched",
    "save_events",
    "sha256_file",
]
