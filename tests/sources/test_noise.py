"""Peterson-model noise: PSD against the NLNM/NHNM, plane-wave coherent noise."""

from __future__ import annotations

import numpy as np
import pytest
from obspy.signal.spectral_estimation import get_nhnm, get_nlnm
from scipy.signal import welch

from corephase.signal.alignment import plane_wave_delays, shift_traces
from corephase.sources.noise import coherent_noise, peterson_noise, peterson_psd

DT = 0.05


def _model_db(period, which):
    p, db = which()
    o = np.argsort(p)
    return np.interp(np.log10(period), np.log10(p[o]), db[o])


def test_psd_endpoints_are_nlnm_and_nhnm_in_velocity():
    f = np.array([0.2, 0.5, 1.0, 2.0, 5.0])
    w2 = (2 * np.pi * f) ** 2
    lo = 10 ** (_model_db(1 / f, get_nlnm) / 10) / w2
    hi = 10 ** (_model_db(1 / f, get_nhnm) / 10) / w2
    np.testing.assert_allclose(peterson_psd(f, 0.0), lo, rtol=1e-9)
    np.testing.assert_allclose(peterson_psd(f, 1.0), hi, rtol=1e-9)
    # Halfway in dB is the geometric mean of the two models.
    np.testing.assert_allclose(peterson_psd(f, 0.5), np.sqrt(lo * hi), rtol=1e-9)
    # Acceleration and displacement differ from velocity by (2 pi f)^2.
    np.testing.assert_allclose(peterson_psd(f, 0.3, "acceleration"), peterson_psd(f, 0.3) * w2)
    np.testing.assert_allclose(peterson_psd(f, 0.3, "displacement"), peterson_psd(f, 0.3) / w2)
    assert peterson_psd([0.0], 0.5)[0] == 0.0


@pytest.mark.parametrize("level", [0.0, 0.5, 1.0])
def test_generated_noise_has_target_psd(level):
    rng = np.random.default_rng(11)
    x = peterson_noise(16, 2**15, DT, level, rng)
    f, pxx = welch(x, fs=1 / DT, nperseg=2048, axis=-1)
    pxx = pxx.mean(axis=0)
    band = (f >= 0.2) & (f <= 5.0)
    err_db = 10 * np.log10(pxx[band] / peterson_psd(f[band], level))
    assert np.max(np.abs(err_db)) < 1.5, np.max(np.abs(err_db))


def test_noise_is_reproducible_and_seed_dependent():
    a = peterson_noise(3, 1000, DT, 0.5, np.random.default_rng(5))
    b = peterson_noise(3, 1000, DT, 0.5, np.random.default_rng(5))
    c = peterson_noise(3, 1000, DT, 0.5, np.random.default_rng(6))
    assert np.array_equal(a, b)
    assert not np.allclose(a, c)
    assert not np.allclose(a[0], a[1])  # independent traces


def test_single_plane_wave_noise_has_the_drawn_moveout():
    rng = np.random.default_rng(3)
    east = np.array([0.0, 5.0, -4.0, 8.0, 0.5])
    north = np.array([0.0, 2.0, 6.0, -7.0, -9.0])
    x, waves = coherent_noise(east, north, 4096, DT, 0.5, rng, (0.2, 0.2), n_waves=1)
    assert waves["slowness_s_km"][0] == pytest.approx(0.2)
    delays = plane_wave_delays(east, north, 0.2, waves["baz_deg"][0])
    aligned = shift_traces(x, delays, DT)
    inner = slice(100, -100)
    ref = aligned[0, inner]
    for row in aligned[1:]:
        assert np.max(np.abs(row[inner] - ref)) < 1e-3 * np.max(np.abs(ref))
    # Misaligned (wrong back-azimuth) traces are not equal.
    wrong = shift_traces(x, plane_wave_delays(east, north, 0.2, waves["baz_deg"][0] + 90), DT)
    assert np.max(np.abs(wrong[1, inner] - wrong[0, inner])) > 0.1 * np.max(np.abs(ref))


def test_coherent_noise_keeps_the_peterson_psd():
    rng = np.random.default_rng(8)
    east = np.linspace(-10, 10, 8)
    north = np.zeros(8)
    x, _ = coherent_noise(east, north, 2**15, DT, 0.5, rng, (0.04, 0.08), n_waves=16)
    f, pxx = welch(x, fs=1 / DT, nperseg=2048, axis=-1)
    band = (f >= 0.2) & (f <= 5.0)
    err_db = 10 * np.log10(pxx.mean(axis=0)[band] / peterson_psd(f[band], 0.5))
    assert np.max(np.abs(err_db)) < 2.0


@pytest.mark.parametrize("level", [-0.1, 1.5, float("nan")])
def test_bad_level_raises(level):
    with pytest.raises(ValueError, match="noise level"):
        peterson_noise(1, 100, DT, level, np.random.default_rng(0))


def test_bad_quantity_and_shape_raise():
    with pytest.raises(ValueError, match="quantity"):
        peterson_psd([1.0], 0.5, "strain")
    with pytest.raises(ValueError, match="dt"):
        peterson_noise(1, 100, 0.0, 0.5, np.random.default_rng(0))
    with pytest.raises(ValueError, match="slowness_range"):
        coherent_noise([0, 1], [0, 1], 100, DT, 0.5, np.random.default_rng(0), (0.3, 0.1))


def test_peterson_tables_are_obspys():
    """The NLNM/NHNM tables read from ObsPy's data file equal ObsPy's functions."""
    from obspy.signal.spectral_estimation import get_nhnm, get_nlnm

    from corephase.sources.noise import peterson_tables

    p_lo, db_lo, p_hi, db_hi = peterson_tables()
    for mine, ref in zip((p_lo, db_lo, p_hi, db_hi), (*get_nlnm(), *get_nhnm()), strict=True):
        np.testing.assert_array_equal(mine, ref)
