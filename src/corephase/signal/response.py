"""Array response function (ARF) in wavenumber or slowness.

Element offsets ``east_km``, ``north_km`` in km from the reference point;
wavenumbers in rad/km, slownesses in s/km (east and north components).
"""

from __future__ import annotations

import numpy as np


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
    dot = np.outer(gx.ravel(), x) + np.outer(gy.ravel(), y)  # (ngrid, nel)
    if freqs is None:
        arf = np.abs(np.exp(1j * dot).sum(axis=1)) ** 2
    else:
        fr = np.atleast_1d(np.asarray(freqs, float))
        arf = np.zeros(dot.shape[0])
        for f in fr:
            arf += np.abs(np.exp(2j * np.pi * f * dot).sum(axis=1)) ** 2
        arf /= fr.size
    return g, g.copy(), (arf / x.size**2).reshape(gx.shape)
