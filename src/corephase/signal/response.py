"""Array response function (ARF) in wavenumber or slowness.

Element offsets ``east_km``, ``north_km`` in km from the reference point;
wavenumbers in rad/km, slownesses in s/km (east and north components).
"""

from __future__ import annotations

import numpy as np


def unit_phasors(phase) -> np.ndarray:
    """``exp(1j * phase)`` (complex128) from the cosine and sine of the real ``phase``
    (rad): the same values as ``numpy.exp`` of the imaginary argument, without the
    complex exponential's extra work."""
    out = np.empty(np.shape(phase), np.complex128)
    np.cos(phase, out=out.real)
    np.sin(phase, out=out.imag)
    return out


def arf_slowness(east_km, north_km, sx_s_km, sy_s_km, freqs_hz) -> np.ndarray:
    """Array response at arbitrary slowness-difference points.

    ``R(s) = mean_f |sum_i exp(i 2 pi f (sx x_i + sy y_i))|^2 / N^2`` (1 at
    the origin), the frequency-averaged response of
    :func:`corephase.signal.response.array_response`.

    Parameters
    ----------
    east_km, north_km : array_like, shape (N,)
    sx_s_km, sy_s_km : array_like
        Slowness-vector differences in s/km (any equal shapes).
    freqs_hz : float or array_like
        Frequencies in Hz.

    Returns
    -------
    numpy.ndarray
        Same shape as ``sx_s_km``.
    """
    x = np.asarray(east_km, float).ravel()
    y = np.asarray(north_km, float).ravel()
    sx = np.asarray(sx_s_km, float)
    sy = np.asarray(sy_s_km, float)
    dot = sx.reshape(-1, 1) * x + sy.reshape(-1, 1) * y
    out = np.zeros(dot.shape[0])
    fr = np.atleast_1d(np.asarray(freqs_hz, float))
    for f in fr:
        out += np.abs(unit_phasors((2.0 * np.pi * f) * dot).sum(axis=1)) ** 2
    return (out / (fr.size * x.size**2)).reshape(sx.shape)


def _grid(limit: float, step: float) -> np.ndarray:
    if limit <= 0 or step <= 0:
        raise ValueError(f"grid limit and step must be positive, got {limit} and {step}")
    n = int(np.ceil((limit + step / 10.0 + limit) / step))
    return np.linspace(-limit, limit, n)


def array_response(east_km, north_km, limit: float, step: float, freqs=None):
    """Array response function (ARF) in wavenumber or slowness.

    Parameters
    ----------
    east_km, north_km : array_like
        Element offsets in km.
    limit, step : float
        Symmetric grid ``-limit..limit``. Wavenumber (``freqs`` None): angular
        wavenumber in rad/km. Slowness (``freqs`` given): s/km.
    freqs : array_like, optional
        Frequencies in Hz. If given, the ARF in slowness is the mean over
        these frequencies of the single-frequency response.

    Returns
    -------
    gx, gy : numpy.ndarray
        Grid axes (east and north components), rad/km or s/km. The number of
        points is ``ceil((2 limit + step/10) / step)`` as in ObsPy's
        ``array_transff_wavenumber``.
    arf : numpy.ndarray, shape (n_gx, n_gy)
        ``|sum_i exp(i k.r_i)|^2 / N^2`` (``k = 2 pi f s`` in slowness), 1 at
        the origin.
    """
    x = np.asarray(east_km, float).reshape(-1)
    y = np.asarray(north_km, float).reshape(-1)
    if x.size != y.size or x.size < 1:
        raise ValueError("east_km and north_km must be non-empty and of equal length")
    g = _grid(limit, step)
    gx, gy = np.meshgrid(g, g, indexing="ij")
    if freqs is not None:
        return g, g.copy(), arf_slowness(x, y, gx, gy, freqs)
    dot = np.outer(gx.ravel(), x) + np.outer(gy.ravel(), y)  # (ngrid, nel)
    arf = np.abs(unit_phasors(dot).sum(axis=1)) ** 2
    return g, g.copy(), (arf / x.size**2).reshape(gx.shape)
