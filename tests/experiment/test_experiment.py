"""Sub-array experiment: stacks, array response, plane-wave recovery, reproducibility."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from corephase.config.experiment import ExperimentSettings
from corephase.experiment.layouts import evaluate_layout
from corephase.experiment.metrics import batch_stacks, roc_curve
from corephase.experiment.response import arf_metrics
from corephase.experiment.run import default_outputs, run_experiment
from corephase.experiment.scenario import build_scenario
from corephase.experiment.simulate import Simulator, analytic_traces
from corephase.experiment.subarray import ideal_layout, make_subarray
from corephase.model.geometry import KM_PER_DEG
from corephase.signal import stacking
from corephase.signal.response import arf_slowness, array_response, unit_phasors

GEOM = {
    "source": "theoretical",
    "ref_lat": 36.0,
    "ref_lon": 138.0,
    "extent_km": 200.0,
    "spacing_km": 20.0,
    "jitter_km": 3.0,
    "seed": 1,
}


def _clean_cfg(**over):
    """Incoherent Gaussian noise only, no perturbations, plane wave."""
    cfg = {
        "geometry": GEOM,
        "event": {"distance_deg": 40.0, "baz_deg": 200.0, "depth_km": 100.0},
        "targets": [{"phase": "PKiKP", "snr": 1.0}],
        "interferers": [],
        "trials": 200,
        "simulation": {
            "amplitude_jitter": 0.0,
            "statics_std_s": 0.0,
            "curved_wavefront": False,
            "noise_coherence": 0.0,
        },
    }
    cfg.update(over)
    return _settings(cfg)


def _settings(cfg: dict) -> ExperimentSettings:
    return ExperimentSettings.from_dict(cfg).check()


def _theoretical(kind, n, aperture, baz=200.0):
    return make_subarray(kind, n, "theoretical", 36.0, 138.0, aperture=aperture, baz_deg=baz)


def test_linear_gain_follows_sqrt_n_in_incoherent_noise():
    cfg = _clean_cfg()
    sim = Simulator(cfg.simulation)
    sc = build_scenario(cfg, cfg.targets[0], 36.0, 138.0)
    for n in (4, 9, 16, 36):
        sub = _theoretical("random", n, 30.0)
        rows, _, _ = evaluate_layout(sub, sc, sim, cfg, np.random.default_rng(n))
        lin = next(r for r in rows if r["stack"] == "linear")
        assert lin["gain_over_sqrt_n"] == pytest.approx(1.0, abs=0.1), (n, lin["snr_gain"])


def test_misalignment_costs_gain():
    """Static shifts of a good fraction of a period decorrelate the stack."""
    cfg = _clean_cfg()
    cfg = cfg.replace(simulation=cfg.simulation.replace(statics_std_s=0.25))
    sim = Simulator(cfg.simulation)
    sc = build_scenario(cfg, cfg.targets[0], 36.0, 138.0)
    rows, _, _ = evaluate_layout(
        _theoretical("ring", 16, 20.0), sc, sim, cfg, np.random.default_rng(0)
    )
    lin = next(r for r in rows if r["stack"] == "linear")
    assert lin["gain_over_sqrt_n"] < 0.8
    assert lin["amp_bias"] < 0.8


def test_batch_stacks_equal_the_stacking_module():
    sim = Simulator(_settings({"geometry": GEOM}).simulation)
    rng = np.random.default_rng(1)
    data = rng.standard_normal((3, 7, sim.n))
    z = analytic_traces(np.fft.rfft(data, axis=-1), sim.n)
    params = stacking.StackParams(nu=2.0, n=3.0, smooth_s=0.5)
    res = batch_stacks(z, stacking.STACK_TYPES, sim.dt, params)
    for t in range(3):
        for kind in stacking.STACK_TYPES:
            ref = stacking.stack(data[t], kind, sim.dt, params)
            np.testing.assert_allclose(res[kind][0][t], ref.beam, rtol=2e-4, atol=2e-5)
            np.testing.assert_allclose(res[kind][1][t], ref.cf, rtol=2e-4, atol=2e-5)


def test_arf_equals_obspy_wavenumber_and_freqslowness():
    from obspy.signal.array_analysis import (
        array_transff_freqslowness,
        array_transff_wavenumber,
    )

    e, n = ideal_layout("spiral", 11, aperture=12.0)
    coords = np.column_stack([e, n, np.zeros_like(e)])
    # wavenumber: k = 2 pi f s, evaluated at f = 1 Hz
    klim, kstep = 3.0, 0.25
    ref = array_transff_wavenumber(coords, klim, kstep, coordsys="xy")
    k = np.arange(-klim, klim + kstep / 10.0, kstep)
    kx, ky = np.meshgrid(k, k, indexing="ij")
    ours = arf_slowness(e, n, kx / (2 * np.pi), ky / (2 * np.pi), 1.0)
    np.testing.assert_allclose(ours / ours.max(), ref, atol=1e-10)
    _, _, arf = array_response(e, n, klim, kstep)
    np.testing.assert_allclose(arf / arf.max(), ref, atol=1e-10)
    # slowness, integrated over 1-2 Hz with the trapezoid rule as ObsPy does
    from scipy.integrate import trapezoid

    slim, sstep, f = 0.3, 0.02, np.arange(1.0, 2.0 + 0.05, 0.1)
    ref = array_transff_freqslowness(coords, slim, sstep, 1.0, 2.0, 0.1, coordsys="xy")
    s = np.arange(-slim, slim + sstep / 10.0, sstep)
    sx, sy = np.meshgrid(s, s, indexing="ij")
    per_f = np.stack([arf_slowness(e, n, sx, sy, fi) for fi in f])
    ours = trapezoid(per_f, dx=0.1, axis=0)
    np.testing.assert_allclose(ours / ours.max(), ref, atol=1e-10)


def test_ring_main_lobe_matches_bessel_theory():
    """A dense ring of radius R responds as J0(2 pi f s R)^2: half power at u = 1.1264."""
    from scipy.optimize import brentq
    from scipy.special import j0

    u_half = brentq(lambda u: j0(u) ** 2 - 0.5, 0.5, 2.0)
    radius, f = 10.0, 1.5
    e, n = ideal_layout("ring", 40, aperture=2 * radius)
    m = arf_metrics(e, n, 0.08, 250.0, f, smax_s_deg=30.0)
    expected = 2 * u_half / (2 * np.pi * f * radius) * KM_PER_DEG
    assert m["slow_res_s_deg"] == pytest.approx(expected, rel=0.01)
    # isotropic: the transverse width at slowness s is the same width, in degrees
    half = 0.5 * expected / KM_PER_DEG
    assert m["baz_res_deg"] == pytest.approx(2 * np.degrees(np.arctan2(half, 0.08)), rel=0.02)
    # first sidelobe of J0^2 is 0.162
    assert m["sidelobe"] == pytest.approx(0.162, abs=0.01)
    # a line along the back-azimuth cannot resolve across it
    e, n = ideal_layout("line_along", 10, aperture=20.0, baz_deg=250.0)
    assert np.isnan(arf_metrics(e, n, 0.08, 250.0, f)["baz_res_deg"])


def test_known_plane_wave_is_recovered():
    cfg = _clean_cfg(targets=[{"phase": "PKiKP", "snr": 3.0}], trials=40)
    sim = Simulator(cfg.simulation)
    sc = build_scenario(cfg, cfg.targets[0], 36.0, 138.0)
    assert sc.target.slowness_s_km * KM_PER_DEG == pytest.approx(0.86, abs=0.02)
    assert sc.target.baz_deg == pytest.approx(200.0, abs=0.5)
    rows, _, stats = evaluate_layout(
        _theoretical("random", 16, 60.0), sc, sim, cfg, np.random.default_rng(3)
    )
    lin = next(r for r in rows if r["stack"] == "linear")
    step = cfg.metrics.fk_step_s_deg
    assert abs(lin["slow_bias_s_deg"]) <= step
    assert abs(lin["baz_bias_deg"]) < 5.0
    assert lin["pd"] == 1.0
    assert lin["amp_bias"] == pytest.approx(1.0, abs=0.05)
    # the FK truth is a grid point: most trials hit it or a neighbour
    err = np.abs(stats["fk_slow"] - sc.target.slowness_s_km) * KM_PER_DEG
    assert np.mean(err <= 1.5 * step) > 0.8


def test_curved_alignment_restores_large_aperture_gain():
    cfg = _clean_cfg(
        targets=[{"phase": "PKiKP", "snr": 1.0}],
        event={"distance_deg": 15.0, "baz_deg": 200.0, "depth_km": 100.0},
        trials=60,
    )
    cfg = cfg.replace(
        simulation=cfg.simulation.replace(curved_wavefront=True),
        metrics=cfg.metrics.replace(fk=False),
    )
    sc = build_scenario(cfg, cfg.targets[0], 36.0, 138.0)
    sub = _theoretical("line_along", 16, 1500.0)
    gains = {}
    for align in ("plane", "curved"):
        cfg = cfg.replace(simulation=cfg.simulation.replace(alignment=align))
        rows, _, _ = evaluate_layout(
            sub, sc, Simulator(cfg.simulation), cfg, np.random.default_rng(0)
        )
        gains[align] = next(r for r in rows if r["stack"] == "linear")["gain_over_sqrt_n"]
    assert gains["curved"] == pytest.approx(1.0, abs=0.12)
    assert gains["plane"] < gains["curved"] - 0.2


def test_unit_phasors_equal_the_complex_exponential():
    """Same values as numpy's exp of the imaginary phase (the simulator's and ARF's phasors)."""
    rng = np.random.default_rng(4)
    f = np.fft.rfftfreq(1024, 0.05)
    t = rng.normal(0.0, 40.0, (7, 9))
    np.testing.assert_array_equal(
        unit_phasors((-2.0 * np.pi * f) * t[..., None]), np.exp(-2j * np.pi * f * t[..., None])
    )


def test_roc_curve_and_pfa_checks():
    rng = np.random.default_rng(0)
    noise = rng.standard_normal(1000)
    pd_ = roc_curve(noise + 2.0, noise[::-1], [0.01, 0.1, 0.5])
    assert np.all(np.diff(pd_) >= 0) and pd_[-1] > 0.95
    np.testing.assert_allclose(roc_curve(noise, noise, [0.1, 0.5]), [0.1, 0.5], atol=0.01)
    with pytest.raises(ValueError, match="pfa"):
        _settings({"geometry": GEOM, "trials": 10, "metrics": {"pfa": 0.01}})
    with pytest.raises(ValueError, match="geometry"):
        _settings({})
    with pytest.raises(ValueError, match="stacks"):
        _settings({"geometry": GEOM, "metrics": {"stacks": ["median"]}})
    with pytest.raises(ValueError, match=r"targets\.0\.snr"):
        _settings({"geometry": GEOM, "targets": [{"phase": "PKiKP"}]})
    with pytest.raises(ValueError, match=r"interferers\.0\.snrr"):
        _settings({"geometry": GEOM, "interferers": [{"phase": "P", "snrr": 1}]})


SMALL_CFG = {
    "geometry": GEOM,
    "event": {"distance_deg": 40, "baz_deg": 200, "depth_km": 100},
    "targets": [{"phase": "PKiKP", "snr": 1.0}],
    "layouts": {"kinds": ["ring", "random"], "n_stations": [4, 8], "apertures_km": [60.0]},
    "trials": 30,
    "metrics": {"pfa": 0.1},
}
SMALL = ExperimentSettings.from_dict(SMALL_CFG)


def test_seeded_experiment_is_reproducible(tmp_path):
    a = run_experiment("small", SMALL, default_outputs(tmp_path / "a"), seed=7)
    b = run_experiment("small", SMALL, default_outputs(tmp_path / "b"), seed=7)
    pd.testing.assert_frame_equal(a, b)
    for key in ("metrics", "roc", "layouts", "recommendation"):
        assert (tmp_path / "a" / f"{key}.csv").read_bytes() == (
            tmp_path / "b" / f"{key}.csv"
        ).read_bytes()
    c = run_experiment("small", SMALL, {}, seed=8)
    assert not np.allclose(a["snr_gain"].fillna(0), c["snr_gain"].fillna(0))
    # every output exists; the figures are PNGs
    for path in default_outputs(tmp_path / "a").values():
        assert (tmp_path / "a").exists() and open(path, "rb").read(1)
    assert open(tmp_path / "a" / "figures" / "roc.png", "rb").read(4) == b"\x89PNG"
    rec = pd.read_csv(tmp_path / "a" / "recommendation.csv")
    assert set(rec["stack"]) == {"linear", "pws", "nthroot", "envelope"}


def test_real_counterpart_on_yka_noise(shared_dir, tmp_path):
    yka = shared_dir / "yka-2012-08-14"
    cfg = {
        "geometry": {"source": "stationxml", "path": str(yka / "CN.YKA.stationxml")},
        "event": {"quakeml": str(yka / "event.quakeml")},
        "targets": [{"phase": "PKiKP", "snr": 1.0}],
        "layouts": {
            "kinds": ["line_along", "cross"],
            "n_stations": [4, 8],
            "apertures_km": [18.0],
            "modes": ["extracted"],
            "max_shift_frac": 1.0,
        },
        "trials": 40,
        "simulation": {"band_hz": [1.0, 3.0]},
        "metrics": {"fk": False, "pfa": 0.1},
        "real": {
            "mseed": str(yka / "CN.YKA.SHZ.mseed"),
            "quakeml": str(yka / "event.quakeml"),
            "noise_window_s": [-1750.0, -30.0],
            "max_trials": 40,
        },
    }
    out = default_outputs(tmp_path)
    metrics = run_experiment("yka", ExperimentSettings.from_dict(cfg), out, seed=1)
    assert (metrics["status"] == "ok").any()
    real = pd.read_csv(out["real"])
    assert set(real["source"]) == {"real", "theory"}
    lin = real[real["stack"] == "linear"].pivot(
        index="layout_id", columns="source", values="snr_gain"
    )
    assert len(lin) >= 1
    # stacking real YKA noise helps, and less than or about as much as in theory
    assert np.all(lin["real"] > 1.0)
    assert np.all(lin["real"] < 1.3 * lin["theory"])


def test_explicit_interferer_needs_no_taup_name():
    """An interferer with time_s and slowness_s_deg is placed there, whatever its name."""
    coda = {"phase": "coda_PKP", "time_s": -20.0, "slowness_s_deg": 2.0, "snr": 4.0}
    cfg = _clean_cfg(interferers=[coda, {"phase": "PcP", "snr": 2.0}])
    sc = build_scenario(cfg, cfg.targets[0], 36.0, 138.0)
    assert [a.phase for a in sc.interferers] == ["coda_PKP", "PcP"]
    assert sc.interferers[0].time_s == -20.0
    assert sc.interferers[0].slowness_s_km * KM_PER_DEG == pytest.approx(2.0)


@pytest.mark.parametrize(("lo", "hi", "corners", "fs"), [(0.5, 2.0, 4, 20.0), (1.0, 3.0, 2, 10.0)])
def test_butter_gain_equals_scipy_design(lo, hi, corners, fs):
    """The closed-form gain equals |H|^2 of scipy's Butterworth band-pass design."""
    from scipy.signal import butter, sosfreqz

    from corephase.experiment.simulate import butter_gain

    f = np.fft.rfftfreq(6001, 1.0 / fs)
    sos = butter(corners, [lo, hi], btype="band", fs=fs, output="sos")
    ref = np.abs(sosfreqz(sos, worN=f, fs=fs)[1]) ** 2
    assert np.abs(butter_gain(f, lo, hi, corners, fs) - ref).max() < 1e-13
