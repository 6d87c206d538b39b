"""Physically consistent synthetic array recordings of core phases.

:func:`synthesize` builds one vertical short-period velocity trace (nm/s) per
array element for one event:

* **Arrivals**: every phase of ``settings.amplitudes`` (P, PcP, ScP, PKiKP,
  PKIIKP, PKJKP, ScS, PP, S, SS, PKP branches by default) and the depth
  phases ``pX``/``sX`` of each, from the one arrival list
  (:func:`corephase.model.arrivals.arrival_list`); phases without a ray at
  the pair's distance and depth are skipped and listed with the reason.
  Per-element times are the list's times at each element distance
  (:func:`corephase.model.arrivals.element_arrival_times`, curved
  wavefront), plus a per-element static (site term) and, optionally, an
  elevation term. The wavelet is *centred* on the arrival time (its peak /
  envelope maximum is at the TauP time), which is what beamforming and
  stacking align on.
* **Amplitudes**: the P peak ground velocity follows from the event
  magnitude through the body-wave magnitude relation
  ``mb = log10(A / T) + Q(Delta, h)`` (Gutenberg & Richter, 1956), with
  ``A`` the zero-to-peak vertical ground displacement in micrometres and
  ``T`` its period (s). ``Q`` is a 10-degree by 4-depth digitisation of
  their PZ calibration table (0, 100, 300, 700 km; 20-100 degrees, bilinear,
  clamped outside), good to about 0.1-0.2 magnitude units. ``A / T`` is
  taken at the wavelet's own period, so the peak velocity is
  ``2 pi A / T = 2 pi 10**(mb - Q)`` (earlier versions measured ``A`` at 1 s
  and differentiated at the wavelet frequency, 1.5 times too large at
  1.5 Hz). Other phases have vertical amplitudes relative to P
  (``settings.amplitudes``) and a polarity (``settings.polarities``); a depth
  phase has its primary's amplitude times the free-surface reflection
  coefficient (sign included) times the configured radiation factor. Each
  element has a log-normal site amplification common to all phases.
* **Wavelet**: zero-phase Ricker or Gabor of dominant frequency
  ``settings.wavelet_hz``, optionally broadened by attenuation
  ``exp(-pi f t*)`` applied in the frequency domain as a *zero-phase*
  filter (no dispersion, so the peak stays at the TauP time). Relative
  amplitudes are defined before differential attenuation: after filtering,
  all phases are scaled by the same factor so that the attenuated P peak
  equals the magnitude-derived P amplitude.
* **Codas**: after a phase, band-limited Gaussian noise with the phase's
  amplitude spectrum, whose RMS envelope starts at a ratio of the phase
  peak and decays exponentially, with a half-cosine onset ramp of one
  dominant period; a fraction of its power (``coherence``) is coherent
  across the array (same waveform, moved out with the phase's element
  delays). ``settings.p_coda``: the long P coda (decay time ``q / (pi f)``);
  ``settings.coda``: a scattering coda (``decay_s``) after the listed
  phases, none by default.
* **Noise**: Peterson-model background noise
  (:func:`corephase.sources.noise.peterson_noise`), optionally partly coherent plane
  waves (:func:`corephase.sources.noise.coherent_noise`).

Randomness is drawn from :class:`numpy.random.Generator` instances derived
from ``seed`` and a fixed name per component (statics, amplitude jitter,
noise, coda of each phase), so the same seed gives bit-identical output and
adding a phase does not change the other components.

References
----------
Gutenberg, B. & Richter, C. F. (1956). Magnitude and energy of earthquakes.
Annali di Geofisica 9, 1-15.
Peterson, J. (1993). Observations and modeling of seismic background noise.
USGS Open-File Report 93-322.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from obspy import Stream, Trace, UTCDateTime

from corephase.config.synthetic import SyntheticSettings
from corephase.model.arrivals import arrival_list, element_arrival_times
from corephase.model.traveltimes import MODELS, distance_backazimuth
from corephase.sources.noise import coherent_noise, peterson_noise
from corephase.utils.random import component_rng

#: Trace id (network, location, channel) given to an element with a bare station code.
BARE_CODE_ID = ("SY", "", "SHZ")

_GABOR_GAMMA = 4.0

# Gutenberg & Richter (1956) Q(Delta, h) for vertical short-period P (PZ),
# digitised every 10 degrees at four depths.
_Q_DIST = np.arange(20.0, 101.0, 10.0)
_Q_DEPTH = np.array([0.0, 100.0, 300.0, 700.0])
_Q_TABLE = np.array(
    [
        [6.1, 6.6, 6.4, 6.7, 6.9, 6.9, 6.7, 7.0, 7.3],
        [6.1, 6.5, 6.6, 6.8, 6.9, 6.6, 6.6, 6.9, 7.4],
        [6.1, 6.3, 6.1, 6.2, 6.3, 6.5, 6.6, 6.7, 7.2],
        [6.0, 6.3, 6.3, 6.1, 6.0, 6.2, 6.3, 6.5, 7.1],
    ]
)


def mb_q(distance_deg: float, depth_km: float) -> float:
    """Body-wave magnitude calibration ``Q(Delta, h)`` (Gutenberg & Richter, 1956).

    For ``mb = log10(A / T) + Q`` with ``A`` the zero-to-peak vertical ground
    displacement of short-period P in micrometres and ``T`` its period in s.
    Bilinear in a 10-degree digitisation of the PZ table at depths 0, 100,
    300 and 700 km; clamped to 20-100 degrees and 0-700 km.

    Parameters
    ----------
    distance_deg : float
        Epicentral distance in degrees.
    depth_km : float
        Source depth in km.
    """
    d = float(np.clip(distance_deg, _Q_DIST[0], _Q_DIST[-1]))
    h = float(np.clip(depth_km, _Q_DEPTH[0], _Q_DEPTH[-1]))
    at_depths = np.array([np.interp(d, _Q_DIST, row) for row in _Q_TABLE])
    return float(np.interp(h, _Q_DEPTH, at_depths))


def p_velocity_amplitude_nm_s(mb: float, distance_deg: float, depth_km: float) -> float:
    """Peak vertical P ground velocity (nm/s) implied by a body-wave magnitude.

    ``A / T = 10**(mb - Q(Delta, h))`` micrometres per second (:func:`mb_q`),
    with ``A`` and ``T`` measured on the wavelet itself (its period, not a
    fixed 1 s); its peak velocity is ``2 pi A / T``, independent of the
    wavelet frequency.
    """
    return float(2.0 * np.pi * 10.0 ** (mb - mb_q(distance_deg, depth_km)) * 1e3)


def _base_wavelet(kind: str, f: float, t: np.ndarray) -> np.ndarray:
    if kind == "ricker":
        a = (np.pi * f * t) ** 2
        return (1.0 - 2.0 * a) * np.exp(-a)
    return np.exp(-((2.0 * np.pi * f * t / _GABOR_GAMMA) ** 2)) * np.cos(2.0 * np.pi * f * t)


def _wavelet(kind: str, f: float, tstar: float, dt: float):
    """Zero-phase wavelet on a fine grid: (time axis, values, fine step)."""
    dtf = dt / 16.0
    half = 3.0 / f + 30.0 * tstar
    nh = int(np.ceil(half / dtf))
    t = np.arange(-2 * nh, 2 * nh + 1) * dtf
    w = _base_wavelet(kind, f, t)
    if tstar > 0:
        nfft = 2 * t.size
        # Centre the wavelet at index 0 before filtering (zero phase).
        spec = np.fft.rfft(np.roll(np.pad(w, (0, nfft - t.size)), -2 * nh), nfft)
        spec *= np.exp(-np.pi * np.fft.rfftfreq(nfft, dtf) * tstar)
        w = np.roll(np.fft.irfft(spec, nfft), 2 * nh)[: t.size]
    keep = slice(nh, 3 * nh + 1)
    return t[keep], w[keep], dtf


def _place(data, t0, dt, times, amps, tw, w):
    """Add amplitude-scaled copies of wavelet (tw, w) centred at ``times`` (s)."""
    n_el, n = data.shape
    half = tw[-1]
    m = int(np.ceil(2 * half / dt)) + 2
    k0 = np.floor((times - half - t0) / dt).astype(np.int64)
    ks = k0[:, None] + np.arange(m)[None, :]
    tau = t0 + ks * dt - times[:, None]
    vals = np.interp(tau, tw, w, left=0.0, right=0.0) * amps[:, None]
    valid = (ks >= 0) & (ks < n)
    rows = np.broadcast_to(np.arange(n_el)[:, None], ks.shape)
    # Indices are unique within a row, so fancy-index accumulation is exact.
    data[rows[valid], ks[valid]] += vals[valid]


def _coda(rng, t0, dt, n, times, amps, tw, w, f_w, coda: tuple[float, float, float]):
    """Coda of one phase for all elements (n_el, n), or None if negligible.

    ``coda`` is (ratio, amplitude decay time s, coherence)."""
    ratio, decay, coh = coda
    n_el = times.size
    span = decay * np.log(1e4)
    s0 = max(int(np.floor((times.min() - t0) / dt)), 0)
    s1 = min(int(np.ceil((times.max() + span - t0) / dt)) + 1, n)
    m = s1 - s0
    if ratio == 0 or m < 4:
        return None, s0
    f = np.fft.rfftfreq(m, dt)
    # Amplitude spectrum of the phase wavelet (band of the coda).
    dtf = tw[1] - tw[0]
    h = np.interp(f, np.fft.rfftfreq(tw.size, dtf), np.abs(np.fft.rfft(w)))
    white = rng.standard_normal((n_el, f.size)) + 1j * rng.standard_normal((n_el, f.size))
    if coh > 0:
        common = rng.standard_normal(f.size) + 1j * rng.standard_normal(f.size)
        delays = times - np.median(times)
        white = np.sqrt(1.0 - coh) * white + np.sqrt(coh) * common[None, :] * np.exp(
            -2j * np.pi * f[None, :] * delays[:, None]
        )
    x = np.fft.irfft(white * h[None, :], m, axis=-1)
    x /= np.sqrt(np.mean(x**2))
    t = t0 + (s0 + np.arange(m)) * dt
    lag = t[None, :] - times[:, None]
    rise = 1.0 / f_w
    ramp = np.where(lag < rise, 0.5 - 0.5 * np.cos(np.pi * np.clip(lag, 0, None) / rise), 1.0)
    env = np.where(lag >= 0, ramp * np.exp(-np.clip(lag, 0, None) / decay), 0.0)
    return ratio * np.abs(amps)[:, None] * env * x, s0


def _ids(geometry) -> list[tuple[str, str, str, str]]:
    """(network, station, location, channel) of each element (see :data:`BARE_CODE_ID`)."""
    out = []
    net, loc, cha = BARE_CODE_ID
    for code in geometry.codes:
        parts = str(code).split(".")
        if len(parts) == 4:
            out.append(tuple(parts))
        elif len(parts) == 1:
            out.append((net, parts[0], loc, cha))
        else:
            raise ValueError(f"element code {code!r} is neither NET.STA.LOC.CHA nor a station")
    return out


@dataclass
class _PhaseTimes:
    """Where and when each synthesised phase arrives (times s after origin)."""

    distance_deg: float
    backazimuth_deg: float
    ref: dict  # phase -> Arrival at the array reference point
    phases: list[str]  # phases synthesised, in time order
    skipped: dict[str, str]  # phase -> why it is not synthesised
    statics: np.ndarray  # per-element static shift, s
    jitter: np.ndarray  # per-element amplitude factor
    times: dict[str, np.ndarray]  # phase -> per-element arrival times (NaN: no ray)


def synthetic_arrivals(depth_km: float, distance_deg: float, settings, model: str = "ak135"):
    """The arrival list a synthetic record holds, and the configured phases it lacks.

    :func:`corephase.model.arrivals.arrival_list` of the primaries of
    ``settings.amplitudes`` (less ``omit_phases``) at their amplitudes, with
    depth phases for events deeper than ``depth_phase_min_km`` (radiation from
    the settings); a depth phase named in ``amplitudes`` takes that amplitude.

    Returns
    -------
    arrivals : list of corephase.model.arrivals.Arrival
        Sorted by time (s after origin); ``relative_amplitude`` is the signed
        peak amplitude relative to P before polarities.
    skipped : dict
        Configured phase -> why it is not in the record.
    """
    amps = {k: v for k, v in settings.amplitudes.items() if k not in settings.omit_phases}
    if settings.predicted_core_amplitudes:
        amps = _predicted_core_amplitudes(amps, depth_km, distance_deg, settings, model)
    skipped = {ph: "left out (omit_phases)" for ph in settings.omit_phases}
    deep = depth_km > settings.depth_phase_min_km
    for ph in amps:
        if _is_depth_phase(ph) and not deep:
            skipped[ph] = (
                f"depth phase skipped: depth {depth_km:g} km <= depth_phase_min_km "
                f"{settings.depth_phase_min_km:g}"
            )
    primaries = tuple(ph for ph in amps if not _is_depth_phase(ph))
    radiation = (settings.depth_phase_radiation_p, settings.depth_phase_radiation_s)
    listed = arrival_list(
        depth_km,
        distance_deg,
        model,
        primaries=primaries,
        depth_phases=deep and any(radiation),
        amplitudes=amps,
        radiation=radiation,
    )
    explicit = [ph for ph in amps if _is_depth_phase(ph) and deep]
    if explicit:
        extra = arrival_list(
            depth_km,
            distance_deg,
            model,
            primaries=tuple(explicit),
            depth_phases=False,
            amplitudes=amps,
        )
        listed = sorted(
            [a for a in listed if a.phase not in explicit] + extra, key=lambda a: a.time
        )
    names = {a.phase for a in listed}
    for ph in amps:
        if ph not in names and ph not in skipped:
            skipped[ph] = f"no {model} TauP ray at {distance_deg:.2f} deg, depth {depth_km:g} km"
    return listed, skipped


def _predicted_core_amplitudes(amps: dict, depth_km, distance_deg, settings, model) -> dict:
    """``amps`` with PcP and PKiKP (where configured) at their predicted amplitude relative
    to P (:func:`corephase.theory.ratios.amplitudes_relative_to_p` at ``wavelet_hz``);
    distances without a prediction keep the configured values."""
    from corephase.theory.ratios import amplitudes_relative_to_p

    pred = amplitudes_relative_to_p(distance_deg, depth_km, settings.wavelet_hz, model)
    out = dict(amps)
    for phase, key in (("PcP", "pcp"), ("PKiKP", "pkikp")):
        value = float(pred[key])
        if phase in out and np.isfinite(value):
            out[phase] = abs(value)
    return out


def _is_depth_phase(phase: str) -> bool:
    return phase[:1] in ("p", "s")


def _phase_times(geometry, event, settings: SyntheticSettings, seed: int, model: str):
    """Step 1: the arrivals of the record and their per-element times (TauP + statics)."""
    depth = float(event.depth_km)
    dist, baz, _ = distance_backazimuth(
        event.latitude, event.longitude, geometry.ref_lat, geometry.ref_lon
    )
    listed, skipped = synthetic_arrivals(depth, dist, settings, model)
    listed = [a for a in listed if a.relative_amplitude is not None]
    if not listed:
        raise ValueError(
            f"no configured phase exists at {dist:.2f} deg, depth {depth:g} km "
            f"(skipped: {skipped})"
        )
    phases = [a.phase for a in listed]
    n_el = len(geometry)
    statics = component_rng(seed, "statics").normal(0.0, settings.statics_std_s, n_el)
    jitter = np.exp(
        component_rng(seed, "amplitude_jitter").normal(0.0, settings.amplitude_jitter, n_el)
    )
    el_times = element_arrival_times(
        listed, depth, dist, event.latitude, event.longitude, geometry.lat, geometry.lon, model
    )
    times = {}
    for a in listed:
        t = el_times[a.phase]
        if settings.elevation_correction:
            q = np.sqrt(max(settings.surface_velocity_km_s**-2 - a.slowness_s_km**2, 0.0))
            t = t + geometry.elev_m / 1000.0 * q
        times[a.phase] = np.where(np.isfinite(t), t + statics, np.nan)
    ref = {a.phase: a for a in listed}
    return _PhaseTimes(dist, baz, ref, phases, skipped, statics, jitter, times)


def _sample_grid(origin: UTCDateTime, window_s, fs: float) -> tuple[int, int, float]:
    """Step 2: first sample (ns, on the absolute grid of ``fs``), sample count, and the
    first sample in s after the origin, for a window ``(start, end)`` in s after origin."""
    t_start, t_end = (float(v) for v in window_s)
    if t_end <= t_start:
        raise ValueError(f"the record window is empty ({t_start:.1f} to {t_end:.1f} s)")
    dt_ns = round(1e9 / fs)
    start_ns = ((origin.ns + round(t_start * 1e9)) // dt_ns) * dt_ns
    end_ns = origin.ns + round(t_end * 1e9)
    n = int((end_ns - start_ns) // dt_ns) + 1
    return start_ns, n, (start_ns - origin.ns) * 1e-9


def _p_amplitude(event, settings: SyntheticSettings, distance_deg: float):
    """Step 3: peak P velocity (nm/s) and the mb it came from (None if set explicitly)."""
    if settings.p_amplitude_nm_s is not None:
        return settings.p_amplitude_nm_s, None
    mag = float(event.magnitude)
    if not np.isfinite(mag):
        raise ValueError(
            f"event {event.id} has no magnitude; set the synthetic setting 'p_amplitude_nm_s'"
        )
    mb = min(mag, settings.mb_max)
    a_p = p_velocity_amplitude_nm_s(mb, distance_deg, float(event.depth_km))
    return a_p, mb


def _codas_of(ph: str, settings: SyntheticSettings):
    """(rng name, (ratio, decay s, coherence)) of each coda that follows ``ph``."""
    out = []
    pc = settings.p_coda
    if pc.ratio > 0 and ph in pc.phases:
        out.append((f"p_coda:{ph}", (pc.ratio, pc.decay_s(settings.wavelet_hz), pc.coherence)))
    sc = settings.coda
    if sc.applies_to(ph):
        out.append((f"coda:{ph}", (sc.ratio, sc.decay_s, sc.coherence)))
    return out


def _phase_signals(pt: _PhaseTimes, settings: SyntheticSettings, seed, a_p, t0, dt, n):
    """Step 4: wavelets and codas of every phase, (n_el, n) in nm/s, and per-phase info.

    Wavelets (with t*) share one normalisation: the attenuated P peak is ``a_p``.
    """
    fw = settings.wavelet_hz
    wavelets = {ph: _wavelet(settings.wavelet, fw, settings.tstar_of(ph), dt) for ph in pt.phases}
    norm = 1.0 / np.max(np.abs(wavelets["P"][1])) if "P" in wavelets else 1.0
    n_el = pt.statics.size
    signal = np.zeros((n_el, n))
    phase_info = {}
    for ph in pt.phases:
        tw, w, _ = wavelets[ph]
        pol = settings.polarity_of(ph)
        arr = pt.ref[ph]
        rel = arr.relative_amplitude
        amps = a_p * rel * pol * norm * pt.jitter
        ok = np.isfinite(pt.times[ph])
        if not ok.any():
            pt.skipped[ph] = "no TauP ray at any element"
            continue
        part = np.zeros((int(ok.sum()), n))
        _place(part, t0, dt, pt.times[ph][ok], amps[ok], tw, w)
        signal[ok] += part
        peaks = amps[ok] * np.max(np.abs(w))
        for name, params in _codas_of(ph, settings):
            rng = component_rng(seed, name)
            c, s0 = _coda(rng, t0, dt, n, pt.times[ph][ok], peaks, tw, w, fw, params)
            if c is not None:
                signal[np.flatnonzero(ok), s0 : s0 + c.shape[1]] += c
        phase_info[ph] = {
            "time_s": arr.time,
            "slowness_s_deg": arr.slowness_s_deg,
            "slowness_s_km": arr.slowness_s_km,
            "incidence_deg": arr.incidence_deg,
            "primary": arr.primary,
            "free_surface_coefficient": arr.free_surface,
            "relative_amplitude": rel,
            "polarity": pol,
            "peak_amplitude_nm_s": float(a_p * abs(rel) * norm * np.max(np.abs(w))),
            "tstar_s": settings.tstar_of(ph),
        }
    return signal, phase_info


def _noise(geometry, settings: SyntheticSettings, seed: int, n: int, dt: float) -> np.ndarray:
    """Step 5: Peterson-model noise, partly coherent plane waves if configured (nm/s)."""
    lvl, coh = settings.noise_level, settings.noise_coherence
    noise = peterson_noise(len(geometry), n, dt, lvl, component_rng(seed, "noise"))
    if coh > 0:
        east, north = geometry.offsets_km()
        rng = component_rng(seed, "coherent_noise")
        cn, _ = coherent_noise(east, north, n, dt, lvl, rng, settings.noise_slowness_s_km)
        noise = np.sqrt(1.0 - coh) * noise + np.sqrt(coh) * cn
    return noise * 1e9  # m/s -> nm/s


def _to_stream(data: np.ndarray, ids, fs: float, starttime: UTCDateTime) -> Stream:
    """Step 6: one float32 trace per element, all starting at ``starttime``."""
    st = Stream()
    for i, (net, sta, loc, cha) in enumerate(ids):
        tr = Trace(data=data[i].astype(np.float32))
        tr.stats.network, tr.stats.station = net, sta
        tr.stats.location, tr.stats.channel = loc, cha
        tr.stats.sampling_rate = fs
        tr.stats.starttime = starttime
        tr.stats.synthetic = True
        st.append(tr)
    return st


def _element_provenance(pt: _PhaseTimes, ids) -> dict:
    """Skipped phases and per-element ids, times, statics and amplitude factors (JSON)."""
    return {
        "skipped": pt.skipped,
        "element_ids": [".".join(i) for i in ids],
        "element_times_s": {
            ph: [float(v) if np.isfinite(v) else None for v in pt.times[ph]] for ph in pt.phases
        },
        "statics_s": [float(v) for v in pt.statics],
        "amplitude_factors": [float(v) for v in pt.jitter],
    }


def synthesize(
    geometry,
    event,
    window_s: tuple[float, float],
    settings: SyntheticSettings | None = None,
    *,
    seed: int = 0,
    model: str = "ak135",
):
    """Synthetic vertical velocity recordings of one event on one array.

    Parameters
    ----------
    geometry : corephase.model.geometry.ArrayGeometry
        Element coordinates; ``codes`` give the trace ids (``NET.STA.LOC.CHA``,
        or a bare station code completed with :data:`BARE_CODE_ID`).
    event : corephase.model.events.Event
        Source; ``magnitude`` is used as mb (capped at ``settings.mb_max``)
        unless ``settings.p_amplitude_nm_s`` is set.
    window_s : (float, float)
        Record window, start and end in s after the origin (the pair's window
        from :func:`corephase.model.traveltimes.record_window`). The first
        sample is on the absolute sample grid at or before the start.
    settings : corephase.config.synthetic.SyntheticSettings, optional
        Phases, amplitudes, wavelet, coda, site terms, noise and sampling rate
        (defaults if omitted).
    seed : int
        Non-negative seed; the same seed gives bit-identical output.
    model : str
        TauP earth model (:data:`corephase.model.traveltimes.MODELS`).

    Returns
    -------
    stream : obspy.Stream
        One float32 trace per element in nm/s (ground velocity), all with the
        same start time and length; each ``tr.stats.synthetic`` is True (lost
        when written to miniSEED).
    info : dict
        JSON-serialisable provenance: ``source`` "synthetic", ``seed``,
        ``settings``, ``event``, ``array``, ``model``, ``distance_deg``,
        ``backazimuth_deg``, ``mb`` and ``mb_q``, ``p_amplitude_nm_s``,
        ``phases`` (per phase: TauP time after origin, slowness s/deg and s/km,
        incidence, relative amplitude, polarity, peak amplitude nm/s before site
        factors, t*), ``skipped`` (phase -> reason), ``element_times_s`` (phase
        -> per-element times after origin actually used, including statics; None
        where the phase has no ray), ``statics_s``, ``amplitude_factors``,
        ``starttime``, ``npts``, ``window`` (``start_s``, ``end_s``: first and
        last sample, s after origin).

    Raises
    ------
    ValueError
        For an unknown model, a negative seed, an empty window, no magnitude
        without ``p_amplitude_nm_s``, or no phase with a ray.
    """
    settings = settings if settings is not None else SyntheticSettings()
    if model not in MODELS:
        raise ValueError(f"model {model!r} is not one of {', '.join(MODELS)}")
    if not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    seed = int(seed)
    ids = _ids(geometry)
    pt = _phase_times(geometry, event, settings, seed, model)
    fs = settings.sampling_rate_hz
    dt = 1.0 / fs
    start_ns, n, t0 = _sample_grid(event.origin, window_s, fs)
    a_p, mb = _p_amplitude(event, settings, pt.distance_deg)
    data, phase_info = _phase_signals(pt, settings, seed, a_p, t0, dt, n)
    if settings.noise:
        data += _noise(geometry, settings, seed, n, dt)
    starttime = UTCDateTime(ns=int(start_ns))
    info = {
        "source": "synthetic",
        "generator": "corephase.sources.synthetic.synthesize",
        "seed": seed,
        "units": "nm/s",
        "quantity": "ground velocity, vertical",
        "array": geometry.name,
        "event": event.to_dict(),
        "model": model,
        "distance_deg": pt.distance_deg,
        "backazimuth_deg": pt.backazimuth_deg,
        "mb": mb,
        "mb_q": mb_q(pt.distance_deg, float(event.depth_km)),
        "p_amplitude_nm_s": float(a_p),
        "noise_level": settings.noise_level if settings.noise else None,
        "phases": phase_info,
        **_element_provenance(pt, ids),
        "starttime": str(starttime),
        "sampling_rate_hz": fs,
        "npts": n,
        "window": {"start_s": t0, "end_s": t0 + (n - 1) * dt},
        "settings": settings.to_dict(),
    }
    return _to_stream(data, ids, fs, starttime), info
