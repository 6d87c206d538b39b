"""Monte Carlo uncertainty of an experiment: thresholds, detection intervals and ties.

- Thresholds at a nominal false-alarm rate ``pfa`` for any trial count: the
  ``1 - pfa`` quantile of the noise-only statistic with the Weibull plotting
  position (``numpy.quantile(..., method="weibull")``, the order statistic
  ``k = (T + 1)(1 - pfa)`` interpolated linearly). The ``k``-th of ``T``
  order statistics is exceeded by a new noise trial with probability
  ``(T + 1 - k) / (T + 1)`` whatever the noise distribution, so the expected
  false-alarm rate on independent noise is ``pfa`` at every ``T`` (the
  ``higher`` quantile with a strict ``>`` used before was exceeded by 0.033,
  0.040 and 0.045 of the trials at 60, 100 and 200 trials for 0.05; this one by
  0.050 at all three). The achieved rate, the fraction of the noise trials
  above the threshold, is reported (:func:`achieved_pfa`).
- Detection probabilities with their Wilson score interval
  (:func:`wilson_interval`, SciPy's ``binomtest(...).proportion_ci``).
- Layouts whose intervals overlap the leader's are reported as tied
  (:func:`ties`).
"""

from __future__ import annotations

import numpy as np


def threshold(noise_stat, pfa: float) -> float:
    """Detection threshold at false-alarm rate ``pfa`` from noise-only trials.

    Parameters
    ----------
    noise_stat : array_like
        Detection statistic of the noise-only trials.
    pfa : float
        Nominal false-alarm rate; at least ``1 / (T + 1)`` to be resolved by
        ``T`` trials (smaller rates give the largest noise value).

    Returns
    -------
    float
        The Weibull-position ``1 - pfa`` quantile; detection is ``stat > threshold``.
    """
    return float(thresholds(noise_stat, [pfa])[0])


def thresholds(noise_stat, pfas) -> np.ndarray:
    """:func:`threshold` at each false-alarm rate of ``pfas``, from one sort of the
    noise-only statistic (the same values as one call per rate)."""
    a = np.asarray(noise_stat, float).ravel()
    t = a.size
    q = np.clip(1.0 - np.asarray(pfas, float), 1.0 / (t + 1), t / (t + 1))
    return np.quantile(a, q, method="weibull")


def achieved_pfa(noise_stat, thr: float) -> float:
    """Fraction of the noise-only trials whose statistic exceeds ``thr`` (the achieved rate)."""
    a = np.asarray(noise_stat, float).ravel()
    return float(np.mean(a > thr)) if a.size else float("nan")


def wilson_interval(successes, trials, confidence: float = 0.95) -> tuple:
    """Wilson score interval of a binomial proportion (arrays broadcast).

    Parameters
    ----------
    successes, trials : int or array_like of int
    confidence : float
        Two-sided confidence level.

    Returns
    -------
    (low, high) : numpy.ndarray
        Bounds in [0, 1] (NaN where ``trials`` is 0): those of
        :func:`scipy.stats.binomtest` ``.proportion_ci(method="wilson")``,
        computed term by term as SciPy does (Newcombe 1998; equal, tested)
        without importing :mod:`scipy.stats` (1 s per job).
    """
    from scipy.special import ndtri

    z = ndtri(0.5 + 0.5 * confidence)
    k = np.atleast_1d(np.asarray(successes, int))
    n = np.broadcast_to(np.atleast_1d(np.asarray(trials, int)), k.shape)
    lo, hi = np.full(k.shape, np.nan), np.full(k.shape, np.nan)
    for i, (kk, nn) in enumerate(zip(k.ravel(), n.ravel(), strict=True)):
        if nn > 0:
            lo.flat[i], hi.flat[i] = _wilson_bounds(int(kk), int(nn), z)
    return lo, hi


def _wilson_bounds(k: int, n: int, z) -> tuple[float, float]:
    """Wilson bounds of ``k`` successes in ``n`` trials, ``z`` the two-sided normal quantile."""
    if not 0 <= k <= n:
        raise ValueError(f"successes {k} outside 0..{n}")
    p = k / n
    denom = 2 * (n + z**2)
    center = (2 * n * p + z**2) / denom
    delta = z / denom * np.sqrt(4 * n * p * (1 - p) + z**2)
    return (0.0 if k == 0 else float(center - delta)), (1.0 if k == n else float(center + delta))


def ties(low, high, leader: int) -> np.ndarray:
    """Indices of the entries whose interval ``[low, high]`` overlaps the leader's.

    The leader itself is not included. Overlapping intervals mean the Monte
    Carlo cannot tell the two apart at the interval's confidence.
    """
    low, high = np.asarray(low, float), np.asarray(high, float)
    over = (low <= high[leader]) & (high >= low[leader])
    over[leader] = False
    return np.flatnonzero(over)
