"""Clients of data centres and requests with retries.

:func:`make_client` names an ObsPy FDSN client (or the Hi-net client) for a
data centre of the config; :func:`call_with_retries` runs one request and
retries transient failures with exponential backoff, turning the outcome into a
status kind (``no_data``, ``restricted``, ``error``).
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Callable
from pathlib import Path

from obspy import Inventory, Stream, UTCDateTime, read

log = logging.getLogger("corephase.sources.fdsn")

#: Data-centre names mapped to ObsPy client keys; any other name is upper-cased and
#: passed through as an ObsPy key (e.g. ``USGS``, ``ISC``, ``GFZ``, ``ORFEUS``,
#: ``AUSPASS``), or used as a base URL. Every target is a key of every supported
#: ObsPy version (>= 1.4): ObsPy 1.4 does not know ``EARTHSCOPE``, while ``IRIS``
#: names the EarthScope (former IRIS) data centre in 1.4 and in 1.5.
DATA_CENTRE_ALIASES = {"EARTHSCOPE": "IRIS", "IRISDMC": "IRIS"}

#: Resource name that the Snakemake download rules should use to cap concurrent connections.
SNAKEMAKE_RESOURCE = "fdsn_connections"

HINET_ENV = ("HINET_USER", "HINET_PASSWORD")


class TruncatedMiniSEED(ValueError):
    """The miniSEED returned by a server ends inside a record or is not miniSEED."""


class RequestFailed(Exception):
    """A request that failed for good; ``kind`` is a status (no_data/restricted/error)."""

    def __init__(self, kind: str, reason: str, attempts: int = 1):
        super().__init__(f"{kind}: {reason}")
        self.kind = kind
        self.reason = reason
        self.attempts = attempts


def _classify(exc: BaseException) -> tuple[str, bool]:
    """Map an exception of a request to (status kind, retryable)."""
    from obspy.clients.fdsn import header as h

    if isinstance(exc, h.FDSNNoDataException):
        return "no_data", False
    if isinstance(exc, h.FDSNUnauthorizedException | h.FDSNForbiddenException):
        return "restricted", False
    if isinstance(
        exc,
        h.FDSNBadRequestException
        | h.FDSNRequestTooLargeException
        | h.FDSNNotImplementedException
        | h.FDSNNoServiceException
        | h.FDSNInvalidRequestException
        | h.FDSNNoAuthenticationServiceException
        | ValueError,
    ) and not isinstance(exc, TruncatedMiniSEED):
        return "error", False
    # timeouts, 5xx, 429, connection resets, incomplete reads, truncated records
    return "error", True


def failure_reason(exc: BaseException) -> str:
    """One line naming the exception type and its first message line (at most 300 chars)."""
    msg = str(exc).strip().splitlines()
    text = msg[0] if msg else ""
    return f"{type(exc).__name__}: {text}"[:300]


def call_with_retries(func: Callable, retries: int, backoff_s: float, what: str):
    """Call ``func()``; retry transient failures with exponential backoff.

    Parameters
    ----------
    func : callable
        No-argument callable doing one request.
    retries : int
        Extra attempts after the first (total attempts ``retries + 1``).
    backoff_s : float
        Wait before the first retry in s; doubles on each further retry.
    what : str
        Description for log messages.

    Returns
    -------
    (result, attempts)

    Raises
    ------
    RequestFailed
        With ``kind`` ``no_data`` (HTTP 204), ``restricted`` (401/403) or
        ``error`` (anything else, after the retries for transient failures).
    """
    attempts = 0
    while True:
        attempts += 1
        try:
            return func(), attempts
        except Exception as exc:
            kind, retryable = _classify(exc)
            reason = failure_reason(exc)
            if not retryable or attempts > retries:
                log.info("%s failed after %d attempt(s): %s", what, attempts, reason)
                raise RequestFailed(kind, reason, attempts) from exc
            wait = backoff_s * 2 ** (attempts - 1)
            log.warning(
                "%s: attempt %d failed (%s); retrying in %.1f s", what, attempts, reason, wait
            )
            time.sleep(wait)


# --------------------------------------------------------------------------- clients


def make_client(data_centre: str, timeout_s: float = 60.0):
    """An ObsPy client for a data centre named in the config.

    Parameters
    ----------
    data_centre : str
        ``IRIS``/``EARTHSCOPE``, ``USGS``, ``ISC``, any other ObsPy FDSN key
        (``GFZ``, ``ORFEUS``, ``AUSPASS``, ...), ``EIDA`` (EIDA routing through
        :class:`~obspy.clients.fdsn.RoutingClient`; an EIDA token is taken from
        the file named in ``EIDA_TOKEN`` if set), ``NIED`` (Hi-net; needs
        HinetPy and win32tools and ``HINET_USER``/``HINET_PASSWORD``), or a base
        URL ``http(s)://host[:port]`` of FDSN services under ``/fdsnws/``.
    timeout_s : float
        Socket timeout of each request in s.
    """
    from obspy.clients.fdsn import Client, RoutingClient

    dc = str(data_centre).strip()
    key = dc.upper()
    if key in ("EIDA", "EIDA-ROUTING"):
        token = os.environ.get("EIDA_TOKEN")
        creds = {"EIDA_TOKEN": token} if token else None
        return RoutingClient("eida-routing", credentials=creds, timeout=timeout_s)
    if key in ("NIED", "HINET", "HI-NET"):
        return HinetClient(timeout_s=timeout_s)
    if dc.startswith(("http://", "https://")):
        return Client(dc, timeout=timeout_s)
    return Client(DATA_CENTRE_ALIASES.get(key, key), timeout=timeout_s)


class HinetClient:
    """Hi-net (NIED) continuous data through HinetPy, shaped like an FDSN client.

    NIED's Hi-net is not an FDSN service: data come as WIN32 files via
    ``HinetPy`` (``pip install HinetPy``; needs NIED's ``win32tools`` on PATH)
    and an account. Credentials are read from ``HINET_USER`` and
    ``HINET_PASSWORD`` when the first request is made and are kept only in
    memory. Only what :func:`fetch_pair` needs is implemented: channel-level
    station lists and waveforms of the vertical component (``U``) of the
    stations in a bulk list. Responses are not available through this route
    (the StationXML holds coordinates only).

    Not tested against the live service (no network access in the project's CI).
    """

    base_url = "NIED Hi-net (HinetPy)"

    def __init__(self, timeout_s: float = 60.0, network_code: str = "0101"):
        self.timeout_s = timeout_s
        self.network_code = network_code
        self._client = None

    def _hinet(self):
        if self._client is None:
            user, password = (os.environ.get(k) for k in HINET_ENV)
            if not user or not password:
                raise PermissionError(
                    "Hi-net needs the environment variables HINET_USER and HINET_PASSWORD"
                )
            try:
                from HinetPy import Client as _HC
            except ImportError as exc:  # pragma: no cover - optional dependency
                raise RuntimeError(
                    "Hi-net downloads need HinetPy (pip install HinetPy) and NIED win32tools"
                ) from exc
            self._client = _HC(user, password, timeout=self.timeout_s)
        return self._client

    def get_stations(
        self, starttime=None, endtime=None, **kwargs
    ) -> Inventory:  # pragma: no cover
        from obspy.core.inventory import Channel, Network, Site, Station

        hc = self._hinet()
        net = Network(code="N", description="NIED Hi-net")
        for s in hc.get_station_list(self.network_code):
            lat, lon, elev = float(s.latitude), float(s.longitude), float(s.elevation)
            cha = Channel("U", "", lat, lon, elev, 0.0, sample_rate=100.0)
            net.stations.append(
                Station(s.name, lat, lon, elev, channels=[cha], site=Site(name=s.name))
            )
        return Inventory(networks=[net], source="NIED Hi-net via HinetPy")

    def get_waveforms_bulk(self, bulk, **kwargs) -> Stream:  # pragma: no cover
        import tempfile

        from HinetPy import win32

        hc = self._hinet()
        t0 = min(UTCDateTime(b[4]) for b in bulk)
        t1 = max(UTCDateTime(b[5]) for b in bulk)
        span = max(1, math.ceil((t1 - t0) / 60.0))
        with tempfile.TemporaryDirectory() as tmp:
            data, ctable = hc.get_continuous_waveform(
                self.network_code, t0.datetime, span, outdir=tmp
            )
            win32.extract_sac(data, ctable, outdir=tmp, with_sacpz=False)
            st = Stream()
            for f in sorted(Path(tmp).glob("*.SAC")):
                st += read(str(f))
        wanted = {b[1] for b in bulk}
        return Stream([tr for tr in st if tr.stats.station in wanted])
