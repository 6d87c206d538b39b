"""Preprocessing of array records: QC, merge, detrend, taper, resample, band-pass.

Every trace that is dropped gets a recorded reason in the QC table; nothing is
dropped silently.

Detrending, tapering and filtering compute what ObsPy's ``Trace.detrend``,
``Trace.taper`` and ``Trace.filter`` compute (:func:`scipy.signal.detrend`; the
Hann taper of :func:`hann_taper`; the zero-phase Butterworth of
:func:`obspy.signal.filter.bandpass` and ``lowpass``, see
:func:`zerophase_butterworth`) on the samples directly, with the same
arguments: the same numbers, without ObsPy's per-call plug-in look-up (which
reads package metadata), without importing ``obspy.signal`` and without the
package import of ``scipy.signal`` (see :mod:`corephase.signal.scipy_signal`).
"""

from __future__ import annotations

from functools import lru_cache
from itertools import pairwise

import numpy as np
from obspy import Stream, UTCDateTime

from corephase.signal import scipy_signal

#: Fewest quantisation steps between a trace's extremes for flat tops at them to count as
#: clipping (a smooth low-amplitude record rests on its largest count for a few samples).
MIN_CLIP_STEPS = 10_000


def _runs(mask: np.ndarray, min_len: int) -> int:
    """Number of runs of at least ``min_len`` consecutive True values in ``mask``."""
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    return int(np.sum(ends - starts >= min_len))


def clip_runs(data, clip_level: float | None = None, run_samples: int = 5) -> int:
    """Number of flat tops: runs of ``run_samples`` or more consecutive clipped samples.

    With ``clip_level`` a sample is clipped when its absolute value reaches the
    level. Without, when it equals the trace's largest or smallest value
    (flat tops at the digitizer limit); an extreme of zero (a zero-padded or
    noise-free stretch) does not count, nor does a trace spanning fewer than
    :data:`MIN_CLIP_STEPS` quantisation steps.
    """
    x = np.asarray(data, dtype=float)
    if clip_level is not None:
        return _runs(np.abs(x) >= clip_level, run_samples)
    levels = np.unique(x)
    if levels.size < 2 or np.ptp(x) < MIN_CLIP_STEPS * np.min(np.diff(levels)):
        return 0
    return sum(_runs(x == v, run_samples) for v in (levels[0], levels[-1]) if v != 0)


def _gap_seconds(parts: Stream) -> float:
    """Seconds missing between consecutive segments of one channel."""
    parts = sorted(parts, key=lambda tr: tr.stats.starttime)
    gaps = 0.0
    for a, b in pairwise(parts):
        dt = a.stats.delta
        gap = float(b.stats.starttime - a.stats.endtime) - dt
        gaps += gap if gap > 0.5 * dt else 0.0
    return gaps


def _conflicting_overlap(parts: Stream) -> bool:
    """Whether two segments of one id overlap in time with different samples."""
    parts = sorted(parts, key=lambda tr: tr.stats.starttime)
    for i, a in enumerate(parts):
        for b in parts[i + 1 :]:
            if b.stats.starttime > a.stats.endtime:
                break
            sa = a.slice(b.stats.starttime, min(a.stats.endtime, b.stats.endtime))
            sb = b.slice(b.stats.starttime, min(a.stats.endtime, b.stats.endtime))
            n = min(sa.stats.npts, sb.stats.npts)
            if not np.array_equal(sa.data[:n], sb.data[:n]):
                return True
    return False


def _qc_channel(
    parts: Stream,
    t0: UTCDateTime,
    t1: UTCDateTime,
    max_gap_fraction: float,
    clip_level: float | None,
    clip_run_samples: int,
    expected_rate: float | None,
):
    """One channel's merged trace (None if dropped) and its QC reason."""
    if any(not np.all(np.isfinite(tr.data.astype(float))) for tr in parts):
        return None, "non-finite samples (NaN/inf)"
    rates = sorted({tr.stats.sampling_rate for tr in parts})
    if len(rates) > 1:
        return None, f"wrong sampling rate: mixed rates {rates} Hz"
    if expected_rate and abs(rates[0] - expected_rate) > 1e-3 * expected_rate:
        return None, f"wrong sampling rate: {rates[0]} Hz, StationXML {expected_rate} Hz"
    if _conflicting_overlap(parts):
        return None, (
            "duplicate SEED id: overlapping records with different samples "
            "(more than one element with this id?)"
        )
    window = float(t1 - t0)
    gap_s, limit_s = _gap_seconds(parts), max_gap_fraction * window
    if gap_s > limit_s:
        return None, f"gaps of {gap_s:.1f} s, above the limit of {limit_s:.1f} s"
    merged = parts.copy()
    for tr in merged:
        tr.data = tr.data.astype(np.float64)
    merged.merge(method=1, fill_value="interpolate")
    tr = merged[0]
    dt = tr.stats.delta
    covered = float(min(tr.stats.endtime, t1) + dt - max(tr.stats.starttime, t0)) - gap_s
    if window > 0 and covered < (1.0 - max_gap_fraction) * window:
        return None, f"covers {max(covered, 0.0) / window:.1%} of the window"
    if np.ptp(tr.data) == 0:
        return None, "dead trace (constant)"
    n_clip = clip_runs(tr.data, clip_level, clip_run_samples)
    if n_clip:
        level = "its extreme values" if clip_level is None else f"|x| >= {clip_level:g}"
        return None, f"clipped: {n_clip} flat tops of {clip_run_samples}+ samples at {level}"
    return tr, f"gap of {gap_s:.1f} s interpolated" if gap_s > 0 else ""


def qc_and_merge(
    stream: Stream,
    t0: UTCDateTime,
    t1: UTCDateTime,
    max_gap_fraction: float = 0.05,
    *,
    clip_level: float | None = None,
    clip_run_samples: int = 5,
    expected_rates: dict[str, float | None] | None = None,
) -> tuple[Stream, list[dict]]:
    """Merge segments per channel and drop unusable traces, each with a reason.

    A channel is dropped when it has non-finite samples; mixed sampling rates
    or a rate other than ``expected_rates[id]`` (Hz, from the StationXML);
    segments that overlap with different samples (two elements sharing one
    SEED id, which are refused rather than merged); gaps between segments
    longer than ``max_gap_fraction`` of the window ``[t0, t1]`` in total; less
    than ``1 - max_gap_fraction`` of the window covered; constant samples
    (dead); or flat tops (clipped, see :func:`clip_runs`). Shorter gaps are
    filled by linear interpolation and the kept channel's reason says how many
    seconds were interpolated.

    Returns
    -------
    stream : obspy.Stream
        One trace per kept channel.
    qc : list of dict
        ``{"id", "kept", "reason"}`` per channel seen.
    """
    qc: list[dict] = []
    out = Stream()
    expected_rates = expected_rates or {}
    by_id: dict[str, Stream] = {}
    for tr in stream:
        by_id.setdefault(tr.id, Stream()).append(tr)
    for sid in sorted(by_id):
        tr, reason = _qc_channel(
            by_id[sid],
            t0,
            t1,
            max_gap_fraction,
            clip_level,
            clip_run_samples,
            expected_rates.get(sid),
        )
        if tr is not None:
            out.append(tr)
        qc.append({"id": sid, "kept": tr is not None, "reason": reason})
    return out, qc


def _detrend(data: np.ndarray, kind: str) -> np.ndarray:
    """:func:`scipy.signal.detrend` as ``Trace.detrend`` calls it (float32 stays float32)."""
    out = scipy_signal.detrend(data, kind)
    return np.require(out, dtype=np.float32) if data.dtype == np.float32 else out


def hann_taper(data: np.ndarray, fraction: float) -> np.ndarray:
    """Hann taper of ``fraction`` of the samples at each end, as ``Trace.taper(fraction)``.

    ObsPy's default taper (``type="hann"``, ``side="both"``): the two halves of
    :func:`scipy.signal.windows.hann` of ``2 w + 1`` samples (``2 w`` when that is
    the whole trace), ``w = min(int(fraction * n), int(n / 2))``, with ones between;
    integer samples become float64. Returns the tapered samples (``data`` itself,
    multiplied in place, when it is already floating point).

    Parameters
    ----------
    data : numpy.ndarray
        Samples of one trace.
    fraction : float
        Taper length at each end as a fraction of the trace length (0 to 0.5).
    """
    n = data.size
    w = min(int(fraction * n), int(n / 2))
    sides = scipy_signal.hann(2 * w if 2 * w == n else 2 * w + 1)
    window = np.hstack((sides[:w], np.ones(n - 2 * w), sides[len(sides) - w :]))
    if not np.issubdtype(data.dtype, np.floating):
        data = np.require(data, dtype=np.float64)
    data *= window
    return data


def zerophase_butterworth(data, corners_hz, sampling_rate: float, order: int, btype: str):
    """Zero-phase Butterworth filter, as ObsPy's ``bandpass``/``lowpass`` with ``zerophase``.

    The same computation as :func:`obspy.signal.filter.bandpass` and ``lowpass``
    (``scipy.signal.iirfilter`` second-order sections of order ``order``, applied
    forwards then backwards with ``scipy.signal.sosfilt``; same samples, tested),
    without importing ``obspy.signal``, which costs about 2 s of SciPy imports per
    job.

    Parameters
    ----------
    data : numpy.ndarray
        Samples (last axis is time).
    corners_hz : tuple of float
        ``(fmax,)`` for a low-pass, ``(fmin, fmax)`` for a band-pass, Hz.
    sampling_rate : float
        Hz.
    order : int
        Filter order (ObsPy's ``corners``).
    btype : {"lowpass", "bandpass"}
    """
    nyq = 0.5 * float(sampling_rate)
    sos = _butterworth_sos(int(order), tuple(float(f) / nyq for f in corners_hz), btype)
    first = np.flip(scipy_signal.sosfilt(sos, data), axis=-1)
    return np.flip(scipy_signal.sosfilt(sos, first), axis=-1)


@lru_cache(maxsize=16)
def _butterworth_sos(order: int, wn: tuple, btype: str) -> np.ndarray:
    """``scipy.signal.iirfilter`` Butterworth sections for corners ``wn`` (fractions of
    Nyquist), designed once per filter (the traces of a record share it; do not modify:
    it stays writable because SciPy's ``sosfilt`` kernel refuses read-only sections)."""
    return scipy_signal.iirfilter(order, wn[0] if len(wn) == 1 else list(wn), btype)


def _read_only(a: np.ndarray) -> np.ndarray:
    """``a`` made read-only (a cached array that a caller could otherwise alter for all)."""
    a.flags.writeable = False
    return a


def lanczos_resample(data, old_start, old_dt, new_start, new_dt, npts, a=12) -> np.ndarray:
    """Lanczos resampling, as ObsPy's ``Trace.interpolate(method="lanczos", a=a)``.

    The same sums as :func:`obspy.signal.interpolation.lanczos_interpolation`
    (window ``"lanczos"``): output sample *k* at ``x = k * new_dt / old_dt +
    (new_start - old_start) / old_dt`` input samples is the sum over the input
    samples *i* within ``a`` of ``x`` (nearest ``a`` on each side) of
    ``data[i] * sinc(x - i) * sinc((x - i) / a)``, added in ObsPy's order
    (equal to round-off, tested), without importing ``obspy.signal``, whose
    package imports matplotlib (about 1.3 s per job).

    Parameters
    ----------
    data : array_like, shape (n,)
        Input samples.
    old_start, new_start : float
        POSIX timestamps (s) of the first input and output samples.
    old_dt, new_dt : float
        Input and output sample intervals in s.
    npts : int
        Number of output samples.
    a : int
        Half-width of the kernel in input samples.

    Raises
    ------
    ValueError
        When the output span is not inside the input span (no extrapolation).
    """
    y = np.require(data, dtype=np.float64)
    if y.ndim != 1 or not y.size:
        raise ValueError("Lanczos resampling needs a non-empty 1-D array")
    if old_start > new_start or old_start + old_dt * (y.size - 1) < new_start + new_dt * (
        npts - 1
    ):
        raise ValueError("the resampled span must lie inside the input span (no extrapolation)")
    out = np.zeros(npts)
    for ok, i, s1, s2 in _lanczos_terms(
        y.size, float(old_start), float(old_dt), float(new_start), float(new_dt), int(npts), a
    ):
        out[ok] += y[i] * s1 * s2
    return out


@lru_cache(maxsize=2)
def _lanczos_terms(n_in, old_start, old_dt, new_start, new_dt, npts, a) -> tuple:
    """The kernel of :func:`lanczos_resample`, one term per offset ``m`` in ObsPy's order
    (``i = floor(x) - m``): output mask, input indices and the two sinc factors.

    It depends on the sample grids only, so the traces of one record (same start,
    rate and length) share it; kept for the last two grids (read-only arrays).
    """
    x = float(new_dt) / old_dt * np.arange(npts) + (new_start - old_start) / float(old_dt)
    base = np.floor(x).astype(np.int64)
    terms = []
    for m in range(-a, a + 1):
        i = base - m
        dx = x - i
        ok = (i >= 0) & (i < n_in) & (-a <= dx) & (dx <= a)
        dx = dx[ok]
        terms.append(tuple(_read_only(v) for v in (ok, i[ok], _sinc(dx), _sinc(dx / a))))
    return tuple(terms)


def _sinc(x: np.ndarray) -> np.ndarray:
    """sin(pi x) / (pi x), 1 for |x| < 1e-10 (ObsPy's Lanczos kernel)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        v = np.sin(np.pi * x) / (np.pi * x)
    return np.where(np.abs(x) < 1e-10, 1.0, v)


def common_grid(stream: Stream, sampling_rate: float, t0: UTCDateTime, t1: UTCDateTime) -> Stream:
    """Resample every trace onto one time grid ``t0 + k / sampling_rate`` within [t0, t1].

    Traces are detrended (linear) and tapered before an anti-alias low-pass
    when downsampling; a grid that falls on every r-th input sample (equal
    rates or an integer decimation factor) takes those samples, any other grid
    is interpolated with a Lanczos kernel.
    Samples outside a trace's span are zero.
    """
    npts = int(np.floor(float(t1 - t0) * sampling_rate)) + 1
    out = Stream()
    for tr in stream:
        tr = tr.copy()
        tr.data = hann_taper(_detrend(tr.data, "linear"), 0.01)  # = .detrend("linear").taper(0.01)
        if tr.stats.sampling_rate > sampling_rate:
            tr.data = zerophase_butterworth(  # = tr.filter("lowpass", ..., zerophase=True)
                tr.data, (0.4 * sampling_rate,), tr.stats.sampling_rate, 8, "lowpass"
            )
        start = max(tr.stats.starttime, t0)
        k0 = int(np.ceil(float(start - t0) * sampling_rate - 1e-6))
        end = min(tr.stats.endtime, t1)
        k1 = int(np.floor(float(end - t0) * sampling_rate + 1e-6))
        data = np.zeros(npts)
        # the output grid in input samples: an integer step (equal rates, or decimation
        # after the anti-alias low-pass) from an input sample needs no interpolation
        step = tr.stats.sampling_rate / sampling_rate
        first = float(t0 - tr.stats.starttime) * tr.stats.sampling_rate  # input sample of k=0
        on_grid = abs(step - round(step)) < 1e-9 and abs(first - round(first)) < 1e-3
        if k1 >= k0 and on_grid:
            r = round(step)
            i0 = round(first) + k0 * r
            seg = tr.data[i0 : i0 + (k1 - k0) * r + 1 : r]
            data[k0 : k0 + seg.size] = seg
        elif k1 >= k0:
            seg = lanczos_resample(  # = tr.interpolate(sampling_rate, "lanczos", a=12, ...)
                tr.data,
                tr.stats.starttime.timestamp,
                tr.stats.delta,
                (t0 + k0 / sampling_rate).timestamp,
                1.0 / sampling_rate,
                k1 - k0 + 1,
            )
            data[k0 : k0 + seg.size] = seg[: npts - k0]
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
    for tr in st:  # = st.detrend("demean").detrend("linear").taper(taper).filter("bandpass", ...)
        if not tr.stats.npts:  # ObsPy skips traces without samples
            continue
        tr.data = hann_taper(_detrend(_detrend(tr.data, "constant"), "linear"), taper)
        tr.data = zerophase_butterworth(
            tr.data, (fmin, fmax), tr.stats.sampling_rate, corners, "bandpass"
        )
    return st
