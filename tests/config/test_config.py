"""Configuration: schema validation, defaults, clear errors, pair planning."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from corephase.config import DEFAULT_SCHEMA, ConfigError, validate_config
from corephase.planning.pairs import configured_events, plan_pairs

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = DEFAULT_SCHEMA


@pytest.fixture()
def demo_config():
    return yaml.safe_load((ROOT / "config.yaml").read_text())


def test_default_config_is_valid(demo_config):
    cfg = validate_config(demo_config, SCHEMA)
    assert cfg["model"] == "ak135"
    assert [b["name"] for b in cfg["bands"]] == ["1-2Hz", "2-3Hz"]


def _schema_defaults(schema, node):
    """Defaults of the properties of a schema node, resolving $ref."""
    if "$ref" in node:
        node = schema["$defs"][node["$ref"].split("/")[-1]]
    return {k: v["default"] for k, v in node.get("properties", {}).items() if "default" in v}


@pytest.mark.parametrize("section", ["preprocess", "stack", "coda", "window"])
def test_schema_defaults_agree_with_default_config(demo_config, section):
    """Values written in config.yaml equal the schema's defaults for that key."""
    schema = yaml.safe_load(SCHEMA.read_text())
    defaults = _schema_defaults(schema, schema["properties"][section])
    for key, value in demo_config[section].items():
        assert key in defaults, f"{section}.{key} has no default in the schema"
        assert value == defaults[key], f"{section}.{key}: config {value} != schema {defaults[key]}"
    for key in ("model", "distance_deg", "phases", "bands"):
        assert demo_config[key] == schema["properties"][key]["default"]


def test_defaults_are_filled():
    cfg = {
        "arrays": {"A": {"source": "local", "path": "x", "ref_lat": 0, "ref_lon": 0}},
        "events": {"list": []},
    }
    validate_config(cfg, SCHEMA)
    assert cfg["stack"]["pws_nu"] == 2.0
    assert cfg["arrays"]["A"]["channels"] == ["SHZ", "BHZ", "HHZ"]
    assert cfg["phases"] == ["PcP", "ScP", "PKiKP", "PKIIKP", "PKJKP"]


@pytest.mark.parametrize(
    ("mutate", "key"),
    [
        (lambda c: c["arrays"]["YKA"].__setitem__("sorce", "x"), "arrays.YKA.sorce"),
        (lambda c: c["arrays"]["YKA"].__setitem__("source", "ftp"), "arrays.YKA.source"),
        (lambda c: c["stack"].__setitem__("pws_nu", "two"), "stack.pws_nu"),
        (lambda c: c.__setitem__("modle", "ak135"), "modle"),
        (lambda c: c.__setitem__("model", "jb"), "model"),
        (lambda c: c["bands"][0].__setitem__("fmin", 3.0), "bands.0"),
        (lambda c: c["arrays"]["YKA"].pop("ref_lat"), "arrays.YKA.ref_lat"),
        (lambda c: c["events"]["list"][0].__setitem__("depth_km", -5), "events.list.0.depth_km"),
    ],
)
def test_bad_key_is_named(demo_config, mutate, key):
    cfg = copy.deepcopy(demo_config)
    mutate(cfg)
    with pytest.raises(ConfigError) as err:
        validate_config(cfg, SCHEMA)
    assert f"'{key}'" in str(err.value)


def test_band_above_nyquist(demo_config):
    demo_config["bands"][1]["fmax"] = 12.0
    with pytest.raises(ConfigError, match=r"bands\.1\.fmax.*Nyquist"):
        validate_config(demo_config, SCHEMA)


def test_plan_pairs_distance_and_active_span(demo_config):
    cfg = validate_config(demo_config, SCHEMA)
    events = configured_events(cfg)
    pairs = plan_pairs(cfg, events)
    # The Aleutian event is within 10-70 deg of every North American array.
    for arr in ("ILAR", "BCAR", "YKA", "NVAR"):
        assert (arr, "20140623_Aleutians") in pairs
    # New Britain events are 80-100 deg from North America: not planned there.
    assert ("NVAR", "20120728_NewBritain") not in pairs
    assert sum(1 for a, e in pairs if a == "ASAR" and "NewBritain" in e) == 4
    # An active span excludes events outside it.
    cfg["arrays"]["ASAR"]["active"] = {"start": "2012-08-01", "end": "2012-12-31"}
    pairs = plan_pairs(cfg, events)
    asar = sorted(e for a, e in pairs if a == "ASAR" and "NewBritain" in e)
    assert asar == ["20120802_NewBritain", "20121215_NewBritain"]


def test_duplicate_event_ids_rejected(demo_config):
    demo_config["events"]["list"].append(dict(demo_config["events"]["list"][0]))
    cfg = validate_config(demo_config, SCHEMA)
    with pytest.raises(ConfigError, match="duplicate event ids"):
        configured_events(cfg)


def _local_config(demo_config, path, curation=None):
    cfg = copy.deepcopy(demo_config)
    cfg["arrays"] = {"LOC": {"source": "local", "path": str(path), "ref_lat": 0.0, "ref_lon": 0.0}}
    if curation:
        cfg["curation"] = str(curation)
    return validate_config(cfg, SCHEMA)


def test_check_inputs_names_a_missing_local_folder(demo_config, tmp_path):
    from corephase.config import check_inputs

    cfg = _local_config(demo_config, tmp_path / "nowhere")
    with pytest.raises(ConfigError, match=r"'arrays\.LOC\.path': .*nowhere does not exist"):
        check_inputs(cfg)
    (tmp_path / "nowhere").mkdir()
    assert check_inputs(cfg) == []


def test_check_inputs_warns_about_curation_rows_that_cannot_apply(demo_config, tmp_path):
    from corephase.config import check_inputs

    cur = tmp_path / "curation.csv"
    cur.write_text(
        "event,array,phase,accept,reason\n"
        "ev1,LOC,PKiKP,true,ok\n"
        "ev1,NOPE,PKiKP,false,typo in array\n"
        "ev9,LOC,PcP,true,event not in study\n"
    )
    cfg = _local_config(demo_config, tmp_path, cur)
    warnings = check_inputs(cfg, event_ids=["ev1"])
    assert len(warnings) == 2
    assert "line 3: array 'NOPE' is not configured" in warnings[0]
    assert "line 4: event 'ev9' is not planned" in warnings[1]
    cur.write_text("event,array\nev1,LOC\n")
    with pytest.raises(ConfigError, match=r"'curation': .* lacks the columns"):
        check_inputs(cfg)
    cfg["curation"] = str(tmp_path / "missing.csv")
    with pytest.raises(ConfigError, match=r"'curation': file .*missing.csv does not exist"):
        check_inputs(cfg)


@pytest.mark.parametrize("station", ["YKB?,", "YK[B]?", "YKB? YKR?", "YK/1"])
def test_station_patterns_must_parse(demo_config, station):
    cfg = copy.deepcopy(demo_config)
    name = next(iter(cfg["arrays"]))
    cfg["arrays"][name]["station"] = station
    with pytest.raises(
        ConfigError, match=rf"'arrays\.{name}\.station': .* not a SEED code pattern"
    ):
        validate_config(cfg, SCHEMA)


def test_comma_lists_and_wildcards_are_valid_patterns(demo_config):
    cfg = copy.deepcopy(demo_config)
    name = next(iter(cfg["arrays"]))
    cfg["arrays"][name].update(station="YKB?,YKR*", location="*", network="CN")
    validate_config(cfg, SCHEMA)
