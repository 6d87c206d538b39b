"""The one running-mean smoother used by envelopes, coda curves and experiments."""

from __future__ import annotations

from functools import lru_cache

import numpy as np


def boxcar_width(dt: float | None, length_s: float, what: str = "smoothing") -> int:
    """Samples of a running mean over ``length_s`` seconds at interval ``dt`` (s).

    ``max(round(length_s / dt), 1)``; 1 (no smoothing) for ``length_s <= 0``.

    Raises
    ------
    ValueError
        If smoothing is asked for without a positive ``dt``.
    """
    if not length_s or length_s <= 0:
        return 1
    if dt is None or dt <= 0:
        raise ValueError(f"{what} over {length_s} s needs a positive sample interval dt")
    return max(round(length_s / dt), 1)


def boxcar(x, dt: float | None, length_s: float, what: str = "smoothing") -> np.ndarray:
    """Centred running mean of ``x`` over ``length_s`` seconds, along the last axis.

    Parameters
    ----------
    x : array_like
        One trace or an array of traces (time on the last axis).
    dt : float
        Sample interval in s.
    length_s : float
        Window length in s; ``<= 0`` returns ``x`` unchanged.
    what : str
        Named in the error message.

    Returns
    -------
    numpy.ndarray
        Same shape as ``x`` (for windows no longer than the trace). The window
        is that of ``np.convolve(row, ones(w) / w, "same")`` with
        ``w = max(round(length_s / dt), 1)``, samples beyond the ends counting as 0.
    """
    w = boxcar_width(dt, length_s, what)
    if w <= 1:
        return x
    a = np.asarray(x)
    if w > a.shape[-1]:  # np.convolve(mode="same") returns w samples then; keep that
        rows = a.reshape(-1, a.shape[-1])
        out = np.vstack([np.convolve(r, np.ones(w) / w, mode="same") for r in rows])
        return out.reshape((*a.shape[:-1], out.shape[-1]))
    # same window as np.convolve(x, ones(w) / w, "same"): x[m - w // 2 .. m + (w - 1) // 2],
    # as a running sum (O(n) whatever w; equal to np.convolve to 1e-14)
    if np.iscomplexobj(a):
        return _running_mean(a.real, w) + 1j * _running_mean(a.imag, w)
    return _running_mean(a, w)


def _running_mean(a: np.ndarray, w: int) -> np.ndarray:
    """Centred running mean over ``w`` samples (at most the trace's) of the last axis,
    zeros beyond the ends.

    The running sum of SciPy's ``uniform_filter1d(a, w, mode="constant")`` (the
    first window summed in order, then one sample added and one dropped per step,
    divided by ``w``) in double precision, to the last bit, without importing
    ``scipy.ndimage`` in every job; float32 input gives float32. The steps are
    those of the zero-padded trace, formed without padding it: where the dropped
    sample lies before the trace the entering sample itself (``x - 0 = x``), where
    the entering one lies beyond it ``0 - x``.
    """
    x = a if a.dtype == np.float64 else a.astype(np.float64)
    n, h = x.shape[-1], w // 2
    head = np.zeros((*x.shape[:-1], w))
    head[..., h : h + min(n, w - h)] = x[..., : w - h]
    steps = np.zeros((*x.shape[:-1], n))
    steps[..., 0] = np.cumsum(head, axis=-1)[..., -1]
    enter = n - w + h + 1  # steps [1, enter) add x[m + w - 1 - h] (enter > h for w <= n)
    drop = h + 1  # steps [drop, n) drop x[m - 1 - h]
    np.subtract(x[..., w:], x[..., : enter - drop], out=steps[..., drop:enter])
    steps[..., 1:drop] = x[..., w - h : w]
    np.subtract(0.0, x[..., enter - drop : n - drop], out=steps[..., enter:])
    out = np.cumsum(steps, axis=-1, out=steps)
    out /= w
    return out.astype(np.float32) if a.dtype == np.float32 else out


def masked_boxcar(x, mask, dt: float, length_s: float) -> np.ndarray:
    """Running mean of ``x`` over the samples in ``mask`` only; 0 outside ``mask``.

    Same window as :func:`boxcar`; each output sample is the mean of the masked
    samples inside its window (gaps and excluded samples do not pull it down).
    """
    x = np.asarray(x, float)
    m = np.asarray(mask, bool)
    w = boxcar_width(dt, length_s)
    if w <= 1:
        return x * m
    out = np.zeros(np.broadcast_shapes(x.shape, m.shape))
    hit = np.flatnonzero(m if m.ndim == 1 else m.reshape(-1, m.shape[-1]).any(axis=0))
    if not hit.size:
        return out
    # Only the samples within a window of the mask: before them the running sums are
    # exactly 0, as over the whole trace, so the means are the same to the last bit.
    crop = slice(max(int(hit[0]) - w, 0), min(int(hit[-1]) + w + 1, out.shape[-1]))
    xc, mc = x[..., crop], m[..., crop]
    num = boxcar(xc * mc, dt, length_s) * w
    den = _window_counts(mc.tobytes(), mc.shape, dt, length_s)
    np.divide(num, den, out=out[..., crop], where=(den > 0.5) & mc)
    return out


@lru_cache(maxsize=64)
def _window_counts(mask_bytes: bytes, shape: tuple, dt: float, length_s: float) -> np.ndarray:
    """Masked samples in each window of :func:`masked_boxcar` (read-only), per mask.

    ``boxcar(mask, dt, length_s) * w`` of the bool mask given by its bytes and
    shape; kept for masks that recur (the same windows of many envelopes).
    """
    mask = np.frombuffer(mask_bytes, bool).reshape(shape)
    counts = boxcar(mask.astype(float), dt, length_s) * boxcar_width(dt, length_s)
    counts.flags.writeable = False
    return counts
