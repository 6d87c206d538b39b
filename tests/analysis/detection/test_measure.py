"""Per-element terms of the detection's measurement, to the last bit."""

from __future__ import annotations

import numpy as np

from corephase.analysis.detection.measure import element_terms
from corephase.signal.stacking import StackParams, analytic_signal


def test_element_terms_unit_phasor_is_the_masked_division_bit_for_bit():
    """``a * (1 / |a|)`` equals ``a / |a|`` (0 where ``|a| = 0``) in every bit, for
    amplitudes over ten decades, exact zeros (gaps and zero-padded ends) and tiny values."""
    rng = np.random.default_rng(7)
    for scale in (1e-6, 1.0, 1e4):
        u = rng.standard_normal((6, 1500)) * scale
        u[:, :200] = 0.0  # a gap: the analytic signal is tiny or zero there
        u[2] = 0.0  # a dead trace: |a| = 0 everywhere
        u[3, 700:710] = 1e-300
        terms = element_terms(u, ("linear", "pws", "nthroot"), StackParams())
        a = analytic_signal(u)
        mag = np.abs(a)
        ref = np.divide(a, mag, out=np.zeros_like(a), where=mag > 0)
        np.testing.assert_array_equal(terms.unit.view(np.uint64), ref.view(np.uint64))
        np.testing.assert_array_equal(terms.mag, mag)
