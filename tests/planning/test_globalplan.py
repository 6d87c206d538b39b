"""The offline global configuration: catalogue statistics, arrays, pairs, batches."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from corephase.config.validation import ConfigError, validate_config
from corephase.model.events import event_from_dict
from corephase.planning.globalplan import (
    count_pairs,
    global_config,
    ims_arrays,
    main,
    select_batch,
    write_config,
)
from corephase.planning.pairs import plan_pairs
from corephase.planning.seismicity import BELTS, belt_points, synthetic_catalogue


@pytest.fixture(scope="module")
def catalogue():
    return synthetic_catalogue(years=range(2010, 2014), seed=7)


def test_catalogue_rate_magnitudes_and_depths(catalogue):
    years = np.array([int(e["time"][:4]) for e in catalogue])
    per_year = np.bincount(years - 2010)
    # Poisson(1500) per year: 4 sigma is about 155
    assert np.all(np.abs(per_year - 1500) < 160), per_year
    mags = np.array([e["magnitude"] for e in catalogue])
    assert mags.min() >= 5.0 and mags.max() <= 9.0
    # Gutenberg-Richter b = 1: ten times fewer events per unit of magnitude
    n5, n6 = (mags >= 5.0).sum(), (mags >= 6.0).sum()
    b_est = np.log10(np.e) / (mags.mean() - 4.95)  # Aki (1965), half-bin correction
    assert 7 < n5 / n6 < 13
    assert b_est == pytest.approx(1.0, abs=0.07)
    depth = np.array([e["depth_km"] for e in catalogue])
    assert 0.7 < (depth < 70).mean() < 0.85
    assert 0.03 < (depth >= 300).mean() < 0.08
    assert depth.min() >= 0 and depth.max() <= 700
    times = [e["time"] for e in catalogue]
    assert times == sorted(times)
    assert len({e["id"] for e in catalogue}) == len(catalogue)


def test_catalogue_is_seeded(catalogue):
    again = synthetic_catalogue(years=range(2010, 2014), seed=7)
    assert again == catalogue
    other = synthetic_catalogue(years=range(2010, 2014), seed=8)
    assert other != catalogue


def test_epicentres_follow_the_belts(catalogue):
    """Pacific subduction zones dominate; the interior of stable continents is quiet."""
    labels = [e["label"] for e in catalogue]
    share = {b.name: labels.count(b.name) / len(labels) for b in BELTS}
    circum_pacific = [
        "Kuril-Kamchatka-Japan",
        "Izu-Bonin-Mariana",
        "Ryukyu-Taiwan-Philippines",
        "Aleutians-Alaska",
        "Mexico-Central America",
        "Andes",
        "Tonga-Kermadec-New Zealand",
        "Vanuatu-Solomon-New Britain-New Guinea",
        "Sunda-Banda-Molucca",
    ]
    assert 0.70 < sum(share[n] for n in circum_pacific) < 0.85
    lat = np.array([e["latitude"] for e in catalogue])
    lon = np.array([e["longitude"] for e in catalogue])
    # Canadian shield box and central Africa/Sahara box: only the 2 % background
    shield = (lat > 50) & (lat < 65) & (lon > -110) & (lon < -80)
    sahara = (lat > 10) & (lat < 25) & (lon > -5) & (lon < 25)
    assert (shield | sahara).mean() < 0.005
    assert np.all((lon >= -180) & (lon < 180)) and np.all(np.abs(lat) <= 90)


def test_belt_points_scatter_about_the_polyline():
    """A belt along the equator: latitudes have the belt's width, longitudes its span."""
    from corephase.planning.seismicity import Belt

    belt = Belt("test", 1.0, "ridge", 0.5, ((0.0, 10.0), (0.0, 40.0)))
    lat, lon = belt_points(belt, 20000, np.random.default_rng(3))
    assert np.std(lat) == pytest.approx(0.5, rel=0.05)
    assert abs(np.mean(lat)) < 0.02
    assert lon.min() > 8 and lon.max() < 42
    assert np.mean(lon) == pytest.approx(25.0, abs=0.3)


def test_ims_arrays_reference_points():
    arr = ims_arrays()
    assert len(arr) == 18
    # reference rows of the table, as the demo config uses them
    assert (arr["ILAR"]["ref_lat"], arr["ILAR"]["ref_lon"]) == (64.77145, -146.88645)
    assert (arr["YKA"]["ref_lat"], arr["YKA"]["ref_lon"]) == (62.49308, -114.6061)
    assert arr["YKA"]["network"] == "CN"
    # PSAR has no reference row: the mean of its elements
    assert arr["PSAR"]["ref_lat"] == pytest.approx(-21.57, abs=0.1)
    # too few elements in the registries: an idealised layout
    assert "layout" in arr["ABKAR"]["elements"] and "layout" in arr["BCAR"]["elements"]
    assert arr["GERES"]["elements"] == {"csv": "ims_array_elements.csv"}
    fdsn = ims_arrays(source="fdsn")
    assert all(v["source"] == "fdsn" and "elements" not in v for v in fdsn.values())
    with pytest.raises(ValueError, match="source"):
        ims_arrays(source="ftp")


def test_global_config_validates_and_pairs_match_the_workflow_planner(tmp_path):
    cfg = global_config(years=[2011], arrays=["YKA", "WRA", "GERES"], seed=2)
    path = tmp_path / "global.yaml"
    write_config(cfg, path)
    loaded = yaml.safe_load(path.read_text())
    assert loaded == cfg
    validate_config(loaded)
    events = [event_from_dict(e) for e in loaded["events"]["list"]]
    pairs = plan_pairs(loaded, events)
    # every kept event makes at least one pair
    assert {e for _, e in pairs} == {e.id for e in events}
    # the distance filter, checked independently with ObsPy's great-circle distance
    from obspy.geodetics import locations2degrees

    ev = events[0]
    for name, a in loaded["arrays"].items():
        d = locations2degrees(a["ref_lat"], a["ref_lon"], ev.latitude, ev.longitude)
        assert ((name, ev.id) in pairs) == (10.0 <= d <= 70.0)


def test_max_pairs_cuts_the_catalogue_in_time_order():
    cfg = global_config(years=range(2010, 2012), seed=4, max_pairs=2000)
    n = count_pairs(cfg)
    assert 2000 <= n < 2000 + 18
    full = global_config(years=range(2010, 2012), seed=4)
    kept = cfg["events"]["list"]
    assert kept == full["events"]["list"][: len(kept)]


def test_full_decade_is_about_1e5_pairs():
    cfg = global_config()
    n = count_pairs(cfg)
    assert 7e4 < n < 1.3e5, n


def test_select_batch():
    cfg = global_config(years=range(2010, 2013), arrays=["YKA", "ASAR"], seed=5)
    all_pairs = set(plan_pairs(cfg, [event_from_dict(e) for e in cfg["events"]["list"]]))
    b = select_batch(cfg, arrays=["YKA"], years=[2011])
    got = set(plan_pairs(b, [event_from_dict(e) for e in b["events"]["list"]]))
    ev_year = {e["id"]: e["time"][:4] for e in cfg["events"]["list"]}
    assert got == {(a, e) for a, e in all_pairs if a == "YKA" and ev_year[e] == "2011"}
    with pytest.raises(ValueError, match="not configured"):
        select_batch(cfg, arrays=["NOPE"])


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="unknown arrays"):
        global_config(years=[2010], arrays=["XYZ"])
    with pytest.raises(ValueError, match="rate_per_year"):
        synthetic_catalogue(years=[2010], rate_per_year=0)
    with pytest.raises(ValueError, match="distance_deg"):
        global_config(years=[2010], distance_deg=(70, 10))
    with pytest.raises(ConfigError):
        validate_config({"arrays": {}, "events": {"list": []}})


def test_command_line(tmp_path, capsys):
    out = tmp_path / "g.yaml"
    assert main(["--out", str(out), "--years", "2012", "--arrays", "YKA", "--seed", "3"]) == 0
    cfg = yaml.safe_load(out.read_text())
    assert list(cfg["arrays"]) == ["YKA"]
    assert all(e["time"].startswith("2012") for e in cfg["events"]["list"])
    assert f"{count_pairs(cfg)} pairs" in capsys.readouterr().err
