"""Pair planning for local arrays: reference point from StationXML, events from the folder."""

from __future__ import annotations

import shutil

import pytest

from corephase.config import validate_config
from corephase.config.validation import ConfigError
from corephase.planning.pairs import configured_events, plan_pairs, resolve_references


def _config(path, events=None, **arr):
    return validate_config(
        {
            "arrays": {
                "YKA": {"source": "local", "path": str(path), "station": "YKB?,YKR?", **arr}
            },
            "events": events or {},
        }
    )


def test_local_array_plans_from_its_folder(yka_dir):
    cfg = resolve_references(_config(yka_dir))
    arr = cfg["arrays"]["YKA"]
    assert arr["ref_from"] == "centroid of 18 elements"
    assert (arr["ref_lat"], arr["ref_lon"]) == pytest.approx((62.4994, -114.678), abs=1e-3)
    # no events configured: the folder's QuakeML is the event list
    events = configured_events(cfg)
    assert [e.time[:19] for e in events] == ["2012-08-14T02:59:38"]
    assert plan_pairs(cfg, events) == [("YKA", events[0].id)]


def test_configured_reference_and_events_win(yka_dir):
    ev = {"time": "2013-01-01T00:00:00", "latitude": 0, "longitude": 0, "depth_km": 10}
    cfg = resolve_references(_config(yka_dir, {"list": [ev]}, ref_lat=62.0, ref_lon=-114.0))
    assert "ref_from" not in cfg["arrays"]["YKA"]
    assert [e.time[:4] for e in configured_events(cfg)] == ["2013"]
    cfg = resolve_references(_config(yka_dir, ref_station="YKR8"))
    assert cfg["arrays"]["YKA"]["ref_from"] == "element CN.YKR8 (ref_station)"


def test_same_event_in_two_folders_counts_once(yka_dir, tmp_path):
    shutil.copytree(yka_dir, tmp_path / "b")
    cfg = _config(yka_dir)
    cfg["arrays"]["B"] = dict(cfg["arrays"]["YKA"], path=str(tmp_path / "b"))
    assert len(configured_events(cfg)) == 1


def test_no_reference_is_a_clear_error(tmp_path):
    cfg = _config(tmp_path)
    with pytest.raises(ConfigError, match=r"arrays\.YKA.*no ref_lat/ref_lon.*lists an element"):
        resolve_references(cfg)
    with pytest.raises(ConfigError, match=r"arrays\.YKA.*does not exist"):
        resolve_references(_config(tmp_path / "nope"))
    with pytest.raises(ConfigError, match=r"arrays\.YKA\.ref_lat"):
        plan_pairs(cfg, [])


def test_only_local_arrays_may_omit_the_reference(tmp_path):
    with pytest.raises(ConfigError, match=r"arrays\.F\.ref_lat"):
        validate_config({"arrays": {"F": {"source": "fdsn"}}, "events": {}})
    with pytest.raises(ConfigError, match=r"arrays\.L\.ref_lon': give ref_lat and ref_lon"):
        validate_config(
            {"arrays": {"L": {"source": "local", "path": "x", "ref_lat": 1}}, "events": {}}
        )
