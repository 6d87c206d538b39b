"""The small offline studies of the workflow tests: one place for their config pieces.

Each test builds its study with :func:`small_study` from the events and array entries
here, and adds only what it tests (more arrays, dense networks, fetch settings).
"""

from __future__ import annotations

import copy

#: Mb 6.0 at 106 km, 2014 (about 35 deg from the Alaskan arrays).
ALEUTIANS = {
    "id": "20140623_Aleutians",
    "time": "2014-06-23T20:53:09",
    "latitude": 51.95,
    "longitude": 178.58,
    "depth_km": 106,
    "magnitude": 6.0,
    "magnitude_type": "mb",
}

#: Mw 7.7 at 583 km, 2012 (the real YKA record's event).
OKHOTSK = {
    "id": "20120814_Okhotsk",
    "time": "2012-08-14T02:59:38.46",
    "latitude": 49.8,
    "longitude": 145.064,
    "depth_km": 583.2,
    "magnitude": 7.7,
    "magnitude_type": "Mw",
}


def rings(n: int, aperture_km: float) -> dict:
    """An ``elements`` entry: ``n`` elements on rings of ``aperture_km``."""
    return {"layout": {"kind": "rings", "n": n, "aperture_km": aperture_km}}


def synthetic_array(ref_lat: float, ref_lon: float, elements: dict, network="IM") -> dict:
    """An ``arrays`` entry of the synthetic source."""
    return {
        "source": "synthetic",
        "network": network,
        "ref_lat": ref_lat,
        "ref_lon": ref_lon,
        "elements": elements,
    }


def bcar(elements: dict) -> dict:
    return synthetic_array(63.0647, -141.785, elements)


def ilar(elements: dict) -> dict:
    return synthetic_array(64.7714, -146.8866, elements)


def small_study(arrays: dict, events: list, stacks=("linear",), bootstrap=10, **sections):
    """A one-band (1-2 Hz) study of PcP, ScP and PKiKP in a record from 100 s before P
    to 120 s after PKiKP, synthetic noise level 0.3; ``sections`` add or replace
    top-level config sections."""
    config = {
        "phases": ["PcP", "ScP", "PKiKP"],
        "bands": [{"name": "1-2Hz", "fmin": 1.0, "fmax": 2.0}],
        "window": {
            "start_phase": "P",
            "start_offset_s": -100,
            "end_phase": "PKiKP",
            "end_offset_s": 120,
        },
        "stack": {"types": list(stacks)},
        "coda": {"bootstrap": bootstrap},
        "synthetic": {"noise_level": 0.3},
        "arrays": arrays,
        "events": {"list": events},
    }
    config.update(sections)
    return copy.deepcopy(config)
