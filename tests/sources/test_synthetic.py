"""Synthetic array recordings: TauP timing, amplitudes, phases, noise, determinism."""

from __future__ import annotations

import json

import numpy as np
import pytest
from obspy.geodetics import locations2degrees
from obspy.taup import TauPyModel
from scipy.integrate import quad
from scipy.signal import hilbert, welch

from corephase.config import ConfigError
from corephase.config.fetch import WindowSettings
from corephase.config.synthetic import SyntheticSettings
from corephase.model.events import Event
from corephase.model.geometry import (
    KM_PER_DEG,
    ArrayGeometry,
    local_km_to_latlon,
    parametric_layout,
)
from corephase.model.traveltimes import (
    distance_backazimuth,
    first_arrivals,
    record_window,
    window_phases,
)
from corephase.sources.noise import peterson_psd
from corephase.sources.synthetic import synthesize

REF_LAT, REF_LON = 62.49, -114.61
# No noise, codas or automatic depth phases: each test adds what it checks.
NO_P_CODA_OR_DEPTH_PHASES = {
    "p_coda": {"ratio": 0.0},
    "depth_phase_radiation_p": 0.0,
    "depth_phase_radiation_s": 0.0,
}
QUIET = {
    "noise": False,
    "coda": {"ratio": 0.0},
    **NO_P_CODA_OR_DEPTH_PHASES,
    "p_amplitude_nm_s": 1000.0,
}


def _geometry(aperture_km=20.0, n=21, kind="rings"):
    e, nn = parametric_layout(kind, n, aperture_km)
    lat, lon = local_km_to_latlon(e, nn, REF_LAT, REF_LON)
    codes = [f"XX.E{i:02d}..SHZ" for i in range(n)]
    return ArrayGeometry("TST", codes, lat, lon, ref_lat=REF_LAT, ref_lon=REF_LON)


def _event(dist_deg=40.0, depth_km=15.0, mag=6.0):
    # Due south of the array along its meridian: back-azimuth 180 degrees.
    return Event("ev", "2012-08-14T02:59:38", REF_LAT - dist_deg, REF_LON, depth_km, mag, "mb")


def _synth(geometry, event, cfg=None, seed=0):
    """synthesize() as the fetch stage calls it: settings from a config section
    (plus ``window`` and ``model`` keys) and the record window of record_window."""
    cfg = dict(cfg or {})
    window = WindowSettings.from_dict(cfg.pop("window", None)).to_dict()
    model = cfg.pop("model", "ak135")
    settings = SyntheticSettings.merged(cfg)
    dist, _, _ = distance_backazimuth(
        event.latitude, event.longitude, geometry.ref_lat, geometry.ref_lon
    )
    phases = ["P", *window_phases(window)]
    arrivals = first_arrivals(event.depth_km, dist, phases, model)
    return synthesize(
        geometry, event, record_window(arrivals, window), settings, seed=seed, model=model
    )


def _peak_times(st, info, t_guess, half_window_s=1.0):
    """Per-trace time (s after origin) and signed value of the largest |amplitude|
    near t_guess, from band-limited (sinc) interpolation of the samples."""
    dt = 1.0 / info["sampling_rate_hz"]
    t0 = info["window"]["start_s"]
    out, peaks = [], []
    for tr, tg in zip(st, np.broadcast_to(t_guess, len(st)), strict=True):
        x = tr.data.astype(float)
        k0 = round((tg - half_window_s - t0) / dt)
        k = k0 + int(np.argmax(np.abs(x[k0 : k0 + int(2 * half_window_s / dt)])))
        idx = np.arange(max(k - 200, 0), min(k + 201, x.size))
        tau = np.linspace(k - 1.0, k + 1.0, 801)
        y = np.sinc(tau[:, None] - idx[None, :]) @ x[idx]
        j = int(np.argmax(np.abs(y)))
        out.append(t0 + tau[j] * dt)
        peaks.append(y[j])
    return np.array(out), np.array(peaks)


def test_arrival_times_match_taup_at_each_element():
    g = _geometry(aperture_km=150.0)  # wide enough for wavefront curvature to matter
    ev = _event(40.0)
    st, info = _synth(g, ev, {**QUIET, "amplitudes": {"PcP": 1.0}}, seed=4)
    model = TauPyModel("ak135")
    expected = []
    for lat, lon, static in zip(g.lat, g.lon, info["statics_s"], strict=True):
        d = locations2degrees(ev.latitude, ev.longitude, lat, lon)
        arr = model.get_travel_times(ev.depth_km, d, ["PcP"])[0]
        expected.append(arr.time + static)
    expected = np.array(expected)
    picked, _ = _peak_times(st, info, expected)
    dt = 1.0 / info["sampling_rate_hz"]
    assert np.max(np.abs(picked - expected)) < 0.1 * dt
    # Statics were applied (default std 0.03 s) and are recorded.
    assert 0.005 < np.std(info["statics_s"]) < 0.06
    np.testing.assert_allclose(info["element_times_s"]["PcP"], expected, atol=2e-3)


def test_plane_wave_moveout_gives_taup_slowness_and_backazimuth():
    g = _geometry(aperture_km=40.0)
    ev = _event(40.0)
    cfg = {**QUIET, "amplitudes": {"PcP": 1.0}, "statics_std_s": 0.0}
    st, info = _synth(g, ev, cfg, seed=1)
    t_ref = info["phases"]["PcP"]["time_s"]
    picked, _ = _peak_times(st, info, t_ref)
    east, north = g.offsets_km()
    # t_i = t0 + sx * x_i + sy * y_i; the slowness vector points along propagation.
    a = np.column_stack([np.ones_like(east), east, north])
    (_, sx, sy), *_ = np.linalg.lstsq(a, picked, rcond=None)
    slow_s_km = np.hypot(sx, sy)
    baz = np.degrees(np.arctan2(-sx, -sy)) % 360.0
    p_taup = TauPyModel("ak135").get_travel_times(ev.depth_km, info["distance_deg"], ["PcP"])
    assert slow_s_km * KM_PER_DEG == pytest.approx(p_taup[0].ray_param_sec_degree, rel=0.01)
    _, baz_true, _ = distance_backazimuth(ev.latitude, ev.longitude, REF_LAT, REF_LON)
    assert abs((baz - baz_true + 180) % 360 - 180) < 0.5


def test_relative_amplitudes_and_polarities():
    g = _geometry()
    ev = _event(40.0, depth_km=300.0)
    cfg = {**QUIET, "amplitudes": {"PcP": 0.12, "PKiKP": 0.012, "pP": 0.4}}
    cfg["polarities"] = {"pP": -1}
    st, info = _synth(g, ev, cfg, seed=2)
    _, pcp = _peak_times(st, info, np.array(info["element_times_s"]["PcP"]))
    _, pkikp = _peak_times(st, info, np.array(info["element_times_s"]["PKiKP"]))
    _, pp = _peak_times(st, info, np.array(info["element_times_s"]["pP"]))
    np.testing.assert_allclose(pkikp / pcp, 0.1, rtol=2e-3)
    np.testing.assert_allclose(pp / pcp, -0.4 / 0.12, rtol=2e-3)
    # Without P in the phase list the amplitudes scale p_amplitude_nm_s directly,
    # times the per-element log-normal site factor.
    np.testing.assert_allclose(pcp, 0.12 * 1000.0 * np.array(info["amplitude_factors"]), rtol=2e-3)


def test_depth_phases_only_for_deep_events():
    g = _geometry(n=5, kind="cross")
    amps = {"P": 1.0, "pP": 0.4, "sP": 0.3}
    cfg = {**QUIET, "amplitudes": amps, "polarities": {"pP": -1}, "depth_phase_min_km": 40.0}
    deep_st, deep = _synth(g, _event(60.0, 200.0), cfg, seed=0)
    assert {"P", "pP", "sP"} <= set(deep["phases"])
    assert not deep["skipped"]
    _, pp = _peak_times(deep_st, deep, np.array(deep["element_times_s"]["pP"]))
    assert np.all(pp < -0.3 * 1000.0 * 0.7)  # negative polarity, amplitude ~0.4 of P

    shallow_st, shallow = _synth(g, _event(60.0, 30.0), cfg, seed=0)
    assert set(shallow["phases"]) == {"P"}
    assert "depth_phase_min_km" in shallow["skipped"]["pP"]
    # Nothing at the (independently computed) pP time of the shallow event.
    t_pp = TauPyModel("ak135").get_travel_times(30.0, shallow["distance_deg"], ["pP"])[0].time
    t0 = shallow["window"]["start_s"]
    k = round((t_pp - t0) * 20)
    seg = np.abs(shallow_st[0].data[k - 10 : k + 10])
    assert seg.max() < 1e-6 * 1000.0


def test_phase_without_ray_is_skipped_and_recorded():
    st, info = _synth(_geometry(n=4, kind="line"), _event(40.0), {"noise": False}, seed=0)
    assert "PKJKP" not in info["phases"]
    assert "no ak135 TauP ray" in info["skipped"]["PKJKP"]
    assert len(st) == 4


def test_window_sampling_ids_and_provenance():
    g = _geometry(n=6, kind="line")
    st, info = _synth(g, _event(40.0), {"noise_level": 0.2}, seed=9)
    assert [tr.id for tr in st] == g.codes
    assert len({tr.stats.starttime.ns for tr in st}) == 1
    assert len({tr.stats.npts for tr in st}) == 1
    assert all(tr.data.dtype == np.float32 and tr.stats.synthetic for tr in st)
    dt_ns = 50_000_000
    assert st[0].stats.starttime.ns % dt_ns == 0
    origin = _event(40.0).origin
    t_start = st[0].stats.starttime - origin
    start_offset = WindowSettings().start_offset_s  # the default record window
    assert t_start == pytest.approx(info["phases"]["P"]["time_s"] + start_offset, abs=0.05)
    t_end = st[0].stats.endtime - origin
    assert t_end == pytest.approx(info["phases"]["PKIIKP"]["time_s"] + 180.0, abs=0.05)
    back = json.loads(json.dumps(info))
    assert back["source"] == "synthetic" and back["seed"] == 9
    assert back["noise_level"] == 0.2 and back["units"] == "nm/s"


def test_end_phase_falls_back_to_the_configured_phase():
    # Pdiff has no arrival at 40 deg: the configured fallback PcP sets the end
    window = {"end_phase": "Pdiff", "end_fallback_phase": "PcP"}
    cfg = {"noise": False, "amplitudes": {"P": 1.0, "PcP": 0.1}, "window": window}
    _, info = _synth(_geometry(n=3, kind="line"), _event(40.0), cfg, seed=0)
    assert info["window"]["end_s"] == pytest.approx(
        info["phases"]["PcP"]["time_s"] + 180, abs=0.05
    )


def test_same_seed_is_bit_identical_other_seed_differs():
    g = _geometry(n=7)
    a, ia = _synth(g, _event(40.0), {}, seed=123)
    b, ib = _synth(g, _event(40.0), {}, seed=123)
    c, _ = _synth(g, _event(40.0), {}, seed=124)
    assert all(np.array_equal(x.data, y.data) for x, y in zip(a, b, strict=True))
    assert json.dumps(ia, sort_keys=True) == json.dumps(ib, sort_keys=True)
    assert not np.array_equal(a[0].data, c[0].data)


def test_noise_in_synthetic_has_peterson_psd_in_nm_per_s():
    g = _geometry(n=12)
    cfg = {"p_amplitude_nm_s": 0.0, "noise_level": 0.7}
    st, _ = _synth(g, _event(40.0), cfg, seed=5)
    x = np.array([tr.data for tr in st], float)
    f, pxx = welch(x, fs=20.0, nperseg=1024, axis=-1)
    band = (f >= 0.2) & (f <= 5.0)
    err_db = 10 * np.log10(pxx.mean(0)[band] / (peterson_psd(f[band], 0.7) * 1e18))
    assert np.max(np.abs(err_db)) < 2.0


def test_realistic_snr_for_m6_at_40_degrees():
    g = _geometry(n=10)
    st, info = _synth(g, _event(40.0, 15.0, 6.0), {}, seed=3)
    bp = st.copy().filter("bandpass", freqmin=0.5, freqmax=3.0, corners=4, zerophase=True)
    t0 = info["window"]["start_s"]
    k_p = int((info["phases"]["P"]["time_s"] - t0) * 20)
    noise_rms = np.mean([tr.data[200 : k_p - 200].std() for tr in bp])
    p_peak = info["phases"]["P"]["peak_amplitude_nm_s"]
    pkikp_peak = info["phases"]["PKiKP"]["peak_amplitude_nm_s"]
    assert p_peak / noise_rms > 50.0  # P very clear
    assert pkikp_peak / noise_rms < 3.0  # PKiKP about at single-trace noise
    assert pkikp_peak / info["phases"]["PcP"]["peak_amplitude_nm_s"] == pytest.approx(0.1)


def test_coda_has_configured_level_and_decay():
    g = _geometry(n=21)
    cfg = {
        "noise": False,
        "amplitudes": {"P": 1.0},
        "p_amplitude_nm_s": 1000.0,
        "amplitude_jitter": 0.0,
        "coda": {"ratio": 0.5, "decay_s": 15.0},
        **NO_P_CODA_OR_DEPTH_PHASES,
        "window": {"end_phase": "P", "end_offset_s": 120.0},
    }
    st, info = _synth(g, _event(40.0), cfg, seed=6)
    x = np.array([tr.data for tr in st], float)
    t = info["window"]["start_s"] + np.arange(x.shape[1]) / 20.0
    lag = t - info["phases"]["P"]["time_s"]
    # Mean energy over the elements in 2-s bins from 4 s (after the direct wave) to 60 s.
    edges = np.arange(4.0, 60.0, 2.0)
    rms = np.array([np.sqrt(np.mean(x[:, (lag >= a) & (lag < a + 2)] ** 2)) for a in edges])
    slope, icpt = np.polyfit(edges + 1.0, np.log(rms), 1)
    assert -1.0 / slope == pytest.approx(15.0, rel=0.1)
    assert np.exp(icpt) == pytest.approx(0.5 * 1000.0, rel=0.15)
    # The coda envelope is incoherent: element envelopes differ.
    env = np.abs(hilbert(x, axis=-1))
    sel = (lag > 5) & (lag < 30)
    assert np.corrcoef(env[0, sel], env[1, sel])[0, 1] < 0.5


def test_tstar_lowers_peak_like_the_attenuated_ricker_spectrum():
    g = _geometry(n=3, kind="line")
    tstar, fp = 0.4, 1.5
    cfg = {
        **QUIET,
        "amplitudes": {"P": 1.0, "PKiKP": 0.5},
        "tstar": {"PKiKP": tstar},
        "amplitude_jitter": 0.0,
    }
    st, info = _synth(g, _event(40.0), cfg, seed=0)
    _, p = _peak_times(st, info, np.array(info["element_times_s"]["P"]))
    tk, k = _peak_times(st, info, np.array(info["element_times_s"]["PKiKP"]))
    np.testing.assert_allclose(p, 1000.0, rtol=1e-3)  # unattenuated P keeps the mb amplitude

    # Zero-phase attenuated Ricker at its centre: 2 * int_0^inf R(f) exp(-pi f t*) df.
    def ricker_spec(f):
        return 2 / np.sqrt(np.pi) * f**2 / fp**3 * np.exp(-(f**2) / fp**2)

    expect = 2 * quad(lambda f: ricker_spec(f) * np.exp(-np.pi * f * tstar), 0, 50)[0]
    np.testing.assert_allclose(k / (0.5 * 1000.0), expect, rtol=5e-3)
    # Zero phase: the attenuated peak stays at the TauP time.
    np.testing.assert_allclose(tk, info["element_times_s"]["PKiKP"], atol=5e-3)


def test_elevation_correction_delays_high_elements():
    g = _geometry(n=3, kind="line")
    g.elev_m = np.array([0.0, 1000.0, 0.0])
    base = {**QUIET, "amplitudes": {"P": 1.0}, "statics_std_s": 0.0}
    _, off = _synth(g, _event(40.0), {**base, "elevation_correction": False}, seed=0)
    _, on = _synth(g, _event(40.0), base, seed=0)  # on by default
    p_km = on["phases"]["P"]["slowness_s_km"]
    extra = np.array(on["element_times_s"]["P"]) - np.array(off["element_times_s"]["P"])
    np.testing.assert_allclose(extra, [0.0, np.sqrt(5.8**-2 - p_km**2), 0.0], atol=1e-9)


@pytest.mark.parametrize(
    ("cfg", "key"),
    [
        ({"noise_level": -0.1}, "noise_level"),
        ({"noise_level": 2.0}, "noise_level"),
        ({"wavelet": "morlet"}, "wavelet"),
        ({"wavelet_hz": 12.0}, "wavelet_hz"),
        ({"coda": {"decay_s": 0.0}}, "coda.decay_s"),
        ({"coda": {"ratio": "big"}}, "coda.ratio"),
        ({"amplitudes": {"PcP": -1.0}}, "amplitudes.PcP"),
        ({"statics_std_s": -0.01}, "statics_std_s"),
        ({"tstar": -1.0}, "tstar"),
        ({"noise_levle": 0.5}, "noise_levle"),
        ({"window": {"start_offset": 3}}, "start_offset"),
        ({"sampling_rate_hz": 0}, "sampling_rate_hz"),
    ],
)
def test_bad_cfg_raises_naming_the_key(cfg, key):
    with pytest.raises(ConfigError, match=key):
        _synth(_geometry(n=3, kind="line"), _event(40.0), cfg, seed=0)


def test_unknown_model_and_empty_window_raise():
    g, ev = _geometry(n=3, kind="line"), _event(40.0)
    with pytest.raises(ValueError, match="model 'iasp92'"):
        synthesize(g, ev, (500.0, 900.0), model="iasp92")
    with pytest.raises(ValueError, match="empty"):
        synthesize(g, ev, (900.0, 500.0))


def test_record_window_is_taken_as_given():
    st, info = synthesize(_geometry(n=3, kind="line"), _event(40.0), (400.0, 1000.0), seed=1)
    assert info["window"]["start_s"] == pytest.approx(400.0, abs=0.05)
    assert info["window"]["start_s"] <= 400.0 <= info["window"]["end_s"]
    assert info["window"]["end_s"] == pytest.approx(1000.0, abs=0.05)
    assert st[0].stats.starttime.ns % 50_000_000 == 0


def test_missing_magnitude_needs_explicit_amplitude():
    ev = Event("ev", "2012-08-14T02:59:38", REF_LAT - 40, REF_LON, 15.0)
    with pytest.raises(ValueError, match="p_amplitude_nm_s"):
        _synth(_geometry(n=3, kind="line"), ev, {"noise": False}, seed=0)


def test_settings_layers_merge_key_by_key():
    glob = {"coda": {"ratio": 0.1}, "amplitudes": {"P": 1.0, "PcP": 0.1}, "noise_level": 0.2}
    arr = {"coda": {"decay_s": 5.0}, "polarities": {"PcP": -1}, "amplitudes": {"P": 1.0}}
    s = SyntheticSettings.merged(glob, arr)
    assert (s.coda.ratio, s.coda.decay_s, s.coda.coherence) == (0.1, 5.0, 0.0)
    assert dict(s.polarities) == {"PcP": -1}
    assert dict(s.amplitudes) == {"P": 1.0}  # the set of phases is replaced, not merged
    assert s.noise_level == 0.2
    assert SyntheticSettings.merged() == SyntheticSettings()
    with pytest.raises(ConfigError, match=r"synthetic\.coda\.rate"):
        SyntheticSettings.merged({"coda": {"rate": 1.0}})


def test_fully_coherent_coda_is_identical_after_alignment():
    from corephase.signal.alignment import shift_traces

    g = _geometry(aperture_km=30.0, n=8)
    cfg = {
        "noise": False,
        "amplitudes": {"P": 1.0},
        "p_amplitude_nm_s": 1000.0,
        "amplitude_jitter": 0.0,
        "statics_std_s": 0.0,
        "coda": {"ratio": 0.5, "decay_s": 15.0, "coherence": 1.0},
        **NO_P_CODA_OR_DEPTH_PHASES,
        "window": {"end_phase": "P", "end_offset_s": 100.0},
    }
    st, info = _synth(g, _event(40.0), cfg, seed=6)
    x = np.array([tr.data for tr in st], float)
    times = np.array(info["element_times_s"]["P"])
    aligned = shift_traces(x, times - info["phases"]["P"]["time_s"], 0.05)
    t = info["window"]["start_s"] + np.arange(x.shape[1]) * 0.05
    sel = (t > info["phases"]["P"]["time_s"] + 5) & (t < info["phases"]["P"]["time_s"] + 40)
    ref = aligned[0, sel]
    assert np.max(np.abs(aligned[:, sel] - ref)) < 0.01 * np.max(np.abs(ref))
    # Incoherent coda (default) is not identical after alignment.
    st0, _ = _synth(g, _event(40.0), {**cfg, "coda": {"coherence": 0.0}}, seed=6)
    x0 = shift_traces(np.array([tr.data for tr in st0], float), times - times[0], 0.05)
    assert np.corrcoef(x0[0, sel], x0[1, sel])[0, 1] < 0.5


def test_noise_coherence_correlates_neighbouring_elements():
    g = _geometry(aperture_km=2.0, n=6)
    base = {"p_amplitude_nm_s": 0.0, "noise_slowness_s_km": [0.1, 0.3]}

    def mean_corr(coh):
        st, _ = _synth(g, _event(40.0), {**base, "noise_coherence": coh}, seed=2)
        bp = st.filter("bandpass", freqmin=0.1, freqmax=0.5, zerophase=True)
        c = np.corrcoef(np.array([tr.data for tr in bp], float))
        return c[np.triu_indices(len(st), 1)].mean()

    assert mean_corr(1.0) > 0.8
    assert abs(mean_corr(0.0)) < 0.2


def test_p_amplitude_is_mb_at_the_wavelet_period():
    from corephase.sources.synthetic import mb_q, p_velocity_amplitude_nm_s

    ev = _event(40.0, 15.0, 6.0)
    want = 2 * np.pi * 10 ** (6.0 - mb_q(40.0, 15.0)) * 1e3  # 2 pi A/T, A/T in um/s
    for f in (1.0, 1.5, 2.0):
        cfg = {**QUIET, "p_amplitude_nm_s": None, "wavelet_hz": f, "amplitudes": {"P": 1.0}}
        _, info = _synth(_geometry(n=3, kind="line"), ev, cfg, seed=0)
        assert info["p_amplitude_nm_s"] == pytest.approx(want, rel=0.02)
    assert p_velocity_amplitude_nm_s(6.0, 40.0, 15.0) == pytest.approx(want, rel=0.02)


def test_depth_phases_of_every_phase_with_free_surface_amplitudes():
    from corephase.model.arrivals import free_surface_coefficients

    g = _geometry(n=5, kind="cross")
    cfg = {
        **QUIET,
        "amplitudes": {"P": 1.0, "PcP": 0.5, "ScP": 0.5},
        "depth_phase_radiation_p": 0.8,
        "depth_phase_radiation_s": 1.0,
        "amplitude_jitter": 0.0,
    }
    st, info = _synth(g, _event(40.0, 106.0), cfg, seed=0)
    assert {"pP", "sP", "pPcP", "sPcP", "pScP", "sScP"} <= set(info["phases"])
    _, pcp = _peak_times(st, info, np.array(info["element_times_s"]["PcP"]))
    _, ppcp = _peak_times(st, info, np.array(info["element_times_s"]["pPcP"]))
    ph = info["phases"]["pPcP"]
    coef = free_surface_coefficients(ph["slowness_s_km"], 5.8, 3.46)["PP"]
    assert ph["free_surface_coefficient"] == pytest.approx(coef)
    assert coef < -0.9  # steep upgoing P: nearly -1
    np.testing.assert_allclose(ppcp / pcp, 0.8 * coef, rtol=0.01)
    # Shallow events keep depth phases unless depth_phase_min_km excludes them.
    _, shallow = _synth(g, _event(40.0, 15.0), {**cfg, "depth_phase_min_km": 20.0}, seed=0)
    assert not any(p[0] in "ps" for p in shallow["phases"])


def test_default_world_has_long_p_coda_and_other_arrivals():
    g = _geometry(n=6)
    cfg = {"noise": False, "amplitude_jitter": 0.0, "depth_phase_radiation_p": 0.0}
    cfg |= {"depth_phase_radiation_s": 0.0, "window": {"end_phase": "P", "end_offset_s": 400.0}}
    cfg["amplitudes"] = {"P": 1.0}
    st, info = _synth(g, _event(40.0, 15.0), cfg, seed=5)
    x = np.array([tr.data for tr in st], float)
    lag = info["window"]["start_s"] + np.arange(x.shape[1]) / 20.0 - info["phases"]["P"]["time_s"]
    edges = np.arange(20.0, 380.0, 10.0)
    rms = np.array([np.sqrt(np.mean(x[:, (lag >= a) & (lag < a + 10)] ** 2)) for a in edges])
    slope, icpt = np.polyfit(edges + 5.0, np.log(rms), 1)
    decay = 500.0 / (np.pi * 1.5)  # default q / (pi f): 106 s
    assert -1.0 / slope == pytest.approx(decay, rel=0.15)
    p_peak = info["phases"]["P"]["peak_amplitude_nm_s"]
    assert np.exp(icpt) == pytest.approx(0.2 * p_peak, rel=0.2)
    # The default phase set: ScS, PP, S, SS and depth phases at 40 deg.
    _, full = _synth(g, _event(40.0, 50.0), {"noise": False}, seed=5)
    assert {"ScS", "PP", "S", "SS", "pPKiKP", "sPKiKP", "sScS", "pPcP"} <= set(full["phases"])
    assert "no ak135 TauP ray" in full["skipped"]["PKPab"]


def test_omit_phases_and_coda_phases():
    g = _geometry(n=4, kind="cross")
    base = {"noise": False, "p_coda": {"ratio": 0.0}}
    _, info = _synth(g, _event(35.0, 106.0), {**base, "omit_phases": ["PKiKP"]}, seed=0)
    assert not {"PKiKP", "pPKiKP", "sPKiKP"} & set(info["phases"])
    assert info["skipped"]["PKiKP"] == "left out (omit_phases)"
    cfg = {**QUIET, "amplitudes": {"P": 1.0, "PKiKP": 1.0}, "amplitude_jitter": 0.0}
    coda = {"ratio": 0.5, "decay_s": 30.0, "phases": ["PKiKP"]}
    st0, i0 = _synth(g, _event(35.0), cfg, seed=1)
    st1, _ = _synth(g, _event(35.0), {**cfg, "coda": coda}, seed=1)
    diff = np.array([a.data - b.data for a, b in zip(st1, st0, strict=True)], float)
    t = i0["window"]["start_s"] + np.arange(diff.shape[1]) / 20.0
    t_p, t_k = i0["phases"]["P"]["time_s"], i0["phases"]["PKiKP"]["time_s"]
    assert np.abs(diff[:, (t > t_p) & (t < t_p + 100)]).max() == 0.0  # no coda after P
    assert np.abs(diff[:, (t > t_k + 2) & (t < t_k + 60)]).max() > 50.0


def test_pair_settings_layer_over_global_and_array():
    glob = {
        "noise_level": 0.2,
        "coda": {"ratio": 0.0, "decay_s": 9.0},
        "pairs": {"NVAR/ev": {"coda": {"ratio": 0.6}}, "ILAR/ev": {"omit_phases": ["PKiKP"]}},
    }
    s = SyntheticSettings.for_pair(glob, {"noise_level": 0.3}, "NVAR", "ev")
    assert (s.coda.ratio, s.coda.decay_s, s.noise_level, dict(s.pairs)) == (0.6, 9.0, 0.3, {})
    assert SyntheticSettings.for_pair(glob, None, "ILAR", "ev").omit_phases == ("PKiKP",)
    assert SyntheticSettings.for_pair(glob, None, "NVAR", "other").coda.ratio == 0.0
    with pytest.raises(ConfigError, match=r"synthetic\.pairs\.NVAR/ev\.coda\.rate"):
        SyntheticSettings.merged({"pairs": {"NVAR/ev": {"coda": {"rate": 1}}}})
    with pytest.raises(ConfigError, match=r"synthetic\.pairs\.NVAR': a pair is named"):
        SyntheticSettings.merged({"pairs": {"NVAR": {}}})
    with pytest.raises(ConfigError, match=r"arrays\.NVAR\.synthetic\.pairs"):
        SyntheticSettings.for_pair({}, {"pairs": {}}, "NVAR", "ev")
