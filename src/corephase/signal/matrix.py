"""Data matrices of an array: the one stream-to-matrix conversion and the kernels' checks."""

from __future__ import annotations

import numpy as np


def _code_matches(trace, code: str) -> bool:
    """A geometry code names a trace by full id, by station, or by ``NET.STA.*.*``."""
    if code == trace.id or code == trace.stats.station:
        return True
    parts = code.split(".")
    return len(parts) == 4 and parts[:2] == [trace.stats.network, trace.stats.station]


def stream_to_matrix(stream, geometry, min_elements: int = 1):
    """Data matrix of a stream ordered like ``geometry.codes``.

    Parameters
    ----------
    stream : obspy.Stream
        One trace per element, in the order of ``geometry.codes``, on one time
        grid (as the preprocess stage writes them).
    geometry : corephase.model.geometry.ArrayGeometry
    min_elements : int
        Fewest traces accepted.

    Returns
    -------
    data : numpy.ndarray
        ``(n_elements, n_samples)``, float64.
    dt : float
        Sample interval, s.
    t0 : obspy.UTCDateTime
        Time of the first sample.

    Raises
    ------
    ValueError
        If the traces do not match the geometry in number and order, differ in
        sampling rate, start time (by more than half a sample) or length, or hold
        NaN or infinite samples.
    """
    ids = [tr.id for tr in stream]
    if len(stream) != len(geometry) or not all(
        _code_matches(tr, c) for tr, c in zip(stream, geometry.codes, strict=True)
    ):
        missing = sorted(c for c in geometry.codes if not any(_code_matches(t, c) for t in stream))
        raise ValueError(
            f"stream traces must match geometry {geometry.name} codes in order; "
            f"{len(stream)} traces for {len(geometry)} elements, missing {missing}, "
            f"traces {ids}"
        )
    if len(stream) < min_elements:
        raise ValueError(f"need at least {min_elements} array elements, got {len(stream)}")
    rates = {float(tr.stats.sampling_rate) for tr in stream}
    if len(rates) != 1:
        raise ValueError(f"traces have different sampling rates {sorted(rates)} Hz")
    dt = 1.0 / rates.pop()
    t0 = stream[0].stats.starttime
    off = [abs(tr.stats.starttime - t0) for tr in stream]
    if max(off) > 0.5 * dt:
        raise ValueError(f"traces start at different times (spread {max(off):.3f} s)")
    npts = {tr.stats.npts for tr in stream}
    if len(npts) != 1:
        raise ValueError(f"traces have different lengths {sorted(npts)} samples")
    data = np.vstack([np.asarray(tr.data, float) for tr in stream])
    if not np.all(np.isfinite(data)):
        raise ValueError("stream contains NaN or infinite samples (gaps must be handled first)")
    return data, dt, t0


def check_traces(data, east_km, north_km):
    """Validated ``(data, east_km, north_km)`` of the array-analysis kernels.

    ``data`` becomes a float ``(n_elements, n_samples)`` matrix and the offsets
    (km) flat float arrays of ``n_elements`` values.

    Raises
    ------
    ValueError
        If ``data`` is not 2-D, the offsets do not match its rows, or it holds
        NaN or infinite samples.
    """
    data = np.asarray(data, float)
    if data.ndim != 2:
        raise ValueError(f"data must be 2-D (n_elements, n_samples), got shape {data.shape}")
    x = np.asarray(east_km, float).reshape(-1)
    y = np.asarray(north_km, float).reshape(-1)
    if x.size != data.shape[0] or y.size != data.shape[0]:
        raise ValueError(
            f"{data.shape[0]} traces but {x.size} east and {y.size} north offsets; they must match"
        )
    if not np.all(np.isfinite(data)):
        raise ValueError("data contain NaN or infinite samples")
    return data, x, y


def check_weights(weights, n_elements: int) -> np.ndarray:
    """Element weights of many selections as ``(n_sel, n_elements)`` floats.

    One row per selection (a 1-D array is one selection): finite, non-negative,
    with a positive sum (bootstrap counts, or 0/1 for leave-one-out).

    Raises
    ------
    ValueError
        For a wrong shape, negative or non-finite weights, or an all-zero row.
    """
    wts = np.asarray(weights, float)
    if wts.ndim == 1:
        wts = wts[None, :]
    if wts.ndim != 2 or wts.shape[1] != n_elements:
        raise ValueError(f"weights must have shape (n_sel, {n_elements}), got {np.shape(weights)}")
    if not np.all(np.isfinite(wts)) or np.any(wts < 0):
        raise ValueError("weights must be finite and non-negative")
    wsum = wts.sum(axis=1)
    if np.any(wsum <= 0):
        raise ValueError(f"weight rows {np.flatnonzero(wsum <= 0).tolist()} are all zero")
    return wts
