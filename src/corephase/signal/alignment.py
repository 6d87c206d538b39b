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

from corephase.model.geometry import KM_PER_DEG
from corephase.signal.stacking import next_fast_len


def plane_wave_delays(east_km, north_km, slowness_s_km, baz_deg) -> np.ndarray:
    """Plane-wave delays (s) of each element relative to the reference point.

    Parameters
    ----------
    east_km, north_km : array_like
        Element offsets from the reference point, km.
    slowness_s_km : float or array_like
        Horizontal slowness in s/km (divide s/deg by
        :data:`corephase.model.geometry.KM_PER_DEG`). An array broadcasts to an
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
    return TraceShifter(data, dt).shift(shifts_s, pad_to)


class TraceShifter:
    """:func:`shift_traces` of one set of traces by many shift vectors.

    The traces' real FFT and the phase-ramp frequencies are kept per FFT length,
    so a slowness sweep transforms the record once per length instead of once per
    slowness; every shift equals :func:`shift_traces` of the same traces to the
    last bit.

    Parameters
    ----------
    data : array_like, shape (n_traces, n_samples) or (n_sets, n_traces, n_samples)
        Several sets of traces (e.g. the bands of one record) are shifted alike by
        each shift vector, with one phase ramp for all of them; each set's shift
        equals the shift of that set alone to the last bit.
    dt : float
        Sample interval in s.
    """

    def __init__(self, data, dt: float):
        self.data = np.atleast_2d(np.asarray(data, float))
        self.dt = dt
        self._spectra: dict = {}

    def shift(self, shifts_s, pad_to: int | None = None) -> np.ndarray:
        """The traces advanced by ``shifts_s`` (s, one per trace), as :func:`shift_traces`.

        Shape ``(n_traces, n_samples)``, or ``(n_sets, n_traces, n_samples)`` for sets.
        """
        shifts = np.asarray(shifts_s, float).reshape(-1)
        n = self.data.shape[-1]
        maxs = int(np.ceil(np.max(np.abs(shifts)) / self.dt)) if shifts.size else 0
        nfft = next_fast_len(n + maxs + 1)
        if pad_to is not None:
            nfft = max(nfft, int(pad_to))
        if nfft not in self._spectra:
            f = np.fft.rfftfreq(nfft, self.dt)
            self._spectra[nfft] = (np.fft.rfft(self.data, nfft, axis=-1), 2j * np.pi * f[None, :])
        spec, ramp = self._spectra[nfft]
        # np.multiply with the spectrum first: the operator would compute in place into the
        # temporary ramp, the factors swapped, which changes the last bit where FMA is used
        shifted = np.multiply(spec, np.exp(ramp * shifts[:, None]))
        # Samples that came from beyond the original end are zero by construction
        # (zero padding); those from before the start are the padded tail, zero too.
        return np.fft.irfft(shifted, nfft, axis=-1)[..., :n]


def elevation_statics(elev_m, slowness_s_km, v_surface_km_s: float, ref_elev_m=None):
    """Elevation statics (s): extra travel time to elements above the reference.

    A plane wave with horizontal slowness ``p`` crossing a surface layer of
    velocity ``v`` (km/s) at incidence ``i`` (``sin i = p v``) needs
    ``dz * cos(i) / v`` more seconds to climb ``dz`` km, so an element
    ``dz`` above the reference elevation records it that much later.

    Parameters
    ----------
    elev_m : array_like
        Element elevations in m above sea level.
    slowness_s_km : float
        Horizontal slowness in s/km.
    v_surface_km_s : float
        Velocity of the surface layer in km/s (e.g. 5.8 for P, 3.46 for S).
    ref_elev_m : float, optional
        Reference elevation in m; defaults to the mean element elevation.

    Returns
    -------
    numpy.ndarray
        Static delay per element in s (positive: the element records later).

    Raises
    ------
    ValueError
        If the velocity is not positive or ``p * v >= 1`` (no upgoing ray).
    """
    z = np.asarray(elev_m, float)
    if not v_surface_km_s or v_surface_km_s <= 0:
        raise ValueError(f"surface velocity must be positive, got {v_surface_km_s!r} km/s")
    sin_i = float(slowness_s_km) * float(v_surface_km_s)
    if abs(sin_i) >= 1.0:
        raise ValueError(
            f"slowness {slowness_s_km} s/km is post-critical for a surface velocity of "
            f"{v_surface_km_s} km/s (p*v = {sin_i:.3f} >= 1)"
        )
    ref = np.mean(z) if ref_elev_m is None else float(ref_elev_m)
    dz_km = (z - ref) / 1000.0
    return dz_km * np.sqrt(1.0 - sin_i**2) / float(v_surface_km_s)


def static_table_delays(codes, statics: dict | None) -> np.ndarray:
    """Per-element static corrections (s) from a ``{code: seconds}`` table.

    A positive static means the element records systematically late (a
    slow site); it is added to the predicted delay, so alignment removes it.
    Elements missing from the table get 0. A code may be given as the full
    SEED id ``NET.STA.LOC.CHA`` or as the station code alone.
    """
    out = np.zeros(len(codes))
    if not statics:
        return out
    for i, c in enumerate(codes):
        sta = c.split(".")[1] if c.count(".") == 3 else c
        if c in statics:
            out[i] = float(statics[c])
        elif sta in statics:
            out[i] = float(statics[sta])
    return out


def curved_wavefront_delays(geometry, event, phase: str, model: str = "ak135") -> np.ndarray:
    """TauP delays (s) of each element relative to the array reference point.

    ``tau_i = T(element_i) - T(reference)`` with ``T`` the ak135 (or other
    model) travel time of ``phase`` from
    :func:`corephase.model.traveltimes.element_times`; the sign convention is the
    same as :func:`plane_wave_delays` (positive: later than the reference).

    Raises
    ------
    ValueError
        If the phase does not exist at the reference point or at some element.
    """
    from corephase.model.traveltimes import element_times, reference_time

    t_el = element_times(
        event.depth_km, event.latitude, event.longitude, geometry.lat, geometry.lon, phase, model
    )
    t_ref = reference_time(event, geometry, phase, model)
    if not np.isfinite(t_ref) or not np.all(np.isfinite(t_el)):
        raise ValueError(
            f"phase {phase} has no {model} arrival at every element of {geometry.name}"
        )
    return t_el - t_ref


def element_delays(
    geometry,
    slowness_s_km: float,
    baz_deg: float,
    *,
    curved: bool = False,
    event=None,
    phase: str | None = None,
    model: str = "ak135",
    v_surface_km_s: float | None = None,
    statics: dict | None = None,
) -> np.ndarray:
    """Total alignment delay (s) of each element: the one place every stack uses.

    ``tau = geometric + elevation + station statics``, all relative to the
    reference point and with the convention of :func:`plane_wave_delays`
    (positive: the element records later). Align with
    ``shift_traces(data, tau, dt)``.

    Parameters
    ----------
    geometry : corephase.model.geometry.ArrayGeometry
    slowness_s_km : float
        Horizontal slowness in s/km (used for the plane wave and for the
        incidence angle of the elevation statics).
    baz_deg : float
        Back-azimuth in degrees clockwise from north.
    curved : bool
        Use TauP times per element (needs ``event`` and ``phase``) instead of
        a plane wave.
    event : corephase.model.events.Event, optional
    phase : str, optional
    model : str
        Earth model for the curved wavefront.
    v_surface_km_s : float, optional
        Surface velocity (km/s) for elevation statics; ``None`` for none. Elements
        with a missing elevation get none (:func:`known_elevation_statics`).
    statics : dict, optional
        ``{code: seconds}`` station corrections (see :func:`static_table_delays`).
    """
    if curved:
        if event is None or phase is None:
            raise ValueError("curved-wavefront delays need the event and the phase name")
        tau = curved_wavefront_delays(geometry, event, phase, model)
    else:
        east, north = geometry.offsets_km()
        tau = plane_wave_delays(east, north, slowness_s_km, baz_deg)
    if v_surface_km_s:
        tau = tau + known_elevation_statics(geometry, slowness_s_km, v_surface_km_s)
    return tau + static_table_delays(geometry.codes, statics)


def known_elevation_statics(geometry, slowness_s_km: float, v_surface_km_s: float) -> np.ndarray:
    """:func:`elevation_statics` of the elements with a known elevation, 0 s for those
    whose elevation is missing (:meth:`corephase.model.geometry.ArrayGeometry.missing_elevations`);
    the reference is the mean known elevation.
    """
    missing = geometry.missing_elevations()
    out = np.zeros(len(geometry))
    known = ~missing
    if known.any():
        out[known] = elevation_statics(geometry.elev_m[known], slowness_s_km, v_surface_km_s)
    return out


def align(data, delays_s, dt: float, *, shifter: TraceShifter | None = None) -> np.ndarray:
    """Align traces on delays (s): ``out_i(t) = u_i(t + delays_s[i])``.

    Thin wrapper of :func:`shift_traces` so that every stack aligns the same way.
    ``shifter``, a :class:`TraceShifter` of the same ``data`` and ``dt``, keeps the
    traces' spectra between alignments (several phases of one record): the same bits.
    """
    if shifter is None:
        return shift_traces(data, delays_s, dt)
    if shifter.data.shape[-2:] != np.shape(data) or shifter.dt != dt:
        raise ValueError("shifter holds other traces or another sample interval than data")
    return shifter.shift(delays_s)
