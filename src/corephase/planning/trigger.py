"""Stage-1 results that trigger the dense search: detections and their events.

The trigger uses the detections' own calibration: a row counts when its call is
``detected`` and, where the catalogue carries ``fa_prob`` (the false-alarm
probability from the pair's empirical null, see
:mod:`corephase.analysis.detection.null`), when ``fa_prob`` is at most the
Sidak level ``1 - (1 - EVENT_FALSE_ALARM) ** (1 / m)``, with ``m`` the event's
tests (arrays x bands x stacks x trigger phases measured). Treating the tests
as independent, an event on noise alone then triggers with probability about
:data:`EVENT_FALSE_ALARM`: measured on noise-only events of 1, 3 and 5 arrays
(``bench/bench_trigger_false_alarm.py``, 1000 Peterson-noise windows on
9-element rings, 2 bands x 4 stacks) 0.50, 1.2 and 1.5 % for a nominal 1 %. The
stacks of one pair are correlated (fewer independent tests than counted) and the
call's slowness and resampling checks reject most noise peaks, but the null's
tail underestimates the smallest ``fa_prob``: an (array, band) has a ``detected``
stack with ``fa_prob <= 0.00126`` in 0.25 % of noise windows. (Counting only the
(array, band) pairs as tests gave 1.5-2.0 % and was not kept.)
Without that correction every row at 1 % would trigger ``1 - 0.99 ** m`` of
noise-only events: 7.7 % for one array with 2 bands x 4 stacks, 52 % for nine.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from corephase.config.dense import TriggerSettings
from corephase.model.events import Event

#: Probability that noise alone triggers the dense search for one event.
EVENT_FALSE_ALARM = 0.01


def sidak_level(event_level: float, n_tests: int) -> float:
    """Per-test false-alarm level that keeps the family-wise (per-event) level at
    ``event_level`` over ``n_tests`` independent tests (Sidak)."""
    return float(-np.expm1(np.log1p(-float(event_level)) / max(int(n_tests), 1)))


def sidak_p(p_min, n_tests):
    """Family-wise p-value of the smallest of ``n_tests`` independent p-values (Sidak):
    ``1 - (1 - p_min) ** n_tests``; NaN stays NaN."""
    p = np.asarray(p_min, float)
    return -np.expm1(np.maximum(np.asarray(n_tests, float), 1.0) * np.log1p(-np.minimum(p, 1.0)))


def within_family_level(fa_prob, n_tests, family_level: float) -> np.ndarray:
    """Which tests pass the Sidak level of their family (per event, or per event x network).

    Parameters
    ----------
    fa_prob : array_like
        False-alarm probability of each test (NaN: fixed threshold, no calibration).
    n_tests : array_like of int
        Size of each test's family (tests measured).
    family_level : float
        Family-wise false-alarm probability.

    Returns
    -------
    numpy.ndarray of bool
        ``fa_prob <= sidak_level(family_level, n_tests)``; rows without ``fa_prob`` pass.
    """
    fa = np.asarray(pd.to_numeric(pd.Series(fa_prob), errors="coerce"), float)
    m = np.broadcast_to(np.asarray(n_tests), fa.shape)
    level = np.array([sidak_level(family_level, k) for k in m], float)
    return np.isnan(fa) | (fa <= level)


def events_from_catalogue(catalogue: pd.DataFrame) -> list[Event]:
    """The events of a global catalogue (one per ``event`` id, origin from its columns)."""
    need = {"event", "event_time", "event_lat", "event_lon", "event_depth_km"}
    missing = need - set(catalogue.columns)
    if missing:
        raise ValueError(f"catalogue lacks columns {sorted(missing)}")
    first = catalogue.drop_duplicates("event")
    mag = first["event_mag"] if "event_mag" in first else [float("nan")] * len(first)
    return [
        Event(
            id=str(e),
            time=str(t),
            latitude=float(la),
            longitude=float(lo),
            depth_km=float(d),
            magnitude=float(m),
        )
        for e, t, la, lo, d, m in zip(
            first["event"],
            first["event_time"],
            first["event_lat"],
            first["event_lon"],
            first["event_depth_km"],
            mag,
            strict=True,
        )
    ]


def stage1_detections(catalogue: pd.DataFrame, exclude_arrays: Iterable[str] = ()) -> pd.DataFrame:
    """Stage-1 detections of a global catalogue, shaped for the dense search.

    Parameters
    ----------
    catalogue : DataFrame
        The global catalogue (columns ``event``, ``array``, ``phase``, ``snr``,
        ``detected``, optional ``status``).
    exclude_arrays : iterable of str
        Arrays whose rows are ignored: the dense networks themselves, so that
        stage-2 results never trigger stage 2.

    Returns
    -------
    DataFrame
        Rows called ``detected`` (``call`` column; else ``detected`` true) of pairs
        of status ok/partial, columns ``event_id``, ``array``, ``phase``, ``band``,
        ``stack``, ``snr``, ``fa_prob`` (if the catalogue has it), ``n_tests`` (rows
        of that event and phase with a measured SNR) and ``detected``.
    """
    need = {"event", "array", "phase", "snr", "detected"}
    missing = need - set(catalogue.columns)
    if missing:
        raise ValueError(f"catalogue lacks columns {sorted(missing)}")
    det = catalogue[~catalogue["array"].isin(list(exclude_arrays))]
    det = det[det["phase"].notna()]
    if "status" in det.columns:
        det = det[det["status"].isin(["ok", "partial"])]
    measured = det[np.isfinite(pd.to_numeric(det["snr"], errors="coerce"))]
    n_tests = measured.groupby(["event", "phase"]).size().rename("n_tests")
    if "call" in det.columns:
        det = det[det["call"] == "detected"]
    else:
        det = det[det["detected"].astype(str).str.lower().isin(["true", "1", "1.0"])]
    cols = [c for c in ("event", "array", "phase", "band", "stack", "snr", "fa_prob") if c in det]
    out = det[cols].join(n_tests, on=["event", "phase"]).rename(columns={"event": "event_id"})
    out["snr"] = pd.to_numeric(out["snr"], errors="coerce")
    out["detected"] = True
    return out.reset_index(drop=True)


def _within_event_level(det: pd.DataFrame, event_level: float) -> pd.Series:
    """Rows whose ``fa_prob`` passes the Sidak level of their event (``n_tests`` summed
    over the trigger phases); rows without ``fa_prob`` (fixed thresholds) pass."""
    per_phase = det.drop_duplicates(["event_id", "phase"])
    m = per_phase.groupby("event_id")["n_tests"].sum()
    ok = within_family_level(det["fa_prob"], [m.get(e, 1) for e in det["event_id"]], event_level)
    return pd.Series(ok, index=det.index)


def triggered_events(
    detections: pd.DataFrame,
    trigger: TriggerSettings,
    events: Iterable[Event],
    event_false_alarm: float = EVENT_FALSE_ALARM,
) -> pd.DataFrame:
    """The events a dense network is searched for, with the detections that triggered it.

    Parameters
    ----------
    detections : DataFrame
        One row per array detection with columns ``event_id``, ``array``,
        ``phase``, ``snr`` (see :func:`stage1_detections`; rows with a False
        ``accept`` or ``detected`` flag are ignored).
    trigger : corephase.config.dense.TriggerSettings
        Phases that count, minimum beam SNR and minimum number of detecting arrays.
    events : iterable of Event
        The events that may be searched (e.g. those of the network's active
        span); detections of other events are ignored.
    event_false_alarm : float
        Per-event false-alarm probability of the trigger: with columns
        ``fa_prob`` and ``n_tests`` a detection counts only when its ``fa_prob``
        is at most the Sidak level of its event (:func:`sidak_level`).

    Returns
    -------
    DataFrame
        Columns ``event_id``, ``n_detections`` (arrays), ``arrays`` (sorted,
        comma list), ``best_snr``; one row per triggered event, in the order of
        ``events``.
    """
    need = {"event_id", "array", "phase", "snr"}
    if not need <= set(detections.columns):
        raise ValueError(
            f"detections table lacks columns {sorted(need - set(detections.columns))}"
        )
    det = detections[detections["phase"].isin(list(trigger.phases))]
    det = det[pd.to_numeric(det["snr"], errors="coerce") >= float(trigger.min_snr)]
    for flag in ("accept", "detected"):
        if flag in det.columns:
            det = det[det[flag].astype(bool)]
    if {"fa_prob", "n_tests"} <= set(det.columns):
        det = det[_within_event_level(det, event_false_alarm)]
    rows = []
    by_event = dict(tuple(det.groupby("event_id", sort=False)))
    for ev in events:
        grp = by_event.get(ev.id)
        if grp is None:
            continue
        arrays = sorted(set(grp["array"]))
        if len(arrays) >= int(trigger.min_detections):
            rows.append(
                {
                    "event_id": ev.id,
                    "n_detections": len(arrays),
                    "arrays": ",".join(arrays),
                    "best_snr": float(grp["snr"].max()),
                }
            )
    return pd.DataFrame(rows, columns=["event_id", "n_detections", "arrays", "best_snr"])
