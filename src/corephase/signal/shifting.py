"""Fractional shifts of analytic signals in the time domain: the vespagram's fast path.

:func:`corephase.signal.vespagram.vespagram_stacks` with ``method="interp"``
shifts each trace's analytic signal by interpolation instead of one inverse FFT
per trace and trial slowness. Per trace, once:

1. the analytic signal of the zero-padded trace (FFT length ``nfft``, as the
   exact path) is oversampled :data:`OVERSAMPLE` times by one inverse FFT of
   its zero-padded one-sided spectrum; this is exactly the ``nfft``-periodic
   band-limited signal the exact path's phase ramps shift;
2. it is moved to baseband, ``b(t) = z(t) exp(-i w0 t)`` with ``w0`` a quarter
   of the sampling frequency (the middle of the analytic band ``0..fs/2``), so
   ``b`` holds only frequencies ``|f| <= fs/4``: at most ``1 / (4 R)`` cycles per
   oversampled sample for ``R =`` :data:`OVERSAMPLE`;
3. it is stored as ``R`` polyphase rows of real and imaginary parts, so every
   tap of the interpolator reads contiguous memory.

Conventions: a trace is advanced by its delay ``tau`` (s), as
:func:`corephase.signal.alignment.shift_traces` does: output sample *n* is the
signal at ``n dt + tau`` after the first sample of the record.

Per trace and trial slowness, ``z(n dt + tau) = i**n exp(i w0 tau) b(n dt + tau)``
(``w0 dt = pi / 2``), and ``b`` at ``n dt + tau`` is a :data:`TAPS`-point Lagrange
interpolation on the oversampled grid. A compiled kernel (numba) does the
interpolation, the phase factor, the envelope and unit phasor and the sums over
traces in one pass per trace and slowness.

The Nyquist bin of an even ``nfft`` is left out of the oversampled signal and
added exactly as the exact path has it (the real part of its shifted value,
:func:`nyquist_terms`): a record's truncation leaks energy up to the Nyquist
frequency even when it was low-passed.

Accuracy: for a complex exponential anywhere in the analytic band the
interpolation error is at most :func:`interpolation_error_bound` (7.0e-10 for
``R = 4`` and 12 taps) of its amplitude, so every shifted sample is within that
fraction of the sum of the spectrum's moduli divided by ``nfft`` of the exact
path's; on band-passed noise the stacks agree to about 1e-9 of their maximum.

Without numba, :func:`numba_available` is False and the vespagram uses its exact
FFT path.
"""

from __future__ import annotations

import numpy as np

try:
    import numba
except ImportError:  # the vespagram falls back to its exact FFT path
    numba = None

#: Oversampling factor of the analytic signal before time-domain interpolation.
OVERSAMPLE = 4
#: Points of the Lagrange interpolator on the oversampled grid (even).
TAPS = 3 * OVERSAMPLE  # the kernel reads three consecutive taps per polyphase row


def numba_available() -> bool:
    """Whether the compiled interpolation kernel can be used (numba is installed)."""
    return numba is not None


def lagrange_weights(frac: float, taps: int, out) -> None:
    """Lagrange weights of the nodes ``k = 1 - taps/2 .. taps/2`` at the point ``frac``.

    ``out[k + taps/2 - 1]`` multiplies the sample at node ``k``; ``frac`` in
    ``[0, 1)`` is the position between nodes 0 and 1 (in samples).
    """
    first = 1 - taps // 2
    for a in range(taps):
        w = 1.0
        for b in range(taps):
            if a != b:
                w *= (frac - (first + b)) / (a - b)
        out[a] = w


def interpolation_error_bound(oversample: int = OVERSAMPLE, taps: int = TAPS) -> float:
    """Largest error of the interpolator on a unit complex exponential of the band.

    Maximum over frequencies ``|f| <= 1 / (4 oversample)`` cycles per sample
    (the baseband of an analytic signal oversampled ``oversample`` times) and
    over 101 fractional positions in ``[0, 1]`` of
    ``|exp(2 pi i f d) - sum_k w_k(d) exp(2 pi i f k)|``, ``w_k`` the weights of
    :func:`lagrange_weights`.
    """
    f = np.linspace(-0.25 / oversample, 0.25 / oversample, 201)
    nodes = np.arange(taps) + 1 - taps // 2
    w = np.empty(taps)
    worst = 0.0
    for d in np.linspace(0.0, 1.0, 101):
        lagrange_weights(d, taps, w)
        approx = w @ np.exp(2j * np.pi * np.outer(nodes, f))
        worst = max(worst, float(np.abs(np.exp(2j * np.pi * f * d) - approx).max()))
    return worst


class Baseband:
    """Oversampled baseband analytic signals of a block of traces, in polyphase rows.

    Parameters
    ----------
    spectra : numpy.ndarray, shape (n_traces, nfft // 2 + 1), complex
        One-sided spectra of the zero-padded traces, weighted so that their
        inverse FFT of length ``nfft`` is the analytic signal.
    nfft : int
        FFT length of the exact path (the period of the shifted signals).
    nsamp : int
        Output samples per shifted trace.
    lo, hi : int
        Smallest and largest integer offsets ``floor(R tau / dt)`` in
        oversampled samples that will be asked for.

    Attributes
    ----------
    rows : numpy.ndarray, shape (n_traces, 2, R, length), float64
        ``rows[i, c, r, m]`` is the real (c = 0) or imaginary (c = 1) part of
        the baseband signal of trace *i* at oversampled sample
        ``base + R m + r`` (periodic, period ``R nfft``).
    base : int
        Oversampled sample of ``rows[:, :, 0, 0]``.
    """

    def __init__(self, spectra, nfft: int, nsamp: int, lo: int, hi: int):
        r = OVERSAMPLE
        ntr, nf = spectra.shape
        big = np.zeros((ntr, r * nfft), complex)
        big[:, :nf] = spectra
        z = np.fft.ifft(big, axis=-1)
        z *= r  # the inverse FFT of length R nfft divides by R more than the exact path's
        self.base = r * ((lo + 1 - TAPS // 2) // r)
        length = (hi + TAPS // 2 - self.base) // r + nsamp
        u = self.base + np.arange(length * r)
        # baseband: exp(-i w0 t) at t = u dt / R with w0 dt = pi / 2
        ext = z[:, u % (r * nfft)] * np.exp(-0.5j * np.pi * (u % (4 * r)) / r)
        ext = ext.reshape(ntr, length, r).transpose(0, 2, 1)
        self.rows = np.ascontiguousarray(np.stack([ext.real, ext.imag], axis=1))


def shift_offsets(tau_s, dt: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Integer offset, fraction and baseband phase of delays ``tau_s`` (s).

    Returns ``floor(R tau / dt)`` (int64), ``R tau / dt`` minus it (in
    ``[0, 1)``) and ``(cos, sin)`` of ``w0 tau`` stacked on the last axis.
    """
    pos = OVERSAMPLE * np.asarray(tau_s, float) / dt
    m = np.floor(pos)
    ph = 0.5 * np.pi * np.asarray(tau_s, float) / dt
    return m.astype(np.int64), pos - m, np.stack([np.cos(ph), np.sin(ph)], axis=-1)


def _interpolate(rows, first, w, zr, zi) -> None:
    """``zr + i zi`` = the interpolated signal of one trace's polyphase ``rows`` (2, R, length)
    at ``first + R n`` plus the fraction of the weights ``w``, for every output sample ``n``.

    The taps in one polyphase row are consecutive samples of that row, three per row."""
    r = rows.shape[1]
    nsamp = zr.shape[0]
    for p in range(r):
        k = (p - first) % r  # first tap read from row p
        o = (first + k) // r
        w0, w1, w2 = w[k], w[k + r], w[k + 2 * r]
        xr = rows[0, p, o : o + nsamp + 2]
        xi = rows[1, p, o : o + nsamp + 2]
        if p == 0:
            for n in range(nsamp):
                zr[n] = w0 * xr[n] + w1 * xr[n + 1] + w2 * xr[n + 2]
                zi[n] = w0 * xi[n] + w1 * xi[n + 1] + w2 * xi[n + 2]
        else:
            for n in range(nsamp):
                zr[n] += w0 * xr[n] + w1 * xr[n + 1] + w2 * xr[n + 2]
                zi[n] += w0 * xi[n] + w1 * xi[n + 1] + w2 * xi[n + 2]


def _add_terms(zr, zi, cr, sr, g, quarter, lin_re, lin_im, unit_re, unit_im, env) -> None:
    """Add one shifted trace's terms to the sums of one trial slowness (1-D, nsamp).

    ``zr + i zi`` is the interpolated baseband signal, ``cr + i sr`` its phase
    factor ``exp(i w0 tau)`` and ``g i**n`` the shifted Nyquist term in the same
    frame (``quarter`` holds ``i**n``). One loop without branches, so that it
    vectorises.
    """
    tiny = np.finfo(np.float64).tiny
    for n in range(zr.shape[0]):
        a = cr * zr[n] - sr * zi[n] + g * quarter[0, n]
        b = sr * zr[n] + cr * zi[n] + g * quarter[1, n]
        lin_re[n] += a
        lin_im[n] += b
        mag = np.sqrt(a * a + b * b)
        env[n] += mag
        inv = 1.0 / max(mag, tiny)
        unit_re[n] += a * inv
        unit_im[n] += b * inv


def _add_root(zr, zi, cr, sr, g, quarter, inv_n, root) -> None:
    """Add the signed ``1/n``-th root of one shifted trace (``inv_n = 1/n``) to ``root``."""
    for n in range(zr.shape[0]):
        a = cr * zr[n] - sr * zi[n] + g * quarter[0, n]
        b = sr * zr[n] + cr * zi[n] + g * quarter[1, n]
        re = quarter[0, n] * a - quarter[1, n] * b  # the real part of i**n (a + i b)
        root[n] += np.sign(re) * np.abs(re) ** inv_n


def _accumulate(rows, base, m, frac, rot, nyq, quarter, inv_n, lin, unit, env, root):
    """Add every trace's shifted terms, for every trial slowness, to the accumulators.

    ``rows`` (n_traces, 2, R, length) from :class:`Baseband` (``base`` its first
    sample); ``m``, ``frac`` (n_slow, n_traces) and ``rot`` (n_slow, n_traces, 2)
    from :func:`shift_offsets`; ``nyq`` (n_slow, n_traces) the shifted Nyquist
    term (:func:`nyquist_terms`); ``quarter`` (2, nsamp) the real and imaginary
    parts of ``i**n``. Accumulators (n_slow, ...) are updated when their first
    axis is not empty: ``lin`` and ``unit`` (n_slow, 2, nsamp) sum the shifted
    analytic signal and its unit phasor without the factor ``i**n``, ``env`` the
    envelope and ``root`` the signed ``1/n``-th root of the shifted trace.
    """
    nsamp = quarter.shape[1]
    w = np.empty(TAPS)
    z = np.empty((2, nsamp))
    spare = np.empty((5, nsamp))  # takes the sums that are not asked for
    do = (lin.shape[0] > 0, unit.shape[0] > 0, env.shape[0] > 0, root.shape[0] > 0)
    for j in range(m.shape[0]):
        lin_re = lin[j, 0] if do[0] else spare[0]
        lin_im = lin[j, 1] if do[0] else spare[1]
        unit_re = unit[j, 0] if do[1] else spare[2]
        unit_im = unit[j, 1] if do[1] else spare[3]
        env_j = env[j] if do[2] else spare[4]
        for i in range(rows.shape[0]):
            lagrange_weights(frac[j, i], TAPS, w)
            _interpolate(rows[i], m[j, i] + 1 - TAPS // 2 - base, w, z[0], z[1])
            cr, sr, g = rot[j, i, 0], rot[j, i, 1], nyq[j, i]
            _add_terms(z[0], z[1], cr, sr, g, quarter, lin_re, lin_im, unit_re, unit_im, env_j)
            if do[3]:
                _add_root(z[0], z[1], cr, sr, g, quarter, inv_n, root[j])


if numba is not None:
    lagrange_weights = numba.njit(cache=True, nogil=True)(lagrange_weights)
    _interpolate = numba.njit(cache=True, nogil=True)(_interpolate)
    _add_terms = numba.njit(cache=True, nogil=True)(_add_terms)
    _add_root = numba.njit(cache=True, nogil=True)(_add_root)
    _accumulate = numba.njit(cache=True, nogil=True)(_accumulate)


def quarter_turns(nsamp: int) -> np.ndarray:
    """Real and imaginary parts of ``i**n`` for ``n = 0 .. nsamp - 1``, shape (2, nsamp)."""
    n = np.arange(nsamp) % 4
    return np.stack([np.array([1.0, 0.0, -1.0, 0.0])[n], np.array([0.0, 1.0, 0.0, -1.0])[n]])


def sum_blocks(blocks, s, dt, nfft, weights, n_root, terms, nsamp) -> dict:
    """Shifted terms summed over the traces of ``blocks`` for every trial slowness.

    ``blocks``: (data, q, statics) triples, the delay of a trace at slowness
    ``s`` (s/km) being ``s q + statics`` (s); ``weights`` the analytic weights of
    the one-sided spectrum (length ``nfft // 2 + 1``); ``terms`` any of ``"lin"``,
    ``"unit"``, ``"env"``, ``"root"``. Returns the accumulators of
    :func:`accumulate_shifted` (``lin``, ``unit`` without the factor ``i**n``:
    :func:`turn_quarters` applies it to their means).
    """
    acc = {
        k: np.zeros((s.size, 2, nsamp) if k in ("lin", "unit") else (s.size, nsamp)) for k in terms
    }
    for data, q, st in blocks:
        spectra = np.fft.rfft(data, nfft, axis=-1) * weights
        accumulate_shifted(spectra, s[:, None] * q[None, :] + st[None, :], dt, nfft, n_root, acc)
    return acc


def turn_quarters(means: dict, nsamp: int) -> None:
    """Means over traces of :func:`sum_blocks`'s sums, in place, made the mean shifted
    trace (``"lin"``: the real part after the factor ``i**n``) and the mean unit
    phasor (``"unit"``, complex), as the vespagram's FFT path has them."""
    qr, qi = quarter_turns(nsamp)
    if "lin" in means:
        a = means["lin"]
        means["lin"] = qr * a[:, 0] - qi * a[:, 1]
    if "unit" in means:
        a = means["unit"]
        means["unit"] = (qr + 1j * qi) * (a[:, 0] + 1j * a[:, 1])


def nyquist_terms(spectra, tau_s, dt: float, nfft: int) -> np.ndarray:
    """The shifted Nyquist bin of each trace and delay, as the exact path has it.

    For an even ``nfft`` the exact path keeps the real part of the shifted
    Nyquist bin, ``g = Re(X(fs/2) exp(i pi tau / dt)) / nfft``, which adds
    ``g (-1)**n`` to sample *n* (that is ``g i**n`` after the baseband factor
    ``i**-n``); shape (n_slow, n_traces), zeros for an odd ``nfft``.
    """
    tau_s = np.asarray(tau_s, float)
    if nfft % 2:
        return np.zeros(tau_s.shape)
    return (spectra[None, :, -1] * np.exp(1j * np.pi * tau_s / dt)).real / nfft


def accumulate_shifted(spectra, tau_s, dt: float, nfft: int, n_root: float, acc: dict) -> None:
    """Add the shifted terms of a block of traces, summed over traces, to ``acc``.

    Parameters
    ----------
    spectra : numpy.ndarray, shape (n_traces, nfft // 2 + 1), complex
        Analytic-weighted one-sided spectra (see :class:`Baseband`).
    tau_s : numpy.ndarray, shape (n_slow, n_traces)
        Delay in s by which each trace is advanced at each trial slowness.
    dt : float
        Sample interval in s.
    nfft : int
        FFT length of the exact path.
    n_root : float
        Order of the nth-root term.
    acc : dict
        Accumulators, any of ``"lin"`` and ``"unit"`` (n_slow, 2, nsamp):
        real and imaginary parts of the shifted analytic signal and of its unit
        phasor, each without the factor ``i**n`` (see :func:`quarter_turns`);
        ``"env"`` and ``"root"`` (n_slow, nsamp): envelope and signed root.
    """
    m, frac, rot = shift_offsets(tau_s, dt)
    nsamp = next(iter(acc.values())).shape[-1]
    nyq = nyquist_terms(spectra, tau_s, dt, nfft)
    if nfft % 2 == 0:  # the Nyquist bin is added exactly, apart from the interpolation
        spectra = spectra.copy()
        spectra[:, -1] = 0.0
    band = Baseband(spectra, nfft, nsamp, int(m.min()), int(m.max()))
    none3, none2 = np.empty((0, 2, nsamp)), np.empty((0, nsamp))
    _accumulate(
        band.rows, band.base, m, frac, rot, nyq, quarter_turns(nsamp), 1.0 / n_root,
        acc.get("lin", none3), acc.get("unit", none3), acc.get("env", none2),
        acc.get("root", none2),
    )  # fmt: skip
