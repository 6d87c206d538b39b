"""Measurements of one smoothed envelope beam: excess, duration, coda maximum, decay.

Times of the record are s after origin (``Record.t_orig``); every window and
every output time is s relative to the phase's theoretical arrival. The steps
(noise correction and normalisation, trend and excess, coda shape and
duration, decay) follow the numbered list in :mod:`corephase.analysis.coda`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from corephase.analysis.coda.resampling import block_resample
from corephase.analysis.coda.trend import Trend, fit_trend, resample_trend_data
from corephase.config.coda import CodaSettings
from corephase.signal.smoothing import masked_boxcar

#: Numbers with a bootstrap interval (per phase).
CI_KEYS = (
    "coda_excess",
    "duration_s",
    "decay_rate_per_s",
    "coda_qc",
    "coda_peak_delay_s",
    "coda_rise_db",
    "peak_offset_s",
)


@dataclass(frozen=True)
class Record:
    """Time axis and band of the array record the beams are made from.

    Attributes
    ----------
    t_orig : numpy.ndarray
        Sample times, s after origin.
    dt : float
        Sample interval, s.
    noise_mask : numpy.ndarray of bool
        Samples of the noise window.
    fmin_hz, fmax_hz : float
        Band corners, Hz.
    edge_s : float
        Length (s) kept clear of the record ends (envelope and shift edge effects).
    """

    t_orig: np.ndarray
    dt: float
    noise_mask: np.ndarray
    fmin_hz: float
    fmax_hz: float
    edge_s: float = 0.0

    @property
    def centre_hz(self) -> float:
        """Arithmetic band centre (Hz): the frequency of the coda Qc."""
        return 0.5 * (self.fmin_hz + self.fmax_hz)

    @property
    def bandwidth_hz(self) -> float:
        return self.fmax_hz - self.fmin_hz


@dataclass
class _Envelope:
    """One beam after noise correction, normalisation and smoothing (see ``_prepare``)."""

    t: np.ndarray  # s relative to the phase
    power: np.ndarray  # raw beam power
    n0: float  # noise power
    a: np.ndarray  # corrected amplitude, normalised at the peak
    ipk: int  # sample of the main peak
    pre: np.ndarray  # pre-phase window mask
    coda: np.ndarray  # coda window mask
    a_s: np.ndarray  # a, power-smoothed inside each window
    raw_s: np.ndarray  # power, smoothed inside each window


def measure_envelope(
    env, rec: Record, phase_time: float, s: CodaSettings, *, rng=None, block_s=5.0
) -> tuple[dict, dict | None]:
    """Measure one smoothed envelope beam.

    Parameters
    ----------
    env : numpy.ndarray
        Smoothed envelope beam on ``rec.t_orig``.
    rec : Record
    phase_time : float
        Theoretical phase time, s after origin.
    s : CodaSettings
    rng : numpy.random.Generator, optional
        For a bootstrap replicate: the pre-phase trend is refitted to its fit
        plus moving-block resampled residuals and the coda energy is block
        resampled (blocks of ``block_s`` s).

    Returns
    -------
    numbers : dict
        The measurements (``CI_KEYS`` and the columns of the table); ``qc``
        set when the beam cannot be measured.
    curves : dict or None
        Plot curves (see :func:`corephase.analysis.coda.analyse_coda`); None
        for a replicate or when ``qc`` is set.
    """
    out = {k: np.nan for k in CI_KEYS}
    e = _prepare(env, rec, phase_time, s, out)
    if e is None:
        return out, None
    trend_a = _trend_and_excess(e, rec.dt, phase_time, s, out, rng, block_s)
    iend, icmax = _shape_and_duration(e, trend_a, s, out)
    fit_t, fit_line = _decay(e, trend_a, icmax, iend, rec, phase_time, s, out)
    if rng is not None:
        return out, None
    curves = {
        "t": e.t,
        "log10_env": np.log10(e.a),
        "log10_env_smooth": np.log10(np.where(e.a_s > 0, e.a_s, np.nan)),
        "log10_trend": np.log10(trend_a),
        "prephase_mask": e.pre,
        "coda_mask": e.coda,
        "decay_fit_t": fit_t,
        "decay_fit_log10": fit_line,
    }
    return out, curves


def _prepare(env, rec, phase_time, s, out) -> _Envelope | None:
    """Noise correction, normalisation at the main peak and window smoothing."""
    t = rec.t_orig - phase_time
    power = env**2
    n0 = float(np.mean(power[rec.noise_mask]))
    if not n0 > 0:
        out["qc"] = "zero noise power"
        return None
    amp = np.sqrt(np.maximum(power - n0, s.noise_floor * n0))
    pk = np.abs(t) <= s.peak_search_s
    if not pk.any():
        out["qc"] = "peak search window outside record"
        return None
    ipk = int(np.flatnonzero(pk)[np.argmax(amp[pk])])
    apk = amp[ipk]
    a = amp / apk
    out["peak_offset_s"] = float(t[ipk])
    out["peak_snr"] = float(np.sqrt(power[ipk] / n0))
    out["noise_power"] = n0
    out["log10_noise_level"] = float(np.log10(np.sqrt(n0) / apk))
    pre = (t >= s.prephase_window_s[0]) & (t <= s.prephase_window_s[1])
    coda = (t >= s.coda_window_s[0]) & (t <= s.coda_window_s[1])
    # shape measurements and the trend shape use the power-smoothed envelope,
    # smoothed inside each window only (the main pulse must not leak into them)
    cs, dt = s.coda_smooth_s, rec.dt
    a_s = np.sqrt(masked_boxcar(a**2, pre, dt, cs) + masked_boxcar(a**2, coda, dt, cs))
    raw_s = masked_boxcar(power, pre, dt, cs) + masked_boxcar(power, coda, dt, cs)
    return _Envelope(t, power, n0, a, ipk, pre, coda, a_s, raw_s)


def _trend_and_excess(e: _Envelope, dt, phase_time, s, out, rng, block_s) -> np.ndarray:
    """Fit the pre-phase trend; set ``trend_slope`` and ``coda_excess``; return the trend."""
    t_pre = e.t[e.pre]
    a_fit, a_lev = e.a_s[e.pre], e.a[e.pre]
    if rng is not None:
        a_fit, a_lev = resample_trend_data(
            t_pre, a_fit, a_lev, phase_time, s.trend_model, rng, block_s, dt
        )
    trend: Trend = fit_trend(t_pre, a_fit, a_lev, phase_time, s.trend_model)
    out["trend_slope"] = trend.slope
    trend_a = np.exp(np.clip(trend(e.t), -300.0, 300.0))  # no overflow in wild replicates
    coda_power = e.a[e.coda] ** 2
    if rng is not None:  # moving-block resample of the coda window (its own time fluctuation)
        coda_power = block_resample(coda_power, rng, block_s, dt)
    e_obs = float(np.sum(coda_power))
    e_tr = float(np.sum(trend_a[e.coda] ** 2))
    out["coda_excess"] = e_obs / e_tr if e_tr > 0 else np.nan
    return trend_a


def _shape_and_duration(e: _Envelope, trend_a, s, out) -> tuple[int, int]:
    """Coda maximum, detection and duration; return (end sample, coda-maximum sample)."""
    fd, fdet = s.duration_factor, s.detect_factor
    ic = np.flatnonzero(e.coda)
    icmax = int(ic[np.argmax(e.a_s[ic])])
    out["coda_peak_delay_s"] = float(e.t[icmax])
    out["coda_rise_db"] = float(20.0 * np.log10(e.a_s[icmax] / e.a_s[ic[0]]))
    detected = bool(
        e.a_s[icmax] ** 2 > fdet * trend_a[icmax] ** 2 and e.raw_s[icmax] > fdet * e.n0
    )
    out["coda_detected"] = detected
    if detected:
        start = icmax
        below = (e.a_s**2 <= fd * trend_a**2) | (e.raw_s <= fd * e.n0)
    else:  # duration of the main pulse, on the less smoothed envelope
        start = e.ipk
        below = (e.a**2 <= fd * trend_a**2) | (e.power <= fd * e.n0)
    idx = np.flatnonzero(below[start : ic[-1] + 1])
    out["duration_censored"] = not idx.size
    iend = int(ic[-1]) if not idx.size else start + int(idx[0])
    out["duration_s"] = float(e.t[iend])
    return iend, icmax


def _decay(e: _Envelope, trend_a, icmax, iend, rec: Record, phase_time, s, out):
    """Decay rate and coda Qc; return the fit's times and log10 line (empty if not fitted).

    The fit runs from half a ``coda_smooth_s`` after the coda maximum to the
    last sample of the (less smoothed) envelope still ``detect_factor`` above
    trend and noise, less the blur of the band-pass and the smoothing.
    """
    dt, fdet = rec.dt, s.detect_factor
    ic0 = int(np.flatnonzero(e.coda)[0])
    i0 = min(max(icmax, ic0) + round(0.5 * s.coda_smooth_s / dt), iend)
    seg = slice(i0, iend + 1)
    strong = (e.a[seg] ** 2 > fdet * trend_a[seg] ** 2) & (e.power[seg] > fdet * e.n0)
    i1 = i0 + (int(np.flatnonzero(strong)[-1]) if strong.any() else 0)
    blur = s.envelope_smooth_s + 1.0 / rec.bandwidth_hz
    i1 = max(i0, i1 - round(blur / dt))
    fit_sl = slice(i0, i1 + 1)
    fit_t = e.t[fit_sl]
    if not (
        out["coda_detected"] and fit_t.size >= 3 and fit_t[-1] - fit_t[0] >= s.min_decay_fit_s
    ):
        return np.array([]), np.array([])
    gamma = float(s.coda_gamma)
    yy = np.log(e.a[fit_sl]) + gamma * np.log(phase_time + fit_t)
    nb, c = np.polyfit(fit_t, yy, 1)
    b = -nb
    out["decay_rate_per_s"] = float(b)
    out["coda_qc"] = float(np.pi * rec.centre_hz / b) if b > 0 else np.nan
    fit_line = (c + nb * fit_t - gamma * np.log(phase_time + fit_t)) / np.log(10.0)
    return fit_t, fit_line
