"""A tiny synthetic configuration for the stage tests (validated, schema defaults filled)."""

from __future__ import annotations

import pytest
from support import tiny


@pytest.fixture
def tiny_config() -> dict:
    """One 4-element synthetic array, one event at ~63 deg, one band, quiet noise."""
    return tiny.tiny_config()


@pytest.fixture
def tiny_event(tiny_config):
    return tiny.tiny_event(tiny_config)
