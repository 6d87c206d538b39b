"""The catalogue carries the predicted PKiKP/PcP ratio, its components and the ratio interval."""

import numpy as np
import pytest
from support.theory_catalogue import BAND, synthetic_ratio_catalogue

from corephase.analysis.catalogue import (
    CATALOGUE_COLUMNS,
    build_catalogue,
    read_catalogue,
    write_catalogue,
)
from corephase.analysis.ratios import PREDICTION_COLUMNS, band_centres, pkikp_pcp_table
from corephase.theory.ratios import predict_ratio


@pytest.fixture(scope="module")
def cat():
    return synthetic_ratio_catalogue([15.0, 40.0, 70.0], None, sigma_log10=0.1, seed=4)


def test_prediction_columns_match_theory(cat):
    c, true = cat
    assert set(PREDICTION_COLUMNS) <= set(CATALOGUE_COLUMNS)
    tab = pkikp_pcp_table(c)
    f0 = np.sqrt(BAND["fmin"] * BAND["fmax"])
    pred = predict_ratio(tab["distance_deg"], tab["event_depth_km"], f0)
    np.testing.assert_allclose(tab["band_centre_hz"], f0)
    np.testing.assert_allclose(tab["ratio_pred"], pred["ratio"])
    np.testing.assert_allclose(tab["ratio_pred"], true)
    np.testing.assert_allclose(
        tab["ratio_resid_log10"], np.log10(tab["amp_ratio"] / tab["ratio_pred"])
    )
    rows = c[c["phase"].isin(["PKiKP", "PcP"])]
    assert rows["pred_coef_ratio"].notna().all()  # on both phases' rows
    prod = rows["pred_coef_ratio"] * rows["pred_spreading_ratio"] * rows["pred_attenuation_ratio"]
    np.testing.assert_allclose(rows["pkikp_pcp_ratio_pred"], prod)


def test_ratio_interval_combines_snr_intervals_in_quadrature(cat):
    tab = pkikp_pcp_table(cat[0])
    width = np.log10(tab["amp_ratio_hi"] / tab["amp_ratio_lo"]) / (2 * 1.96)
    np.testing.assert_allclose(width, 0.1, rtol=1e-9)
    assert np.all(tab["amp_ratio_lo"] < tab["amp_ratio"])
    assert np.all(tab["amp_ratio"] < tab["amp_ratio_hi"])


def test_bands_not_given_leave_prediction_empty_and_round_trip(cat, tmp_path):
    c, _ = cat
    write_catalogue(c, tmp_path / "c.csv", tmp_path / "c.parquet")
    back = read_catalogue(tmp_path / "c.csv")
    np.testing.assert_allclose(
        back["pkikp_pcp_ratio_pred"].dropna(), c["pkikp_pcp_ratio_pred"].dropna(), rtol=1e-5
    )
    assert band_centres({"x": (1.0, 4.0)}) == {"x": 2.0}
    assert band_centres(None) == {}


def test_catalogue_without_bands_has_nan_prediction():
    from support.theory_catalogue import synthetic_ratio_catalogue as make

    c, _ = make([30.0], None)
    tables = [c[c["event"] == "ev000"]]
    assert tables[0]["pkikp_pcp_ratio_pred"].notna().any()
    det_cols = [
        "event", "array", "phase", "band", "stack", "t_theory_s", "slowness_theory_s_deg",
        "baz_theory_deg", "snr", "snr_lo", "snr_hi", "slowness_obs_s_deg", "slowness_err_s_deg",
        "baz_obs_deg", "baz_err_deg", "t_peak_s", "coherence", "detected", "decided_by",
        "reason", "n_elements", "amplitude",
    ]  # fmt: skip
    meta = c.iloc[0][
        ["event", "array", "event_lat", "event_lon", "event_depth_km", "array_lat",
         "array_lon", "distance_deg", "status"]
    ].to_dict()  # fmt: skip
    plain = build_catalogue([c[det_cols]], [meta])
    assert plain["pkikp_pcp_ratio_pred"].isna().all()
    assert plain["pkikp_pcp_amp_ratio"].notna().any()
