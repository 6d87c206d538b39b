"""Data matrices of an array: the one band-record-to-matrix conversion and the kernels' checks."""

from __future__ import annotations

import numpy as np


def _code_matches(seed_id: str, code: str) -> bool:
    """A geometry code names a SEED id ``NET.STA.LOC.CHA`` by full id, by station, or by
    ``NET.STA.*.*``."""
    if code == seed_id:
        return True
    net, sta = [*seed_id.split("."), "", ""][:2]
    parts = code.split(".")
    return code == sta or (len(parts) == 4 and parts[:2] == [net, sta])


def band_matrix(record, geometry, min_elements: int = 1):
    """Data matrix of a band record ordered like ``geometry.codes``: the one conversion
    of a record (preprocessed band file or ObsPy Stream) to the kernels' matrix.

    Parameters
    ----------
    record : corephase.io.bands.BandRecord
        One row per element, in the order of ``geometry.codes``, on one time grid
        (:func:`corephase.io.bands.read_band`, or
        :meth:`~corephase.io.bands.BandRecord.from_stream` of a Stream).
    geometry : corephase.model.geometry.ArrayGeometry
    min_elements : int
        Fewest rows accepted.

    Returns
    -------
    data : numpy.ndarray
        ``(n_elements, n_samples)``, float64.
    dt : float
        Sample interval, s.

    Raises
    ------
    ValueError
        If the rows do not match the geometry in number and order, are fewer than
        ``min_elements``, or hold NaN or infinite samples.
    """
    ids = list(record.ids)
    if len(ids) != len(geometry) or not all(
        _code_matches(i, c) for i, c in zip(ids, geometry.codes, strict=True)
    ):
        missing = sorted(c for c in geometry.codes if not any(_code_matches(i, c) for i in ids))
        raise ValueError(
            f"stream traces must match geometry {geometry.name} codes in order; "
            f"{len(ids)} traces for {len(geometry)} elements, missing {missing}, "
            f"traces {ids}"
        )
    if len(ids) < min_elements:
        raise ValueError(f"need at least {min_elements} array elements, got {len(ids)}")
    data = np.asarray(record.data, float)
    if not np.all(np.isfinite(data)):
        raise ValueError("stream contains NaN or infinite samples (gaps must be handled first)")
    return data, record.dt


def stream_to_matrix(stream, geometry, min_elements: int = 1):
    """Data matrix of an ObsPy stream ordered like ``geometry.codes``
    (:func:`band_matrix` of :meth:`BandRecord.from_stream
    <corephase.io.bands.BandRecord.from_stream>`).

    Parameters
    ----------
    stream : obspy.Stream
        One trace per element, in the order of ``geometry.codes``, on one time
        grid.
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
        If the traces differ in sampling rate, start time (by more than half a
        sample) or length, do not match the geometry in number and order, or hold
        NaN or infinite samples.
    """
    from corephase.io.bands import BandRecord

    data, dt = band_matrix(BandRecord.from_stream(stream, dtype=float), geometry, min_elements)
    return data, dt, stream[0].stats.starttime


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
