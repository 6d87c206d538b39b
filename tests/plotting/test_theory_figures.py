"""PKiKP-PcP figure with the predicted ratio, and the residual map at ICB bounce points."""

import numpy as np
import pytest
from matplotlib.image import imread
from support.theory_catalogue import synthetic_ratio_catalogue

from corephase.plotting.catalogue import plot_pkikp_pcp
from corephase.plotting.theory import plot_residual_map


@pytest.fixture(scope="module")
def cat():
    return synthetic_ratio_catalogue(np.arange(10.0, 80.0, 7.0), None, sigma_log10=0.1)[0]


def test_pkikp_pcp_figure_draws_prediction_and_ratio_residuals(cat, tmp_path):
    res = plot_pkikp_pcp(cat, tmp_path / "f.png")
    assert imread(tmp_path / "f.png").std() > 0
    assert res["n"] == 10
    assert res["freqs_hz"] == [pytest.approx(np.sqrt(2.0))]
    # ratios scatter log-normally by 0.1 about the prediction
    assert 0.03 < res["rms_ratio_resid_log10"] < 0.2
    assert res["rms_resid_s"] == pytest.approx(0.0, abs=0.02)


def test_residual_map(cat, tmp_path):
    res = plot_residual_map(cat, tmp_path / "m.png")
    assert imread(tmp_path / "m.png").std() > 0
    assert res["n_ratio"] == res["n_time"] == 10


def test_residual_map_of_empty_catalogue_says_so(cat, tmp_path):
    empty = cat.assign(detected=False, pkikp_pcp_dt_obs_s=np.nan, pkikp_pcp_dt_theory_s=np.nan)
    res = plot_residual_map(empty, tmp_path / "e.png")
    assert res["n_ratio"] == res["n_time"] == 0
    assert (tmp_path / "e.png").is_file()


def test_residual_map_keeps_the_ratios_of_masked_picks(cat, tmp_path):
    masked = cat.assign(pkikp_pcp_dt_obs_s=np.nan, pkikp_pcp_dt_resid_s=np.nan)
    res = plot_residual_map(masked, tmp_path / "m.png")
    assert res["n_ratio"] == 10 and res["n_time"] == 0


def test_coda_excess_figure(cat, tmp_path):
    import pandas as pd

    pk = cat[cat["phase"] == "PKiKP"].drop_duplicates(["event", "array"])
    excess = np.linspace(0.8, 3.0, len(pk))
    coda = pd.DataFrame(
        {
            "array": pk["array"].to_numpy(),
            "event_id": pk["event"].to_numpy(),
            "band": "1-2Hz",
            "phase": "PKiKP",
            "coda_excess": excess,
            "coda_excess_lo": excess * 0.7,
            "coda_excess_hi": excess * 1.3,
            "coda_significant": excess * 0.7 > 1.0,
        }
    )
    from corephase.plotting.theory import coda_excess_table, plot_coda_excess

    tab = coda_excess_table(coda, cat)
    assert tab["bounce_lat"].notna().all() and len(tab) == len(pk)
    np.testing.assert_allclose(tab["distance_deg"], pk["distance_deg"])
    res = plot_coda_excess(coda, cat, tmp_path / "c.png")
    assert imread(tmp_path / "c.png").std() > 0
    assert res == {"n": len(pk), "n_significant": int((excess * 0.7 > 1).sum())}
    with pytest.raises(ValueError, match="missing columns"):
        plot_coda_excess(coda.drop(columns="coda_excess"), cat, tmp_path / "d.png")
