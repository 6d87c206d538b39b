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
