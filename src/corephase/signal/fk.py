"""Frequency-wavenumber (FK) analysis: beam power over a slowness grid.

Conventions
-----------
- Element offsets ``east_km``, ``north_km`` in km from the reference point.
- Slowness in s/km (divide s/deg by :data:`corephase.model.geometry.KM_PER_DEG`).
- The slowness *vector* ``(sx, sy)`` of the grids points in the direction of
  propagation (away from the source), as in ObsPy's ``array_processing``:
  ``sx = -s sin(baz)``, ``sy = -s cos(baz)`` with the back-azimuth ``baz`` in
  degrees clockwise from north, and the delay of element *i* is
  ``tau_i = sx x_i + sy y_i`` (see :mod:`corephase.signal.alignment`).
- Sample indices and times are relative to the first sample of ``data``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from corephase.signal.matrix import check_traces, check_weights


@dataclass(frozen=True)
class FKParams:
    """Slowness grid, frequency band and taper of an FK analysis.

    Attributes
    ----------
    smax_s_km, step_s_km : float
        Grid ``sx, sy`` in ``-smax..smax`` s/km with step ``step`` s/km
        (:func:`slowness_grid`).
    fmin, fmax : float
        Band in Hz; its FFT bins (excluding DC and Nyquist) are beamformed.
    taper : float
        Fraction of the cosine taper applied to each window (:func:`cosine_taper`;
        0.22 as ObsPy's ``array_processing``).
    """

    smax_s_km: float
    step_s_km: float
    fmin: float
    fmax: float
    taper: float = 0.22

    def grid(self) -> np.ndarray:
        """The grid axis (s/km), the same for ``sx`` and ``sy``."""
        return slowness_grid(self.smax_s_km, self.step_s_km)

    def spectra(self, data, starts, nsamp: int, dt: float):
        """Demeaned, tapered band spectra of the windows ``data[:, s:s + nsamp]``:
        (n_win, n_el, n_f) and the frequencies (Hz)."""
        return _window_spectra(data, starts, nsamp, dt, self.fmin, self.fmax, self.taper)


def slowness_grid(smax_s_km: float, step_s_km: float) -> np.ndarray:
    """Grid ``-smax, -smax + step, ...`` (s/km) with ``int(2 smax / step + 0.5) + 1`` points.

    The same count as ObsPy's ``array_processing`` for ``sll = -smax``, ``slm = smax``.
    """
    if step_s_km <= 0 or smax_s_km <= 0:
        raise ValueError(
            f"slowness limit and step must be positive, got {smax_s_km} and {step_s_km} s/km"
        )
    n = int(2.0 * smax_s_km / step_s_km + 0.5) + 1
    return -smax_s_km + np.arange(n) * step_s_km


def cosine_taper(n: int, p: float = 0.22) -> np.ndarray:
    """Cosine (Tukey-like) taper of ``n`` samples, fraction ``p`` at each end.

    Same definition as :func:`obspy.signal.invsim.cosine_taper` (the taper
    ObsPy's ``array_processing`` applies with ``p = 0.22``).
    """
    if not 0 <= p < 1:
        raise ValueError(f"taper fraction must be within [0, 1), got {p}")
    frac = int(n * p / 2.0 + 0.5)
    idx1, idx2, idx3, idx4 = 0, frac - 1, n - frac, n - 1
    if idx1 == idx2:
        idx2 += 1
    if idx3 == idx4:
        idx3 -= 1
    t = np.ones(n)
    if idx1 != idx2:
        k = np.arange(idx1, idx2 + 1)
        t[idx1 : idx2 + 1] = 0.5 * (1.0 - np.cos(np.pi * (k - idx1) / (idx2 - idx1)))
    if idx3 != idx4:
        k = np.arange(idx3, idx4 + 1)
        t[idx3 : idx4 + 1] = 0.5 * (1.0 + np.cos(np.pi * (idx3 - k) / (idx4 - idx3)))
    if idx1 == idx2:
        t[idx1] = 0.0
    if idx3 == idx4:
        t[idx3] = 0.0
    return t


def _band_bins(nfft: int, dt: float, fmin: float, fmax: float) -> tuple[int, int]:
    df = 1.0 / (nfft * dt)
    lo = max(1, int(fmin / df + 0.5))
    hi = min(nfft // 2 - 1, int(fmax / df + 0.5))
    if hi < lo:
        raise ValueError(
            f"band {fmin}-{fmax} Hz contains no frequency bin for a {nfft * dt:.2f} s window "
            f"(bin width {df:.3f} Hz)"
        )
    return lo, hi


def _band_freqs(nsamp: int, dt: float, fmin: float, fmax: float) -> np.ndarray:
    """Frequencies (Hz) of the band's bins for windows of ``nsamp`` samples."""
    nfft = 1 << int(np.ceil(np.log2(nsamp)))
    lo, hi = _band_bins(nfft, dt, fmin, fmax)
    return np.arange(lo, hi + 1) / (nfft * dt)


def _window_spectra(data, starts, nsamp, dt, fmin, fmax, taper):
    """Demeaned, tapered window spectra in the band: (n_win, n_el, n_f), freqs (Hz)."""
    nfft = 1 << int(np.ceil(np.log2(nsamp)))
    lo, hi = _band_bins(nfft, dt, fmin, fmax)
    view = np.lib.stride_tricks.sliding_window_view(data, nsamp, axis=-1)  # (nel, nstart, ns)
    win = view[:, starts, :].transpose(1, 0, 2)
    win = win - win.mean(axis=-1, keepdims=True)
    win = win * cosine_taper(nsamp, taper)
    spec = np.fft.rfft(win, nfft, axis=-1)[..., lo : hi + 1]
    freqs = np.arange(lo, hi + 1) / (nfft * dt)
    return spec, freqs


def _steering(x, y, sx, sy, freqs, dtype):
    """Steering matrices exp(i 2 pi f (sx x + sy y)): (n_f, n_el, n_grid)."""
    # separable: exp(i w (sx x + sy y)) = exp(i w sx x) exp(i w sy y), an outer product
    w = 2j * np.pi * np.asarray(freqs, float)[:, None, None]
    a = np.exp(w * np.outer(x, sx)[None]).astype(dtype)  # (nf, nel, nsx)
    b = np.exp(w * np.outer(y, sy)[None]).astype(dtype)  # (nf, nel, nsy)
    return (a[:, :, :, None] * b[:, :, None, :]).reshape(len(freqs), len(x), -1)


def _beam_power(spec, steer):
    """sum_f |spec[w, :, f] @ steer[f]|^2 -> (n_win, n_grid)."""
    nwin = spec.shape[0]
    p = np.zeros((nwin, steer.shape[-1]), np.float64 if steer.dtype == complex else np.float32)
    for k in range(steer.shape[0]):
        b = spec[:, :, k].astype(steer.dtype) @ steer[k]
        a = np.abs(b)
        p += a * a
    return p


def _bartlett_separable(spec, x, y, sx, sy, freqs):
    """Bartlett power of one window on the grid sx x sy, as (n_sx, n_sy).

    Uses ``exp(i w (sx x + sy y)) = exp(i w sx x) exp(i w sy y)``: per frequency
    the beam over the whole grid is one (n_sx, n_el) @ (n_el, n_sy) product,
    so the (n_el, n_sx * n_sy) steering matrix is never formed.
    """
    p = np.zeros((sx.size, sy.size))
    for k, f in enumerate(np.asarray(freqs, float)):
        w = 2j * np.pi * f
        a = np.exp(w * np.outer(x, sx))  # (nel, nsx)
        b = np.exp(w * np.outer(y, sy))  # (nel, nsy)
        m = (spec[:, k, None] * a).T @ b
        p += m.real**2 + m.imag**2
    return p


def _capon_power(spec, steer, loading=1e-3):
    """Capon (MVDR) power sum_f 1 / (e^H R_f^-1 e) per window, R_f rank-one plus loading."""
    nwin, nel, nf = spec.shape
    p = np.zeros((nwin, steer.shape[-1]))
    for k in range(nf):
        xk = spec[:, :, k]
        r = xk[:, :, None] * xk[:, None, :].conj()
        tr = np.real(np.trace(r, axis1=1, axis2=2)) / nel
        r = r + (loading * tr + 1e-300)[:, None, None] * np.eye(nel)[None]
        ri = np.linalg.inv(r)
        e = steer[k].astype(complex)  # (nel, ngrid)
        # e^H R^-1 e for every grid point; conj(e) convention matches Bartlett's e^T X
        q = np.einsum("ig,wij,jg->wg", e, ri, e.conj(), optimize=True)
        p += 1.0 / np.maximum(np.abs(q), 1e-300)
    return p


def _baz_slowness(sx, sy):
    s = np.hypot(sx, sy)
    baz = np.degrees(np.arctan2(-np.asarray(sx), -np.asarray(sy))) % 360.0
    return s, baz


def _one_window(data, dt, window, fk: FKParams):
    """Grid axis (s/km) and the band spectra of the window ``[t0_idx, t1_idx)`` (checked)."""
    t0_idx, t1_idx = (int(i) for i in window)
    if not 0 <= t0_idx < t1_idx <= data.shape[1]:
        raise ValueError(
            f"FK window [{t0_idx}, {t1_idx}) is outside the data (0..{data.shape[1]} samples)"
        )
    spec, freqs = fk.spectra(data, np.array([t0_idx]), t1_idx - t0_idx, dt)
    return fk.grid(), spec, freqs


def fk_power(data, dt: float, east_km, north_km, window, fk: FKParams, method="bartlett"):
    """FK (beam) power over a slowness grid in one time window.

    The window ``data[:, t0_idx:t1_idx]`` is demeaned, tapered (cosine) and
    Fourier transformed with the next power-of-two length; the bins of the
    band are beamformed.

    Parameters
    ----------
    data, dt, east_km, north_km
        Traces (n_elements, n_samples) sharing the sample interval ``dt`` (s)
        and start time; east and north offsets of the elements in km.
    window : (int, int)
        Window start (inclusive) and end (exclusive) sample ``(t0_idx, t1_idx)``.
    fk : FKParams
        Slowness grid (s/km), band (Hz) and taper.
    method : {"bartlett", "capon"}
        Conventional beamforming or Capon (MVDR, diagonal loading 1e-3).

    Returns
    -------
    sx, sy : numpy.ndarray
        Grid axes in s/km (propagation-direction slowness vector).
    power_abs : numpy.ndarray, shape (n_sx, n_sy)
        Bartlett: ``sum_f |sum_i X_i(f) exp(i 2 pi f tau_i)|^2`` in
        (data units)^2, as ObsPy's ``abspow``. Capon: ``sum_f 1/(e^H R^-1 e)``.
    power_rel : numpy.ndarray, shape (n_sx, n_sy)
        Bartlett: ``power_abs / (N sum_f sum_i |X_i(f)|^2)``, 0..1 (1 for a
        perfectly coherent plane wave at the grid point). Capon: normalised
        to its maximum.
    """
    data, x, y = check_traces(data, east_km, north_km)
    g, spec, freqs = _one_window(data, dt, window, fk)
    if method == "bartlett":
        p = _bartlett_separable(spec[0], x, y, g, g, freqs).ravel()
        dpow = x.size * np.sum(np.abs(spec[0]) ** 2)
        rel = p / dpow if dpow > 0 else np.zeros_like(p)
    elif method == "capon":
        p = _capon_power(spec, _steering(x, y, g, g, freqs, complex))[0]
        rel = p / p.max() if p.max() > 0 else p
    else:
        raise ValueError(f"unknown FK method {method!r}; expected 'bartlett' or 'capon'")
    shape = (g.size, g.size)
    return g, g.copy(), p.reshape(shape), rel.reshape(shape)


def weighted_fk_power(data, dt: float, east_km, north_km, window, fk: FKParams, weights):
    """Bartlett FK power of many weighted element selections in one window.

    Row *r* of ``weights`` gives the result of :func:`fk_power` (Bartlett) on
    the elements repeated ``weights[r, i]`` times (integer weights; in general
    a weighted beam): ``sum_f |sum_i w_i X_i(f) exp(i 2 pi f tau_i)|^2`` and
    its ratio to ``(sum_i w_i) sum_f sum_i w_i |X_i(f)|^2``. Window spectra and
    steering vectors are computed once for all selections; per frequency and
    selection the grid of beams is one (n_sx, n) @ (n, n_sy) product over the
    n elements with non-zero weight.

    Parameters
    ----------
    data, dt, east_km, north_km, window, fk
        As for :func:`fk_power` (sample interval in s, offsets in km, window
        in samples, grid in s/km, band in Hz).
    weights : array_like, shape (n_sel, n_elements) or (n_elements,)
        Non-negative weights; every row needs a positive sum.

    Returns
    -------
    sx, sy : numpy.ndarray
        Grid axes in s/km (propagation-direction slowness vector).
    power_abs, power_rel : numpy.ndarray, shape (n_sel, n_sx, n_sy)
        Absolute and relative (0..1) Bartlett power per selection.
    """
    data, x, y = check_traces(data, east_km, north_km)
    wts = check_weights(weights, x.size)
    g, spec, freqs = _one_window(data, dt, window, fk)
    spec = spec[0]  # (n_el, n_f)
    w = 2j * np.pi * np.asarray(freqs, float)[:, None, None]
    a = spec.T[:, :, None] * np.exp(w * np.outer(x, g))  # (n_f, n_el, n_sx)
    b = np.exp(w * np.outer(y, g))  # (n_f, n_el, n_sy)
    p = np.stack([_selection_power(a, b, wr) for wr in wts])
    dpow = wts.sum(axis=1) * (wts @ np.sum(np.abs(spec) ** 2, axis=1))
    rel = p / np.where(dpow > 0, dpow, 1.0)[:, None, None]
    rel[dpow <= 0] = 0.0
    return g, g.copy(), p, rel


def _selection_power(a, b, wr) -> np.ndarray:
    """Bartlett power (n_sx, n_sy) of one weighted selection: ``sum_f |m_f|^2`` with
    ``m_f = (wr * a_f)^T @ b_f`` over the elements of non-zero weight, the squares of
    the real and imaginary parts added in order of frequency (the power and a square
    stay in the CPU cache)."""
    act = np.flatnonzero(wr > 0)
    wa, bs = wr[act, None] * a[:, act], b[:, act]
    p = np.zeros((a.shape[2], b.shape[2]))
    sq = np.empty_like(p)
    for ak, bk in zip(wa, bs, strict=True):
        m = ak.T @ bk
        p += np.square(m.real, out=sq)
        p += np.square(m.imag, out=sq)
    return p


@dataclass
class SlidingFK:
    """Sliding-window FK results; one entry per window.

    Attributes
    ----------
    t_start_s, t_center_s : numpy.ndarray
        Window start and centre in s after the first sample of the data.
    relpow, abspow : numpy.ndarray
        Relative (0..1) and absolute beam power at the best grid point.
    sx, sy : numpy.ndarray
        Best slowness vector in s/km (propagation direction).
    slowness_s_km : numpy.ndarray
        Best horizontal slowness in s/km.
    baz_deg : numpy.ndarray
        Best back-azimuth, degrees clockwise from north in [0, 360).
    relpow_maps : numpy.ndarray or None
        (n_win, n_sx, n_sy) relative power when requested.
    """

    t_start_s: np.ndarray
    t_center_s: np.ndarray
    relpow: np.ndarray
    abspow: np.ndarray
    sx: np.ndarray
    sy: np.ndarray
    slowness_s_km: np.ndarray
    baz_deg: np.ndarray
    relpow_maps: np.ndarray | None = None


def _best_bartlett(spec, steer, freqs, gx, gy, x, y):
    """Best grid point per window: (index, absolute power, relative power, relative maps).

    The single-precision grid search is re-evaluated in double precision at the
    best few candidates, so the argmax equals a double-precision search (ties:
    lowest grid index, as a C-order argmax).
    """
    nel = x.size
    dpow = nel * np.sum(np.abs(spec) ** 2, axis=(1, 2))
    p = _beam_power(spec, steer)
    k = min(4, p.shape[1])
    cand = np.argpartition(p, -k, axis=1)[:, -k:]
    ph = np.exp(
        2j
        * np.pi
        * freqs[None, :, None, None]
        * (gx[cand][:, None, :, None] * x + gy[cand][:, None, :, None] * y)
    )  # (w, f, k, nel)
    b = np.einsum("wfki,wif->wfk", ph, spec)
    pk = np.sum(np.abs(b) ** 2, axis=1)  # (w, k)
    order = np.lexsort((cand, -pk), axis=1)[:, 0]
    rows = np.arange(cand.shape[0])
    bi, pa = cand[rows, order], pk[rows, order]
    rel = np.where(dpow > 0, pa / np.where(dpow > 0, dpow, 1), 0)
    return bi, pa, rel, p / dpow[:, None]


def _window_starts(ntot, dt, win_len_s, win_frac, t0_idx, t1_idx) -> tuple[np.ndarray, int]:
    """First samples and length (samples) of the sliding windows (ObsPy's windowing)."""
    t1_idx = ntot if t1_idx is None else int(t1_idx)
    nsamp = int(win_len_s / dt)
    nstep = int(nsamp * win_frac)
    if nsamp < 4 or nstep < 1:
        raise ValueError(f"window of {win_len_s} s with step fraction {win_frac} is too short")
    if not (0 <= t0_idx and t0_idx + nsamp <= min(t1_idx, ntot)):
        raise ValueError(f"no complete {win_len_s} s window in samples {t0_idx}..{t1_idx}")
    return np.arange(t0_idx, min(t1_idx, ntot) - nsamp + 1, nstep), nsamp


def sliding_fk(
    data,
    dt: float,
    east_km,
    north_km,
    win_len_s: float,
    win_frac: float,
    fk: FKParams,
    t0_idx: int = 0,
    t1_idx: int | None = None,
    method: str = "bartlett",
    chunk: int = 64,
    return_maps: bool = False,
) -> SlidingFK:
    """Sliding-window FK analysis: best slowness and back-azimuth per window.

    Windows of ``int(win_len_s / dt)`` samples start at ``t0_idx`` and step by
    ``int(n * win_frac)`` samples while they end at or before ``t1_idx`` (the
    windowing of ObsPy's ``array_processing``). Each window is demeaned and
    tapered; the cross-spectral information of all windows is obtained with
    one batched FFT over the band's bins, and the Bartlett power of every grid
    point is a batched matrix product of the window spectra with precomputed
    steering vectors (single precision, the best few grid points re-evaluated
    in double precision so the argmax equals a double-precision search).

    Parameters
    ----------
    data, dt, east_km, north_km
        As for :func:`fk_power`: traces (n_elements, n_samples), sample
        interval in s, element offsets in km.
    win_len_s : float
        Window length in s.
    win_frac : float
        Step as a fraction of the window length (0.5 for 50 % overlap).
    fk : FKParams
        Slowness grid (s/km), band (Hz) and taper.
    t0_idx, t1_idx : int
        Sample range analysed (default: all data).
    method : {"bartlett", "capon"}
    chunk : int
        Windows processed together (bounds memory).
    return_maps : bool
        Keep the relative-power map of every window (``relpow_maps``).

    Returns
    -------
    SlidingFK
    """
    data, x, y = check_traces(data, east_km, north_km)
    starts, nsamp = _window_starts(data.shape[1], dt, win_len_s, win_frac, t0_idx, t1_idx)
    sx = fk.grid()
    sy = sx.copy()
    gx, gy = (g.ravel() for g in np.meshgrid(sx, sy, indexing="ij"))
    freqs = _band_freqs(nsamp, dt, fk.fmin, fk.fmax)
    steer = _steering(x, y, sx, sy, freqs, np.complex64)
    nw = starts.size
    best = np.zeros(nw, int)
    relpow = np.zeros(nw)
    abspow = np.zeros(nw)
    maps = np.zeros((nw, sx.size, sy.size)) if return_maps else None
    if method not in ("bartlett", "capon"):
        raise ValueError(f"unknown FK method {method!r}; expected 'bartlett' or 'capon'")
    for c0 in range(0, nw, chunk):
        st = starts[c0 : c0 + chunk]
        spec, _ = fk.spectra(data, st, nsamp, dt)
        if method == "bartlett":
            bi, pa, rel, p = _best_bartlett(spec, steer, freqs, gx, gy, x, y)
        else:
            p = _capon_power(spec, steer)
            bi = np.argmax(p, axis=1)
            pa, rel = p[np.arange(st.size), bi], np.ones(st.size)
            p = p / p.max(axis=1, keepdims=True)
        best[c0 : c0 + st.size] = bi
        abspow[c0 : c0 + st.size] = pa
        relpow[c0 : c0 + st.size] = rel
        if return_maps:
            maps[c0 : c0 + st.size] = p.reshape(-1, sx.size, sy.size)
    bsx, bsy = gx[best], gy[best]
    slow, baz = _baz_slowness(bsx, bsy)
    return SlidingFK(
        t_start_s=starts * dt,
        t_center_s=(starts + nsamp / 2.0) * dt,
        relpow=relpow,
        abspow=abspow,
        sx=bsx,
        sy=bsy,
        slowness_s_km=slow,
        baz_deg=baz,
        relpow_maps=maps,
    )


def fk_peak(sx, sy, power) -> tuple[float, float, float, float]:
    """Best grid point of an FK map: ``(slowness_s_km, baz_deg, sx, sy)``."""
    ix, iy = np.unravel_index(int(np.argmax(power)), np.shape(power))
    s, baz = _baz_slowness(sx[ix], sy[iy])
    return float(s), float(baz), float(sx[ix]), float(sy[iy])
