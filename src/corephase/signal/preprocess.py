"""Preprocessing of array records: QC, merge, detrend, taper, resample, band-pass.

Every trace that is dropped gets a recorded reason in the QC table; nothing is
dropped silently.
"""

from __future__ import annotations

import numpy as np
from obspy import Stream, UTCDateTime


def qc_and_merge(
    stream: Stream, t0: UTCDateTime, t1: UTCDateTime, max_gap_fraction: float = 0.05
) -> tuple[Stream, list[dict]]:
    """Merge segments per channel and drop unusable traces.

    A trace is dropped, with a reason, when it has non-finite samples, is dead
    (constant), covers less than ``1 - max_gap_fraction`` of the window
    ``[t0, t1]``, or has gaps larger than that fraction. Gaps below it are
    filled by linear interpolation.

    Returns
    -------
    stream : obspy.Stream
        One trace per kept channel.
    qc : list of dict
        ``{"id", "kept", "reason"}`` per channel seen.
    """
    qc: list[dict] = []
    out = Stream()
    window = float(t1 - t0)
    for sid in sorted({tr.id for tr in stream}):
        parts = stream.select(id=sid)
        bad = [tr for tr in parts if not np.all(np.isfinite(tr.data.astype(float)))]
        if bad:
            qc.append({"id": sid, "kept": False, "reason": "non-finite samples (NaN/inf)"})
            continue
        rates = {tr.stats.sampling_rate for tr in parts}
        if len(rates) > 1:
            qc.append({"id": sid, "kept": False, "reason": f"mixed sampling rates {rates}"})
            continue
        covered = sum(tr.stats.npts / tr.stats.sampling_rate for tr in parts)
        if window > 0 and covered < (1.0 - max_gap_fraction) * window:
            qc.append(
                {
                    "id": sid,
                    "kept": False,
                    "reason": f"covers {covered / window:.1%} of the window",
                }
            )
            continue
        merged = parts.copy()
        for tr in merged:
            tr.data = tr.data.astype(np.float64)
        merged.merge(method=1, fill_value="interpolate")
        tr = merged[0]
        if np.ptp(tr.data) == 0:
            qc.append({"id": sid, "kept": False, "reason": "dead trace (constant)"})
            continue
        out.append(tr)
        qc.append({"id": sid, "kept": True, "reason": ""})
    return out, qc


def common_grid(stream: Stream, sampling_rate: float, t0: UTCDateTime, t1: UTCDateTime) -> Stream:
    """Resample every trace onto one time grid ``t0 + k / sampling_rate`` within [t0, t1].

    Traces are detrended (linear) and tapered before an anti-alias low-pass
    when downsampling; the grid is interpolated with a Lanczos kernel.
    Samples outside a trace's span are zero.
    """
    npts = int(np.floor(float(t1 - t0) * sampling_rate)) + 1
    out = Stream()
    for tr in stream:
        tr = tr.copy()
        tr.detrend("linear")
        tr.taper(0.01)
        if tr.stats.sampling_rate > sampling_rate:
            tr.filter("lowpass", freq=0.4 * sampling_rate, corners=8, zerophase=True)
        start = max(tr.stats.starttime, t0)
        k0 = int(np.ceil(float(start - t0) * sampling_rate - 1e-6))
        end = min(tr.stats.endtime, t1)
        k1 = int(np.floor(float(end - t0) * sampling_rate + 1e-6))
        data = np.zeros(npts)
        offset = float(tr.stats.starttime - t0) * sampling_rate
        on_grid = tr.stats.sampling_rate == sampling_rate and abs(offset - round(offset)) < 1e-3
        if k1 >= k0 and on_grid:
            i0 = k0 - round(offset)
            seg = tr.data[i0 : i0 + (k1 - k0 + 1)]
            data[k0 : k0 + seg.size] = seg
        elif k1 >= k0:
            tr.interpolate(
                sampling_rate,
                method="lanczos",
                a=12,
                starttime=t0 + k0 / sampling_rate,
                npts=k1 - k0 + 1,
            )
            data[k0 : k0 + tr.stats.npts] = tr.data[: npts - k0]
        tr.data = data
        tr.stats.starttime = t0
        tr.stats.sampling_rate = sampling_rate
        out.append(tr)
    return out


def bandpass(stream: Stream, fmin: float, fmax: float, corners: int = 4, taper: float = 0.05):
    """Demeaned, tapered, zero-phase Butterworth band-pass copy of ``stream`` (Hz).

    Raises ValueError when ``fmax`` is not below the Nyquist frequency of a
    trace (ObsPy would silently fall back to a high-pass).
    """
    if not 0 < fmin < fmax:
        raise ValueError(f"band-pass needs 0 < fmin < fmax, got {fmin}, {fmax} Hz")
    for tr in stream:
        if fmax >= 0.5 * tr.stats.sampling_rate:
            raise ValueError(
                f"band-pass fmax {fmax} Hz is not below the Nyquist frequency of {tr.id} "
                f"({0.5 * tr.stats.sampling_rate} Hz)"
            )
    st = stream.copy()
    st.detrend("demean")
    st.detrend("linear")
    st.taper(taper)
    st.filter("bandpass", freqmin=fmin, freqmax=fmax, corners=corners, zerophase=True)
    return st
