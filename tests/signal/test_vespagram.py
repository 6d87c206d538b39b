"""Vespagrams (signal.vespagram) against shift-then-stack, stackmaster and known plane waves."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.fft as sfft
from stackmaster.core import pws as stackmaster_pws
from support.planewaves import DT, plane_wave_data

from corephase.signal.alignment import plane_wave_delays, shift_traces
from corephase.signal.stacking import StackParams, envelope_stack, nth_root_stack
from corephase.signal.vespagram import SlownessScan, vespagram, vespagram_nfft, vespagram_stacks


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


@pytest.mark.parametrize("precision", ["double", "single"])
def test_vespagram_threads_and_blocks_change_only_rounding(geom, precision):
    """Trace blocks shared among threads, or other block sizes, give the same stacks."""
    x, y = geom
    data = plane_wave_data(x, y, [(0.05, 200.0, 12.0)], 500, noise=0.5, seed=4)
    kinds = ("linear", "pws", "nthroot", "envelope")
    uniform = SlownessScan(np.linspace(-0.1, 0.1, 21), 200.0)
    irregular = SlownessScan(np.array([0.02, -0.07, 0.05, 0.051, 0.3]), 200.0)
    tol = 1e-12 if precision == "double" else 1e-5
    for scan in (uniform, irregular):
        ref = vespagram_stacks(data, DT, x, y, scan, kinds, precision=precision, block=x.size)
        for block, workers in ((1, 1), (3, 2), (2, 5)):
            out = vespagram_stacks(
                data, DT, x, y, scan, kinds, precision=precision, block=block, workers=workers
            )
            for kind, r in ref.items():
                scale = np.abs(r).max()
                np.testing.assert_allclose(out[kind], r, atol=tol * scale, err_msg=kind)


@pytest.mark.parametrize("dtype", [np.complex128, np.complex64])
def test_numpy_ifft_equals_scipy_ifft_to_the_last_bit(dtype):
    """The weighted vespagram inverts with NumPy's pocketfft (no ``scipy.fft`` import in
    the stack job) and with ``scipy.fft`` for several workers: both must give the
    numbers the tables were made with, bit for bit, on the lengths and strided blocks
    the vespagram uses (5-smooth, odd, prime)."""
    from corephase.signal.vespagram import _ifft

    rng = np.random.default_rng(5)
    for n in (97, 125, 243, 250, 256, 1000, 1200, 1536, 2187, 3125, 6000):
        buf = (rng.standard_normal((18, 8, n)) + 1j * rng.standard_normal((18, 8, n))).astype(
            dtype
        )
        for nb in (1, 3, 8):
            x = buf[:, :nb]  # a strided view, as the vespagram's last block
            ref = sfft.ifft(x, axis=-1)
            for workers in (1, 2):
                z = _ifft(x, workers)
                assert z.dtype == ref.dtype
                np.testing.assert_array_equal(z, ref)


def test_vespagram_module_does_not_import_scipy():
    """The stack job needs no SciPy package (``scipy.fft`` alone costs 0.3 s per job)."""
    import subprocess
    import sys

    code = (
        "import sys, corephase.signal.vespagram, corephase.analysis.detection; "
        "print(sorted(m for m in sys.modules if m.startswith('scipy')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
