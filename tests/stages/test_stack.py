"""Stage stack: one small synthetic pair through fetch, preprocess and stack_pair."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from support.studies import ALEUTIANS

from corephase.analysis.detection.measure import cf_snr
from corephase.config import validate_config
from corephase.config.stack import NOISE_CALIBRATED_THRESHOLDS, StackSettings
from corephase.io.bands import read_band
from corephase.io.files import read_json
from corephase.model.events import Event
from corephase.model.geometry import local_km_to_latlon
from corephase.signal.alignment import align, element_delays
from corephase.signal.matrix import stream_to_matrix
from corephase.signal.stacking import STACK_TYPES, envelope, stack
from corephase.stages.common import load_pair
from corephase.stages.fetch import fetch_pair
from corephase.stages.preprocess import preprocess_pair
from corephase.stages.stack import stack_pair, stack_settings

EVENT = ALEUTIANS
REF = (63.0647, -141.785)
STATICS = {"T03": 0.04, "T05": -0.03}


def _elements(n=8, radius_km=12.0):
    ang = np.linspace(0.0, 2 * np.pi, n, endpoint=False)
    east, north = radius_km * np.cos(ang), radius_km * np.sin(ang)
    lat, lon = local_km_to_latlon(east, north, *REF)
    return [
        {
            "station": f"T{i:02d}",
            "latitude": float(a),
            "longitude": float(o),
            "elevation_m": 150.0 * i,
        }
        for i, (a, o) in enumerate(zip(lat, lon, strict=True))
    ]


def _config():
    return validate_config(
        {
            "phases": ["PcP", "PKiKP"],
            "bands": [{"name": "1-2Hz", "fmin": 1.0, "fmax": 2.0}],
            "window": {
                "start_phase": "P",
                "start_offset_s": -60,
                "end_phase": "PKiKP",
                "end_offset_s": 60,
            },
            "stack": {
                "detection": {
                    "statics": STATICS,
                    "v_surface_km_s": 5.8,
                    "curved_wavefront": True,
                }
            },
            "synthetic": {"noise_level": 0.3},
            "arrays": {
                "TA": {
                    "source": "synthetic",
                    "network": "XX",
                    "ref_lat": REF[0],
                    "ref_lon": REF[1],
                    "elements": {"list": _elements()},
                }
            },
            "events": {"list": [EVENT]},
        }
    )


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    """Run the three stages; return (config, directory, table, beams)."""
    d = tmp_path_factory.mktemp("pair")
    cfg = _config()
    arr = cfg["arrays"]["TA"]
    ev = Event(**EVENT)
    raw = [d / "raw.mseed", d / "stations.xml", d / "event.xml", d / "fetch.json"]
    fetch_pair("TA", arr, ev, cfg, *raw)
    bands = {"1-2Hz": d / "1-2Hz.npz"}
    preprocess_pair("TA", arr, cfg, *raw, bands, d / "qc.csv", d / "pair.json")
    table = pd.DataFrame(
        stack_pair(d / "pair.json", bands, cfg, d / "detections.csv", d / "beams.npz")
    )
    with np.load(d / "beams.npz") as npz:
        beams = dict(npz)
    return cfg, d, table, beams


def test_table_and_beams_are_complete(pair):
    _, d, table, beams = pair
    assert read_json(d / "pair.json")["status"] == "ok"
    assert len(table) == 2 * len(STACK_TYPES)
    assert set(table["phase"]) == {"PcP", "PKiKP"}
    assert (table["pair_status"] == "ok").all() and table["synthetic"].all()
    assert table["amplitude"].notna().all() and (table["amplitude"] > 0).all()
    assert pd.read_csv(d / "detections.csv")["snr"].to_numpy() == pytest.approx(table["snr"])
    pcp = table[(table["phase"] == "PcP") & (table["stack"] == "linear")].iloc[0]
    assert pcp["detected"], pcp["reason"]
    t = beams["1-2Hz/time"]
    for ph in ("PcP", "PKiKP"):
        for k in (*STACK_TYPES, "coherence"):
            assert beams[f"1-2Hz/{ph}/{k}"].shape == t.shape


def _aligned(cfg, d, phase, **delay_kw):
    """The band record aligned on ``phase`` with the given alignment settings."""
    _, event, geom, arrivals = load_pair(d / "pair.json")
    # through ObsPy, as the stage read the band before its band files (same numbers)
    data, dt, t0 = stream_to_matrix(read_band(d / "1-2Hz.npz").to_stream(), geom)
    baz = read_json(d / "pair.json")["baz_deg"]
    delays = element_delays(
        geom, arrivals[phase].slowness_s_km, baz, event=event, phase=phase, **delay_kw
    )
    return align(data, delays, dt), dt, float(t0 - event.origin), arrivals[phase]


@pytest.mark.parametrize("phase", ["PcP", "PKiKP"])
def test_saved_beam_is_the_beam_the_detection_measured(pair, phase):
    """One alignment (curved wavefront, elevation and station statics) makes the saved beams,
    the ``amplitude`` column and the detection's SNR and peak time."""
    cfg, d, table, beams = pair
    full = dict(curved=True, model=cfg["model"], v_surface_km_s=5.8, statics=STATICS)
    aligned, dt, t_start, arr = _aligned(cfg, d, phase, **full)
    settings = StackSettings.from_dict(cfg["stack"])
    t = beams["1-2Hz/time"]
    assert t[0] == pytest.approx(t_start) and t[1] - t[0] == pytest.approx(dt)
    rows = table[table["phase"] == phase].set_index("stack")
    sw = settings.windows(phase)[0]
    # the noise window used (moved off the onsets of stronger arrivals of the arrival list)
    nw = [float(v) for v in rows["noise_window_s"].iloc[0].split(",")]
    sig = slice(
        round((arr.time + sw[0] - t_start) / dt), round((arr.time + sw[1] - t_start) / dt) + 1
    )
    noi = slice(
        round((arr.time + nw[0] - t_start) / dt), round((arr.time + nw[1] - t_start) / dt) + 1
    )
    for kind in STACK_TYPES:
        ref = stack(aligned, kind, dt, settings.stack_params())
        saved = beams[f"1-2Hz/{phase}/{kind}"]
        scale = np.abs(ref.beam).max()
        np.testing.assert_allclose(saved, ref.beam, rtol=0, atol=1e-5 * scale)
        cf = saved if kind == "envelope" else envelope(saved.astype(float))
        snr, k = cf_snr(kind, cf, sig, noi)
        assert rows.loc[kind, "snr"] == pytest.approx(snr, rel=1e-4)
        assert rows.loc[kind, "t_peak_s"] == pytest.approx(t[sig.start + k], abs=1e-6)
        win = (t >= arr.time + sw[0]) & (t <= arr.time + sw[1])
        assert rows.loc[kind, "amplitude"] == pytest.approx(np.abs(saved[win]).max(), rel=1e-6)
    # the curved wavefront and the statics are honoured: a plane-wave alignment without
    # statics gives a measurably different beam
    plane, *_ = _aligned(cfg, d, phase, model=cfg["model"])
    saved = beams[f"1-2Hz/{phase}/linear"]
    other = stack(plane, "linear").beam
    assert np.abs(saved - other).max() > 100 * np.abs(saved - stack(aligned, "linear").beam).max()


def test_settings_from_config_and_pair():
    cfg = validate_config(
        {
            "arrays": {"A": {"source": "local", "path": "x", "ref_lat": 0, "ref_lon": 0}},
            "events": {"list": []},
        }
    )
    s = stack_settings(cfg, {"curved_wavefront": False})
    assert s == StackSettings()  # the library defaults are the workflow's
    assert s.snr_threshold == NOISE_CALIBRATED_THRESHOLDS
    assert s.threshold("pws") == 10.0 and s.threshold("nthroot") == 20.0
    assert s.detection.resampling == "jackknife" and s.detection.bootstrap == 20
    assert stack_settings(cfg, {"curved_wavefront": True}).detection.curved_wavefront
