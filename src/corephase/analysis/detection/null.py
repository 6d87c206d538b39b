"""False-alarm calibration of each stack on the pair's own record (an empirical null).

The coherent signal of the aligned record is destroyed while its noise is kept:
every null draw gives each element a random polarity and a random time shift
(uniform within ``+-null_shift_s``; independent per element, so a plane wave no
longer lines up and the envelope stack, which polarity flips leave unchanged,
loses its common onset too). The draws reuse the per-element terms of the real
measurement (:class:`corephase.analysis.detection.measure.ElementTerms`): a draw
is a signed mean of the shifted terms, combined into the same stacks and
measured with the same windows and the same SNR definition
(:func:`corephase.analysis.detection.measure.cf_snrs`).

The upper tail of the null SNRs is modelled by a Gumbel distribution (the SNR is
a maximum over the signal window), fitted by the method of moments. Its 99th
percentile from 300 draws was within 10 % of the empirical 99th percentile of
6000 draws for every stack at N = 4, 18 and 100 (Peterson noise, 1-2 Hz; a
Gumbel of ``log(snr)`` overestimated the nonlinear stacks' by up to a factor 2,
a maximum-likelihood GEV by up to 35 %). ``fa_prob`` is the model's probability that noise
alone reaches the measured SNR, and the threshold is its SNR at the configured
false-alarm level.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from corephase.analysis.detection.measure import (
    ElementTerms,
    PhaseData,
    cf_snrs,
    characteristic,
    combine_stacks,
)

#: Euler-Mascheroni constant (the mean of the standard Gumbel distribution).
_EULER = 0.5772156649015329
#: Seconds of record kept either side of the windows so the analytic signal and
#: the boxcars of a draw see the same samples as the real measurement's.
_PAD_S = 5.0


@dataclass(frozen=True)
class NullTail:
    """Gumbel model of the SNR under the null: location ``mu``, scale ``beta``."""

    mu: float
    beta: float
    draws: int

    def fa_prob(self, snr: float) -> float:
        """Probability that noise alone gives an SNR of at least ``snr`` (NaN for NaN)."""
        if not np.isfinite(snr):
            return float("nan") if np.isnan(snr) else 0.0
        z = (float(snr) - self.mu) / self.beta
        return float(-np.expm1(-np.exp(-z)))

    def threshold(self, level: float) -> float:
        """The SNR that noise alone exceeds with probability ``level``."""
        return float(self.mu - self.beta * np.log(-np.log1p(-float(level))))


def fit_tail(snrs) -> NullTail:
    """Method-of-moments Gumbel fit of the null draws' SNRs."""
    x = np.asarray(snrs, float)
    x = x[np.isfinite(x)]
    if x.size < 10:
        raise ValueError(f"need at least 10 finite null SNRs, got {x.size}")
    beta = max(float(np.std(x, ddof=1)) * np.sqrt(6.0) / np.pi, 1e-9)
    return NullTail(float(np.mean(x)) - _EULER * beta, beta, int(x.size))


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
    acc = np.zeros((stacked.shape[1], draws, length))
    for i in range(n_el):
        g = sliding_window_view(stacked[i], length, axis=-1)[:, starts[:, i]]
        acc[:-1] += signs[None, :, i, None] * g[:-1]
        acc[-1] += g[-1]
    acc /= n_el
    lin, unit, mag = acc[0], acc[1] + 1j * acc[2], acc[-1]
    root = acc[3] if terms.root is not None else None
    beams, _ = combine_stacks(lin, unit, root, mag, ph.stacks, ph.params, ph.dt)
    cfs = characteristic(beams)
    wsig = slice(sig.start - a, sig.stop - a)
    wnoi = slice(noi.start - a, noi.stop - a)
    return {kind: cf_snrs(kind, cfs[kind], wsig, wnoi)[0] for kind in ph.stacks}


def null_tails(
    ph: PhaseData, terms: ElementTerms, draws: int, shift_s: float, rng: np.random.Generator
) -> dict:
    """``{stack: NullTail}`` fitted to :func:`null_snrs`."""
    return {k: fit_tail(v) for k, v in null_snrs(ph, terms, draws, shift_s, rng).items()}
