"""Uncertainties from the element resamples and the automatic call (steps 2 and 3).

Every row gets one ``call``:

- ``unconstrained``: the array cannot resolve the phase's slowness at this band
  (its resolution ``1 / (f_centre * aperture)`` is coarser than
  ``resolution_limit_s_deg``), or its SNR passes but the resampled peaks do not
  agree with the full-array peak (fewer than ``min_resample_agreement`` of
  them within the tolerance);
- ``not_detected``: SNR below the threshold, or slowness / back-azimuth off theory;
- ``detected``: otherwise.

Each tolerance is the larger of the configured one and ``tolerance_sigma``
robust standard errors of the resampled peaks (median absolute deviation,
scaled), but the widening never exceeds the array's resolution (in slowness:
``1 / (f_centre * aperture)``, at most ``max_slowness_tolerance_s_deg``; in
back-azimuth: the angle that slowness error subtends at the phase's slowness,
180 deg when it exceeds the slowness). The back-azimuth is not tested (the
reason says so) when the theoretical slowness is below the resolution.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from corephase.config.stack import StackSettings

#: MAD to standard deviation of a normal distribution.
_MAD_SIGMA = 1.4826


def _angdiff(a, b):
    return (np.asarray(a, float) - np.asarray(b, float) + 180.0) % 360.0 - 180.0


@dataclass(frozen=True)
class Resolution:
    """What the array resolves at the band: slowness (s/deg) and back-azimuth (deg)
    half-widths of the FK main lobe, ``1 / (f_centre * aperture)`` and the angle it
    subtends at the phase's slowness (180 deg when it exceeds that slowness)."""

    slowness_s_deg: float
    baz_deg: float

    @classmethod
    def of(cls, f_centre_hz: float, aperture_km: float, slowness_s_deg: float) -> Resolution:
        """Resolution at centre frequency (Hz), aperture (km) and phase slowness (s/deg)."""
        from corephase.model.geometry import KM_PER_DEG

        res = KM_PER_DEG / (float(f_centre_hz) * max(float(aperture_km), 1e-3))
        p = abs(float(slowness_s_deg))
        baz = 180.0 if res >= p else float(np.degrees(np.arcsin(res / p)))
        return cls(float(res), baz)


def _robust_se(dev, jackknife: bool) -> float:
    """Scaled MAD of deviations; times ``sqrt(n - 1)`` for leave-one-out resamples
    (the jackknife's inflation), NaN for fewer than two values."""
    dev = np.asarray(dev, float)
    dev = dev[np.isfinite(dev)]
    if dev.size < 2:
        return float("nan")
    mad = _MAD_SIGMA * float(np.median(np.abs(dev - np.median(dev))))
    return mad * np.sqrt(dev.size - 1) if jackknife else mad


def snr_interval(snr: float, snrs, jackknife: bool) -> tuple[float, float]:
    """95 % SNR interval from the resampled SNRs, never below zero.

    Jackknife: ``snr * exp(-/+ 1.96 se)`` with ``se`` the jackknife standard
    error of ``log(snr)``; bootstrap: the 2.5 and 97.5 percentiles clipped at 0.
    """
    x = np.asarray(snrs, float)
    x = x[np.isfinite(x)]
    if x.size < 2 or not np.isfinite(snr):
        return float("nan"), float("nan")
    if jackknife and snr > 0 and np.all(x > 0):
        lx = np.log(x)
        se = float(np.sqrt((x.size - 1) / x.size * np.sum((lx - lx.mean()) ** 2)))
        return float(snr * np.exp(-1.96 * se)), float(snr * np.exp(1.96 * se))
    lo, hi = np.percentile(x, [2.5, 97.5])
    return max(float(lo), 0.0), max(float(hi), 0.0)


@dataclass(frozen=True)
class Spread:
    """Robust spreads of the resampled peaks and their agreement with the full array.

    ``slowness_s_deg`` and ``baz_deg``: robust standard errors (NaN without
    resamples); ``slowness`` and ``baz``: the resampled peaks (s/deg, deg).
    """

    slowness_s_deg: float
    baz_deg: float
    slowness: np.ndarray
    baz: np.ndarray

    def agreement(self, s_full: float, s_tol: float, b_full: float, b_tol: float) -> float:
        """Fraction of resamples whose slowness and FK back-azimuth peaks are within
        the tolerances of the full-array peaks (1 without resamples)."""
        if self.slowness.size == 0:
            return 1.0
        ok = np.abs(self.slowness - s_full) <= s_tol
        if np.isfinite(b_tol):
            ok &= np.abs(_angdiff(self.baz, b_full)) <= b_tol
        return float(np.mean(ok))


def spread(kind: str, full, resamples: list, jackknife: bool) -> Spread:
    """The :class:`Spread` of stack ``kind`` from the resampled measurements
    (:class:`corephase.analysis.detection.measure.Measurement`) and the full array's."""
    slow = np.array([m.per[kind][1] for m in resamples], float)
    baz = np.array([m.baz_fk for m in resamples], float)
    s_se = _robust_se(slow - full.per[kind][1], jackknife)
    b_se = _robust_se(_angdiff(baz, full.baz_fk), jackknife)
    return Spread(s_se, b_se, slow, baz)


def _bounded(configured: float, k_sigma: float, se: float, bound: float) -> float:
    """The configured tolerance widened to ``k_sigma * se``, the widening capped at ``bound``."""
    widened = k_sigma * se if np.isfinite(se) else 0.0
    return max(float(configured), min(widened, float(bound)))


@dataclass(frozen=True)
class Call:
    """The automatic call of one stack: ``call``, ``reason`` and the tolerances used
    (s/deg, deg; ``baz_tolerance_deg`` NaN when the back-azimuth is not tested) and the
    resample agreement (0..1)."""

    call: str
    reason: str
    slowness_tolerance_s_deg: float
    baz_tolerance_deg: float
    resample_agreement: float


def _call(kind, reasons, baz_tested, res, s_tol, b_tol, agree) -> Call:
    if not baz_tested:
        reasons = [
            *reasons,
            f"baz not tested: slowness below the resolution {res.slowness_s_deg:.2f} s/deg",
        ]
    return Call(kind, "; ".join(reasons), s_tol, b_tol, agree)


def decide(
    snr: float,
    threshold: float,
    s_obs: float,
    baz_fk: float,
    sp: Spread,
    arrival,
    baz_theory_deg: float,
    res: Resolution,
    settings: StackSettings,
) -> Call:
    """The automatic call on one stack of one phase.

    ``snr`` against ``threshold`` (from the null or fixed); observed slowness
    ``s_obs`` in s/deg and FK back-azimuth ``baz_fk`` in degrees clockwise from
    north against the theoretical :class:`corephase.model.traveltimes.PhaseArrival`
    and ``baz_theory_deg``, with tolerances bounded by ``res``.
    """
    det = settings.detection
    k = float(det.tolerance_sigma)
    s_bound = min(res.slowness_s_deg, float(det.max_slowness_tolerance_s_deg))
    s_tol = _bounded(det.slowness_tolerance_s_deg, k, sp.slowness_s_deg, s_bound)
    baz_tested = float(arrival.slowness_s_deg) >= res.slowness_s_deg
    b_tol = _bounded(det.baz_tolerance_deg, k, sp.baz_deg, res.baz_deg) if baz_tested else np.nan
    agree = sp.agreement(s_obs, s_tol, baz_fk, b_tol)

    def call(kind: str, reasons: list) -> Call:
        return _call(kind, reasons, baz_tested, res, s_tol, b_tol, agree)

    if res.slowness_s_deg > float(det.resolution_limit_s_deg):
        return call(
            "unconstrained",
            [
                f"array resolution {res.slowness_s_deg:.2f} s/deg at this band is coarser "
                f"than {float(det.resolution_limit_s_deg):g} s/deg"
            ],
        )
    if not snr >= threshold:
        return call("not_detected", [f"snr {snr:.2f} < {threshold:.3g}"])
    if agree < float(det.min_resample_agreement):
        return call(
            "unconstrained",
            [
                f"resamples unstable: {agree:.0%} of resampled peaks within the tolerances "
                f"of the full-array peak (need {float(det.min_resample_agreement):.0%})"
            ],
        )
    reasons = []
    ds = s_obs - float(arrival.slowness_s_deg)
    if abs(ds) > s_tol:
        reasons.append(
            f"slowness {s_obs:.2f} s/deg off theory by {ds:+.2f} (tolerance {s_tol:.2g})"
        )
    db = float(_angdiff(baz_fk, baz_theory_deg))
    if baz_tested and abs(db) > b_tol:
        reasons.append(f"FK baz {baz_fk:.1f} deg off theory by {db:+.1f} (tolerance {b_tol:.3g})")
    if reasons:
        return call("not_detected", reasons)
    return call("detected", ["snr, slowness and baz within limits"])
