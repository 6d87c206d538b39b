"""Physically consistent synthetic array recordings of core phases.

:func:`synthesize` builds one vertical short-period velocity trace (nm/s) per
array element for one event:

* **Arrival times** are TauP first arrivals of each configured phase at each
  element (:func:`corephase.model.traveltimes.element_times`, curved wavefront),
  plus a per-element static (site term) and, optionally, an elevation term.
  The wavelet is *centred* on the arrival time (its peak / envelope maximum
  is at the TauP time), which is what beamforming and stacking align on.
* **Amplitudes**: the P peak ground velocity follows from the event
  magnitude through the body-wave magnitude relation
  ``mb = log10(A / T) + Q(Delta, h)`` (Gutenberg & Richter, 1956), with
  ``A`` the zero-to-peak vertical ground displacement in micrometres and
  ``T`` its period (s). ``Q`` is a 10-degree by 4-depth digitisation of
  their PZ calibration table (0, 100, 300, 700 km; 20-100 degrees, bilinear,
  clamped outside), good to about 0.1-0.2 magnitude units. The displacement
  is converted to peak velocity at the wavelet frequency, ``2 pi f A``. Other
  phases have amplitudes relative to P (``cfg["amplitudes"]``) and a
  polarity (``cfg["polarities"]``). Each element has a log-normal site
  amplification common to all phases.
* **Wavelet**: zero-phase Ricker or Gabor of dominant frequency
  ``cfg["wavelet_hz"]``, optionally broadened by attenuation
  ``exp(-pi f t*)`` applied in the frequency domain as a *zero-phase*
  filter (no dispersion, so the peak stays at the TauP time). Relative
  amplitudes are defined before differential attenuation: after filtering,
  all phases are scaled by the same factor so that the attenuated P peak
  equals the magnitude-derived P amplitude.
* **Coda**: after each phase, band-limited Gaussian noise with the
  phase's amplitude spectrum, whose RMS envelope starts at
  ``coda["ratio"]`` times the phase peak amplitude and decays as
  ``exp(-(t - t_phase) / coda["decay_s"])`` (amplitude decay time), with a
  half-cosine onset ramp of one dominant period. A fraction
  ``coda["coherence"]`` of the coda power is coherent across the array
  (same waveform, moved out with the phase's element delays).
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

import copy
import zlib

import numpy as np
from obspy import Stream, Trace, UTCDateTime

from corephase.model.traveltimes import MODELS, distance_backazimuth, element_times, first_arrivals
from corephase.sources.noise import coherent_noise, peterson_noise

#: Default configuration of :func:`synthesize` (keys of ``cfg``).
DEFAULTS: dict = {
    "model": "ak135",
    "amplitudes": {
        "P": 1.0,
        "pP": 0.4,
        "sP": 0.3,
        "PcP": 0.12,
        "ScP": 0.2,
        "PKiKP": 0.012,
        "PKIIKP": 0.006,
        "PKJKP": 0.0015,
    },
    "polarities": {"pP": -1, "sP": -1},
    "depth_phase_min_km": 40.0,
    "wavelet": "ricker",
    "wavelet_hz": 1.5,
    "tstar": None,
    "magnitude_period_s": 1.0,
    "mb_max": 6.5,
    "p_amplitude_nm_s": None,
    "coda": {"ratio": 0.3, "decay_s": 20.0, "coherence": 0.0},
    "statics_std_s": 0.03,
    "amplitude_jitter": 0.1,
    "elevation_correction": False,
    "surface_velocity_km_s": 5.8,
    "noise": True,
    "noise_level": 0.5,
    "noise_coherence": 0.0,
    "noise_slowness_s_km": [0.1, 0.3],
    "sampling_rate_hz": 20.0,
    "window": {
        "start_phase": "P",
        "start_offset_s": -120.0,
        "end_phase": "PKIIKP",
        "end_offset_s": 180.0,
    },
    "network": "SY",
    "location": "",
    "channel": "SHZ",
}

_NESTED = ("coda", "window", "polarities")
_WAVELETS = ("ricker", "gabor")
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


def p_velocity_amplitude_nm_s(
    mb: float, distance_deg: float, depth_km: float, freq_hz: float, period_s: float = 1.0
) -> float:
    """Peak vertical P ground velocity (nm/s) implied by a body-wave magnitude.

    ``A = T * 10**(mb - Q(Delta, h))`` micrometres of displacement
    (:func:`mb_q`), converted to velocity at ``freq_hz`` as
    ``2 pi f A``.
    """
    a_um = period_s * 10.0 ** (mb - mb_q(distance_deg, depth_km))
    return float(2.0 * np.pi * freq_hz * a_um * 1e3)


def pair_seed(base_seed: int, array_name: str, event_id: str) -> int:
    """A seed for one array-event pair, stable across runs, Python versions and platforms.

    CRC-32 (:func:`zlib.crc32`) of ``"{base_seed}|{array_name}|{event_id}"``
    (UTF-8), an integer in [0, 2**32).
    """
    key = f"{int(base_seed)}|{array_name}|{event_id}".encode()
    return zlib.crc32(key) & 0xFFFFFFFF


def resolve_config(cfg: dict | None) -> dict:
    """Merge ``cfg`` over :data:`DEFAULTS` and validate it.

    ``coda``, ``window`` and ``polarities`` are merged key by key;
    ``amplitudes`` replaces the default set entirely (it selects the phases).

    Raises
    ------
    ValueError
        Naming the offending key for unknown keys or invalid values.
    """
    out = copy.deepcopy(DEFAULTS)
    cfg = dict(cfg or {})
    for key, val in cfg.items():
        if key not in DEFAULTS:
            raise ValueError(f"unknown synthetic cfg key {key!r}")
        if key in _NESTED:
            if not isinstance(val, dict):
                raise ValueError(f"cfg[{key!r}] must be a mapping, got {val!r}")
            for sub in val:
                if key != "polarities" and sub not in DEFAULTS[key]:
                    raise ValueError(f"unknown synthetic cfg key {key}.{sub!r}")
            out[key].update(copy.deepcopy(val))
        else:
            out[key] = copy.deepcopy(val)
    _validate(out)
    return out


def _num(cfg, key, lo=None, hi=None, lo_open=False, name=None):
    name = name or key
    try:
        v = float(cfg[key])
    except (TypeError, ValueError):
        raise ValueError(f"cfg[{name!r}] must be a number, got {cfg[key]!r}") from None
    if not np.isfinite(v):
        raise ValueError(f"cfg[{name!r}] must be finite, got {v}")
    if lo is not None and (v < lo or (lo_open and v == lo)):
        rel = ">" if lo_open else ">="
        raise ValueError(f"cfg[{name!r}] must be {rel} {lo}, got {v}")
    if hi is not None and v > hi:
        raise ValueError(f"cfg[{name!r}] must be <= {hi}, got {v}")
    cfg[key] = v
    return v


def _validate(cfg: dict) -> None:
    if cfg["model"] not in MODELS:
        raise ValueError(f"cfg['model'] {cfg['model']!r} is not one of {', '.join(MODELS)}")
    if cfg["wavelet"] not in _WAVELETS:
        raise ValueError(f"cfg['wavelet'] {cfg['wavelet']!r} is not one of {', '.join(_WAVELETS)}")
    amps = cfg["amplitudes"]
    if not isinstance(amps, dict) or not amps:
        raise ValueError("cfg['amplitudes'] must be a non-empty mapping phase -> amplitude")
    for ph in list(amps):
        _num(amps, ph, lo=0.0, name=f"amplitudes.{ph}")
    for ph, pol in cfg["polarities"].items():
        if pol not in (-1, 1):
            raise ValueError(f"cfg['polarities.{ph}'] must be +1 or -1, got {pol!r}")
    _num(cfg, "depth_phase_min_km")
    fs = _num(cfg, "sampling_rate_hz", lo=0.0, lo_open=True)
    fw = _num(cfg, "wavelet_hz", lo=0.0, lo_open=True)
    if fw >= fs / 2.0:
        raise ValueError(
            f"cfg['wavelet_hz'] = {fw} must be below the Nyquist frequency {fs / 2.0} Hz"
        )
    ts = cfg["tstar"]
    if ts is not None:
        if isinstance(ts, dict):
            for ph in list(ts):
                _num(ts, ph, lo=0.0, name=f"tstar.{ph}")
        else:
            _num(cfg, "tstar", lo=0.0)
    _num(cfg, "magnitude_period_s", lo=0.0, lo_open=True)
    _num(cfg, "mb_max")
    if cfg["p_amplitude_nm_s"] is not None:
        _num(cfg, "p_amplitude_nm_s", lo=0.0)
    coda = cfg["coda"]
    _num(coda, "ratio", lo=0.0, name="coda.ratio")
    _num(coda, "decay_s", lo=0.0, lo_open=True, name="coda.decay_s")
    _num(coda, "coherence", lo=0.0, hi=1.0, name="coda.coherence")
    _num(cfg, "statics_std_s", lo=0.0)
    _num(cfg, "amplitude_jitter", lo=0.0)
    _num(cfg, "surface_velocity_km_s", lo=0.0, lo_open=True)
    for key in ("noise", "elevation_correction"):
        if not isinstance(cfg[key], bool):
            raise ValueError(f"cfg[{key!r}] must be true or false, got {cfg[key]!r}")
    _num(cfg, "noise_level", lo=0.0, hi=1.0)
    _num(cfg, "noise_coherence", lo=0.0, hi=1.0)
    sr = cfg["noise_slowness_s_km"]
    if (
        not isinstance(sr, list | tuple)
        or len(sr) != 2
        or not all(isinstance(v, int | float) for v in sr)
        or not 0 <= sr[0] <= sr[1]
    ):
        raise ValueError(
            f"cfg['noise_slowness_s_km'] must be [min, max] s/km with 0 <= min <= max, got {sr!r}"
        )
    win = cfg["window"]
    for key in ("start_phase", "end_phase"):
        if win[key] is not None and not isinstance(win[key], str):
            raise ValueError(f"cfg['window.{key}'] must be a phase name or null")
    if win["start_phase"] is None:
        raise ValueError("cfg['window.start_phase'] must be a phase name")
    _num(win, "start_offset_s", name="window.start_offset_s")
    _num(win, "end_offset_s", name="window.end_offset_s")


def _rng(seed: int, name: str) -> np.random.Generator:
    """Independent generator for one named component of the synthetic."""
    return np.random.default_rng(np.random.SeedSequence([int(seed), zlib.crc32(name.encode())]))


def _is_depth_phase(phase: str) -> bool:
    return phase[:1] in ("p", "s")


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


def _coda(rng, t0, dt, n, times, amps, tw, w, f_w, coda_cfg):
    """Coda of one phase for all elements (n_el, n), or None if negligible."""
    ratio, decay, coh = coda_cfg["ratio"], coda_cfg["decay_s"], coda_cfg["coherence"]
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


def _ids(geometry, cfg) -> list[tuple[str, str, str, str]]:
    out = []
    for code in geometry.codes:
        parts = str(code).split(".")
        if len(parts) == 4:
            out.append(tuple(parts))
        elif len(parts) == 1:
            out.append((cfg["network"], parts[0], cfg["location"], cfg["channel"]))
        else:
            raise ValueError(f"element code {code!r} is neither NET.STA.LOC.CHA nor a station")
    return out


def synthesize(geometry, event, cfg: dict | None = None, seed: int = 0):
    """Synthetic vertical velocity recordings of one event on one array.

    Parameters
    ----------
    geometry : corephase.model.geometry.ArrayGeometry
        Element coordinates; ``codes`` give the trace ids (``NET.STA.LOC.CHA``,
        or a bare station code completed with ``cfg["network"]``,
        ``cfg["location"]``, ``cfg["channel"]``).
    event : corephase.model.events.Event
        Source; ``magnitude`` is used as mb (capped at ``cfg["mb_max"]``)
        unless ``cfg["p_amplitude_nm_s"]`` is set.
    cfg : dict, optional
        Overrides of :data:`DEFAULTS`:

        ``model`` (ak135) TauP model; ``amplitudes`` phase -> peak amplitude
        relative to P (selects the phases); ``polarities`` phase -> +1/-1
        (default +1, pP and sP -1); ``depth_phase_min_km`` (40) depth phases
        (names starting with lower-case p or s) only for deeper events;
        ``wavelet`` ("ricker" | "gabor"); ``wavelet_hz`` (1.5) dominant
        frequency, Hz; ``tstar`` (None) t* in s, one value or phase -> value;
        ``magnitude_period_s`` (1.0) T in the mb relation; ``mb_max`` (6.5)
        mb saturation cap; ``p_amplitude_nm_s`` (None) explicit P peak
        velocity overriding the magnitude; ``coda`` {``ratio`` 0.3,
        ``decay_s`` 20 s, ``coherence`` 0}; ``statics_std_s`` (0.03) std of
        per-element static shifts, s; ``amplitude_jitter`` (0.1) std of the
        natural log of the per-element amplitude factor;
        ``elevation_correction`` (False) delay elements by
        ``elev * sqrt(1/v^2 - p^2)`` with ``surface_velocity_km_s`` (5.8);
        ``noise`` (True); ``noise_level`` (0.5, 0 = NLNM, 1 = NHNM);
        ``noise_coherence`` (0) fraction of noise power in plane waves with
        slowness in ``noise_slowness_s_km`` ([0.1, 0.3]);
        ``sampling_rate_hz`` (20); ``window`` {``start_phase`` "P",
        ``start_offset_s`` -120, ``end_phase`` "PKIIKP", ``end_offset_s``
        180}: seconds relative to the phases' TauP times at the array
        reference point (a missing start/end phase falls back to the
        earliest/latest synthesised phase); ``network`` "SY", ``location``
        "", ``channel`` "SHZ".
    seed : int
        Non-negative seed; the same seed gives bit-identical output.

    Returns
    -------
    stream : obspy.Stream
        One float32 trace per element in nm/s (ground velocity), all with the
        same start time (on the sample grid of the sampling rate) and length;
        each ``tr.stats.synthetic`` is True (lost when written to miniSEED).
    info : dict
        JSON-serialisable provenance: ``source`` "synthetic", ``seed``,
        resolved ``cfg``, ``event``, ``array``, ``distance_deg``,
        ``backazimuth_deg``, ``mb`` and ``mb_q``, ``p_amplitude_nm_s``,
        ``phases`` (per phase: TauP time after origin, slowness s/deg and
        s/km, incidence, relative amplitude, polarity, peak amplitude nm/s before site factors,
        t*), ``skipped`` (phase -> reason), ``element_times_s`` (phase ->
        per-element times after origin actually used, including statics;
        None where the phase has no ray), ``statics_s``,
        ``amplitude_factors``, ``starttime``, ``npts``, ``window``.

    Raises
    ------
    ValueError
        For invalid ``cfg`` values (naming the key), a negative seed, no
        magnitude without ``p_amplitude_nm_s``, or no phase with a ray.
    """
    cfg = resolve_config(cfg)
    if not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    seed = int(seed)
    ids = _ids(geometry, cfg)
    n_el = len(geometry)
    model = cfg["model"]
    depth = float(event.depth_km)
    dist, baz, _ = distance_backazimuth(
        event.latitude, event.longitude, geometry.ref_lat, geometry.ref_lon
    )
    win = cfg["window"]
    wanted = list(cfg["amplitudes"])
    skipped: dict[str, str] = {}
    phases = []
    for ph in wanted:
        if _is_depth_phase(ph) and depth <= cfg["depth_phase_min_km"]:
            skipped[ph] = (
                f"depth phase skipped: depth {depth:g} km <= depth_phase_min_km "
                f"{cfg['depth_phase_min_km']:g}"
            )
        else:
            phases.append(ph)
    extra = [p for p in (win["start_phase"], win["end_phase"]) if p]
    ref = first_arrivals(depth, dist, list(dict.fromkeys(phases + extra)), model)
    for ph in list(phases):
        if ph not in ref:
            skipped[ph] = f"no {model} TauP ray at {dist:.2f} deg, depth {depth:g} km"
            phases.remove(ph)
    if not phases:
        raise ValueError(
            f"no configured phase exists at {dist:.2f} deg, depth {depth:g} km "
            f"(skipped: {skipped})"
        )

    # Per-element arrival times: TauP (curved wavefront) + statics (+ elevation).
    statics = _rng(seed, "statics").normal(0.0, cfg["statics_std_s"], n_el)
    jitter = np.exp(_rng(seed, "amplitude_jitter").normal(0.0, cfg["amplitude_jitter"], n_el))
    times = {}
    for ph in phases:
        t = element_times(
            depth, event.latitude, event.longitude, geometry.lat, geometry.lon, ph, model
        )
        if cfg["elevation_correction"]:
            p_km = ref[ph].slowness_s_km
            q = np.sqrt(max(cfg["surface_velocity_km_s"] ** -2 - p_km**2, 0.0))
            t = t + geometry.elev_m / 1000.0 * q
        times[ph] = np.where(np.isfinite(t), t + statics, np.nan)

    # Time window relative to origin, on the absolute sample grid.
    fs = cfg["sampling_rate_hz"]
    dt = 1.0 / fs
    t_start_phase = win["start_phase"] if win["start_phase"] in ref else None
    t_end_phase = win["end_phase"] if win["end_phase"] in ref else None
    t_first = min(ref[p].time for p in phases)
    t_last = max(ref[p].time for p in phases)
    t_start = (ref[t_start_phase].time if t_start_phase else t_first) + win["start_offset_s"]
    t_end = (ref[t_end_phase].time if t_end_phase else t_last) + win["end_offset_s"]
    if t_end <= t_start:
        raise ValueError(f"cfg['window'] gives an empty window ({t_start:.1f} to {t_end:.1f} s)")
    origin = event.origin
    dt_ns = round(1e9 / fs)
    start_ns = ((origin.ns + round(t_start * 1e9)) // dt_ns) * dt_ns
    end_ns = origin.ns + round(t_end * 1e9)
    n = int((end_ns - start_ns) // dt_ns) + 1
    t0 = (start_ns - origin.ns) * 1e-9  # first sample, s after origin

    # Absolute P amplitude.
    fw = cfg["wavelet_hz"]
    mb = None
    q_val = mb_q(dist, depth)
    if cfg["p_amplitude_nm_s"] is not None:
        a_p = cfg["p_amplitude_nm_s"]
    else:
        mag = float(event.magnitude)
        if not np.isfinite(mag):
            raise ValueError(
                f"event {event.id} has no magnitude; set cfg['p_amplitude_nm_s'] instead"
            )
        mb = min(mag, cfg["mb_max"])
        a_p = p_velocity_amplitude_nm_s(mb, dist, depth, fw, cfg["magnitude_period_s"])

    # Wavelets (with t*) and their common normalisation on the attenuated P peak.
    def tstar_of(ph):
        ts = cfg["tstar"]
        if ts is None:
            return 0.0
        return float(ts.get(ph, 0.0)) if isinstance(ts, dict) else float(ts)

    wavelets = {ph: _wavelet(cfg["wavelet"], fw, tstar_of(ph), dt) for ph in phases}
    norm = 1.0 / np.max(np.abs(wavelets["P"][1])) if "P" in wavelets else 1.0

    signal = np.zeros((n_el, n))
    coda = np.zeros((n_el, n))
    phase_info = {}
    for ph in phases:
        tw, w, _ = wavelets[ph]
        pol = int(cfg["polarities"].get(ph, 1))
        rel = cfg["amplitudes"][ph]
        amps = a_p * rel * pol * norm * jitter
        ok = np.isfinite(times[ph])
        if not ok.any():
            skipped[ph] = "no TauP ray at any element"
            continue
        part = np.zeros((int(ok.sum()), n))
        _place(part, t0, dt, times[ph][ok], amps[ok], tw, w)
        signal[ok] += part
        peaks = amps[ok] * np.max(np.abs(w))
        c, s0 = _coda(
            _rng(seed, f"coda:{ph}"), t0, dt, n, times[ph][ok], peaks, tw, w, fw, cfg["coda"]
        )
        if c is not None:
            coda[np.flatnonzero(ok), s0 : s0 + c.shape[1]] += c
        phase_info[ph] = {
            "time_s": ref[ph].time,
            "slowness_s_deg": ref[ph].slowness_s_deg,
            "slowness_s_km": ref[ph].slowness_s_km,
            "incidence_deg": ref[ph].incidence_deg,
            "relative_amplitude": rel,
            "polarity": pol,
            "peak_amplitude_nm_s": float(a_p * rel * norm * np.max(np.abs(w))),
            "tstar_s": tstar_of(ph),
        }
    data = signal + coda

    if cfg["noise"]:
        lvl, coh = cfg["noise_level"], cfg["noise_coherence"]
        noise = peterson_noise(n_el, n, dt, lvl, _rng(seed, "noise"))
        if coh > 0:
            east, north = geometry.offsets_km()
            slow = tuple(cfg["noise_slowness_s_km"])
            cn, _ = coherent_noise(east, north, n, dt, lvl, _rng(seed, "coherent_noise"), slow)
            noise = np.sqrt(1.0 - coh) * noise + np.sqrt(coh) * cn
        data += noise * 1e9  # m/s -> nm/s

    starttime = UTCDateTime(ns=int(start_ns))
    st = Stream()
    for i, (net, sta, loc, cha) in enumerate(ids):
        tr = Trace(data=data[i].astype(np.float32))
        tr.stats.network, tr.stats.station = net, sta
        tr.stats.location, tr.stats.channel = loc, cha
        tr.stats.sampling_rate = fs
        tr.stats.starttime = starttime
        tr.stats.synthetic = True
        st.append(tr)

    info = {
        "source": "synthetic",
        "generator": "corephase.sources.synthetic.synthesize",
        "seed": seed,
        "units": "nm/s",
        "quantity": "ground velocity, vertical",
        "array": geometry.name,
        "event": event.to_dict(),
        "model": model,
        "distance_deg": dist,
        "backazimuth_deg": baz,
        "mb": mb,
        "mb_q": q_val,
        "p_amplitude_nm_s": float(a_p),
        "noise_level": cfg["noise_level"] if cfg["noise"] else None,
        "phases": phase_info,
        "skipped": skipped,
        "element_ids": [".".join(i) for i in ids],
        "element_times_s": {
            ph: [float(v) if np.isfinite(v) else None for v in times[ph]] for ph in phases
        },
        "statics_s": [float(v) for v in statics],
        "amplitude_factors": [float(v) for v in jitter],
        "starttime": str(starttime),
        "sampling_rate_hz": fs,
        "npts": n,
        "window": {
            "start_s": t0,
            "end_s": t0 + (n - 1) * dt,
            "start_reference": t_start_phase or "earliest phase",
            "end_reference": t_end_phase or "latest phase",
        },
        "cfg": cfg,
    }
    return st, info
