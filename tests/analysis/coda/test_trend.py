"""The coda trend: its straight-line fit (``np.polyfit(x, y, 1)`` to the last bit) and
the level reset to the pre-phase energy."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from corephase.analysis.coda.trend import Trend, fit_trend, line_fit
from corephase.utils.random import component_rng


def test_line_fit_equals_polyfit_to_the_bit():
    rng = component_rng(3, "line_fit")
    for n in (2, 3, 7, 120, 551, 1470):
        for _ in range(40):
            t = np.sort(rng.uniform(-60.0, 150.0, n))
            for x in (t, np.log(500.0 + t)):  # loglinear and powerlaw designs
                y = rng.normal(0.0, 3.0, n) - 0.01 * x
                assert line_fit(x, y).tobytes() == np.polyfit(x, y, 1).tobytes()


def test_line_fit_warns_like_polyfit_on_a_rank_deficient_design():
    x, y = np.full(5, 2.0), np.arange(5.0)
    with pytest.warns(np.exceptions.RankWarning):
        want = np.polyfit(x, y, 1)
    with pytest.warns(np.exceptions.RankWarning):
        got = line_fit(x, y)
    assert got.tobytes() == want.tobytes()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        line_fit(np.arange(4.0), y[:4])


def _rising_window():
    """A pre-phase envelope rising 5 nepers over 35 s at 660-695 s lapse time: the
    power-law exponent fits near +100, is clipped to 0, and the unclipped line's level
    (about -650 nepers) underflows ``exp`` before the level reset."""
    phase_time = 700.0
    t_pre = np.linspace(-40.0, -5.0, 701)
    a = np.exp(np.linspace(-2.0, 3.0, t_pre.size))
    return t_pre, a, phase_time


def test_level_reset_survives_a_clipped_steep_powerlaw():
    t_pre, a, phase_time = _rising_window()
    slope, c = line_fit(np.log(phase_time + t_pre), np.log(a))
    assert slope > 50 and np.exp(2 * c) == 0.0  # the old direct form divided by zero here
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tr = fit_trend(t_pre, a, a, phase_time, "powerlaw", max_slope=0.0)
    assert tr.slope == 0.0 and np.isfinite(tr.level)
    energy = np.mean(np.exp(2.0 * tr(t_pre)))
    np.testing.assert_allclose(energy, np.mean(a**2), rtol=1e-12)


def test_level_reset_keeps_the_direct_form_bits():
    rng = component_rng(5, "level_reset")
    for model in ("loglinear", "powerlaw"):
        for _ in range(50):
            t_pre = np.sort(rng.uniform(-40.0, -5.0, 400))
            a_fit = np.exp(rng.normal(0.0, 0.5, t_pre.size))
            a_pre = a_fit * np.exp(rng.normal(0.0, 0.2, t_pre.size))
            tr = fit_trend(t_pre, a_fit, a_pre, 600.0, model, max_slope=0.0)
            first = Trend(model, tr.slope, 0.0, 600.0)
            x = np.log(600.0 + t_pre) if model == "powerlaw" else t_pre
            c = line_fit(x, np.log(a_fit))[1]
            direct = 0.5 * np.log(np.mean(a_pre**2) / np.mean(np.exp(2.0 * (c + first(t_pre)))))
            assert tr.level == float(c + direct)
