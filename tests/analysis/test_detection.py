"""Phase detection on the real YKA record: ScP found, injected PKiKP-like phase recovered."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from corephase.analysis.detection import COLUMNS
from corephase.analysis.detection import detect_phases as _detect_phases
from corephase.config.stack import NOISE_CALIBRATED_THRESHOLDS, DetectionSettings, StackSettings
from corephase.io.stations import geometry_from_inventory
from corephase.model.events import events_from_quakeml
from corephase.model.geometry import ArrayGeometry
from corephase.model.traveltimes import PhaseArrival, distance_backazimuth, first_arrivals
from corephase.signal.alignment import plane_wave_delays, shift_traces

CFG = {
    "types": ["linear", "pws"],
    "snr_threshold": 3.0,
    "band_hz": [1.0, 3.0],
    "resampling": "bootstrap",
    "bootstrap": 10,
    "seed": 0,
    "vespagram_slowness_s_deg": [0.0, 10.0, 0.1],
    "fk_slowness_max_s_km": 0.1,
    "fk_step_s_km": 0.0025,
}


_DETECTION_KEYS = {f.name for f in dataclasses.fields(DetectionSettings)}


def settings_from(cfg: dict) -> StackSettings:
    """Settings from a flat dict of stack and detection keys."""
    stack = {k: v for k, v in cfg.items() if k not in _DETECTION_KEYS}
    return StackSettings.from_dict(
        {**stack, "detection": {k: v for k, v in cfg.items() if k in _DETECTION_KEYS}}
    )


def detect_phases(st, geom, ev, arrivals, band, cfg, curation=None, **kw):
    """``detect_phases`` with the settings, FK band and seed of a flat test dict."""
    cfg = dict(cfg)
    band_hz, seed = cfg.pop("band_hz", None), cfg.pop("seed", 0)
    return _detect_phases(
        st,
        geom,
        ev,
        arrivals,
        band,
        settings_from(cfg),
        curation,
        band_hz=band_hz,
        seed=seed,
        **kw,
    )


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
    geom = geometry_from_inventory("YKA", inv, st, time=t0)
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
    cfg = dict(CFG, types=["pws"])
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
    cfg = dict(CFG, resampling="none")
    arr = {"ScP": arrivals["ScP"], "PKiKP": arrivals["PKiKP"]}
    df = detect_phases(st, geom, ev, arr, "1-3Hz", cfg, curation=cur)
    scp = df[df["phase"] == "ScP"]
    assert (~scp["detected"]).all() and (scp["decided_by"] == "curation").all()
    assert scp["reason"].str.contains("glitch").all()
    assert (df[df["phase"] == "PKiKP"]["decided_by"] == "auto").all()
    assert df["snr_lo"].isna().all()  # no resampling requested
    with pytest.raises(ValueError, match="lacks column"):
        detect_phases(st, geom, ev, arr, "b", cfg, curation=pd.DataFrame({"event": [ev.id]}))


def test_bad_inputs_and_windows_outside_data(yka):
    st, geom, ev, arrivals, _ = yka
    with pytest.raises(ValueError, match="codes in order"):
        detect_phases(st[::-1], geom, ev, {"ScP": arrivals["ScP"]}, "b", CFG)
    with pytest.raises(ValueError, match=r"stack\.types"):
        detect_phases(st, geom, ev, {"ScP": arrivals["ScP"]}, "b", dict(CFG, types=["x"]))
    late = PhaseArrival("PKIIKP", 5000.0, 1.0, 5.0)
    df = detect_phases(st, geom, ev, {"PKIIKP": late}, "b", dict(CFG, bootstrap=0))
    assert not df["detected"].any()
    assert df["reason"].str.contains("outside the data").all()


# ----------------------------------------------------------------------------------------------
# The batched bootstrap reproduces the per-resample loop (the original implementation)
# ----------------------------------------------------------------------------------------------
NUMERIC = [
    "snr",
    "snr_lo",
    "snr_hi",
    "slowness_obs_s_deg",
    "slowness_err_s_deg",
    "baz_obs_deg",
    "baz_err_deg",
    "slowness_fk_s_deg",
    "fk_relpow",
    "t_peak_s",
    "coherence",
]
ALL_STACKS = ["linear", "pws", "nthroot", "envelope"]


def _assert_same_table(new, ref):
    assert list(new.columns) == list(ref.columns) and len(new) == len(ref)
    a, b = new[NUMERIC].to_numpy(float), ref[NUMERIC].to_numpy(float)
    np.testing.assert_array_equal(np.isnan(a), np.isnan(b))
    ok = ~np.isnan(b)
    np.testing.assert_allclose(a[ok], b[ok], rtol=1e-6, atol=1e-9)
    assert (new["detected"] == ref["detected"]).all()
    assert (new["reason"] == ref["reason"]).all()


@pytest.mark.parametrize(
    "extra",
    [
        {},
        # gate, other powers, no envelope smoothing, elevation and table statics
        dict(
            pws_gate_s=0.6,
            pws_nu=1.5,
            nthroot_n=3.0,
            envelope_smooth_s=0.0,
            v_surface_km_s=5.8,
            statics={"YKA1": 0.02, "YKB3": -0.03},
        ),
        # curved wavefront, coarse slowness grid, other windows
        dict(
            curved_wavefront=True,
            vespagram_slowness_s_deg=[1.0, 9.0, 0.25],
            signal_window_s=[-3.0, 6.0],
            noise_window_s=[-30.0, -4.0],
        ),
    ],
    ids=["default", "gate-statics", "curved-coarse"],
)
def test_batched_bootstrap_reproduces_loop_on_yka(yka, extra):
    st, geom, ev, arrivals, _ = yka
    cfg = dict(CFG, types=ALL_STACKS, bootstrap=5, seed=3, **extra)
    arr = {"ScP": arrivals["ScP"], "PKiKP": arrivals["PKiKP"]}
    new = detect_phases(st, geom, ev, arr, "1-3Hz", cfg)
    ref = detect_phases(st, geom, ev, arr, "1-3Hz", cfg, method="loop")
    _assert_same_table(new, ref)
    assert new["detected"].any() and (new["snr_lo"] < new["snr_hi"]).all()


def _plane_wave_stream(n_el=12, slowness_s_deg=6.0, baz=120.0, seed=5):
    """Noise plus a wavelet crossing a random 15 km array at 200 s; returns stream, geometry."""
    from obspy import Stream, Trace, UTCDateTime

    from corephase.model.geometry import KM_PER_DEG, local_km_to_latlon

    rng = np.random.default_rng(seed)
    east, north = rng.uniform(-7.5, 7.5, n_el), rng.uniform(-7.5, 7.5, n_el)
    lat, lon = local_km_to_latlon(east, north, 60.0, 10.0)
    codes = [f"XX.S{i:02d}..SHZ" for i in range(n_el)]
    geom = ArrayGeometry("PW", codes, lat, lon, np.zeros(n_el), 60.0, 10.0)
    dt, n = 0.05, 8000
    t = np.arange(n) * dt
    wav = np.exp(-(((t - 200.0) / 0.5) ** 2)) * np.cos(2 * np.pi * 1.5 * (t - 200.0))
    e, nn = geom.offsets_km()
    tau = plane_wave_delays(e, nn, slowness_s_deg / KM_PER_DEG, baz)
    data = 0.3 * rng.standard_normal((n_el, n)) + shift_traces(np.tile(wav, (n_el, 1)), -tau, dt)
    t0 = UTCDateTime(2020, 1, 1)
    st = Stream(
        [
            Trace(
                row,
                header={
                    "network": "XX",
                    "station": c.split(".")[1],
                    "channel": "SHZ",
                    "delta": dt,
                    "starttime": t0,
                },
            )
            for c, row in zip(codes, data, strict=True)
        ]
    )
    return st, geom, t0


def test_batched_bootstrap_reproduces_loop_on_plane_wave():
    """No reference data needed: a known plane wave in noise on a random 12-element array."""
    from corephase.model.events import Event
    from corephase.model.traveltimes import distance_backazimuth

    ev = Event("pw", "2020-01-01T00:00:00", 10.0, 70.0, 33.0, 6.0, "mb", "pw")
    _, baz, _ = distance_backazimuth(ev.latitude, ev.longitude, 60.0, 10.0)
    st, geom, _ = _plane_wave_stream(baz=baz)
    arr = {"X": PhaseArrival("X", 200.0, 6.0, 20.0)}
    cfg = dict(
        CFG,
        types=ALL_STACKS,
        bootstrap=8,
        seed=1,
        band_hz=[1.0, 2.5],
        vespagram_slowness_s_deg=[0.0, 12.0, 0.1],
        pws_gate_s=0.3,
    )
    new = detect_phases(st, geom, ev, arr, "b", cfg)
    ref = detect_phases(st, geom, ev, arr, "b", cfg, method="loop")
    _assert_same_table(new, ref)
    # the known wave: every stack sees it; the coherent stacks also get its slowness and baz
    assert (new["snr"] > 5).all()
    coherent = new[new["stack"] != "envelope"]
    assert coherent["detected"].all(), coherent["reason"].tolist()
    assert np.all(np.abs(coherent["slowness_obs_s_deg"] - 6.0) <= 0.3)
    assert np.all(np.abs((new["baz_obs_deg"] - baz + 180) % 360 - 180) <= 5.0)


def test_method_and_stack_parameters_are_checked(yka):
    st, geom, ev, arrivals, _ = yka
    arr = {"ScP": arrivals["ScP"]}
    with pytest.raises(ValueError, match="method"):
        detect_phases(st, geom, ev, arr, "b", CFG, method="fast")
    with pytest.raises(ValueError, match="nu must be >= 0"):
        detect_phases(st, geom, ev, arr, "b", dict(CFG, pws_nu=-1.0))
    with pytest.raises(ValueError, match="nth-root order"):
        detect_phases(st, geom, ev, arr, "b", dict(CFG, types=["nthroot"], nthroot_n=0.5))


# ----------------------------------------------------------------------------------------------
# Weighted (bootstrap) vespagrams and FK against one call per selection
# ----------------------------------------------------------------------------------------------
def _selections(n_el, n_sel, seed):
    rng = np.random.default_rng(seed)
    w = np.array([np.bincount(rng.integers(0, n_el, n_el), minlength=n_el) for _ in range(n_sel)])
    w[0] = 1
    return w


@pytest.mark.parametrize("precision,rtol", [("double", 1e-10), ("single", 2e-5)])
def test_weighted_vespagram_stacks_equal_vespagram_per_selection(precision, rtol):
    from corephase.model.geometry import KM_PER_DEG
    from corephase.signal.stacking import StackParams
    from corephase.signal.vespagram import (
        SlownessScan,
        vespagram_nfft,
        vespagram_stacks,
        weighted_vespagram_stacks,
    )

    st, geom, _ = _plane_wave_stream(n_el=10, baz=40.0)
    x, y = geom.offsets_km()
    dt = 0.05
    s = np.arange(0.0, 12.01, 0.2) / KM_PER_DEG
    statics = np.random.default_rng(2).normal(0.0, 0.05, x.size)
    w = _selections(x.size, 14, seed=4)
    params = StackParams(nu=1.5, gate_s=0.4, n=3.0, smooth_s=0.5)

    def nffts(m):
        return {
            vespagram_nfft(m, dt, x[r > 0], y[r > 0], SlownessScan(s, 40.0, statics[r > 0]))
            for r in w
        }

    # a trace length at which the selections need different FFT lengths (grouping exercised)
    m = next(m for m in range(830, 1200) if len(nffts(m)) > 1)
    data = np.vstack([tr.data for tr in st])[:, 3700 : 3700 + m]
    samples = {"linear": (0, m), "pws": (300, 500), "nthroot": (290, 520), "envelope": (5, 600)}
    got = {k: [] for k in [*ALL_STACKS, "coherence"]}
    chunks = weighted_vespagram_stacks(
        data,
        dt,
        x,
        y,
        SlownessScan(s, 40.0, statics),
        w,
        ALL_STACKS,
        params=params,
        samples=samples,
        precision=precision,
        max_bytes=2**20,
    )
    for j0, j1, res in chunks:
        assert j1 > j0
        for k in got:
            got[k].append(res[k])
    got = {k: np.concatenate(v, axis=1) for k, v in got.items()}
    assert len(got["pws"]) == len(w)
    for r, counts in enumerate(w):
        sel = np.repeat(np.arange(x.size), counts)
        ref = vespagram_stacks(
            data[sel],
            dt,
            x[sel],
            y[sel],
            SlownessScan(s, 40.0, statics[sel]),
            ALL_STACKS,
            params=params,
            precision=precision,
        )
        for k, v in got.items():
            a, b = samples["pws" if k == "coherence" else k]
            scale = np.abs(ref[k]).max()
            np.testing.assert_allclose(v[r], ref[k][:, a:b], rtol=0, atol=rtol * scale)


def test_weighted_vespagram_checks_arguments():
    from corephase.signal.vespagram import SlownessScan, weighted_vespagram_stacks

    d = np.random.default_rng(0).standard_normal((3, 100))
    x, y = np.array([0.0, 1.0, 2.0]), np.zeros(3)
    scan = SlownessScan([0.0], 0.0)
    with pytest.raises(ValueError, match="weights must have shape"):
        weighted_vespagram_stacks(d, 0.05, x, y, scan, np.ones((2, 4)))
    with pytest.raises(ValueError, match="all zero"):
        weighted_vespagram_stacks(d, 0.05, x, y, scan, np.zeros((1, 3)))
    with pytest.raises(ValueError, match="outside the data"):
        weighted_vespagram_stacks(d, 0.05, x, y, scan, np.ones(3), samples=(50, 200))


def test_weighted_fk_power_equals_fk_power_per_selection():
    from corephase.signal.fk import FKParams, fk_peak, fk_power, weighted_fk_power

    st, geom, _ = _plane_wave_stream(n_el=12, slowness_s_deg=6.0, baz=250.0)
    data = np.vstack([tr.data for tr in st])
    x, y = geom.offsets_km()
    w = _selections(x.size, 9, seed=7)
    window, fk = (3960, 4160), FKParams(0.1, 0.0025, 1.0, 2.5)
    sx, sy, pa, pr = weighted_fk_power(data, 0.05, x, y, window, fk, w)
    assert pa.shape == pr.shape == (len(w), sx.size, sy.size)
    for r, counts in enumerate(w):
        sel = np.repeat(np.arange(x.size), counts)
        _, _, pa1, pr1 = fk_power(data[sel], 0.05, x[sel], y[sel], window, fk)
        np.testing.assert_allclose(pa[r], pa1, rtol=1e-10, atol=1e-12 * pa1.max())
        np.testing.assert_allclose(pr[r], pr1, rtol=1e-10, atol=1e-12)
    s_km, baz, _, _ = fk_peak(sx, sy, pr[0])
    assert baz == pytest.approx(250.0, abs=5.0)
    assert s_km * 111.19 == pytest.approx(6.0, abs=0.6)


def test_per_stack_thresholds_keep_false_alarms_rare_on_noise():
    """On noise alone the calibrated per-stack thresholds give (almost) no detections,
    while one linear-style threshold of 3 lets the nonlinear stacks fire often."""
    from obspy import Stream, Trace, UTCDateTime

    from corephase.model.events import Event
    from corephase.model.geometry import ArrayGeometry, local_km_to_latlon, parametric_layout
    from corephase.model.traveltimes import PhaseArrival
    from corephase.signal.stacking import STACK_TYPES
    from corephase.sources.noise import peterson_noise

    e, n = parametric_layout("rings", 16, 20.0)
    lat, lon = local_km_to_latlon(e, n, 62.5, -114.6)
    geom = ArrayGeometry("T", [f"XX.T{i:02d}..SHZ" for i in range(16)], lat, lon)
    ev = Event("ev", "2014-06-23T20:53:09", 51.95, 178.58, 106.0)
    dt, npts = 0.05, 12000
    data = peterson_noise(16, npts, dt, 0.5, np.random.default_rng(7)) * 1e9
    t0 = UTCDateTime(ev.time) + 700.0
    st = Stream(
        [
            Trace(
                d,
                header={
                    "network": "XX",
                    "station": f"T{i:02d}",
                    "channel": "SHZ",
                    "delta": dt,
                    "starttime": t0,
                },
            )
            for i, d in enumerate(data)
        ]
    )
    st.filter("bandpass", freqmin=1.0, freqmax=2.0, corners=4, zerophase=True)
    rng = np.random.default_rng(3)
    arrivals = {
        f"N{k}": PhaseArrival(f"N{k}", float(t), float(s), 10.0)
        for k, (t, s) in enumerate(
            zip(np.linspace(760.0, 1280.0, 30), rng.uniform(0.3, 4.0, 30), strict=True)
        )
    }
    base = {"types": list(STACK_TYPES), "resampling": "none", "band_hz": [1.0, 2.0]}
    cal = detect_phases(
        st, geom, ev, arrivals, "1-2Hz", {**base, "snr_threshold": NOISE_CALIBRATED_THRESHOLDS}
    )
    flat = detect_phases(st, geom, ev, arrivals, "1-2Hz", {**base, "snr_threshold": 3.0})
    over = {
        k: float(np.mean(cal[cal["stack"] == k]["snr"] >= NOISE_CALIBRATED_THRESHOLDS[k]))
        for k in STACK_TYPES
    }
    assert max(over.values()) <= 0.1, over
    assert cal["detected"].sum() <= 3
    nonlinear = flat[flat["stack"].isin(["pws", "nthroot"])]
    assert np.mean(nonlinear["snr"] >= 3.0) > 0.25
    with pytest.raises(ValueError, match="no value for stack"):
        detect_phases(st, geom, ev, arrivals, "1-2Hz", {**base, "snr_threshold": {"linear": 3}})


def test_jackknife_interval_holds_the_estimate_where_the_bootstrap_is_biased(yka):
    """Real YKA ScP: bootstrap resamples repeat elements and their noise, so their SNRs
    sit below the full-array SNR; leave-one-out resamples do not."""
    st, geom, ev, arrivals, _ = yka
    arr = {"ScP": arrivals["ScP"]}
    boot = detect_phases(st, geom, ev, arr, "1-3Hz", dict(CFG, bootstrap=40))
    jack = detect_phases(st, geom, ev, arr, "1-3Hz", dict(CFG, resampling="jackknife"))
    b = boot[boot["stack"] == "linear"].iloc[0]
    j = jack[jack["stack"] == "linear"].iloc[0]
    assert b["snr"] == pytest.approx(j["snr"])
    assert b["snr_hi"] < b["snr"]  # the bias the jackknife avoids
    assert j["snr_lo"] < j["snr"] < j["snr_hi"]
    # the interval is symmetric in log(snr), so it never crosses zero
    assert j["snr_lo"] > 0
    assert np.log(j["snr"] / j["snr_lo"]) == pytest.approx(np.log(j["snr_hi"] / j["snr"]))
    # robust (MAD) spreads: 0 when most leave-one-out peaks fall on the same grid point
    assert 0 <= j["slowness_err_s_deg"] < 1.0 and 0 <= j["baz_err_deg"] < 10.0
    assert j["resample_agreement"] == 1.0
    with pytest.raises(ValueError, match="resampling"):
        detect_phases(st, geom, ev, arr, "1-3Hz", dict(CFG, resampling="bagging"))


def test_small_array_strong_phase_is_unconstrained_not_detected():
    """A 4 km array at 1-2 Hz cannot resolve PcP's slowness (1 / (f * aperture) is
    18.5 s/deg): however strong the beam, the call is ``unconstrained`` with the
    resolution in the reason. Allowed to decide anyway, its slowness tolerance
    widens with the resampled spread but never past 3 s/deg."""
    from corephase.config.synthetic import SyntheticSettings
    from corephase.config.validation import load_config
    from corephase.io.stations import geometry_from_config
    from corephase.model.traveltimes import distance_backazimuth, record_window
    from corephase.planning.pairs import configured_events
    from corephase.signal.preprocess import bandpass
    from corephase.sources.synthetic import synthesize
    from corephase.stages.common import pair_geometry_info
    from corephase.utils.random import pair_seed

    root = __import__("pathlib").Path(__file__).resolve().parents[2]
    cfg = load_config(root / "config.yaml")
    ev = {e.id: e for e in configured_events(cfg)}["20140623_Aleutians"]
    arr = cfg["arrays"]["BCAR"]
    geom = geometry_from_config("BCAR", arr)
    window = record_window(pair_geometry_info(arr, ev, cfg)["arrivals"], cfg["window"])
    # The world this test was written for: no long P coda (at BCAR it fills the noise
    # window of PcP and lowers its SNR to ~7) and only pP and sP as depth phases.
    amps = {"P": 1.0, "pP": 0.4, "sP": 0.3, "PcP": 0.12, "ScP": 0.2, "PKiKP": 0.012}
    legacy = {"p_coda": {"ratio": 0.0}, "coda": {"ratio": 0.3}, "amplitudes": amps}
    legacy |= {"polarities": {"pP": -1, "sP": -1}, "depth_phase_radiation_p": 0.0}
    syn = SyntheticSettings.merged(cfg["synthetic"], legacy, {"depth_phase_radiation_s": 0.0})
    st, _ = synthesize(geom, ev, window, syn, seed=pair_seed(cfg["seed"], "BCAR", ev.id))
    st = bandpass(st, 1.0, 2.0)
    dist, _, _ = distance_backazimuth(ev.latitude, ev.longitude, arr["ref_lat"], arr["ref_lon"])
    pcp = first_arrivals(ev.depth_km, dist, ["PcP"])
    base = dict(CFG, types=["linear"], band_hz=[1.0, 2.0], resampling="jackknife")
    row = detect_phases(st, geom, ev, pcp, "1-2Hz", base).iloc[0]
    assert row["snr"] > 30 and row["snr"] > row["snr_threshold"]
    assert row["call"] == "unconstrained" and not row["detected"]
    assert "resolution 18.5" in row["reason"]
    assert row["slowness_resolution_s_deg"] == pytest.approx(18.5, abs=0.1)
    loose = detect_phases(st, geom, ev, pcp, "1-2Hz", dict(base, resolution_limit_s_deg=30.0))
    assert 1.0 <= loose.iloc[0]["slowness_tolerance_s_deg"] <= 3.0


def test_library_defaults_are_the_workflow_defaults():
    """Called from Python without settings, detect_phases uses the workflow's stacks and
    per-stack thresholds (a library PWS threshold of 3 passed ~45 % of noise windows)."""
    from corephase.config import validate_config
    from corephase.model.events import Event

    workflow = validate_config(
        {
            "arrays": {"A": {"source": "local", "path": "x", "ref_lat": 0, "ref_lon": 0}},
            "events": {"list": []},
        }
    )["stack"]
    assert StackSettings() == StackSettings.from_dict(workflow)
    assert StackSettings().snr_threshold == workflow["snr_threshold"]
    assert workflow["snr_threshold"] == NOISE_CALIBRATED_THRESHOLDS
    assert NOISE_CALIBRATED_THRESHOLDS["pws"] == 10.0
    ev = Event("pw", "2020-01-01T00:00:00", 10.0, 70.0, 33.0, 6.0, "mb", "pw")
    st, geom, _ = _plane_wave_stream(n_el=8)
    arr = {"X": PhaseArrival("X", 200.0, 6.0, 20.0)}
    default = _detect_phases(st, geom, ev, arr, "b")
    configured = _detect_phases(st, geom, ev, arr, "b", StackSettings.from_dict(workflow))
    assert list(default["stack"]) == ["linear", "pws", "nthroot", "envelope"]
    pd.testing.assert_frame_equal(default, configured)


def test_phase_without_arrival_at_some_elements_is_a_recorded_reason():
    """A dense network across ScP's cut-off (~63 deg at 106 km): no crash, a reason."""
    from corephase.analysis.detection import detect_phase
    from corephase.model.events import Event
    from corephase.model.geometry import local_km_to_latlon

    ev = Event("ev", "2014-06-23T22:29:51", 51.95, 178.58, 106.0, 6.0, "mb")
    ref_lat, ref_lon = 33.0, -95.0  # 62.5 deg from the event; elements 55-70 deg
    east = np.linspace(-700.0, 700.0, 8)
    north = np.linspace(500.0, -500.0, 8)
    lat, lon = local_km_to_latlon(east, north, ref_lat, ref_lon)
    codes = [f"XX.S{i}..BHZ" for i in range(8)]
    geom = ArrayGeometry("WIDE", codes, lat, lon, np.zeros(8), ref_lat, ref_lon)
    dist, _, _ = distance_backazimuth(ev.latitude, ev.longitude, ref_lat, ref_lon)
    arrival = first_arrivals(ev.depth_km, dist, ["ScP"])["ScP"]
    data = np.random.default_rng(0).standard_normal((8, 4000))
    settings = StackSettings(detection=DetectionSettings(curved_wavefront=True))
    det = detect_phase(
        data, 0.05, arrival.time - 100.0, geom, ev, "ScP", arrival, "1-2Hz", settings,
        band_hz=(1.0, 2.0),
    )  # fmt: skip
    assert det.beams == {}
    assert not det.table["detected"].any()
    assert det.table["reason"].str.startswith("no alignment: phase ScP has no").all()
