"""Phase detection on the real YKA record: ScP found, injected PKiKP-like phase recovered."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from corephase.beam import plane_wave_delays, shift_traces
from corephase.detection import COLUMNS, detect_phases
from corephase.events import events_from_quakeml
from corephase.geometry import ArrayGeometry
from corephase.traveltimes import PhaseArrival, distance_backazimuth, first_arrivals

CFG = {
    "stacks": ["linear", "pws"],
    "band_hz": [1.0, 3.0],
    "bootstrap": 10,
    "seed": 0,
    "vespagram_slowness_s_deg": [0.0, 10.0, 0.1],
    "fk_slowness_max_s_km": 0.1,
    "fk_step_s_km": 0.0025,
}


@pytest.fixture(scope="module")
def yka(yka_dir):
    import obspy

    ev = events_from_quakeml(yka_dir / "event.quakeml")[0]
    st = obspy.read(str(yka_dir / "CN.YKA.SHZ.mseed"))
    inv = obspy.read_inventory(str(yka_dir / "CN.YKA.stationxml"))
    st.sort()
    st.trim(ev.origin - 1700, ev.origin + 1000)
    st.detrend("demean")
    st.taper(0.02)
    st.filter("bandpass", freqmin=1.0, freqmax=3.0, corners=4, zerophase=True)
    t0 = max(tr.stats.starttime for tr in st)
    t1 = min(tr.stats.endtime for tr in st)
    st.trim(t0, t1, nearest_sample=False)
    n = min(tr.stats.npts for tr in st)
    for tr in st:
        tr.data = tr.data[:n].astype(float)
    codes = [tr.id for tr in st]
    co = [inv.get_coordinates(c, t0) for c in codes]
    geom = ArrayGeometry(
        "YKA",
        codes,
        [c["latitude"] for c in co],
        [c["longitude"] for c in co],
        [c["elevation"] for c in co],
    )
    dist, baz, _ = distance_backazimuth(ev.latitude, ev.longitude, geom.ref_lat, geom.ref_lon)
    arrivals = first_arrivals(ev.depth_km, dist, ["ScP", "PKiKP"])
    return st, geom, ev, arrivals, baz


def test_scp_found_at_ak135_slowness_and_baz(yka):
    st, geom, ev, arrivals, baz = yka
    df = detect_phases(st, geom, ev, {"ScP": arrivals["ScP"]}, "1-3Hz", CFG)
    assert list(df.columns) == COLUMNS
    assert len(df) == 2
    for _, r in df.iterrows():
        assert r["detected"] and r["decided_by"] == "auto"
        assert r["slowness_theory_s_deg"] == pytest.approx(4.34, abs=0.02)
        assert abs(r["slowness_obs_s_deg"] - r["slowness_theory_s_deg"]) <= 0.3
        assert abs((r["baz_obs_deg"] - baz + 180) % 360 - 180) <= 3.0
        assert r["snr"] > 5 and r["snr_lo"] <= r["snr_hi"]
        assert 0 <= r["slowness_err_s_deg"] < 0.5 and 0 <= r["baz_err_deg"] < 5
        assert abs(r["t_peak_s"] - r["t_theory_s"]) < 8
        assert r["coherence"] > 0.5
        assert r["n_elements"] == 18


def _noise_with_injection(yka, amplitude):
    """Pre-event noise of the real record, re-stamped so that a synthetic PKiKP falls in it."""
    st, geom, ev, arrivals, _ = yka
    pk = arrivals["PKiKP"]
    noise = st.slice(ev.origin - 1600, ev.origin - 700).copy()  # before the P wave
    shift = (ev.origin + pk.time - 500.0) - noise[0].stats.starttime
    for tr in noise:
        tr.stats.starttime += shift  # PKiKP now 500 s into the noise
    data = np.vstack([tr.data for tr in noise])
    dt = noise[0].stats.delta
    t = np.arange(data.shape[1]) * dt
    tc = 500.0
    wavelet = np.exp(-(((t - tc) / 0.6) ** 2)) * np.cos(2 * np.pi * 1.5 * (t - tc))
    east, north = geom.offsets_km()
    _, baz, _ = distance_backazimuth(ev.latitude, ev.longitude, geom.ref_lat, geom.ref_lon)
    tau = plane_wave_delays(east, north, pk.slowness_s_km, baz)
    rms = np.sqrt(np.mean(data**2))
    data = data + amplitude * rms * shift_traces(np.tile(wavelet, (len(noise), 1)), -tau, dt)
    for tr, row in zip(noise, data, strict=True):
        tr.data = row
    return noise


def test_injected_pkikp_detected_by_pws_at_stated_amplitude_only(yka):
    """Peak amplitude 1.0 x the RMS of the 1-3 Hz noise: detected; 0.1 x: not."""
    _, geom, ev, arrivals, _ = yka
    cfg = dict(CFG, stacks=["pws"])
    arr = {"PKiKP": arrivals["PKiKP"]}
    strong = detect_phases(_noise_with_injection(yka, 1.0), geom, ev, arr, "1-3Hz", cfg)
    weak = detect_phases(_noise_with_injection(yka, 0.1), geom, ev, arr, "1-3Hz", cfg)
    s, w = strong.iloc[0], weak.iloc[0]
    assert s["detected"], s["reason"]
    # a 22 km array at 1-3 Hz resolves slowness near vertical incidence only to ~1 s/deg
    assert abs(s["slowness_obs_s_deg"] - arrivals["PKiKP"].slowness_s_deg) <= 1.0
    assert "baz not tested" in s["reason"]
    assert not w["detected"], w["reason"]
    assert s["snr"] > 2 * w["snr"]


def test_curation_overrides_and_says_so(yka, tmp_path):
    st, geom, ev, arrivals, _ = yka
    cur = tmp_path / "curation.csv"
    pd.DataFrame(
        [{"event": ev.id, "array": "YKA", "phase": "ScP", "accept": False, "reason": "glitch"}]
    ).to_csv(cur, index=False)
    cfg = dict(CFG, bootstrap=0)
    arr = {"ScP": arrivals["ScP"], "PKiKP": arrivals["PKiKP"]}
    df = detect_phases(st, geom, ev, arr, "1-3Hz", cfg, curation=cur)
    scp = df[df["phase"] == "ScP"]
    assert (~scp["detected"]).all() and (scp["decided_by"] == "curation").all()
    assert scp["reason"].str.contains("glitch").all()
    assert (df[df["phase"] == "PKiKP"]["decided_by"] == "auto").all()
    assert df["snr_lo"].isna().all()  # no bootstrap requested
    with pytest.raises(ValueError, match="lacks column"):
        detect_phases(st, geom, ev, arr, "b", cfg, curation=pd.DataFrame({"event": [ev.id]}))


def test_bad_inputs_and_windows_outside_data(yka):
    st, geom, ev, arrivals, _ = yka
    with pytest.raises(ValueError, match="codes in order"):
        detect_phases(st[::-1], geom, ev, {"ScP": arrivals["ScP"]}, "b", CFG)
    with pytest.raises(ValueError, match="stacks"):
        detect_phases(st, geom, ev, {"ScP": arrivals["ScP"]}, "b", dict(CFG, stacks=["x"]))
    late = PhaseArrival("PKIIKP", 5000.0, 1.0, 5.0)
    df = detect_phases(st, geom, ev, {"PKIIKP": late}, "b", dict(CFG, bootstrap=0))
    assert not df["detected"].any()
    assert df["reason"].str.contains("outside the data").all()
