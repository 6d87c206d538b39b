"""Settings of the figures (config sections ``figures`` and ``maps``)."""

from __future__ import annotations

from dataclasses import dataclass

from corephase.config.base import Settings, section

#: Which pairs get their per-pair figures drawn.
PAIR_FIGURES = ("all", "detections", "none")
#: Amplitude scales of beams and vespagrams (see :mod:`corephase.plotting.pair`).
SCALES = ("noise", "panel")


@section("figures")
@dataclass(frozen=True)
class FiguresSettings(Settings):
    """Per-pair figures.

    Attributes
    ----------
    pairs
        ``"all"`` draws every pair's figures; ``"detections"`` only those of
        pairs where one of ``detection_phases`` is detected; ``"none"`` none.
        Skipped pairs get a one-line figure per output saying why.
    detection_phases
        Phases whose detection (any band and stack) makes a pair's figures drawn
        under ``pairs: detections``; empty: any configured phase.
    scale
        Beam and vespagram amplitudes: ``"noise"`` relative to the pre-phase
        noise of the same beam (one scale shared across phases), ``"panel"``
        each panel normalised to its maximum (stated in the title).
    """

    pairs: str = "all"
    detection_phases: tuple[str, ...] = ()
    scale: str = "noise"


@section("maps")
@dataclass(frozen=True)
class MapsSettings(Settings):
    """Maps of the catalogue.

    Attributes
    ----------
    regions
        One map each: ``"global"``; ``"regional"``, panels derived from the
        study (one per group of events within ``cluster_deg`` of each other,
        zoomed to the events, the arrays that recorded them and the bounce
        points); or a named view of :data:`corephase.plotting.maps.REGIONS`.
    cluster_deg
        Events closer than this (deg, single linkage) share a regional panel.
    max_panels
        At most this many regional panels (the groups with most pairs).
    """

    regions: tuple[str, ...] = ("global", "regional")
    cluster_deg: float = 20.0
    max_panels: int = 4
