"""The record window: phases, explicit fallbacks and which phase set each end."""

from __future__ import annotations

import pytest

from corephase.config.fetch import WindowSettings
from corephase.model.traveltimes import (
    first_arrivals,
    record_window,
    window_phase_choice,
    window_phases,
)

WINDOW = {"start_phase": "P", "start_offset_s": -120, "end_phase": "PKIIKP", "end_offset_s": 180}


def _arrivals(distance_deg, window=WINDOW):
    return first_arrivals(100.0, distance_deg, window_phases(window))


def test_configured_phases_set_the_window_where_they_exist():
    arr = _arrivals(60.0)
    assert window_phase_choice(arr, WINDOW) == ("P", "PKIIKP")
    start, end = record_window(arr, WINDOW)
    assert start == pytest.approx(arr["P"].time - 120)
    assert end == pytest.approx(arr["PKIIKP"].time + 180)


def test_missing_start_phase_uses_the_default_fallback_pdiff():
    arr = _arrivals(120.0)
    assert "P" not in arr and "Pdiff" in arr
    assert window_phase_choice(arr, WINDOW) == ("Pdiff", "PKIIKP")
    assert record_window(arr, WINDOW)[0] == pytest.approx(arr["Pdiff"].time - 120)


def test_configured_fallback_is_used_and_null_is_an_error():
    window = {**WINDOW, "start_fallback_phase": "PKIKP"}
    arr = _arrivals(160.0, window)
    assert window_phase_choice(arr, window) == ("PKIKP", "PKIIKP")
    with pytest.raises(ValueError, match="start: neither P nor its fallback Pdiff"):
        record_window(_arrivals(160.0), WINDOW)
    with pytest.raises(ValueError, match=r"window.start_fallback_phase"):
        record_window(_arrivals(120.0), {**WINDOW, "start_fallback_phase": None})


def test_window_phases_lists_the_set_phases_and_settings_are_accepted():
    assert window_phases(WINDOW) == ("P", "Pdiff", "PKIIKP")
    w = WindowSettings(start_offset_s=-120.0, end_fallback_phase="PKiKP")
    assert window_phases(w) == ("P", "Pdiff", "PKIIKP", "PKiKP")
    assert record_window(_arrivals(60.0), w) == record_window(_arrivals(60.0), WINDOW)


def test_empty_window_is_an_error():
    arr = _arrivals(60.0)
    with pytest.raises(ValueError, match="empty"):
        record_window(arr, {**WINDOW, "end_phase": "P", "end_offset_s": -200})
