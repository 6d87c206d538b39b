"""Global detection catalogue from per-pair detection tables."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from corephase.analysis.catalogue import (
    CATALOGUE_COLUMNS,
    DETECTION_COLUMNS,
    build_catalogue,
    detections_per_pair,
    read_catalogue,
    write_catalogue,
)
from corephase.analysis.ratios import pkikp_pcp_table
from corephase.model.bounce import bounce_point
from corephase.model.traveltimes import distance_backazimuth, first_arrivals

EVENTS = {
    "ev2014aleut": (51.95, 178.58, 109.0, 7.9),
    "ev2012okh": (49.8, 145.06, 583.0, 7.7),
}
ARRAYS = {
    "ILAR": (64.7714, -146.8866),
    "YKA": (62.493, -114.605),
    "PDAR": (42.7765, -109.5826),
}
PHASES = ("PcP", "PKiKP")
BANDS = ("0.5-2Hz", "1-4Hz")
STACKS = ("linear", "pws")


def _pair_tables(rng, event, array, detect_pkikp=True):
    ev_lat, ev_lon, depth, _ = EVENTS[event]
    st_lat, st_lon = ARRAYS[array]
    dist, baz, _ = distance_backazimuth(ev_lat, ev_lon, st_lat, st_lon)
    arr = first_arrivals(depth, dist, PHASES)
    rows = []
    for ph in PHASES:
        for band in BANDS:
            for stack in STACKS:
                det = ph == "PcP" or detect_pkikp
                a = arr[ph]
                snr = float(rng.uniform(4, 12) if det else rng.uniform(0.5, 2))
                rows.append(
                    dict(
                        event=event,
                        array=array,
                        phase=ph,
                        band=band,
                        stack=stack,
                        t_theory_s=a.time,
                        slowness_theory_s_deg=a.slowness_s_deg,
                        baz_theory_deg=baz,
                        snr=snr,
                        snr_lo=snr - 1,
                        snr_hi=snr + 1,
                        slowness_obs_s_deg=a.slowness_s_deg + rng.normal(0, 0.1),
                        slowness_err_s_deg=0.1,
                        baz_obs_deg=(baz + rng.normal(0, 2)) % 360,
                        baz_err_deg=2.0,
                        t_peak_s=a.time + rng.normal(0, 0.3),
                        coherence=0.5,
                        detected=det,
                        decided_by="snr",
                        reason="" if det else "snr below threshold",
                        n_elements=19,
                    )
                )
    meta = dict(
        event=event,
        array=array,
        event_time="2014-06-23T20:53:09Z",
        event_lat=ev_lat,
        event_lon=ev_lon,
        event_depth_km=depth,
        event_mag=EVENTS[event][3],
        array_lat=st_lat,
        array_lon=st_lon,
        distance_deg=dist,
        status="ok",
        qc=[],
    )
    return pd.DataFrame(rows), meta


@pytest.fixture()
def pair_files(tmp_path):
    rng = np.random.default_rng(8)
    det_paths, meta_paths, tables = [], [], {}
    for i, event in enumerate(EVENTS):
        for j, array in enumerate(ARRAYS):
            table, meta = _pair_tables(rng, event, array, detect_pkikp=(array != "PDAR"))
            tables[(event, array)] = table
            suffix = ".parquet" if (i + j) % 2 else ".csv"
            p = tmp_path / f"{event}_{array}_detections{suffix}"
            if suffix == ".csv":
                table.to_csv(p, index=False)
            else:
                table.to_parquet(p, index=False)
            m = tmp_path / f"{event}_{array}_meta.json"
            m.write_text(json.dumps(meta))
            det_paths.append(p)
            meta_paths.append(m)
    # one pair rejected by QC, with a header-only detection table
    meta = dict(meta, array="TXAR", array_lat=29.334, array_lon=-103.667, status="rejected")
    meta["qc"] = ["gaps in 12 of 19 channels", "no response"]
    meta["distance_deg"] = distance_backazimuth(
        meta["event_lat"], meta["event_lon"], 29.334, -103.667
    )[0]
    m = tmp_path / "txar_meta.json"
    m.write_text(json.dumps(meta))
    p = tmp_path / "txar_detections.csv"
    pd.DataFrame(columns=list(DETECTION_COLUMNS)).to_csv(p, index=False)
    det_paths.append(p)
    meta_paths.append(m)
    return det_paths, meta_paths, tables


def test_build_one_row_per_key_and_values(pair_files):
    det_paths, meta_paths, tables = pair_files
    cat = build_catalogue(det_paths, meta_paths)
    assert list(cat.columns) == list(CATALOGUE_COLUMNS)
    n_det = len(EVENTS) * len(ARRAYS) * len(PHASES) * len(BANDS) * len(STACKS)
    assert len(cat) == n_det + 1  # + the QC-rejected pair
    keyed = cat[cat["phase"].notna()]
    assert not keyed.duplicated(["event", "array", "phase", "band", "stack"]).any()

    rej = cat[cat["array"] == "TXAR"].iloc[0]
    assert rej["status"] == "rejected"
    assert rej["qc"] == "gaps in 12 of 19 channels; no response"
    assert pd.isna(rej["phase"]) and not rej["detected"]

    # residuals are observed minus theory, taken from the input tables
    src = pd.concat(tables.values(), ignore_index=True)
    m = keyed.merge(src, on=["event", "array", "phase", "band", "stack"], suffixes=("", "_in"))
    assert len(m) == n_det
    np.testing.assert_allclose(m["t_resid_s"], m["t_peak_s_in"] - m["t_theory_s_in"], atol=1e-9)
    d = (m["baz_obs_deg_in"] - m["baz_theory_deg_in"] + 180) % 360 - 180
    np.testing.assert_allclose(m["baz_resid_deg"], d, atol=1e-9)
    assert m["baz_resid_deg"].abs().max() < 15
    np.testing.assert_array_equal(m["detected"], m["detected_in"].astype(bool))


def test_pkikp_pcp_differential_and_ratio(pair_files):
    det_paths, meta_paths, tables = pair_files
    cat = build_catalogue(det_paths, meta_paths)
    diff = pkikp_pcp_table(cat)
    # PKiKP detected everywhere but at PDAR
    assert len(diff) == len(EVENTS) * (len(ARRAYS) - 1) * len(BANDS) * len(STACKS)
    assert "PDAR" not in set(diff["array"])
    for r in diff.itertuples():
        t = tables[(r.event, r.array)]
        sel = (t["band"] == r.band) & (t["stack"] == r.stack)
        k = t[sel & (t["phase"] == "PKiKP")].iloc[0]
        c = t[sel & (t["phase"] == "PcP")].iloc[0]
        assert r.dt_obs_s == pytest.approx(k.t_peak_s - c.t_peak_s)
        assert r.dt_theory_s == pytest.approx(k.t_theory_s - c.t_theory_s)
        assert r.amp_ratio == pytest.approx(k.snr / c.snr)
        assert r.amp_ratio_basis == "snr"
        # independent: PKiKP - PcP is positive and grows with distance for these geometries
        assert r.dt_theory_s > 0


def test_amplitude_column_preferred_for_ratio(pair_files, tmp_path):
    _, _, tables = pair_files
    t = tables[("ev2014aleut", "ILAR")].copy()
    t["amplitude"] = np.where(t["phase"] == "PKiKP", 2.0, 8.0)
    meta = {
        k: v for k, v in _pair_tables(np.random.default_rng(1), "ev2014aleut", "ILAR")[1].items()
    }
    cat = build_catalogue([t], [meta])
    diff = pkikp_pcp_table(cat)
    assert (diff["amp_ratio"] == 0.25).all()
    assert (diff["amp_ratio_basis"] == "window_amplitude").all()


def test_bounce_points_on_rows(pair_files):
    det_paths, meta_paths, _ = pair_files
    cat = build_catalogue(det_paths, meta_paths)
    r = cat[(cat["phase"] == "PKiKP") & (cat["array"] == "YKA")].iloc[0]
    exp = bounce_point(
        r.event_lat, r.event_lon, r.event_depth_km, r.array_lat, r.array_lon, "PKiKP"
    )
    assert (r.bounce_lat, r.bounce_lon, r.bounce_depth_km) == pytest.approx(exp)
    assert (cat.loc[cat["phase"] == "PcP", "bounce_depth_km"] == 2891.5).all()
    assert (cat.loc[cat["phase"] == "PKiKP", "bounce_depth_km"] == 5153.5).all()


def test_duplicates_raise(pair_files):
    det_paths, meta_paths, _ = pair_files
    with pytest.raises(ValueError, match="duplicate catalogue rows"):
        build_catalogue([*det_paths, det_paths[0]], meta_paths)
    with pytest.raises(ValueError, match="duplicate pair metadata"):
        build_catalogue(det_paths, [*meta_paths, meta_paths[0]])


def test_bad_input_raises(pair_files, tmp_path):
    det_paths, meta_paths, tables = pair_files
    with pytest.raises(ValueError, match="without pair metadata"):
        build_catalogue(det_paths, meta_paths[1:])
    t = tables[("ev2014aleut", "ILAR")].drop(columns=["snr_hi"])
    with pytest.raises(ValueError, match=r"missing columns \['snr_hi'\]"):
        build_catalogue([t], meta_paths)
    bad = tmp_path / "bad_meta.json"
    bad.write_text(json.dumps({"event": "x", "array": "y"}))
    with pytest.raises(ValueError, match="missing required keys"):
        build_catalogue([], [bad])
    t = tables[("ev2014aleut", "ILAR")].copy()
    t["detected"] = "maybe"
    with pytest.raises(ValueError, match="boolean"):
        build_catalogue([t], meta_paths)


def test_write_roundtrip_and_atomic(pair_files, tmp_path):
    det_paths, meta_paths, _ = pair_files
    cat = build_catalogue(det_paths, meta_paths)
    out = tmp_path / "out"
    csv, pq = out / "catalogue.csv", out / "catalogue.parquet"
    write_catalogue(cat, csv, pq)
    for p in (csv, pq):
        back = read_catalogue(p)
        assert len(back) == len(cat)
        assert list(back.columns) == list(CATALOGUE_COLUMNS)
        np.testing.assert_allclose(back["t_resid_s"], cat["t_resid_s"], rtol=1e-5)
        assert back["detected"].sum() == cat["detected"].sum()
    before = csv.read_bytes()

    # a column pyarrow cannot store: the Parquet write fails, nothing is replaced
    broken = cat.copy()
    vals = list(broken["qc"])
    vals[0], vals[1] = {"not": "serialisable"}, 3.5
    broken["qc"] = pd.Series(vals, index=broken.index, dtype=object)
    with pytest.raises(pa.ArrowException):
        write_catalogue(broken, csv, pq)
    assert csv.read_bytes() == before
    assert sorted(p.name for p in out.iterdir()) == ["catalogue.csv", "catalogue.parquet"]

    dup = pd.concat([cat, cat.iloc[[3]]], ignore_index=True)
    with pytest.raises(ValueError, match="duplicate"):
        write_catalogue(dup, csv, pq)


def test_detections_per_pair(pair_files):
    det_paths, meta_paths, _ = pair_files
    cat = build_catalogue(det_paths, meta_paths)
    per = detections_per_pair(cat, "PKiKP")
    assert len(per) == len(EVENTS) * len(ARRAYS) + 1
    assert per["detected"].sum() == len(EVENTS) * (len(ARRAYS) - 1)
    assert not per.loc[per["array"].isin(["PDAR", "TXAR"]), "detected"].any()


def test_only_rejected_pairs(tmp_path):
    """A run where every pair failed QC still gives a catalogue (one row per pair)."""
    metas = [
        dict(
            event="ev1",
            array=a,
            event_lat=10.0,
            event_lon=20.0,
            event_depth_km=30.0,
            array_lat=lat,
            array_lon=lon,
            distance_deg=d,
            status="rejected",
            qc="no data",
        )
        for a, lat, lon, d in (("YKA", 62.5, -114.6, 100.0), ("ILAR", 64.8, -146.9, 90.0))
    ]
    cat = build_catalogue([], metas)
    assert len(cat) == 2 and not cat["detected"].any()
    assert cat["phase"].isna().all() and (cat["status"] == "rejected").all()
    write_catalogue(cat, tmp_path / "c.csv", tmp_path / "c.parquet")
    assert len(read_catalogue(tmp_path / "c.parquet")) == 2
    with pytest.raises(ValueError, match="no pair metadata"):
        build_catalogue([], [])
