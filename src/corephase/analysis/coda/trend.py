"""Pre-phase background trend: fit, level reset, and its block-bootstrap refit.

Times ``t`` are s relative to the phase's theoretical arrival; ``phase_time``
is that arrival in s after origin (the lapse time of the power law is
``phase_time + t``). Amplitudes are noise-corrected envelopes normalised at
the phase peak; the trend is a function returning natural-log amplitude.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from corephase.analysis.coda.resampling import block_resample


@dataclass(frozen=True)
class Trend:
    """A fitted background: ``ln A(t) = level + shape(t)``.

    Attributes
    ----------
    model : str
        ``"exponential"``, ``"loglinear"`` (``shape = slope * t``) or
        ``"powerlaw"`` (``shape = slope * ln(phase_time + t)``).
    slope : float
        ``d ln A / dt`` (1/s), or the power-law exponent.
    level : float
        Natural-log amplitude offset (after the energy reset).
    phase_time : float
        Theoretical phase time, s after origin.
    """

    model: str
    slope: float
    level: float
    phase_time: float

    def __call__(self, t) -> np.ndarray:
        """Natural-log amplitude of the trend at ``t`` (s relative to the phase)."""
        t = np.asarray(t, float)
        if self.model == "powerlaw":
            return self.level + self.slope * np.log(np.maximum(self.phase_time + t, 1e-6))
        return self.level + self.slope * t


def fit_trend(
    t_pre, a_fit, a_pre, phase_time: float, model: str, max_slope: float | None = None
) -> Trend:
    """Fit the pre-phase background.

    The shape is fitted to ``a_fit`` (smoothed envelope): least squares on
    ``ln A`` (``loglinear``, ``powerlaw`` against the log lapse time) or on the
    power (``exponential``, started from the log-linear fit). A slope above
    ``max_slope`` (1/s, or the power-law exponent) is set to ``max_slope``.
    The level is then reset so that the trend has the mean energy of
    ``a_pre`` in the window.

    Raises
    ------
    ValueError
        For ``powerlaw`` when the window starts at or before the origin.
    """
    y = np.log(a_fit)
    if model == "powerlaw":
        lapse = phase_time + t_pre
        if np.any(lapse <= 0):
            raise ValueError("powerlaw trend needs the pre-phase window after the origin")
        slope, c = line_fit(np.log(lapse), y)
    else:
        slope, c = line_fit(t_pre, y)
        if model == "exponential":
            slope, c = _fit_exponential_power(t_pre, a_fit**2, slope, c)
    if max_slope is not None:
        slope = min(slope, max_slope)
    trend = Trend(model, float(slope), float(c), float(phase_time))
    k = _level_reset(a_pre, 2.0 * trend(t_pre))
    return Trend(model, float(slope), float(c + k), float(phase_time))


def _level_reset(a_pre, z) -> float:
    """Log-amplitude shift ``k`` with ``mean(exp(z + 2k)) = mean(a_pre**2)``.

    ``z`` is twice the trend's natural-log amplitude on the pre-phase window.
    Where ``exp(z)`` underflows to 0 or overflows (a slope clipped at
    ``max_slope`` keeps the level of the unclipped line, which can lie hundreds
    of nepers away from the data), the mean is taken in log space; otherwise
    the direct form, whose bits the tables hold.
    """
    energy = np.mean(a_pre**2)
    den = np.mean(np.exp(z))
    if np.isfinite(den) and den > 0:
        return 0.5 * np.log(energy / den)
    top = np.max(z)
    return 0.5 * (np.log(energy) - top - np.log(np.mean(np.exp(z - top))))


def line_fit(x, y) -> np.ndarray:
    """Slope and intercept ``[b, c]`` of the least-squares line ``y = b x + c``.

    ``np.polyfit(x, y, 1)`` to the last bit, without its argument checks: the
    same Vandermonde matrix ``[x, 1]`` with its columns scaled to unit norm, the
    same ``np.linalg.lstsq`` (``rcond = len(x) * eps``), the same unscaling, and
    the same ``RankWarning`` for a rank-deficient fit. ``x`` and ``y`` are 1-D
    float arrays of one length (units of the caller).
    """
    x = np.asarray(x, float)
    lhs = np.empty((x.size, 2))
    lhs[:, 0] = x
    lhs[:, 1] = 1.0
    scale = np.sqrt((lhs * lhs).sum(axis=0))
    lhs /= scale
    c, _, rank, _ = np.linalg.lstsq(lhs, np.asarray(y, float), x.size * np.finfo(float).eps)
    if rank != 2:
        warnings.warn("Polyfit may be poorly conditioned", np.exceptions.RankWarning, stacklevel=2)
    return c / scale


def _fit_exponential_power(t, p, b0, c0):
    """Least squares of ``p = exp(2c + 2bt)`` (power domain), Levenberg-Marquardt from (b0, c0)."""
    from scipy.optimize import least_squares

    scale = np.mean(p)
    tc = np.mean(t)

    def resid(x):
        return (np.exp(np.clip(2.0 * (x[0] + x[1] * (t - tc)), -700, 700)) - p) / scale

    x0 = np.array([c0 + b0 * tc, b0])
    try:
        r = least_squares(resid, x0, method="lm")
    except (ValueError, RuntimeError):
        return b0, c0
    c, b = r.x
    if not (np.isfinite(b) and np.isfinite(c)):
        return b0, c0
    return float(b), float(c - b * tc)


def resample_trend_data(t_pre, a_fit, a_lev, phase_time, model, rng, block_s, dt):
    """Moving-block bootstrap of the pre-phase data about its fitted trend.

    The residuals ``ln a - trend`` (serially correlated through the envelope
    smoothing) are resampled in blocks of ``block_s`` seconds (sample interval
    ``dt`` s) and added back to the trend, for both the shape data ``a_fit``
    and the level data ``a_lev``.
    """
    base = fit_trend(t_pre, a_fit, a_lev, phase_time, model, max_slope=0.0)(t_pre)
    idx = block_resample(np.arange(t_pre.size), rng, block_s, dt)
    r_fit = np.log(a_fit) - base
    r_lev = np.log(a_lev) - base
    return np.exp(base + r_fit[idx]), np.exp(base + r_lev[idx])
