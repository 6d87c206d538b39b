"""Stage fetch on a tiny synthetic configuration and on the real YKA record (local source)."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from corephase.config.synthetic import SyntheticSettings
from corephase.io.files import read_json, read_stream
from corephase.io.stations import geometry_from_config
from corephase.model.events import events_from_quakeml
from corephase.model.traveltimes import record_window
from corephase.sources.synthetic import synthesize
from corephase.stages.common import pair_geometry_info
from corephase.stages.fetch import fetch_pair
from corephase.utils.random import pair_seed


def _fetch(config, event, tmp_path):
    out = [tmp_path / n for n in ("raw.mseed", "stations.xml", "event.quakeml", "status.json")]
    status = fetch_pair("TINY", config["arrays"]["TINY"], event, config, *out)
    return status, out


def test_fetch_writes_the_records_of_the_record_window(tiny_config, tiny_event, tmp_path):
    status, (mseed, sxml, qml, sjson) = _fetch(tiny_config, tiny_event, tmp_path)
    assert status["status"] == "ok" and status["synthetic"] and status["n_traces"] == 4
    assert read_json(sjson) == status
    assert sxml.stat().st_size > 0 and qml.stat().st_size > 0
    # the window is the one record window of the config, in s after the origin
    info = pair_geometry_info(tiny_config["arrays"]["TINY"], tiny_event, tiny_config)
    w0, w1 = record_window(info["arrivals"], tiny_config["window"])
    assert status["window_s_after_origin"] == [w0, w1]
    assert w0 == pytest.approx(info["arrivals"]["PcP"].time - 60)
    st = read_stream(mseed)
    assert len(st) == 4
    assert st[0].stats.starttime - tiny_event.origin == pytest.approx(w0, abs=0.05)
    assert st[0].stats.endtime - tiny_event.origin == pytest.approx(w1, abs=0.05)
    # the array's synthetic entry is merged over the global section key by key
    used = status["synthetic_info"]["settings"]
    assert used["coda"] == {"ratio": 0.1, "decay_s": 20.0, "coherence": 0.0, "phases": None}
    assert used["noise_level"] == 0.1 and set(used["amplitudes"]) == {"P", "PcP", "PKiKP"}


def test_fetch_equals_synthesize_called_directly(tiny_config, tiny_event, tmp_path):
    status, (mseed, *_) = _fetch(tiny_config, tiny_event, tmp_path)
    arr = tiny_config["arrays"]["TINY"]
    settings = SyntheticSettings.merged(tiny_config["synthetic"], arr["synthetic"])
    seed = pair_seed(tiny_config["seed"], "TINY", tiny_event.id)
    window = tuple(status["window_s_after_origin"])
    st, _ = synthesize(geometry_from_config("TINY", arr), tiny_event, window, settings, seed=seed)
    got = read_stream(mseed)
    assert [tr.id for tr in got] == [tr.id for tr in st]
    for a, b in zip(got, st, strict=True):
        np.testing.assert_array_equal(a.data, b.data)


def test_unknown_synthetic_key_is_named(tiny_config, tiny_event, tmp_path):
    tiny_config["arrays"]["TINY"]["synthetic"] = {"noise_levle": 0.2}
    with pytest.raises(ValueError, match="noise_levle"):
        _fetch(tiny_config, tiny_event, tmp_path)


def _yka_pair(yka_dir, folder, tiny_config, tmp_path):
    """Fetch the YKA event from a local copy of the YKA folder (reference from StationXML)."""
    arr = {"source": "local", "path": str(folder), "station": "YKB?,YKR?", "channels": ["SHZ"]}
    event = events_from_quakeml(yka_dir / "event.quakeml")[0]
    out = [tmp_path / n for n in ("raw.mseed", "stations.xml", "event.quakeml", "status.json")]
    return fetch_pair("YKA", arr, event, tiny_config, *out), out


def test_fetch_local_yka(yka_dir, tiny_config, tmp_path):
    status, (mseed, *_, sjson) = _yka_pair(yka_dir, yka_dir, tiny_config, tmp_path)
    assert status["status"] == "ok" and status["n_traces"] == 18 and len(read_stream(mseed)) == 18
    assert status["reference"]["from"] == "centroid of 18 elements"
    assert status["distance_deg"] == pytest.approx(51.4, abs=0.2)
    assert status["read_problems"] == [] and read_json(sjson) == status


def test_fetch_local_corrupt_file_is_an_error_with_every_output(yka_dir, tiny_config, tmp_path):
    folder = tmp_path / "yka"
    shutil.copytree(yka_dir, folder)
    (folder / "CN.YKA.SHZ.mseed").write_bytes(np.random.default_rng(2).bytes(100_000))
    status, out = _yka_pair(yka_dir, folder, tiny_config, tmp_path)
    assert status["status"] == "error" and "CN.YKA.SHZ.mseed" in status["reason"]
    assert all(p.exists() for p in out) and len(read_stream(out[0])) == 0
    assert read_json(out[3])["status"] == "error"


def test_fetch_local_truncated_file_lists_the_read_problem(yka_dir, tiny_config, tmp_path):
    folder = tmp_path / "yka"
    shutil.copytree(yka_dir, folder)
    data = (folder / "CN.YKA.SHZ.mseed").read_bytes()
    (folder / "CN.YKA.SHZ.mseed").write_bytes(data[: len(data) // 2])
    status, (mseed, *_) = _yka_pair(yka_dir, folder, tiny_config, tmp_path)
    assert status["status"] == "ok" and status["n_traces"] == 9 and len(read_stream(mseed)) == 9
    [problem] = status["read_problems"]
    assert problem["file"] == "CN.YKA.SHZ.mseed" and "9 of the 18 elements" in problem["reason"]


def test_truncated_real_record_becomes_a_partial_pair_naming_the_missing_elements(
    yka_dir, tiny_config, tmp_path
):
    """Issue 15: half a YKA file gives status partial, and qc.csv names the 9 lost elements."""
    import pandas as pd

    from corephase.stages.preprocess import preprocess_pair

    folder = tmp_path / "yka"
    shutil.copytree(yka_dir, folder)
    data = (folder / "CN.YKA.SHZ.mseed").read_bytes()
    (folder / "CN.YKA.SHZ.mseed").write_bytes(data[: len(data) // 2])
    tiny_config["window"].update(start_phase="P", start_offset_s=-60.0, end_offset_s=60.0)
    _, raw = _yka_pair(yka_dir, folder, tiny_config, tmp_path)
    arr = {"source": "local", "path": str(folder), "station": "YKB?,YKR?", "channels": ["SHZ"]}
    bands = {"1-2Hz": tmp_path / "1-2Hz.npz"}
    pair = preprocess_pair(
        "YKA", arr, tiny_config, *raw, bands, tmp_path / "qc.csv", tmp_path / "pair.json"
    )
    assert pair["status"] == "partial" and pair["n_elements"] == 9
    assert "9 of 18 elements" in pair["reason"] and "CN.YKA.SHZ.mseed" in pair["reason"]
    qc = pd.read_csv(tmp_path / "qc.csv")
    assert len(qc) == 18
    assert (qc["reason"].fillna("").str.contains("missing record")).sum() == 9


def test_fetch_writes_the_arrival_list_and_later_stages_read_it(tiny_config, tiny_event, tmp_path):
    from corephase.model.arrivals import arrival_list
    from corephase.stages.common import load_arrival_list
    from corephase.stages.preprocess import preprocess_pair

    tiny_config["synthetic"]["pairs"] = {
        f"TINY/{tiny_event.id}": {"omit_phases": ["PKiKP"], "depth_phase_radiation_s": 0.5}
    }
    status, out = _fetch(tiny_config, tiny_event, tmp_path)
    rows = status["arrival_list"]
    names = [r["phase"] for r in rows]
    # the record's arrivals: P and PcP with their depth phases, no PKiKP (omitted here)
    assert {"P", "pP", "sP", "PcP", "pPcP", "sPcP"} <= set(names) and "PKiKP" not in names
    assert set(names) == set(status["synthetic_info"]["phases"])
    assert [r["time_s"] for r in rows] == sorted(r["time_s"] for r in rows)
    spcp = next(r for r in rows if r["phase"] == "sPcP")
    assert spcp["relative_amplitude"] == pytest.approx(0.2 * spcp["free_surface"] * 0.5)
    # preprocess copies it into pair.json, where load_arrival_list finds it
    bands = {b["name"]: tmp_path / f"{b['name']}.npz" for b in tiny_config["bands"]}
    pair = preprocess_pair(
        "TINY",
        tiny_config["arrays"]["TINY"],
        tiny_config,
        *out,
        bands,
        tmp_path / "qc.csv",
        tmp_path / "pair.json",
    )
    got = load_arrival_list(read_json(tmp_path / "pair.json"), "ak135")
    assert [a.phase for a in got] == names and got[0].time == rows[0]["time_s"]
    # without a stored list (older results) it is computed at typical amplitudes
    del pair["arrival_list"]
    full = load_arrival_list(pair, "ak135")
    assert [a.phase for a in full] == [
        a.phase for a in arrival_list(tiny_event.depth_km, pair["distance_deg"])
    ]
    assert "PKiKP" in [a.phase for a in full]
