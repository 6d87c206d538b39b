"""Stage preprocess on the output of stage fetch for a tiny synthetic configuration."""

from __future__ import annotations

import pandas as pd
import pytest

from corephase.io.files import read_json, read_stream
from corephase.stages.fetch import fetch_pair
from corephase.stages.preprocess import preprocess_pair


def _run(config, event, tmp_path):
    arr = config["arrays"]["TINY"]
    raw = [tmp_path / n for n in ("raw.mseed", "stations.xml", "event.quakeml", "status.json")]
    fetch_pair("TINY", arr, event, config, *raw)
    bands = {b["name"]: tmp_path / f"{b['name']}.mseed" for b in config["bands"]}
    pair = preprocess_pair(
        "TINY", arr, config, *raw, bands, tmp_path / "qc.csv", tmp_path / "pair.json"
    )
    return pair, bands


def test_preprocess_grids_and_filters_every_element(tiny_config, tiny_event, tmp_path):
    pair, bands = _run(tiny_config, tiny_event, tmp_path)
    assert pair["status"] == "ok" and pair["n_elements"] == 4
    assert read_json(tmp_path / "pair.json") == pair
    assert set(pair["arrivals"]) >= {"PcP", "PKiKP"} and pair["missing_phases"] == []
    st = read_stream(bands["1-2Hz"])
    assert len(st) == 4 and [tr.id for tr in st] == pair["geometry"]["codes"]
    assert {tr.stats.sampling_rate for tr in st} == {20.0}
    assert len({tr.stats.starttime.ns for tr in st}) == 1
    w0, _ = pair["window_s_after_origin"]
    assert st[0].stats.starttime - tiny_event.origin == pytest.approx(w0, abs=0.05)
    qc = pd.read_csv(tmp_path / "qc.csv")
    assert len(qc) == 4 and qc["kept"].all()


def test_too_few_elements(tiny_config, tiny_event, tmp_path):
    tiny_config["preprocess"]["min_elements"] = 5
    pair, bands = _run(tiny_config, tiny_event, tmp_path)
    assert pair["status"] == "too_few_elements" and "need 5" in pair["reason"]
    assert pair["geometry"] is None and len(read_stream(bands["1-2Hz"])) == 0


def test_unknown_preprocess_key_is_named(tiny_config, tiny_event, tmp_path):
    tiny_config["preprocess"]["max_gap"] = 0.1
    with pytest.raises(ValueError, match=r"preprocess\.max_gap"):
        _run(tiny_config, tiny_event, tmp_path)
