"""Uncertainties from the element resamples and the automatic decision (steps 2 and 3).

A phase is detected when its SNR reaches the stack's threshold and the observed
slowness and back-azimuth are within their tolerances of theory; each
tolerance is the larger of the configured one and ``tolerance_sigma``
standard errors of the measurement. The back-azimuth is not tested (the reason
says so) when the theoretical slowness is below the FK resolution.
"""

from __future__ import annotations

import numpy as np

from corephase.config.stack import StackSettings
from corephase.model.geometry import KM_PER_DEG


def _angdiff(a, b):
    return (np.asarray(a) - np.asarray(b) + 180.0) % 360.0 - 180.0


def _finite_or_zero(x: float) -> float:
    return float(x) if np.isfinite(x) else 0.0


def _jackknife(snr, snr_loo, slow_loo, baz_loo) -> tuple[float, float, float, float]:
    """Jackknife uncertainties from the leave-one-element-out values.

    Standard error ``sqrt((n-1)/n * sum (x_i - mean)^2)``; the SNR interval is
    ``snr -/+ 1.96 se`` (about 95 %), the slowness and back-azimuth errors are
    their standard errors (back-azimuth differences wrapped to +-180 deg).
    Unlike the bootstrap, no resample repeats an element, so the SNR of the
    resamples is not biased low by duplicated noise.
    """

    def se(x):
        x = x[np.isfinite(x)]
        n = x.size
        return float(np.sqrt((n - 1) / n * np.sum((x - x.mean()) ** 2))) if n > 1 else np.nan

    s = se(snr_loo)
    dz = (baz_loo - baz_loo[0] + 180.0) % 360.0 - 180.0
    return snr - 1.96 * s, snr + 1.96 * s, se(slow_loo), se(dz)


def _circ_std_deg(a) -> float:
    a = np.radians(np.asarray(a, float))
    a = a[np.isfinite(a)]
    if a.size < 2:
        return float("nan")
    r = np.hypot(np.mean(np.sin(a)), np.mean(np.cos(a)))
    return float(np.degrees(np.sqrt(-2.0 * np.log(max(r, 1e-12)))))


def _bootstrap(snr, slow, baz) -> tuple[float, float, float, float]:
    """2.5 and 97.5 SNR percentiles, slowness standard deviation, circular baz deviation."""
    snr = snr[np.isfinite(snr)]
    lo, hi = (
        (float(np.percentile(snr, 2.5)), float(np.percentile(snr, 97.5)))
        if snr.size
        else (np.nan, np.nan)
    )
    s_err = float(np.std(slow, ddof=1)) if slow.size > 1 else np.nan
    return lo, hi, s_err, _circ_std_deg(baz)


def uncertainties(kind: str, snr: float, resamples: list, jackknife: bool):
    """``(snr_lo, snr_hi, slowness_err_s_deg, baz_err_deg)`` of stack ``kind``.

    ``resamples`` are the :class:`corephase.analysis.detection.measure.Measurement`
    of the leave-one-out selections (``jackknife``) or of the bootstrap draws;
    none gives NaN.
    """
    if not resamples:
        return np.nan, np.nan, np.nan, np.nan
    snrs = np.array([m.per[kind][0] for m in resamples], float)
    slow = np.array([m.per[kind][1] for m in resamples], float)
    baz = np.array([m.baz_fk for m in resamples], float)
    if jackknife:
        return _jackknife(snr, snrs, slow, baz)
    return _bootstrap(snrs, slow, baz)


def decide(
    kind: str,
    snr: float,
    s_obs: float,
    s_err: float,
    baz_fk: float,
    b_err: float,
    arrival,
    baz_theory_deg: float,
    baz_resolution_s_km: float,
    settings: StackSettings,
) -> tuple[bool, str]:
    """The automatic call on one stack of one phase: ``(detected, reason)``.

    Observed slowness and its error in s/deg, back-azimuths in degrees
    clockwise from north; ``arrival`` is the theoretical
    :class:`corephase.model.traveltimes.PhaseArrival`; ``baz_resolution_s_km``
    is the FK resolution (s/km) below which the back-azimuth is not tested.
    """
    det = settings.detection
    reasons, notes = [], []
    thr = settings.threshold(kind)
    if not snr >= thr:
        reasons.append(f"snr {snr:.2f} < {thr:g}")
    # the tolerance widens to k standard errors where the array measures
    # slowness or direction less precisely (small apertures, statics)
    k_sig = float(det.tolerance_sigma)
    s_tol = max(float(det.slowness_tolerance_s_deg), _finite_or_zero(k_sig * s_err))
    b_tol = max(float(det.baz_tolerance_deg), _finite_or_zero(k_sig * b_err))
    ds = s_obs - float(arrival.slowness_s_deg)
    if abs(ds) > s_tol:
        reasons.append(
            f"slowness {s_obs:.2f} s/deg off theory by {ds:+.2f} (tolerance {s_tol:.2g})"
        )
    db = float(_angdiff(baz_fk, baz_theory_deg))
    if float(arrival.slowness_s_km) < baz_resolution_s_km:
        notes.append(
            "baz not tested: slowness below the FK resolution "
            f"{baz_resolution_s_km * KM_PER_DEG:.2f} s/deg"
        )
    elif abs(db) > b_tol:
        reasons.append(f"FK baz {baz_fk:.1f} deg off theory by {db:+.1f} (tolerance {b_tol:.3g})")
    if reasons:
        return False, "; ".join(reasons + notes)
    return True, "; ".join(["snr, slowness and baz within limits", *notes])
