"""Calls the array can support: the empirical null, bounded tolerances and every row's call."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.signal import butter, sosfiltfilt

from corephase.analysis.detection import detect_phase, no_arrival_table
from corephase.analysis.detection.calibration import false_alarm_rates, noise_only_detections
from corephase.analysis.detection.decide import Resolution, Spread, decide, snr_interval
from corephase.analysis.detection.measure import element_terms
from corephase.analysis.detection.null import fit_tail, null_snrs
from corephase.config.stack import CALLS, StackSettings
from corephase.model.events import Event
from corephase.model.geometry import ArrayGeometry, local_km_to_latlon, parametric_layout
from corephase.model.traveltimes import PhaseArrival, distance_backazimuth
from corephase.signal.alignment import align, plane_wave_delays, shift_traces
from corephase.sources.noise import peterson_noise

EV = Event("ev", "2014-06-23T20:53:09", 51.95, 178.58, 106.0)
DT = 0.05


def _noise_array(n_el: int, aperture_km: float, seconds: float, seed: int):
    """Ring array and 1-2 Hz Peterson noise (nm/s) of ``seconds`` s."""
    e, n = parametric_layout("rings", n_el, aperture_km)
    lat, lon = local_km_to_latlon(e, n, 62.5, -114.6)
    geom = ArrayGeometry("T", [f"XX.T{i:03d}..SHZ" for i in range(n_el)], lat, lon)
    data = peterson_noise(n_el, int(seconds / DT), DT, 0.5, np.random.default_rng(seed)) * 1e9
    sos = butter(4, [1.0, 2.0], "band", fs=1 / DT, output="sos")
    return geom, sosfiltfilt(sos, data, axis=-1)


def _settings(**det) -> StackSettings:
    s = StackSettings()
    return s.replace(detection=s.detection.replace(**det))


def _phase(geom, data, arrival, settings):
    """The PhaseData and element terms of one pseudo-phase (as detect_phase forms them)."""
    from corephase.analysis.detection import detect as d

    base = d._base(EV, geom, arrival.phase, arrival, "b", len(geom))
    delays = d._phase_delays(geom, EV, arrival.phase, arrival, base, settings.detection, "ak135")
    wins = ((1.0, 2.0), *settings.windows(None))
    ph = d._phase_data(data, align(data, delays, DT), DT, 0.0, geom, arrival, base, delays,
                       settings, wins)  # fmt: skip
    return ph, element_terms(ph.aligned, ph.stacks, ph.params)


@pytest.mark.parametrize("n_el,aperture", [(4, 3.0), (18, 20.0)])
def test_null_tail_model_matches_many_draws(n_el, aperture):
    """The Gumbel fitted to the default 300 draws puts the 1 % threshold within 15 % of
    the empirical 99th percentile of 4000 draws, for every stack."""
    geom, data = _noise_array(n_el, aperture, 400.0, 0)
    ph, terms = _phase(geom, data, PhaseArrival("X", 200.0, 1.5, 10.0), StackSettings())
    many = null_snrs(ph, terms, 4000, 60.0, np.random.default_rng(1))
    few = null_snrs(ph, terms, 300, 60.0, np.random.default_rng(2))
    for kind in many:
        emp = np.percentile(many[kind], 99)
        assert fit_tail(few[kind]).threshold(0.01) == pytest.approx(emp, rel=0.15), kind


def test_thresholds_adapt_to_n_and_fa_prob_is_calibrated_on_noise():
    """On noise alone fa_prob is roughly uniform: about 10 % of rows at or below 0.1,
    median near 0.5; the nonlinear stacks' thresholds grow with N (PWS 99th percentile
    ~6.4 at N=4, ~9.7 at N=18 in the issue's measurement)."""
    tables = {}
    for n_el, ap in [(4, 3.0), (18, 20.0)]:
        geom, data = _noise_array(n_el, ap, 30 * 50.0 + 150.0, n_el)
        times = 100.0 + 50.0 * np.arange(30)
        slow = np.random.default_rng(n_el).uniform(0.3, 4.0, 30)
        s = _settings(resampling="none")
        tables[n_el] = noise_only_detections(data, DT, 0.0, geom, EV, times, slow, (1, 2), s)
    fa = np.concatenate([t["fa_prob"].to_numpy(float) for t in tables.values()])
    assert 0.04 <= np.mean(fa <= 0.1) <= 0.18
    assert 0.35 <= np.median(fa) <= 0.65
    thr = {n: t.groupby("stack")["snr_threshold"].median() for n, t in tables.items()}
    assert thr[18]["pws"] > 1.3 * thr[4]["pws"] and thr[18]["nthroot"] > 2 * thr[4]["nthroot"]
    assert thr[4]["linear"] == pytest.approx(3.0, abs=0.4)
    for t in tables.values():
        assert (false_alarm_rates(t)["snr_rate"] <= 0.1).all()


def test_injected_wavelet_detected_by_every_coherent_stack_at_its_slowness():
    """A PKiKP-like wavelet (1.5 s/deg, peak 3 x single-trace noise) on 18 elements of
    20 km: detected, fa_prob tiny, slowness within the tolerance, SNR interval > 0."""
    geom, data = _noise_array(18, 20.0, 400.0, 5)
    east, north = geom.offsets_km()
    arr = PhaseArrival("PKiKP", 200.0, 1.5, 10.0)
    from corephase.model.traveltimes import distance_backazimuth

    _, baz, _ = distance_backazimuth(EV.latitude, EV.longitude, geom.ref_lat, geom.ref_lon)
    t = np.arange(data.shape[1]) * DT
    w = np.exp(-(((t - 200.0) / 0.6) ** 2)) * np.cos(2 * np.pi * 1.5 * (t - 200.0))
    tau = plane_wave_delays(east, north, arr.slowness_s_km, baz)
    sig = data + 3.0 * np.sqrt(np.mean(data**2)) * shift_traces(np.tile(w, (18, 1)), -tau, DT)
    det = detect_phase(sig, DT, 0.0, geom, EV, "PKiKP", arr, "1-2Hz", StackSettings(),
                       band_hz=(1.0, 2.0))  # fmt: skip
    tab = det.table.set_index("stack")
    assert set(tab["call"]) <= set(CALLS)
    for kind in ("linear", "pws", "nthroot"):
        r = tab.loc[kind]
        assert r["call"] == "detected" and r["detected"], r["reason"]
        assert r["fa_prob"] < 1e-3 and r["snr"] > r["snr_threshold"]
        assert abs(r["slowness_obs_s_deg"] - 1.5) <= r["slowness_tolerance_s_deg"] <= 3.0
        assert 0 < r["snr_lo"] <= r["snr"] <= r["snr_hi"]


def test_tolerance_never_widens_past_the_resolution_or_3_s_deg():
    """A peak 3.5 s/deg off theory with a huge resampled spread (the old jackknife
    widening accepted it) is not detected; the back-azimuth bound follows the slowness."""
    arr = PhaseArrival("PcP", 500.0, 4.0, 20.0)
    res = Resolution.of(1.5, 22.0, arr.slowness_s_deg)
    assert res.slowness_s_deg == pytest.approx(111.19 / 33.0, rel=1e-3)
    assert res.baz_deg == pytest.approx(np.degrees(np.arcsin(res.slowness_s_deg / 4.0)))
    assert Resolution.of(1.5, 4.0, 1.0).baz_deg == 180.0
    agree = Spread(5.0, 200.0, np.full(10, 7.5), np.full(10, 100.0))
    c = decide(50.0, 3.0, 7.5, 100.0, agree, arr, 100.0, res, StackSettings())
    assert c.call == "not_detected" and "slowness" in c.reason
    assert c.slowness_tolerance_s_deg == pytest.approx(min(res.slowness_s_deg, 3.0))
    assert c.baz_tolerance_deg <= res.baz_deg
    # resampled peaks that scatter: unconstrained, whatever the SNR
    scatter = Spread(0.2, 2.0, np.linspace(0.0, 9.0, 10), np.full(10, 100.0))
    c = decide(50.0, 3.0, 4.0, 100.0, scatter, arr, 100.0, res, StackSettings())
    assert c.call == "unconstrained" and "resamples unstable" in c.reason
    # below the threshold it stays not_detected
    c = decide(2.0, 3.0, 4.0, 100.0, agree, arr, 100.0, res, StackSettings())
    assert c.call == "not_detected" and "snr 2.00 < 3" in c.reason


def test_snr_interval_never_crosses_zero():
    assert snr_interval(1.0, [0.1, 3.0, 0.05, 2.0, 1.2], True)[0] > 0
    lo, hi = snr_interval(0.5, [-1.0, 0.2, 0.4, 1.1, 0.9], True)
    assert lo == 0.0 and hi > 0.5
    assert np.isnan(snr_interval(1.0, [], False)[0])


def test_windows_hook_and_unmeasured_calls():
    """windows= overrides the settings; no noise window: no_clean_noise; a configured
    phase without an arrival: no_arrival rows; windows outside the record: no_data."""
    geom, data = _noise_array(6, 20.0, 400.0, 3)
    arr = PhaseArrival("PKiKP", 200.0, 1.5, 10.0)
    s = _settings(resampling="none")
    kw = dict(band_hz=(1.0, 2.0))
    base = detect_phase(data, DT, 0.0, geom, EV, "PKiKP", arr, "b", s, **kw).table
    moved = detect_phase(data, DT, 0.0, geom, EV, "PKiKP", arr, "b", s,
                         windows=((-2.0, 8.0), (30.0, 60.0)), **kw).table  # fmt: skip
    assert not np.allclose(base["snr"], moved["snr"])
    none = detect_phase(data, DT, 0.0, geom, EV, "PKiKP", arr, "b", s,
                        windows=((-2.0, 8.0), None), **kw)  # fmt: skip
    assert (none.table["call"] == "no_clean_noise").all() and not none.table["detected"].any()
    assert none.table["reason"].str.contains("no clean noise").all() and none.beams
    late = PhaseArrival("PKiKP", 5000.0, 1.5, 10.0)
    out = detect_phase(data, DT, 0.0, geom, EV, "PKiKP", late, "b", s, **kw).table
    assert (out["call"] == "no_data").all()
    na = no_arrival_table(EV, geom, "PKJKP", "b", s)
    assert (na["call"] == "no_arrival").all() and len(na) == 4 and not na["detected"].any()
    assert na["reason"].str.contains("no PKJKP arrival").all()


def test_a_loud_noise_window_never_lowers_the_threshold_below_min_snr():
    """A noise window ten times louder than the rest of the record (as one moved into a
    strong phase's coda) drives the null's linear threshold near 1; a real arrival then
    reaches SNR 1.5 against it. Without the floor that is a detection; with ``min_snr``
    (default 2) no call below SNR 2 is ``detected``."""
    geom, data = _noise_array(18, 20.0, 400.0, 3)
    t = np.arange(data.shape[1]) * DT
    rms = data.std()
    data[:, (t >= 100.0) & (t <= 195.0)] *= 10.0
    arrival = PhaseArrival("X", 200.0, 1.5, 10.0)
    _, baz, _ = distance_backazimuth(EV.latitude, EV.longitude, geom.ref_lat, geom.ref_lon)
    delays = plane_wave_delays(*geom.offsets_km(), arrival.slowness_s_km, baz)
    wavelet = np.exp(-(((t - 201.0) * 1.5 * np.pi / 2) ** 2)) * np.cos(
        2 * np.pi * 1.5 * (t - 201.0)
    )
    data += 5.0 * rms * np.array([np.interp(t - d, t, wavelet) for d in delays])

    def linear_row(min_snr):
        det = detect_phase(
            data, DT, 0.0, geom, EV, "X", arrival, "b",
            _settings(min_snr=min_snr, null_shift_s=5.0), band_hz=(1.0, 2.0),
            windows=((-2.0, 8.0), (-40.0, -5.0)),
        )  # fmt: skip
        return det.table.set_index("stack").loc["linear"]

    bare = linear_row(0.0)
    assert bare["snr_threshold"] < 1.4 < bare["snr"] < 2.0 and bare["call"] == "detected"
    floored = linear_row(2.0)
    assert floored["snr_threshold"] == pytest.approx(2.0)
    assert floored["call"] == "not_detected" and not floored["detected"]


@pytest.mark.parametrize("k", [-0.3, -0.05, 0.0, 0.1, 0.4])
def test_null_tail_functions_equal_scipy_genextreme(k):
    """The closed-form GEV survival function and quantile equal SciPy's genextreme."""
    from scipy.stats import genextreme

    from corephase.analysis.detection.null import NullTail

    tail = NullTail(k, 3.0, 0.8, 300)
    for x in (0.5, 2.0, 3.0, 4.5, 6.0, 9.0):
        assert tail.fa_prob(x) == pytest.approx(genextreme.sf(x, k, 3.0, 0.8), abs=1e-12)
    for level in (0.5, 0.05, 0.01, 0.001):
        assert tail.threshold(level) == pytest.approx(genextreme.isf(level, k, 3.0, 0.8))


def test_quiet_before_gives_each_pseudo_phase_the_stretch_before_it_clipped_to_the_record():
    from corephase.analysis.detection.calibration import quiet_before

    q = quiet_before([700.0, 300.0, 2000.0], 500.0, 60.0, (50.0, 1900.0))
    assert q == [(140.0, 640.0), (50.0, 240.0), (1440.0, 1900.0)]


def test_per_window_quiet_stretches_feed_each_window_its_own_sliding_null():
    e, n = parametric_layout("rings", 6, 3.0)
    lat, lon = local_km_to_latlon(e, n, 62.5, -114.6)
    geom = ArrayGeometry("T", [f"XX.T{i:02d}..SHZ" for i in range(6)], lat, lon)
    rng = np.random.default_rng(5)
    data = peterson_noise(6, int(900 / DT), DT, 0.5, rng) * 1e9
    t = np.arange(data.shape[1]) * DT  # a loud burst on every element at 200 s
    data += 20 * data.std() * np.exp(-(((t - 200.0) / 1.0) ** 2)) * np.cos(2 * np.pi * 1.5 * t)
    s = StackSettings()
    s = s.replace(detection=s.detection.replace(resampling="none"))
    times, slow = [700.0, 800.0], [1.0, 2.0]
    one = noise_only_detections(data, DT, 0.0, geom, EV, times, slow, (1, 2), s, 3, (5, 640))
    each = noise_only_detections(
        data, DT, 0.0, geom, EV, times, slow, (1, 2), s, 3, [(5, 640), (5, 640)]
    )
    pd.testing.assert_frame_equal(one, each)
    other = noise_only_detections(
        data, DT, 0.0, geom, EV, times, slow, (1, 2), s, 3, [(5, 640), (300, 740)]
    )
    first = other["phase"] == "N0"
    pd.testing.assert_frame_equal(one[first], other[first])
    # the second window's stretch no longer holds the burst: a lower threshold
    assert (other.loc[~first, "snr_threshold"] < one.loc[~first, "snr_threshold"]).all()


def test_sliding_null_joins_only_where_it_is_heavier_than_the_margin():
    from corephase.config.base import ConfigError

    e, n = parametric_layout("rings", 6, 3.0)
    lat, lon = local_km_to_latlon(e, n, 62.5, -114.6)
    geom = ArrayGeometry("T", [f"XX.T{i:02d}..SHZ" for i in range(6)], lat, lon)
    data = peterson_noise(6, int(900 / DT), DT, 0.5, np.random.default_rng(5)) * 1e9
    t = np.arange(data.shape[1]) * DT
    loud = data + 20 * data.std() * np.exp(-(((t - 200.0) / 1.0) ** 2)) * np.cos(3 * np.pi * t)
    s = StackSettings()

    def thresholds(d, margin):
        det = s.detection.replace(resampling="none", sliding_margin=margin)
        rows = noise_only_detections(
            d, DT, 0.0, geom, EV, [700.0], [1.0], (1, 2), s.replace(detection=det), 3, (5, 640)
        )
        return rows.set_index("stack")["snr_threshold"]

    shuffled_only = thresholds(data, 1e6)
    # stationary noise: the sliding null stays within the margin, the shuffled one decides
    pd.testing.assert_series_equal(thresholds(data, 0.3), shuffled_only)
    # a loud burst in the noise stretch: the sliding null raises every threshold
    assert (thresholds(loud, 0.3) > thresholds(loud, 1e6)).all()
    # margin 0: the larger of the two thresholds, never below the shuffled one
    assert (thresholds(data, 0.0) >= shuffled_only).all()
    with pytest.raises(ConfigError, match="sliding_margin"):
        StackSettings.from_dict({"detection": {"sliding_margin": -0.1}})
