"""Stacks of aligned traces: linear, phase-weighted, nth-root and envelope.

All functions take aligned traces ``(n_traces, n_samples)`` (see
:func:`corephase.beam.shift_traces`) and return a beam of ``n_samples``.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import hilbert

STACK_TYPES = ("linear", "pws", "nthroot", "envelope")


def linear_stack(aligned) -> np.ndarray:
    """Mean of the aligned traces."""
    return np.mean(np.asarray(aligned, float), axis=0)


def phase_coherence(aligned, dt: float | None = None, gate_s: float = 0.0) -> np.ndarray:
    """Instantaneous-phase coherence ``|mean_j exp(i phi_j(t))|`` (0..1).

    Schimmel & Paulssen (1997): ``phi_j`` is the phase of the analytic signal
    of trace *j*. With ``gate_s > 0`` the coherence is averaged with a boxcar
    of that length (s), which needs ``dt`` (s).
    """
    a = hilbert(np.asarray(aligned, float), axis=-1)
    mag = np.abs(a)
    unit = np.divide(a, mag, out=np.zeros_like(a), where=mag > 0)
    c = np.abs(unit.mean(axis=0))
    if gate_s and gate_s > 0:
        if dt is None:
            raise ValueError("phase_coherence: a time gate needs the sample interval dt")
        w = max(int(round(gate_s / dt)), 1)
        if w > 1:
            c = np.convolve(c, np.ones(w) / w, mode="same")
    return c


def pws(aligned, nu: float = 2.0, dt: float | None = None, gate_s: float = 0.0):
    """Phase-weighted stack (Schimmel & Paulssen 1997).

    Parameters
    ----------
    aligned : array_like, shape (n_traces, n_samples)
    nu : float
        Power of the phase coherence (2 is usual).
    dt : float, optional
        Sample interval in s (needed only with a gate).
    gate_s : float
        Length in s of the boxcar that smooths the coherence; 0 for none.

    Returns
    -------
    beam : numpy.ndarray
        Linear stack weighted by ``coherence**nu``.
    coherence : numpy.ndarray
        The (optionally smoothed) phase coherence, 0..1.
    """
    c = phase_coherence(aligned, dt=dt, gate_s=gate_s)
    return linear_stack(aligned) * c**nu, c


def nth_root_stack(aligned, n: float = 4.0) -> np.ndarray:
    """nth-root stack with the sign kept (Muirhead 1968; Rost & Thomas 2002).

    ``b = r |r|^(n-1)`` with ``r = mean_j sign(u_j) |u_j|^(1/n)``.
    """
    u = np.asarray(aligned, float)
    r = np.mean(np.sign(u) * np.abs(u) ** (1.0 / n), axis=0)
    return np.sign(r) * np.abs(r) ** n


def envelope(x, axis: int = -1) -> np.ndarray:
    """Hilbert envelope ``|x + i H(x)|``."""
    return np.abs(hilbert(np.asarray(x, float), axis=axis))


def envelope_stack(aligned, dt: float | None = None, smooth_s: float = 0.0) -> np.ndarray:
    """Mean of the Hilbert envelopes of the aligned traces.

    With ``smooth_s > 0`` (needs ``dt``) the result is smoothed by a boxcar of
    that length in s.
    """
    e = envelope(aligned).mean(axis=0)
    if smooth_s and smooth_s > 0:
        if dt is None:
            raise ValueError("envelope_stack: smoothing needs the sample interval dt")
        w = max(int(round(smooth_s / dt)), 1)
        if w > 1:
            e = np.convolve(e, np.ones(w) / w, mode="same")
    return e
