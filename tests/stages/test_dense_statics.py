"""Empirical station statics applied by the stack stage to dense sub-array pairs.

Done-when of issue 19 (item 1), through the stages: TA sub-arrays (300 km, >= 8
stations open on 2010-03-01 at 40-70 deg from a 100 km deep event in northern
Chile) as synthetic pairs (fetch, preprocess, stack), with 0.3 s random station
statics in the records. Linear-beam PKiKP SNR at 1-2 Hz with the stage's
empirical statics (measured on P) against the same records without statics.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from support.pairs import run_pair_stages

from corephase.config import validate_config
from corephase.model.events import Event
from corephase.planning.dense_pairs import dense_array_config
from corephase.planning.stations import resolve_stations, select_dense_stations, subarray_groups
from corephase.stages.dense_statics import STATICS_COLUMNS

EVENT = Event("syn", "2010-03-01T00:00:00", -20.0, -70.0, 100.0)


def _subarray(k: int) -> pd.DataFrame:
    sta = select_dense_stations(resolve_stations("package:TA_stations.csv"), EVENT, 40, 70)
    lab = subarray_groups(sta["latitude"], sta["longitude"], 300.0, 8)
    return sta[lab == k]


def _config(stations, statics_std_s: float, method: str) -> dict:
    ncfg = {"source": "synthetic", "network": "TA", "statics": {"method": method}}
    arr = dense_array_config(ncfg, stations)
    arr["synthetic"] = {"statics_std_s": statics_std_s}
    curved = arr.pop("curved_wavefront")  # a dense pair's key, not an IMS array's
    cfg = validate_config(
        {
            "phases": ["PKiKP"],
            "bands": [{"name": "1-2Hz", "fmin": 1.0, "fmax": 2.0}],
            "window": {
                "start_phase": "P",
                "start_offset_s": -60,
                "end_phase": "PKiKP",
                "end_offset_s": 60,
            },
            "synthetic": {
                "amplitudes": {"P": 1.0, "PcP": 0.1, "PKiKP": 0.04},
                "noise_level": 0.5,
                "p_amplitude_nm_s": 3000.0,
                "p_coda": {"ratio": 0.0},
            },
            "stack": {"types": ["linear"], "detection": {"resampling": "none"}},
            "arrays": {"SUB": arr},
            "events": {"list": [EVENT.to_dict()]},
        }
    )
    cfg["arrays"]["SUB"]["curved_wavefront"] = curved
    return cfg


def _run(tmp_path, stations, std, method) -> tuple[float, pd.DataFrame, dict]:
    cfg = _config(stations, std, method)
    p = run_pair_stages(tmp_path / f"{std}-{method}", cfg, "SUB", EVENT)
    det = pd.read_csv(p["detections"])
    snr = float(det.loc[(det["phase"] == "PKiKP") & (det["stack"] == "linear"), "snr"].iloc[0])
    return snr, pd.read_csv(p["statics"]), cfg


@pytest.mark.parametrize("k", [0])
def test_stage_statics_recover_pkikp_snr(tmp_path, k):
    stations = _subarray(k)
    clean, none_table, _ = _run(tmp_path, stations, 0.0, "none")
    raw, _, _ = _run(tmp_path, stations, 0.3, "none")
    corrected, table, _ = _run(tmp_path, stations, 0.3, "empirical")
    print(f"sub-array {k}: clean {clean:.1f}, raw {raw:.1f}, corrected {corrected:.1f}")
    assert none_table.empty and list(none_table.columns) == STATICS_COLUMNS
    assert len(table) == len(stations) and table["applied"].sum() >= 0.8 * len(stations)
    assert (table["phase"] == "P").all() and table["rms_residual_s"].iloc[0] < 0.1
    assert corrected >= 0.8 * clean
    assert raw < 0.6 * clean


def _small():
    from corephase.model.geometry import ArrayGeometry
    from corephase.model.traveltimes import PhaseArrival

    lat = 35.0 + 0.5 * np.arange(4) / 3
    lon = -100.0 + 0.5 * (np.arange(4) % 2)
    geom = ArrayGeometry("S", [f"TA.S{i}..BHZ" for i in range(4)], lat, lon)
    return geom, [PhaseArrival("P", 600.0, 6.0, 20.0)]


def test_statics_off_or_impossible_leave_the_settings_and_say_why(tmp_path):
    from corephase.config.stack import StackSettings
    from corephase.stages.dense_statics import PairStatics

    geom, arrivals = _small()
    settings = StackSettings()
    data = np.zeros((4, 200))
    off = PairStatics({"model": "ak135", "statics": {"method": "none"}})
    assert off.apply(settings, data, 0.05, 590.0, geom, EVENT, arrivals, "b") is settings
    assert not off.rows and not PairStatics({"model": "ak135"}).enabled
    no_phase = PairStatics({"model": "ak135", "statics": {"phases": ["PKJKP"]}})
    assert no_phase.apply(settings, data, 0.05, 590.0, geom, EVENT, arrivals, "b") is settings
    assert {r["reason"] for r in no_phase.rows} == {"none of ['PKJKP'] listed"}
    short = PairStatics({"model": "ak135", "statics": {}})  # P window beyond a 10 s record
    assert short.apply(settings, data, 0.05, 0.0, geom, EVENT, arrivals, "b") is settings
    assert short.rows and all("outside the record" in r["reason"] for r in short.rows)
    short.write(tmp_path / "s.csv")
    table = pd.read_csv(tmp_path / "s.csv")
    assert list(table.columns) == STATICS_COLUMNS and len(table) == 4
    assert not table["applied"].any()


def test_dense_pairs_carry_empirical_statics_by_default():
    stations = _subarray(0)
    arr = dense_array_config({"source": "synthetic", "network": "TA"}, stations)
    assert arr["statics"]["method"] == "empirical" and arr["statics"]["phases"] == ["P", "PcP"]
    arr = dense_array_config(
        {"source": "synthetic", "network": "TA", "statics": {"method": "none"}}, stations
    )
    assert arr["statics"]["method"] == "none"
