"""The four SciPy signal functions that preprocessing uses, without all of ``scipy.signal``.

``import scipy.signal`` runs the package's ``__init__``, which imports every
submodule and with them ``scipy.stats``, ``scipy.spatial``, ``scipy.interpolate``
and ``scipy.ndimage``: about 0.5 s of CPU per preprocess job (0.6 s against
1.1 s for ``import obspy, scipy.signal``) for four functions. This module
imports the three SciPy submodules that hold them (``scipy.signal._filter_design``:
:func:`scipy.signal.iirfilter`; ``scipy.signal._sosfilt``: the compiled kernel of
:func:`scipy.signal.sosfilt`; ``scipy.signal.windows``: :func:`scipy.signal.windows.hann`)
without running the package's ``__init__``
(:func:`corephase.utils.imports.import_without_package_init`),
and computes :func:`scipy.signal.detrend` with the same :func:`scipy.linalg.lstsq`
call. The functions are SciPy's own, so the samples are the same to the last bit
(tested against the public ``scipy.signal`` functions); a SciPy whose private
layout differs makes this module fall back to ``import scipy.signal``.

The submodules stay in ``sys.modules`` under their own names, so a later
``import scipy.signal`` in the same process runs the package normally and
reuses them (tested).
"""

from __future__ import annotations

from functools import lru_cache, partial
from types import SimpleNamespace

import numpy as np

from corephase.utils.imports import import_without_package_init


@lru_cache(maxsize=1)
def _functions() -> SimpleNamespace:
    """``iirfilter``, ``sosfilt(sos, x)`` (last axis, zero initial state) and ``hann``;
    ``fast`` says whether they came without ``import scipy.signal``."""
    try:
        design, kernel, windows = import_without_package_init(
            "scipy.signal", ("_filter_design", "_sosfilt", "windows")
        )
        return SimpleNamespace(
            iirfilter=design.iirfilter,
            sosfilt=partial(_sosfilt_kernel, kernel._sosfilt),
            hann=windows.hann,
            fast=True,
        )
    except (ImportError, AttributeError):
        import scipy.signal

        return SimpleNamespace(
            iirfilter=scipy.signal.iirfilter,
            sosfilt=scipy.signal.sosfilt,
            hann=scipy.signal.windows.hann,
            fast=False,
        )


def _sosfilt_kernel(kernel, sos, x) -> np.ndarray:
    """:func:`scipy.signal.sosfilt` along the last axis from zero initial state, with
    SciPy's compiled kernel ``kernel(sos, x, zi)`` (filters the 2-D ``x`` in place),
    the input prepared as ``sosfilt`` prepares it (a copy in the common dtype)."""
    sos, x = np.asarray(sos), np.asarray(x)
    if x.ndim == 0 or sos.ndim != 2 or sos.shape[1] != 6:
        raise ValueError("sosfilt needs an array with samples and sections of shape (n, 6)")
    dtype = np.result_type(sos, x)
    if dtype.char not in "fdgFDGO":
        raise NotImplementedError(f"input type '{dtype}' not supported")
    y = np.array(np.reshape(x, (-1, x.shape[-1])), dtype, order="C")
    zi = np.zeros((y.shape[0], sos.shape[0], 2), dtype)
    kernel(sos.astype(dtype, copy=False), y, zi)
    return y.reshape(x.shape)


def iirfilter(order: int, wn, btype: str) -> np.ndarray:
    """Butterworth second-order sections: ``scipy.signal.iirfilter(order, wn,
    btype=btype, output="sos")``, corners ``wn`` as fractions of the Nyquist frequency."""
    return _functions().iirfilter(order, wn, btype=btype, output="sos")


def sosfilt(sos: np.ndarray, x) -> np.ndarray:
    """``scipy.signal.sosfilt(sos, x)``: causal filter along the last axis, zero initial
    state; float64 result for integer or float64 input (float32 stays float32)."""
    return _functions().sosfilt(sos, x)


def hann(m: int) -> np.ndarray:
    """``scipy.signal.windows.hann(m)``: the symmetric Hann window of ``m`` samples."""
    return _functions().hann(m)


def detrend(data, kind: str) -> np.ndarray:
    """``scipy.signal.detrend(data, type=kind)`` along the last axis (a new array).

    ``"constant"`` removes the mean; ``"linear"`` the least-squares line, fitted by
    :func:`scipy.linalg.lstsq` on the design matrix ``[k / n, 1]`` (k = 1..n) as SciPy
    does; float32 and complex inputs keep their precision, others become float64.
    """
    data = np.asarray(data)
    if kind == "constant":
        return data - np.mean(data, -1, keepdims=True)
    if kind != "linear":
        raise ValueError(f"detrend kind must be 'linear' or 'constant', got {kind!r}")
    from scipy.linalg import lstsq

    dtype = data.dtype.char if data.dtype.char in "dfDF" else "d"
    n = data.shape[-1]
    cols = np.moveaxis(data, -1, 0)
    shape = cols.shape
    cols = cols.reshape(n, -1).copy()
    if cols.dtype.char not in "dfDF":
        cols = cols.astype(dtype)
    if n:
        design = np.ones((n, 2), dtype)
        design[:, 0] = np.arange(1, n + 1, dtype=dtype) / n
        coef = lstsq(design, cols)[0]
        cols = cols - design @ coef
    return np.moveaxis(cols.reshape(shape), 0, -1)
