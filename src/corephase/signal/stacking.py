"""Stacks of aligned traces: linear, phase-weighted, nth-root and envelope.

All functions take aligned traces ``(n_traces, n_samples)`` (see
:func:`corephase.signal.alignment.shift_traces` and :func:`corephase.signal.alignment.align`) and
return a beam of ``n_samples``. :func:`stack` dispatches on the stack name and
returns the beam together with the phase coherence and a characteristic
function used for signal-to-noise ratios.

Analytic signals are computed with the FFT zero-padded to the next 5-smooth
length (as :func:`stackmaster.core.pws` does), so :func:`pws` with no gate
reproduces ``stackmaster.core.pws(aligned, p=nu)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from corephase.signal.smoothing import boxcar

STACK_TYPES = ("linear", "pws", "nthroot", "envelope")


def _as_traces(aligned) -> np.ndarray:
    u = np.asarray(aligned, float)
    if u.ndim != 2 or u.shape[0] < 1 or u.shape[1] < 1:
        raise ValueError(
            f"aligned traces must be a 2-D array (n_traces, n_samples), got {u.shape}"
        )
    return u


@lru_cache(maxsize=256)
def next_fast_len(n: int) -> int:
    """The smallest 5-smooth number (``2**a * 3**b * 5**c``) at least ``n`` (>= 1).

    The FFT length of :func:`analytic_signal` and of the alignment's shifts;
    equal to ``scipy.fft.next_fast_len(n, real=True)`` (tested), without
    importing ``scipy.fft`` in every job.
    """
    n = max(int(n), 1)
    best = 1 << (n - 1).bit_length()  # the next power of two
    p5 = 1
    while p5 < best:
        p35 = p5
        while p35 < best:
            # smallest power of two times p35 that reaches n
            p = p35 << max(0, (-(-n // p35) - 1).bit_length())
            best = min(best, p)
            p35 *= 3
        p5 *= 5
    return best


@lru_cache(maxsize=64)
def analytic_weights(nfft: int) -> np.ndarray:
    """Weights of the one-sided spectrum (``nfft // 2 + 1`` bins) whose inverse FFT of
    length ``nfft`` is the analytic signal: 1 at DC (and at Nyquist for an even
    ``nfft``), 2 elsewhere, as ``scipy.signal.hilbert``. Read-only (cached)."""
    w = np.full(nfft // 2 + 1, 2.0)
    w[0] = 1.0
    if nfft % 2 == 0:
        w[-1] = 1.0
    w.flags.writeable = False
    return w


def analytic_signal(x, axis: int = -1) -> np.ndarray:
    """Analytic signal ``x + i H(x)`` with the FFT padded to the next 5-smooth length.

    The one-sided spectrum doubled (as ``scipy.signal.hilbert``): the real FFT
    of ``x`` (equal to the first half of its complex FFT to the last bit) with
    zeros above Nyquist, then the complex inverse FFT, with NumPy's pocketfft
    (no ``scipy.signal`` or ``scipy.fft`` import in every job). The spectrum is
    transformed into, weighted and inverted in one buffer (the same numbers as
    separate arrays, with less memory traffic).
    """
    x = np.moveaxis(np.asarray(x, float), axis, -1)
    m = x.shape[-1]
    n = next_fast_len(m)
    half = n // 2 + 1
    spec = np.empty((*x.shape[:-1], n), complex)
    head = np.fft.rfft(x, n, axis=-1, out=spec[..., :half])
    head *= analytic_weights(n)
    spec[..., half:] = 0.0
    a = np.fft.ifft(spec, axis=-1, out=spec)[..., :m]
    return np.moveaxis(a, -1, axis)


def signed_power(x, p: float, out: np.ndarray | None = None) -> np.ndarray:
    """``sign(x) * |x| ** p`` (the signed roots and powers of the nth-root stack).

    NumPy's ``**`` (with its fast paths for ``p`` = 2 or 0.5) applied in place to
    ``|x|``, then the sign (a product commutes to the last bit): the bits of the
    formula without its temporaries. ``out`` (shape of ``x``, not overlapping it)
    receives the result; a new array by default.
    """
    out = np.abs(x, out=out)
    out **= p
    out *= np.sign(x)
    return out


def linear_stack(aligned) -> np.ndarray:
    """Mean of the aligned traces (same units as the traces)."""
    return np.mean(_as_traces(aligned), axis=0)


def phase_coherence(aligned, dt: float | None = None, gate_s: float = 0.0) -> np.ndarray:
    """Instantaneous-phase coherence ``|mean_j exp(i phi_j(t))|`` (0..1).

    Schimmel & Paulssen (1997): ``phi_j`` is the phase of the analytic signal
    of trace *j*. With ``gate_s > 0`` the coherence is averaged with a centred
    boxcar of that length (s), which needs the sample interval ``dt`` (s).
    Samples where a trace is exactly zero contribute nothing.
    """
    a = analytic_signal(_as_traces(aligned), axis=-1)
    mag = np.abs(a)
    unit = np.divide(a, mag, out=np.zeros_like(a), where=mag > 0)
    c = np.abs(unit.mean(axis=0))
    return boxcar(c, dt, gate_s, "a phase-coherence gate")


def pws(aligned, nu: float = 2.0, dt: float | None = None, gate_s: float = 0.0):
    """Phase-weighted stack (Schimmel & Paulssen 1997).

    ``g(t) = mean_j u_j(t) * c(t)**nu`` with ``c`` the phase coherence.

    Parameters
    ----------
    aligned : array_like, shape (n_traces, n_samples)
    nu : float
        Power of the phase coherence (2 is usual; 0 gives the linear stack).
    dt : float, optional
        Sample interval in s (needed only with a gate).
    gate_s : float
        Length in s of the boxcar that smooths the coherence; 0 for none.

    Returns
    -------
    beam : numpy.ndarray
        Linear stack weighted by ``coherence**nu`` (units of the traces).
    coherence : numpy.ndarray
        The (optionally smoothed) phase coherence, 0..1.
    """
    if nu < 0:
        raise ValueError(f"PWS power nu must be >= 0, got {nu}")
    c = phase_coherence(aligned, dt=dt, gate_s=gate_s)
    return linear_stack(aligned) * c**nu, c


def nth_root_stack(aligned, n: float = 4.0) -> np.ndarray:
    """nth-root stack with the sign kept (Muirhead 1968; Rost & Thomas 2002).

    ``b = r |r|^(n-1)`` with ``r = mean_j sign(u_j) |u_j|^(1/n)``; ``n = 1`` is
    the linear stack. Units are those of the traces.
    """
    if n < 1:
        raise ValueError(f"nth-root order must be >= 1, got {n}")
    u = _as_traces(aligned)
    r = np.mean(np.sign(u) * np.abs(u) ** (1.0 / n), axis=0)
    return np.sign(r) * np.abs(r) ** n


def envelope(x, axis: int = -1) -> np.ndarray:
    """Hilbert envelope ``|x + i H(x)|`` (FFT padded to a 5-smooth length)."""
    return np.abs(analytic_signal(x, axis=axis))


def envelope_stack(aligned, dt: float | None = None, smooth_s: float = 0.0) -> np.ndarray:
    """Mean of the Hilbert envelopes of the aligned traces.

    With ``smooth_s > 0`` (needs ``dt`` in s) the result is smoothed by a
    centred boxcar of that length in s. Always positive: incoherent energy
    stacks to a non-zero level, so compare it with its pre-phase level.
    """
    e = envelope(_as_traces(aligned)).mean(axis=0)
    return boxcar(e, dt, smooth_s, "envelope smoothing")


@dataclass
class StackResult:
    """A beam and what is needed to measure it.

    Attributes
    ----------
    kind : str
        One of :data:`STACK_TYPES`.
    beam : numpy.ndarray
        The stack (units of the traces).
    coherence : numpy.ndarray
        Phase coherence of the aligned traces, 0..1 (gated like the PWS).
    cf : numpy.ndarray
        Characteristic function for SNR: the envelope of the beam for
        linear, PWS and nth-root stacks; the envelope stack itself otherwise.
    """

    kind: str
    beam: np.ndarray
    coherence: np.ndarray
    cf: np.ndarray


@dataclass(frozen=True)
class StackParams:
    """Parameters of the nonlinear stacks, shared by every stacking kernel.

    Used by :func:`stack`, :func:`corephase.signal.vespagram.vespagram_stacks`,
    :func:`corephase.signal.vespagram.weighted_vespagram_stacks` and
    :func:`corephase.experiment.metrics.batch_stacks`;
    :meth:`corephase.config.stack.StackSettings.stack_params` makes it from the config.

    Attributes
    ----------
    nu : float
        PWS power of the phase coherence (>= 0; 0 gives the linear stack).
    gate_s : float
        Length in s of the boxcar that smooths the phase coherence; 0 for none.
    n : float
        nth-root order (>= 1; 1 gives the linear stack).
    smooth_s : float
        Length in s of the boxcar that smooths the envelope stack; 0 for none.
    """

    nu: float = 2.0
    gate_s: float = 0.0
    n: float = 4.0
    smooth_s: float = 0.0

    def __post_init__(self):
        if self.nu < 0:
            raise ValueError(f"PWS power nu must be >= 0, got {self.nu}")
        if self.n < 1:
            raise ValueError(f"nth-root order must be >= 1, got {self.n}")


def stack(
    aligned, kind: str = "linear", dt: float | None = None, params: StackParams = StackParams()
) -> StackResult:
    """Stack aligned traces with the named method.

    Parameters
    ----------
    aligned : array_like, shape (n_traces, n_samples)
    kind : {"linear", "pws", "nthroot", "envelope"}
    dt : float, optional
        Sample interval in s (needed for a PWS gate or envelope smoothing).
    params : StackParams
        PWS power and gate, nth-root order, envelope smoothing.

    Returns
    -------
    StackResult
    """
    u = _as_traces(aligned)
    coh = phase_coherence(u, dt=dt, gate_s=params.gate_s)
    if kind == "linear":
        beam = linear_stack(u)
    elif kind == "pws":
        beam = linear_stack(u) * coh**params.nu
    elif kind == "nthroot":
        beam = nth_root_stack(u, params.n)
    elif kind == "envelope":
        beam = envelope_stack(u, dt=dt, smooth_s=params.smooth_s)
        return StackResult(kind, beam, coh, beam)
    else:
        raise ValueError(f"unknown stack {kind!r}; expected one of {', '.join(STACK_TYPES)}")
    return StackResult(kind, beam, coh, envelope(beam))
