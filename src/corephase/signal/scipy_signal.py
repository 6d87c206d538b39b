"""The SciPy signal functions that preprocessing uses, without all of ``scipy.signal``.

``import scipy.signal`` runs the package's ``__init__``, which imports every
submodule and with them ``scipy.stats``, ``scipy.spatial``, ``scipy.interpolate``
and ``scipy.ndimage``: about 0.5 s of CPU per preprocess job for four functions.
This module imports the two SciPy submodules that hold the filter
(``scipy.signal._filter_design``: :func:`scipy.signal.iirfilter`;
``scipy.signal._sosfilt``: the compiled kernel of :func:`scipy.signal.sosfilt`)
without running the package's ``__init__``
(:func:`corephase.utils.imports.import_without_package_init`). While
``_filter_design`` is imported, ``scipy.optimize`` (imported there for the
filter-order functions, not for ``iirfilter``; it loads ``scipy.linalg`` and
``scipy.sparse``, about 0.4 s) is a bare package; the module's ``optimize`` is
then a :class:`LazyModule` that imports the real ``scipy.optimize`` on first use.

:func:`hann` computes :func:`scipy.signal.windows.hann` with SciPy's arithmetic
(the window module imports ``scipy.linalg``), and :func:`detrend` computes
:func:`scipy.signal.detrend` with the LAPACK call of :func:`scipy.linalg.lstsq`
(``?gelsd`` from ``scipy.linalg._flapack``, loaded without ``scipy.linalg``'s
``__init__``; complex data go through :func:`scipy.linalg.lstsq` itself). All of
it gives the same samples to the last bit (tested against the public SciPy
functions); a SciPy whose private layout differs makes this module fall back to
``import scipy.signal`` and :func:`scipy.linalg.lstsq`.

The submodules stay in ``sys.modules`` under their own names, so a later
``import scipy.signal`` in the same process runs the package normally and
reuses them (tested).
"""

from __future__ import annotations

from functools import lru_cache, partial
from types import SimpleNamespace

import numpy as np

from corephase.utils.imports import LazyModule, bare_package, import_without_package_init


@lru_cache(maxsize=1)
def _functions() -> SimpleNamespace:
    """``iirfilter``, ``sosfilt(sos, x)`` (last axis, zero initial state) and
    ``lstsq(a, b)`` (least-squares solution only); ``fast`` says whether they came
    without ``import scipy.signal`` and ``scipy.linalg``."""
    try:
        with bare_package("scipy.optimize") as bare:
            design, kernel = import_without_package_init(
                "scipy.signal", ("_filter_design", "_sosfilt")
            )
        if bare is not None and design.optimize is bare:
            design.optimize = LazyModule("scipy.optimize")
        (flapack,) = import_without_package_init("scipy.linalg", ("_flapack",))
        return SimpleNamespace(
            iirfilter=design.iirfilter,
            sosfilt=partial(_sosfilt_kernel, kernel._sosfilt),
            lstsq=partial(_gelsd_lstsq, flapack),
            fast=True,
        )
    except (ImportError, AttributeError):
        import scipy.signal

        return SimpleNamespace(
            iirfilter=scipy.signal.iirfilter,
            sosfilt=scipy.signal.sosfilt,
            lstsq=_scipy_lstsq,
            fast=False,
        )


def _scipy_lstsq(a, b) -> np.ndarray:
    """The least-squares solution of :func:`scipy.linalg.lstsq` (default driver gelsd)."""
    from scipy.linalg import lstsq

    return lstsq(a, b)[0]


def _gelsd_lstsq(flapack, a, b) -> np.ndarray:
    """:func:`scipy.linalg.lstsq` (driver ``gelsd``, ``cond`` machine epsilon) of a real
    ``a`` (m, n) and ``b`` (m,) or (m, k) of one dtype (float32 or float64), with SciPy's
    LAPACK wrappers ``flapack`` (``scipy.linalg._flapack``) called as SciPy calls them;
    complex data go to :func:`scipy.linalg.lstsq` itself. Returns the solution only."""
    a, b = np.asarray_chkfinite(a), np.asarray_chkfinite(b)
    if a.dtype != b.dtype or a.dtype.char not in "fd" or a.ndim != 2 or 0 in a.shape:
        return _scipy_lstsq(a, b)
    m, n = a.shape
    prefix = "s" if a.dtype.char == "f" else "d"
    solve, work_size = getattr(flapack, prefix + "gelsd"), getattr(flapack, prefix + "gelsd_lwork")
    nrhs = b.shape[1] if b.ndim == 2 else 1
    if m < n:
        padded = np.zeros((n, *b.shape[1:]), dtype=a.dtype)
        padded[:m] = b
        b = padded
    cond = np.finfo(a.dtype).eps
    *sizes, info = work_size(m, n, nrhs, cond)
    if info != 0:
        raise ValueError(f"Internal work array size computation failed: {info}")
    lwork, iwork = (_work_size(v.real, a.dtype) for v in sizes)
    x, _, _, info = solve(a, b, lwork, iwork, cond, False, False)
    if info != 0:
        raise ValueError(f"LAPACK {prefix}gelsd failed (info {info})")
    return x[:n] if m > n else x


def _work_size(value, dtype) -> int:
    """A LAPACK work size as SciPy rounds it (``scipy.linalg.lapack._check_work_float``:
    single-precision sizes rounded up to the next float32; 32-bit LAPACK integers)."""
    if dtype == np.float32:
        value = np.nextafter(value, np.inf, dtype=np.float32)
    value = int(value)
    if not 0 <= value <= np.iinfo(np.int32).max:
        raise ValueError(f"too large work array required: {value}")
    return value


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
    """``scipy.signal.windows.hann(m)``: the symmetric Hann window of ``m`` samples, with
    SciPy's arithmetic (``0.5 cos(0 x) + 0.5 cos(x)`` on ``x`` = ``m`` points from -pi to
    pi, summed into zeros; ones for ``m <= 1``)."""
    if int(m) != m or m < 0:
        raise ValueError("Window length M must be a non-negative integer")
    if m <= 1:
        return np.ones(m)
    fac = np.linspace(-np.pi, np.pi, m)
    w = np.zeros(m)
    for k, a in enumerate((0.5, 0.5)):
        w += a * np.cos(k * fac)
    return w


def detrend(data, kind: str) -> np.ndarray:
    """``scipy.signal.detrend(data, type=kind)`` along the last axis (a new array).

    ``"constant"`` removes the mean; ``"linear"`` the least-squares line, fitted by
    :func:`scipy.linalg.lstsq` (see :func:`_gelsd_lstsq`) on the design matrix
    ``[k / n, 1]`` (k = 1..n) as SciPy does; float32 and complex inputs keep their
    precision, others become float64.
    """
    data = np.asarray(data)
    if kind == "constant":
        return data - np.mean(data, -1, keepdims=True)
    if kind != "linear":
        raise ValueError(f"detrend kind must be 'linear' or 'constant', got {kind!r}")
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
        coef = _functions().lstsq(design, cols)
        cols = cols - design @ coef
    return np.moveaxis(cols.reshape(shape), 0, -1)
