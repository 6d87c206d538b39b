"""The ICB inversion recovers the parameters a synthetic catalogue was made with."""

import numpy as np
import pytest
from support.theory_catalogue import synthetic_ratio_catalogue

from corephase.analysis.ratios import pkikp_pcp_table
from corephase.theory.inversion import invert_icb, reference_icb

DIST = np.arange(8.0, 80.0, 2.5)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_recovers_density_jump_and_shear_velocity(seed):
    true = {"drho": 0.8, "vs": 2.5, "dvp": reference_icb()["dvp"]}
    cat, _ = synthetic_ratio_catalogue(DIST, true, sigma_log10=0.05, seed=seed)
    fit = invert_icb(pkikp_pcp_table(cat))
    assert fit.n_obs == len(DIST)
    # observed: |error| <= 2 sigma, sigma about 0.06 g/cm^3 and 0.1 km/s (29 ratios, 0.05 log10)
    for k in ("drho", "vs"):
        assert abs(fit.mean[k] - true[k]) < 2.5 * fit.std[k], (k, fit.mean, fit.std)
    assert fit.std["drho"] < 0.15 and fit.std["vs"] < 0.3
    assert fit.chi2_min < 2.0 * fit.n_obs
    assert fit.data["sigma_log10"].to_numpy() == pytest.approx(0.05, rel=1e-6)


def test_reference_model_ratios_give_the_model_icb():
    cat, _ = synthetic_ratio_catalogue(DIST, None, sigma_log10=0.0)
    fit = invert_icb(pkikp_pcp_table(cat))
    ref = reference_icb()
    assert fit.best["drho"] == pytest.approx(ref["drho"], abs=0.03)
    assert fit.best["vs"] == pytest.approx(ref["vs"], abs=0.1)


def test_free_p_jump_widens_but_covers_truth():
    true = {"drho": 0.8, "vs": 2.5, "dvp": 0.75}
    cat, _ = synthetic_ratio_catalogue(DIST, true, sigma_log10=0.05, seed=3)
    fit = invert_icb(pkikp_pcp_table(cat), free_dvp=True)
    for k in ("drho", "vs", "dvp"):
        assert abs(fit.mean[k] - true[k]) < 2.5 * fit.std[k], (k, fit.mean, fit.std)


def test_no_usable_ratio_is_a_clear_error():
    cat, _ = synthetic_ratio_catalogue(DIST[:3], None)
    tab = pkikp_pcp_table(cat).assign(amp_ratio=np.nan)
    with pytest.raises(ValueError, match="no observation"):
        invert_icb(tab)


def test_fit_table_reports_parameters_and_data():
    from corephase.theory.inversion import fit_table

    cat, _ = synthetic_ratio_catalogue(DIST[:8], None, sigma_log10=0.05)
    fit = invert_icb(pkikp_pcp_table(cat))
    t = fit_table(fit)
    assert list(t["parameter"]) == ["drho", "vs", "dvp"]
    assert list(t["free"]) == [True, True, False]
    assert (t["n_obs"] == 8).all() and len(fit.data) == 8
