"""Coda analysis of core phases: is there energy after PKiKP beyond the background?

For one array, one event and one frequency band this module forms envelope
beams along the theoretical slowness of each configured phase (PcP, ScP,
PKiKP, ...), removes the pre-event noise power, normalises them at the phase
peak, fits the background trend *before* each phase, extrapolates it over the
coda window and measures

- the **coda excess**: observed coda energy over the extrapolated trend energy,
  with a station-bootstrap confidence interval and a significance flag;
- the **coda shape**: duration, decay rate (and coda Qc at the band centre),
  delay and size of the coda maximum (rise-then-decay shapes), and ratios of
  these between the main phase (PKiKP) and the reference phases (PcP, ScP);
- the **coda slowness**: a vespagram of the main-phase coda window and the
  fraction of coda energy arriving with PKiKP-like (steep, deep-origin)
  slowness.

Conventions
-----------
- Times in the input are seconds after the event origin; the output time axes
  and all windows (``prephase_window_s``, ``coda_window_s``, ``peak_search_s``)
  are seconds relative to the *theoretical* arrival time of each phase at the
  array reference point (the observed peak offset is reported separately as
  ``peak_offset_s``).
- Slowness in s/deg; back-azimuth in degrees clockwise from north, from the
  array to the source (computed from the event and the array reference point).
- Envelope amplitudes are normalised at the main-phase peak of *that* beam;
  logarithms are base 10 in tables and plots (``log10_*``), natural in the
  decay model.

Processing of one beam
----------------------
1. Align the traces along the phase slowness and back-azimuth
   (:func:`corephase.signal.alignment.plane_wave_delays`,
   :func:`corephase.signal.alignment.shift_traces`).
2. Envelope beam: ``beam_type="beam"`` (default) is the Hilbert envelope of the
   linear beam (coherent: sees only energy near the beam slowness, noise power
   reduced ~1/N); ``"stack"`` is the mean of the element envelopes
   (:func:`corephase.signal.stacking.envelope_stack`, incoherent: sees all energy).
   Both are smoothed by a boxcar of ``envelope_smooth_s``.
3. Noise correction: ``P_c(t) = max(E(t)^2 - N0, floor * N0)`` where ``N0`` is
   the mean envelope power of the same beam in the noise window and ``floor``
   is ``noise_floor`` (default 0.01). Amplitude ``A(t) = sqrt(P_c(t))``.
4. Normalisation by the maximum of ``A`` within ``+-peak_search_s`` of the
   theoretical time.
5. Pre-phase trend: the shape of the background is fitted in the pre-phase
   window with ``trend_model``:

   - ``"loglinear"``: ``ln A = c + b t`` by least squares on ``ln A``;
   - ``"exponential"``: ``A^2 = exp(2c + 2bt)`` by least squares on the power
     (emphasises the stronger samples; started from the log-linear fit);
   - ``"powerlaw"``: ``ln A = c + p ln(T + t)`` with ``T + t`` the lapse time
     after origin (P-coda style decay).

   The level ``c`` is then reset so that the trend has the same mean energy as
   the data in the pre-phase window. This removes the bias of log-domain fits
   to fluctuating envelopes (the mean of ``ln A^2`` of a random signal lies
   below ``ln`` of its mean power), so that a coda that just continues the
   background gives an excess of 1 on average.
6. Coda excess ``X = sum_coda A^2 / sum_coda A_trend^2`` over the coda window.
7. Shape on the envelope additionally smoothed over ``coda_smooth_s`` (power
   average): the coda maximum is searched in the coda window
   (``coda_peak_delay_s``, ``coda_rise_db`` = its level over the level at the
   start of the coda window). The coda *ends* at the first time after the
   coda maximum when the envelope is at or below the trend or the noise
   threshold, both with the power factor ``duration_factor``
   (default 2: corrected power ``<= 2 * trend power`` or raw beam power
   ``<= 2 * N0``, i.e. coda power down to the background power). The coda
   maximum counts as coda (``coda_detected``) when it exceeds trend and noise
   by ``detect_factor`` (default 4, 6 dB). ``duration_s`` is
   that time after the theoretical phase time. When the coda is not detected
   the duration is that of the main pulse, searched from the main peak on the
   less smoothed envelope. The duration depends on the extrapolated trend;
   its interval includes that uncertainty (see below). If the envelope never
   returns within the window the duration is the window end and
   ``duration_censored`` is True.
8. Decay: ``ln A + gamma ln(T + t) = c - b t`` fitted by least squares from
   half a ``coda_smooth_s`` after the coda maximum (starting exactly at a
   maximum biases the slope high) to the last sample still ``detect_factor``
   above trend and noise, less ``envelope_smooth_s + 1/bandwidth`` (the blur
   of the band-pass and smoothing),
   with ``gamma = coda_gamma`` fixed (default 0: pure exponential; 1 for
   body-wave geometrical spreading in the Aki-Chouet model
   ``A(t) ~ t^-gamma exp(-pi f t / Qc)``). ``decay_rate_per_s = b`` (amplitude
   decay rate, 1/s) and ``coda_qc = Qc = pi f_c / b`` with ``f_c`` the arithmetic centre
   of the band. Needs ``min_decay_fit_s`` seconds of coda, else NaN.

Uncertainties and significance
------------------------------
All numbers are recomputed for ``bootstrap`` replicates
(``numpy.random.default_rng(seed)``; the same draws for all phases and the
vespagram, so ratios are paired). Each replicate

- resamples the array elements with replacement and rebuilds the envelope
  beams (across-array scatter), and
- refits the pre-phase trend to the trend plus moving-block resampled
  residuals (blocks of ``trend_block_s``, default ``envelope_smooth_s +
  coda_smooth_s + 2/bandwidth``): the extrapolation of a trend fitted to a
  fluctuating envelope is the dominant uncertainty of the excess and the
  station bootstrap alone does not see it; and
- resamples the coda-window energy in moving blocks of the same length (the
  time fluctuation of the coda window itself; conservative for strongly
  decaying codas, whose significance is not in doubt).

Intervals (columns ``*_lo``, ``*_hi``) are percentile intervals at
``confidence`` (default 0.95: 2.5 and 97.5 percentiles). Resampled
*coherent* beams are biased: an element drawn twice adds its incoherent noise
coherently, so replicates carry about twice the incoherent power and a
coherent coda looks weaker; the percentile interval of ``coda_excess`` then
lies low and can exclude a large point estimate. This is conservative for
the significance test. ``ci_method="centred"`` moves the interval of
``coda_excess`` and ``coda_slowness_fraction`` so that the replicate median
falls on the estimate; it is *not* the default because in records without
scattering it turns chance high estimates into false detections. The
coda is **significant** when the lower bound of the coda-excess interval is
above 1 (``coda_excess_lo > 1``), i.e. a one-sided test at level
``(1 - confidence) / 2`` (2.5 % by default); in synthetic records without
scattering 0 of 36 phases came out significant (seeded test records).

Filter ringing: a strong impulsive phase rings through a narrow band-pass
(4-corner zero-phase 1-2 Hz: about 1.5 % of the peak amplitude at +3 s, 0.3 %
at +5 s); for phases much stronger than their background start the coda
window later.

Coda slowness
-------------
For the main phase a slowness vespagram along the event back-azimuth
(slownesses ``vespa_slowness_s_deg = [start, stop, step]`` s/deg, same beam type,
noise-corrected per slowness) is formed over the coda window. For each time
sample the slowness of largest beam power is taken; ``coda_slowness_fraction``
is the energy-weighted fraction of coda samples whose best slowness is at most
``pkikp_like_max_s_deg`` (default 2 s/deg: PKiKP-like, deep origin), and
``coda_best_slowness_s_deg`` the slowness of largest coda energy. The slowness
resolution of an array is roughly ``1/(f * aperture)``: for a 20 km array at
1.5 Hz about 3.7 s/deg, so this separates steep from crustal/mantle energy
only on large arrays or at high frequency. Off-azimuth scattering is not
captured (fixed back-azimuth).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from corephase.io.files import atomic_path
from corephase.model.geometry import KM_PER_DEG
from corephase.model.traveltimes import distance_backazimuth
from corephase.signal.alignment import plane_wave_delays, shift_traces
from corephase.signal.stacking import envelope, envelope_stack

#: Defaults of the ``cfg`` keys understood by :func:`analyse_coda`.
DEFAULT_CODA_CFG: dict = {
    # phases to measure (rows of the table) and the one under study
    "phases": ["PcP", "ScP", "PKiKP"],
    "main_phase": "PKiKP",
    # windows in s relative to each phase's theoretical time
    "prephase_window_s": [-60.0, -5.0],
    "coda_window_s": [3.0, 60.0],
    "peak_search_s": 3.0,
    # noise window in s relative to `noise_reference`
    "noise_window_s": [-100.0, -10.0],
    "noise_reference": "first_arrival",  # or "origin"
    "min_noise_s": 10.0,
    "noise_floor": 0.01,  # clip of the corrected power, fraction of the noise power
    # envelope beams
    "beam_type": "beam",  # "beam" (envelope of linear beam) or "stack" (mean envelope)
    "envelope_smooth_s": 1.0,
    "coda_smooth_s": 4.0,
    # trend, shape and decay
    "trend_model": "exponential",  # "exponential" | "powerlaw" | "loglinear"
    "duration_factor": 2.0,  # power ratio: coda over trend / noise at the coda end
    "detect_factor": 4.0,  # power ratio: coda maximum over trend / noise to count as coda
    "coda_gamma": 0.0,
    "min_decay_fit_s": 5.0,
    # statistics
    "confidence": 0.95,
    "bootstrap": 200,
    "ci_method": "percentile",  # or "centred"
    "trend_block_s": None,  # block length of the trend-residual bootstrap; None: auto
    # coda slowness
    "vespa_slowness_s_deg": [0.0, 12.0, 0.25],
    "pkikp_like_max_s_deg": 2.0,
}

TREND_MODELS = ("exponential", "powerlaw", "loglinear")
BEAM_TYPES = ("beam", "stack")

# Energy-balance quantities whose interval follows ``ci_method`` (others: percentile).
_CENTRED_KEYS = ("coda_excess", "coda_slowness_fraction")

# Numbers with a bootstrap interval (per phase).
_CI_KEYS = (
    "coda_excess",
    "duration_s",
    "decay_rate_per_s",
    "coda_qc",
    "coda_peak_delay_s",
    "coda_rise_db",
    "peak_offset_s",
)


def coda_config(cfg: dict | None = None) -> dict:
    """Merge ``cfg`` over :data:`DEFAULT_CODA_CFG` and validate it.

    Raises
    ------
    ValueError
        On unknown keys, unknown models or inconsistent windows.
    """
    out = {k: (list(v) if isinstance(v, list) else v) for k, v in DEFAULT_CODA_CFG.items()}
    cfg = dict(cfg or {})
    unknown = sorted(set(cfg) - set(out))
    if unknown:
        raise ValueError(f"coda config: unknown key(s) {', '.join(unknown)}")
    out.update(cfg)
    out["phases"] = [str(p) for p in out["phases"]]
    if not out["phases"]:
        raise ValueError("coda config: 'phases' is empty")
    if out["main_phase"] not in out["phases"]:
        raise ValueError(
            f"coda config: main_phase {out['main_phase']!r} is not in phases {out['phases']}"
        )
    if out["trend_model"] not in TREND_MODELS:
        raise ValueError(
            f"coda config: trend_model {out['trend_model']!r} is not one of "
            f"{', '.join(TREND_MODELS)}"
        )
    if out["beam_type"] not in BEAM_TYPES:
        raise ValueError(
            f"coda config: beam_type {out['beam_type']!r} is not one of {', '.join(BEAM_TYPES)}"
        )
    if out["noise_reference"] not in ("first_arrival", "origin"):
        raise ValueError(
            f"coda config: noise_reference {out['noise_reference']!r} must be "
            "'first_arrival' or 'origin'"
        )
    for key in ("prephase_window_s", "coda_window_s", "noise_window_s"):
        w = [float(x) for x in out[key]]
        if len(w) != 2 or not w[0] < w[1]:
            raise ValueError(f"coda config: {key} must be [start, end] with start < end, got {w}")
        out[key] = w
    if out["prephase_window_s"][1] > 0:
        raise ValueError("coda config: prephase_window_s must end before the phase (<= 0 s)")
    if out["coda_window_s"][0] < 0:
        raise ValueError("coda config: coda_window_s must start at or after the phase (>= 0 s)")
    if not 0 < float(out["confidence"]) < 1:
        raise ValueError(f"coda config: confidence must be in (0, 1), got {out['confidence']}")
    if out["ci_method"] not in ("centred", "percentile"):
        raise ValueError(
            f"coda config: ci_method {out['ci_method']!r} must be 'centred' or 'percentile'"
        )
    if out["trend_block_s"] is not None and not float(out["trend_block_s"]) > 0:
        raise ValueError("coda config: trend_block_s must be > 0 or null")
    if int(out["bootstrap"]) < 0:
        raise ValueError("coda config: bootstrap must be >= 0")
    vs = [float(x) for x in out["vespa_slowness_s_deg"]]
    if len(vs) != 3 or vs[2] <= 0 or vs[1] < vs[0]:
        raise ValueError(
            "coda config: vespa_slowness_s_deg must be [start, stop, step] with step > 0"
        )
    out["vespa_slowness_s_deg"] = vs
    for key in (
        "peak_search_s",
        "envelope_smooth_s",
        "coda_smooth_s",
        "noise_floor",
        "duration_factor",
        "detect_factor",
        "min_noise_s",
        "min_decay_fit_s",
    ):
        if float(out[key]) < 0:
            raise ValueError(f"coda config: {key} must be >= 0, got {out[key]}")
    return out


# ---------------------------------------------------------------------------
# small numerical helpers


def _boxcar(x: np.ndarray, dt: float, smooth_s: float) -> np.ndarray:
    """Boxcar smoothing as in :func:`corephase.signal.stacking.envelope_stack`."""
    w = max(round(smooth_s / dt), 1) if smooth_s and smooth_s > 0 else 1
    if w <= 1:
        return x
    return np.convolve(x, np.ones(w) / w, mode="same")


def _masked_boxcar(x: np.ndarray, mask: np.ndarray, dt: float, smooth_s: float) -> np.ndarray:
    """Boxcar mean of ``x`` over the samples in ``mask`` only; 0 outside ``mask``."""
    m = mask.astype(float)
    w = max(round(smooth_s / dt), 1) if smooth_s and smooth_s > 0 else 1
    if w <= 1:
        return x * m
    k = np.ones(w)
    num = np.convolve(x * m, k, mode="same")
    den = np.convolve(m, k, mode="same")
    return np.divide(num, den, out=np.zeros_like(num), where=(den > 0) & mask)


def _bootstrap_ci(
    values, estimate, confidence: float, method: str = "percentile", bounds=None
) -> tuple[float, float]:
    """Bootstrap interval of one quantity from its replicates.

    ``percentile``: the ``(1-c)/2`` and ``(1+c)/2`` quantiles of the
    replicates. ``centred``: the same quantiles moved so that the replicate
    median falls on the point estimate (multiplicatively when the estimate and
    all replicates are positive, additively otherwise). Centring removes the
    systematic offset of station resamples of a *coherent* beam: an element
    drawn twice adds its incoherent noise coherently, so replicates carry
    about twice the incoherent power of the original beam and are biased
    towards lower coherent-to-incoherent ratios; the interval width (the
    across-array scatter) is kept. ``bounds`` clips the result.
    """
    v = np.asarray(values, float)
    v = v[np.isfinite(v)]
    if v.size < 2:
        return float("nan"), float("nan")
    a = (1.0 - confidence) / 2.0
    lo, hi, med = np.quantile(v, [a, 1.0 - a, 0.5])
    if method == "centred" and np.isfinite(estimate):
        if estimate > 0 and np.all(v > 0):
            lo, hi = estimate * lo / med, estimate * hi / med
        else:
            lo, hi = estimate + (lo - med), estimate + (hi - med)
    if bounds is not None:
        lo, hi = np.clip([lo, hi], *bounds)
    return float(lo), float(hi)


def _fit_trend(t_pre, a_fit, a_pre, phase_time, model):
    """Fit the pre-phase background; return (ln-amplitude function, slope).

    The shape is fitted to ``a_fit`` (smoothed envelope), the level set to
    the mean energy of ``a_pre``. ``slope`` is ``d ln A / dt`` (1/s) for
    exponential/loglinear models and the power-law exponent for ``powerlaw``.
    """
    y = np.log(a_fit)
    if model == "powerlaw":
        lapse = phase_time + t_pre
        if np.any(lapse <= 0):
            raise ValueError("powerlaw trend needs the pre-phase window after the origin")
        p, c = np.polyfit(np.log(lapse), y, 1)

        def f(t, c=c, p=p):
            return c + p * np.log(np.maximum(phase_time + np.asarray(t, float), 1e-6))

        slope = p
    else:
        b, c = np.polyfit(t_pre, y, 1)
        if model == "exponential":
            b, c = _fit_exponential_power(t_pre, a_fit**2, b, c)

        def f(t, c=c, b=b):
            return c + b * np.asarray(t, float)

        slope = b
    # Reset the level so that the trend reproduces the mean pre-phase energy.
    k = 0.5 * np.log(np.mean(a_pre**2) / np.mean(np.exp(2.0 * f(t_pre))))

    def g(t, f=f, k=k):
        return f(t) + k

    return g, float(slope)


def _block_resample(x: np.ndarray, rng, block_s: float, dt: float) -> np.ndarray:
    """Moving-block bootstrap resample of the series ``x`` (same length)."""
    n = x.size
    blk = int(np.clip(round(block_s / dt), 1, n))
    starts = rng.integers(0, n - blk + 1, size=int(np.ceil(n / blk)))
    return x[(starts[:, None] + np.arange(blk)[None, :]).reshape(-1)[:n]]


def _resample_trend_data(t_pre, a_fit, a_lev, phase_time, model, rng, block_s, dt):
    """Moving-block bootstrap of the pre-phase data about its fitted trend.

    The residuals ``ln a - trend`` (serially correlated through the envelope
    smoothing) are resampled in blocks of ``block_s`` seconds and added back
    to the trend, for both the shape data and the level data.
    """
    f, _ = _fit_trend(t_pre, a_fit, a_lev, phase_time, model)
    base = f(t_pre)
    idx = _block_resample(np.arange(t_pre.size), rng, block_s, dt)
    r_fit = np.log(a_fit) - base
    r_lev = np.log(a_lev) - base
    return np.exp(base + r_fit[idx]), np.exp(base + r_lev[idx])


def _fit_exponential_power(t, p, b0, c0):
    """Least squares of ``p = exp(2c + 2bt)`` (power domain), Gauss-Newton from (b0, c0)."""
    from scipy.optimize import least_squares

    scale = np.mean(p)
    tc = np.mean(t)

    def resid(x):
        return (np.exp(np.clip(2.0 * (x[0] + x[1] * (t - tc)), -700, 700)) - p) / scale

    x0 = np.array([c0 + b0 * tc, b0])
    try:
        r = least_squares(resid, x0, method="lm")
        c, b = r.x
        if not (np.isfinite(b) and np.isfinite(c)):
            return b0, c0
        return float(b), float(c - b * tc)
    except (ValueError, RuntimeError):
        return b0, c0


def _first_true(mask: np.ndarray) -> int | None:
    idx = np.flatnonzero(mask)
    return int(idx[0]) if idx.size else None


# ---------------------------------------------------------------------------
# one beam -> numbers


def _measure_envelope(
    env,
    t_orig,
    phase_time,
    noise_mask,
    cfg,
    fc,
    bw,
    dt,
    keep_curves=False,
    rng=None,
    block_s=5.0,
):
    """Measure one smoothed envelope beam (time axis ``t_orig`` s after origin).

    With ``rng`` the pre-phase trend is refitted to its fit plus moving-block
    resampled residuals (blocks of ``block_s``), for the bootstrap.
    """
    out = {k: np.nan for k in _CI_KEYS}
    t = t_orig - phase_time
    power = env**2
    n0 = float(np.mean(power[noise_mask]))
    if not n0 > 0:
        out["qc"] = "zero noise power"
        return out, None
    pc = np.maximum(power - n0, cfg["noise_floor"] * n0)
    amp = np.sqrt(pc)
    ps = cfg["peak_search_s"]
    pk = np.abs(t) <= ps
    if not pk.any():
        out["qc"] = "peak search window outside record"
        return out, None
    ipk = np.flatnonzero(pk)[np.argmax(amp[pk])]
    apk = amp[ipk]
    a = amp / apk
    out["peak_offset_s"] = float(t[ipk])
    out["peak_snr"] = float(np.sqrt(power[ipk] / n0))
    out["noise_power"] = n0
    noise_level = float(np.sqrt(n0) / apk)
    out["log10_noise_level"] = float(np.log10(noise_level))

    pre = (t >= cfg["prephase_window_s"][0]) & (t <= cfg["prephase_window_s"][1])
    coda = (t >= cfg["coda_window_s"][0]) & (t <= cfg["coda_window_s"][1])
    # shape measurements and the trend shape use the power-smoothed envelope,
    # smoothed inside each window only (the main pulse must not leak into them)
    cs = cfg["coda_smooth_s"]
    a_s = np.sqrt(_masked_boxcar(a**2, pre, dt, cs) + _masked_boxcar(a**2, coda, dt, cs))
    raw_s = _masked_boxcar(power, pre, dt, cs) + _masked_boxcar(power, coda, dt, cs)
    a_fit, a_lev = a_s[pre], a[pre]
    if rng is not None:
        a_fit, a_lev = _resample_trend_data(
            t[pre], a_fit, a_lev, phase_time, cfg["trend_model"], rng, block_s, dt
        )
    trend, slope = _fit_trend(t[pre], a_fit, a_lev, phase_time, cfg["trend_model"])
    out["trend_slope"] = slope
    trend_a = np.exp(np.clip(trend(t), -300.0, 300.0))  # no overflow in wild replicates
    if rng is None:
        e_obs = float(np.sum(a[coda] ** 2))
    else:  # moving-block resample of the coda window (its own time fluctuation)
        e_obs = float(np.sum(_block_resample(a[coda] ** 2, rng, block_s, dt)))
    e_tr = float(np.sum(trend_a[coda] ** 2))
    out["coda_excess"] = e_obs / e_tr if e_tr > 0 else np.nan

    fd, fdet = cfg["duration_factor"], cfg["detect_factor"]
    below = (a_s**2 <= fd * trend_a**2) | (raw_s <= fd * n0)
    ic = np.flatnonzero(coda)
    icmax = ic[np.argmax(a_s[ic])]
    out["coda_peak_delay_s"] = float(t[icmax])
    out["coda_rise_db"] = float(20.0 * np.log10(a_s[icmax] / a_s[ic[0]]))
    detected = bool(a_s[icmax] ** 2 > fdet * trend_a[icmax] ** 2 and raw_s[icmax] > fdet * n0)
    out["coda_detected"] = bool(detected)
    if detected:
        start = icmax
    else:  # duration of the main pulse, on the less smoothed envelope
        start = ipk
        below = (a**2 <= fd * trend_a**2) | (power <= fd * n0)
    j = _first_true(below[start : ic[-1] + 1])
    if j is None:
        iend = ic[-1]
        out["duration_censored"] = True
    else:
        iend = start + j
        out["duration_censored"] = False
    out["duration_s"] = float(t[iend])

    # decay fit from the coda maximum to the last sample of the (less smoothed)
    # envelope that is still detect_factor above trend and noise
    gamma = float(cfg["coda_gamma"])
    i0 = min(max(icmax, ic[0]) + round(0.5 * cfg["coda_smooth_s"] / dt), iend)
    strong = (a[i0 : iend + 1] ** 2 > fdet * trend_a[i0 : iend + 1] ** 2) & (
        power[i0 : iend + 1] > fdet * n0
    )
    i1 = i0 + (int(np.flatnonzero(strong)[-1]) if strong.any() else 0)
    # the band-pass (~1/bandwidth) and the envelope smoothing blur the end
    blur = cfg["envelope_smooth_s"] + 1.0 / bw
    i1 = max(i0, i1 - round(blur / dt))
    fit_sl = slice(i0, i1 + 1)
    fit_t = t[fit_sl]
    if detected and fit_t.size >= 3 and fit_t[-1] - fit_t[0] >= cfg["min_decay_fit_s"]:
        yy = np.log(a[fit_sl]) + gamma * np.log(phase_time + fit_t)
        nb, c = np.polyfit(fit_t, yy, 1)
        b = -nb
        out["decay_rate_per_s"] = float(b)
        out["coda_qc"] = float(np.pi * fc / b) if b > 0 else np.nan
        fit_line = (c + nb * fit_t - gamma * np.log(phase_time + fit_t)) / np.log(10.0)
    else:
        fit_t = fit_line = np.array([])
    curves = None
    if keep_curves:
        curves = {
            "t": t,
            "log10_env": np.log10(a),
            "log10_env_smooth": np.log10(np.where(a_s > 0, a_s, np.nan)),
            "log10_trend": np.log10(trend_a),
            "prephase_mask": pre,
            "coda_mask": coda,
            "decay_fit_t": fit_t,
            "decay_fit_log10": fit_line,
        }
    return out, curves


# ---------------------------------------------------------------------------
# input checking


def _code_matches(tr, code: str) -> bool:
    if code == tr.id or code == tr.stats.station:
        return True
    parts = code.split(".")
    return len(parts) == 4 and parts[:2] == [tr.stats.network, tr.stats.station]


def _stream_matrix(stream, geometry):
    """Data matrix (n_elements, n_samples), dt and start time; checks the stream."""
    if len(stream) != len(geometry):
        raise ValueError(
            f"stream has {len(stream)} traces but geometry {geometry.name!r} has "
            f"{len(geometry)} elements"
        )
    if len(stream) < 2:
        raise ValueError("coda analysis needs at least 2 array elements")
    for tr, code in zip(stream, geometry.codes, strict=False):
        if not _code_matches(tr, code):
            raise ValueError(
                f"trace {tr.id} does not match geometry element {code!r}: traces must be "
                "ordered like geometry.codes"
            )
    rates = {float(tr.stats.sampling_rate) for tr in stream}
    if len(rates) != 1:
        raise ValueError(f"traces have different sampling rates {sorted(rates)} Hz")
    dt = 1.0 / rates.pop()
    t0 = stream[0].stats.starttime
    for tr in stream:
        if abs(tr.stats.starttime - t0) > 0.5 * dt:
            raise ValueError(
                f"trace {tr.id} starts at {tr.stats.starttime}, not at the common start {t0}"
            )
    n = min(tr.stats.npts for tr in stream)
    data = np.vstack([np.asarray(tr.data[:n], float) for tr in stream])
    if not np.all(np.isfinite(data)):
        raise ValueError("stream contains NaN or infinite samples (gaps must be handled first)")
    return data, dt, t0


# ---------------------------------------------------------------------------
# public API


def analyse_coda(stream, geometry, event, arrivals, band_label, band_hz, cfg=None, seed=0):
    """Coda excess, shape and slowness of core phases for one event, array and band.

    Parameters
    ----------
    stream : obspy.Stream
        Traces preprocessed (e.g. band-passed) for one band, one per array
        element, ordered like ``geometry.codes``, common start time and
        sampling rate.
    geometry : corephase.model.geometry.ArrayGeometry
        Element coordinates; the beams are referred to ``ref_lat, ref_lon``.
    event : corephase.model.events.Event
        Origin time, epicentre (for the back-azimuth) and id.
    arrivals : dict of str to corephase.model.traveltimes.PhaseArrival
        Theoretical arrivals at the array reference point (time in s after
        origin, slowness in s/deg). Must contain the configured phases; may
        contain more (e.g. ``"P"``): the earliest of all defines the noise
        reference when ``noise_reference="first_arrival"``, and any of them
        inside a phase's pre-phase or coda window is listed in
        ``contaminating_phases``.
    band_label : str
        Band name used in the table (e.g. ``"1-2Hz"``).
    band_hz : (float, float)
        Band corners in Hz; the coda Qc uses the arithmetic centre.
    cfg : dict, optional
        Overrides of :data:`DEFAULT_CODA_CFG` (see the module docstring).
    seed : int
        Seed of the station bootstrap (``numpy.random.default_rng``).

    Returns
    -------
    table : pandas.DataFrame
        One row per configured phase with the measurements, their bootstrap
        intervals (``*_lo``, ``*_hi``), ``coda_significant`` and a ``qc``
        column (empty when fine, else the reason the row has NaNs). The
        main-phase row also holds the coda-slowness results and the ratios
        ``duration_ratio_<ref>`` and ``decay_ratio_<ref>`` (main over
        reference phase, paired bootstrap intervals).
    arrays : dict
        Curves for plotting (see :func:`corephase.plotting.coda`): ``"meta"``;
        ``"phases"`` -> phase -> ``t`` (s relative to the theoretical phase
        time), ``log10_env`` (normalised, noise-corrected), ``log10_env_smooth``,
        ``log10_trend`` (fit and extrapolation), window limits, decay fit and
        the key numbers; ``"vespagram"`` -> ``slowness_s_deg``, ``t``,
        ``log10_power`` (normalised coda power of each slowness beam).

    Raises
    ------
    ValueError
        When the stream does not match the geometry, the configuration is
        invalid, or the noise window holds less than ``min_noise_s`` of data.
    """
    cfg = coda_config(cfg)
    f1, f2 = (float(x) for x in band_hz)
    if not 0 < f1 < f2:
        raise ValueError(f"band {band_label!r}: corners must satisfy 0 < f1 < f2, got {band_hz}")
    fc = 0.5 * (f1 + f2)
    data, dt, t0 = _stream_matrix(stream, geometry)
    n_el, n = data.shape
    t_orig = (t0 - event.origin) + dt * np.arange(n)
    _, baz, _ = distance_backazimuth(
        event.latitude, event.longitude, geometry.ref_lat, geometry.ref_lon
    )
    east, north = geometry.offsets_km()

    # noise window (absolute, s after origin)
    if cfg["noise_reference"] == "first_arrival":
        if not arrivals:
            raise ValueError("no arrivals given: cannot place the noise window")
        ref = min(a.time for a in arrivals.values())
    else:
        ref = 0.0
    nw = (ref + cfg["noise_window_s"][0], ref + cfg["noise_window_s"][1])
    noise_mask = (t_orig >= nw[0]) & (t_orig <= nw[1])
    # keep away from the record edges (envelope and shift edge effects)
    edge = max(2.0, cfg["envelope_smooth_s"], cfg["coda_smooth_s"])
    noise_mask &= (t_orig >= t_orig[0] + edge) & (t_orig <= t_orig[-1] - edge)
    if noise_mask.sum() * dt < cfg["min_noise_s"]:
        raise ValueError(
            f"noise window {nw[0]:.1f}..{nw[1]:.1f} s after origin holds "
            f"{noise_mask.sum() * dt:.1f} s of the record ({t_orig[0]:.1f}..{t_orig[-1]:.1f} s); "
            f"need at least min_noise_s={cfg['min_noise_s']} s"
        )

    # per-phase beams (aligned traces or element envelopes)
    nboot = int(cfg["bootstrap"])
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, n_el, size=(nboot, n_el))
    trend_seeds = rng.integers(0, 2**63 - 1, size=nboot)
    block_s = cfg["trend_block_s"]
    if block_s is None:
        block_s = cfg["envelope_smooth_s"] + cfg["coda_smooth_s"] + 2.0 / (f2 - f1)
    phases = cfg["phases"]
    main = cfg["main_phase"]
    rows: dict[str, dict] = {}
    curves: dict[str, dict] = {}
    boots: dict[str, dict[str, np.ndarray]] = {}
    for ph in phases:
        row = _base_row(geometry, event, band_label, f1, f2, ph, baz, cfg, n_el)
        rows[ph] = row
        arr = arrivals.get(ph)
        if arr is None:
            row["qc"] = f"no theoretical arrival for {ph}"
            continue
        row["phase_time_s"] = float(arr.time)
        row["slowness_s_deg"] = float(arr.slowness_s_deg)
        row["contaminating_phases"] = ",".join(
            f"{k}@{a.time - arr.time:+.1f}s"
            for k, a in sorted(arrivals.items(), key=lambda kv: kv[1].time)
            if k != ph
            and cfg["prephase_window_s"][0] <= a.time - arr.time <= cfg["coda_window_s"][1]
        )
        lo = arr.time + cfg["prephase_window_s"][0] - edge
        hi = arr.time + cfg["coda_window_s"][1] + edge
        if lo < t_orig[0] or hi > t_orig[-1]:
            row["qc"] = (
                f"windows of {ph} ({lo:.1f}..{hi:.1f} s after origin) outside the record "
                f"({t_orig[0]:.1f}..{t_orig[-1]:.1f} s)"
            )
            continue
        if arr.time + cfg["prephase_window_s"][0] <= 0 and cfg["trend_model"] == "powerlaw":
            row["qc"] = f"pre-phase window of {ph} starts before the origin (powerlaw trend)"
            continue
        delays = plane_wave_delays(east, north, arr.slowness_s_km, baz)
        aligned = shift_traces(data, delays, dt)
        beam_env = _beam_builder(aligned, dt, cfg)
        meas, cur = _measure_envelope(
            beam_env(None), t_orig, arr.time, noise_mask, cfg, fc, f2 - f1, dt, keep_curves=True
        )
        row.update(meas)
        if cur is not None:
            cur.update(
                phase_time_s=float(arr.time),
                prephase_window_s=cfg["prephase_window_s"],
                coda_window_s=cfg["coda_window_s"],
                log10_noise_level=meas.get("log10_noise_level", np.nan),
                coda_excess=meas["coda_excess"],
                duration_s=meas["duration_s"],
                decay_rate_per_s=meas["decay_rate_per_s"],
            )
            curves[ph] = cur
        if meas.get("qc"):
            continue
        reps = {k: np.full(nboot, np.nan) for k in _CI_KEYS}
        # same trend-resampling streams for every phase (paired replicates)
        trend_rngs = [np.random.default_rng(int(x)) for x in trend_seeds]
        for ib in range(nboot):
            m, _ = _measure_envelope(
                beam_env(draws[ib]),
                t_orig,
                arr.time,
                noise_mask,
                cfg,
                fc,
                f2 - f1,
                dt,
                rng=trend_rngs[ib],
                block_s=block_s,
            )
            for k in _CI_KEYS:
                reps[k][ib] = m.get(k, np.nan)
        boots[ph] = reps
        for k in _CI_KEYS:
            how = cfg["ci_method"] if k in _CENTRED_KEYS else "percentile"
            row[f"{k}_lo"], row[f"{k}_hi"] = _bootstrap_ci(reps[k], row[k], cfg["confidence"], how)
        row["bootstrap_valid"] = int(np.isfinite(reps["coda_excess"]).sum())
        row["coda_significant"] = bool(row["coda_excess_lo"] > 1.0)
        if ph in curves:
            curves[ph]["coda_excess_ci"] = (row["coda_excess_lo"], row["coda_excess_hi"])
            curves[ph]["coda_significant"] = row["coda_significant"]

    # ratios main / reference phases (paired bootstrap)
    mrow = rows[main]
    for ph in phases:
        if ph == main:
            continue
        for name, key in (("duration_ratio", "duration_s"), ("decay_ratio", "decay_rate_per_s")):
            col = f"{name}_{ph}"
            mrow[col] = _safe_ratio(mrow.get(key, np.nan), rows[ph].get(key, np.nan))
            if main in boots and ph in boots:
                with np.errstate(divide="ignore", invalid="ignore"):
                    r = boots[main][key] / boots[ph][key]
                mrow[f"{col}_lo"], mrow[f"{col}_hi"] = _bootstrap_ci(
                    r, mrow[col], cfg["confidence"], "percentile"
                )
            else:
                mrow[f"{col}_lo"] = mrow[f"{col}_hi"] = np.nan

    # coda slowness of the main phase
    vespa = None
    marr = arrivals.get(main)
    if marr is not None and not mrow.get("qc"):
        vespa, vres = _coda_vespagram(
            data, dt, t_orig, east, north, baz, marr.time, noise_mask, cfg, draws
        )
        mrow.update(vres)

    table = pd.DataFrame([rows[ph] for ph in phases])
    arrays = {
        "meta": {
            "array": geometry.name,
            "event_id": event.id,
            "band_label": band_label,
            "band_hz": [f1, f2],
            "main_phase": main,
            "baz_deg": baz,
            "trend_model": cfg["trend_model"],
            "confidence": float(cfg["confidence"]),
        },
        "phases": curves,
        "vespagram": vespa,
    }
    return table, arrays


def _safe_ratio(a, b) -> float:
    a, b = float(a), float(b)
    if not (np.isfinite(a) and np.isfinite(b)) or b == 0:
        return float("nan")
    return a / b


def _base_row(geometry, event, band_label, f1, f2, phase, baz, cfg, n_el) -> dict:
    row = {
        "array": geometry.name,
        "event_id": event.id,
        "band": band_label,
        "fmin_hz": f1,
        "fmax_hz": f2,
        "phase": phase,
        "is_main_phase": phase == cfg["main_phase"],
        "phase_time_s": np.nan,
        "slowness_s_deg": np.nan,
        "baz_deg": float(baz),
        "n_elements": int(n_el),
        "beam_type": cfg["beam_type"],
        "trend_model": cfg["trend_model"],
        "confidence": float(cfg["confidence"]),
        "bootstrap": int(cfg["bootstrap"]),
        "bootstrap_valid": 0,
        "noise_power": np.nan,
        "log10_noise_level": np.nan,
        "peak_snr": np.nan,
        "trend_slope": np.nan,
        "coda_significant": False,
        "coda_detected": False,
        "duration_censored": False,
        "contaminating_phases": "",
        "qc": "",
    }
    for k in _CI_KEYS:
        row[k] = np.nan
        row[f"{k}_lo"] = np.nan
        row[f"{k}_hi"] = np.nan
    return row


def _beam_builder(aligned, dt, cfg):
    """Return ``f(idx) -> smoothed envelope beam`` of the elements ``idx`` (None: all)."""
    smooth = cfg["envelope_smooth_s"]
    if cfg["beam_type"] == "beam":

        def f(idx):
            sel = aligned if idx is None else aligned[idx]
            return envelope_stack(sel.mean(axis=0)[None, :], dt, smooth)

    else:
        env_el = envelope(aligned)

        def f(idx):
            sel = env_el if idx is None else env_el[idx]
            # identical to envelope_stack(aligned[idx], dt, smooth): the mean is linear
            return _boxcar(sel.mean(axis=0), dt, smooth)

    return f


def _coda_vespagram(data, dt, t_orig, east, north, baz, phase_time, noise_mask, cfg, draws):
    """Coda-window vespagram of the main phase and the PKiKP-like energy fraction."""
    s0, s1, ds = cfg["vespa_slowness_s_deg"]
    slow = np.arange(s0, s1 + 0.5 * ds, ds)
    t = t_orig - phase_time
    cw = cfg["coda_window_s"]
    coda = (t >= cw[0]) & (t <= cw[1])
    # work on two short segments (noise, coda) to keep the bootstrap cheap
    pad = max(10.0, 3 * cfg["envelope_smooth_s"])
    seg_c = np.flatnonzero((t >= cw[0] - pad) & (t <= cw[1] + pad))
    seg_n = np.flatnonzero(noise_mask)
    seg_n = np.arange(max(seg_n[0] - int(pad / dt), 0), min(seg_n[-1] + int(pad / dt) + 1, t.size))
    in_c = coda[seg_c]
    in_n = noise_mask[seg_n]
    delays = plane_wave_delays(east, north, slow / KM_PER_DEG, baz)  # (n_s, n_el)
    # Every beam is a weighted mean of the aligned elements: row 0 weighs all
    # elements equally, row k the elements of bootstrap draw k by their counts.
    # All draws of one slowness are then one matrix product and one batched
    # envelope, instead of a beam per draw.
    n_el = data.shape[0]
    weights = np.empty((1 + len(draws), n_el))
    weights[0] = 1.0 / n_el
    for k, d in enumerate(draws, start=1):
        weights[k] = np.bincount(d, minlength=n_el) / len(d)
    smooth = cfg["envelope_smooth_s"]

    def beam_envelopes(x):
        if cfg["beam_type"] == "beam":
            env = envelope(weights @ x)
        else:
            env = weights @ envelope(x)
        return np.array([_boxcar(row, dt, smooth) for row in env])

    n_c = int(in_c.sum())
    p_all = np.empty((weights.shape[0], slow.size, n_c))
    for i, d in enumerate(delays):
        al = shift_traces(data, d, dt)
        n0 = np.mean(beam_envelopes(al[:, seg_n])[:, in_n] ** 2, axis=1)[:, None]
        pc = beam_envelopes(al[:, seg_c])[:, in_c] ** 2 - n0
        p_all[:, i] = np.maximum(pc, cfg["noise_floor"] * n0)

    thr = cfg["pkikp_like_max_s_deg"]

    def stats(p):
        best = np.argmax(p, axis=0)
        pbest = p[best, np.arange(p.shape[1])]
        frac = float(np.sum(pbest[slow[best] <= thr]) / np.sum(pbest))
        return frac, float(slow[np.argmax(p.sum(axis=1))])

    p = p_all[0]
    frac, sbest = stats(p)
    reps = np.array([stats(pk) for pk in p_all[1:]]) if len(draws) else np.empty((0, 2))
    res = {
        "coda_slowness_fraction": frac,
        "coda_best_slowness_s_deg": sbest,
        "pkikp_like_max_s_deg": float(thr),
    }
    conf, how = cfg["confidence"], cfg["ci_method"]
    res["coda_slowness_fraction_lo"], res["coda_slowness_fraction_hi"] = _bootstrap_ci(
        reps[:, 0] if len(reps) else [], frac, conf, how, bounds=(0.0, 1.0)
    )
    res["coda_best_slowness_s_deg_lo"], res["coda_best_slowness_s_deg_hi"] = _bootstrap_ci(
        reps[:, 1] if len(reps) else [], sbest, conf, "percentile"
    )
    vespa = {
        "slowness_s_deg": slow,
        "t": t[seg_c][in_c],
        "log10_power": np.log10(p / p.max()),
        "pkikp_like_max_s_deg": float(thr),
        "coda_slowness_fraction": frac,
    }
    return vespa, res


# ---------------------------------------------------------------------------
# tables and plot data on disk


def aggregate_coda_tables(paths) -> pd.DataFrame:
    """Concatenate per-(event, array, band) coda tables (CSV, TSV or Parquet).

    Parameters
    ----------
    paths : iterable of str or Path
        Files written by :func:`write_coda_table` (format from the suffix:
        ``.parquet``, ``.tsv``, otherwise CSV).

    Returns
    -------
    pandas.DataFrame
        All rows, sorted by event, array, band and phase; empty with no paths.
    """
    frames = []
    for p in paths:
        p = Path(p)
        if not p.is_file():
            raise FileNotFoundError(f"coda table {p} does not exist")
        if p.suffix == ".parquet":
            df = pd.read_parquet(p)
        elif p.suffix == ".tsv":
            df = pd.read_csv(p, sep="\t", keep_default_na=True)
        else:
            df = pd.read_csv(p)
        if not df.empty:
            frames.append(df)
    if not frames:
        return pd.DataFrame()
    out = pd.concat(frames, ignore_index=True, sort=False)
    keys = [k for k in ("event_id", "array", "band", "phase") if k in out.columns]
    if keys:
        out = out.sort_values(keys, kind="stable").reset_index(drop=True)
    if "qc" in out.columns:
        out["qc"] = out["qc"].fillna("")
    return out


def write_coda_table(table: pd.DataFrame, path) -> None:
    """Write a coda table atomically (``.parquet``, ``.tsv`` or CSV by suffix)."""
    path = Path(path)
    with atomic_path(path) as tmp:
        if path.suffix == ".parquet":
            table.to_parquet(tmp, index=False)
        elif path.suffix == ".tsv":
            table.to_csv(tmp, sep="\t", index=False)
        else:
            table.to_csv(tmp, index=False)


def save_coda_arrays(arrays: dict, path) -> None:
    """Save the plotting dict of :func:`analyse_coda` to ``.npz`` (atomically)."""
    path = Path(path)
    flat: dict[str, np.ndarray] = {}
    scalars: dict = {"meta": arrays.get("meta", {}), "phases": {}, "vespagram": None}
    for ph, cur in (arrays.get("phases") or {}).items():
        scalars["phases"][ph] = {}
        for k, v in cur.items():
            if isinstance(v, np.ndarray):
                flat[f"phases/{ph}/{k}"] = v
            else:
                scalars["phases"][ph][k] = _jsonable(v)
    ves = arrays.get("vespagram")
    if ves is not None:
        scalars["vespagram"] = {}
        for k, v in ves.items():
            if isinstance(v, np.ndarray):
                flat[f"vespagram/{k}"] = v
            else:
                scalars["vespagram"][k] = _jsonable(v)
    flat["__json__"] = np.array(json.dumps(_jsonable(scalars)))
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        np.savez_compressed(fh, **flat)


def load_coda_arrays(path) -> dict:
    """Inverse of :func:`save_coda_arrays`."""
    with np.load(Path(path), allow_pickle=False) as z:
        out = json.loads(str(z["__json__"]))
        for key in z.files:
            if key == "__json__":
                continue
            parts = key.split("/")
            if parts[0] == "phases":
                out["phases"].setdefault(parts[1], {})[parts[2]] = z[key]
            else:
                out["vespagram"][parts[1]] = z[key]
    return out


def _jsonable(v):
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_jsonable(x) for x in v]
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not np.isfinite(v):
        return None
    return v
