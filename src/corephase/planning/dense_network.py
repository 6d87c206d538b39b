"""Network-level calls of a dense network from its sub-array pairs (one event).

A dense network split into sub-arrays (``subarray_aperture_km``) is beamed and
tested as one pair per sub-array. For each (event, network, phase) the sub-array
tests (sub-arrays x bands x stacks with a measured SNR, ``m`` in all) form one
family: the network calls the phase ``detected`` when at least one sub-array row
is called ``detected`` by its own detection and its ``fa_prob`` (the pair's
calibrated false-alarm probability) is at most the Sidak level
``1 - (1 - NETWORK_FALSE_ALARM) ** (1 / m)``
(:func:`corephase.planning.trigger.within_family_level`, the trigger's correction).
Noise alone then makes a network call with a probability
of about :data:`NETWORK_FALSE_ALARM` per event and phase: the trigger's measured
rate, 0.5-1.5 % for 1-5 arrays at nominal 1 % (:mod:`corephase.planning.trigger`).
The family-wise p-value of
the smallest ``fa_prob`` (:func:`corephase.planning.trigger.sidak_p`) is reported
beside the call.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from corephase.planning.trigger import EVENT_FALSE_ALARM, sidak_level, sidak_p
from corephase.planning.trigger import within_family_level as _within

#: Family-wise false-alarm probability of a network call (per event and phase).
NETWORK_FALSE_ALARM = EVENT_FALSE_ALARM

#: Columns of a network-call table.
NETWORK_COLUMNS = [
    "event",
    "network",
    "phase",
    "call",
    "n_subarrays",
    "n_tests",
    "test_level",
    "false_alarm_rate",
    "min_fa_prob",
    "network_p",
    "detecting_subarrays",
    "best_snr",
    "best_subarray",
    "distance_min_deg",
    "distance_max_deg",
]


def network_calls(
    event: str,
    network: str,
    detections: Sequence[pd.DataFrame],
    distances_deg: Sequence[float],
    family_level: float = NETWORK_FALSE_ALARM,
) -> pd.DataFrame:
    """One network call per phase from the detection tables of its sub-arrays.

    Parameters
    ----------
    event, network : str
        Event id and dense network name (the table's first columns).
    detections : sequence of DataFrame
        Each sub-array's ``stack/detections.csv`` (columns ``array``, ``phase``,
        ``band``, ``stack``, ``snr``, ``call``, ``fa_prob``); tables of pairs
        without data (no ``phase`` rows) count as no sub-array.
    distances_deg : sequence of float
        Each sub-array's epicentral distance (deg), for the distance range.
    family_level : float
        Family-wise false-alarm probability per event and phase.

    Returns
    -------
    DataFrame
        Columns :data:`NETWORK_COLUMNS`, one row per phase measured on any
        sub-array (call ``detected``, ``not_detected``, ``no_arrival`` when no
        sub-array has an arrival; ``no_data`` when none measured it for another
        reason, e.g. windows outside the record), or one row with phase ``""``
        and call ``no_data`` when no sub-array has data. ``test_level`` is the
        Sidak per-test level, ``false_alarm_rate`` the family-wise level, ``network_p`` the
        family-wise p-value of the smallest ``fa_prob``; ``detecting_subarrays``
        is a sorted comma list.
    """
    rows = [
        t.assign(_dist=float(d))
        for t, d in zip(detections, distances_deg, strict=True)
        if "phase" in t and t["phase"].notna().any()
    ]
    base = {"event": event, "network": network, "false_alarm_rate": float(family_level)}
    if not rows:
        nodata = {**base, "phase": "", "call": "no_data", "n_subarrays": 0, "n_tests": 0}
        return pd.DataFrame([nodata], columns=NETWORK_COLUMNS)
    det = pd.concat(rows, ignore_index=True)
    det = det[det["phase"].notna()]
    out = [
        _phase_call(base, ph, grp, family_level) for ph, grp in det.groupby("phase", sort=False)
    ]
    return pd.DataFrame(out, columns=NETWORK_COLUMNS)


def _phase_call(base: dict, phase: str, grp: pd.DataFrame, level: float) -> dict:
    """The network call of one phase (see :func:`network_calls`)."""
    snr = pd.to_numeric(grp["snr"], errors="coerce")
    measured = grp[np.isfinite(snr)]
    m = len(measured)
    fa = pd.to_numeric(measured.get("fa_prob", pd.Series(np.nan, measured.index)), "coerce")
    row = {
        **base,
        "phase": phase,
        "n_subarrays": int(grp["array"].nunique()),
        "n_tests": m,
        "test_level": sidak_level(level, m) if m else math.nan,
        "distance_min_deg": float(grp["_dist"].min()),
        "distance_max_deg": float(grp["_dist"].max()),
    }
    if m == 0:
        none = "no_arrival" if (grp["call"] == "no_arrival").all() else "no_data"
        return {**row, "call": none, "detecting_subarrays": "", "best_snr": math.nan}
    called = (measured["call"] == "detected").to_numpy()
    passing = measured[called & _within(fa, np.full(m, m), level)]
    best = measured.loc[snr[np.isfinite(snr)].idxmax()]
    p_min = float(fa.min()) if fa.notna().any() else math.nan
    return {
        **row,
        "call": "detected" if len(passing) else "not_detected",
        "min_fa_prob": p_min,
        "network_p": float(sidak_p(p_min, m)),
        "detecting_subarrays": ",".join(sorted(set(passing["array"]))),
        "best_snr": float(best["snr"]),
        "best_subarray": str(best["array"]),
    }
