"""Run EarthScope's portable-fdsnws-dataselect server over miniSEED files.

The server (PyPI ``portable-fdsnws-dataselect==1.2.0``, which imports
``future``) reads a time-series index built by ``mseedindex`` (PyPI
``mseedindex``, which ships the C program). Version 2.0.2 of the server
answers HTTP 200 with an empty body whenever a request window cuts through a
miniSEED record (checked on the YKA file), so 1.2.0 is pinned.
"""

from __future__ import annotations

import configparser
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path


def free_port() -> int:
    """A TCP port that is free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tool(name: str) -> str:
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if not found:
        raise FileNotFoundError(
            f"{name} not found (pip install portable-fdsnws-dataselect==1.2.0 future mseedindex)"
        )
    return found


def build_index(files, db: Path) -> Path:
    """Index miniSEED ``files`` into the SQLite database ``db`` with mseedindex."""
    files = [str(Path(f).resolve()) for f in files]
    if not files:
        raise ValueError("no miniSEED files to index")
    res = subprocess.run(
        [_tool("mseedindex"), "-sqlite", str(db), *files],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if res.returncode != 0:
        raise RuntimeError(f"mseedindex failed ({res.returncode}): {res.stderr[-2000:]}")
    return db


class PortableDataselect:
    """The portable fdsnws-dataselect server in a subprocess on 127.0.0.1.

    Use as a context manager; ``base_url`` is ``http://127.0.0.1:PORT``.
    """

    def __init__(self, files, workdir: Path, startup_timeout_s: float = 20.0):
        self.files = list(files)
        self.workdir = Path(workdir)
        self.startup_timeout_s = startup_timeout_s
        self.proc: subprocess.Popen | None = None
        self.port: int | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> PortableDataselect:
        self.workdir.mkdir(parents=True, exist_ok=True)
        db = build_index(self.files, self.workdir / "timeseries.sqlite")
        for _attempt in range(3):  # the free port may be taken between probe and bind
            self.port = free_port()
            cfg = configparser.ConfigParser()
            cfg["index_db"] = {"path": str(db), "table": "tsindex"}
            cfg["server"] = {"interface": "127.0.0.1", "port": str(self.port)}
            cfg["logging"] = {"path": str(self.workdir / "dataselect.log"), "level": "INFO"}
            ini = self.workdir / "server.ini"
            with open(ini, "w") as fh:
                cfg.write(fh)
            self._log = open(self.workdir / "stdout.log", "ab")
            self.proc = subprocess.Popen(
                [sys.executable, _tool("portable-fdsnws-dataselect"), str(ini)],
                stdout=self._log,
                stderr=subprocess.STDOUT,
                cwd=self.workdir,
            )
            if self._wait_ready():
                return self
            self.stop()
        raise RuntimeError(
            "portable-fdsnws-dataselect did not start; see " + str(self.workdir / "stdout.log")
        )

    def _wait_ready(self) -> bool:
        deadline = time.monotonic() + self.startup_timeout_s
        url = f"{self.base_url}/fdsnws/dataselect/1/version"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                with urllib.request.urlopen(url, timeout=1) as r:
                    if r.status == 200:
                        return True
            except (urllib.error.URLError, OSError):
                time.sleep(0.1)
        return False

    def stop(self) -> None:
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.terminate()
                try:
                    self.proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(timeout=10)
            self.proc = None
        if getattr(self, "_log", None):
            self._log.close()
            self._log = None

    def __enter__(self) -> PortableDataselect:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
