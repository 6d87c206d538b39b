"""Shared test fixtures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The reference data folder ``../shared/data``.

    Skips when it is absent on a developer's machine; fails in CI
    (``CI=true``), where it must be present.
    """
    data = SHARED / "data"
    if not data.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"reference data {data} is missing in CI")
        pytest.skip(f"reference data {data} not present (clone lacks ../shared)")
    return data


@pytest.fixture(scope="session")
def yka_dir(shared_dir) -> Path:
    """Folder of the real YKA recording (miniSEED, StationXML, QuakeML)."""
    return shared_dir / "yka-2012-08-14"
