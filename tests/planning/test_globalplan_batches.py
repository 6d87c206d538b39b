"""Batches of a large study: every pair in exactly one batch, each within the pair limit."""

from __future__ import annotations

import pytest
import yaml

from corephase.config.validation import ConfigError
from corephase.model.events import event_from_dict
from corephase.planning.globalplan import global_config, main, plan_batches, select_batch
from corephase.planning.pairs import plan_pairs


def _pairs(cfg: dict) -> set:
    return set(plan_pairs(cfg, [event_from_dict(e) for e in cfg["events"]["list"]]))


@pytest.fixture(scope="module")
def study():
    return global_config(years=range(2010, 2012), arrays=["YKA", "ASAR", "WRA", "GERES"], seed=5)


def _selected(cfg: dict, batch: dict) -> set:
    """The pairs the workflow's ``batch`` key selects (as ``select_batch`` mirrors it)."""
    assert set(batch) <= {"arrays", "years", "pairs"}
    return _pairs(select_batch(cfg, arrays=batch["arrays"], years=batch.get("years")))


@pytest.mark.parametrize("max_pairs", [1000, 2500, 10**6])
def test_every_pair_in_exactly_one_batch_within_the_limit(study, max_pairs):
    batches = plan_batches(study, max_pairs=max_pairs)
    seen = []
    for b in batches:
        got = _selected(study, b)
        assert len(got) == b["pairs"] <= max_pairs
        seen += sorted(got)
    assert len(seen) == len(set(seen))
    assert set(seen) == _pairs(study)
    assert plan_batches(study, max_pairs=max_pairs) == batches  # deterministic


def test_whole_arrays_share_a_batch_and_large_arrays_split_by_year(study):
    per_array = {}
    for a, _ in _pairs(study):
        per_array[a] = per_array.get(a, 0) + 1
    assert plan_batches(study, max_pairs=10**6) == [
        {"arrays": sorted(study["arrays"]), "pairs": sum(per_array.values())}
    ]
    biggest = max(per_array, key=per_array.get)
    limit = per_array[biggest] - 1
    batches = plan_batches(study, max_pairs=limit)
    mine = [b for b in batches if biggest in b["arrays"]]
    assert len(mine) >= 2 and all(b["arrays"] == [biggest] for b in mine)
    years = [y for b in mine for y in b["years"]]
    assert years == sorted(years) and len(years) == len(set(years))
    assert all("years" not in b for b in batches if b["arrays"] != [biggest])


def test_an_array_year_over_the_limit_is_its_own_batch(study):
    batches = plan_batches(study, max_pairs=50)
    over = [b for b in batches if b["pairs"] > 50]
    assert over and all(len(b["arrays"]) == 1 and len(b["years"]) == 1 for b in over)
    assert sum(b["pairs"] for b in batches) == len(_pairs(study))


def test_the_batch_key_and_config_errors(study):
    assert plan_batches({**study, "batch": {"arrays": ["YKA"]}}, 10**6) == plan_batches(
        study, 10**6
    )
    assert "batch" not in study and "model" not in study  # the caller's config is not filled
    with pytest.raises(ValueError, match="max_pairs"):
        plan_batches(study, max_pairs=0)
    with pytest.raises(ConfigError, match="distance_deg"):
        plan_batches({**study, "distance_deg": [70, 10]})


def test_command_line_writes_the_batch_list(tmp_path, capsys):
    out, blist = tmp_path / "g.yaml", tmp_path / "batches.yaml"
    args = ["--out", str(out), "--years", "2012", "2013", "--arrays", "YKA", "WRA"]
    assert main([*args, "--seed", "3", "--batches", str(blist), "--batch-pairs", "300"]) == 0
    cfg = yaml.safe_load(out.read_text())
    batches = yaml.safe_load(blist.read_text())
    assert batches == plan_batches(cfg, max_pairs=300)
    err = capsys.readouterr().err
    assert f"{len(batches)} batches" in err and f"{len(_pairs(cfg))} pairs" in err
