"""The dense-network trigger uses the detections' calls and false-alarm probabilities."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from corephase.config.dense import TriggerSettings
from corephase.model.events import Event
from corephase.planning.trigger import sidak_level, stage1_detections, triggered_events

EV = Event("ev", "2012-08-14T02:59:38", 49.8, 145.1, 583.0, 7.7)


def _catalogue(fa: dict, calls: dict | None = None) -> pd.DataFrame:
    """One event, PKiKP at arrays x 2 bands x 4 stacks; ``fa[(array, stack)]`` sets
    the false-alarm probability (and makes it a 'detected' call) of both bands."""
    rows = []
    for array in ("YKA", "ILAR", "NVAR"):
        for band in ("1-2Hz", "2-3Hz"):
            for stack in ("linear", "pws", "nthroot", "envelope"):
                p = fa.get((array, stack), 0.5)
                call = (calls or {}).get((array, stack), "detected" if p < 0.5 else "not_detected")
                rows.append(
                    dict(
                        event=EV.id, array=array, phase="PKiKP", band=band, stack=stack,
                        snr=10.0, fa_prob=p, call=call, detected=call == "detected",
                        status="ok",
                    )
                )  # fmt: skip
    return pd.DataFrame(rows)


def test_sidak_level_keeps_the_event_rate():
    assert sidak_level(0.01, 1) == pytest.approx(0.01)
    lvl = sidak_level(0.01, 24)
    assert 1 - (1 - lvl) ** 24 == pytest.approx(0.01)
    assert lvl == pytest.approx(4.19e-4, rel=1e-2)


def test_trigger_counts_only_calibrated_detections():
    # a 1 % detection on one stack is not enough among 24 tests; 1e-5 is
    det = stage1_detections(_catalogue({("YKA", "pws"): 0.01}))
    assert set(det["n_tests"]) == {24} and len(det) == 2
    assert triggered_events(det, TriggerSettings(), [EV]).empty
    strong = stage1_detections(_catalogue({("YKA", "pws"): 1e-5}))
    got = triggered_events(strong, TriggerSettings(), [EV])
    assert list(got["arrays"]) == ["YKA"]
    # an unconstrained row never triggers, whatever its SNR
    unc = _catalogue({("YKA", "pws"): 1e-6}, calls={("YKA", "pws"): "unconstrained"})
    assert triggered_events(stage1_detections(unc), TriggerSettings(), [EV]).empty


def test_noise_only_events_trigger_at_about_the_event_level():
    """fa_prob is uniform on noise alone: 400 noise-only events of 24 tests each
    trigger at about EVENT_FALSE_ALARM (1 %) of the time (Sidak, independent)."""
    rng = np.random.default_rng(0)
    fired = 0
    n = 400
    for _ in range(n):
        cat = _catalogue({})
        cat["fa_prob"] = rng.uniform(size=len(cat))
        cat["call"] = "detected"
        got = triggered_events(stage1_detections(cat), TriggerSettings(min_snr=0.0), [EV])
        fired += len(got)
    assert fired / n <= 0.03  # without the correction: every event (fa_prob <= 1)
