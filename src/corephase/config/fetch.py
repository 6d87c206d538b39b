"""Settings of the record window and of FDSN downloads."""

from __future__ import annotations

from dataclasses import dataclass

from corephase.config.base import Settings, section


@section("$defs.window")
@dataclass(frozen=True)
class WindowSettings(Settings):
    """A record window set by two theoretical phases at the array reference point.

    From ``t(start_phase) + start_offset_s`` to ``t(end_phase) + end_offset_s``,
    s after the origin (:func:`corephase.model.traveltimes.record_window`). Where
    a phase has no arrival at the pair's distance (P beyond about 98 deg), its
    fallback phase sets that end with the same offset; a null fallback makes
    such a pair an error. The fetch stage records which phase set each end.
    """

    start_phase: str = "P"
    start_offset_s: float = -600.0
    end_phase: str = "PKIIKP"
    end_offset_s: float = 180.0
    start_fallback_phase: str | None = "Pdiff"
    end_fallback_phase: str | None = None


@section("fetch")
@dataclass(frozen=True)
class FetchSettings(Settings):
    """Requests to FDSN services: ``timeout_s`` per request (s), ``retries`` extra
    attempts on transient failures, ``backoff_s`` first wait before a retry (s,
    doubling), ``pad_s`` extra data requested each side of the window (s, trimmed off).
    """

    timeout_s: float = 60.0
    retries: int = 3
    backoff_s: float = 5.0
    pad_s: float = 2.0
