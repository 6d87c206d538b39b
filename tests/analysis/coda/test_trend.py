"""The coda trend's straight-line fit: ``np.polyfit(x, y, 1)`` to the last bit."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from corephase.analysis.coda.trend import line_fit
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
