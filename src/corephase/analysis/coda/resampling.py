"""Resampling of the coda measurements: station draws, time blocks, intervals."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from corephase.utils.random import component_rng


@dataclass(frozen=True)
class Draws:
    """The random draws shared by every phase and the vespagram (paired replicates).

    Attributes
    ----------
    elements : numpy.ndarray, shape (n_boot, n_elements)
        Element indices drawn with replacement, one row per replicate.
    trend_seeds : numpy.ndarray, shape (n_boot,)
        Seed of each replicate's time-block resampling.
    weights : numpy.ndarray, shape (1 + n_boot, n_elements)
        Element weights of the full-array beam and of each draw
        (:func:`bootstrap_weights`).
    """

    elements: np.ndarray
    trend_seeds: np.ndarray
    weights: np.ndarray

    @classmethod
    def make(cls, seed: int, n_boot: int, n_elements: int) -> Draws:
        """Draws of ``n_boot`` replicates from ``seed``.

        The element draws come first, then the trend seeds, from one generator
        (``component_rng(seed)``, the same stream as ``numpy.random.default_rng(seed)``).
        """
        rng = component_rng(seed)
        elements = rng.integers(0, n_elements, size=(n_boot, n_elements))
        trend_seeds = rng.integers(0, 2**63 - 1, size=n_boot)
        return cls(elements, trend_seeds, bootstrap_weights(elements, n_elements))

    def trend_rngs(self) -> list[np.random.Generator]:
        """Fresh time-block generators, one per replicate (the same for every phase)."""
        return [component_rng(int(s)) for s in self.trend_seeds]


def bootstrap_weights(draws: np.ndarray, n_elements: int) -> np.ndarray:
    """Element weights of the full array (row 0) and of each bootstrap draw.

    Every beam is a weighted mean of the aligned elements: row 0 weighs all
    elements equally, row ``k`` the elements of draw ``k - 1`` by how often
    they were drawn. All beams are then one matrix product.

    Parameters
    ----------
    draws : numpy.ndarray, shape (n_draws, n_elements)
        Element indices drawn with replacement.
    n_elements : int

    Returns
    -------
    numpy.ndarray, shape (1 + n_draws, n_elements)
        Rows summing to 1.
    """
    weights = np.empty((1 + len(draws), n_elements))
    weights[0] = 1.0 / n_elements
    for k, d in enumerate(draws, start=1):
        weights[k] = np.bincount(d, minlength=n_elements) / len(d)
    return weights


def block_resample(x: np.ndarray, rng, block_s: float, dt: float) -> np.ndarray:
    """Moving-block bootstrap resample of the series ``x`` (same length).

    Blocks of ``block_s`` seconds (at sample interval ``dt`` s) start at
    uniformly drawn samples and are concatenated, then cut to ``x.size``.
    """
    n = x.size
    blk = int(np.clip(round(block_s / dt), 1, n))
    starts = rng.integers(0, n - blk + 1, size=int(np.ceil(n / blk)))
    return x[(starts[:, None] + np.arange(blk)[None, :]).reshape(-1)[:n]]


def bootstrap_ci(
    values, estimate, confidence: float, method: str = "percentile", bounds=None
) -> tuple[float, float]:
    """Bootstrap interval of one quantity from its replicates.

    Parameters
    ----------
    values : array_like
        Replicates (non-finite ones are ignored; fewer than 2 give NaNs).
    estimate : float
        Point estimate.
    confidence : float
        Interval level in (0, 1).
    method : str
        ``"percentile"``: the ``(1-c)/2`` and ``(1+c)/2`` quantiles of the
        replicates. ``"centred"``: the same quantiles moved so that the
        replicate median falls on the point estimate (multiplicatively when
        the estimate and all replicates are positive, additively otherwise).
        Centring removes the systematic offset of station resamples of a
        *coherent* beam: an element drawn twice adds its incoherent noise
        coherently, so replicates carry about twice the incoherent power of
        the original beam; the interval width (the across-array scatter) is kept.
    bounds : (float, float), optional
        Clip the interval to these limits.

    Returns
    -------
    (float, float)
        Lower and upper bound.
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


def safe_ratio(a, b) -> float:
    """``a / b`` as a float; NaN when either is not finite or ``b`` is 0."""
    a, b = float(a), float(b)
    if not (np.isfinite(a) and np.isfinite(b)) or b == 0:
        return float("nan")
    return a / b
