"""The light SciPy signal functions equal the public ``scipy.signal`` ones to the last bit."""

import subprocess
import sys

import numpy as np
import pytest
import scipy.signal
from obspy import Trace

from corephase.signal import scipy_signal
from corephase.signal.preprocess import hann_taper


def test_the_light_path_is_taken_with_the_installed_scipy():
    """If SciPy's private layout changes, the fallback works but costs the package import."""
    assert scipy_signal._functions().fast


@pytest.mark.parametrize(
    ("order", "wn", "btype"), [(4, (0.1, 0.3), "bandpass"), (8, (0.8,), "lowpass")]
)
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int32])
def test_butterworth_design_and_filter_equal_scipy(order, wn, btype, dtype):
    rng = np.random.default_rng(3)
    x = (1000 * rng.standard_normal((3, 777))).astype(dtype)
    sos = scipy_signal.iirfilter(order, wn[0] if len(wn) == 1 else list(wn), btype)
    ref = scipy.signal.iirfilter(order, wn[0] if len(wn) == 1 else wn, btype=btype, output="sos")
    np.testing.assert_array_equal(sos, ref)
    for data in (x, x[1]):
        got, want = scipy_signal.sosfilt(sos, data), scipy.signal.sosfilt(sos, data)
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_array_equal(got, want)
    assert x.dtype == dtype  # the input is not modified in place


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int32])
@pytest.mark.parametrize("kind", ["linear", "constant"])
def test_detrend_equals_scipy(dtype, kind):
    rng = np.random.default_rng(4)
    x = (np.cumsum(rng.standard_normal((2, 1001)), axis=-1) * 100 + 7).astype(dtype)
    for data in (x, x[0], x[0, :1]):
        got, want = scipy_signal.detrend(data, kind), scipy.signal.detrend(data, type=kind)
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_array_equal(got, want)
    with pytest.raises(ValueError, match="linear"):
        scipy_signal.detrend(x, "quadratic")


def test_hann_equals_scipy():
    for m in [*range(0, 700), 1001, 2048, 4001, 12001, 36001]:
        np.testing.assert_array_equal(scipy_signal.hann(m), scipy.signal.windows.hann(m))
    with pytest.raises(ValueError, match="non-negative"):
        scipy_signal.hann(-1)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("m", "nrhs"), [(1, 1), (2, 3), (3, 1), (1001, 20), (36001, 4)])
def test_lstsq_equals_scipy_linalg(dtype, m, nrhs):
    """The gelsd call of the light path gives scipy.linalg.lstsq's solution bit for bit,
    also with fewer rows than columns (one sample against the line's two parameters)."""
    from scipy.linalg import lstsq

    rng = np.random.default_rng(m)
    a = np.ones((m, 2), dtype)
    a[:, 0] = np.arange(1, m + 1, dtype=dtype) / m
    b = (np.cumsum(rng.standard_normal((m, nrhs)), axis=0) * 100 + 7).astype(dtype)
    for rhs in (b, b[:, 0]):
        got, want = scipy_signal._functions().lstsq(a, rhs), lstsq(a, rhs)[0]
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_array_equal(got, want)
    with pytest.raises(ValueError, match="infs or NaNs"):
        scipy_signal._functions().lstsq(a, np.full(m, np.nan, dtype))


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int32])
@pytest.mark.parametrize(("n", "fraction"), [(1000, 0.05), (1001, 0.01), (7, 0.5), (10, 0.0)])
def test_hann_taper_equals_obspy_trace_taper(dtype, n, fraction):
    data = (np.random.default_rng(n).standard_normal(n) * 1000).astype(dtype)
    ref = Trace(data.copy()).taper(fraction)
    got = hann_taper(data.copy(), fraction)
    assert got.dtype == ref.data.dtype
    np.testing.assert_array_equal(got, ref.data)


def test_later_package_import_works_and_shares_the_functions():
    """A process that loads the light path first can still import scipy.signal normally."""
    code = (
        "import sys\n"
        "from corephase.signal import scipy_signal as s\n"
        "assert s._functions().fast\n"
        "s.detrend(s.hann(50), 'linear')\n"
        "for name in ('signal', 'stats', 'linalg', 'optimize'):\n"
        "    assert 'scipy.' + name not in sys.modules, name\n"
        "import scipy.signal\n"
        "assert scipy.signal.iirfilter is s._functions().iirfilter\n"
        "assert scipy.signal.buttord(0.2, 0.3, 3, 40)[0] == 11  # uses scipy.optimize\n"
        "import scipy.optimize\n"
        "from scipy.signal import _filter_design\n"
        "assert _filter_design.optimize.brentq is scipy.optimize.brentq\n"
        "from scipy.signal import _sosfilt\n"
        "x = scipy.signal.sosfilt(scipy.signal.butter(4, 0.2, output='sos'), [1.0, 0, 0])\n"
        "assert x.shape == (3,)\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
