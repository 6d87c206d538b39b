"""Per-pair synthetic settings (synthetic.pairs) and events restricted to some arrays."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from corephase.config import ConfigError, validate_config
from corephase.config.synthetic import SyntheticSettings
from corephase.planning.pairs import configured_events, plan_pairs

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def demo():
    return validate_config(yaml.safe_load((ROOT / "config.yaml").read_text()))


def test_demo_puts_the_scattering_coda_where_the_seed_reports_one(demo):
    pairs = plan_pairs(demo, configured_events(demo))
    assert len(pairs) == 12
    assert ("NVAR", "20140623_Aleutians_2111") in pairs
    assert [a for a, e in pairs if e == "20140623_Aleutians_2111"] == ["NVAR"]
    with_coda, without_pkikp = [], []
    for array, event in pairs:
        s = SyntheticSettings.for_pair(
            demo["synthetic"], demo["arrays"][array].get("synthetic"), array, event
        )
        if s.coda.ratio > 0:
            assert s.coda.phases == ("PKiKP",)
            with_coda.append((array, event))
        if "PKiKP" in s.omit_phases:
            without_pkikp.append((array, event))
    new_britain = [("ASAR", e) for a, e in pairs if a == "ASAR" and "NewBritain" in e]
    assert len(new_britain) == 4
    assert sorted(with_coda) == sorted(
        [("NVAR", "20140623_Aleutians"), ("KKAR", "2013_NSumatra"), *new_britain]
    )
    assert without_pkikp == [("ILAR", "20140623_Aleutians")]


@pytest.mark.parametrize(
    "edit, key",
    [
        (lambda c: c["synthetic"]["pairs"].update({"NVAR": {}}), "synthetic.pairs"),
        (
            lambda c: c["synthetic"]["pairs"].update({"NVAR/x": {"coda": {"rati": 1}}}),
            "synthetic.pairs.NVAR/x.coda.rati",
        ),
        (lambda c: c["events"]["list"][1].update(arrays=[]), "events.list.1.arrays"),
    ],
)
def test_schema_names_a_bad_key(demo, edit, key):
    edit(demo)
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        validate_config(demo)


@pytest.mark.parametrize(
    "edit, key",
    [
        (
            lambda c: c["synthetic"]["pairs"].update({"NVARX/20140623_Aleutians": {}}),
            "synthetic.pairs.NVARX/20140623_Aleutians': no array 'NVARX'",
        ),
        (
            lambda c: c["synthetic"]["pairs"].update({"NVAR/2014_Aleutians": {}}),
            "synthetic.pairs.NVAR/2014_Aleutians': no event '2014_Aleutians'",
        ),
        (
            lambda c: c["events"]["list"][1].update(arrays=["NVRA"]),
            "events.list.1.arrays': no array 'NVRA'",
        ),
    ],
)
def test_planning_names_an_unknown_array_or_event(demo, edit, key):
    edit(demo)
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        plan_pairs(demo, configured_events(demo))
