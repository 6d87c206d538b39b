"""Check that the figures of an HTML report load in a real (headless) browser.

Usage from a test::

    from support.report_check import check_report_images, find_chromium

    results = check_report_images("results/report.html")  # AssertionError if any is broken

How it works: the report's folder is served on ``127.0.0.1`` (an ephemeral
port) together with a small wrapper page. The wrapper loads the report in a
same-origin ``<iframe>`` and, beside it, every ``data:image/...`` URI found in
the report's source (Snakemake's self-contained report keeps its figures as
embedded data URIs that are only turned into ``<img>`` elements when a result
is opened). After the page has loaded and the report's scripts have run,
a script in the wrapper records ``complete`` and ``naturalWidth`` of every
image (the report's rendered ``<img>`` elements and the embedded ones) into
the DOM, which headless Chromium prints with ``--dump-dom``
(``--virtual-time-budget`` lets timers and image decoding finish first).
An image counts as loaded when ``naturalWidth > 0``.

Chromium never leaves the machine: every host name but 127.0.0.1 resolves to
NOTFOUND, and background networking, sync and component updates are off.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

WRAPPER = "__corephase_report_check__.html"
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "chromium")
# data URIs of images, with optional parameters (Snakemake: ";charset=utf8;filename=x.png")
_DATA_URI = re.compile(
    r"data:image/(?:png|jpeg|jpg|gif|webp|svg\+xml)(?:;[\w.+-]+=[^;,\"'\s]*)*;base64,"
    r"[A-Za-z0-9+/=]+"
)

_SCRIPT = r"""
<script>
function record(img, where) {
  var s = img.currentSrc || img.src || "";
  if (s.startsWith("data:")) s = s.slice(0, s.indexOf(",") + 1);
  return {where: where, src: s.slice(0, 400),
          complete: img.complete, naturalWidth: img.naturalWidth,
          naturalHeight: img.naturalHeight};
}
function settle(img) {
  if (img.complete) return Promise.resolve();
  return new Promise(function (res) {
    img.addEventListener("load", res); img.addEventListener("error", res);
  });
}
window.addEventListener("load", function () {
  setTimeout(function () {
    var frame = document.getElementById("report");
    var inner = [];
    var error = null;
    try { inner = Array.from(frame.contentDocument.images); }
    catch (e) { error = String(e); }
    var outer = Array.from(document.querySelectorAll("#embedded img"));
    Promise.all(inner.concat(outer).map(settle)).then(function () {
      var out = {error: error,
                 images: inner.map(function (i) { return record(i, "page"); })
                   .concat(outer.map(function (i) { return record(i, "embedded"); }))};
      var pre = document.createElement("pre");
      pre.id = "result";
      pre.textContent = JSON.stringify(out);
      document.body.appendChild(pre);
    });
  }, 1500);
});
</script>
"""


def find_chromium() -> str | None:
    """Path of a Chromium binary, or None (``$CHROMIUM`` first, then Debian's paths)."""
    for c in (os.environ.get("CHROMIUM"), *CHROMIUM_CANDIDATES):
        if c and shutil.which(c):
            return shutil.which(c)
    return None


def _wrapper_page(report_name: str, data_uris: list[str]) -> bytes:
    imgs = "\n".join(f'<img alt="embedded {i}" src="{u}">' for i, u in enumerate(data_uris))
    page = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>report check</title></head>"
        f"<body><iframe id='report' src='{report_name}' width='1280' height='900'></iframe>"
        f"<div id='embedded'>{imgs}</div>{_SCRIPT}</body></html>"
    )
    return page.encode()


class _Handler(SimpleHTTPRequestHandler):
    def __init__(self, *args, wrapper: bytes, **kwargs):
        self._wrapper = wrapper
        super().__init__(*args, **kwargs)

    def do_GET(self):
        if self.path.split("?")[0] == "/" + WRAPPER:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(self._wrapper)))
            self.end_headers()
            self.wfile.write(self._wrapper)
            return
        super().do_GET()

    def log_message(self, *args):  # keep test output quiet
        pass


def render_report_images(
    html_path, chromium: str | None = None, timeout_s: float = 120.0, budget_ms: int = 20000
) -> list[dict]:
    """Load ``html_path`` in headless Chromium and return the state of every image.

    Each result has ``where`` ("page": an ``<img>`` in the rendered report;
    "embedded": a data URI found in its source), ``src`` (the URL; for data URIs
    only the header up to the comma), ``complete``, ``naturalWidth`` and ``naturalHeight`` (px).

    Raises
    ------
    FileNotFoundError
        No report file, or no Chromium.
    RuntimeError
        Chromium failed or the wrapper did not report a result.
    """
    html_path = Path(html_path).resolve()
    if not html_path.is_file():
        raise FileNotFoundError(f"report {html_path} does not exist")
    chromium = chromium or find_chromium()
    if chromium is None:
        raise FileNotFoundError("Chromium not found (apt-get install chromium)")
    source = html_path.read_text(errors="replace")
    uris = list(dict.fromkeys(_DATA_URI.findall(source)))
    wrapper = _wrapper_page(html_path.name, uris)
    handler = partial(_Handler, wrapper=wrapper, directory=str(html_path.parent))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/{WRAPPER}"
        with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
            cmd = [
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--disable-default-apps",
                "--no-pings",
                "--disable-dev-shm-usage",
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                f"--user-data-dir={profile}",
                f"--virtual-time-budget={int(budget_ms)}",
                "--dump-dom",
                url,
            ]
            proc = subprocess.run(
                cmd, capture_output=True, text=True, timeout=timeout_s, check=False
            )
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    m = re.search(r'<pre id="result">(.*?)</pre>', proc.stdout, re.S)
    if m is None:
        raise RuntimeError(
            f"Chromium returned no result (exit {proc.returncode}); "
            f"stderr tail: {proc.stderr[-800:]}"
        )
    out = json.loads(html.unescape(m.group(1)))
    if out.get("error"):
        raise RuntimeError(f"could not read the report's DOM: {out['error']}")
    return out["images"]


def check_report_images(
    html_path, min_images: int = 1, expect: tuple[str, ...] | list[str] = (), **kwargs
) -> list[dict]:
    """Assert that every image of the report loads (``naturalWidth > 0``).

    Parameters
    ----------
    html_path : path
        The HTML report (e.g. from ``snakemake --report report.html``).
    min_images : int
        Fail if fewer images than this are found (a report whose figures were
        dropped must not pass).
    expect : sequence of str
        File names (e.g. ``"map_global.png"``) that must each appear in the
        ``src`` of some image (Snakemake embeds ``filename=<name>`` in its data
        URIs; linked images carry the name in their URL).
    **kwargs
        Passed to :func:`render_report_images`.

    Returns
    -------
    list of dict
        The per-image results (see :func:`render_report_images`).
    """
    images = render_report_images(html_path, **kwargs)
    if len(images) < min_images:
        raise AssertionError(f"{html_path}: found {len(images)} images, expected >= {min_images}")
    missing = [
        name
        for name in expect
        if not any(
            f"filename={name};" in i["src"] or i["src"].endswith("/" + name) for i in images
        )
    ]
    if missing:
        raise AssertionError(f"{html_path}: no image for {missing}")
    broken = [i for i in images if not (i["complete"] and i["naturalWidth"] > 0)]
    if broken:
        lines = [
            f"  {b['where']}: {b['src']!r} (naturalWidth {b['naturalWidth']})" for b in broken
        ]
        raise AssertionError(
            f"{html_path}: {len(broken)} of {len(images)} images failed to load:\n"
            + "\n".join(lines)
        )
    return images
