"""Empirical station statics from a strong phase: multichannel cross-correlation (MCCC).

The relative arrival times of a strong phase (P or PcP) of the same event are
measured by cross-correlating every pair of traces after alignment on the
phase's predicted delays, and solved in the least-squares sense of VanDecar &
Crosson (1990, BSSA 80, 150-169): ``t_i - t_j = tau_ij`` for every pair, with
``sum_i t_i = 0``. The solution ``t_i`` is the station static in s (positive:
the station records late, the convention of
:func:`corephase.signal.alignment.static_table_delays`), so the table
``{code: t_i}`` passed as ``statics=`` to
:func:`corephase.signal.alignment.element_delays` (or as the stack settings'
``detection.statics``) removes it before beaming.

Quality figures: the peak correlation coefficient of each pair (mean per
station), the residual ``r_ij = tau_ij - (t_i - t_j)`` and its per-station
standard deviation ``sigma_i = sqrt(sum_j r_ij**2 / (n_i - 2))`` (VanDecar &
Crosson's eq. 9). Pairs below ``min_cc`` are left out of the system; a
station with fewer than ``min_pairs`` good pairs gets no static.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal.windows import tukey

from corephase.signal.alignment import align


@dataclass(frozen=True)
class StaticsResult:
    """Station statics of one array and their quality.

    Attributes
    ----------
    codes : tuple of str
        Element codes (as the geometry's).
    statics_s : numpy.ndarray
        Static (s) per element, mean zero over the elements used; 0 where unused.
    sigma_s : numpy.ndarray
        Residual standard deviation (s) per element (NaN where unused).
    mean_cc : numpy.ndarray
        Mean peak correlation coefficient of each element with the others.
    used : numpy.ndarray of bool
        Elements with at least ``min_pairs`` pairs above ``min_cc``.
    rms_residual_s : float
        RMS of the pair residuals ``tau_ij - (t_i - t_j)`` (s) over the good pairs.
    n_pairs : int
        Number of pairs in the system.
    """

    codes: tuple
    statics_s: np.ndarray
    sigma_s: np.ndarray
    mean_cc: np.ndarray
    used: np.ndarray
    rms_residual_s: float
    n_pairs: int

    def as_dict(self) -> dict:
        """``{code: static_s}`` of the elements used (the ``statics=`` table)."""
        return {
            c: float(s) for c, s, u in zip(self.codes, self.statics_s, self.used, strict=True) if u
        }


def _pair_lags(seg: np.ndarray, dt: float, max_lag_s: float):
    """Peak lag (s) and correlation coefficient of every pair ``i < j`` of segments.

    The lag ``tau_ij`` maximises ``sum_t x_i(t + tau) x_j(t)`` within
    ``+-max_lag_s`` (parabolic interpolation around the peak sample): it is
    ``t_i - t_j``, positive when trace ``i`` is late.
    """
    n, w = seg.shape
    nfft = 1 << int(np.ceil(np.log2(2 * w)))
    spec = np.fft.rfft(seg, nfft, axis=-1)
    m = int(np.clip(round(max_lag_s / dt), 1, w - 1))
    lags = np.r_[np.arange(0, m + 1), np.arange(-m, 0)]
    ii, jj, tau, cc = [], [], [], []
    for i in range(n - 1):
        c = np.fft.irfft(spec[i] * np.conj(spec[i + 1 :]), nfft, axis=-1)
        c = np.concatenate([c[:, : m + 1], c[:, nfft - m :]], axis=1)
        order = np.argsort(lags)
        c, lg = c[:, order], lags[order]
        k = np.argmax(c, axis=1)
        peak = c[np.arange(c.shape[0]), k]
        km, kp = np.clip(k - 1, 0, lg.size - 1), np.clip(k + 1, 0, lg.size - 1)
        ym, yp = c[np.arange(c.shape[0]), km], c[np.arange(c.shape[0]), kp]
        den = ym - 2 * peak + yp
        inner = (k > 0) & (k < lg.size - 1) & (den < 0)
        frac = np.where(inner, 0.5 * (ym - yp) / np.where(den < 0, den, -1.0), 0.0)
        ii.append(np.full(n - 1 - i, i))
        jj.append(np.arange(i + 1, n))
        tau.append((lg[k] + frac) * dt)
        cc.append(peak)
    return np.concatenate(ii), np.concatenate(jj), np.concatenate(tau), np.concatenate(cc)


def mccc(segments, dt: float, max_lag_s: float = 1.0, min_cc: float = 0.5, min_pairs: int = 2):
    """Relative arrival times of aligned segments by multichannel cross-correlation.

    Parameters
    ----------
    segments : array_like, shape (N, W)
        One window per element around the phase, already aligned on its
        predicted delays (tapered and normalised here).
    dt : float
        Sample interval (s).
    max_lag_s : float
        Largest residual delay searched (s).
    min_cc : float
        Pairs whose peak normalised correlation is below this are left out.
    min_pairs : int
        Elements with fewer good pairs get no static.

    Returns
    -------
    t, sigma, mean_cc, used, rms, n_pairs
        See :class:`StaticsResult` (``t`` mean zero over the used elements).
    """
    seg = np.asarray(segments, float)
    if seg.ndim != 2 or seg.shape[0] < 2 or seg.shape[1] < 4:
        raise ValueError(f"mccc needs at least 2 segments of 4 samples, got shape {seg.shape}")
    n = seg.shape[0]
    seg = (seg - seg.mean(axis=1, keepdims=True)) * tukey(seg.shape[1], 0.2)
    norm = np.linalg.norm(seg, axis=1)
    seg = np.divide(seg, norm[:, None], out=np.zeros_like(seg), where=norm[:, None] > 0)
    ii, jj, tau, cc = _pair_lags(seg, dt, max_lag_s)
    mean_cc = np.array([cc[(ii == k) | (jj == k)].mean() for k in range(n)])
    good = cc >= min_cc
    counts = np.bincount(ii[good], minlength=n) + np.bincount(jj[good], minlength=n)
    used = counts >= min_pairs
    good &= used[ii] & used[jj]
    t = np.zeros(n)
    sigma = np.full(n, np.nan)
    if used.sum() < 2 or not good.any():
        return t, sigma, mean_cc, np.zeros(n, bool), float("nan"), 0
    idx = np.flatnonzero(used)
    col = {k: c for c, k in enumerate(idx)}
    a = np.zeros((int(good.sum()) + 1, idx.size))
    rows = np.arange(int(good.sum()))
    a[rows, [col[k] for k in ii[good]]] = 1.0
    a[rows, [col[k] for k in jj[good]]] = -1.0
    a[-1, :] = 1.0  # sum of the statics = 0
    sol = np.linalg.lstsq(a, np.r_[tau[good], 0.0], rcond=None)[0]
    t[idx] = sol
    res = tau[good] - (t[ii[good]] - t[jj[good]])
    for k in idx:
        mine = (ii[good] == k) | (jj[good] == k)
        dof = max(int(mine.sum()) - 2, 1)
        sigma[k] = float(np.sqrt(np.sum(res[mine] ** 2) / dof))
    return t, sigma, mean_cc, used, float(np.sqrt(np.mean(res**2))), int(good.sum())


def empirical_statics(
    data,
    dt: float,
    codes,
    delays_s,
    window_s: tuple[float, float],
    *,
    max_lag_s: float = 1.0,
    min_cc: float = 0.5,
    min_pairs: int = 2,
) -> StaticsResult:
    """Station statics from a strong phase recorded by every element (VanDecar & Crosson 1990).

    Parameters
    ----------
    data : array_like, shape (N, S)
        Band-passed records of the elements (common start time, sample interval ``dt``).
    dt : float
        Sample interval (s).
    codes : sequence of str
        Element codes (the keys of the returned table).
    delays_s : array_like, shape (N,)
        Predicted delays of the phase (s, relative to the reference point), e.g.
        ``element_delays(geometry, s, baz, curved=True, event=ev, phase="P")``.
    window_s : (float, float)
        Window around the phase at the reference point, s from the start of
        ``data`` (e.g. predicted P time minus record start, -2 to +4 s).
    max_lag_s, min_cc, min_pairs
        See :func:`mccc`.

    Returns
    -------
    StaticsResult
        ``.as_dict()`` is the ``{code: static_s}`` table for ``element_delays(statics=...)``.
    """
    data = np.asarray(data, float)
    if len(codes) != data.shape[0]:
        raise ValueError(f"{len(codes)} codes for {data.shape[0]} traces")
    i0, i1 = (round(float(w) / dt) for w in window_s)
    if not 0 <= i0 < i1 <= data.shape[1]:
        raise ValueError(
            f"statics window {window_s} s is outside the record (0-{data.shape[1] * dt:.1f} s)"
        )
    delays = np.asarray(delays_s, float)
    if i0 + delays.min() / dt < 0 or i1 + delays.max() / dt > data.shape[1]:
        raise ValueError(f"statics window {window_s} s plus the element delays leaves the record")
    aligned = align(data, delays, dt)
    t, sigma, mean_cc, used, rms, npairs = mccc(
        aligned[:, i0:i1], dt, max_lag_s, min_cc, min_pairs
    )
    return StaticsResult(tuple(codes), t, sigma, mean_cc, used, rms, npairs)


def phase_statics(
    data,
    dt: float,
    t_start_s: float,
    geometry,
    event,
    phase: str = "P",
    window_s: tuple[float, float] = (-3.0, 5.0),
    *,
    model: str = "ak135",
    slowness_s_km: float = 0.0,
    v_surface_km_s: float | None = None,
    base_statics: dict | None = None,
    max_lag_s: float = 1.0,
    min_cc: float = 0.5,
    min_pairs: int = 2,
) -> StaticsResult:
    """Station statics of a (sub-)array record matrix from a strong phase of the event.

    Aligns the record on the phase with the one alignment
    (:func:`corephase.signal.alignment.element_delays`: TauP times per element,
    plus elevation statics with ``v_surface_km_s`` and the ``base_statics``
    table) and measures what remains by MCCC (:func:`empirical_statics`): the
    result is the static to add to ``base_statics``.

    Parameters
    ----------
    data : array_like, shape (N, S)
        Band-passed records, rows in the order of ``geometry.codes``.
    dt : float
        Sample interval (s).
    t_start_s : float
        Time of sample 0 (s after origin).
    geometry : corephase.model.geometry.ArrayGeometry
    event : corephase.model.events.Event
    phase : str
        The strong phase (P, or PcP where P is too close or too far).
    window_s : (float, float)
        Window around the phase's TauP time at the reference point (s).
    model : str
        Earth model of the TauP times.
    slowness_s_km : float
        The phase's horizontal slowness (s/km), for the elevation statics' incidence.
    v_surface_km_s : float, optional
        Surface velocity (km/s) of the elevation statics; None for none.
    base_statics : dict, optional
        ``{code: s}`` statics already applied (configured ones).
    max_lag_s, min_cc, min_pairs
        See :func:`mccc`.

    Returns
    -------
    StaticsResult

    Raises
    ------
    ValueError
        If the phase has no arrival at the reference point or its window is
        not inside the record.
    """
    from corephase.model.traveltimes import reference_time
    from corephase.signal.alignment import element_delays

    t_ref = reference_time(event, geometry, phase, model)
    if not np.isfinite(t_ref):
        raise ValueError(f"phase {phase} has no {model} arrival at {geometry.name}")
    delays = element_delays(
        geometry,
        float(slowness_s_km),
        0.0,
        curved=True,
        event=event,
        phase=phase,
        model=model,
        v_surface_km_s=v_surface_km_s,
        statics=base_statics,
    )
    start = float(t_ref - t_start_s)
    return empirical_statics(
        data,
        dt,
        list(geometry.codes),
        delays,
        (start + window_s[0], start + window_s[1]),
        max_lag_s=max_lag_s,
        min_cc=min_cc,
        min_pairs=min_pairs,
    )


def stream_statics(
    stream,
    geometry,
    event,
    phase: str = "P",
    window_s: tuple[float, float] = (-3.0, 5.0),
    *,
    model: str = "ak135",
    max_lag_s: float = 1.0,
    min_cc: float = 0.5,
    min_pairs: int = 2,
) -> StaticsResult:
    """:func:`phase_statics` of an ObsPy stream (traces in the order of
    ``geometry.codes`` on one time grid, see
    :func:`corephase.signal.matrix.stream_to_matrix`), without elevation statics."""
    from corephase.signal.matrix import stream_to_matrix

    data, dt, t0 = stream_to_matrix(stream, geometry, min_elements=2)
    return phase_statics(
        data,
        dt,
        float(t0 - event.origin),
        geometry,
        event,
        phase,
        window_s,
        model=model,
        max_lag_s=max_lag_s,
        min_cc=min_cc,
        min_pairs=min_pairs,
    )


def quality_gate(
    result: StaticsResult, max_sigma_s: float, min_stations: int, min_cc: float, min_pairs: int
) -> tuple[dict, np.ndarray, list[str]]:
    """The statics that pass the quality figures, and why the others do not.

    A station passes when it is used by the MCCC system (at least ``min_pairs``
    correlations of at least ``min_cc``) and its residual standard deviation is
    at most ``max_sigma_s`` (s); with fewer than ``min_stations`` passing none
    does. The passing statics are re-centred to mean zero.

    Returns
    -------
    table : dict
        ``{code: static_s}`` of the passing stations (empty if too few pass).
    applied : numpy.ndarray of bool
    reasons : list of str
        Per station: empty when applied, else why not.
    """
    reasons = []
    for used, sig, cc in zip(result.used, result.sigma_s, result.mean_cc, strict=True):
        if not used:
            reasons.append(f"fewer than {min_pairs} correlations >= {min_cc:g} (mean {cc:.2f})")
        elif not sig <= max_sigma_s:
            reasons.append(f"residual sigma {sig:.3f} s > {max_sigma_s:g} s")
        else:
            reasons.append("")
    applied = np.array([r == "" for r in reasons], bool)
    if applied.sum() < min_stations:
        why = f"{int(applied.sum())} stations pass, need {min_stations}"
        reasons = [r or why for r in reasons]
        return {}, np.zeros(applied.size, bool), reasons
    ref = float(result.statics_s[applied].mean())
    table = {
        c: float(s - ref)
        for c, s, a in zip(result.codes, result.statics_s, applied, strict=True)
        if a
    }
    return table, applied, reasons
