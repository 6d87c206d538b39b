"""Real data from FDSN web services: events, StationXML and waveforms per event x array pair.

Everything here talks to data centres only through ObsPy's FDSN clients
(:class:`obspy.clients.fdsn.Client`, :class:`obspy.clients.fdsn.RoutingClient`),
so any standards-conformant fdsnws-station/-dataselect/-event endpoint works,
including a local test server.

Conventions
-----------
- Times are UTC. A pair's record window is set by two theoretical phases at the
  array reference point: ``origin + t(start_phase) + start_offset_s`` to
  ``origin + t(end_phase) + end_offset_s`` (``phases_times`` in s after origin).
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

from __future__ import annotations

import copy
import fnmatch
import hashlib
import io
import json
import logging
import math
import os
import time
import warnings
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd
from obspy import Inventory, Stream, UTCDateTime, read, read_inventory
from obspy.core.event import Catalog
from obspy.geodetics import gps2dist_azimuth, locations2degrees

from corephase import __version__
from corephase.io.files import atomic_path, read_json, write_inventory, write_json, write_stream
from corephase.model.events import Event, default_event_id, event_from_dict, events_from_quakeml

log = logging.getLogger(__name__)

#: Pair and station statuses.
STATUSES = ("ok", "partial", "no_data", "restricted", "error")

#: Default channel priority (first available per station wins).
DEFAULT_CHANNELS = ("SHZ", "BHZ", "HHZ", "EHZ")

#: Defaults of the ``fetch`` config section.
DEFAULT_FETCH = {
    "window": {
        "start_phase": "PcP",
        "start_offset_s": -120.0,
        "end_phase": "PKiKP",
        "end_offset_s": 300.0,
    },
    "timeout_s": 60.0,
    "retries": 3,
    "backoff_s": 5.0,
    "pad_s": 2.0,
}

#: Data-centre names mapped to ObsPy client keys (others are passed through as
#: ObsPy keys, e.g. ``GFZ``, ``ORFEUS``, ``AUSPASS``, or used as a base URL).
DATA_CENTRE_ALIASES = {
    "IRIS": "EARTHSCOPE",
    "EARTHSCOPE": "EARTHSCOPE",
    "IRISDMC": "EARTHSCOPE",
    "USGS": "USGS",
    "ISC": "ISC",
}

#: Resource name that the Snakemake download rules should use to cap concurrent connections.
SNAKEMAKE_RESOURCE = "fdsn_connections"

HINET_ENV = ("HINET_USER", "HINET_PASSWORD")

# --------------------------------------------------------------------------- errors and retries


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


def _reason(exc: BaseException) -> str:
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
            reason = _reason(exc)
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


# --------------------------------------------------------------------------- helpers


def fetch_window(origin, phases_times: Mapping[str, float], window: Mapping) -> tuple:
    """Absolute record window of a pair.

    Parameters
    ----------
    origin : UTCDateTime or str
        Origin time.
    phases_times : dict
        ``{phase: time after origin in s}`` at the array reference point.
    window : dict
        ``start_phase``, ``start_offset_s``, ``end_phase``, ``end_offset_s``.

    Returns
    -------
    (t0, t1) : UTCDateTime
    """
    w = {**DEFAULT_FETCH["window"], **(window or {})}
    origin = UTCDateTime(origin)
    for key in ("start_phase", "end_phase"):
        ph = w[key]
        t = phases_times.get(ph)
        if t is None or not np.isfinite(t):
            raise ValueError(
                f"fetch window {key} {ph!r} has no travel time in phases_times "
                f"(available: {sorted(phases_times)})"
            )
    t0 = origin + float(phases_times[w["start_phase"]]) + float(w["start_offset_s"])
    t1 = origin + float(phases_times[w["end_phase"]]) + float(w["end_offset_s"])
    if t1 <= t0:
        raise ValueError(f"fetch window is empty: end {t1} is not after start {t0}")
    return t0, t1


def check_miniseed(data: bytes) -> int:
    """Check that ``data`` is a whole number of miniSEED 2 records.

    ObsPy silently drops a truncated last record, so a cut-off download would
    otherwise pass unnoticed.

    Returns
    -------
    int
        Number of records.

    Raises
    ------
    TruncatedMiniSEED
    """
    from obspy.io.mseed.util import get_record_information

    n = len(data)
    off = 0
    nrec = 0
    buf = io.BytesIO(data)
    while off < n:
        if n - off < 48:
            raise TruncatedMiniSEED(f"miniSEED ends inside a record header at byte {off} of {n}")
        hdr = data[off : off + 8]
        if not (hdr[:6].strip(b" 0123456789") == b"" and hdr[6:7] in b"DRQM "):
            raise TruncatedMiniSEED(f"no miniSEED record header at byte {off} of {n}")
        try:
            info = get_record_information(buf, offset=off)
        except Exception as exc:
            raise TruncatedMiniSEED(f"unreadable miniSEED record at byte {off}: {exc}") from exc
        reclen = int(info.get("record_length") or 0)
        if reclen < 128:
            raise TruncatedMiniSEED(f"miniSEED record at byte {off} has no valid length")
        if off + reclen > n:
            raise TruncatedMiniSEED(
                f"miniSEED truncated: record at byte {off} needs {reclen} bytes, "
                f"only {n - off} left"
            )
        off += reclen
        nrec += 1
    return nrec


def read_fetched(path) -> Stream:
    """Read a fetched miniSEED file; an empty (zero-byte) file gives an empty Stream."""
    if Path(path).stat().st_size == 0:
        return Stream()
    return read(str(path), format="MSEED")


def sha256_file(path) -> str:
    """Hex SHA-256 of a file."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _epoch_overlaps(obj, t0, t1) -> bool:
    start = obj.start_date
    end = obj.end_date
    return (start is None or start <= t1) and (end is None or end >= t0)


def choose_channels(
    inv: Inventory, channels: Iterable[str], t0, t1
) -> tuple[Inventory, dict[str, dict]]:
    """Per station, the first channel of ``channels`` open during [t0, t1].

    Parameters
    ----------
    inv : Inventory
        Channel-level (or response-level) inventory.
    channels : sequence of str
        Priority order, e.g. ``["SHZ", "BHZ", "HHZ"]`` (wildcards allowed).
    t0, t1 : UTCDateTime
        Record window; station and channel epochs must overlap it.

    Returns
    -------
    (inventory, choice)
        The inventory reduced to the chosen channel epochs, and
        ``{"NET.STA": {"location", "channel", "latitude", "longitude",
        "elevation_m"}}``. With several location codes the smallest is taken.
    """
    prio = list(channels)
    out = copy.deepcopy(inv)
    choice: dict[str, dict] = {}
    for net in out.networks:
        keep_sta = []
        for sta in net.stations:
            if not _epoch_overlaps(sta, t0, t1):
                continue
            open_ch = [c for c in sta.channels if _epoch_overlaps(c, t0, t1)]
            best = None
            for pat in prio:
                cands = [c for c in open_ch if fnmatch.fnmatchcase(c.code, pat)]
                if cands:
                    best = sorted(cands, key=lambda c: (c.location_code, c.code))[0]
                    break
            if best is None:
                continue
            sta.channels = [
                c for c in open_ch if c.code == best.code and c.location_code == best.location_code
            ]
            keep_sta.append(sta)
            choice[f"{net.code}.{sta.code}"] = {
                "location": best.location_code,
                "channel": best.code,
                "latitude": best.latitude if best.latitude is not None else sta.latitude,
                "longitude": best.longitude if best.longitude is not None else sta.longitude,
                "elevation_m": best.elevation if best.elevation is not None else sta.elevation,
            }
        net.stations = keep_sta
    out.networks = [n for n in out.networks if n.stations]
    return out, choice


def _empty_inventory() -> Inventory:
    return Inventory(networks=[], source=f"corephase {__version__}")


def _write_outputs(stream: Stream, inv: Inventory, out_mseed, out_stationxml) -> None:
    stream = stream.copy()
    stream.sort(keys=["network", "station", "location", "channel", "starttime"])
    write_stream(stream, out_mseed)
    write_inventory(inv, out_stationxml)


def _is_fdsn_client(client) -> bool:
    from obspy.clients.fdsn import Client

    return isinstance(client, Client)


def _download_waveforms(client, bulk: list[tuple]) -> Stream:
    """One bulk dataselect request; the raw miniSEED is checked record by record."""
    if _is_fdsn_client(client):
        raw = io.BytesIO()
        client.get_waveforms_bulk(bulk, filename=raw)
        data = raw.getvalue()
        if not data:
            from obspy.clients.fdsn.header import FDSNNoDataException

            raise FDSNNoDataException("empty response body")
        check_miniseed(data)
        with warnings.catch_warnings():
            warnings.simplefilter("error", UserWarning)
            return read(io.BytesIO(data), format="MSEED")
    return client.get_waveforms_bulk(bulk)


def _station_coverage(st: Stream, t0, t1) -> float:
    dur = float(t1 - t0)
    if dur <= 0 or not len(st):
        return 0.0
    covered = sum(tr.stats.npts * tr.stats.delta for tr in st)
    return float(min(1.0, covered / dur))


def _pair_status(stations: dict[str, dict]) -> tuple[str, str]:
    kinds = [s["status"] for s in stations.values()]
    n_ok = kinds.count("ok")
    if not kinds:
        return "no_data", "no station open with a listed channel"
    if n_ok == len(kinds):
        return "ok", ""
    bad = {k: v for k, v in stations.items() if v["status"] != "ok"}
    summary = ", ".join(f"{k} {v['status']}" for k, v in sorted(bad.items()))
    if n_ok:
        return "partial", f"{len(bad)} of {len(kinds)} stations without data: {summary}"
    if all(k == "restricted" for k in kinds):
        return "restricted", "all stations restricted"
    if "error" in kinds:
        return "error", summary
    if "restricted" in kinds:
        return "restricted", summary
    return "no_data", "no data for any station"


# --------------------------------------------------------------------------- pairs


def fetch_pair(
    array_name: str,
    array_cfg: Mapping,
    event: Event,
    fetch_cfg: Mapping,
    phases_times: Mapping[str, float],
    out_mseed,
    out_stationxml,
    client_factory: Callable | None = None,
    *,
    reuse: bool = True,
) -> dict:
    """Download StationXML and waveforms of one event x array pair.

    Parameters
    ----------
    array_name : str
    array_cfg : dict
        Array config: ``network``, ``station``, ``location`` (FDSN patterns,
        comma lists allowed), ``channels`` (priority order), ``data_centre``.
    event : Event
    fetch_cfg : dict
        ``window`` (``start_phase``, ``start_offset_s``, ``end_phase``,
        ``end_offset_s``), ``timeout_s`` (per request), ``retries`` (extra
        attempts on transient failures), ``backoff_s`` (first wait, doubling),
        ``pad_s`` (extra data requested each side, trimmed off). Missing keys
        take :data:`DEFAULT_FETCH`.
    phases_times : dict
        ``{phase: time after origin in s}`` at the array reference point.
    out_mseed, out_stationxml : path
        Outputs, written atomically whatever the status (an empty miniSEED is a
        zero-byte file, see the module docstring).
    client_factory : callable, optional
        ``client_factory(data_centre, timeout_s)`` returning an ObsPy-like
        client; default :func:`make_client`.
    reuse : bool
        If both outputs and the record ``<out_mseed>.fetch.json`` of an earlier
        call with a status other than ``error`` exist, return that record
        (with ``reused: True``) without any request.

    Returns
    -------
    dict
        ``array``, ``event_id``, ``status`` (one of :data:`STATUSES`),
        ``reason``, ``window`` (start/end ISO), ``stations``
        (``{"NET.STA": {status, reason, location, channel, coverage, latitude,
        longitude, elevation_m}}``), ``n_stations``, ``n_ok``, ``provenance``
        (data centre, base URL, request parameters and bulk lines, request
        time, attempts, sha256 of both files, corephase and ObsPy versions),
        ``reused``. JSON-serialisable; also written to ``<out_mseed>.fetch.json``.
    """
    import obspy

    out_mseed, out_stationxml = Path(out_mseed), Path(out_stationxml)
    record_path = out_mseed.with_name(out_mseed.name + ".fetch.json")
    if reuse and out_mseed.exists() and out_stationxml.exists() and record_path.exists():
        try:
            rec = read_json(record_path)
        except (OSError, ValueError):
            rec = None
        if (
            rec
            and rec.get("status") != "error"
            and rec.get("provenance", {}).get("sha256", {}).get("mseed") == sha256_file(out_mseed)
        ):
            rec["reused"] = True
            return rec

    fc = {**DEFAULT_FETCH, **{k: v for k, v in (fetch_cfg or {}).items() if v is not None}}
    t0, t1 = fetch_window(event.origin, phases_times, fc.get("window") or {})
    pad = float(fc.get("pad_s", 0.0))
    retries, backoff = int(fc["retries"]), float(fc["backoff_s"])
    timeout = float(fc["timeout_s"])
    dc = array_cfg.get("data_centre", "IRIS")
    net = array_cfg.get("network", "*")
    sta = array_cfg.get("station", "*")
    loc = array_cfg.get("location", "*")
    chans = list(array_cfg.get("channels") or DEFAULT_CHANNELS)
    request_time = UTCDateTime()
    station_request = {
        "network": net,
        "station": sta,
        "location": loc,
        "channel": ",".join(chans),
        "starttime": str(t0),
        "endtime": str(t1),
        "level": "response",
    }
    prov = {
        "data_centre": dc,
        "base_url": None,
        "station_request": station_request,
        "bulk": [],
        "request_time": str(request_time),
        "attempts": {},
        "corephase_version": __version__,
        "obspy_version": obspy.__version__,
        "window": {**DEFAULT_FETCH["window"], **(fc.get("window") or {})},
        "pad_s": pad,
        "timeout_s": timeout,
        "retries": retries,
    }
    result = {
        "array": array_name,
        "event_id": event.id,
        "status": "error",
        "reason": "",
        "window": {"start": str(t0), "end": str(t1)},
        "stations": {},
        "n_stations": 0,
        "n_ok": 0,
        "reused": False,
        "provenance": prov,
    }
    what = f"{array_name}/{event.id}"

    def finish(stream: Stream, inv: Inventory, status: str, reason: str) -> dict:
        _write_outputs(stream, inv, out_mseed, out_stationxml)
        result["status"], result["reason"] = status, reason
        result["n_stations"] = len(result["stations"])
        result["n_ok"] = sum(s["status"] == "ok" for s in result["stations"].values())
        prov["sha256"] = {
            "mseed": sha256_file(out_mseed),
            "stationxml": sha256_file(out_stationxml),
        }
        prov["n_traces"] = len(stream)
        write_json(result, record_path)
        log.info("%s: %s %s", what, status, reason)
        return json.loads(json.dumps(result))

    try:
        client = (client_factory or make_client)(dc, timeout)
    except Exception as exc:
        return finish(Stream(), _empty_inventory(), "error", f"no client: {_reason(exc)}")
    prov["base_url"] = getattr(client, "base_url", None)

    # ---- stations
    try:
        inv, n = call_with_retries(
            lambda: client.get_stations(
                network=net,
                station=sta,
                location=loc,
                channel=",".join(chans),
                starttime=t0,
                endtime=t1,
                level="response",
            ),
            retries,
            backoff,
            f"{what} station query",
        )
        prov["attempts"]["station"] = n
    except RequestFailed as exc:
        prov["attempts"]["station"] = exc.attempts
        status = exc.kind if exc.kind in ("no_data", "restricted") else "error"
        return finish(Stream(), _empty_inventory(), status, f"station service: {exc.reason}")

    inv_sel, choice = choose_channels(inv, chans, t0, t1)
    if not choice:
        return finish(
            Stream(), inv_sel, "no_data", f"no station open during the window with {chans}"
        )
    bulk = [
        (k.split(".")[0], k.split(".")[1], c["location"], c["channel"], t0 - pad, t1 + pad)
        for k, c in sorted(choice.items())
    ]
    prov["bulk"] = [[b[0], b[1], b[2] or "--", b[3], str(b[4]), str(b[5])] for b in bulk]
    stations = {
        k: {**c, "status": "error", "reason": "", "coverage": 0.0}
        for k, c in sorted(choice.items())
    }
    result["stations"] = stations

    # ---- waveforms: one bulk request, then single requests for what is missing
    got = Stream()
    try:
        got, n = call_with_retries(
            lambda: _download_waveforms(client, bulk), retries, backoff, f"{what} bulk dataselect"
        )
        prov["attempts"]["bulk"] = n
        missing = [b for b in bulk if not got.select(network=b[0], station=b[1], channel=b[3])]
    except RequestFailed as exc:
        prov["attempts"]["bulk"] = exc.attempts
        if exc.kind == "no_data":
            for s in stations.values():
                s.update(status="no_data", reason="HTTP 204 for the bulk request")
            missing = []
        else:
            log.info("%s: bulk request failed (%s); requesting stations one by one", what, exc)
            missing = list(bulk)
    prov["attempts"]["single"] = {}
    consecutive_errors, last_reason = 0, ""
    for b in missing:
        key = f"{b[0]}.{b[1]}"
        if consecutive_errors >= 2:
            # the service keeps failing: do not spend retries x timeout on every station
            stations[key].update(
                status="error", reason=f"not requested after repeated errors ({last_reason})"
            )
            continue
        try:
            st1, n = call_with_retries(
                lambda b=b: _download_waveforms(client, [b]), retries, backoff, f"{what} {key}"
            )
            prov["attempts"]["single"][key] = n
            got += st1.select(network=b[0], station=b[1], channel=b[3])
            consecutive_errors = 0
        except RequestFailed as exc:
            prov["attempts"]["single"][key] = exc.attempts
            stations[key].update(status=exc.kind, reason=exc.reason)
            consecutive_errors = consecutive_errors + 1 if exc.kind == "error" else 0
            last_reason = exc.reason

    out = Stream()
    for b in bulk:
        key = f"{b[0]}.{b[1]}"
        st1 = got.select(network=b[0], station=b[1], location=b[2], channel=b[3]).copy()
        st1.merge(method=-1)
        st1.trim(t0, t1)
        st1 = Stream([tr for tr in st1 if tr.stats.npts > 0])
        if len(st1):
            stations[key].update(
                status="ok", reason="", coverage=round(_station_coverage(st1, t0, t1), 6)
            )
            out += st1
        elif stations[key]["status"] == "error" and not stations[key]["reason"]:
            stations[key].update(status="no_data", reason="no samples in the window")
    status, reason = _pair_status(stations)
    return finish(out, inv_sel, status, reason)


# --------------------------------------------------------------------------- events


def _catalog_entries(cfg: Mapping) -> list[dict]:
    if "catalog" not in cfg and "events" in cfg:
        cfg = cfg["events"]
    cats = cfg.get("catalog") or cfg.get("catalogs") or []
    if isinstance(cats, Mapping):
        cats = [cats]
    return [dict(c) for c in cats]


def _qevent_to_event(ev) -> Event | None:
    org = ev.preferred_origin() or (ev.origins[0] if ev.origins else None)
    if org is None or org.latitude is None or org.longitude is None:
        return None
    mag = ev.preferred_magnitude() or (ev.magnitudes[0] if ev.magnitudes else None)
    label = ev.event_descriptions[0].text if ev.event_descriptions else ""
    return event_from_dict(
        {
            "time": org.time,
            "latitude": org.latitude,
            "longitude": org.longitude,
            "depth_km": (org.depth or 0.0) / 1000.0,
            "magnitude": mag.mag if mag else float("nan"),
            "magnitude_type": (mag.magnitude_type or "") if mag else "",
            "label": label or "",
        }
    )


def events_from_csv(path) -> list[Event]:
    """Events from a CSV with columns time, latitude, longitude, depth_km
    [, magnitude, magnitude_type, label, id]."""
    df = pd.read_csv(path, dtype={"id": str, "label": str, "magnitude_type": str})
    need = {"time", "latitude", "longitude", "depth_km"}
    if not need <= set(df.columns):
        raise ValueError(f"event CSV {path} lacks columns {sorted(need - set(df.columns))}")
    out = []
    for row in df.to_dict("records"):
        d = {k: v for k, v in row.items() if not (isinstance(v, float) and math.isnan(v))}
        out.append(event_from_dict(d))
    return out


def _span(cat: Mapping, arr: Mapping, now: UTCDateTime):
    active = arr.get("active") or {}
    starts = [UTCDateTime(x) for x in (cat.get("start"), active.get("start")) if x]
    ends = [UTCDateTime(x) for x in (cat.get("end"), active.get("end")) if x]
    t0 = max(starts) if starts else UTCDateTime("1990-01-01")
    t1 = min(ends) if ends else now
    return t0, t1


def _keep_for_any_array(ev: Event, cat: Mapping, arrays: Mapping) -> bool:
    lo = float(cat.get("min_distance_deg", 0.0))
    hi = float(cat.get("max_distance_deg", 180.0))
    mmin = cat.get("min_magnitude")
    if mmin is not None and not (ev.magnitude >= float(mmin)):
        return False
    for arr in arrays.values():
        active = arr.get("active") or {}
        if active.get("start") and ev.origin < UTCDateTime(active["start"]):
            continue
        if active.get("end") and ev.origin >= UTCDateTime(active["end"]):
            continue
        d = locations2degrees(ev.latitude, ev.longitude, arr["ref_lat"], arr["ref_lon"])
        if lo <= d <= hi:
            return True
    return False


def deduplicate_events(
    events_by_priority: Iterable[Event], time_tol_s: float = 10.0, dist_tol_deg: float = 0.5
) -> list[Event]:
    """Drop repeated events (same origin within ``time_tol_s`` and ``dist_tol_deg``).

    The first occurrence in the input order wins (list catalogs by
    preference). Returns events sorted by origin time with unique ids.
    """
    kept: list[Event] = []
    for ev in events_by_priority:
        dup = False
        for k in kept:
            if abs(ev.origin - k.origin) <= time_tol_s and (
                locations2degrees(ev.latitude, ev.longitude, k.latitude, k.longitude)
                <= dist_tol_deg
            ):
                dup = True
                break
        if not dup:
            kept.append(ev)
    kept.sort(key=lambda e: e.origin)
    seen: dict[str, int] = {}
    out = []
    for ev in kept:
        if ev.id in seen:
            seen[ev.id] += 1
            ev = Event(**{**ev.to_dict(), "id": f"{ev.id}-{seen[ev.id]}"})
        else:
            seen[ev.id] = 1
        out.append(ev)
    return out


def query_events(
    cfg: Mapping, arrays: Mapping[str, Mapping], client_factory: Callable | None = None
) -> list[Event]:
    """Events for the arrays from FDSN event services and/or user files, de-duplicated.

    Parameters
    ----------
    cfg : dict
        The ``events`` config section (or a whole config with one). Its
        ``catalog`` is one entry or a list, in order of preference. An entry
        has ``source`` (``fdsn``, ``quakeml`` or ``csv``), and for ``fdsn``
        ``data_centre`` (``USGS``, ``ISC``, ``IRIS``, ... or a base URL),
        optionally ``catalog`` (the FDSN ``catalog`` parameter); for files
        ``path``. Filters: ``start``, ``end`` (ISO; intersected with each
        array's ``active`` span), ``min_magnitude`` (default 5.0),
        ``min_distance_deg``/``max_distance_deg`` from the array reference
        point (default 10/70), ``min_depth_km``/``max_depth_km`` (default
        any), ``chunk_days`` (query length, default 365); and for the whole
        list ``dedup_time_s`` (10) and ``dedup_distance_deg`` (0.5),
        ``timeout_s``, ``retries``, ``backoff_s``.
    arrays : dict
        ``{name: array config}`` with ``ref_lat``, ``ref_lon`` and optional
        ``active`` {start, end}.
    client_factory : callable, optional
        ``client_factory(data_centre, timeout_s)``; default :func:`make_client`.

    Returns
    -------
    list of Event
        Sorted by origin time; an event found by several catalogs or near
        several arrays appears once (the first catalog listed wins).
    """
    section = cfg["events"] if ("catalog" not in cfg and "events" in cfg) else cfg
    factory = client_factory or make_client
    timeout = float(section.get("timeout_s", DEFAULT_FETCH["timeout_s"]))
    retries = int(section.get("retries", DEFAULT_FETCH["retries"]))
    backoff = float(section.get("backoff_s", DEFAULT_FETCH["backoff_s"]))
    now = UTCDateTime()
    found: list[Event] = []
    for cat in _catalog_entries(section):
        cat.setdefault("min_magnitude", 5.0)
        cat.setdefault("min_distance_deg", 10.0)
        cat.setdefault("max_distance_deg", 70.0)
        src = cat.get("source", "fdsn")
        if src in ("quakeml", "csv"):
            path = cat.get("path")
            if not path:
                raise ValueError(f"event catalog of source {src!r} needs a 'path'")
            evs = events_from_quakeml(path) if src == "quakeml" else events_from_csv(path)
            found += [e for e in evs if _keep_for_any_array(e, cat, arrays)]
            continue
        if src != "fdsn":
            raise ValueError(f"event catalog source must be fdsn, quakeml or csv, not {src!r}")
        client = factory(cat.get("data_centre", "USGS"), timeout)
        chunk = float(cat.get("chunk_days", 365)) * 86400.0
        for name, arr in arrays.items():
            t0, t1 = _span(cat, arr, now)
            while t0 < t1:
                te = min(t1, t0 + chunk)
                kw = {
                    "starttime": t0,
                    "endtime": te,
                    "minmagnitude": float(cat["min_magnitude"]),
                    "latitude": float(arr["ref_lat"]),
                    "longitude": float(arr["ref_lon"]),
                    "minradius": float(cat["min_distance_deg"]),
                    "maxradius": float(cat["max_distance_deg"]),
                    "orderby": "time-asc",
                }
                if cat.get("min_depth_km") is not None:
                    kw["mindepth"] = float(cat["min_depth_km"])
                if cat.get("max_depth_km") is not None:
                    kw["maxdepth"] = float(cat["max_depth_km"])
                if cat.get("catalog"):
                    kw["catalog"] = cat["catalog"]
                try:
                    qcat, _ = call_with_retries(
                        lambda kw=kw, client=client: client.get_events(**kw),
                        retries,
                        backoff,
                        f"event query {name} {t0.date}-{te.date}",
                    )
                except RequestFailed as exc:
                    if exc.kind != "no_data":
                        raise RuntimeError(
                            f"event query for array {name} ({t0} - {te}) at "
                            f"{cat.get('data_centre')} failed: {exc.reason}"
                        ) from exc
                    qcat = Catalog()
                for qe in qcat:
                    ev = _qevent_to_event(qe)
                    if ev is not None:
                        found.append(ev)
                t0 = te
    return deduplicate_events(
        found,
        float(section.get("dedup_time_s", 10.0)),
        float(section.get("dedup_distance_deg", 0.5)),
    )


def save_events(events: Iterable[Event], path) -> None:
    """Write events as one QuakeML file, atomically (depth in m, as QuakeML requires).

    Reading it back with :func:`corephase.model.events.events_from_quakeml` gives the
    same origins, magnitudes and labels.
    """
    from obspy.core.event import ResourceIdentifier

    from corephase.model.events import to_obspy_event

    cat = Catalog(
        resource_id=ResourceIdentifier("smi:corephase/catalog"),
        events=[to_obspy_event(ev) for ev in events],
    )
    with atomic_path(path) as tmp:
        cat.write(str(tmp), format="QUAKEML")


# --------------------------------------------------------------------------- dense networks


STATION_TABLE_COLUMNS = ["network", "station", "latitude", "longitude", "elevation_m", "channels"]


def load_station_table(source) -> pd.DataFrame:
    """Stations of a dense network as a table.

    Parameters
    ----------
    source : path, Inventory or DataFrame
        A CSV with columns network, station, latitude, longitude, elevation_m,
        channels (space separated), start, end (dates; ``2599-12-31`` or
        empty means open), or a StationXML file, or an Inventory (one row per
        station epoch), or such a DataFrame.

    Returns
    -------
    DataFrame
        Columns network, station, latitude, longitude, elevation_m, channels,
        start, end (``start``/``end`` as UTCDateTime, end None if open).
    """
    if isinstance(source, pd.DataFrame):
        df = source.copy()
    elif isinstance(source, Inventory) or str(source).lower().endswith((".xml", ".stationxml")):
        inv = source if isinstance(source, Inventory) else read_inventory(str(source))
        rows = []
        for net in inv:
            for sta in net:
                rows.append(
                    {
                        "network": net.code,
                        "station": sta.code,
                        "latitude": sta.latitude,
                        "longitude": sta.longitude,
                        "elevation_m": sta.elevation,
                        "channels": " ".join(sorted({c.code for c in sta.channels})),
                        "start": sta.start_date,
                        "end": sta.end_date,
                    }
                )
        df = pd.DataFrame(rows, columns=[*STATION_TABLE_COLUMNS, "start", "end"])
    else:
        df = pd.read_csv(source, dtype={"station": str, "network": str, "channels": str})
    missing = {"network", "station", "latitude", "longitude"} - set(df.columns)
    if missing:
        raise ValueError(f"station table lacks columns {sorted(missing)}")
    for col, default in (("elevation_m", 0.0), ("channels", ""), ("start", None), ("end", None)):
        if col not in df.columns:
            df[col] = default

    def to_time(v, is_end):
        if v is None or (isinstance(v, float) and math.isnan(v)) or v == "":
            return None
        t = UTCDateTime(v)
        if is_end and t.year >= 2599:
            return None
        if is_end and len(str(v)) == 10:  # a date: open through that day
            t = t + 86400 - 1e-6
        return t

    df["start"] = [to_time(v, False) for v in df["start"]]
    df["end"] = [to_time(v, True) for v in df["end"]]
    df["channels"] = df["channels"].fillna("").astype(str)
    return df.reset_index(drop=True)


def select_dense_stations(
    stations,
    event: Event,
    min_distance_deg: float = 0.0,
    max_distance_deg: float = 180.0,
    channels: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Dense-network stations open at an event's origin time within a distance range.

    Parameters
    ----------
    stations : path, Inventory or DataFrame
        See :func:`load_station_table`.
    event : Event
    min_distance_deg, max_distance_deg : float
        Epicentral distance range in degrees (inclusive).
    channels : sequence of str, optional
        Priority list; a station is kept if it has one of them and ``channel``
        gets the first available one (tables without channel information keep
        the station with ``channel`` empty).

    Returns
    -------
    DataFrame
        The selected rows sorted by distance with added columns
        ``distance_deg``, ``backazimuth_deg`` (station to event, clockwise
        from north) and ``channel``.
    """
    df = load_station_table(stations)
    t = event.origin
    open_ = [
        (s is None or s <= t) and (e is None or e >= t)
        for s, e in zip(df["start"], df["end"], strict=True)
    ]
    df = df[np.asarray(open_, dtype=bool)].copy()
    dist = np.array(
        [
            locations2degrees(event.latitude, event.longitude, la, lo)
            for la, lo in zip(df["latitude"], df["longitude"], strict=True)
        ]
    )
    baz = np.array(
        [
            gps2dist_azimuth(la, lo, event.latitude, event.longitude)[1]
            for la, lo in zip(df["latitude"], df["longitude"], strict=True)
        ]
    )
    df["distance_deg"] = dist if len(df) else np.array([], dtype=float)
    df["backazimuth_deg"] = baz if len(df) else np.array([], dtype=float)
    df = df[(df["distance_deg"] >= min_distance_deg) & (df["distance_deg"] <= max_distance_deg)]
    prio = list(channels) if channels else []
    chosen = []
    for chs in df["channels"]:
        have = chs.split()
        pick = ""
        if prio and have:
            pick = next((p for p in prio if any(fnmatch.fnmatchcase(h, p) for h in have)), None)
            if pick is not None:
                pick = next(h for h in have if fnmatch.fnmatchcase(h, pick))
        chosen.append(pick)
    df = df.assign(channel=chosen)
    df = df[df["channel"].notna()]
    return df.sort_values(["distance_deg", "network", "station"]).reset_index(drop=True)


def plan_dense_search(
    detections_df: pd.DataFrame,
    dense_networks_cfg: Mapping[str, Mapping],
    events: Iterable[Event],
    min_snr: float = 3.0,
    phases: Iterable[str] = ("PKiKP",),
    min_detections: int = 1,
    station_tables: Mapping[str, object] | None = None,
    min_stations: int = 1,
) -> pd.DataFrame:
    """Second stage: which dense networks to search for which IMS-detected events.

    Parameters
    ----------
    detections_df : DataFrame
        One row per array detection with columns ``event_id``, ``array``,
        ``phase``, ``snr`` (optional ``accept``/``detected`` bool: rows with a
        False value are ignored).
    dense_networks_cfg : dict
        ``{name: {network, data_centre, channels, min_distance_deg,
        max_distance_deg, active: {start, end}, stations: path}}``; the
        distance range defaults to 10-70 deg and ``stations`` (CSV or
        StationXML, see :func:`load_station_table`) is optional.
    events : iterable of Event
    min_snr : float
        Minimum SNR of a detection.
    phases : iterable of str
        Phases whose detections count.
    min_detections : int
        Minimum number of arrays detecting the event.
    station_tables : dict, optional
        ``{name: table}`` overriding ``stations`` of the config.
    min_stations : int
        With a station table, minimum number of open stations in the
        distance range for the pair to be kept.

    Returns
    -------
    DataFrame
        Columns ``event_id``, ``network`` (the config name), ``n_detections``,
        ``arrays`` (comma list), ``best_snr``, ``n_stations`` (NaN without a
        station table), sorted by event time then network.
    """
    cols = ["event_id", "network", "n_detections", "arrays", "best_snr", "n_stations"]
    need = {"event_id", "array", "phase", "snr"}
    if not need <= set(detections_df.columns):
        raise ValueError(
            f"detections table lacks columns {sorted(need - set(detections_df.columns))}"
        )
    det = detections_df[detections_df["phase"].isin(list(phases))]
    det = det[pd.to_numeric(det["snr"], errors="coerce") >= float(min_snr)]
    for flag in ("accept", "detected"):
        if flag in det.columns:
            det = det[det[flag].astype(bool)]
    evs = {e.id: e for e in events}
    unknown = sorted(set(det["event_id"]) - set(evs))
    if unknown:
        raise ValueError(f"detections name events that are not in the event list: {unknown[:5]}")
    tables = dict(station_tables or {})
    loaded: dict[str, pd.DataFrame] = {}
    rows = []
    for eid, grp in det.groupby("event_id", sort=False):
        arrays = sorted(set(grp["array"]))
        if len(arrays) < int(min_detections):
            continue
        ev = evs[eid]
        for name, ncfg in dense_networks_cfg.items():
            active = ncfg.get("active") or {}
            if active.get("start") and ev.origin < UTCDateTime(active["start"]):
                continue
            if active.get("end") and ev.origin >= UTCDateTime(active["end"]):
                continue
            lo = float(ncfg.get("min_distance_deg", 10.0))
            hi = float(ncfg.get("max_distance_deg", 70.0))
            src = tables.get(name, ncfg.get("stations"))
            n_sta = float("nan")
            if src is not None:
                if name not in loaded:
                    loaded[name] = load_station_table(src)
                sel = select_dense_stations(loaded[name], ev, lo, hi, ncfg.get("channels"))
                n_sta = len(sel)
                if n_sta < int(min_stations):
                    continue
            rows.append(
                {
                    "event_id": eid,
                    "network": name,
                    "n_detections": len(arrays),
                    "arrays": ",".join(arrays),
                    "best_snr": float(grp["snr"].max()),
                    "n_stations": n_sta,
                    "_t": ev.origin.timestamp,
                }
            )
    if not rows:
        return pd.DataFrame(columns=cols)
    df = pd.DataFrame(rows).sort_values(["_t", "network"]).drop(columns="_t")
    return df.reset_index(drop=True)[cols]


def dense_array_cfg(ncfg: Mapping, selected: pd.DataFrame) -> dict:
    """Array config for :func:`fetch_pair` restricted to selected dense-network stations."""
    out = dict(ncfg)
    out["station"] = ",".join(sorted(set(selected["station"]))) or "--"
    return out


__all__ = [
    "DEFAULT_CHANNELS",
    "DEFAULT_FETCH",
    "SNAKEMAKE_RESOURCE",
    "STATUSES",
    "HinetClient",
    "RequestFailed",
    "TruncatedMiniSEED",
    "call_with_retries",
    "check_miniseed",
    "choose_channels",
    "deduplicate_events",
    "default_event_id",
    "dense_array_cfg",
    "events_from_csv",
    "fetch_pair",
    "fetch_window",
    "load_station_table",
    "plan_dense_search",
    "query_events",
    "read_fetched",
    "save_events",
    "select_dense_stations",
    "sha256_file",
]
