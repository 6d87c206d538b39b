"""Synthetic source: PcP and PKiKP amplitudes from the reference-model prediction."""

from __future__ import annotations

import numpy as np
import pytest

from corephase.config.synthetic import SyntheticSettings
from corephase.sources.synthetic import synthetic_arrivals
from corephase.theory.ratios import amplitudes_relative_to_p


def _amps(settings, distance_deg, depth_km=100.0):
    arrivals, _ = synthetic_arrivals(depth_km, distance_deg, settings)
    return {a.phase: a.relative_amplitude for a in arrivals}


def test_configured_amplitudes_by_default():
    amps = _amps(SyntheticSettings(), 40.0)
    assert amps["PcP"] == pytest.approx(0.12)
    assert amps["PKiKP"] == pytest.approx(0.012)


@pytest.mark.parametrize("distance_deg", [30.0, 45.0, 60.0])
def test_predicted_core_amplitudes_follow_the_theory(distance_deg):
    settings = SyntheticSettings().replace(predicted_core_amplitudes=True)
    amps = _amps(settings, distance_deg)
    pred = amplitudes_relative_to_p(distance_deg, 100.0, settings.wavelet_hz)
    assert amps["PcP"] == pytest.approx(abs(float(pred["pcp"])), rel=1e-9)
    assert amps["PKiKP"] == pytest.approx(abs(float(pred["pkikp"])), rel=1e-9)
    # other phases keep their configured amplitudes
    assert amps["ScP"] == pytest.approx(0.2)


def test_predicted_pkikp_to_pcp_ratio_falls_with_distance():
    settings = SyntheticSettings().replace(predicted_core_amplitudes=True)
    ratios = [_amps(settings, d)["PKiKP"] / _amps(settings, d)["PcP"] for d in (30, 45, 60)]
    assert np.all(np.diff(ratios) < 0)
