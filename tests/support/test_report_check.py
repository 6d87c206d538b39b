"""The headless-Chromium report checker (tests/support/report_check.py) on small pages."""

from __future__ import annotations

import base64
import os

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.image import imread

from support.report_check import check_report_images, find_chromium, render_report_images


@pytest.fixture(scope="module")
def chromium():
    path = find_chromium()
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is not installed (.ci/install_system_deps.sh)")
        pytest.skip("chromium not installed")
    return path


@pytest.fixture()
def site(tmp_path):
    fig = Figure(figsize=(2.4, 1.6))
    FigureCanvasAgg(fig)
    fig.add_subplot(1, 1, 1).plot(np.arange(5.0))
    fig.savefig(tmp_path / "good.png", dpi=100)
    h, w = imread(tmp_path / "good.png").shape[:2]
    return tmp_path, w, h


def _b64(path):
    return base64.b64encode(path.read_bytes()).decode()


def test_one_good_one_broken_image(site, chromium):
    root, w, h = site
    (root / "page.html").write_text(
        '<html><body><img src="good.png"><img src="missing.png"></body></html>'
    )
    res = render_report_images(root / "page.html", chromium=chromium)
    by_name = {r["src"].rsplit("/", 1)[-1]: r for r in res}
    assert by_name["good.png"]["naturalWidth"] == w and by_name["good.png"]["naturalHeight"] == h
    assert by_name["missing.png"]["naturalWidth"] == 0
    with pytest.raises(AssertionError, match=r"(?s)1 of 2 images failed.*missing\.png"):
        check_report_images(root / "page.html", chromium=chromium)


def test_scripted_and_embedded_images_pass(site, chromium):
    """Images added by script after load, and data URIs kept in script data (as Snakemake does)."""
    root, w, _ = site
    uri = f"data:image/png;charset=utf8;filename=good.png;base64,{_b64(root / 'good.png')}"
    (root / "report.html").write_text(
        "<html><body><div id='c'></div><script>"
        f"var results = {{'fig': {{'data_uri': '{uri}'}}}};"
        "setTimeout(function () { var i = document.createElement('img');"
        " i.src = 'good.png'; document.getElementById('c').appendChild(i); }, 300);"
        "</script></body></html>"
    )
    res = check_report_images(
        root / "report.html", min_images=2, expect=["good.png"], chromium=chromium
    )
    assert {r["where"] for r in res} == {"page", "embedded"}
    assert all(r["naturalWidth"] == w for r in res)
    with pytest.raises(AssertionError, match="no image for"):
        check_report_images(root / "report.html", expect=["map.png"], chromium=chromium)


def test_corrupt_embedded_image_and_empty_page(site, chromium):
    root, _, _ = site
    junk = base64.b64encode(b"not a png at all" * 10).decode()
    (root / "bad.html").write_text(
        f"<html><body><script>var d = 'data:image/png;base64,{junk}';</script></body></html>"
    )
    with pytest.raises(AssertionError, match="embedded"):
        check_report_images(root / "bad.html", chromium=chromium)
    (root / "empty.html").write_text("<html><body><p>no figures</p></body></html>")
    with pytest.raises(AssertionError, match="found 0 images"):
        check_report_images(root / "empty.html", chromium=chromium)


def test_missing_report_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        render_report_images(tmp_path / "nope.html")
