"""Fixtures of the signal tests."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture(scope="module")
def geom():
    """16 elements at random east/north offsets (km) within 12 km of the centre."""
    rng = np.random.default_rng(42)
    return rng.uniform(-12, 12, 16), rng.uniform(-12, 12, 16)
