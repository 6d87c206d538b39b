"""Maps and summary figures of the detection catalogue."""

from __future__ import annotations

import logging
import os
import socket

import numpy as np
import pandas as pd
import pytest
from cartopy.io import DownloadWarning
from matplotlib.image import imread

from corephase.analysis.catalogue import build_catalogue
from corephase.model.traveltimes import distance_backazimuth, first_arrivals
from corephase.plotting.catalogue import (
    pkikp_pcp_prediction,
    plot_detection_histogram,
    plot_pkikp_pcp,
)
from corephase.plotting.maps import SYSTEM_DATA_DIRS, find_coastline_data, plot_map

# array reference points (mean element position of the IMS arrays)
ARRAYS = {
    "ILAR": (64.771, -146.880),
    "IMAR": (65.985, -153.754),
    "BCAR": (63.063, -141.774),
    "YKA": (62.499, -114.674),
    "NVAR": (38.429, -118.281),
    "PDAR": (42.766, -109.563),
    "TXAR": (29.335, -103.673),
    "ASAR": (-23.667, 133.936),
    "WRA": (-19.919, 134.388),
    "PSAR": (-21.572, 119.849),
}
EVENTS = {
    "2014-06-23-rat-islands": (51.95, 178.58, 109.0),
    "tonga-deep": (-20.0, -178.0, 600.0),
}
NOISE_S = 0.3


def _catalogue_of(events: dict, arrays: dict, seed=3):
    """A catalogue of every event x array pair; PKiKP detected below 60 deg."""
    rng = np.random.default_rng(seed)
    tables, metas = [], []
    for ev, (elat, elon, dep) in events.items():
        for ar, (alat, alon) in arrays.items():
            dist, baz, _ = distance_backazimuth(elat, elon, alat, alon)
            arr = first_arrivals(dep, dist, ["PKiKP", "PcP"])
            rows = []
            for ph in ("PKiKP", "PcP"):
                a = arr.get(ph)
                if a is None:
                    continue
                # PKiKP seen at the closer half of the arrays only
                det = ph == "PcP" or dist < 60
                rows.append(
                    dict(
                        event=ev,
                        array=ar,
                        phase=ph,
                        band="1-4Hz",
                        stack="pws",
                        t_theory_s=a.time,
                        slowness_theory_s_deg=a.slowness_s_deg,
                        baz_theory_deg=baz,
                        snr=8.0 if det else 1.5,
                        snr_lo=6.0,
                        snr_hi=10.0,
                        slowness_obs_s_deg=a.slowness_s_deg,
                        slowness_err_s_deg=0.1,
                        baz_obs_deg=baz,
                        baz_err_deg=2.0,
                        t_peak_s=a.time + rng.normal(0, NOISE_S),
                        coherence=0.4,
                        detected=det,
                        decided_by="snr",
                        reason="",
                        n_elements=19,
                    )
                )
            tables.append(pd.DataFrame(rows))
            metas.append(
                dict(
                    event=ev,
                    array=ar,
                    event_lat=elat,
                    event_lon=elon,
                    event_depth_km=dep,
                    array_lat=alat,
                    array_lon=alon,
                    distance_deg=dist,
                    status="ok",
                )
            )
    return build_catalogue(tables, metas)


def _catalogue(seed=3):
    return _catalogue_of(EVENTS, ARRAYS, seed)


@pytest.fixture(scope="module")
def cat():
    return _catalogue()


@pytest.fixture(autouse=True)
def fresh_cartopy_caches(monkeypatch):
    """Cartopy caches coastline geometries per process; each test starts empty."""
    import cartopy.feature as cfeature

    monkeypatch.setattr(cfeature, "_NATURAL_EARTH_GEOM_CACHE", {})
    monkeypatch.setattr(cfeature.GSHHSFeature, "_geometries_cache", {})


@pytest.fixture()
def no_network(monkeypatch):
    """Any attempt to resolve or connect raises: proves that nothing is downloaded."""

    def refuse(*args, **kwargs):
        raise OSError("network access attempted during a test")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.fixture()
def empty_cartopy_dirs(tmp_path, monkeypatch):
    """Point every cartopy data directory at an empty temporary folder."""
    import cartopy

    empty = tmp_path / "cartopy-empty"
    empty.mkdir()
    monkeypatch.setitem(cartopy.config, "data_dir", empty)
    monkeypatch.setitem(cartopy.config, "pre_existing_data_dir", empty)
    monkeypatch.delenv("CARTOPY_DATA_DIR", raising=False)
    return empty


def _write_gshhs_box(root, lon0, lon1, lat0, lat1):
    """A one-polygon shapefile laid out like GSHHS coarse level 1 (cartopy's layout)."""
    import shapefile

    d = root / "shapefiles" / "gshhs" / "c"
    d.mkdir(parents=True)
    with shapefile.Writer(str(d / "GSHHS_c_L1"), shapeType=shapefile.POLYGON) as w:
        w.field("id", "N")
        w.poly([[[lon0, lat0], [lon0, lat1], [lon1, lat1], [lon1, lat0], [lon0, lat0]]])
        w.record(1)
    return root


def _png(path):
    img = imread(path)
    assert img.ndim == 3 and img.shape[0] > 300 and img.shape[1] > 300
    return img


def test_map_without_coastline_data(cat, tmp_path, no_network, empty_cartopy_dirs, caplog):
    out = tmp_path / "global.png"
    with caplog.at_level(logging.WARNING, logger="corephase.plotting.maps"):
        info = plot_map(cat, out, "global", coastline_dirs=[empty_cartopy_dirs])
    assert info["coastlines"] == "none"
    assert "coastlines not drawn" in caplog.text
    _png(out)
    assert info["n_events"] == len(EVENTS) and info["n_arrays"] == len(ARRAYS)
    assert info["n_paths"] == len(EVENTS) * len(ARRAYS)
    n_pkikp_det = int(((cat["phase"] == "PKiKP") & cat["detected"]).sum())
    assert info["n_detected"]["PKiKP"] == n_pkikp_det


@pytest.fixture()
def ne_downloader():
    """Cartopy's Natural Earth downloader, to point at a local ``file://`` URL."""
    import cartopy

    return cartopy.config["downloaders"][("shapefiles", "natural_earth")]


def test_download_path_reads_configured_source(
    cat, tmp_path, no_network, empty_cartopy_dirs, ne_downloader, monkeypatch
):
    """allow_download fetches Natural Earth through cartopy's downloader (here a local zip)."""
    import zipfile

    import shapefile

    src = tmp_path / "ne-src"
    src.mkdir()
    with shapefile.Writer(str(src / "ne_110m_coastline"), shapeType=shapefile.POLYLINE) as w:
        w.field("id", "N")
        w.line([[[120.0, -30.0], [140.0, -30.0], [140.0, -15.0]]])
        w.record(1)
    with zipfile.ZipFile(src / "ne_110m_coastline.zip", "w") as z:
        for ext in (".shp", ".shx", ".dbf"):
            z.write(src / f"ne_110m_coastline{ext}", f"ne_110m_coastline{ext}")
    monkeypatch.setattr(
        ne_downloader, "url_template", src.as_uri() + "/ne_{resolution}_{name}.zip"
    )
    with pytest.warns(DownloadWarning, match="file://"):
        info = plot_map(
            cat, tmp_path / "dl.png", "australia", coastline_dirs=[], allow_download=True
        )
    assert info["coastlines"] == "natural_earth:download"
    assert list(empty_cartopy_dirs.rglob("ne_110m_coastline.shp"))
    _png(tmp_path / "dl.png")


def test_download_failure_falls_back(
    cat, tmp_path, no_network, empty_cartopy_dirs, ne_downloader, monkeypatch, caplog
):
    """allow_download with an unreachable source: warning, map still written."""
    missing = (tmp_path / "nowhere").as_uri() + "/ne_{resolution}_{name}.zip"
    monkeypatch.setattr(ne_downloader, "url_template", missing)
    out = tmp_path / "dl.png"
    with (
        caplog.at_level(logging.WARNING, logger="corephase.plotting.maps"),
        pytest.warns(DownloadWarning),
    ):
        info = plot_map(cat, out, "australia", coastline_dirs=[], allow_download=True)
    assert info["coastlines"] == "none"
    assert "download of Natural Earth data failed" in caplog.text
    _png(out)


def test_map_with_gshhs_layout(cat, tmp_path, no_network, empty_cartopy_dirs):
    """Coastlines are read from a cartopy-layout data dir and change the image."""
    data = _write_gshhs_box(tmp_path / "gshhs-data", 125.0, 130.0, -30.0, -15.0)
    assert find_coastline_data([empty_cartopy_dirs, data]) == ("gshhs", data)
    a, b = tmp_path / "with.png", tmp_path / "without.png"
    info = plot_map(cat, a, "australia", coastline_dirs=[data])
    assert info["coastlines"] == f"gshhs:{data}"
    info0 = plot_map(cat, b, "australia", coastline_dirs=[empty_cartopy_dirs])
    assert info0["coastlines"] == "none"
    ia, ib = _png(a), _png(b)
    assert ia.shape == ib.shape
    diff = np.abs(ia[..., :3] - ib[..., :3]).sum(axis=2) > 0.05
    assert diff.sum() > 100  # the polygon's outline


def test_map_with_system_coastlines(cat, tmp_path, no_network):
    found = find_coastline_data(SYSTEM_DATA_DIRS)
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("python-cartopy-data is not installed (.ci/install_system_deps.sh)")
        pytest.skip("Debian python-cartopy-data not installed")
    info = plot_map(cat, tmp_path / "g.png", "global", coastline_dirs=SYSTEM_DATA_DIRS)
    assert info["coastlines"].startswith("gshhs:") or info["coastlines"].startswith("natural")
    _png(tmp_path / "g.png")


def test_regional_aleutian_view(cat, tmp_path, no_network, empty_cartopy_dirs):
    info = plot_map(
        cat, tmp_path / "aleut.png", "aleutian-north-america", coastline_dirs=[empty_cartopy_dirs]
    )
    assert info["n_events"] == 1  # only the Rat Islands event
    assert info["n_arrays"] == 7
    lon0, lon1, lat0, lat1 = info["extent"]
    # across the dateline: from the event (178.6E) to TXAR (103.7W) in one window
    assert 80 < lon1 - lon0 < 120
    assert lat0 < 29.3 and lat1 > 66.0
    na = ["ILAR", "IMAR", "BCAR", "YKA", "NVAR", "PDAR", "TXAR"]
    sub = cat[
        (cat["event"] == "2014-06-23-rat-islands")
        & cat["phase"].isin(["PKiKP", "PcP"])
        & cat["array"].isin(na)
    ]
    assert sum(info["n_bounce"].values()) == len(sub)
    _png(tmp_path / "aleut.png")


def test_unknown_region(cat, tmp_path):
    with pytest.raises(ValueError, match="unknown region"):
        plot_map(cat, tmp_path / "x.png", "mars")


def test_detection_histogram(cat, tmp_path):
    res = plot_detection_histogram(cat, tmp_path / "hist.png", "PKiKP", bin_width_deg=10)
    _png(tmp_path / "hist.png")
    # independent count from the inputs: PKiKP detected where distance < 60 deg
    d = []
    for elat, elon, _ in EVENTS.values():
        for alat, alon in ARRAYS.values():
            d.append(distance_backazimuth(elat, elon, alat, alon)[0])
    d = np.array(d)
    assert res["total"].sum() == len(d)
    np.testing.assert_array_equal(res["detected"], np.histogram(d[d < 60], res["bins"])[0])
    with pytest.raises(ValueError, match="bin_width"):
        plot_detection_histogram(cat, tmp_path / "h2.png", bin_width_deg=0)


def test_pkikp_pcp_figure_recovers_noise(cat, tmp_path):
    res = plot_pkikp_pcp(cat, tmp_path / "diff.png")
    _png(tmp_path / "diff.png")
    n_pairs = int(((cat["phase"] == "PKiKP") & cat["detected"]).sum())
    assert res["n"] == n_pairs > 5
    # observed = TauP + N(0, 0.3 s) on each phase: the difference scatters by 0.3*sqrt(2)
    assert 0.1 < res["rms_resid_s"] < 1.0
    # the prediction is the difference of independent TauP calls
    a = first_arrivals(109.0, 40.0, ["PKiKP", "PcP"])
    assert pkikp_pcp_prediction([40.0], 109.0)[0] == pytest.approx(a["PKiKP"].time - a["PcP"].time)


def test_histogram_axis_spans_the_configured_distances(tmp_path):
    """A study in 10-70 deg gets an axis over 10-70 deg, not 0-180."""
    near = {k: v for k, v in ARRAYS.items() if k in ("ILAR", "IMAR", "BCAR", "YKA")}
    cat = _catalogue_of({"2014-06-23-rat-islands": EVENTS["2014-06-23-rat-islands"]}, near)
    res = plot_detection_histogram(cat, tmp_path / "h.png", distance_range_deg=(10, 70))
    assert res["bins"][0] == 10.0 and res["bins"][-1] == 70.0
    assert res["total"].sum() == len(near)
    _png(tmp_path / "h.png")
