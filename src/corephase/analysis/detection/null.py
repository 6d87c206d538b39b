"""False-alarm calibration of each stack on the pair's own record (an empirical null).

Two nulls, each a sample of the detection SNR of one stack on noise alone:

* **shuffled** (:func:`null_snrs`): the coherent signal of the aligned record is
  destroyed while its noise is kept. Every draw gives each element a random
  polarity and a random time shift (uniform within ``+-null_shift_s``; independent
  per element, so a plane wave no longer lines up and the envelope stack, which
  polarity flips leave unchanged, loses its common onset too). The draws reuse the
  per-element terms of the real measurement
  (:class:`corephase.analysis.detection.measure.ElementTerms`): a draw is a signed
  mean of the shifted terms, combined into the same stacks and measured with the
  same windows and the same SNR definition
  (:func:`corephase.analysis.detection.measure.cf_snrs`).

* **sliding** (:func:`sliding_snrs`): the phase's signal and noise windows slid in
  steps of :data:`SLIDE_STEP_S` over the part of the same record that holds noise
  only (ending 20 s before the first arrival of the pair's arrival list, off the band-pass
  taper), on the full-array beams at the phase's own alignment. It keeps what the
  shuffled draws destroy: transients that reach every element at once (bursts,
  local events, coherent noise at the phase's slowness), whose share of real
  noise windows the shuffled null misses (real YKA noise: 5.5 % of envelope and
  2.7 % of linear SNRs reached the shuffled null's 1 % threshold). Positions whose
  windows overlap the phase's own windows are left out.

The shuffled null is a Monte Carlo test (:class:`EmpiricalTail`): the threshold is set
by the rank of the draws, so its false-alarm rate is ``floor(level (n + 1)) / (n + 1)``
(0.997 % for 300 draws at 1 %) for any stack, and a generalised extreme-value
distribution fitted to the draws takes over only beyond the largest draw. The sliding
null's SNRs (a few hundred overlapping positions, too few and too correlated for a rank
test at 1 %) are modelled by the GEV alone. The GEV is fitted by probability-weighted
(L-) moments (Hosking, Wallis & Wood 1985, Technometrics 27, 251-261; the distribution
functions are those of SciPy's ``genextreme``, in closed form here; its shape ``c`` is
Hosking's ``k``). From 300 shuffled draws its 99th percentile was within 7 % on average
(scatter 3-11 %) of the empirical 99th percentile of 20000 draws for every stack at
N = 4, 18 and 100 (Peterson noise, 1-2 Hz), but 2-8 % above it for the heavy-tailed PWS
and nth-root stacks, which is why the shuffled null's threshold comes from the draws
themselves; a moment-fitted Gumbel was 10-15 % low for those stacks, a Gumbel of
``log(snr)`` up to a factor 2 high and a maximum-likelihood GEV up to 35 % high.
:class:`CombinedTail` takes, per stack, the larger false-alarm probability and the
larger threshold of the two nulls where the sliding GEV threshold exceeds the shuffled
GEV threshold by more than ``sliding_margin`` (30 %; see :func:`calibration_tails`),
and the shuffled null alone otherwise or when the record holds too little noise (fewer
than :data:`MIN_SLIDES` positions).
``fa_prob`` is the probability that noise alone reaches the measured SNR, and the
threshold is the SNR at the configured false-alarm level.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from corephase.analysis.detection.measure import (
    ElementTerms,
    PhaseData,
    cf_snrs,
    characteristic,
    combine_stacks,
)
from corephase.utils.imports import import_without_package_init

#: Step between the positions of the sliding null, s (a quarter of the default
#: 10 s signal window: the positions overlap, so the sample is correlated, but every
#: transient is seen at several places in the windows).
SLIDE_STEP_S = 2.5

#: Fewest sliding positions for a sliding null (fewer: the shuffled null alone).
MIN_SLIDES = 40

#: Seconds of record kept either side of the windows so the analytic signal and
#: the boxcars of a draw see the same samples as the real measurement's.
_PAD_S = 5.0

#: Null draws summed together (their sums stay in the CPU cache; any block gives the
#: same numbers).
_DRAW_BLOCK = 32


@dataclass(frozen=True)
class NullTail:
    """GEV model of the SNR under the null (Hosking's shape ``k``, location ``xi``,
    scale ``alpha``) and the number of draws it was fitted to."""

    k: float
    xi: float
    alpha: float
    draws: int

    def fa_prob(self, snr: float) -> float:
        """Probability that noise alone gives an SNR of at least ``snr`` (NaN for NaN).

        The GEV survival function ``1 - exp(-y)`` with ``y = (1 - k (x - xi) / alpha)
        ** (1 / k)`` (``exp(-(x - xi) / alpha)`` for ``k = 0``; Hosking 1985), the
        same as SciPy's ``genextreme.sf(x, k, xi, alpha)`` (tested) without
        importing ``scipy.stats`` in every stack job.
        """
        if np.isnan(snr):
            return float("nan")
        z = (float(snr) - self.xi) / self.alpha
        if self.k == 0.0:
            y = np.exp(-z)
        else:
            base = 1.0 - self.k * z
            if base <= 0.0:  # beyond the distribution's finite end
                return 0.0 if self.k > 0 else 1.0
            y = base ** (1.0 / self.k)
        return float(-np.expm1(-y))

    def threshold(self, level: float) -> float:
        """The SNR that noise alone exceeds with probability ``level``: the GEV quantile
        ``xi + alpha (1 - (-ln(1 - level)) ** k) / k`` (``xi - alpha ln(-ln(1 - level))``
        for ``k = 0``)."""
        g = -np.log1p(-float(level))
        if self.k == 0.0:
            return float(self.xi - self.alpha * np.log(g))
        return float(self.xi + self.alpha * (1.0 - g**self.k) / self.k)


@dataclass(frozen=True, eq=False)
class EmpiricalTail:
    """The shuffled null as a Monte Carlo test (Barnard 1963; Davison & Hinkley 1997,
    sec. 4.2), with a GEV beyond its largest draw.

    Under the null the measured SNR and the ``n`` draws are exchangeable, so the
    probability that the measured SNR has at most ``m - 1`` draws at or above it is
    ``m / (n + 1)``: :meth:`threshold` sits just above the ``m``-th largest draw, with
    ``m = floor(level (n + 1))``, and the false-alarm rate of ``snr >= threshold`` is
    ``m / (n + 1)`` <= ``level`` (0.997 % for 300 draws at 1 %) whatever the shape of
    the stack's distribution. A GEV fitted to the draws (:func:`fit_tail`) would sit
    2-8 % above the 99th percentile of the heavy-tailed PWS and nth-root draws and
    called 0.3-0.6 % of noise windows at 1 % (``docs/detection.md``). The fitted
    ``gev`` extrapolates where the draws cannot resolve: :meth:`fa_prob` beyond the
    largest draw (Knijnenburg et al. 2009, Bioinformatics 25, i161-i168, fit a tail
    to permutation draws for the same reason), and thresholds at levels below
    ``1 / (n + 1)``.
    """

    snrs: np.ndarray  # the finite draws, ascending
    gev: NullTail

    @property
    def draws(self) -> int:
        return int(self.snrs.size)

    def fa_prob(self, snr: float) -> float:
        """``(c + 1) / (n + 1)`` for an SNR with ``c >= 1`` of the ``n`` draws at or above
        it; beyond the largest draw the GEV's probability, at most ``1 / (n + 1)``
        (NaN for NaN)."""
        if np.isnan(snr):
            return float("nan")
        n = self.snrs.size
        c = n - int(np.searchsorted(self.snrs, float(snr), side="left"))
        if c > 0:
            return (c + 1) / (n + 1)
        return min(1.0 / (n + 1), self.gev.fa_prob(snr))

    def threshold(self, level: float) -> float:
        """The smallest SNR whose :meth:`fa_prob` is at most ``level``: just above the
        ``floor(level (n + 1))``-th largest draw, or the GEV quantile at ``level`` where
        that is below one draw."""
        n = self.snrs.size
        m = int(np.floor(float(level) * (n + 1) + 1e-9))
        if m < 1:
            return self.gev.threshold(level)
        return float(np.nextafter(self.snrs[n - m], np.inf))


def empirical_tail(snrs) -> EmpiricalTail:
    """:class:`EmpiricalTail` of the null draws' SNRs (non-finite draws dropped)."""
    x = np.sort(np.asarray(snrs, float)[np.isfinite(snrs)])
    return EmpiricalTail(x, fit_tail(x))


def fit_tail(snrs) -> NullTail:
    """GEV fit of the null draws' SNRs by L-moments (Hosking et al. 1985).

    ``k`` from the L-skewness ``t3`` by Hosking's approximation
    ``k = 7.8590 c + 2.9554 c^2``, ``c = 2 / (3 + t3) - ln 2 / ln 3``; the gamma
    function is SciPy's (:func:`scipy_gamma`).
    """
    gamma = scipy_gamma()
    x = np.sort(np.asarray(snrs, float)[np.isfinite(snrs)])
    n = x.size
    if n < 10:
        raise ValueError(f"need at least 10 finite null SNRs, got {n}")
    j = np.arange(n)
    b0 = x.mean()
    b1 = np.sum(j * x) / (n * (n - 1))
    b2 = np.sum(j * (j - 1) * x) / (n * (n - 1) * (n - 2))
    l1, l2, l3 = b0, 2 * b1 - b0, 6 * b2 - 6 * b1 + b0
    if not l2 > 0:
        return NullTail(0.0, float(l1), 1e-12, n)
    c = 2.0 / (3.0 + l3 / l2) - np.log(2.0) / np.log(3.0)
    k = 7.8590 * c + 2.9554 * c**2
    if abs(k) < 1e-6:  # Gumbel limit
        alpha = l2 / np.log(2.0)
        return NullTail(0.0, float(l1 - 0.5772156649015329 * alpha), float(alpha), n)
    alpha = l2 * k / ((1 - 2.0 ** (-k)) * gamma(1 + k))
    return NullTail(float(k), float(l1 - alpha * (1 - gamma(1 + k)) / k), float(alpha), n)


@lru_cache(maxsize=1)
def scipy_gamma():
    """:func:`scipy.special.gamma` (the ufunc of ``scipy.special._ufuncs``, which the
    package exports), imported without running ``scipy.special``'s ``__init__``
    (:func:`corephase.utils.imports.import_without_package_init`): that
    ``__init__`` costs about 0.3 s of CPU in every stack job, and nothing else in the
    job needs SciPy. Falls back to ``from scipy.special import gamma`` where SciPy's
    private layout differs."""
    try:
        (ufuncs,) = import_without_package_init("scipy.special", ("_ufuncs",))
        return ufuncs.gamma
    except (ImportError, AttributeError):
        from scipy.special import gamma

        return gamma


def null_snrs(
    ph: PhaseData, terms: ElementTerms, draws: int, shift_s: float, rng: np.random.Generator
) -> dict:
    """SNRs of ``draws`` null stacks per stack type, ``{stack: array (draws,)}``.

    Each draw flips the polarity of every element with probability 1/2 and
    shifts it by a random whole number of samples within ``+-shift_s`` (s),
    clipped to the record; the segment holding both windows (plus padding) is
    then stacked as the real measurement stacks the aligned record.
    """
    sig, noi = ph.record(ph.sig), ph.record(ph.noi)
    n_el, n_rec = terms.u.shape
    pad = round(_PAD_S / ph.dt)
    a = max(min(sig.start, noi.start) - pad, 0)
    b = min(max(sig.stop, noi.stop) + pad, n_rec)
    length = b - a
    smax = round(float(shift_s) / ph.dt)
    lo, hi = max(a - smax, 0), min(b + smax, n_rec)  # the record the draws can reach
    starts = np.clip(a + rng.integers(-smax, smax + 1, (draws, n_el)), lo, hi - length) - lo
    signs = rng.choice(np.array([-1.0, 1.0]), (draws, n_el))
    # signed terms first, the envelope (polarity-free) last: (n_el, n_terms, samples)
    parts = [terms.u, terms.unit.real, terms.unit.imag]
    parts += [terms.root] if terms.root is not None else []
    stacked = np.stack([x[:, lo:hi] for x in [*parts, terms.mag]], axis=1)
    acc = _signed_window_sums(stacked, starts, signs, length) / n_el
    lin, unit, mag = acc[0], acc[1] + 1j * acc[2], acc[-1]
    root = acc[3] if terms.root is not None else None
    beams, _ = combine_stacks(lin, unit, root, mag, ph.stacks, ph.params, ph.dt)
    cfs = characteristic(beams)
    wsig = slice(sig.start - a, sig.stop - a)
    wnoi = slice(noi.start - a, noi.stop - a)
    return {kind: cf_snrs(kind, cfs[kind], wsig, wnoi)[0] for kind in ph.stacks}


def _signed_window_sums(stacked, starts, signs, length: int) -> np.ndarray:
    """``sum_i signs[d, i] * stacked[i, t, starts[d, i]:starts[d, i] + length]`` over the
    elements in order, the last term (the envelope) unsigned: shape (n_terms, draws, length).

    A sign flip is exact, so each element's terms are kept twice, as they are and with
    the signed terms negated (the envelope unchanged), and a draw takes all its terms of
    one element with one index; draws are summed in blocks that stay in the CPU cache
    (the same numbers for any block).
    """
    draws, n_terms = starts.shape[0], stacked.shape[1]
    acc = np.zeros((draws, n_terms, length))
    windows = []
    for x in stacked:
        both = np.empty((2, *x.shape))
        both[0] = x
        np.negative(x[:-1], out=both[1, :-1])
        both[1, -1] = x[-1]
        windows.append(sliding_window_view(both, length, axis=-1))
    neg = (signs < 0).astype(np.intp)
    for d0 in range(0, draws, _DRAW_BLOCK):
        d = slice(d0, d0 + _DRAW_BLOCK)
        block = acc[d]
        for i, w in enumerate(windows):
            block += w[neg[d, i], :, starts[d, i]]
    return acc.transpose(1, 0, 2)


def null_tails(
    ph: PhaseData, terms: ElementTerms, draws: int, shift_s: float, rng: np.random.Generator
) -> dict:
    """``{stack: EmpiricalTail}`` of :func:`null_snrs`."""
    return {k: empirical_tail(v) for k, v in null_snrs(ph, terms, draws, shift_s, rng).items()}


@dataclass(frozen=True)
class CombinedTail:
    """The larger of several null tails: ``fa_prob`` and ``threshold`` are the maxima
    over ``tails`` (each a :class:`NullTail`)."""

    tails: tuple

    @property
    def draws(self) -> int:
        return sum(t.draws for t in self.tails)

    def fa_prob(self, snr: float) -> float:
        """The largest probability of the tails that noise alone reaches ``snr``."""
        return max(t.fa_prob(snr) for t in self.tails)

    def threshold(self, level: float) -> float:
        """The largest SNR of the tails that noise alone exceeds with probability ``level``."""
        return max(t.threshold(level) for t in self.tails)


def sliding_snrs(
    ph: PhaseData, beams: dict, quiet: tuple[int, int], cfs: dict | None = None
) -> dict | None:
    """SNRs of the phase's windows slid over the record's noise, ``{stack: array}``.

    Parameters
    ----------
    ph : PhaseData
        The phase (its signal and noise windows and stacks).
    beams : dict
        ``{stack: full-array beam}`` on the record's samples at the phase's alignment
        (as measured: the characteristic functions and SNRs are those of
        :func:`corephase.analysis.detection.measure.cf_snrs`).
    quiet : (int, int)
        First and last record sample that hold noise only.
    cfs : dict, optional
        ``{stack: characteristic function}`` of ``beams`` if already formed
        (:func:`corephase.analysis.detection.measure.characteristic`).

    Returns
    -------
    dict or None
        One SNR per position (every :data:`SLIDE_STEP_S` s, both windows inside
        ``quiet`` and clear of the phase's own windows); None with fewer than
        :data:`MIN_SLIDES` positions.
    """
    sig, noi = ph.record(ph.sig), ph.record(ph.noi)
    a, b = min(sig.start, noi.start), max(sig.stop, noi.stop)
    length = b - a
    step = max(1, round(SLIDE_STEP_S / ph.dt))
    q0, q1 = max(int(quiet[0]), 0), min(int(quiet[1]), next(iter(beams.values())).size)
    starts = np.arange(q0, q1 - length + 1, step)
    starts = starts[(starts + length <= a) | (starts >= b)]  # not the phase's own windows
    if starts.size < MIN_SLIDES:
        return None
    if cfs is None:
        cfs = characteristic({k: beams[k] for k in ph.stacks})
    wsig = slice(sig.start - a, sig.stop - a)
    wnoi = slice(noi.start - a, noi.stop - a)
    return {
        k: cf_snrs(k, sliding_window_view(cfs[k], length)[starts], wsig, wnoi)[0]
        for k in ph.stacks
    }


def calibration_tails(
    ph: PhaseData,
    terms: ElementTerms,
    beams: dict,
    det,
    rng: np.random.Generator,
    quiet: tuple[int, int] | None = None,
    cfs: dict | None = None,
) -> dict:
    """``{stack: tail}`` of the phase's calibration.

    The shuffled null (``det.null_draws`` draws, shifts within ``det.null_shift_s``)
    always; with ``det.sliding_null`` and a noise-only stretch ``quiet`` (record
    samples) also the sliding null, combined with the shuffled one by
    :class:`CombinedTail` for each stack whose sliding threshold at
    ``det.false_alarm_level`` exceeds the shuffled threshold by more than
    ``det.sliding_margin`` (a fraction): evidence that the record holds transients
    the shuffled draws destroy. Below that margin the two thresholds differ by no
    more than their estimation scatter, and the larger of two noisy estimates of
    one quantile would sit above it (0.3-0.4 % instead of 1 % for PWS and
    nth-root on stationary noise). ``cfs`` are the characteristic functions of
    ``beams`` when already formed (:func:`sliding_snrs`).
    """
    tails = null_tails(ph, terms, int(det.null_draws), float(det.null_shift_s), rng)
    slid = None
    if det.sliding_null and quiet is not None:
        slid = sliding_snrs(ph, beams, quiet, cfs)
    if slid is None or min(np.isfinite(v).sum() for v in slid.values()) < MIN_SLIDES:
        return tails
    level, margin = float(det.false_alarm_level), 1.0 + float(det.sliding_margin)
    out = {}
    for k in ph.stacks:
        sliding = fit_tail(slid[k])  # both fitted: one estimator for the comparison
        heavier = sliding.threshold(level) > margin * tails[k].gev.threshold(level)
        out[k] = CombinedTail((tails[k], sliding)) if heavier else tails[k]
    return out
