"""Settings of the second-stage dense-network search."""

from __future__ import annotations

from dataclasses import dataclass

from corephase.config.base import Settings, section


@section("dense_networks.*.trigger")
@dataclass(frozen=True)
class TriggerSettings(Settings):
    """When an event is searched on a dense network: at least ``min_detections``
    stage-1 arrays detect one of ``phases`` with beam SNR >= ``min_snr`` (any
    band and stack).
    """

    phases: tuple[str, ...] = ("PKiKP",)
    min_snr: float = 3.0
    min_detections: int = 1


@section("$defs.statics")
@dataclass(frozen=True)
class StaticsSettings(Settings):
    """Empirical station statics of a pair, measured on a strong phase of the same event
    and applied before beaming (:mod:`corephase.signal.statics`).

    ``method`` ``empirical`` measures them per band by multichannel cross-correlation
    (VanDecar & Crosson 1990) of the first of ``phases`` with an arrival at the pair,
    in ``window_s`` (s around its time at the reference point); ``none`` applies
    none. A station gets no static (reason recorded) with fewer than ``min_pairs``
    correlations of at least ``min_cc`` within ``max_lag_s`` (s), or a residual
    standard deviation above ``max_sigma_s`` (s); with fewer than ``min_stations``
    stations passing, the band gets none. Dense networks have it on by default
    (``dense_networks.<name>.statics``); an IMS array only with an
    ``arrays.<name>.statics`` entry.
    """

    method: str = "empirical"
    phases: tuple[str, ...] = ("P", "PcP")
    window_s: tuple[float, float] = (-3.0, 5.0)
    max_lag_s: float = 1.0
    min_cc: float = 0.5
    min_pairs: int = 2
    max_sigma_s: float = 0.15
    min_stations: int = 3
