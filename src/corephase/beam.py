"""Alignment: per-element delays and fractional, non-wrapping time shifts.

Sign convention
---------------
A delay ``tau_i`` is the arrival time at element *i* minus the arrival time at
the array reference point (s); positive means the wave reaches the element
later. For a plane wave with horizontal slowness ``s`` (s/km) arriving from
back-azimuth ``baz`` (clockwise from north, pointing from the array to the
source) the wave propagates towards azimuth ``baz + 180``, so

    tau_i = -s * (x_i * sin(baz) + y_i * cos(baz))

with ``x`` east and ``y`` north in km: elements on the source side record the
wave first. Aligning a trace means advancing it by its delay,
``aligned_i(t) = u_i(t + tau_i)``.
"""

from __future__ import annotations

import numpy as np

from .geometry import KM_PER_DEG


def plane_wave_delays(east_km, north_km, slowness_s_km, baz_deg) -> np.ndarray:
    """Plane-wave delays (s) of each element relative to the reference point.

    Parameters
    ----------
    east_km, north_km : array_like
        Element offsets from the reference point, km.
    slowness_s_km : float or array_like
        Horizontal slowness in s/km (divide s/deg by
        :data:`corephase.geometry.KM_PER_DEG`). An array broadcasts to an
        extra leading axis.
    baz_deg : float or array_like
        Back-azimuth in degrees clockwise from north.

    Returns
    -------
    numpy.ndarray
        Delays in s, shape ``broadcast(slowness, baz).shape + (n_elements,)``.
    """
    x = np.asarray(east_km, float)
    y = np.asarray(north_km, float)
    s = np.asarray(slowness_s_km, float)[..., None]
    b = np.radians(np.asarray(baz_deg, float))[..., None]
    return -s * (x * np.sin(b) + y * np.cos(b))


def slowness_deg_to_km(s_deg):
    """Convert slowness from s/deg to s/km."""
    return np.asarray(s_deg, float) / KM_PER_DEG


def shift_traces(data, shifts_s, dt: float, pad_to: int | None = None) -> np.ndarray:
    """Advance each trace by a fractional number of seconds, without wrap-around.

    ``out[i](t) = data[i](t + shifts_s[i])``: a positive shift moves the
    waveform earlier. The shift is a phase ramp in the frequency domain on
    traces zero-padded to at least ``n + max|shift|/dt`` samples, so samples
    shifted past one end are dropped instead of reappearing at the other; the
    vacated end is zero.

    Parameters
    ----------
    data : array_like, shape (n_traces, n_samples)
    shifts_s : array_like, shape (n_traces,)
        Time advance per trace in s.
    dt : float
        Sample interval in s.
    pad_to : int, optional
        FFT length (at least the default).

    Returns
    -------
    numpy.ndarray, shape (n_traces, n_samples)
    """
    data = np.atleast_2d(np.asarray(data, float))
    shifts = np.asarray(shifts_s, float).reshape(-1)
    n = data.shape[-1]
    maxs = int(np.ceil(np.max(np.abs(shifts)) / dt)) if shifts.size else 0
    nfft = _next_fast_len(n + maxs + 1)
    if pad_to is not None:
        nfft = max(nfft, int(pad_to))
    spec = np.fft.rfft(data, nfft, axis=-1)
    f = np.fft.rfftfreq(nfft, dt)
    spec *= np.exp(2j * np.pi * f[None, :] * shifts[:, None])
    out = np.fft.irfft(spec, nfft, axis=-1)[:, :n]
    # Samples that came from beyond the original end are zero by construction
    # (zero padding); those from before the start are the padded tail, zero too.
    return out


def _next_fast_len(n: int) -> int:
    from scipy.fft import next_fast_len

    return int(next_fast_len(int(n), real=True))
