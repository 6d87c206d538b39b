"""Station tables queried from a network's data centre."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from corephase.config.fetch import FetchSettings
from corephase.io.stations import load_station_table
from corephase.model.events import Event
from corephase.sources.fdsn.client import call_with_retries, make_client


def query_station_table(
    ncfg: Mapping, events: Iterable[Event], settings: FetchSettings | None = None
):
    """Stations of a dense network from its data centre, for the span of ``events``.

    One channel-level station request (``network``, ``station``, ``location``,
    channel patterns of ``channels``) from the earliest to the latest origin
    time, through :func:`~corephase.sources.fdsn.client.make_client`
    (``data_centre``; a ``hinet`` source uses NIED), with the timeout and retries
    of ``settings``.

    Parameters
    ----------
    ncfg : dict
        The network's ``dense_networks`` entry.
    events : iterable of Event
        Events whose origin times set the span of the request.
    settings : corephase.config.fetch.FetchSettings, optional

    Returns
    -------
    pandas.DataFrame
        See :func:`corephase.io.stations.load_station_table` (one row per station epoch).
    """
    import pandas as pd
    from obspy import Inventory, UTCDateTime

    settings = settings if settings is not None else FetchSettings()
    times = [UTCDateTime(e.time) for e in events]
    if not times:
        return load_station_table(
            pd.DataFrame(columns=["network", "station", "latitude", "longitude"])
        )
    dc = ncfg.get("data_centre") or ("NIED" if ncfg.get("source") == "hinet" else "IRIS")
    client = make_client(dc, settings.timeout_s)
    kw = dict(
        network=ncfg["network"],
        station=ncfg.get("station", "*"),
        location=ncfg.get("location", "*"),
        channel=",".join(ncfg.get("channels") or ["BHZ", "HHZ"]),
        starttime=min(times),
        endtime=max(times) + 1.0,
        level="channel",
    )
    inv, _ = call_with_retries(
        lambda: client.get_stations(**kw),
        settings.retries,
        settings.backoff_s,
        f"station query {ncfg['network']} at {dc}",
    )
    return load_station_table(inv if isinstance(inv, Inventory) else Inventory(networks=[]))
