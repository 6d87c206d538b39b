"""The vespagram's time-domain fast path (method="interp", signal.shifting) against the exact
FFT path: stated interpolation bound, synthetic and real YKA records, Nyquist, fallback."""

from __future__ import annotations

import numpy as np
import pytest
from support.planewaves import DT, plane_wave_data

from corephase.signal import shifting
from corephase.signal.vespagram import SlownessScan, vespagram_nfft, vespagram_stacks

KINDS = ("linear", "pws", "nthroot", "envelope")
needs_numba = pytest.mark.skipif(not shifting.numba_available(), reason="numba not installed")


def _assert_close(out, ref, rtol, what=""):
    assert out.keys() == ref.keys()
    for kind, r in ref.items():
        err = np.abs(out[kind] - r).max() / np.abs(r).max()
        assert err <= rtol, f"{what} {kind}: {err:.1e}"


def test_interpolation_error_bound_is_the_stated_one():
    """12-point Lagrange on the 4x oversampled baseband: 7.0e-10 per unit amplitude."""
    assert shifting.interpolation_error_bound() == pytest.approx(7.0e-10, rel=0.01)
    # a shorter interpolator or no oversampling is far worse (why R = 4, 12 taps)
    assert shifting.interpolation_error_bound(taps=8) > 1e-7
    assert shifting.interpolation_error_bound(oversample=2) > 1e-6


@needs_numba
@pytest.mark.parametrize("freq_frac", [0.0, 0.07, 0.25, 0.43, 0.499])
def test_shifted_exponential_within_the_bound(freq_frac):
    """A unit complex exponential anywhere in the analytic band 0..fs/2, shifted by many
    fractional delays, is within the stated bound of the exact shift."""
    nfft = nsamp = 400
    k = round(freq_frac * nfft)  # a bin: the signal is nfft-periodic, as the exact path's
    spec = np.zeros((1, nfft // 2 + 1), complex)
    spec[0, k] = nfft  # unit amplitude after the inverse FFT of length nfft
    tau = np.random.default_rng(3).uniform(-7.0, 7.0, (50, 1)) * DT
    acc = {"lin": np.zeros((50, 2, nsamp))}
    shifting.accumulate_shifted(spec, tau, DT, nfft, 2.0, acc)
    qr, qi = shifting.quarter_turns(nsamp)
    got = (qr + 1j * qi) * (acc["lin"][:, 0] + 1j * acc["lin"][:, 1])
    t = np.arange(nsamp) * DT
    exact = np.exp(2j * np.pi * k / (nfft * DT) * (t[None, :] + tau))
    if k == nfft // 2:  # the exact path keeps the real part of the Nyquist bin
        exact = exact.real
    bound = shifting.interpolation_error_bound()
    assert np.abs(got - exact).max() <= bound + 1e-12


@needs_numba
@pytest.mark.parametrize("nsamp", [570, 600])
def test_interp_equals_fft_on_plane_waves(geom, nsamp):
    """All four stacks with statics, negative and irregular slownesses, even and odd FFT
    lengths, agree with the exact path to 1e-8 of each stack's maximum."""
    x, y = geom
    rng = np.random.default_rng(11)
    data = plane_wave_data(x, y, [(0.1, 77.0, 15.0)], nsamp, noise=0.5, seed=11)
    data[:, :5] += rng.standard_normal((x.size, 5))  # energy at the start: no wrap-around
    static = rng.normal(0, 0.1, x.size)
    parity = set()
    for grid in (np.linspace(-0.2, 0.2, 17), np.array([0.02, -0.07, 0.05, 0.051, 0.3])):
        scan = SlownessScan(grid, 77.0, static)
        kw = dict(params=None, precision="double", block=5)
        ref = vespagram_stacks(data, DT, x, y, scan, KINDS, **kw)
        out = vespagram_stacks(data, DT, x, y, scan, KINDS, method="interp", **kw)
        nfft = vespagram_nfft(nsamp, DT, x, y, scan)
        _assert_close(out, ref, 1e-8, f"nfft {nfft}")
        parity.add(nfft % 2)
    assert parity == {0, 1}  # an even FFT length (a Nyquist bin) and an odd one


@needs_numba
def test_interp_threads_and_blocks_change_only_rounding(geom):
    x, y = geom
    data = plane_wave_data(x, y, [(0.05, 200.0, 12.0)], 500, noise=0.5, seed=4)
    scan = SlownessScan(np.linspace(-0.1, 0.1, 21), 200.0)
    ref = vespagram_stacks(data, DT, x, y, scan, KINDS, block=x.size, method="interp")
    for block, workers in ((1, 1), (3, 2)):
        out = vespagram_stacks(
            data, DT, x, y, scan, KINDS, block=block, workers=workers, method="interp"
        )
        _assert_close(out, ref, 1e-12, f"block {block} workers {workers}")


@needs_numba
def test_interp_equals_fft_on_real_yka_records(yka_dir):
    """The real YKA array (18 elements, 20 Hz, 1-3 Hz): a noise-only window before P and
    the P window, at the event's back-azimuth: every stack within 1e-8 of the exact path."""
    import obspy

    from corephase.model.geometry import latlon_to_local_km

    st = obspy.read(str(yka_dir / "CN.YKA.SHZ.mseed"))
    inv = obspy.read_inventory(str(yka_dir / "CN.YKA.stationxml"))
    st.sort()
    st.detrend("demean")
    st.filter("bandpass", freqmin=1.0, freqmax=3.0, corners=4, zerophase=True)
    co = [inv.get_coordinates(tr.id, tr.stats.starttime) for tr in st]
    lat, lon = np.array([c["latitude"] for c in co]), np.array([c["longitude"] for c in co])
    x, y = latlon_to_local_km(lat, lon, lat.mean(), lon.mean())
    n = min(tr.stats.npts for tr in st)
    data = np.array([tr.data[:n] for tr in st], float)
    dt = st[0].stats.delta
    origin = obspy.UTCDateTime("2012-08-14T02:59:38.46")
    scan = SlownessScan(np.linspace(0.0, 0.12, 25), 305.7)
    for t0 in (-600.0, 480.0):  # noise only; P (about 520 s after origin)
        i0 = int((origin + t0 - st[0].stats.starttime) / dt)
        seg = data[:, i0 : i0 + int(120 / dt)]
        ref = vespagram_stacks(seg, dt, x, y, scan, KINDS, precision="double")
        out = vespagram_stacks(seg, dt, x, y, scan, KINDS, method="interp")
        _assert_close(out, ref, 1e-8, f"YKA window at {t0} s")


def test_interp_without_numba_is_the_fft_path(geom, monkeypatch):
    x, y = geom
    data = plane_wave_data(x, y, [(0.05, 200.0, 12.0)], 500, noise=0.5, seed=5)
    scan = SlownessScan(np.linspace(-0.1, 0.1, 9), 200.0)
    monkeypatch.setattr(shifting, "numba", None)
    ref = vespagram_stacks(data, DT, x, y, scan, KINDS, precision="double")
    out = vespagram_stacks(data, DT, x, y, scan, KINDS, precision="double", method="interp")
    for kind, r in ref.items():
        np.testing.assert_array_equal(out[kind], r, err_msg=kind)


def test_unknown_method_is_refused(geom):
    x, y = geom
    with pytest.raises(ValueError, match="method"):
        vespagram_stacks(np.zeros((x.size, 50)), DT, x, y, SlownessScan([0.0], 0.0), method="x")
