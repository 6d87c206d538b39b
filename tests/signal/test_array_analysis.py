"""Vespagram, FK and array response (signal.vespagram, fk, response) against references.

References: ObsPy, stackmaster and known plane waves.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.fft as sfft
from obspy import Stream, Trace, UTCDateTime
from obspy.core.util import AttribDict
from obspy.signal.array_analysis import array_processing, array_transff_wavenumber
from scipy.signal import butter, sosfiltfilt
from stackmaster.core import pws as stackmaster_pws

from corephase.model.geometry import parametric_layout
from corephase.signal.alignment import plane_wave_delays, shift_traces
from corephase.signal.fk import FKParams, fk_peak, fk_power, sliding_fk
from corephase.signal.response import array_response
from corephase.signal.stacking import StackParams, envelope_stack, nth_root_stack
from corephase.signal.vespagram import SlownessScan, vespagram, vespagram_nfft, vespagram_stacks

DT = 0.05


def plane_wave_data(x, y, waves, n, noise=0.2, seed=0, band=(1.0, 2.0)):
    """Band-limited random wavelets crossing the array as plane waves.

    ``waves``: list of (slowness s/km, baz deg, arrival time s at the reference).
    """
    rng = np.random.default_rng(seed)
    sos = butter(4, band, "bandpass", fs=1 / DT, output="sos")
    data = noise * rng.standard_normal((x.size, n))
    for s, baz, t in waves:
        src = np.zeros(n)
        k = int(t / DT)
        src[k - 100 : k + 100] = rng.standard_normal(200) * np.hanning(200)
        w = sosfiltfilt(sos, src) * 5.0
        tau = plane_wave_delays(x, y, s, baz)
        data += shift_traces(np.tile(w, (x.size, 1)), -tau, DT)  # delay by tau
    return sosfiltfilt(sos, data, axis=-1)


@pytest.fixture(scope="module")
def geom():
    rng = np.random.default_rng(42)
    return rng.uniform(-12, 12, 16), rng.uniform(-12, 12, 16)


def test_arf_equals_obspy(geom):
    x, y = geom
    coords = np.column_stack([x, y, np.zeros_like(x)])
    ref = array_transff_wavenumber(coords, 2.0, 0.1, coordsys="xy")
    kx, ky, arf = array_response(x, y, 2.0, 0.1)
    assert arf.shape == ref.shape
    np.testing.assert_allclose(arf, ref, rtol=1e-10, atol=1e-12)
    assert arf[kx.size // 2, ky.size // 2] == pytest.approx(1.0)


def test_arf_slowness_single_frequency_is_wavenumber_arf(geom):
    x, y = geom
    f = 1.5
    _, _, a_s = array_response(x, y, 0.2, 0.01, freqs=[f])
    # slowness s corresponds to angular wavenumber 2 pi f s
    _, _, a_k = array_response(x, y, 2 * np.pi * f * 0.2, 2 * np.pi * f * 0.01)
    np.testing.assert_allclose(a_s, a_k, atol=1e-9)
    _, _, a2 = array_response(x, y, 0.2, 0.01, freqs=[1.0, 2.0])
    assert a2.max() == pytest.approx(1.0) and a2.min() >= 0


def test_sliding_fk_equals_obspy_every_window(geom):
    x, y = geom
    n = int(90 / DT)
    waves = [(0.08, 40.0, 10.0), (0.15, 200.0, 30.0), (0.05, 300.0, 50.0), (0.2, 120.0, 70.0)]
    data = plane_wave_data(x, y, waves, n)
    t0 = UTCDateTime(2020, 1, 1)
    st = Stream()
    for i in range(x.size):
        tr = Trace(data[i].copy(), header={"sampling_rate": 1 / DT, "starttime": t0})
        tr.stats.station = f"S{i:02d}"
        tr.stats.coordinates = AttribDict(x=x[i], y=y[i], elevation=0.0)
        st.append(tr)
    smax, step = 0.3, 0.015
    ref = array_processing(
        st, 5.0, 0.5, -smax, smax, -smax, smax, step, -1e9, -1e9, 1.0, 2.0,
        t0, t0 + (n - 1) * DT, 0, coordsys="xy", timestamp="julsec", method=0,
    )  # fmt: skip
    # ObsPy's last window ends at etime = last sample time: exclusive end n - 1
    r = sliding_fk(data, DT, x, y, 5.0, 0.5, FKParams(smax, step, 1.0, 2.0), t1_idx=n - 1)
    assert r.baz_deg.size == ref.shape[0]
    np.testing.assert_allclose(r.t_start_s, ref[:, 0] - t0.timestamp, atol=1e-6)
    np.testing.assert_allclose(r.slowness_s_km, ref[:, 4], atol=1e-7)  # ObsPy clips 0 to 1e-8
    dbaz = (r.baz_deg - ref[:, 3] + 180) % 360 - 180
    assert np.all(np.abs(dbaz[ref[:, 4] > 1e-6]) < 1e-6)
    np.testing.assert_allclose(r.relpow, ref[:, 1], rtol=1e-5)
    np.testing.assert_allclose(r.abspow, ref[:, 2], rtol=1e-5)


@pytest.mark.parametrize(("s", "baz"), [(0.071, 33.0), (0.123, 251.0), (0.04, 305.7)])
def test_fk_recovers_plane_wave_to_grid_step(geom, s, baz):
    x, y = geom
    n = int(40 / DT)
    data = plane_wave_data(x, y, [(s, baz, 20.0)], n, noise=0.1, seed=int(baz))
    step = 0.005
    window, fk = (int(15 / DT), int(25 / DT)), FKParams(0.3, step, 1, 2)
    sx, sy, pabs, prel = fk_power(data, DT, x, y, window, fk)
    s_obs, _, px, py = fk_peak(sx, sy, prel)
    true_sx, true_sy = -s * np.sin(np.radians(baz)), -s * np.cos(np.radians(baz))
    assert abs(px - true_sx) <= step and abs(py - true_sy) <= step
    assert abs(s_obs - s) <= step * np.sqrt(2)
    assert 0.5 < prel.max() <= 1.0
    assert np.argmax(pabs) == np.argmax(prel)
    # Capon finds the same maximum to the grid step
    _, _, _, pc = fk_power(data, DT, x, y, window, fk, "capon")
    _, _, cx, cy = fk_peak(sx, sy, pc)
    assert abs(cx - true_sx) <= step and abs(cy - true_sy) <= step


def test_vespagram_recovers_slowness_to_grid_step(geom):
    x, y = geom
    s, baz = 0.0633, 140.0
    data = plane_wave_data(x, y, [(s, baz, 20.0)], int(40 / DT), noise=0.2, seed=9)
    grid = np.arange(0.0, 0.2001, 0.005)
    out = vespagram_stacks(
        data, DT, x, y, SlownessScan(grid, baz), ("linear", "pws", "nthroot", "envelope")
    )
    for kind, v in out.items():
        if kind == "coherence":
            continue
        k = np.argmax(np.abs(v).max(axis=1))
        assert abs(grid[k] - s) <= 0.005, kind
    # the wrong back-azimuth does not give a stronger beam
    wrong = vespagram(data, DT, x, y, SlownessScan(grid, (baz + 180) % 360))
    assert np.abs(wrong).max() < 0.7 * np.abs(out["linear"]).max()


@pytest.mark.parametrize("precision", ["double", "single"])
def test_vespagram_equals_shift_then_stack(geom, precision):
    x, y = geom
    rng = np.random.default_rng(11)
    data = plane_wave_data(x, y, [(0.1, 77.0, 15.0)], 600, noise=0.5, seed=11)
    data[:, :5] += rng.standard_normal((x.size, 5))  # energy at the start: no wrap-around
    grid = np.linspace(-0.2, 0.2, 17)
    static = rng.normal(0, 0.1, x.size)
    scan = SlownessScan(grid, 77.0, static)
    out = vespagram_stacks(
        data, DT, x, y, scan, ("linear", "pws", "nthroot", "envelope"),
        params=StackParams(nu=2.0, n=3.0), precision=precision, block=5,
    )  # fmt: skip
    nfft = vespagram_nfft(data.shape[1], DT, x, y, scan)
    assert nfft == sfft.next_fast_len(nfft, real=True)
    spec = np.fft.rfft(data, nfft)
    f = np.fft.rfftfreq(nfft, DT)
    tol = 1e-9 if precision == "double" else 2e-4
    for j, s in enumerate(grid):
        tau = plane_wave_delays(x, y, s, 77.0) + static
        trunc = shift_traces(data, tau, DT, pad_to=nfft)
        full = np.fft.irfft(spec * np.exp(2j * np.pi * f * tau[:, None]), nfft)
        np.testing.assert_allclose(full[:, : data.shape[1]], trunc, atol=1e-12)
        ref = {
            "linear": trunc.mean(axis=0),
            # stackmaster on the zero-padded shifted traces (its FFT length is nfft)
            "pws": stackmaster_pws(full, p=2.0)[: data.shape[1]],
            "nthroot": nth_root_stack(trunc, 3.0),
            "envelope": envelope_stack(full)[: data.shape[1]],
        }
        for kind, r in ref.items():
            scale = np.abs(r).max()
            np.testing.assert_allclose(out[kind][j], r, atol=tol * scale, err_msg=kind)


def test_vespagram_no_wrap_around(geom):
    x, y = geom
    n = 400
    t = np.arange(n) * DT
    pulse = np.exp(-(((t - (n - 10) * DT) / 0.1) ** 2))  # near the end
    data = np.tile(pulse, (x.size, 1))
    v = vespagram(data, DT, x, y, SlownessScan([0.3], 90.0))  # delays up to several seconds
    assert np.abs(v[0, :100]).max() < 1e-6


def test_bad_input_errors(geom):
    x, y = geom
    data = np.zeros((x.size, 200))
    with pytest.raises(ValueError, match="offsets"):
        vespagram(data, DT, x[:-1], y[:-1], SlownessScan([0.1], 0.0))
    with pytest.raises(ValueError, match="unknown stack"):
        vespagram(data, DT, x, y, SlownessScan([0.1], 0.0), stack="median")
    with pytest.raises(ValueError, match="outside"):
        fk_power(data, DT, x, y, (150, 250), FKParams(0.3, 0.01, 1, 2))
    with pytest.raises(ValueError, match="no frequency bin"):
        fk_power(data, DT, x, y, (0, 20), FKParams(0.3, 0.01, 2.0, 1.0))
    bad = data.copy()
    bad[0, 3] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        sliding_fk(bad, DT, x, y, 2.0, 0.5, FKParams(0.3, 0.01, 1, 2))


def test_rings_layout_arf_has_sidelobes_below_one():
    x, y = parametric_layout("rings", 19, 20.0)
    kx, ky, arf = array_response(x, y, 3.0, 0.05)
    centre = (kx.size // 2, ky.size // 2)
    mask = np.hypot(*np.meshgrid(kx, ky, indexing="ij")) > 1.0
    assert arf[centre] == pytest.approx(1.0)
    assert arf[mask].max() < 0.9
