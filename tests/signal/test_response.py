"""Array response (signal.response) against ObsPy's array_transff_wavenumber."""

from __future__ import annotations

import numpy as np
import pytest
from obspy.signal.array_analysis import array_transff_wavenumber

from corephase.model.geometry import parametric_layout
from corephase.signal.response import array_response


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


def test_rings_layout_arf_has_sidelobes_below_one():
    x, y = parametric_layout("rings", 19, 20.0)
    kx, ky, arf = array_response(x, y, 3.0, 0.05)
    centre = (kx.size // 2, ky.size // 2)
    mask = np.hypot(*np.meshgrid(kx, ky, indexing="ij")) > 1.0
    assert arf[centre] == pytest.approx(1.0)
    assert arf[mask].max() < 0.9
