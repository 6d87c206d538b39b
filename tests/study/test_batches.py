"""A study cut into batches of arrays and origin years: sizes, cover, fingerprints, errors."""

from __future__ import annotations

import copy

import pytest
import yaml

from corephase.config import ConfigError
from corephase.planning.globalplan import global_config, split_pairs, write_config
from corephase.study.batches import load_study, split_study


def _pairs(cells):
    """Pairs and event years from {(array, year): n}."""
    pairs, years = [], {}
    for (a, y), n in cells.items():
        for i in range(n):
            e = f"{y}_{a}_{i}"
            pairs.append((a, e))
            years[e] = y
    return pairs, years


def test_small_arrays_are_packed_whole_and_large_ones_cut_by_year():
    pairs, years = _pairs({("A", 2012): 3, ("A", 2013): 2, ("B", 2012): 1, ("C", 2014): 1})
    assert split_pairs(pairs, years, max_pairs=3) == [
        (("B", "C"), None),
        (("A",), (2012,)),
        (("A",), (2013,)),
    ]
    # everything fits: one batch of every array
    assert split_pairs(pairs, years, max_pairs=10) == [(("A", "B", "C"), None)]


def test_one_array_year_above_the_limit_is_a_batch_of_its_own():
    pairs, years = _pairs({("A", 2012): 5, ("A", 2013): 1, ("A", 2014): 1})
    assert split_pairs(pairs, years, max_pairs=2) == [(("A",), (2012,)), (("A",), (2013, 2014))]
    with pytest.raises(ValueError, match="at least 1"):
        split_pairs(pairs, years, max_pairs=0)


@pytest.fixture(scope="module")
def study_file(tmp_path_factory):
    cfg = global_config(years=range(2010, 2013), rate_per_year=120, seed=3)
    path = tmp_path_factory.mktemp("study") / "study.yaml"
    write_config(cfg, path)
    return path


def test_batches_cover_every_pair_once_within_the_limit(study_file):
    study = load_study(study_file)
    assert len(study.pairs) > 200
    batches = split_study(study, max_pairs=60)
    assert len(batches) > 3
    seen = [p for b in batches for p in b.pairs]
    assert sorted(seen) == sorted(study.pairs)
    for b in batches:
        # only an array-year larger than the limit may exceed it
        assert len(b.pairs) <= 60 or (b.years is not None and len(b.years) == 1)
        years = b.years or range(0, 10000)
        assert {a for a, _ in b.pairs} <= set(b.arrays)
        assert all(int(study.events[e].time[:4]) in years for _, e in b.pairs)
    assert len({b.key for b in batches}) == len(batches)
    # the workflow's own selection of each batch gives the same pairs
    b = next(b for b in batches if b.years is not None)
    cfg = yaml.safe_load(study_file.read_text())
    cfg["batch"] = b.selection
    path = study_file.with_name("one_batch.yaml")
    path.write_text(yaml.safe_dump(cfg))
    assert sorted(load_study(path).pairs) == sorted(b.pairs)


def _fingerprints(path, edit):
    cfg = yaml.safe_load(path.read_text())
    edit(cfg)
    out = path.with_name("edited.yaml")
    out.write_text(yaml.safe_dump(cfg))
    return {b.key: b.fingerprint for b in split_study(load_study(out), max_pairs=60)}


def test_fingerprint_changes_only_for_the_batches_an_edit_touches(study_file):
    base = _fingerprints(study_file, lambda cfg: None)
    assert base == _fingerprints(study_file, lambda cfg: None)
    # a per-pair setting: every batch
    stack = _fingerprints(study_file, lambda cfg: cfg.update(stack={"types": ["linear"]}))
    assert all(stack[k] != base[k] for k in base)
    # a summary-only setting: none
    maps = _fingerprints(study_file, lambda cfg: cfg.update(maps={"regions": ["global"]}))
    assert maps == base
    # one event: only the batches with its pairs
    study = load_study(study_file)
    event = study.pairs[0][1]

    def bump(cfg):
        for e in cfg["events"]["list"]:
            if e["id"] == event:
                e["magnitude"] += 0.1

    bumped = _fingerprints(study_file, bump)
    touched = {b.key for b in split_study(study, 60) if any(e == event for _, e in b.pairs)}
    assert touched and {k for k in base if bumped[k] != base[k]} == touched


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda c: c.update(batch={"arrays": ["NOPE"]}), "'batch.arrays': array 'NOPE'"),
        (
            lambda c: c["events"]["list"][0].update(arrays=["NOPE"]),
            "'events.list.0.arrays': no array 'NOPE'",
        ),
        (lambda c: c["arrays"].update(NOPE={"source": "nowhere"}), "arrays.NOPE"),
        (
            lambda c: c.update(dense_networks={"AK": {"source": "fdsn", "network": "AK"}}),
            "'dense_networks': run-study runs the first stage only",
        ),
    ],
)
def test_bad_study_configs_name_the_key(study_file, edit, message):
    cfg = copy.deepcopy(yaml.safe_load(study_file.read_text()))
    edit(cfg)
    path = study_file.with_name("bad.yaml")
    path.write_text(yaml.safe_dump(cfg))
    with pytest.raises(ConfigError, match=message):
        load_study(path)
