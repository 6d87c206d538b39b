"""The one smoother (signal.smoothing) against NumPy's convolution."""

from __future__ import annotations

import numpy as np
import pytest

from corephase.signal.smoothing import boxcar, boxcar_width, masked_boxcar


@pytest.mark.parametrize(("n", "length_s"), [(600, 4.0), (600, 0.35), (101, 0.5), (30, 2.0)])
def test_boxcar_equals_numpy_same_convolution(n, length_s):
    dt = 0.05
    x = np.random.default_rng(1).standard_normal((3, n)) * 4 + 1
    w = boxcar_width(dt, length_s)
    ref = np.array([np.convolve(r, np.ones(w) / w, mode="same") for r in x])
    got = boxcar(x, dt, length_s)
    assert got.shape == ref.shape
    np.testing.assert_allclose(got, ref, rtol=0, atol=1e-12)
    np.testing.assert_allclose(boxcar(x[0], dt, length_s), ref[0], rtol=0, atol=1e-12)


def test_boxcar_without_smoothing_and_without_dt():
    x = np.arange(5.0)
    assert boxcar(x, 0.05, 0.0) is x
    with pytest.raises(ValueError, match="positive sample interval"):
        boxcar(x, None, 1.0)


def test_masked_boxcar_averages_only_masked_samples():
    dt, length_s = 0.1, 0.5  # 5 samples
    x = np.arange(20.0)
    mask = np.ones(20, bool)
    mask[8:12] = False
    got = masked_boxcar(x, mask, dt, length_s)
    for m in range(20):
        win = [k for k in range(m - 2, m + 3) if 0 <= k < 20 and mask[k]]
        want = np.mean(x[win]) if mask[m] and win else 0.0
        assert got[m] == pytest.approx(want, abs=1e-12), m


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex128])
def test_boxcar_equals_scipy_uniform_filter_to_the_bit(dtype):
    """The running sum is SciPy's uniform_filter1d (constant mode) bit for bit, so swapping
    it in changed no table."""
    from scipy.ndimage import uniform_filter1d

    rng = np.random.default_rng(2)
    for n, w in [(600, 5), (601, 80), (37, 37), (1500, 10), (12, 2)]:
        x = rng.standard_normal((2, 3, n)) * 10.0 ** rng.integers(-6, 6)
        if dtype == np.complex128:
            x = x + 1j * rng.standard_normal(x.shape)
        x = x.astype(dtype)
        x[..., : n // 3] = 0.0
        want = uniform_filter1d(x, w, axis=-1, mode="constant", cval=0.0)
        got = boxcar(x, 1.0, float(w))
        assert got.dtype == want.dtype
        assert np.array_equal(got.view(np.uint8), want.view(np.uint8)), (n, w)


def test_boxcar_same_bits_as_uniform_filter_at_every_width_with_signed_zeros():
    """The running mean's steps are formed without padding the trace; at every window
    width up to the trace's, with +-0 at the ends and inside, they are still SciPy's."""
    from scipy.ndimage import uniform_filter1d

    rng = np.random.default_rng(5)
    for n in (1, 2, 3, 8, 41):
        x = rng.standard_normal((3, n))
        x[0, :2], x[1, -2:], x[2, n // 2 :] = 0.0, -0.0, -0.0
        for w in range(2, n + 1):
            want = uniform_filter1d(x, w, axis=-1, mode="constant", cval=0.0)
            assert boxcar(x, 1.0, float(w)).tobytes() == want.tobytes(), (n, w)


def test_masked_boxcar_with_a_recurring_mask_equals_the_direct_means_to_the_bit():
    """The window counts are kept per mask: every call gives the means of the first."""
    rng = np.random.default_rng(5)
    mask = np.zeros(900, bool)
    mask[100:400] = mask[450:700] = True
    w = boxcar_width(0.05, 2.0)
    for _ in range(3):
        x = rng.normal(size=900) ** 2
        num = boxcar(x * mask, 0.05, 2.0) * w
        den = boxcar(mask.astype(float), 0.05, 2.0) * w
        want = np.zeros(900)
        np.divide(num, den, out=want, where=(den > 0.5) & mask)
        assert masked_boxcar(x, mask, 0.05, 2.0).tobytes() == want.tobytes()
