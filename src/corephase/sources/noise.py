"""Seismic background noise following Peterson's (1993) noise models.

Peterson's New Low and New High Noise Models (NLNM, NHNM) give the
power spectral density (PSD) of vertical ground *acceleration* in
dB relative to 1 (m/s^2)^2/Hz as a function of period. Here a noise level
``level`` in [0, 1] interpolates linearly in dB (i.e. geometrically in
power) between them: ``dB(level) = (1 - level) * NLNM + level * NHNM``, so
``level=0`` is the NLNM, ``level=1`` the NHNM and ``level=0.5`` their
geometric mean. The models are tabulated from 0.1 s to 1e5 s (ObsPy's
:func:`~obspy.signal.spectral_estimation.get_nlnm` /
:func:`~obspy.signal.spectral_estimation.get_nhnm`); outside that range the
acceleration PSD is held at the value of the nearest tabulated period.

PSDs are one-sided: the variance of a record equals the integral of its PSD
over 0 < f < Nyquist. Converting acceleration PSD to velocity divides by
``(2 pi f)^2`` and to displacement by ``(2 pi f)^4``.

Reference: Peterson, J. (1993). Observations and modeling of seismic
background noise. USGS Open-File Report 93-322.
"""

from __future__ import annotations

from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path

import numpy as np

#: Quantities the noise can be expressed in, with the power of ``2 pi f`` that
#: divides the acceleration PSD.
QUANTITIES = {"acceleration": 0, "velocity": 2, "displacement": 4}


def peterson_tables() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Periods (s) and PSD (dB re 1 (m/s^2)^2/Hz) of the NLNM and of the NHNM.

    The tables ObsPy ships for :func:`obspy.signal.spectral_estimation.get_nlnm`
    and ``get_nhnm`` (``obspy/signal/data/noise_models.npz``), read directly:
    importing ``obspy.signal`` costs about 2 s of SciPy imports in every job.
    Falls back to ObsPy's functions if the file is not where ObsPy keeps it.

    Returns
    -------
    (periods_nlnm, nlnm_db, periods_nhnm, nhnm_db)
    """
    spec = find_spec("obspy")
    root = Path(next(iter(spec.submodule_search_locations))) if spec else None
    path = root / "signal" / "data" / "noise_models.npz" if root else None
    if path is not None and path.is_file():
        with np.load(path) as data:
            periods = np.asarray(data["model_periods"], float)
            return (
                periods,
                np.asarray(data["low_noise"], float),
                periods.copy(),
                np.asarray(data["high_noise"], float),
            )
    from obspy.signal.spectral_estimation import get_nhnm, get_nlnm

    p_lo, db_lo = get_nlnm()
    p_hi, db_hi = get_nhnm()
    return p_lo, db_lo, p_hi, db_hi


@lru_cache(maxsize=1)
def _models() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """log10(period), NLNM dB and NHNM dB on a common ascending period axis."""
    p_lo, db_lo, p_hi, db_hi = peterson_tables()
    o_lo, o_hi = np.argsort(p_lo), np.argsort(p_hi)
    logp = np.union1d(np.log10(p_lo[o_lo]), np.log10(p_hi[o_hi]))
    lo = np.interp(logp, np.log10(p_lo[o_lo]), db_lo[o_lo])
    hi = np.interp(logp, np.log10(p_hi[o_hi]), db_hi[o_hi])
    return logp, lo, hi


def _check_level(level) -> float:
    level = float(level)
    if not np.isfinite(level) or level < 0.0 or level > 1.0:
        raise ValueError(f"noise level must be in [0, 1] (0 = NLNM, 1 = NHNM), got {level}")
    return level


def _check_quantity(quantity: str) -> int:
    if quantity not in QUANTITIES:
        raise ValueError(f"noise quantity {quantity!r} is not one of {', '.join(QUANTITIES)}")
    return QUANTITIES[quantity]


def peterson_psd(freqs, level: float, quantity: str = "velocity") -> np.ndarray:
    """Target one-sided noise PSD between the NLNM and the NHNM.

    Parameters
    ----------
    freqs : array_like
        Frequencies in Hz. The PSD at ``f <= 0`` is returned as 0.
    level : float
        Noise level in [0, 1]: 0 is the NLNM, 1 the NHNM; in between the
        models are interpolated linearly in dB.
    quantity : {"velocity", "acceleration", "displacement"}
        Ground-motion quantity of the PSD.

    Returns
    -------
    numpy.ndarray
        PSD in (m/s)^2/Hz for velocity, (m/s^2)^2/Hz for acceleration, m^2/Hz
        for displacement; same shape as ``freqs``.
    """
    level = _check_level(level)
    power = _check_quantity(quantity)
    f = np.asarray(freqs, float)
    out = np.zeros(f.shape)
    pos = f > 0
    logp, lo, hi = _models()
    lp = -np.log10(f[pos])
    db = (1.0 - level) * np.interp(lp, logp, lo) + level * np.interp(lp, logp, hi)
    out[pos] = 10.0 ** (db / 10.0) / (2.0 * np.pi * f[pos]) ** power
    return out


def _noise_spectra(n_traces, n_samples, dt, level, rng, quantity) -> np.ndarray:
    """Random rfft spectra whose periodogram expectation is the Peterson PSD."""
    f = np.fft.rfftfreq(n_samples, dt)
    psd = peterson_psd(f, level, quantity)
    # One-sided periodogram P_k = 2 dt / N |X_k|^2 for 0 < f < Nyquist, so a
    # complex Gaussian X_k with E|X_k|^2 = P N / (2 dt) has the target PSD.
    # Its phase is uniform (random phases) and its modulus Rayleigh, which
    # makes the time series stationary and Gaussian.
    scale = np.sqrt(psd * n_samples / (4.0 * dt))
    spec = rng.standard_normal((n_traces, f.size)) + 1j * rng.standard_normal((n_traces, f.size))
    spec *= scale
    spec[:, 0] = 0.0
    if n_samples % 2 == 0:
        # The Nyquist bin is real and not doubled in the one-sided PSD.
        spec[:, -1] = spec[:, -1].real * np.sqrt(2.0)
    return spec


def peterson_noise(
    n_traces: int,
    n_samples: int,
    dt: float,
    level: float,
    rng: np.random.Generator,
    quantity: str = "velocity",
) -> np.ndarray:
    """Independent Gaussian noise traces with a Peterson-model PSD.

    Each trace is a stationary Gaussian process whose one-sided PSD is
    :func:`peterson_psd` ``(f, level, quantity)``: Fourier coefficients with
    random (uniform) phases and Rayleigh-distributed moduli scaled to the
    target PSD, zero mean. The traces are periodic with period
    ``n_samples * dt`` (generated on the FFT grid), so the lowest frequency
    present is ``1 / (n_samples * dt)``.

    Parameters
    ----------
    n_traces, n_samples : int
        Output shape.
    dt : float
        Sample interval in s.
    level : float
        Noise level in [0, 1] between NLNM (0) and NHNM (1).
    rng : numpy.random.Generator
        Source of randomness (seeded by the caller for reproducibility).
    quantity : {"velocity", "acceleration", "displacement"}
        Output quantity.

    Returns
    -------
    numpy.ndarray, shape (n_traces, n_samples)
        Noise in m/s (velocity), m/s^2 (acceleration) or m (displacement).
    """
    n_traces, n_samples, dt = _check_shape(n_traces, n_samples, dt)
    spec = _noise_spectra(n_traces, n_samples, dt, level, rng, quantity)
    return np.fft.irfft(spec, n_samples, axis=-1)


def coherent_noise(
    east_km,
    north_km,
    n_samples: int,
    dt: float,
    level: float,
    rng: np.random.Generator,
    slowness_range_s_km: tuple[float, float] = (0.1, 0.3),
    n_waves: int = 16,
    quantity: str = "velocity",
) -> tuple[np.ndarray, dict]:
    """Noise made of plane waves crossing the array from random directions.

    ``n_waves`` independent noise wavefields, each with the Peterson PSD of
    ``level`` divided by ``n_waves``, cross the array as plane waves with a
    back-azimuth drawn uniformly from [0, 360) degrees and a horizontal
    slowness drawn uniformly from ``slowness_range_s_km``. Every trace
    therefore has the same total PSD as :func:`peterson_noise`, but the
    noise is coherent across the array with the moveout of the chosen
    slowness band (0.1-0.3 s/km: fundamental-mode surface waves / Lg-like
    microseismic noise; 0.04-0.08 s/km: crustal or upper-mantle P). The
    plane-wave delays follow :func:`corephase.signal.alignment.plane_wave_delays`
    (delay = arrival at element minus arrival at the reference point). The
    delays are applied exactly as phase ramps on the FFT grid, which is a
    time shift of the periodic noise record (no edge effects). Mix with
    incoherent noise as ``sqrt(c) * coherent + sqrt(1 - c) * incoherent`` to
    keep the PSD while setting the coherent power fraction ``c``.

    Parameters
    ----------
    east_km, north_km : array_like
        Element offsets from the array reference point, km.
    n_samples : int
        Samples per trace.
    dt : float
        Sample interval in s.
    level : float
        Noise level in [0, 1] between NLNM (0) and NHNM (1).
    rng : numpy.random.Generator
        Source of randomness.
    slowness_range_s_km : (float, float)
        Range of horizontal slowness in s/km.
    n_waves : int
        Number of plane waves.
    quantity : {"velocity", "acceleration", "displacement"}
        Output quantity.

    Returns
    -------
    noise : numpy.ndarray, shape (n_elements, n_samples)
        In m/s for velocity (m/s^2, m for the other quantities).
    waves : dict
        ``{"baz_deg": array, "slowness_s_km": array}`` of the plane waves.
    """
    from corephase.signal.alignment import plane_wave_delays

    x = np.atleast_1d(np.asarray(east_km, float))
    y = np.atleast_1d(np.asarray(north_km, float))
    if x.shape != y.shape:
        raise ValueError("east_km and north_km must have the same shape")
    _, n_samples, dt = _check_shape(x.size, n_samples, dt)
    n_waves = int(n_waves)
    if n_waves < 1:
        raise ValueError(f"n_waves must be >= 1, got {n_waves}")
    smin, smax = (float(v) for v in slowness_range_s_km)
    if not (0.0 <= smin <= smax):
        raise ValueError(
            f"slowness_range_s_km must be (min, max) with 0 <= min <= max, got {(smin, smax)}"
        )
    baz = rng.uniform(0.0, 360.0, n_waves)
    slow = rng.uniform(smin, smax, n_waves)
    spec = _noise_spectra(n_waves, n_samples, dt, level, rng, quantity) / np.sqrt(n_waves)
    f = np.fft.rfftfreq(n_samples, dt)
    delays = plane_wave_delays(x, y, slow, baz)  # (n_waves, n_elements)
    out = np.zeros((x.size, f.size), complex)
    for w in range(n_waves):
        # Delay by tau: multiply by exp(-2 pi i f tau).
        out += spec[w][None, :] * np.exp(-2j * np.pi * f[None, :] * delays[w][:, None])
    if n_samples % 2 == 0:
        out[:, -1] = out[:, -1].real
    return np.fft.irfft(out, n_samples, axis=-1), {"baz_deg": baz, "slowness_s_km": slow}


def _check_shape(n_traces, n_samples, dt) -> tuple[int, int, float]:
    n_traces, n_samples, dt = int(n_traces), int(n_samples), float(dt)
    if n_traces < 0 or n_samples < 2:
        raise ValueError(f"need n_traces >= 0 and n_samples >= 2, got {n_traces} and {n_samples}")
    if not np.isfinite(dt) or dt <= 0:
        raise ValueError(f"sample interval dt must be positive, got {dt}")
    return n_traces, n_samples, dt
