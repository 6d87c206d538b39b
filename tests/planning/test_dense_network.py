"""Network-level calls of a dense network's sub-arrays, and their record section."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from corephase.planning.dense_network import NETWORK_COLUMNS, network_calls
from corephase.planning.trigger import sidak_level, sidak_p, within_family_level
from corephase.plotting.record_section import (
    SubarrayBeams,
    plot_record_section,
    reduced_time_reference,
    theory_curves,
)


def _table(array, fa, calls, phase="PKiKP", snr=None):
    n = len(fa)
    return pd.DataFrame(
        {
            "array": array,
            "phase": phase,
            "band": ["1-2Hz", "2-3Hz"] * (n // 2) + ["1-2Hz"] * (n % 2),
            "stack": "linear",
            "snr": snr if snr is not None else np.linspace(2.0, 5.0, n),
            "call": calls,
            "fa_prob": fa,
        }
    )


def test_sidak_p_and_family_level_agree():
    m = 12
    lvl = sidak_level(0.01, m)
    assert sidak_p(lvl, m) == pytest.approx(0.01)
    ok = within_family_level([lvl * 0.99, lvl * 1.01, np.nan], [m, m, m], 0.01)
    assert list(ok) == [True, False, True]  # no fa_prob (fixed threshold): passes
    assert np.isnan(sidak_p(np.nan, 3))


def test_network_call_needs_a_detection_within_the_family_level():
    # 3 sub-arrays x 2 bands = 6 tests: per-test level 1 - 0.99**(1/6) = 0.00167
    weak = [_table(f"TA_{k}", [0.004, 0.3], ["detected", "not_detected"]) for k in range(3)]
    calls = network_calls("ev", "TA", weak, [50.0, 52.0, 55.0])
    row = calls.iloc[0]
    assert list(calls.columns) == NETWORK_COLUMNS
    assert row["call"] == "not_detected" and row["n_tests"] == 6 and row["n_subarrays"] == 3
    assert row["test_level"] == pytest.approx(sidak_level(0.01, 6))
    assert row["network_p"] == pytest.approx(1 - (1 - 0.004) ** 6)
    assert (row["distance_min_deg"], row["distance_max_deg"]) == (50.0, 55.0)
    strong = [*weak[:2], _table("TA_2", [0.0005, 0.3], ["detected", "not_detected"])]
    row = network_calls("ev", "TA", strong, [50.0, 52.0, 55.0]).iloc[0]
    assert row["call"] == "detected" and row["detecting_subarrays"] == "TA_2"
    assert row["false_alarm_rate"] == 0.01


def test_small_fa_prob_without_a_detected_call_is_no_network_call():
    t = [_table("TA_0", [1e-5, 1e-5], ["interfered", "unconstrained"])]
    assert network_calls("ev", "TA", t, [50.0]).iloc[0]["call"] == "not_detected"


def test_network_without_data_or_arrival():
    nodata = pd.DataFrame({"array": ["TA_0"], "status": ["no_data"], "call": ["no_data"]})
    row = network_calls("ev", "TA", [nodata], [50.0]).iloc[0]
    assert row["call"] == "no_data" and row["n_subarrays"] == 0
    no_arr = _table("TA_0", [np.nan, np.nan], ["no_arrival"] * 2, snr=[np.nan, np.nan])
    row = network_calls("ev", "TA", [no_arr], [50.0]).iloc[0]
    assert row["call"] == "no_arrival" and row["n_tests"] == 0
    outside = no_arr.assign(call="no_data")  # e.g. windows outside the record
    assert network_calls("ev", "TA", [outside], [50.0]).iloc[0]["call"] == "no_data"


def _subarrays(n=5):
    out = []
    t = np.arange(0, 1200, 0.1)
    for k in range(n):
        d = 45.0 + 2.0 * k
        t_pkikp, t_pcp = 1000.0 + 0.9 * (d - 45.0), 600.0 + 2.5 * (d - 45.0)
        beam = np.exp(-(((t - t_pkikp) / 0.5) ** 2)) + 0.01 * np.sin(t)
        out.append(
            SubarrayBeams(
                f"TA_{k}",
                d,
                {"1-2Hz": t},
                {("1-2Hz", "PKiKP"): beam, ("1-2Hz", "PcP"): beam},
                {"PKiKP": (t_pkikp, 0.9), "PcP": (t_pcp, 2.5), "pPKiKP": (t_pkikp + 25, 0.9)},
                {("1-2Hz", "PKiKP")} if k == 2 else set(),
            )
        )
    return out


def test_reduced_time_flattens_the_reference_phase():
    subs = _subarrays()
    ref = reduced_time_reference(subs, "PKiKP")
    assert ref == (49.0, pytest.approx(1003.6), 0.9)
    curves = theory_curves(subs, "PKiKP", (-20, 40), ref)
    assert set(curves) == {"PKiKP", "pPKiKP"}  # PcP is far outside the window
    np.testing.assert_allclose(curves["PKiKP"][1], 0.0, atol=1e-9)
    np.testing.assert_allclose(curves["pPKiKP"][1], 25.0, atol=1e-9)


def test_record_section_is_written(tmp_path):
    out = plot_record_section(
        _subarrays(), ["1-2Hz"], ["PcP", "PKiKP"], tmp_path / "rs.png", title="ev TA"
    )
    assert out.stat().st_size > 10_000
    empty = plot_record_section([], ["1-2Hz"], ["PKiKP"], tmp_path / "none.png")
    assert empty.is_file()


def test_statics_summary_of_a_pair(tmp_path):
    from corephase.planning.dense_pairs import statics_summary
    from corephase.stages.dense_statics import STATICS_COLUMNS

    rows = [
        dict(band=b, phase="P", station=f"S{i}", static_s=s, applied=a, rms_residual_s=r)
        for b, r in (("1-2Hz", 0.02), ("2-3Hz", 0.04))
        for i, (s, a) in enumerate(((0.1, True), (-0.1, True), (float("nan"), False)))
    ]
    pd.DataFrame(rows, columns=STATICS_COLUMNS).to_csv(tmp_path / "s.csv", index=False)
    out = statics_summary(tmp_path / "s.csv")
    assert out["statics_phase"] == "P" and out["n_statics"] == 2
    assert out["statics_std_s"] == pytest.approx(np.std([0.1, -0.1], ddof=1))
    assert out["statics_rms_residual_s"] == pytest.approx(0.03)
    pd.DataFrame(columns=STATICS_COLUMNS).to_csv(tmp_path / "e.csv", index=False)
    assert statics_summary(tmp_path / "e.csv")["n_statics"] == 0
