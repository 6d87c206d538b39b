"""Significance of a coda excess calibrated on the pair's own record.

The same excess measurement (same beam, same windows, same arrival masks) is
made at *pseudo-phase* times: times of the record where no predicted arrival
(its mask ``arrival_mask_s``) reaches the peak-search or the coda window,
whose windows lie in the usable (untapered) record, and whose coda window
does not overlap the studied phase's coda window. Arrivals in the pre-phase
window are allowed (and masked), as before a real phase. With the default
record window (from P - 600 s) most such windows lie in the pre-P noise and
between the last S-type arrival and PKIIKP. Their excesses are the null
distribution of a record without a coda at that time. The p-value of an
excess ``x`` against ``n`` null values is ``(1 + #{null >= x}) / (1 + n)``;
the call needs it at most ``coda.false_positive_rate`` (alpha) and, with a
bootstrap, the lower interval bound above 1 (see ``analyse._decide``).
Pseudo-phase windows overlap (step ``coda.null_step_s``), so the null
values are correlated and the p-value is approximate; with fewer than
``ceil(1/alpha) - 1`` windows no excess can be significant and the row says so.

Times are s after origin unless stated.
"""

from __future__ import annotations

import math

import numpy as np

from corephase.analysis.coda.measure import Record, background, excess, windows
from corephase.config.coda import CodaSettings


def pseudo_phase_times(rec: Record, arrivals: dict, phase_time: float, s: CodaSettings):
    """Pseudo-phase times (s after origin) for the null distribution of one phase.

    Parameters
    ----------
    rec : Record
        The record (its ``edge_s`` includes the tapers).
    arrivals : dict of str to PhaseArrival
        Every predicted arrival (the studied phase included).
    phase_time : float
        Theoretical time of the studied phase, s after origin.
    s : CodaSettings

    Returns
    -------
    numpy.ndarray
        Candidate times on a grid of ``null_step_s``.
    """
    t0 = rec.t_orig[0] + rec.edge_s - s.prephase_window_s[0]
    t1 = rec.t_orig[-1] - rec.edge_s - s.coda_window_s[1]
    if t1 < t0:
        return np.array([])
    taus = np.arange(t0, t1 + 1e-9, s.null_step_s)
    times = np.array([a.time for a in arrivals.values()])
    m0, m1 = s.arrival_mask_s
    c0, c1 = s.coda_window_s
    clear = np.ones(taus.size, bool)
    if times.size:  # no arrival's mask reaches the peak-search or the coda window
        d = taus[:, None] - times[None, :]
        clear = ~np.any((d <= m1 + s.peak_search_s) & (d >= m0 - c1), axis=1)
    apart = (taus + c1 < phase_time + c0) | (taus + c0 > phase_time + c1)
    return taus[clear & apart]


def null_excesses(env, rec: Record, taus, exclude, s: CodaSettings, *, unmasked: bool = False):
    """Coda excess of the envelope beam ``env`` at each pseudo-phase time in ``taus``.

    ``exclude`` (bool, on ``rec.t_orig``, or None) masks predicted arrivals as
    in the measurement of the phase. Windows masked beyond
    ``min_window_fraction`` give NaN. A ``powerlaw`` trend needs positive
    lapse times: a pseudo-phase whose pre-phase window starts before the
    origin (pre-P noise) is fitted as if its window started ``null_step_s``
    after the origin.

    With ``unmasked`` the result is a pair: the excesses with ``exclude`` and
    those without it (the same numbers as a second call with ``exclude=None``;
    a window that ``exclude`` leaves untouched is measured once for both).
    """
    power = np.asarray(env, float) ** 2
    n0 = float(np.mean(power[rec.noise_mask]))
    out = np.full((2, len(taus)), np.nan)
    for i, tau in enumerate(taus):
        sl = _segment(rec, tau, s)
        t = rec.t_orig[sl] - tau
        lapse_tau = max(tau, s.null_step_s - s.prephase_window_s[0])
        ex = None if exclude is None else exclude[sl]
        out[0, i] = _excess_at(power[sl], t, ex, n0, rec.dt, lapse_tau, s)
        if unmasked:
            clear = ex is None or not ex.any()
            out[1, i] = (
                out[0, i] if clear else _excess_at(power[sl], t, None, n0, rec.dt, lapse_tau, s)
            )
    return (out[0], out[1]) if unmasked else out[0]


def _excess_at(power, t, exclude, n0: float, dt: float, lapse_tau: float, s: CodaSettings):
    """Coda excess of one pseudo-phase (``t`` s relative to it), NaN when masked out."""
    pre, coda, why = windows(t, s, exclude)
    if why:
        return np.nan
    return excess(power, background(power, t, pre, coda, n0, dt, lapse_tau, s))


def _segment(rec: Record, tau: float, s: CodaSettings) -> slice:
    """Samples of the windows of a pseudo-phase at ``tau`` plus a smoothing margin."""
    margin = s.coda_smooth_s + rec.dt
    i0 = np.searchsorted(rec.t_orig, tau + s.prephase_window_s[0] - margin)
    i1 = np.searchsorted(rec.t_orig, tau + s.coda_window_s[1] + margin, side="right")
    return slice(int(i0), int(i1))


def null_test(x: float, null, alpha: float) -> tuple[float, float, str]:
    """P-value of ``x`` against the null values, the threshold at level ``alpha``, a reason.

    Returns
    -------
    p_value : float
        ``(1 + #{null >= x}) / (1 + n)`` over the finite null values; NaN when
        ``x`` is not finite or there is no null value.
    threshold : float
        The excess that must be exceeded for ``p <= alpha``; NaN when the
        null has fewer than ``ceil(1/alpha) - 1`` values.
    reason : str
        Why the p-value or the threshold is NaN, or ``""``.
    """
    v = np.asarray(null, float)
    v = np.sort(v[np.isfinite(v)])[::-1]
    n = v.size
    need = math.ceil(1.0 / alpha) - 1
    if n == 0:
        return np.nan, np.nan, "no pseudo-phase window clear of predicted arrivals in the record"
    k = math.floor(alpha * (n + 1)) - 1  # null values allowed at or above x
    thr = float(v[k]) if k >= 0 else np.nan
    why = "" if k >= 0 else f"{n} null windows, need {need} for level {alpha:g}"
    if not np.isfinite(x):
        return np.nan, thr, why or "no excess measured"
    return float((1 + np.sum(v >= x)) / (1 + n)), thr, why
