"""Settings of the preprocessing stage (QC, common grid, band-pass)."""

from __future__ import annotations

from dataclasses import dataclass

from corephase.config.base import Settings, section


@section("preprocess")
@dataclass(frozen=True)
class PreprocessSettings(Settings):
    """QC, resampling and filtering of one pair's records.

    ``sampling_rate_hz``: common rate after resampling (Hz; default 10, three times the
    highest default band corner); ``taper_fraction`` and
    ``filter_corners`` of the zero-phase Butterworth band-pass;
    ``min_elements``: fewer usable elements give status ``too_few_elements``;
    ``max_gap_fraction``: channels with more of the window missing are dropped;
    ``remove_response``: deconvolve the StationXML response to velocity;
    ``clip_level``: channels with ``clip_run_samples`` consecutive samples at or
    beyond this absolute value are dropped as clipped (None: flat tops at the
    trace's own extreme values, see :func:`corephase.signal.preprocess.clip_runs`).
    """

    sampling_rate_hz: float = 10.0
    taper_fraction: float = 0.05
    filter_corners: int = 4
    min_elements: int = 3
    max_gap_fraction: float = 0.05
    remove_response: bool = False
    clip_level: float | None = None
    clip_run_samples: int = 5
