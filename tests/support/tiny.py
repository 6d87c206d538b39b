"""A tiny synthetic configuration: one 4-element array, one event, one band (stage tests
and the job-import guards)."""

from __future__ import annotations

from corephase.config import validate_config
from corephase.model.events import event_from_dict


def tiny_config() -> dict:
    """One 4-element synthetic array, one event at ~63 deg, one band, quiet noise
    (validated, schema defaults filled)."""
    return validate_config(
        {
            "phases": ["PcP", "PKiKP"],
            "bands": [{"name": "1-2Hz", "fmin": 1.0, "fmax": 2.0}],
            "window": {
                "start_phase": "PcP",
                "start_offset_s": -60,
                "end_phase": "PKiKP",
                "end_offset_s": 60,
            },
            "synthetic": {"amplitudes": {"P": 1.0, "PcP": 0.2, "PKiKP": 0.05}, "noise_level": 0.1},
            "arrays": {
                "TINY": {
                    "source": "synthetic",
                    "network": "XX",
                    "ref_lat": 62.49,
                    "ref_lon": -114.61,
                    "elements": {"layout": {"kind": "cross", "n": 4, "aperture_km": 3.0}},
                    "synthetic": {"coda": {"ratio": 0.1}},
                }
            },
            "events": {
                "list": [
                    {
                        "id": "ev1",
                        "time": "2012-08-14T02:59:38",
                        "latitude": 49.8,
                        "longitude": 145.06,
                        "depth_km": 583.0,
                        "magnitude": 7.7,
                    }
                ]
            },
        }
    )


def tiny_event(config: dict):
    """The config's one event."""
    return event_from_dict(config["events"]["list"][0])
