"""Second stage (issue #5): planning the dense-network search and its workflow wiring."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from support.snakemake_run import run_snakemake

from corephase.io.stations import geometry_from_config
from corephase.planning.dense import plan_dense, read_plan, write_plan
from corephase.planning.dense_pairs import dense_array_config, dense_pairs
from corephase.planning.stations import densest_disc, even_subset, resolve_stations

ROOT = Path(__file__).resolve().parents[2]
TA_TABLE = resolve_stations("package:TA_stations.csv")

EVENTS = {
    "20140623_Aleutians": dict(
        time="2014-06-23T20:53:09", latitude=51.95, longitude=178.58, depth_km=106
    ),
    "20120728_NewBritain": dict(
        time="2012-07-28T20:03:56.8", latitude=-4.651, longitude=153.173, depth_km=41
    ),
    "2013_NSumatra": dict(
        time="2013-01-01T00:00:00", latitude=5.42, longitude=92.82, depth_km=15.6
    ),
    "20100101_Kuril": dict(
        time="2010-01-01T00:00:00", latitude=45.0, longitude=150.0, depth_km=30
    ),
}


def _cat_row(event, array, phase, snr, detected, status="ok", stack="pws", band="1-2Hz"):
    ev = EVENTS[event]
    return {
        "event": event,
        "array": array,
        "phase": phase,
        "band": band,
        "stack": stack,
        "event_time": ev["time"],
        "event_lat": ev["latitude"],
        "event_lon": ev["longitude"],
        "event_depth_km": ev["depth_km"],
        "event_mag": 6.0,
        "status": status,
        "snr": snr,
        "detected": detected,
    }


@pytest.fixture
def catalogue() -> pd.DataFrame:
    """A stage-1 catalogue with one event of each kind the trigger must tell apart."""
    rows = [
        # detected PKiKP at two arrays: searched
        _cat_row("20140623_Aleutians", "YKA", "PKiKP", 8.0, True),
        _cat_row("20140623_Aleutians", "ILAR", "PKiKP", 5.0, True, stack="linear"),
        _cat_row("20140623_Aleutians", "ILAR", "PcP", 50.0, True),
        # only PcP detected: not searched
        _cat_row("20120728_NewBritain", "ASAR", "PcP", 40.0, True),
        _cat_row("20120728_NewBritain", "ASAR", "PKiKP", 2.0, False),
        # PKiKP high SNR but not detected (failed slowness/baz): not searched
        _cat_row("2013_NSumatra", "KKAR", "PKiKP", 9.0, False),
        # detected only by the dense network itself (a stage-2 row): not searched
        _cat_row("20100101_Kuril", "TA", "PKiKP", 20.0, True),
    ]
    return pd.DataFrame(rows)


def _gc_deg(lat1, lon1, lat2, lon2):
    p1, p2, dl = map(np.radians, (lat1, lat2, np.asarray(lon2) - lon1))
    c = np.sin(p1) * np.sin(p2) + np.cos(p1) * np.cos(p2) * np.cos(dl)
    return np.degrees(np.arccos(np.clip(c, -1, 1)))


def _expected_ta(event_id, lo, hi):
    """Stations of the raw TA table open at the origin and in range (independent of corephase)."""
    ev = EVENTS[event_id]
    raw = pd.read_csv(TA_TABLE, dtype={"station": str})
    day = ev["time"][:10]
    is_open = (raw["start"] <= day) & ((raw["end"] >= day) | (raw["end"] >= "2599"))
    d = _gc_deg(ev["latitude"], ev["longitude"], raw["latitude"], raw["longitude"])
    keep = is_open & (d >= lo) & (d <= hi) & raw["channels"].str.contains("BHZ|HHZ")
    return set(raw.loc[keep, "station"]), raw, d


def test_plan_selects_exactly_the_detected_events_and_networks(catalogue):
    nets = {
        "TA": {
            "source": "synthetic",
            "network": "TA",
            "channels": ["BHZ", "HHZ"],
            "stations": "package:TA_stations.csv",
            "min_distance_deg": 55,
            "max_distance_deg": 70,
        },
        # same stations, but the network closed before 2014: no pair
        "OLD": {
            "source": "synthetic",
            "network": "TA",
            "channels": ["BHZ", "HHZ"],
            "stations": "package:TA_stations.csv",
            "active": {"end": "2013-01-01"},
        },
        # a range beyond the US from the Aleutians: no open station, no pair
        "FAR": {
            "source": "synthetic",
            "network": "TA",
            "channels": ["BHZ"],
            "stations": "package:TA_stations.csv",
            "min_distance_deg": 100,
            "max_distance_deg": 120,
        },
    }
    plan = plan_dense(catalogue, nets)
    assert set(zip(plan["event"], plan["network"], strict=True)) == {("20140623_Aleutians", "TA")}
    expected, _, _ = _expected_ta("20140623_Aleutians", 55, 70)
    assert set(plan["station"]) == expected
    assert len(expected) > 100  # the TA of mid-2014 (eastern US) is in range
    row = plan.iloc[0]
    assert row["arrays"] == "ILAR,YKA" and row["n_detections"] == 2
    assert row["best_snr"] == 8.0 and row["n_open"] == len(expected)
    # a stricter trigger (two arrays at SNR >= 6) drops the event
    strict = {"TA": {**nets["TA"], "trigger": {"min_snr": 6.0, "min_detections": 2}}}
    assert plan_dense(catalogue, strict).empty


def test_selected_stations_are_open_in_range_with_channel_priority(catalogue):
    lo, hi = 30.0, 70.0
    nets = {
        "TA": {
            "source": "synthetic",
            "network": "TA",
            "channels": ["HHZ", "BHZ"],
            "stations": "package:TA_stations.csv",
            "min_distance_deg": lo,
            "max_distance_deg": hi,
        }
    }
    plan = plan_dense(catalogue, nets)
    expected, raw, dist = _expected_ta("20140623_Aleutians", lo, hi)
    assert set(plan["station"]) == expected
    raw = raw.assign(dist=dist).set_index("station")
    t = EVENTS["20140623_Aleutians"]["time"][:10]
    for _, r in plan.iterrows():
        src = raw.loc[r["station"]]
        assert src["start"] <= t and (src["end"] >= t or src["end"].startswith("2599"))
        assert lo <= r["distance_deg"] <= hi
        assert r["distance_deg"] == pytest.approx(src["dist"], abs=0.01)
        want = "HHZ" if "HHZ" in src["channels"].split() else "BHZ"
        assert r["channel"] == want
    assert plan["distance_deg"].is_monotonic_increasing


def test_even_subset_on_a_line_picks_evenly_spaced_points():
    lon = np.linspace(-100.0, -90.0, 101)
    lat = np.zeros_like(lon)
    assert even_subset(lat, lon, 5).tolist() == [0, 25, 50, 75, 100]
    assert even_subset(lat, lon, 200).tolist() == list(range(101))
    with pytest.raises(ValueError, match="max_stations"):
        even_subset(lat, lon, 0)


def test_even_subset_covers_better_than_a_random_subset():
    rng = np.random.default_rng(5)
    lat, lon = rng.uniform(30, 45, 400), rng.uniform(-100, -80, 400)

    def covering_radius(idx):
        d = _gc_deg(lat[:, None], lon[:, None], lat[idx][None, :], lon[idx][None, :])
        return d.min(axis=1).max()

    even = covering_radius(even_subset(lat, lon, 40))
    rand = min(covering_radius(rng.choice(400, 40, replace=False)) for _ in range(20))
    assert even < 0.75 * rand


def test_densest_disc_keeps_the_cluster():
    rng = np.random.default_rng(2)
    lat = np.r_[40 + rng.normal(0, 0.3, 30), rng.uniform(20, 60, 8)]
    lon = np.r_[-95 + rng.normal(0, 0.3, 30), rng.uniform(-130, -60, 8)]
    idx = densest_disc(lat, lon, 400.0)
    assert set(range(30)) <= set(idx.tolist())
    d = _gc_deg(lat[idx][:, None], lon[idx][:, None], lat[idx][None, :], lon[idx][None, :])
    assert d.max() * 111.195 <= 400.0 + 1e-6


def test_plan_cap_and_aperture(catalogue):
    nets = {
        "TA": {
            "source": "synthetic",
            "network": "TA",
            "channels": ["BHZ", "HHZ"],
            "stations": "package:TA_stations.csv",
            "min_distance_deg": 55,
            "max_distance_deg": 70,
            "max_aperture_km": 600,
            "max_stations": 20,
        }
    }
    plan = plan_dense(catalogue, nets)
    assert len(plan) == 20
    arr = dense_array_config(nets["TA"], plan)
    geom = geometry_from_config("TA", arr)
    assert geom.aperture_km() <= 600.0
    assert arr["curved_wavefront"] is True
    assert "max_stations" not in arr and "stations" not in arr


def test_dense_pairs_from_plan_file(tmp_path, catalogue):
    nets = {
        "TA": {
            "source": "synthetic",
            "network": "TA",
            "channels": ["BHZ", "HHZ"],
            "stations": "package:TA_stations.csv",
            "min_distance_deg": 55,
            "max_distance_deg": 70,
            "max_stations": 12,
        },
        "TAF": {
            "source": "fdsn",
            "network": "TA",
            "channels": ["BHZ"],
            "stations": "package:TA_stations.csv",
            "min_distance_deg": 60,
            "max_distance_deg": 70,
            "max_stations": 8,
        },
    }
    path = tmp_path / "plan.csv"
    write_plan(plan_dense(catalogue, nets), path)
    plan = read_plan(path)
    config = {"arrays": {"YKA": {}}, "dense_networks": nets}
    arrays, pairs, pair_arrays = dense_pairs(config, path, events=EVENTS)
    assert pairs == [("TA", "20140623_Aleutians"), ("TAF", "20140623_Aleutians")]
    syn = pair_arrays[("TA", "20140623_Aleutians")]
    rows = plan[plan["network"] == "TA"]
    assert [e["station"] for e in syn["elements"]["list"]] == rows["station"].tolist()
    # the reference point is the stations' centroid: it lies inside their extent
    assert rows["latitude"].min() < syn["ref_lat"] < rows["latitude"].max()
    fd = pair_arrays[("TAF", "20140623_Aleutians")]
    assert fd["source"] == "fdsn" and len(fd["station"].split(",")) == 8
    assert set(arrays) == {"TA", "TAF"} and "ref_lat" in arrays["TA"]
    # unknown events are skipped; no plan means no pairs; name clashes are errors
    assert dense_pairs(config, path, events=["other"])[1] == []
    assert dense_pairs(config, tmp_path / "none.csv") == ({}, [], {})
    with pytest.raises(ValueError, match="names of configured arrays"):
        dense_pairs({"arrays": {"TA": {}}, "dense_networks": nets}, path)


def test_bad_inputs_are_clear_errors(catalogue):
    with pytest.raises(FileNotFoundError, match="no package data"):
        resolve_stations("package:nope.csv")
    with pytest.raises(ValueError, match="lacks columns"):
        plan_dense(catalogue.drop(columns="snr"), {})
    with pytest.raises(ValueError, match="needs a 'stations' table"):
        plan_dense(catalogue, {"X": {"source": "synthetic", "network": "XX"}})
    with pytest.raises(ValueError, match="distance range"):
        plan_dense(
            catalogue,
            {
                "X": {
                    "source": "fdsn",
                    "network": "XX",
                    "min_distance_deg": 80,
                    "max_distance_deg": 70,
                }
            },
        )


# --------------------------------------------------------------------------- workflow

WF_CONFIG = {
    "phases": ["PcP", "PKiKP"],
    "bands": [{"name": "1-2Hz", "fmin": 1.0, "fmax": 2.0}],
    "arrays": {
        "YKA": {
            "source": "synthetic",
            "network": "CN",
            "channels": ["SHZ"],
            "ref_lat": 62.49308,
            "ref_lon": -114.6061,
            "elements": {"csv": "ims_array_elements.csv"},
        },
    },
    "events": {"list": [{"id": k, **v} for k, v in EVENTS.items()]},
    "dense_networks": {
        "TA": {
            "source": "synthetic",
            "network": "TA",
            "channels": ["BHZ", "HHZ"],
            "stations": "package:TA_stations.csv",
            "min_distance_deg": 55,
            "max_distance_deg": 70,
            "max_aperture_km": 500,
            "max_stations": 20,
        },
    },
}


def _dry_run(workdir: Path) -> str:
    res = run_snakemake(workdir, "--cores", "2", "-n")
    return res.stdout + res.stderr


def _scheduled(text: str, rule: str) -> set[tuple[str, str]]:
    """(array, event) of the jobs of one rule in a dry run's output."""
    out = set()
    for block in re.split(r"\n(?=(?:local)?rule \w+:)", text):
        if re.match(rf"(?:local)?rule {rule}:", block.strip()):
            m = re.search(r"wildcards: array=([^,\s]+), event=([^,\s]+)", block)
            out.add((m.group(1), m.group(2)))
    return out


def test_workflow_schedules_the_planned_dense_pairs_only(tmp_path, catalogue):
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(WF_CONFIG))
    before = _dry_run(tmp_path)
    stage1 = _scheduled(before, "fetch")
    assert stage1 and {a for a, _ in stage1} == {"YKA"}
    assert re.search(r"rule dense_plan:", before)
    # the plan of a stage-1 catalogue names one dense pair: exactly it is added
    plan = plan_dense(catalogue, WF_CONFIG["dense_networks"])
    write_plan(plan, tmp_path / "results/dense/plan.csv")
    after = _dry_run(tmp_path)
    assert _scheduled(after, "fetch") - stage1 == {("TA", "20140623_Aleutians")}
    assert _scheduled(after, "stack") - stage1 == {("TA", "20140623_Aleutians")}
    assert re.search(r"rule dense_summary:", after)
    assert not math.isnan(plan["best_snr"].iloc[0])
