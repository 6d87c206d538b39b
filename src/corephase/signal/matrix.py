"""The one conversion of an array's stream into a data matrix."""

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
