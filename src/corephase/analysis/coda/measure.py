"""Measurements of one smoothed envelope beam: excess, duration, coda maximum, decay.

Times of the record are s after origin (``Record.t_orig``); every window and
every output time is s relative to the phase's theoretical arrival. All
quantities are formed from the *raw* beam power ``E^2`` (no noise floor): the
background reference is ``R(t) = max(T(t), N0)``, the larger of the pre-phase
trend ``T`` (fitted to ``E^2``, extrapolated, never rising) and the noise
power ``N0``, so that noise after a decaying trend is not counted as coda.
The steps follow the numbered list in :mod:`corephase.analysis.coda`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from corephase.analysis.coda.resampling import block_resample
from corephase.analysis.coda.trend import fit_trend, line_fit, resample_trend_data
from corephase.config.coda import CodaSettings
from corephase.signal.smoothing import masked_boxcar

#: Numbers with a bootstrap interval (per phase).
CI_KEYS = (
    "coda_excess",
    "duration_s",
    "decay_rate_per_s",
    "coda_peak_delay_s",
    "coda_rise_db",
    "peak_offset_s",
)

#: Reason columns: empty when the value of the same stem is finite.
REASON_KEYS = ("excess_reason", "duration_reason", "decay_reason")


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
        Samples of the noise window (clear of the record tapers).
    fmin_hz, fmax_hz : float
        Band corners, Hz.
    edge_s : float
        Length (s) kept clear of the record ends (tapers, envelope and shift edges).
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
class Background:
    """Windows, smoothed power and background reference of one (pseudo-)phase."""

    t: np.ndarray  # s relative to the (pseudo-)phase
    pre: np.ndarray  # pre-phase samples used (window minus masked arrivals)
    coda: np.ndarray  # coda samples used (window minus masked arrivals)
    power_s: np.ndarray  # raw power, smoothed inside each window (0 outside)
    trend: np.ndarray  # extrapolated pre-phase trend power
    ref: np.ndarray  # max(trend, n0)
    slope: float


def windows(t, s: CodaSettings, exclude=None) -> tuple[np.ndarray, np.ndarray, str]:
    """Pre-phase and coda samples left after ``exclude``; a reason when too few remain."""
    pre_full = (t >= s.prephase_window_s[0]) & (t <= s.prephase_window_s[1])
    coda_full = (t >= s.coda_window_s[0]) & (t <= s.coda_window_s[1])
    keep = np.ones(t.size, bool) if exclude is None else ~np.asarray(exclude, bool)
    pre, coda = pre_full & keep, coda_full & keep
    why = ""
    for name, used, full in (("pre-phase", pre, pre_full), ("coda", coda, coda_full)):
        if used.sum() < max(3, s.min_window_fraction * full.sum()):
            why = (
                f"{name} window {100 * (1 - used.sum() / max(full.sum(), 1)):.0f} % masked "
                f"by predicted arrivals (need {s.min_window_fraction:.0%} unmasked)"
            )
    return pre, coda, why


def background(power, t, pre, coda, n0, dt, phase_time, s, rng=None, block_s=5.0) -> Background:
    """Pre-phase trend of the raw power, its extrapolation and the reference ``max(T, N0)``.

    With ``rng`` the trend is refitted to its fit plus moving-block resampled
    residuals (blocks of ``block_s`` s). The trend never rises (slope clipped
    at 0): a background that grew into the phase would be extrapolated without bound.
    """
    cs = s.coda_smooth_s
    power_s = masked_boxcar(power, pre, dt, cs) + masked_boxcar(power, coda, dt, cs)
    tiny = 1e-12 * n0
    t_pre = t[pre]
    a_fit = np.sqrt(np.maximum(power_s[pre], tiny))
    a_lev = np.sqrt(np.maximum(power[pre], tiny))
    if rng is not None:
        a_fit, a_lev = resample_trend_data(
            t_pre, a_fit, a_lev, phase_time, s.trend_model, rng, block_s, dt
        )
    tr = fit_trend(t_pre, a_fit, a_lev, phase_time, s.trend_model, max_slope=0.0)
    trend = np.exp(np.clip(2.0 * tr(t), -700.0, 700.0))
    return Background(t, pre, coda, power_s, trend, np.maximum(trend, n0), tr.slope)


def excess(power, bg: Background, rng=None, block_s=5.0, dt=0.05) -> float:
    """Coda excess ``sum E^2 / sum R`` over the coda samples used (block resampled by ``rng``)."""
    idx = np.flatnonzero(bg.coda)
    if rng is not None:
        idx = block_resample(idx, rng, block_s, dt)
    den = float(np.sum(bg.ref[idx]))
    return float(np.sum(power[idx])) / den if den > 0 else np.nan


def measure_envelope(
    env,
    rec: Record,
    phase_time: float,
    s: CodaSettings,
    *,
    exclude=None,
    rng=None,
    block_s=5.0,
    noise_power: float | None = None,
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
    exclude : numpy.ndarray of bool, optional
        Samples left out of every window (predicted arrivals, see
        :func:`corephase.analysis.coda.contaminants.arrival_mask`).
    rng : numpy.random.Generator, optional
        For a bootstrap replicate: the pre-phase trend is refitted to its fit
        plus moving-block resampled residuals and the coda samples are block
        resampled (blocks of ``block_s`` s).
    noise_power : float, optional
        The noise power ``N0`` of the beam when ``env`` and ``rec`` are a cut of
        it around the phase's windows (:func:`window_span`; the numbers are those
        of the whole beam). Default: the mean of ``env ** 2`` in ``rec.noise_mask``.

    Returns
    -------
    numbers : dict
        The measurements (``CI_KEYS``, ``REASON_KEYS`` and the table columns);
        ``qc`` set when the beam cannot be measured.
    curves : dict or None
        Plot curves (see :func:`corephase.analysis.coda.analyse_coda`); None
        for a replicate or when ``qc`` is set.
    """
    out: dict = {k: np.nan for k in CI_KEYS} | {k: "" for k in REASON_KEYS}
    t = rec.t_orig - phase_time
    power = np.asarray(env, float) ** 2
    n0 = float(np.mean(power[rec.noise_mask])) if noise_power is None else float(noise_power)
    pk = np.abs(t) <= s.peak_search_s
    if not n0 > 0 or not pk.any():
        out["qc"] = "zero noise power" if not n0 > 0 else "peak search window outside record"
        return out, None
    ipk = int(np.flatnonzero(pk)[np.argmax(power[pk])])
    ppk = float(power[ipk])
    out.update(
        peak_offset_s=float(t[ipk]),
        peak_snr=float(np.sqrt(ppk / n0)),
        noise_power=n0,
        log10_noise_level=float(0.5 * np.log10(n0 / ppk)),
    )
    pre, coda, why = windows(t, s, exclude)
    if why:
        for k in REASON_KEYS:
            out[k] = why
        return out, None
    bg = background(power, t, pre, coda, n0, rec.dt, phase_time, s, rng, block_s)
    out["trend_slope"] = bg.slope
    out["coda_excess"] = excess(power, bg, rng, block_s, rec.dt)
    iend, icmax = _shape_and_duration(power, bg, ipk, n0, s, out)
    fit_t, fit_line = _decay(power, bg, icmax, iend, n0, rec, phase_time, s, out)
    if rng is not None:
        return out, None
    with np.errstate(divide="ignore", invalid="ignore"):
        curves = {
            "t": t,
            "log10_env": 0.5 * np.log10(power / ppk),
            "log10_env_smooth": 0.5 * np.log10(np.where(bg.power_s > 0, bg.power_s, np.nan) / ppk),
            "log10_trend": 0.5 * np.log10(bg.trend / ppk),
            "log10_reference": 0.5 * np.log10(bg.ref / ppk),
            "prephase_mask": (t >= s.prephase_window_s[0]) & (t <= s.prephase_window_s[1]),
            "coda_mask": (t >= s.coda_window_s[0]) & (t <= s.coda_window_s[1]),
            "arrival_mask": np.zeros(t.size, bool) if exclude is None else np.asarray(exclude),
            "decay_fit_t": fit_t,
            "decay_fit_log10": fit_line - 0.5 * np.log10(ppk),
        }
    return out, curves


def window_span(rec: Record, phase_time: float, s: CodaSettings) -> slice:
    """Samples of a phase's peak search, pre-phase and coda windows, and a margin.

    :func:`measure_envelope` of a beam cut to these samples (with the beam's
    ``noise_power``) gives the numbers of the whole beam: every window and the
    peak search lie inside, and the smoothing inside the windows
    (:func:`corephase.signal.smoothing.masked_boxcar`) sums only their samples.
    """
    margin = 2.0 * (s.coda_smooth_s + rec.dt)
    lo = phase_time + min(s.prephase_window_s[0], -s.peak_search_s) - margin
    hi = phase_time + max(s.coda_window_s[1], s.peak_search_s) + margin
    i0 = np.searchsorted(rec.t_orig, lo)
    return slice(int(i0), int(np.searchsorted(rec.t_orig, hi, side="right")))


def _shape_and_duration(power, bg: Background, ipk, n0, s, out) -> tuple[int, int]:
    """Coda maximum, detection and duration; return (end sample, coda-maximum sample).

    The duration is the time after the theoretical phase at which the
    (smoothed) power first falls to ``duration_factor`` x the reference, from
    the coda maximum when a coda is detected, else from the main peak (the
    main pulse). It is never negative.
    """
    fd, fdet = s.duration_factor, s.detect_factor
    ic = np.flatnonzero(bg.coda)
    icmax = int(ic[np.argmax(bg.power_s[ic])])
    out["coda_peak_delay_s"] = float(bg.t[icmax])
    out["coda_rise_db"] = float(10.0 * np.log10(bg.power_s[icmax] / bg.power_s[ic[0]]))
    detected = bool(bg.power_s[icmax] > fdet * bg.ref[icmax])
    out["coda_detected"] = detected
    if detected:
        start, level = icmax, bg.power_s
    else:  # duration of the main pulse, on the less smoothed envelope
        start, level = ipk, power
    below = level <= fd * bg.ref
    below[ic[0] :] &= bg.coda[ic[0] :]  # masked coda samples cannot end the coda
    idx = np.flatnonzero(below[start : ic[-1] + 1])
    out["duration_censored"] = not idx.size
    iend = int(ic[-1]) if not idx.size else start + int(idx[0])
    out["duration_s"] = max(float(bg.t[iend]), 0.0)
    return iend, icmax


def _decay(power, bg: Background, icmax, iend, n0, rec: Record, phase_time, s, out):
    """Decay rate and coda Qc; return the fit's times and log10 line (empty if not fitted).

    The fit (``ln A + gamma ln(T + t) = c - b t`` on the noise-corrected
    amplitude ``A = sqrt(E^2 - N0)``) runs from half a ``coda_smooth_s``
    after the coda maximum to the last unmasked sample still
    ``detect_factor`` above the reference, less the blur of the band-pass and
    the smoothing. ``decay_reason`` says why it is missing.
    """
    dt, fdet = rec.dt, s.detect_factor
    empty = np.array([]), np.array([])
    if not out["coda_detected"]:
        out["decay_reason"] = f"no coda detected (maximum below {fdet:g} x background)"
        return empty
    ic0 = int(np.flatnonzero(bg.coda)[0])
    i0 = min(max(icmax, ic0) + round(0.5 * s.coda_smooth_s / dt), iend)
    strong = (power[i0 : iend + 1] > fdet * bg.ref[i0 : iend + 1]) & bg.coda[i0 : iend + 1]
    i1 = i0 + (int(np.flatnonzero(strong)[-1]) if strong.any() else 0)
    i1 = max(i0, i1 - round((s.envelope_smooth_s + 1.0 / rec.bandwidth_hz) / dt))
    sel = np.arange(i0, i1 + 1)
    sel = sel[bg.coda[sel] & (power[sel] > n0)]
    fit_t = bg.t[sel]
    if fit_t.size < 3 or fit_t[-1] - fit_t[0] < s.min_decay_fit_s:
        out["decay_reason"] = f"coda above background for less than {s.min_decay_fit_s:g} s"
        return empty
    gamma = float(s.coda_gamma)
    yy = 0.5 * np.log(power[sel] - n0) + gamma * np.log(phase_time + fit_t)
    nb, c = line_fit(fit_t, yy)
    out["decay_rate_per_s"] = float(-nb)
    fit_line = (c + nb * fit_t - gamma * np.log(phase_time + fit_t)) / np.log(10.0)
    return fit_t, fit_line
