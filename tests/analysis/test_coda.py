"""Coda analysis: recover known coda decay/duration, no false excess, bands, bootstrap."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from obspy import Stream, Trace, UTCDateTime

from corephase.analysis.coda import (
    BeamAlignment,
    aggregate_coda_tables,
    analyse_coda,
    load_coda_arrays,
    save_coda_arrays,
    write_coda_table,
)
from corephase.config import ConfigError
from corephase.config.coda import CodaSettings
from corephase.model.events import Event
from corephase.model.geometry import (
    KM_PER_DEG,
    ArrayGeometry,
    local_km_to_latlon,
    parametric_layout,
)
from corephase.model.traveltimes import PhaseArrival, distance_backazimuth
from corephase.signal.alignment import (
    curved_wavefront_delays,
    element_delays,
    plane_wave_delays,
    shift_traces,
)

FS = 20.0
DT = 1.0 / FS
T_END = 560.0  # s after origin
PRE_S = 500.0  # s of noise before the origin (pseudo-phase null windows)
REF = (62.49, -114.6)
EVENT = Event("synthetic_ev", "2020-01-01T00:00:00", 10.0, -150.0, 300.0, 6.5, "Mw", "synth")
# hand-made arrivals (s after origin, s/deg): compact so the record stays short
ARRIVALS = {
    "P": PhaseArrival("P", 120.0, 7.0, 20.0),
    "PcP": PhaseArrival("PcP", 230.0, 3.6, 10.0),
    "ScP": PhaseArrival("ScP", 330.0, 4.3, 12.0),
    "PKiKP": PhaseArrival("PKiKP", 440.0, 1.5, 4.0),
}
# hand-made arrivals only; a 60 s coda window fits the short records
FAST = CodaSettings(
    bootstrap=40, contaminant_phases=(), coda_window_s=(3.0, 60.0), trend_model="exponential"
)


def make_geometry(n=10, aperture_km=25.0, kind="rings"):
    e, n_ = parametric_layout(kind, n, aperture_km, seed=1)
    lat, lon = local_km_to_latlon(e, n_, *REF)
    codes = [f"XX.S{i:02d}..SHZ" for i in range(len(e))]
    return ArrayGeometry("SYN", codes, lat, lon, ref_lat=REF[0], ref_lon=REF[1])


def _plane(sig, geom, slowness_s_deg, baz):
    """Copies of ``sig`` (n,) delayed by the plane-wave delays at each element."""
    e, n = geom.offsets_km()
    d = plane_wave_delays(e, n, slowness_s_deg / KM_PER_DEG, baz)
    return shift_traces(np.tile(sig, (len(geom), 1)), -d, DT)


def _bandlimited(x, band):
    tr = Trace(x.copy(), header={"delta": DT})
    tr.filter("bandpass", freqmin=band[0], freqmax=band[1], corners=4, zerophase=True)
    return tr.data / np.std(tr.data)


def make_record(
    seed,
    geom,
    coda=None,
    pcoda_amp=1.0,
    noise_amp=0.05,
    pulse_amp=1.5,
    pre_s=PRE_S,
):
    """Synthetic array record (obspy Stream, -pre_s..T_END s after origin).

    Background: seeded Gaussian noise (``noise_amp``) everywhere, a P coda from
    the P time decaying as exp(-(t-tP)/150 s) (half coherent at the P
    slowness, half incoherent), Ricker-like pulses (1.5 Hz Gabor) for PcP, ScP
    and PKiKP at their slownesses. ``coda`` (dict) adds scattered energy after
    PKiKP: Gaussian noise with amplitude envelope ``amp * exp(-rate * t)`` for
    ``0 <= t <= duration`` (1 s cosine tapers), at ``slowness`` s/deg,
    optionally restricted to ``band`` (Hz); with ``rise`` (s) the envelope
    first grows linearly from 20 % to its maximum at ``t = rise``. ``pre_s``
    s of noise before the origin (its own generator, so the record after the
    origin does not depend on it) give the pseudo-phase null windows room.
    """
    rng = np.random.default_rng(seed)
    _, baz, _ = distance_backazimuth(EVENT.latitude, EVENT.longitude, *REF)
    n = round(T_END * FS) + 1
    t = np.arange(n) * DT
    nel = len(geom)
    data = noise_amp * rng.standard_normal((nel, n))
    tp = ARRIVALS["P"].time
    env = np.where(t >= tp, np.exp(-(t - tp) / 150.0), 0.0) * pcoda_amp
    coh = _bandlimited(rng.standard_normal(n), (0.5, 4.0)) * env
    data += np.sqrt(0.5) * _plane(coh, geom, ARRIVALS["P"].slowness_s_deg, baz)
    inc = np.vstack([_bandlimited(rng.standard_normal(n), (0.5, 4.0)) for _ in range(nel)])
    data += np.sqrt(0.5) * inc * env
    # the P arrival itself and the core phases: short 1.5 Hz Gabor pulses
    for ph, amp in (("P", 10.0), ("PcP", 0.5), ("ScP", 0.7), ("PKiKP", 1.0)):
        a = ARRIVALS[ph]
        g = np.exp(-(((t - a.time) / 0.6) ** 2)) * np.cos(2 * np.pi * 1.5 * (t - a.time))
        data += pulse_amp * amp * _plane(g, geom, a.slowness_s_deg, baz)
    if coda is not None:
        tk = ARRIVALS["PKiKP"].time
        tc = t - tk
        dur = coda["duration"]
        rise = coda.get("rise", 0.0)
        cenv = coda["amp"] * np.exp(-coda["rate"] * np.maximum(tc - rise, 0.0))
        if rise > 0:  # linear rise from 20 % to the maximum at t = rise
            cenv *= np.where(tc < rise, 0.2 + 0.8 * tc / rise, 1.0)
        cenv *= np.clip(tc / 1.0, 0, 1) * np.clip((dur - tc) / 1.0, 0, 1)
        sig = _bandlimited(rng.standard_normal(n), coda.get("band", (0.5, 4.0))) * cenv
        data += _plane(sig, geom, coda.get("slowness", 1.5), baz)
    npre = round(pre_s * FS)
    pre = noise_amp * np.random.default_rng(seed + 10**6).standard_normal((nel, npre))
    data = np.hstack([pre, data])
    st = Stream()
    for i, code in enumerate(geom.codes):
        net, sta, loc, cha = code.split(".")
        st += Trace(
            data[i].copy(),
            header={
                "network": net,
                "station": sta,
                "location": loc,
                "channel": cha,
                "delta": DT,
                "starttime": EVENT.origin - npre * DT,
            },
        )
    return st


def bandpass(st, band):
    st = st.copy()
    st.filter("bandpass", freqmin=band[0], freqmax=band[1], corners=4, zerophase=True)
    return st


def run(st, geom, band=(1.0, 2.0), seed=0, **settings):
    return analyse_coda(
        bandpass(st, band),
        geom,
        EVENT,
        ARRIVALS,
        f"{band[0]:g}-{band[1]:g}Hz",
        band,
        FAST.replace(**settings),
        seed,
    )


def pk(table, phase="PKiKP"):
    return table.set_index("phase").loc[phase]


@pytest.fixture(scope="module")
def geom():
    return make_geometry()


@pytest.fixture(scope="module")
def coda_run(geom):
    """PKiKP with a known coda (rate 0.06 1/s, 40 s), analysed at 1-2 Hz."""
    coda = {"amp": 0.8, "rate": 0.06, "duration": 40.0}
    st = make_record(11, geom, coda=coda, pcoda_amp=0.1)
    return coda, run(st, geom, trend_model="loglinear")


def test_known_coda_decay_and_duration_recovered(coda_run):
    coda, (table, arrays) = coda_run
    r = pk(table)
    assert r["qc"] == ""
    # tolerance: decay rate within 25 % (one random coda realisation scatters by
    # ~15 %), duration within 4 s (4 s smoothing + 1 s taper)
    assert r["decay_rate_per_s"] == pytest.approx(coda["rate"], rel=0.25)
    assert r["duration_s"] == pytest.approx(coda["duration"], abs=4.0)
    assert not r["duration_censored"]
    # Qc at the band centre (1.5 Hz) is pi f / b
    assert r["coda_qc"] == pytest.approx(np.pi * 1.5 / r["decay_rate_per_s"])
    assert r["decay_rate_per_s_lo"] <= r["decay_rate_per_s"] <= r["decay_rate_per_s_hi"]
    # strong scattered energy: excess well above 1 and significant
    assert r["coda_excess"] > 3.0
    assert r["coda_significant"]
    assert r["coda_excess_lo"] > 1.0
    # monotonic decay: coda maximum at the start of the coda window
    assert r["coda_peak_delay_s"] < 6.0
    # PcP has no scattered coda here: its duration is the pulse (+ filter ringing)
    assert r["duration_ratio_PcP"] > 3.0
    # plotting arrays
    cur = arrays["phases"]["PKiKP"]
    assert cur["t"].shape == cur["log10_env"].shape == cur["log10_trend"].shape
    i0 = np.argmin(np.abs(cur["t"] - r["peak_offset_s"]))
    assert cur["log10_env"][i0] == pytest.approx(0.0)


def test_decay_rate_unbiased_over_realisations(geom):
    rates = []
    for seed in range(6):
        st = make_record(
            300 + seed, geom, coda={"amp": 0.8, "rate": 0.05, "duration": 45.0}, pcoda_amp=0.1
        )
        rates.append(pk(run(st, geom, bootstrap=0)[0])["decay_rate_per_s"])
    # mean of 6 within 15 % (residual bias ~ +8 % measured over 8+ realisations);
    # each within 35 %
    assert np.mean(rates) == pytest.approx(0.05, rel=0.15)
    np.testing.assert_allclose(rates, 0.05, rtol=0.35)


def test_rise_then_decay_shape(geom):
    coda = {"amp": 0.5, "rate": 0.05, "duration": 50.0, "rise": 15.0}
    r = pk(run(make_record(51, geom, coda=coda, pcoda_amp=0.1), geom)[0])
    # one random coda realisation: its smoothed maximum wanders by several s
    assert r["coda_peak_delay_s"] == pytest.approx(15.0, abs=6.0)
    assert r["coda_rise_db"] > 6.0  # 20 % -> 100 % is 14 dB before smoothing
    assert r["coda_peak_delay_s_lo"] <= r["coda_peak_delay_s"] <= r["coda_peak_delay_s_hi"]
    assert r["decay_rate_per_s"] == pytest.approx(0.05, rel=0.3)
    assert r["coda_significant"]


def test_coda_slowness_fraction_separates_steep_from_crustal():
    # 60 km aperture: slowness resolution ~1/(1.5 Hz * 60 km) ~ 1.2 s/deg
    g = make_geometry(n=16, aperture_km=60.0)
    steep = {"amp": 1.5, "rate": 0.04, "duration": 50.0, "slowness": 1.0}
    flat = dict(steep, slowness=8.0)
    rs = pk(run(make_record(5, g, coda=steep), g, bootstrap=10)[0])
    rf = pk(run(make_record(5, g, coda=flat), g, bootstrap=10)[0])
    assert rs["coda_slowness_fraction"] > 0.7
    assert rf["coda_slowness_fraction"] < 0.3
    assert abs(rs["coda_best_slowness_s_deg"] - 1.0) <= 1.0
    assert abs(rf["coda_best_slowness_s_deg"] - 8.0) <= 1.5


def test_smooth_p_coda_only_gives_no_excess(geom):
    """No scattering: excess O(1), interval containing 1, not significant.

    The test is one-sided at 2.5 %, so over 8 independent records at most one
    may come out significant (binomial probability of >= 2 is ~1.6 %).
    """
    res = [pk(run(make_record(21 + k, geom, coda=None), geom, bootstrap=30)[0]) for k in range(8)]
    exc = np.array([r["coda_excess"] for r in res])
    sig = [bool(r["coda_significant"]) for r in res]
    assert all(r["qc"] == "" for r in res)
    assert sum(sig) <= 1, exc
    assert 0.5 < np.median(exc) < 2.0, exc
    assert np.all((exc > 0.2) & (exc < 5.0)), exc
    contains_one = [r["coda_excess_lo"] < 1.0 < r["coda_excess_hi"] for r in res]
    assert sum(contains_one) >= 7
    # mostly no coda is detected and the duration is that of the main pulse
    assert sum(r["duration_s"] < 8.0 for r in res) >= 6


@pytest.mark.parametrize("model", ["exponential", "powerlaw", "loglinear"])
def test_trend_models_follow_background(geom, model):
    st = make_record(22, geom, coda=None)
    r = pk(run(st, geom, trend_model=model, bootstrap=20)[0])
    assert 1 / 3 < r["coda_excess"] < 3, model
    assert not r["coda_significant"]


def test_incoherent_stack_gives_tight_excess_near_one(geom):
    """With the incoherent envelope stack the background is averaged over the
    elements, so the trend is well determined and the excess close to 1."""
    g = make_geometry(n=16, aperture_km=25.0)
    res = []
    for seed in range(3):
        st = make_record(60 + seed, g, coda=None)
        res.append(pk(run(st, g, beam_type="stack", bootstrap=30)[0]))
    for r in res:
        assert 0.6 < r["coda_excess"] < 1.6
        assert not r["coda_significant"]
    st = make_record(63, g, coda={"amp": 0.5, "rate": 0.04, "duration": 50.0})
    r = pk(run(st, g, beam_type="stack", bootstrap=30)[0])
    assert r["coda_significant"]


def test_bands_are_honoured(geom):
    # scattered energy only in 2-3 Hz
    # moderate coda (excess ~40 in band): a 4-corner zero-phase Butterworth
    # passes ~2 % of the 2-3 Hz energy into 1-2 Hz, so a 400-fold coda would leak
    coda = {"amp": 0.2, "rate": 0.03, "duration": 50.0, "band": (2.0, 3.0)}
    st = make_record(31, geom, coda=coda)
    hi = pk(run(st, geom, band=(2.0, 3.0))[0])
    lo = pk(run(st, geom, band=(1.0, 2.0))[0])
    assert hi["coda_significant"] and hi["coda_excess"] > 4.0
    assert not lo["coda_significant"]
    assert lo["coda_excess_lo"] < 1.0 < hi["coda_excess_lo"]


def test_bootstrap_deterministic_with_seed(geom):
    st = make_record(41, geom, coda={"amp": 0.3, "rate": 0.05, "duration": 30.0})
    a, _ = run(st, geom, seed=7, bootstrap=25)
    b, _ = run(st, geom, seed=7, bootstrap=25)
    c, _ = run(st, geom, seed=8, bootstrap=25)
    pd.testing.assert_frame_equal(a, b)
    assert a["coda_excess_lo"].iloc[-1] != c["coda_excess_lo"].iloc[-1]
    # point estimates do not depend on the bootstrap seed
    assert a["coda_excess"].iloc[-1] == c["coda_excess"].iloc[-1]


def test_input_errors(geom):
    st = make_record(1, geom)
    with pytest.raises(ValueError, match="match geometry SYN codes in order"):
        analyse_coda(st[::-1], geom, EVENT, ARRIVALS, "b", (1, 2), FAST)
    with pytest.raises(ValueError, match="3 traces for 10 elements"):
        analyse_coda(st[:3], geom, EVENT, ARRIVALS, "b", (1, 2), FAST)
    with pytest.raises(ValueError, match="noise window"):
        analyse_coda(
            st, geom, EVENT, ARRIVALS, "b", (1, 2), CodaSettings(noise_window_s=(-1000, -900))
        )
    with pytest.raises(ConfigError, match=r"'coda\.bogus': unknown key"):
        CodaSettings.from_dict({"bogus": 1})
    with pytest.raises(ConfigError, match=r"coda\.trend_model"):
        CodaSettings(trend_model="cubic")
    with pytest.raises(ConfigError, match=r"coda\.main_phase"):
        CodaSettings.from_dict({"phases": ["PcP"]})
    with pytest.raises(ConfigError, match=r"coda\.prephase_window_s"):
        CodaSettings(prephase_window_s=(-10.0, 5.0))
    bad = st.copy()
    bad[2].stats.starttime += 1.0
    with pytest.raises(ValueError, match="start at different times"):
        analyse_coda(bad, geom, EVENT, ARRIVALS, "b", (1, 2), FAST)


def test_phase_outside_record_is_qc_not_crash(geom):
    st = make_record(2, geom).trim(EVENT.origin, EVENT.origin + 470.0)
    table, arrays = analyse_coda(st, geom, EVENT, ARRIVALS, "b", (1.0, 2.0), FAST)
    r = pk(table)
    assert "outside the record" in r["qc"]
    assert np.isnan(r["coda_excess"]) and not r["coda_significant"]
    assert pk(table, "PcP")["qc"] == ""
    assert "PKiKP" not in arrays["phases"]


def test_tables_and_arrays_roundtrip(tmp_path, coda_run):
    _, (table, arrays) = coda_run
    for suffix in (".csv", ".parquet", ".tsv"):
        write_coda_table(table, tmp_path / f"t{suffix}")
    agg = aggregate_coda_tables(sorted(tmp_path.glob("t.*")))
    assert len(agg) == 3 * len(table)
    assert set(agg["phase"]) == set(CodaSettings().phases)
    np.testing.assert_allclose(
        agg.loc[agg.phase == "PKiKP", "coda_excess"].to_numpy(),
        pk(table)["coda_excess"],
    )
    save_coda_arrays(arrays, tmp_path / "a.npz")
    back = load_coda_arrays(tmp_path / "a.npz")
    np.testing.assert_array_equal(
        back["phases"]["PKiKP"]["log10_env"], arrays["phases"]["PKiKP"]["log10_env"]
    )
    assert back["meta"]["band_label"] == arrays["meta"]["band_label"]
    assert back["vespagram"]["log10_power"].shape == arrays["vespagram"]["log10_power"].shape
    assert not list(tmp_path.glob(".*.tmp"))
    with pytest.raises(FileNotFoundError):
        aggregate_coda_tables([tmp_path / "missing.csv"])


def test_start_time_origin_offset_respected(geom):
    """A record starting after the origin keeps times relative to the origin."""
    st = make_record(3, geom, coda={"amp": 0.8, "rate": 0.06, "duration": 40.0}, pcoda_amp=0.1)
    st.trim(EVENT.origin + 10.0, UTCDateTime(EVENT.origin) + T_END)
    r = pk(run(st, geom, trend_model="loglinear")[0])
    assert abs(r["peak_offset_s"]) < 0.5
    assert r["duration_s"] == pytest.approx(40.0, abs=4.0)


def test_plots_written_atomically(tmp_path, coda_run):
    from corephase.plotting.coda import (
        plot_cluster_overlay,
        plot_coda_fit,
        plot_coda_vespagram,
        plot_phase_envelopes,
    )

    _, (_, arrays) = coda_run
    figs = {
        "a.png": plot_phase_envelopes(arrays, tmp_path / "a.png", synthetic=True),
        "b.png": plot_coda_fit(arrays, tmp_path / "b.png", synthetic=True),
        "c.png": plot_cluster_overlay([arrays, arrays], tmp_path / "c.png", synthetic=True),
        "d.png": plot_coda_vespagram(arrays, tmp_path / "d.png", synthetic=False),
    }
    for name, fig in figs.items():
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        title = fig.axes[0].get_title()
        assert ("[synthetic]" in title) == (name != "d.png")
        assert "(s)" in fig.axes[0].get_xlabel()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(figs)
    with pytest.raises(ValueError, match="no phase"):
        plot_phase_envelopes({"phases": {}}, tmp_path / "x.png")
    assert not (tmp_path / "x.png").exists()


def _shifted(st, delays_s):
    """The stream with element ``i`` recording ``delays_s[i]`` s later."""
    out = st.copy()
    data = shift_traces(np.array([tr.data for tr in st]), -np.asarray(delays_s), DT)
    for tr, d in zip(out, data, strict=True):
        tr.data = d
    return out


def _coda_numbers(result, phase="PKiKP"):
    table, arrays = result
    r = pk(table, phase)
    keys = ["peak_snr", "coda_excess", "duration_s", "decay_rate_per_s", "coda_peak_delay_s"]
    return np.array([r[k] for k in keys], float), arrays


def _assert_same_curves(arrays, ref_arrays, atol=1e-4):
    """Same PKiKP envelope (amplitude) and coda vespagram (normalised power)."""
    cur, cur_ref = arrays["phases"]["PKiKP"], ref_arrays["phases"]["PKiKP"]
    win = cur["prephase_mask"] | cur["coda_mask"]
    np.testing.assert_allclose(
        10 ** cur["log10_env"][win], 10 ** cur_ref["log10_env"][win], atol=atol
    )
    np.testing.assert_allclose(
        10 ** arrays["vespagram"]["log10_power"],
        10 ** ref_arrays["vespagram"]["log10_power"],
        atol=atol,
    )


@pytest.fixture(scope="module")
def align_record(geom):
    st = make_record(71, geom, coda={"amp": 0.8, "rate": 0.06, "duration": 40.0}, pcoda_amp=0.1)
    return bandpass(st, (1.0, 2.0))


def _analyse(st, geom, alignment=None):
    s = FAST.replace(bootstrap=0, trend_model="loglinear")
    return analyse_coda(st, geom, EVENT, ARRIVALS, "1-2Hz", (1.0, 2.0), s, 0, alignment)


def test_coda_beams_honour_station_statics(geom, align_record):
    """Large station statics: the coda beam aligned with them equals the static-free one."""
    statics = dict(
        zip(geom.codes, np.random.default_rng(3).normal(0.0, 0.3, len(geom)), strict=True)
    )
    late = _shifted(align_record, [statics[c] for c in geom.codes])
    ref, ref_arrays = _coda_numbers(_analyse(align_record, geom))
    fixed, fixed_arrays = _coda_numbers(_analyse(late, geom, BeamAlignment(statics=statics)))
    plane, _ = _coda_numbers(_analyse(late, geom))
    # equal up to the edge effects of shifting the records back and forth
    np.testing.assert_allclose(fixed, ref, rtol=1e-3)
    _assert_same_curves(fixed_arrays, ref_arrays)
    # a plane-wave beam of the late records loses the coherent PKiKP pulse
    assert plane[0] < 0.7 * ref[0]


def test_coda_beams_honour_curved_wavefront(geom, align_record):
    """The coda beam of a curved PKiKP wavefront, aligned on it, equals the plane-wave one."""
    _, baz, _ = distance_backazimuth(EVENT.latitude, EVENT.longitude, *REF)
    e, n = geom.offsets_km()
    curvature = curved_wavefront_delays(geom, EVENT, "PKiKP") - plane_wave_delays(
        e, n, ARRIVALS["PKiKP"].slowness_s_km, baz
    )
    curved_rec = _shifted(align_record, curvature)
    ref, ref_arrays = _coda_numbers(_analyse(align_record, geom))
    fixed, fixed_arrays = _coda_numbers(_analyse(curved_rec, geom, BeamAlignment(curved=True)))
    _, plane_arrays = _coda_numbers(_analyse(curved_rec, geom))
    np.testing.assert_allclose(fixed, ref, rtol=1e-3)
    _assert_same_curves(fixed_arrays, ref_arrays)
    with pytest.raises(AssertionError):
        _assert_same_curves(plane_arrays, ref_arrays)


def test_beam_alignment_is_the_detection_alignment(geom):
    """Phase delays are element_delays; a slowness sweep carries statics and curvature."""
    geom_z = ArrayGeometry(
        geom.name,
        geom.codes,
        geom.lat,
        geom.lon,
        np.linspace(0.0, 900.0, len(geom)),
        ref_lat=REF[0],
        ref_lon=REF[1],
    )
    statics = {geom.codes[1]: 0.4, "S03": -0.2}
    al = BeamAlignment(curved=True, v_surface_km_s=5.8, statics=statics)
    p_km = ARRIVALS["PKiKP"].slowness_s_km
    tau = al.phase_delays(geom_z, EVENT, "PKiKP", p_km, 40.0)
    expected = element_delays(
        geom_z,
        p_km,
        40.0,
        curved=True,
        event=EVENT,
        phase="PKiKP",
        v_surface_km_s=5.8,
        statics=statics,
    )
    np.testing.assert_array_equal(tau, expected)
    sweep = al.slowness_delays(geom_z, EVENT, "PKiKP", p_km, [0.0, p_km, 0.05], 40.0)
    assert sweep.shape == (3, len(geom))
    np.testing.assert_allclose(sweep[1], tau, atol=1e-12)
    plain = BeamAlignment().slowness_delays(geom_z, EVENT, "PKiKP", p_km, [0.0, p_km], 40.0)
    np.testing.assert_array_equal(plain[0], np.zeros(len(geom)))
