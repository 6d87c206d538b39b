"""Stacks: PWS against stackmaster, nth-root, envelope, coherence."""

from __future__ import annotations

import numpy as np
import pytest
from stackmaster.core import pws as stackmaster_pws

from corephase.signal.stacking import (
    STACK_TYPES,
    StackParams,
    envelope_stack,
    linear_stack,
    nth_root_stack,
    phase_coherence,
    pws,
    stack,
)


def aligned_traces(n=12, m=1001, snr=2.0, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(m) * 0.05
    sig = np.exp(-(((t - 25.0) / 0.5) ** 2)) * np.cos(2 * np.pi * 1.5 * (t - 25.0))
    return snr * sig + rng.standard_normal((n, m)) * 0.5, sig


@pytest.mark.parametrize("m", [1000, 1001, 777])
@pytest.mark.parametrize("nu", [1.0, 2.0, 3.0])
def test_pws_equals_stackmaster(m, nu):
    u, _ = aligned_traces(m=m, seed=m)
    beam, coh = pws(u, nu=nu)
    ref = stackmaster_pws(u, p=nu)
    np.testing.assert_allclose(beam, ref, rtol=1e-10, atol=1e-12 * np.abs(ref).max())
    assert coh.min() >= 0.0 and coh.max() <= 1.0 + 1e-12


def test_pws_gate_smooths_coherence_and_needs_dt():
    u, _ = aligned_traces()
    _, c0 = pws(u, 2.0)
    _, c1 = pws(u, 2.0, dt=0.05, gate_s=0.5)
    assert np.std(np.diff(c1)) < np.std(np.diff(c0))
    with pytest.raises(ValueError, match="dt"):
        pws(u, 2.0, gate_s=0.5)
    with pytest.raises(ValueError, match="nu"):
        pws(u, -1.0)


def test_coherence_limits():
    u, _ = aligned_traces(n=50, snr=0.0, seed=3)
    c = phase_coherence(u)
    # incoherent noise: about 1/sqrt(N)
    assert 0.5 / np.sqrt(50) < np.mean(c) < 2.0 / np.sqrt(50)
    same = np.tile(u[0], (7, 1))
    np.testing.assert_allclose(phase_coherence(same), 1.0, atol=1e-12)


def test_nth_root_keeps_sign_and_reduces_to_linear():
    u, sig = aligned_traces(snr=3.0)
    np.testing.assert_allclose(nth_root_stack(u, 1), linear_stack(u), atol=1e-12)
    b = nth_root_stack(-u, 4)
    k = np.argmax(np.abs(sig))
    assert np.sign(b[k]) == np.sign(-sig[k])
    np.testing.assert_allclose(nth_root_stack(-u, 4), -nth_root_stack(u, 4), atol=1e-12)
    with pytest.raises(ValueError):
        nth_root_stack(u, 0.5)


def test_nonlinear_stacks_suppress_incoherent_noise():
    u, sig = aligned_traces(n=20, snr=1.0, seed=5)
    k = np.argmax(sig)
    noise = slice(0, 300)
    for kind in ("pws", "nthroot"):
        r = stack(u, kind, 0.05)
        lin = stack(u, "linear", 0.05)
        gain = (r.cf[k] / np.std(r.beam[noise])) / (lin.cf[k] / np.std(lin.beam[noise]))
        assert gain > 1.5, kind


def test_envelope_stack_and_dispatch():
    u, sig = aligned_traces()
    e = envelope_stack(u, 0.05, 0.5)
    assert np.all(e > 0)
    assert abs(np.argmax(e) - np.argmax(sig)) * 0.05 < 0.3
    with pytest.raises(ValueError, match="dt"):
        envelope_stack(u, None, 0.5)
    for kind in STACK_TYPES:
        r = stack(u, kind, 0.05, StackParams(smooth_s=0.5))
        assert r.beam.shape == r.cf.shape == r.coherence.shape == (u.shape[1],)
    with pytest.raises(ValueError, match="unknown stack"):
        stack(u, "median")
    with pytest.raises(ValueError, match="nu must be"):
        StackParams(nu=-1.0)
    with pytest.raises(ValueError, match="order must be"):
        StackParams(n=0.5)
    with pytest.raises(ValueError, match="2-D"):
        linear_stack(np.zeros(5))


def test_next_fast_len_is_scipys_five_smooth_length():
    from scipy.fft import next_fast_len as scipy_next_fast_len

    from corephase.signal.stacking import next_fast_len

    rng = np.random.default_rng(0)  # and lengths as long as the experiment's real segments
    for n in [*range(1, 3000), 15001, 16385, 99999, 1_000_001, *rng.integers(3000, 400_000, 300)]:
        assert next_fast_len(n) == scipy_next_fast_len(n, real=True), n


@pytest.mark.parametrize(("shape", "axis"), [((1001,), -1), ((4, 1536), -1), ((777, 3), 0)])
def test_analytic_signal_equals_the_scipy_fft_hilbert_to_the_bit(shape, axis):
    """NumPy's real FFT is the first half of SciPy's complex FFT of real data, bit for bit,
    and the inverse FFTs agree: the analytic signal is what the SciPy version gave."""
    import scipy.fft as sfft

    from corephase.signal.stacking import analytic_signal, next_fast_len

    x = np.random.default_rng(4).standard_normal(shape)
    m = x.shape[axis]
    n = next_fast_len(m)
    h = np.zeros(n)
    h[0] = 1.0
    h[1 : (n + 1) // 2] = 2.0
    if n % 2 == 0:
        h[n // 2] = 1.0
    hs = [1] * x.ndim
    hs[axis] = n
    want = np.take(sfft.ifft(sfft.fft(x, n, axis=axis) * h.reshape(hs), axis=axis), range(m), axis)
    got = analytic_signal(x, axis=axis)
    assert np.array_equal(
        np.ascontiguousarray(got).view(np.uint8), np.ascontiguousarray(want).view(np.uint8)
    )
