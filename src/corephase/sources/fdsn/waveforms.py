"""Waveforms and StationXML of one event x array pair (:func:`fetch_pair`).

A pair is fetched in steps: reuse an earlier complete record, or request the
stations (response level), choose one channel per station, request the
waveforms (one bulk request, then station by station for what is missing), and
finish by trimming to the window, writing both outputs atomically and recording
the status and provenance.
"""

from __future__ import annotations

import copy
import fnmatch
import json
import logging
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from obspy import Inventory, Stream, UTCDateTime

from corephase import __version__
from corephase.config.fetch import FetchSettings
from corephase.io.files import read_json, write_inventory, write_json, write_stream
from corephase.model.events import Event
from corephase.sources.fdsn.client import (
    RequestFailed,
    call_with_retries,
    failure_reason,
    make_client,
)
from corephase.sources.fdsn.miniseed import download_waveforms, sha256_file

log = logging.getLogger("corephase.sources.fdsn")

#: Pair and station statuses.
STATUSES = ("ok", "partial", "no_data", "restricted", "error")

#: Channel priority when an array config names none (first available per station wins;
#: the schema's default of an array's ``channels``).
DEFAULT_CHANNELS = ("SHZ", "BHZ", "HHZ")


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


def _reused_record(out_mseed: Path, out_stationxml: Path, record_path: Path) -> dict | None:
    """Step "reuse": the record of an earlier call whose outputs are still intact.

    Kept if both outputs and the record exist, its status is not ``error`` and
    the miniSEED checksum still matches.
    """
    if not (out_mseed.exists() and out_stationxml.exists() and record_path.exists()):
        return None
    try:
        rec = read_json(record_path)
    except (OSError, ValueError):
        return None
    if (
        rec
        and rec.get("status") != "error"
        and rec.get("provenance", {}).get("sha256", {}).get("mseed") == sha256_file(out_mseed)
    ):
        rec["reused"] = True
        return rec
    return None


class _PairFetch:
    """One pair's requests: the record being built and the steps that fill it."""

    def __init__(self, array_name, array_cfg, event, window, settings, out_mseed, out_sxml):
        import obspy

        self.t0, self.t1 = (UTCDateTime(t) for t in window)
        self.settings = settings
        self.out_mseed, self.out_stationxml = Path(out_mseed), Path(out_sxml)
        self.record_path = self.out_mseed.with_name(self.out_mseed.name + ".fetch.json")
        self.what = f"{array_name}/{event.id}"
        self.channels = list(array_cfg.get("channels") or DEFAULT_CHANNELS)
        self.query = {
            "network": array_cfg.get("network", "*"),
            "station": array_cfg.get("station", "*"),
            "location": array_cfg.get("location", "*"),
            "channel": ",".join(self.channels),
        }
        self.prov = {
            "data_centre": array_cfg.get("data_centre", "IRIS"),
            "base_url": None,
            "station_request": {
                **self.query,
                "starttime": str(self.t0),
                "endtime": str(self.t1),
                "level": "response",
            },
            "bulk": [],
            "request_time": str(UTCDateTime()),
            "attempts": {},
            "corephase_version": __version__,
            "obspy_version": obspy.__version__,
            "pad_s": settings.pad_s,
            "timeout_s": settings.timeout_s,
            "retries": settings.retries,
        }
        self.result = {
            "array": array_name,
            "event_id": event.id,
            "status": "error",
            "reason": "",
            "window": {"start": str(self.t0), "end": str(self.t1)},
            "stations": {},
            "n_stations": 0,
            "n_ok": 0,
            "reused": False,
            "provenance": self.prov,
        }

    def _call(self, func: Callable, what: str):
        s = self.settings
        return call_with_retries(func, s.retries, s.backoff_s, f"{self.what} {what}")

    def stations(self, client) -> Inventory:
        """Step "stations": the response-level inventory of the array in the window."""
        inv, self.prov["attempts"]["station"] = self._call(
            lambda: client.get_stations(
                **self.query, starttime=self.t0, endtime=self.t1, level="response"
            ),
            "station query",
        )
        return inv

    def bulk_lines(self, choice: dict) -> list[tuple]:
        """The dataselect lines of the chosen channels (window padded by ``pad_s``)."""
        pad = self.settings.pad_s
        bulk = [
            (*k.split(".")[:2], c["location"], c["channel"], self.t0 - pad, self.t1 + pad)
            for k, c in sorted(choice.items())
        ]
        self.prov["bulk"] = [[b[0], b[1], b[2] or "--", b[3], str(b[4]), str(b[5])] for b in bulk]
        self.result["stations"] = {
            k: {**c, "status": "error", "reason": "", "coverage": 0.0}
            for k, c in sorted(choice.items())
        }
        return bulk

    def waveforms(self, client, bulk: list[tuple]) -> Stream:
        """Step "waveforms": one bulk request, then single requests for what is missing.

        After two consecutive failing single requests the service is taken to
        be down: the remaining stations are not requested (no retries x timeout each).
        """
        stations = self.result["stations"]
        attempts = self.prov["attempts"]
        got = Stream()
        try:
            got, attempts["bulk"] = self._call(
                lambda: download_waveforms(client, bulk), "bulk dataselect"
            )
            missing = [b for b in bulk if not got.select(network=b[0], station=b[1], channel=b[3])]
        except RequestFailed as exc:
            attempts["bulk"] = exc.attempts
            missing = list(bulk)
            if exc.kind == "no_data":
                for s in stations.values():
                    s.update(status="no_data", reason="HTTP 204 for the bulk request")
                missing = []
            else:
                log.info(
                    "%s: bulk request failed (%s); requesting stations one by one", self.what, exc
                )
        attempts["single"] = {}
        consecutive_errors, last_reason = 0, ""
        for b in missing:
            key = f"{b[0]}.{b[1]}"
            if consecutive_errors >= 2:
                stations[key].update(
                    status="error", reason=f"not requested after repeated errors ({last_reason})"
                )
                continue
            try:
                st1, attempts["single"][key] = self._call(
                    lambda b=b: download_waveforms(client, [b]), key
                )
                got += st1.select(network=b[0], station=b[1], channel=b[3])
                consecutive_errors = 0
            except RequestFailed as exc:
                attempts["single"][key] = exc.attempts
                stations[key].update(status=exc.kind, reason=exc.reason)
                consecutive_errors = consecutive_errors + 1 if exc.kind == "error" else 0
                last_reason = exc.reason
        return got

    def trim(self, got: Stream, bulk: list[tuple]) -> Stream:
        """The traces of each chosen channel merged and trimmed to the window; station
        statuses and coverage updated."""
        stations = self.result["stations"]
        out = Stream()
        for b in bulk:
            key = f"{b[0]}.{b[1]}"
            st1 = got.select(network=b[0], station=b[1], location=b[2], channel=b[3]).copy()
            st1.merge(method=-1)
            st1.trim(self.t0, self.t1)
            st1 = Stream([tr for tr in st1 if tr.stats.npts > 0])
            if len(st1):
                cov = round(_station_coverage(st1, self.t0, self.t1), 6)
                stations[key].update(status="ok", reason="", coverage=cov)
                out += st1
            elif stations[key]["status"] == "error" and not stations[key]["reason"]:
                stations[key].update(status="no_data", reason="no samples in the window")
        return out

    def finish(self, stream: Stream, inv: Inventory, status: str, reason: str) -> dict:
        """Step "finish": write both outputs and the record; return the record."""
        _write_outputs(stream, inv, self.out_mseed, self.out_stationxml)
        result, stations = self.result, self.result["stations"]
        result["status"], result["reason"] = status, reason
        result["n_stations"] = len(stations)
        result["n_ok"] = sum(s["status"] == "ok" for s in stations.values())
        self.prov["sha256"] = {
            "mseed": sha256_file(self.out_mseed),
            "stationxml": sha256_file(self.out_stationxml),
        }
        self.prov["n_traces"] = len(stream)
        write_json(result, self.record_path)
        log.info("%s: %s %s", self.what, status, reason)
        return json.loads(json.dumps(result))


def fetch_pair(
    array_name: str,
    array_cfg: Mapping,
    event: Event,
    window: tuple,
    settings: FetchSettings | None,
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
        comma lists allowed), ``channels`` (priority order, default
        :data:`DEFAULT_CHANNELS`), ``data_centre`` (default IRIS).
    event : Event
    window : (UTCDateTime, UTCDateTime)
        Record window (absolute times; the pair's
        :func:`corephase.model.traveltimes.record_window` after the origin).
    settings : corephase.config.fetch.FetchSettings or None
        Timeout, retries, backoff and padding of the requests (defaults if None).
    out_mseed, out_stationxml : path
        Outputs, written atomically whatever the status (an empty miniSEED is a
        zero-byte file, see :mod:`corephase.sources.fdsn`).
    client_factory : callable, optional
        ``client_factory(data_centre, timeout_s)`` returning an ObsPy-like
        client; default :func:`~corephase.sources.fdsn.client.make_client`.
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
    settings = settings if settings is not None else FetchSettings()
    job = _PairFetch(array_name, array_cfg, event, window, settings, out_mseed, out_stationxml)
    if reuse:
        rec = _reused_record(job.out_mseed, job.out_stationxml, job.record_path)
        if rec is not None:
            return rec
    try:
        client = (client_factory or make_client)(job.prov["data_centre"], settings.timeout_s)
    except Exception as exc:
        return job.finish(
            Stream(), _empty_inventory(), "error", f"no client: {failure_reason(exc)}"
        )
    job.prov["base_url"] = getattr(client, "base_url", None)
    try:
        inv = job.stations(client)
    except RequestFailed as exc:
        job.prov["attempts"]["station"] = exc.attempts
        status = exc.kind if exc.kind in ("no_data", "restricted") else "error"
        return job.finish(Stream(), _empty_inventory(), status, f"station service: {exc.reason}")
    inv_sel, choice = choose_channels(inv, job.channels, job.t0, job.t1)
    if not choice:
        reason = f"no station open during the window with {job.channels}"
        return job.finish(Stream(), inv_sel, "no_data", reason)
    bulk = job.bulk_lines(choice)
    out = job.trim(job.waveforms(client, bulk), bulk)
    return job.finish(out, inv_sel, *_pair_status(job.result["stations"]))
