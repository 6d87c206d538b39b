"""Stage ``coda``: one small synthetic pair through fetch, preprocess and coda."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest

from corephase.analysis.coda import BeamAlignment, analyse_coda, load_coda_arrays
from corephase.config import validate_config
from corephase.config.coda import CodaSettings
from corephase.io.bands import read_band
from corephase.io.files import read_json, write_json
from corephase.model.events import Event
from corephase.stages.coda import coda_alignment, coda_pair
from corephase.stages.common import load_pair
from corephase.stages.fetch import fetch_pair
from corephase.stages.preprocess import preprocess_pair
from corephase.utils.random import pair_seed

EVENT = Event("20140623_Aleutians", "2014-06-23T20:53:09", 51.95, 178.58, 106.0, 6.0, "mb")
ARRAY = {
    "source": "synthetic",
    "network": "IM",
    "ref_lat": 63.0647,
    "ref_lon": -141.785,
    "elements": {"layout": {"kind": "rings", "n": 8, "aperture_km": 4.0}},
}


# ends 250 s after PKiKP: its 150 s coda window clears the 5 % end taper
WINDOW = {"start_phase": "P", "start_offset_s": -100, "end_phase": "PKiKP", "end_offset_s": 250}


def tiny_config():
    """One 8-element array, one event, one band, 4 coda resamples (validated, defaults filled)."""
    config = {
        "coda": {"bootstrap": 4},
        "bands": [{"name": "1-2Hz", "fmin": 1.0, "fmax": 2.0}],
        "phases": ["PcP", "ScP", "PKiKP"],
        "window": dict(WINDOW),
        "synthetic": {"noise_level": 0.3},
        "arrays": {"BCAR": copy.deepcopy(ARRAY)},
        "events": {"list": [{k: v for k, v in EVENT.__dict__.items() if k != "label"}]},
    }
    return validate_config(config)


@pytest.fixture(scope="module")
def pair_inputs(tmp_path_factory):
    """pair.json and the band-passed miniSEED of one synthetic pair."""
    d = tmp_path_factory.mktemp("pair")
    config = tiny_config()
    arr = config["arrays"]["BCAR"]
    raw = (d / "raw.mseed", d / "stations.xml", d / "event.xml", d / "fetch.json")
    fetch_pair("BCAR", arr, EVENT, config, *raw)
    bands = {"1-2Hz": d / "1-2Hz.npz"}
    preprocess_pair("BCAR", arr, config, *raw, bands, d / "qc.csv", d / "pair.json")
    return config, d / "pair.json", bands


def run_stage(tmp_path, config, pair_json, bands):
    arrays = {"1-2Hz": tmp_path / "1-2Hz.npz"}
    table = pd.DataFrame(coda_pair(pair_json, bands, config, tmp_path / "coda.csv", arrays))
    return table, pd.read_csv(tmp_path / "coda.csv"), load_coda_arrays(arrays["1-2Hz"])


def test_coda_stage_writes_table_and_arrays(tmp_path, pair_inputs):
    config, pair_json, bands = pair_inputs
    _, csv, arrays = run_stage(tmp_path, config, pair_json, bands)
    assert list(csv["phase"]) == ["PcP", "ScP", "PKiKP"]
    assert (csv["pair_status"] == "ok").all() and csv["synthetic"].all()
    assert (csv["bootstrap"] == 4).all() and (csv["band"] == "1-2Hz").all()
    assert csv["qc"].isna().all(), csv["qc"].tolist()
    assert (csv["peak_snr"] > 1).all()
    # every excess is measured or says why not (this event's PcP coda window holds S,
    # pPcP, sPcP, ...: more than half of it is masked)
    assert (np.isfinite(csv["coda_excess"]) | csv["excess_reason"].notna()).all()
    assert {"duration_ratio_PcP", "coda_slowness_fraction"} <= set(csv.columns)
    # the stage is analyse_coda with the config's settings and the pair's seed
    assert {"coda_p_value", "coda_threshold", "coda_excess_unmasked"} <= set(csv.columns)
    assert (csv["false_positive_rate"] == 0.05).all()
    _, event, geom, arrivals = load_pair(pair_json)
    st = read_band(bands["1-2Hz"]).to_stream()  # through ObsPy: the same numbers
    direct, _ = analyse_coda(
        st,
        geom,
        event,
        arrivals,
        "1-2Hz",
        (1.0, 2.0),
        CodaSettings.from_dict(config["coda"]),
        pair_seed(config["seed"], "BCAR", event.id),
        taper_s=0.05 * st[0].stats.npts * st[0].stats.delta,  # preprocess.taper_fraction
    )
    np.testing.assert_allclose(csv["coda_excess_lo"], direct["coda_excess_lo"], rtol=1e-12)
    assert arrays["meta"]["band_label"] == "1-2Hz" and arrays["meta"]["array"] == "BCAR"
    assert set(arrays["phases"]) == {"PcP", "ScP", "PKiKP"}
    cur = arrays["phases"]["PKiKP"]
    assert cur["t"].shape == cur["log10_env"].shape
    assert arrays["vespagram"]["log10_power"].shape[1] == arrays["vespagram"]["t"].size


def test_coda_stage_aligns_like_the_detection(tmp_path, pair_inputs):
    config, pair_json, bands = pair_inputs
    pair = read_json(pair_json)
    codes = pair["geometry"]["codes"]
    statics = {c: 0.167 * (-1) ** i for i, c in enumerate(codes)}
    cfg = copy.deepcopy(config)
    cfg["stack"]["detection"].update(statics=statics, v_surface_km_s=5.8)
    assert coda_alignment(cfg, pair) == BeamAlignment(
        curved=False, model="ak135", v_surface_km_s=5.8, statics=statics
    )
    assert coda_alignment(config, {**pair, "curved_wavefront": True}).curved
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    _, plain, _ = run_stage(tmp_path / "a", config, pair_json, bands)
    _, shifted, _ = run_stage(tmp_path / "b", cfg, pair_json, bands)
    # wrong statics of +-0.167 s (half a period at 1.5 Hz between neighbours) destroy
    # the coherent PcP pulse of the 1-2 Hz beam
    assert shifted["peak_snr"].iloc[0] < 0.7 * plain["peak_snr"].iloc[0]


def test_coda_stage_records_pairs_without_data(tmp_path, pair_inputs):
    config, pair_json, bands = pair_inputs
    pair = read_json(pair_json)
    pair.update(status="no_data", reason="nothing served")
    write_json(pair, tmp_path / "pair.json")
    _, csv, arrays = run_stage(tmp_path, config, tmp_path / "pair.json", bands)
    assert len(csv) == 1 and csv["pair_status"].iloc[0] == "no_data"
    assert arrays["meta"] == {"status": "no_data", "reason": "nothing served"}


def test_a_record_without_pre_p_noise_gets_a_qc_row_not_a_crash(tmp_path, tiny_config, tiny_event):
    """The tiny config's window starts at PcP - 60 s: no noise before P to measure N0."""
    from support.pairs import run_pair_stages

    p = run_pair_stages(tmp_path / "pair", tiny_config, "TINY", tiny_event)
    table = pd.read_csv(p["coda_table"])
    assert table["qc"].str.startswith("not measured: noise window").all()
    assert load_coda_arrays(p["coda"]["1-2Hz"])["meta"]["reason"].startswith("coda not measured")
