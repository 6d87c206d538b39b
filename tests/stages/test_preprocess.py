"""Stage preprocess on the output of stage fetch for a tiny synthetic configuration."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from corephase.io.bands import read_band
from corephase.io.files import read_json, read_stream, write_stream
from corephase.stages.fetch import fetch_pair
from corephase.stages.preprocess import preprocess_pair

RAW = ("raw.mseed", "stations.xml", "event.quakeml", "status.json")


def _preprocess(config, tmp_path, name="TINY"):
    arr = config["arrays"][name]
    bands = {b["name"]: tmp_path / f"{b['name']}.npz" for b in config["bands"]}
    raw = [tmp_path / n for n in RAW]
    pair = preprocess_pair(
        name, arr, config, *raw, bands, tmp_path / "qc.csv", tmp_path / "pair.json"
    )
    return pair, bands


def _run(config, event, tmp_path, name="TINY", edit=None):
    """Fetch (synthetic) then preprocess; ``edit(stream)`` changes the records in between."""
    fetch_pair(name, config["arrays"][name], event, config, *[tmp_path / n for n in RAW])
    if edit is not None:
        st = read_stream(tmp_path / "raw.mseed")
        edit(st)
        write_stream(st, tmp_path / "raw.mseed")
    return _preprocess(config, tmp_path, name)


def _with_layout(config, n, kind="rings"):
    config["arrays"]["TINY"]["elements"] = {"layout": {"kind": kind, "n": n, "aperture_km": 9.0}}
    return config


def test_preprocess_grids_and_filters_every_element(tiny_config, tiny_event, tmp_path):
    pair, bands = _run(tiny_config, tiny_event, tmp_path)
    assert pair["status"] == "ok" and pair["n_elements"] == 4
    assert read_json(tmp_path / "pair.json") == pair
    assert set(pair["arrivals"]) >= {"PcP", "PKiKP"} and pair["missing_phases"] == []
    record = read_band(bands["1-2Hz"])
    assert record.data.shape[0] == 4 and list(record.ids) == pair["geometry"]["codes"]
    assert record.data.dtype == np.float32 and np.isfinite(record.data).all()
    assert record.dt == 1.0 / tiny_config["preprocess"]["sampling_rate_hz"]
    w0, _ = pair["window_s_after_origin"]
    assert record.seconds_after(tiny_event.origin_ns) == pytest.approx(w0, abs=0.05)
    st = record.to_stream()  # the same record as ObsPy traces
    assert [tr.id for tr in st] == pair["geometry"]["codes"]
    assert {tr.stats.sampling_rate for tr in st} == {tiny_config["preprocess"]["sampling_rate_hz"]}
    assert {tr.stats.starttime.ns for tr in st} == {record.t0_ns}
    assert st[0].stats.starttime - tiny_event.origin == record.seconds_after(tiny_event.origin_ns)
    qc = pd.read_csv(tmp_path / "qc.csv")
    assert len(qc) == 4 and qc["kept"].all()


def test_too_few_elements(tiny_config, tiny_event, tmp_path):
    tiny_config["preprocess"]["min_elements"] = 5
    pair, bands = _run(tiny_config, tiny_event, tmp_path)
    assert pair["status"] == "too_few_elements" and "need 5" in pair["reason"]
    assert pair["geometry"] is None and len(read_band(bands["1-2Hz"])) == 0


def test_unknown_preprocess_key_is_named(tiny_config, tiny_event, tmp_path):
    tiny_config["preprocess"]["max_gap"] = 0.1
    with pytest.raises(ValueError, match=r"preprocess\.max_gap"):
        _run(tiny_config, tiny_event, tmp_path)


def test_150_element_layout_keeps_every_element(tiny_config, tiny_event, tmp_path):
    pair, bands = _run(_with_layout(tiny_config, 150), tiny_event, tmp_path)
    assert pair["status"] == "ok" and pair["n_elements"] == 150
    codes = pair["geometry"]["codes"]
    assert len(set(codes)) == 150 and all(len(c.split(".")[1]) <= 5 for c in codes)
    qc = pd.read_csv(tmp_path / "qc.csv")
    assert len(qc) == 150 and qc["kept"].all()
    assert len(read_band(bands["1-2Hz"])) == 150
    from corephase.stages.tables import summarise

    out = [tmp_path / f"{k}.csv" for k in ("pairs", "detections", "coda")]
    summarise([tmp_path / "pair.json"], [], [], *out)
    assert pd.read_csv(out[0])["n_elements"].tolist() == [150]


def test_missing_records_make_the_pair_partial(tiny_config, tiny_event, tmp_path):
    def drop_nine(st):
        st.traces = st.traces[:9]

    pair, _ = _run(_with_layout(tiny_config, 18), tiny_event, tmp_path, edit=drop_nine)
    assert pair["status"] == "partial" and pair["n_elements"] == 9
    assert pair["reason"] == "9 of 18 elements without usable records"
    qc = pd.read_csv(tmp_path / "qc.csv", keep_default_na=False)
    assert len(qc) == 18 and qc["kept"].sum() == 9
    assert (qc.loc[~qc["kept"], "reason"].str.startswith("missing record")).sum() == 9


def test_clipped_and_gappy_records_have_reasons(tiny_config, tiny_event, tmp_path):
    tiny_config["window"]["start_offset_s"] = -600  # a window long enough for a 30 s gap

    def damage(st):
        tr = st[0]
        peak = np.percentile(np.abs(tr.data), 99)  # the P wavelet and its coda saturate
        tr.data = np.clip(tr.data, -peak, peak)
        gappy = st[1]
        n, gap = gappy.stats.npts, int(30 * gappy.stats.sampling_rate)
        late = gappy.copy()
        late.trim(gappy.stats.starttime + (n // 2 + gap) * gappy.stats.delta)
        gappy.trim(gappy.stats.starttime, gappy.stats.starttime + (n // 2 - 1) * gappy.stats.delta)
        st.append(late)

    pair, _ = _run(tiny_config, tiny_event, tmp_path, edit=damage)
    qc = pd.read_csv(tmp_path / "qc.csv", keep_default_na=False).set_index("id")
    assert len(qc) == 4 and qc["kept"].sum() == 3
    assert qc.iloc[0]["reason"].startswith("clipped") and not qc.iloc[0]["kept"]
    assert qc.iloc[1]["kept"] and qc.iloc[1]["reason"] == "gap of 30.0 s interpolated"
    assert pair["status"] == "partial" and pair["reason"].startswith("1 of 4 elements")


def test_duplicate_seed_ids_are_refused(tiny_config, tiny_event, tmp_path):
    tiny_config["preprocess"]["min_elements"] = 2

    def collide(st):
        st[1].stats.station = st[0].stats.station  # two elements, one SEED id

    pair, _ = _run(tiny_config, tiny_event, tmp_path, edit=collide)
    qc = pd.read_csv(tmp_path / "qc.csv", keep_default_na=False)
    reasons = sorted(qc.loc[~qc["kept"], "reason"])
    assert reasons[0].startswith("duplicate SEED id") and reasons[1].startswith("missing record")
    assert pair["n_elements"] == 2 and pair["status"] == "partial"
