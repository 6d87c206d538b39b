"""One FDSN base URL on 127.0.0.1 for dataselect, station and event, with fault injection.

``/fdsnws/dataselect/1/*`` is forwarded to the portable dataselect server;
``/fdsnws/station/1/*`` and ``/fdsnws/event/1/*`` are answered here from a
StationXML and a QuakeML file (see :mod:`.metadata`). Faults are set per test
in :attr:`FrontServer.faults` and apply to ``query`` requests only, so ObsPy's
service discovery (``application.wadl``) always works.
"""

from __future__ import annotations

import fnmatch
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from obspy import read_events, read_inventory

from . import metadata as md

#: Fault kinds understood by the front server.
FAULT_KINDS = (
    "http500",  # answer 500 (FDSN error text)
    "http503",  # answer 503
    "delay",  # wait delay_s before answering normally (a client timeout if longer)
    "truncate",  # forward, then cut the body by cut_bytes (Content-Length consistent)
    "nodata",  # answer 204
    "drop_station",  # dataselect: remove the station's lines before forwarding (204 if none left)
    "forbidden",  # answer 403 to any request naming the station
)


@dataclass
class Fault:
    """A fault for requests of ``service`` naming a station matching ``station``.

    ``times`` limits how often it fires (None: always); ``hits`` counts firings.
    """

    kind: str
    service: str = "dataselect"
    station: str | None = None
    times: int | None = None
    delay_s: float = 0.0
    cut_bytes: int = 1000
    hits: int = 0

    def __post_init__(self):
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; use one of {FAULT_KINDS}")


@dataclass
class RequestRecord:
    service: str
    method: str
    path: str
    stations: list[str]
    status: int
    faults: list[str] = field(default_factory=list)


def _request_stations(params, lines) -> list[str]:
    out = [v for k, v in params if k.lower() in ("station", "sta")]
    out += [ln.split()[1] for ln in lines if len(ln.split()) >= 2]
    return out


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: FrontServer

    def log_message(self, format, *args):  # quiet
        pass

    # ------------------------------------------------------------ plumbing
    def _send(self, status: int, body: bytes = b"", ctype: str = "text/plain") -> None:
        try:
            self.send_response(status)
            if status != 204:
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
            else:
                self.send_header("Content-Length", "0")
            self.end_headers()
            if body and status != 204:
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout test)

    def _error(self, status: int, msg: str) -> None:
        self._send(status, md.error_text(status, msg, self.path))

    def do_GET(self):
        self._dispatch("GET", b"")

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        self._dispatch("POST", self.rfile.read(n) if n else b"")

    # ------------------------------------------------------------ routing
    def _dispatch(self, method: str, body: bytes) -> None:
        parts = urlsplit(self.path)
        segs = [s for s in parts.path.split("/") if s]
        if len(segs) < 4 or segs[0] != "fdsnws" or segs[2] != "1":
            return self._error(404, "not an fdsnws path")
        service, endpoint = segs[1], "/".join(segs[3:])
        if service not in ("dataselect", "station", "event"):
            return self._error(404, f"unknown service {service!r}")
        if endpoint == "version":
            return self._send(200, b"1.1.0\n")
        if service != "dataselect" and endpoint == "application.wadl":
            return self._send(200, md.wadl(service, self.server.base_url), "application/xml")
        if endpoint != "query":
            if service == "dataselect":
                return self._forward(method, body, service, [], None)
            return self._error(404, f"unknown endpoint {endpoint!r}")

        if method == "POST":
            params, lines = md.parse_post_body(body.decode("utf-8", "replace"))
        else:
            params, lines = md.parse_query_string(parts.query), []
        stations = _request_stations(params, lines)
        fired = self.server.pick_faults(service, stations)
        rec = RequestRecord(service, method, self.path, stations, 0, [f.kind for f in fired])
        self.server.record(rec)

        for f in fired:
            if f.kind == "delay":
                self.server.stopping.wait(f.delay_s)
        for f in fired:
            if f.kind in ("http500", "http503"):
                rec.status = int(f.kind[4:])
                return self._error(rec.status, "injected server error")
            if f.kind == "nodata":
                rec.status = 204
                return self._send(204)
            if f.kind == "forbidden":
                rec.status = 403
                return self._error(403, f"access to station {f.station} is restricted")
        drop = [f.station for f in fired if f.kind == "drop_station"]
        if drop:
            lines = [
                ln for ln in lines if not any(fnmatch.fnmatch(ln.split()[1], d) for d in drop)
            ]
            if method == "GET" or not lines:
                rec.status = 204
                return self._send(204)
            body = "\n".join([f"{k}={v}" for k, v in params] + lines).encode() + b"\n"
        if service == "dataselect":
            trunc = [f for f in fired if f.kind == "truncate"]
            rec.status = self._forward(method, body, service, trunc, rec)
            return None
        try:
            if service == "station":
                reply = md.station_query(self.server.inventory, params, lines)
            else:
                reply = md.event_query(self.server.catalog, params)
        except md.BadRequest as exc:
            rec.status = 400
            return self._error(400, str(exc))
        rec.status = reply.status
        if reply.status == 404:
            return self._error(404, "no data")
        return self._send(reply.status, reply.body, reply.ctype)

    def _forward(self, method, body, service, trunc, rec) -> int:
        url = self.server.dataselect_url + self.path
        req = urllib.request.Request(url, data=body if method == "POST" else None, method=method)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                status, data = r.status, r.read()
                ctype = r.headers.get("Content-Type", "application/vnd.fdsn.mseed")
        except urllib.error.HTTPError as e:
            status, data, ctype = e.code, e.read(), "text/plain"
        if status == 200 and trunc and data:
            cut = max(1, min(len(data) - 1, trunc[0].cut_bytes))
            data = data[: len(data) - cut]
        self._send(status, data, ctype)
        return status


class FrontServer(ThreadingHTTPServer):
    """The front server; start with :meth:`start`, stop with :meth:`stop`."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, dataselect_url: str, stationxml, quakeml):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.dataselect_url = dataselect_url.rstrip("/")
        self.inventory = read_inventory(str(stationxml))
        self.catalog = read_events(str(quakeml))
        self.faults: list[Fault] = []
        self.requests: list[RequestRecord] = []
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def pick_faults(self, service: str, stations: list[str]) -> list[Fault]:
        fired = []
        with self._lock:
            for f in self.faults:
                if f.service != service:
                    continue
                if f.station is not None and not any(
                    fnmatch.fnmatch(s, f.station) or fnmatch.fnmatch(f.station, s)
                    for s in stations
                ):
                    continue
                if f.times is not None and f.hits >= f.times:
                    continue
                f.hits += 1
                fired.append(f)
        return fired

    def record(self, rec: RequestRecord) -> None:
        with self._lock:
            self.requests.append(rec)

    def reset(self) -> None:
        with self._lock:
            self.faults = []
            self.requests = []

    def start(self) -> FrontServer:
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.1})
        self._thread.daemon = True
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.shutdown()
        self.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
