"""Sub-array and synthetic-array experiment: which layout gives a usable stack?

For each target phase (pre-critical PKiKP, PKIIKP, PKJKP, ...) and each
sub-array layout (:mod:`corephase.experiment.subarray`) a Monte Carlo simulation
measures how well linear, phase-weighted, nth-root and envelope stacks bring
the phase out of noise and interfering arrivals.

Simulation (per layout, all trials at once)
-------------------------------------------
Records are synthesised directly as spectra on a periodic grid of
``S = window_s / dt`` samples, *in the frame aligned on the target phase*:
trace *i* is ``u_i(t + a_i)`` with ``a_i`` the alignment delay (plane wave at
the TauP slowness and back-azimuth at the reference point, or the TauP
curved wavefront with ``alignment: curved``), and time ``t = 0`` (sample
``S // 2``) is the TauP time of the target at the reference point. This is
exactly what :func:`corephase.signal.alignment.shift_traces` would return for records
synthesised in the original frame (a shift is a phase ramp), without the
detour. Each record is the sum of

* the **target**: a zero-phase wavelet (Ricker, ``wavelet_hz``) band-passed
  like the data (zero-phase Butterworth, ``band_hz``, ``filter_corners``),
  with peak ``snr`` (times a log-normal per-station amplitude factor of
  log-std ``amplitude_jitter``) arriving at
  ``tau_true_i - a_i + static_i``: the TauP curved-wavefront time at the
  station (:func:`corephase.model.traveltimes.first_arrivals` on a 0.05 degree
  distance grid, as :func:`corephase.model.traveltimes.element_times`) minus the
  alignment delay, plus a Gaussian per-station static (``statics_std_s``);
* **interfering arrivals** (``interferers``): other phases (P, PcP, ScP, ...)
  at their TauP time relative to the target and their own plane-wave
  slowness, with peak ``snr`` and an exponentially decaying coda
  (``coda_ratio`` of the peak at onset, amplitude decay time
  ``coda_decay_s``), a fraction ``coda_coherence`` of whose power is coherent
  and moves out with the phase's slowness (a P coda lasting hundreds of
  seconds reaches a core phase arriving minutes later);
* **noise** with the Peterson spectrum of ``noise_level``
  (:func:`corephase.sources.noise.peterson_psd`), band-passed and scaled to unit RMS,
  a fraction ``noise_coherence`` of its power in ``noise_waves`` plane waves
  with slowness in ``noise_slowness_s_km`` (batched form of
  :func:`corephase.sources.noise.coherent_noise`).

Amplitudes are therefore in units of the band-passed noise RMS of one trace:
``snr`` is the single-trace peak signal-to-RMS-noise ratio.

Metrics (per layout and stack)
------------------------------
The stacks of :mod:`corephase.signal.stacking` are evaluated for all trials at once
from the analytic signals of the aligned traces (one inverse FFT), with the
same definitions (PWS ``nu``, nth-root ``nthroot_n``, envelope smoothing). The
characteristic function (CF) is the envelope of the beam (linear, PWS,
nth-root) or the envelope stack itself.

* ``snr_single``, ``snr_beam``: output SNR as a deflection
  (:func:`deflection_snr`): mean over trials of the stack at ``t = 0`` with
  the target, minus the mean, over the standard deviation, of the same
  quantity without the target (same trials, search window); for single
  traces the mean peak amplitude of the target over the noise standard
  deviation. For linear stacks this is peak amplitude over noise RMS, unbiased
  at any SNR; ``snr_gain`` is their ratio and ``gain_over_sqrt_n``
  ``snr_gain / sqrt(N)`` (1 for an ideal linear stack in incoherent noise).
* ``pd``: detection probability at the false-alarm rate ``pfa``. The
  detection statistic is the CF maximum within ``+-search_s`` of ``t = 0``
  over its noise-window RMS; the threshold is the ``1 - pfa`` quantile of the
  statistic on the same trials without the target (noise and interferers
  only). ROC curves come from the same two samples.
* ``amp_bias``: median of the stack at ``t = 0`` over the true mean
  amplitude of the target (1 for an unbiased stack).
* ``slow_bias_s_deg``, ``baz_bias_deg`` (and robust scatters): peak of the
  Bartlett FK power (signal-plus-noise trials, window ``fk_window_s``, band
  ``band_hz``) on a slowness grid around the truth, minus the truth.
* ``slow_res_s_deg``, ``baz_res_deg``, ``sidelobe``: half-power full width of
  the main lobe of the array response (:func:`arf_slowness`) along and
  across the back-azimuth (slowness s/deg; back-azimuth degrees at the
  target slowness) and the highest sidelobe within ``arf_smax_s_deg``.
"""

from __future__ import annotations

import copy
import logging
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from corephase.experiment.subarray import (
    LAYOUT_KINDS,
    SubArray,
    dense_geometry,
    make_subarray,
)
from corephase.model.geometry import KM_PER_DEG, ArrayGeometry, local_km_to_latlon
from corephase.model.traveltimes import distance_backazimuth, first_arrivals
from corephase.signal.alignment import plane_wave_delays
from corephase.signal.stacking import STACK_TYPES
from corephase.sources.noise import peterson_psd

log = logging.getLogger("corephase.experiment.core")

#: Defaults of one experiment's configuration (see the module docstring).
DEFAULTS: dict = {
    "model": "ak135",
    "event": {"distance_deg": 40.0, "baz_deg": 300.0, "depth_km": 100.0},
    "targets": [{"phase": "PKiKP", "snr": 0.5}],
    "interferers": [
        {
            "phase": "P",
            "snr": 20.0,
            "coda_ratio": 0.5,
            "coda_decay_s": 250.0,
            "coda_coherence": 0.2,
        },
        {
            "phase": "PcP",
            "snr": 2.0,
            "coda_ratio": 0.5,
            "coda_decay_s": 30.0,
            "coda_coherence": 0.2,
        },
        {
            "phase": "ScP",
            "snr": 3.0,
            "coda_ratio": 0.5,
            "coda_decay_s": 30.0,
            "coda_coherence": 0.2,
        },
    ],
    "layouts": {
        "kinds": ["ring", "cross", "line_along", "random"],
        "n_stations": [5, 10, 20],
        "apertures_km": [20.0, 100.0],
        "spacings_km": [],
        "modes": ["extracted", "theoretical"],
        "seed": 0,
        "max_shift_frac": 0.5,
        "aperture_tol": 0.25,
        "method": "optimal",
    },
    "trials": 100,
    "simulation": {
        "sampling_rate_hz": 20.0,
        "window_s": 60.0,
        "wavelet": "ricker",
        "wavelet_hz": 1.5,
        "band_hz": [0.8, 2.5],
        "filter_corners": 4,
        "noise_level": 0.5,
        "noise_coherence": 0.0,
        "noise_slowness_s_km": [0.1, 0.3],
        "noise_waves": 8,
        "amplitude_jitter": 0.1,
        "statics_std_s": 0.05,
        "curved_wavefront": True,
        "alignment": "plane",
    },
    "metrics": {
        "stacks": list(STACK_TYPES),
        "pfa": 0.05,
        "target_pd": 0.9,
        "search_s": 1.5,
        "noise_window_s": [-25.0, -5.0],
        "pws_nu": 2.0,
        "nthroot_n": 4.0,
        "envelope_smooth_s": 0.5,
        "fk": True,
        "fk_window_s": [-2.0, 3.0],
        "fk_half_range_s_deg": 1.5,
        "fk_step_s_deg": 0.1,
        "arf_freqs_hz": None,
        "arf_smax_s_deg": 12.0,
    },
    "real": None,
}

#: Output keys of :func:`run_experiment` (file names under the experiment folder).
OUTPUTS = {
    "metrics": "metrics.csv",
    "layouts": "layouts.csv",
    "roc": "roc.csv",
    "recommendation": "recommendation.csv",
    "real": "real_vs_theory.csv",
    "summary": "summary.json",
    "fig_gain": "figures/snr_gain.png",
    "fig_detection": "figures/detection.png",
    "fig_arf": "figures/arf_best_worst.png",
    "fig_roc": "figures/roc.png",
}

_WAVELETS = ("ricker", "gabor")


# ============================================================================ configuration
def _merge(base: dict, over: dict | None) -> dict:
    out = copy.deepcopy(base)
    for k, v in (over or {}).items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def resolve_config(exp_cfg: dict | None) -> dict:
    """The experiment configuration with defaults filled in and checked.

    Raises
    ------
    ValueError
        Naming the first offending key.
    """
    cfg = _merge(DEFAULTS, exp_cfg)
    if "geometry" not in cfg or not cfg["geometry"]:
        raise ValueError("experiment: 'geometry' (the dense network or IMS array) is required")
    sim, met, lay = cfg["simulation"], cfg["metrics"], cfg["layouts"]
    fs = float(sim["sampling_rate_hz"])
    if fs <= 0:
        raise ValueError(f"simulation.sampling_rate_hz must be positive, got {fs}")
    lo, hi = (float(v) for v in sim["band_hz"])
    if not 0 < lo < hi < 0.5 * fs:
        raise ValueError(
            f"simulation.band_hz must satisfy 0 < fmin < fmax < Nyquist ({0.5 * fs} Hz), "
            f"got {[lo, hi]}"
        )
    if sim["wavelet"] not in _WAVELETS:
        raise ValueError(f"simulation.wavelet must be one of {_WAVELETS}, got {sim['wavelet']!r}")
    if sim["alignment"] not in ("plane", "curved"):
        raise ValueError(f"simulation.alignment must be plane or curved, got {sim['alignment']!r}")
    if not 0.0 <= float(sim["noise_coherence"]) <= 1.0:
        raise ValueError("simulation.noise_coherence must be within [0, 1]")
    half = 0.5 * float(sim["window_s"])
    n0, n1 = (float(v) for v in met["noise_window_s"])
    if not -half <= n0 < n1 <= half:
        raise ValueError(
            f"metrics.noise_window_s {[n0, n1]} must lie inside the simulated window "
            f"[-{half}, {half}] s"
        )
    if not 0 < float(met["search_s"]) < half:
        raise ValueError(f"metrics.search_s must be within (0, {half}) s")
    f0, f1 = (float(v) for v in met["fk_window_s"])
    if not -half <= f0 < f1 <= half:
        raise ValueError(f"metrics.fk_window_s {[f0, f1]} must lie inside the window")
    bad = [s for s in met["stacks"] if s not in STACK_TYPES]
    if bad or not met["stacks"]:
        raise ValueError(f"metrics.stacks: unknown {bad}; expected some of {STACK_TYPES}")
    trials = int(cfg["trials"])
    if trials < 2:
        raise ValueError(f"trials must be >= 2, got {trials}")
    pfa = float(met["pfa"])
    if not 1.0 / trials <= pfa < 1.0:
        raise ValueError(
            f"metrics.pfa {pfa} cannot be resolved with {trials} trials (need >= 1/trials)"
        )
    if not 0 < float(met["target_pd"]) <= 1:
        raise ValueError("metrics.target_pd must be within (0, 1]")
    badk = [k for k in lay["kinds"] if k not in LAYOUT_KINDS]
    if badk or not lay["kinds"]:
        raise ValueError(f"layouts.kinds: unknown {badk}; expected some of {LAYOUT_KINDS}")
    if not lay["apertures_km"] and not lay["spacings_km"]:
        raise ValueError("layouts: give apertures_km or spacings_km (or both)")
    if any(int(n) < 2 for n in lay["n_stations"]) or not lay["n_stations"]:
        raise ValueError("layouts.n_stations must be a non-empty list of integers >= 2")
    badm = [m for m in lay["modes"] if m not in ("extracted", "theoretical")]
    if badm or not lay["modes"]:
        raise ValueError(f"layouts.modes: unknown {badm}; expected extracted and/or theoretical")
    if not cfg["targets"]:
        raise ValueError("targets: give at least one target phase")
    for i, t in enumerate(cfg["targets"]):
        if "phase" not in t or float(t.get("snr", -1)) < 0:
            raise ValueError(f"targets.{i}: needs 'phase' and a non-negative 'snr'")
    ev = cfg["event"]
    if "quakeml" not in ev and "latitude" not in ev and "distance_deg" not in ev:
        raise ValueError("event: give latitude/longitude, distance_deg/baz_deg or quakeml")
    return cfg


def _rng(seed: int, *names) -> np.random.Generator:
    """Generator for one named component (independent of the order of evaluation)."""
    return np.random.default_rng(
        np.random.SeedSequence([int(seed)] + [zlib.crc32(str(n).encode()) for n in names])
    )


# ============================================================================ scenario
@dataclass
class Arrival:
    """An arrival in the experiment window.

    ``time_s`` is relative to the target's TauP time at the reference point;
    ``slowness_s_km`` horizontal slowness; ``baz_deg`` back-azimuth.
    """

    phase: str
    time_s: float
    slowness_s_km: float
    baz_deg: float
    snr: float = 0.0
    coda_ratio: float = 0.0
    coda_decay_s: float = 1.0
    coda_coherence: float = 0.0


@dataclass
class Scenario:
    """Source-array geometry of one target phase.

    Attributes
    ----------
    target : Arrival
        The target phase (``time_s`` 0, ``snr`` the single-trace SNR).
    interferers : list of Arrival
    event_lat, event_lon, depth_km, distance_deg : float
        Source and its distance from the reference point (degrees).
    ref_lat, ref_lon : float
        Reference point of the sub-arrays.
    time_s : float
        TauP time of the target at the reference point, s after origin.
    """

    target: Arrival
    interferers: list
    event_lat: float
    event_lon: float
    depth_km: float
    distance_deg: float
    ref_lat: float
    ref_lon: float
    time_s: float
    model: str = "ak135"
    _curve: tuple | None = None

    def travel_times(self, lat, lon) -> np.ndarray:
        """TauP time (s after origin) of the target at points (degrees).

        Interpolated linearly on a 0.05-degree distance grid of first
        arrivals (the scheme of :func:`corephase.model.traveltimes.element_times`),
        computed once over the distance range met so far.
        """
        from obspy.geodetics import locations2degrees

        d = np.atleast_1d(
            locations2degrees(self.event_lat, self.event_lon, np.asarray(lat), np.asarray(lon))
        ).astype(float)
        lo, hi = float(d.min()), float(d.max())
        if self._curve is None or lo < self._curve[0][0] or hi > self._curve[0][-1]:
            a = min(lo, self.distance_deg) - 0.1
            b = max(hi, self.distance_deg) + 0.1
            if self._curve is not None:
                a, b = min(a, self._curve[0][0]), max(b, self._curve[0][-1])
            grid = np.linspace(a, b, max(int(np.ceil((b - a) / 0.05)) + 1, 3))
            t = []
            for g in grid:
                arr = first_arrivals(self.depth_km, g, [self.target.phase], self.model)
                t.append(arr[self.target.phase].time if self.target.phase in arr else np.nan)
            self._curve = (grid, np.array(t))
        grid, t = self._curve
        out = np.interp(d, grid, t)
        if not np.all(np.isfinite(out)):
            raise ValueError(
                f"{self.target.phase} has no {self.model} arrival at some stations "
                f"({lo:.2f}-{hi:.2f} deg)"
            )
        return out


def _event_position(ev: dict, ref_lat: float, ref_lon: float):
    """(lat, lon, depth_km) of the experiment's event."""
    if "quakeml" in ev:
        from corephase.model.events import events_from_quakeml

        e = events_from_quakeml(ev["quakeml"])[0]
        return e.latitude, e.longitude, e.depth_km
    if "latitude" in ev:
        return float(ev["latitude"]), float(ev["longitude"]), float(ev["depth_km"])
    # a point distance_deg away along the back-azimuth (exact on the sphere)
    r = float(ev["distance_deg"]) * KM_PER_DEG
    b = np.radians(float(ev["baz_deg"]))
    lat, lon = local_km_to_latlon(r * np.sin(b), r * np.cos(b), ref_lat, ref_lon)
    return float(lat), float(lon), float(ev["depth_km"])


def build_scenario(cfg: dict, target: dict, ref_lat: float, ref_lon: float) -> Scenario:
    """Arrival times and slownesses of the target and interfering phases (TauP).

    Parameters
    ----------
    cfg : dict
        Resolved experiment configuration (``event``, ``interferers``, ``model``).
    target : dict
        ``{"phase": name, "snr": single-trace SNR}``.
    ref_lat, ref_lon : float
        Reference point of the sub-arrays (degrees).

    Raises
    ------
    ValueError
        If the target phase has no arrival at the reference distance.
    """
    model = cfg.get("model", "ak135")
    ev_lat, ev_lon, depth = _event_position(cfg["event"], ref_lat, ref_lon)
    dist, baz, _ = distance_backazimuth(ev_lat, ev_lon, ref_lat, ref_lon)
    phases = [target["phase"]] + [i["phase"] for i in cfg["interferers"] if "phase" in i]
    arr = first_arrivals(depth, dist, phases, model)
    tp = target["phase"]
    if tp not in arr:
        raise ValueError(f"target phase {tp} has no {model} arrival at {dist:.2f} deg")
    t0 = arr[tp].time
    tgt = Arrival(tp, 0.0, arr[tp].slowness_s_km, baz, float(target["snr"]))
    inter = []
    for i in cfg["interferers"]:
        name = i.get("phase", "arrival")
        if "time_s" in i and "slowness_s_deg" in i:
            t, s = float(i["time_s"]), float(i["slowness_s_deg"]) / KM_PER_DEG
        elif name in arr:
            t, s = arr[name].time - t0, arr[name].slowness_s_km
        else:
            log.info("interferer %s has no arrival at %.1f deg: left out", name, dist)
            continue
        inter.append(
            Arrival(
                name,
                t,
                s,
                (baz + float(i.get("baz_offset_deg", 0.0))) % 360.0,
                float(i.get("snr", 0.0)),
                float(i.get("coda_ratio", 0.0)),
                float(i.get("coda_decay_s", 1.0)),
                float(i.get("coda_coherence", 0.0)),
            )
        )
    return Scenario(tgt, inter, ev_lat, ev_lon, depth, dist, ref_lat, ref_lon, t0, model)


# ============================================================================ simulator
def _butter_gain(f, lo, hi, corners, fs) -> np.ndarray:
    """|H|^2 of a zero-phase (forward-backward) Butterworth band-pass at ``f`` (Hz)."""
    from scipy.signal import butter, sosfreqz

    sos = butter(corners, [lo, hi], btype="band", fs=fs, output="sos")
    _, h = sosfreqz(sos, worN=np.asarray(f, float), fs=fs)
    return np.abs(h) ** 2


def _unit_scale(g: np.ndarray, n: int) -> float:
    """Factor making ``irfft(g * (a + ib) / sqrt(2), n)`` of unit variance (a, b ~ N(0,1))."""
    g = np.asarray(g, float)
    p = 2.0 * np.sum(g[1:] ** 2) - (g[-1] ** 2 if n % 2 == 0 else 0.0) + g[0] ** 2
    return n / np.sqrt(p) if p > 0 else 0.0


class Simulator:
    """Frequency-domain synthesis of aligned trial records (see the module docstring).

    Parameters
    ----------
    sim : dict
        The ``simulation`` section of a resolved configuration.
    """

    def __init__(self, sim: dict, workers: int = 1):
        from scipy.fft import next_fast_len

        self.cfg = sim
        self.workers = workers
        self.dt = 1.0 / float(sim["sampling_rate_hz"])
        self.n = int(next_fast_len(round(float(sim["window_s"]) / self.dt), real=True))
        self.c = self.n // 2
        self.t = (np.arange(self.n) - self.c) * self.dt
        self.f = np.fft.rfftfreq(self.n, self.dt)
        lo, hi = sim["band_hz"]
        self.h2 = _butter_gain(self.f, lo, hi, int(sim["filter_corners"]), 1.0 / self.dt)
        self.h2[0] = 0.0
        # wavelet centred on sample 0 of the periodic grid, band-passed, unit peak
        tw = (np.arange(self.n) - self.n * (np.arange(self.n) > self.c)) * self.dt
        f0 = float(sim["wavelet_hz"])
        if sim["wavelet"] == "ricker":
            a = (np.pi * f0 * tw) ** 2
            w = (1.0 - 2.0 * a) * np.exp(-a)
        else:
            w = np.exp(-((2.0 * np.pi * f0 * tw / 4.0) ** 2)) * np.cos(2.0 * np.pi * f0 * tw)
        wspec = np.fft.rfft(w) * self.h2
        peak = np.fft.irfft(wspec, self.n)[0]
        self.wavelet = wspec / peak
        #: ramp placing t = 0 at sample c
        self.ramp0 = np.exp(-2j * np.pi * self.f * self.c * self.dt)
        psd = peterson_psd(self.f, float(sim["noise_level"]))
        gn = np.sqrt(psd) * self.h2
        self.noise_g = gn * _unit_scale(gn, self.n) / np.sqrt(2.0)
        gc = np.abs(self.wavelet)
        self.coda_g = gc * _unit_scale(gc, self.n) / np.sqrt(2.0)

    # -- helpers -------------------------------------------------------------------------
    def _cgauss(self, rng, shape) -> np.ndarray:
        """Complex Gaussian (single precision) with unit variance of real and imaginary parts."""
        return rng.standard_normal((*shape, 2), dtype=np.float32).view(np.complex64)[..., 0]

    def _arrival(self, amp, times):
        """Spectra (..., F) of wavelets with amplitudes ``amp`` at ``times`` (s, aligned frame)."""
        ph = np.exp(-2j * np.pi * self.f * np.asarray(times)[..., None])
        ph *= np.asarray(amp)[..., None] * (self.wavelet * self.ramp0)
        return ph.astype(np.complex64)

    def _coda_envelope(self, a: Arrival) -> np.ndarray:
        tt = self.t - a.time_s
        env = a.snr * a.coda_ratio * np.exp(-np.clip(tt, 0, None) / a.coda_decay_s)
        period = 1.0 / float(self.cfg["wavelet_hz"])
        ramp = np.where(tt < period, 0.5 * (1 - np.cos(np.pi * np.clip(tt, 0, None) / period)), 1)
        return np.where(tt >= 0, env * ramp, 0.0)

    # -- synthesis -----------------------------------------------------------------------
    def simulate(
        self,
        east_km,
        north_km,
        scenario: Scenario,
        trials: int,
        rng: np.random.Generator,
        target_delay_s=None,
        align_delay_s=None,
    ):
        """Aligned spectra of ``trials`` realisations on one sub-array.

        Parameters
        ----------
        east_km, north_km : array_like, shape (N,)
            Station offsets from the reference point, km.
        scenario : Scenario
        trials : int
        rng : numpy.random.Generator
        target_delay_s : array_like, shape (N,), optional
            True delay of the target at each station relative to the
            reference point (s); default the plane wave.
        align_delay_s : array_like, shape (N,), optional
            Alignment delay (s); default the plane wave.

        Returns
        -------
        signal : numpy.ndarray, complex, shape (trials, N, F)
            Target only.
        rest : numpy.ndarray, complex, shape (trials, N, F)
            Noise plus interfering arrivals and codas.
        amp_true : numpy.ndarray, shape (trials,)
            Mean target amplitude over the stations (peak of the ideal beam).
        """
        sim = self.cfg
        x = np.asarray(east_km, float)
        y = np.asarray(north_km, float)
        n_st, nf = x.size, self.f.size
        tg = scenario.target
        plane = plane_wave_delays(x, y, tg.slowness_s_km, tg.baz_deg)
        tau = plane if target_delay_s is None else np.asarray(target_delay_s, float)
        align = plane if align_delay_s is None else np.asarray(align_delay_s, float)
        site_amp = np.exp(float(sim["amplitude_jitter"]) * rng.standard_normal((trials, n_st)))
        statics = float(sim["statics_std_s"]) * rng.standard_normal((trials, n_st))
        amp = tg.snr * site_amp
        signal = self._arrival(amp, tau - align + statics)
        # noise: incoherent + coherent plane waves
        coh = float(sim["noise_coherence"])
        rest = self._cgauss(rng, (trials, n_st, nf)) * (self.noise_g * np.sqrt(1.0 - coh))
        if coh > 0:
            nw = int(sim["noise_waves"])
            s0, s1 = sim["noise_slowness_s_km"]
            w_baz = rng.uniform(0, 360, (trials, nw))
            w_s = rng.uniform(s0, s1, (trials, nw))
            g = self.noise_g * np.sqrt(coh / nw)
            for k in range(nw):
                d = plane_wave_delays(x, y, w_s[:, k], w_baz[:, k]) - align  # (T, N)
                spec = self._cgauss(rng, (trials, 1, nf)) * g
                rest += spec * np.exp(-2j * np.pi * self.f * d[..., None])
        # interfering arrivals and their codas
        inc_power = np.zeros(self.n)
        half = 0.5 * self.n * self.dt
        reach = 3.0 / float(sim["wavelet_hz"])
        for a in scenario.interferers:
            d = plane_wave_delays(x, y, a.slowness_s_km, a.baz_deg) - align
            if a.snr > 0 and abs(a.time_s) + np.max(np.abs(d)) < half - reach:
                rest += self._arrival(a.snr * site_amp, a.time_s + d + statics)
            if a.snr <= 0 or a.coda_ratio <= 0:
                continue
            env = self._coda_envelope(a)
            if not np.any(env > 0):
                continue
            inc_power += (1.0 - a.coda_coherence) * env**2
            if a.coda_coherence > 0:
                wave = np.fft.irfft(self._cgauss(rng, (trials, nf)) * self.coda_g, self.n)
                wave *= np.sqrt(a.coda_coherence) * env
                spec = np.fft.rfft(wave)[:, None, :]
                rest += spec * np.exp(-2j * np.pi * self.f * d[:, None])
        if np.any(inc_power > 0):
            g = self._cgauss(rng, (trials, n_st, nf)) * self.coda_g
            wave = np.fft.irfft(g, self.n) * np.sqrt(inc_power)
            rest += np.fft.rfft(wave)
        amp_true = amp.mean(axis=1)
        return signal, rest, amp_true


# ============================================================================ batch stacks
def analytic_traces(spec, n: int, workers: int = 1) -> np.ndarray:
    """Analytic signals (..., n) of periodic traces given their rfft spectra (..., n//2+1)."""
    import scipy.fft as sfft

    nf = spec.shape[-1]
    full = np.zeros((*spec.shape[:-1], n), np.complex64)
    full[..., :nf] = spec
    full[..., 1 : (n + 1) // 2] *= 2.0
    return sfft.ifft(full, axis=-1, workers=workers)


def _smooth(x, dt, length_s):
    """Centred running mean along the last axis (as :func:`corephase.signal.smoothing.boxcar`)."""
    if not length_s or length_s <= 0:
        return x
    w = max(round(length_s / dt), 1)
    if w <= 1:
        return x
    k = np.ones(w) / w
    return np.apply_along_axis(lambda r: np.convolve(r, k, mode="same"), -1, x)


def batch_stacks(
    z: np.ndarray,
    stacks,
    dt: float,
    nu: float = 2.0,
    nth: float = 4.0,
    smooth_s: float = 0.0,
    workers: int = 1,
) -> dict:
    """All requested stacks of many trials at once.

    Parameters
    ----------
    z : numpy.ndarray, complex, shape (trials, N, S)
        Analytic signals of the aligned traces (:func:`analytic_traces`).
    stacks : sequence of str
        Any of :data:`corephase.signal.stacking.STACK_TYPES`.
    dt : float
        Sample interval in s.
    nu, nth, smooth_s : float
        PWS power, nth-root order, envelope smoothing (s).

    Returns
    -------
    dict
        ``{stack: (beam, cf)}`` with arrays (trials, S): the beam (as
        :func:`corephase.signal.stacking.stack`) and its characteristic function
        (envelope of the beam, or the envelope stack).
    """
    from corephase.signal.stacking import analytic_signal

    out = {}
    mean_z = z.mean(axis=1)
    lin = mean_z.real
    mag = None
    if "linear" in stacks:
        out["linear"] = (lin, np.abs(mean_z))
    if "pws" in stacks or "envelope" in stacks:
        mag = np.abs(z)
    if "pws" in stacks:
        unit = np.divide(z, mag, out=np.zeros_like(z), where=mag > 0)
        c = np.abs(unit.mean(axis=1))
        beam = lin * c**nu
        out["pws"] = (beam, np.abs(analytic_signal(beam, axis=-1)))
    if "nthroot" in stacks:
        re = z.real
        r = np.mean(np.sign(re) * np.abs(re) ** (1.0 / nth), axis=1)
        beam = np.sign(r) * np.abs(r) ** nth
        out["nthroot"] = (beam, np.abs(analytic_signal(beam, axis=-1)))
    if "envelope" in stacks:
        e = _smooth(mag.mean(axis=1), dt, smooth_s)
        out["envelope"] = (e, e)
    return out


# ============================================================================ array response
def arf_slowness(east_km, north_km, sx_s_km, sy_s_km, freqs_hz) -> np.ndarray:
    """Array response at arbitrary slowness-difference points.

    ``R(s) = mean_f |sum_i exp(i 2 pi f (sx x_i + sy y_i))|^2 / N^2`` (1 at
    the origin), the frequency-averaged response of
    :func:`corephase.signal.response.array_response`.

    Parameters
    ----------
    east_km, north_km : array_like, shape (N,)
    sx_s_km, sy_s_km : array_like
        Slowness-vector differences in s/km (any equal shapes).
    freqs_hz : float or array_like
        Frequencies in Hz.

    Returns
    -------
    numpy.ndarray
        Same shape as ``sx_s_km``.
    """
    x = np.asarray(east_km, float).ravel()
    y = np.asarray(north_km, float).ravel()
    sx = np.asarray(sx_s_km, float)
    sy = np.asarray(sy_s_km, float)
    dot = sx.reshape(-1, 1) * x + sy.reshape(-1, 1) * y
    out = np.zeros(dot.shape[0])
    fr = np.atleast_1d(np.asarray(freqs_hz, float))
    for f in fr:
        out += np.abs(np.exp(2j * np.pi * f * dot).sum(axis=1)) ** 2
    return (out / (fr.size * x.size**2)).reshape(sx.shape)


def arf_metrics(
    east_km,
    north_km,
    slowness_s_km: float,
    baz_deg: float,
    freqs_hz,
    smax_s_deg: float = 12.0,
    n_dir: int = 90,
    n_rad: int = 160,
) -> dict:
    """Main-lobe widths and sidelobe level of the array response.

    The response (:func:`arf_slowness`) is evaluated on ``n_dir`` rays from
    the origin. On each ray the main lobe ends at the first local minimum;
    the half-power radius is interpolated where the response falls below 0.5.

    Returns
    -------
    dict
        ``slow_res_s_deg``: full half-power width along the back-azimuth
        (s/deg); ``baz_res_deg``: full half-power width across it,
        converted to back-azimuth at ``slowness_s_km`` (degrees);
        ``sidelobe``: highest response outside the main lobe within
        ``smax_s_deg`` (NaN if the main lobe is not closed there).
    """
    x = np.asarray(east_km, float)
    y = np.asarray(north_km, float)
    ap = max(np.max(np.hypot(x[:, None] - x, y[:, None] - y)), 1e-3)
    fmin = float(np.min(np.atleast_1d(freqs_hz)))
    smax = smax_s_deg / KM_PER_DEG
    rmax = max(smax, 4.0 / (fmin * ap))
    b = np.radians(baz_deg)
    phi = b + 2.0 * np.pi * np.arange(n_dir) / n_dir  # ray 0 along the baz, n_dir/4 across
    r = np.linspace(0.0, rmax, n_rad)
    sx = np.sin(phi)[:, None] * r
    sy = np.cos(phi)[:, None] * r
    prof = arf_slowness(x, y, sx, sy, freqs_hz)  # (n_dir, n_rad)
    d = np.diff(prof, axis=1)
    rising = d > 0
    first_min = np.where(rising.any(axis=1), rising.argmax(axis=1), n_rad - 1)

    def half_radius(k):
        p = prof[k]
        below = np.flatnonzero(p < 0.5)
        if below.size == 0:
            return np.nan
        j = below[0]
        return r[j - 1] + (0.5 - p[j - 1]) * (r[j] - r[j - 1]) / (p[j] - p[j - 1])

    rh_along = half_radius(0)
    rh_across = half_radius(n_dir // 4)
    inside = r[None, :] <= smax
    beyond = np.arange(n_rad)[None, :] > first_min[:, None]
    closed = np.all(r[first_min] < smax)
    side = prof[beyond & inside]
    sidelobe = float(side.max()) if closed and side.size else np.nan
    s_t = max(slowness_s_km, 1e-9)
    return {
        "slow_res_s_deg": 2.0 * rh_along * KM_PER_DEG,
        "baz_res_deg": float(2.0 * np.degrees(np.arctan2(rh_across, s_t))),
        "sidelobe": sidelobe,
    }


# ============================================================================ per-trial statistics
def _window_idx(sim: Simulator, t0: float, t1: float) -> np.ndarray:
    return np.flatnonzero((sim.t >= t0) & (sim.t <= t1))


def _rms(a, idx):
    return np.sqrt(np.mean(a[..., idx] ** 2, axis=-1))


def _fk_estimates(z_real, sim, idx, x, y, align, scenario, met):
    """Bartlett FK peak (slowness s/km, baz deg) of each trial in window ``idx``."""
    from corephase.signal.fk import cosine_taper

    tg = scenario.target
    seg = z_real[..., idx]
    seg = (seg - seg.mean(axis=-1, keepdims=True)) * cosine_taper(idx.size, 0.22)
    nfft = 1 << int(np.ceil(np.log2(idx.size)))
    spec = np.fft.rfft(seg, nfft, axis=-1)
    f = np.fft.rfftfreq(nfft, sim.dt)
    lo, hi = sim.cfg["band_hz"]
    band = np.flatnonzero((f >= lo) & (f <= hi))
    spec, f = spec[..., band], f[band]
    h = float(met["fk_half_range_s_deg"]) / KM_PER_DEG
    st = float(met["fk_step_s_deg"]) / KM_PER_DEG
    u = np.arange(-h, h + st / 2, st)
    sx0 = -tg.slowness_s_km * np.sin(np.radians(tg.baz_deg))
    sy0 = -tg.slowness_s_km * np.cos(np.radians(tg.baz_deg))
    gx, gy = np.meshgrid(sx0 + u, sy0 + u, indexing="ij")
    gx, gy = gx.ravel(), gy.ravel()
    power = np.zeros((spec.shape[0], gx.size))
    xs, ys = sx0 + u, sy0 + u
    spec = spec.astype(np.complex64)
    for k, fk in enumerate(f):
        # steering exp(i 2 pi f (sx x + sy y - a)) as an outer product over the grid axes
        w = 2j * np.pi * fk
        ax = np.exp(w * (np.outer(x, xs) - np.asarray(align)[:, None])).astype(np.complex64)
        ay = np.exp(w * np.outer(y, ys)).astype(np.complex64)
        steer = (ax[:, :, None] * ay[:, None, :]).reshape(x.size, -1)
        b = spec[:, :, k] @ steer
        power += (b.real**2 + b.imag**2).astype(float)
    best = power.argmax(axis=1)
    bx, by = gx[best], gy[best]
    return np.hypot(bx, by), np.degrees(np.arctan2(-bx, -by)) % 360.0


def trial_statistics(
    signal, rest, amp_true, sim: Simulator, met: dict, x, y, align, scenario, with_fk=True
) -> dict:
    """Per-trial detection statistics and stack values of every stack.

    Parameters
    ----------
    signal, rest : numpy.ndarray, complex, shape (T, N, F)
        Aligned spectra of the target and of everything else.
    amp_true : numpy.ndarray, shape (T,)
    sim : Simulator
    met : dict
        ``metrics`` section.
    x, y, align : array_like, shape (N,)
        Offsets (km) and alignment delays (s), for the FK estimate.
    scenario : Scenario

    Returns
    -------
    dict
        ``single_sig`` (T,): mean over stations of the target's peak
        amplitude on single traces; ``single_noise`` (T, N, W): noise-only traces in
        the search window. Per stack: ``{stack}_det`` and ``{stack}_det0``
        (T,) detection statistics with and without the target,
        ``{stack}_sig`` (T,) stack value at ``t = 0`` with the target,
        ``{stack}_noise`` (T, W) noise-only stack in the search window,
        ``{stack}_amp`` (T,) stack at ``t = 0`` over the true amplitude.
        ``fk_slow`` (s/km) and ``fk_baz`` (deg) if requested.
    """
    stacks = list(met["stacks"])
    nidx = _window_idx(sim, *met["noise_window_s"])
    sidx = _window_idx(sim, -float(met["search_s"]), float(met["search_s"]))
    c = sim.c
    kw = {
        "nu": float(met["pws_nu"]),
        "nth": float(met["nthroot_n"]),
        "smooth_s": float(met["envelope_smooth_s"]),
    }
    out = {}
    z = analytic_traces(signal + rest, sim.n, sim.workers)
    # a single trace peaks at its own arrival time with its own amplitude: the mean
    # single-trace signal is the mean station amplitude (noise adds zero mean)
    out["single_sig"] = np.asarray(amp_true, float)
    res = batch_stacks(z, stacks, sim.dt, **kw)
    for k, (beam, cf) in res.items():
        out[f"{k}_det"] = cf[:, sidx].max(axis=1) / _rms(cf, nidx)
        out[f"{k}_sig"] = beam[:, c]
        out[f"{k}_amp"] = beam[:, c] / amp_true if np.all(amp_true > 0) else np.nan * amp_true
    if with_fk and met.get("fk", True):
        fidx = _window_idx(sim, *met["fk_window_s"])
        out["fk_slow"], out["fk_baz"] = _fk_estimates(
            z.real, sim, fidx, x, y, align, scenario, met
        )
    del z, res
    z0 = analytic_traces(rest, sim.n, sim.workers)
    out["single_noise"] = z0.real[..., sidx]
    for k, (beam, cf) in batch_stacks(z0, stacks, sim.dt, **kw).items():
        out[f"{k}_det0"] = cf[:, sidx].max(axis=1) / _rms(cf, nidx)
        out[f"{k}_noise"] = beam[:, sidx]
    return out


def deflection_snr(values_with_target, values_noise_only) -> float:
    """Output SNR as a deflection: ``(mean(with) - mean(noise)) / std(noise)``.

    For a linear stack this is the peak signal amplitude over the noise RMS
    at any SNR (no bias from picking maxima); for nonlinear stacks it is the
    usual deflection measure of detection theory.
    """
    a = np.asarray(values_noise_only, float).ravel()
    sd = np.std(a)
    return float((np.mean(values_with_target) - np.mean(a)) / sd) if sd > 0 else np.nan


def roc_curve(det_signal, det_noise, pfa_grid) -> np.ndarray:
    """Detection probability at each false-alarm rate of ``pfa_grid``.

    The threshold for a rate ``p`` is the ``1 - p`` empirical quantile of the
    noise-only statistic (``method="higher"``); detection means exceeding it.
    """
    det_signal = np.asarray(det_signal, float)
    det_noise = np.asarray(det_noise, float)
    thr = np.quantile(det_noise, 1.0 - np.asarray(pfa_grid, float), method="higher")
    return (det_signal[None, :] > np.atleast_1d(thr)[:, None]).mean(axis=1)


def _robust_std(a):
    a = np.asarray(a, float)
    return float(1.4826 * np.median(np.abs(a - np.median(a))))


def summarise(stats: dict, met: dict, n_st: int, scenario: Scenario) -> tuple[list, dict]:
    """Rows of the metrics table (one per stack) and ROC curves from trial statistics."""
    pfa = float(met["pfa"])
    t = stats["single_sig"].size
    pfa_grid = np.unique(np.clip(np.geomspace(1.0 / t, 1.0, 25), 1.0 / t, 1.0))
    rows, rocs = [], {}
    snr1 = deflection_snr(stats["single_sig"], stats["single_noise"])
    fk = {}
    if "fk_slow" in stats:
        tg = scenario.target
        ds = (stats["fk_slow"] - tg.slowness_s_km) * KM_PER_DEG
        db = (stats["fk_baz"] - tg.baz_deg + 180.0) % 360.0 - 180.0
        fk = {
            "slow_bias_s_deg": float(np.median(ds)),
            "slow_scatter_s_deg": _robust_std(ds),
            "baz_bias_deg": float(np.median(db)),
            "baz_scatter_deg": _robust_std(db),
        }
    for k in met["stacks"]:
        det, det0 = stats[f"{k}_det"], stats[f"{k}_det0"]
        thr = float(np.quantile(det0, 1.0 - pfa, method="higher"))
        snr_b = deflection_snr(stats[f"{k}_sig"], stats[f"{k}_noise"])
        gain = snr_b / snr1 if snr1 > 0 else np.nan
        rows.append(
            {
                "stack": k,
                "snr_single": snr1,
                "snr_beam": snr_b,
                "snr_gain": gain,
                "gain_over_sqrt_n": gain / np.sqrt(n_st),
                "pd": float(np.mean(det > thr)),
                "threshold": thr,
                "amp_bias": float(np.median(stats[f"{k}_amp"])),
                **fk,
            }
        )
        rocs[k] = (pfa_grid, roc_curve(det, det0, pfa_grid))
    return rows, rocs


# ============================================================================ layouts
def build_layouts(cfg: dict, dense: ArrayGeometry, baz_deg: float) -> list[SubArray]:
    """Every sub-array of the sweep (``layouts`` section) around the dense reference point."""
    lay = cfg["layouts"]
    c_lat = lay.get("center_lat", dense.ref_lat)
    c_lon = lay.get("center_lon", dense.ref_lon)
    sizes = [("aperture", float(a)) for a in lay["apertures_km"]]
    sizes += [("spacing", float(s)) for s in lay["spacings_km"]]
    extra = {k: lay[k] for k in ("rings", "n_clusters", "cluster_radius") if k in lay}
    subs = []
    for mode in lay["modes"]:
        for kind in lay["kinds"]:
            for n in lay["n_stations"]:
                for what, v in sizes:
                    subs.append(
                        make_subarray(
                            kind,
                            int(n),
                            mode,
                            c_lat,
                            c_lon,
                            aperture=v if what == "aperture" else None,
                            spacing=v if what == "spacing" else None,
                            baz_deg=baz_deg,
                            seed=int(lay["seed"]),
                            dense=dense,
                            max_shift_frac=float(lay["max_shift_frac"]),
                            aperture_tol=float(lay["aperture_tol"]),
                            method=lay["method"],
                            **extra,
                        )
                    )
    return subs


def _layout_delays(sub: SubArray, scenario: Scenario, sim_cfg: dict):
    """True target delays and alignment delays (s) of a sub-array."""
    x, y = sub.offsets_km()
    tg = scenario.target
    plane = plane_wave_delays(x, y, tg.slowness_s_km, tg.baz_deg)
    if not sim_cfg["curved_wavefront"]:
        return plane, plane
    g = sub.geometry
    t = scenario.travel_times(g.lat, g.lon)
    curved = t - scenario.travel_times([g.ref_lat], [g.ref_lon])[0]
    align = curved if sim_cfg["alignment"] == "curved" else plane
    return curved, align


def evaluate_layout(
    sub: SubArray,
    scenario: Scenario,
    sim: Simulator,
    cfg: dict,
    rng: np.random.Generator,
    rest_spectra=None,
    chunk_bytes: float = 256e6,
) -> tuple[list, dict, dict]:
    """Monte Carlo metrics of one sub-array for one target phase.

    Parameters
    ----------
    sub : SubArray
    scenario : Scenario
    sim : Simulator
    cfg : dict
        Resolved experiment configuration.
    rng : numpy.random.Generator
    rest_spectra : numpy.ndarray, optional
        (T, N, F) spectra replacing the simulated noise and interferers (real
        noise windows, see :func:`real_noise_spectra`); ``trials`` is then T.
    chunk_bytes : float
        Approximate memory per chunk of trials.

    Returns
    -------
    rows : list of dict
        One per stack (see :func:`summarise`) plus layout and ARF columns.
    rocs : dict
        ``{stack: (pfa, pd)}``.
    stats : dict
        The per-trial statistics.
    """
    x, y = sub.offsets_km()
    tau, align = _layout_delays(sub, scenario, sim.cfg)
    met = cfg["metrics"]
    trials = int(cfg["trials"]) if rest_spectra is None else rest_spectra.shape[0]
    per_trial = x.size * sim.n * 8 * 8
    chunk = int(max(1, min(trials, chunk_bytes // per_trial)))
    parts = []
    for t0 in range(0, trials, chunk):
        nt = min(chunk, trials - t0)
        sig, rest, amp = sim.simulate(x, y, scenario, nt, rng, tau, align)
        if rest_spectra is not None:
            rest = rest_spectra[t0 : t0 + nt]
        parts.append(trial_statistics(sig, rest, amp, sim, met, x, y, align, scenario))
    stats = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    rows, rocs = summarise(stats, met, x.size, scenario)
    freqs = met.get("arf_freqs_hz") or [float(sim.cfg["wavelet_hz"])]
    arf = arf_metrics(
        x,
        y,
        scenario.target.slowness_s_km,
        scenario.target.baz_deg,
        freqs,
        float(met["arf_smax_s_deg"]),
    )
    base = _layout_columns(sub) | arf
    return [base | r for r in rows], rocs, stats


def _layout_columns(sub: SubArray) -> dict:
    return {
        "layout_id": sub.layout_id,
        "mode": sub.mode,
        "kind": sub.kind,
        "n_requested": sub.n_requested,
        "aperture_requested_km": sub.aperture_requested_km,
        "spacing_requested_km": sub.spacing_requested_km,
        "n": sub.n,
        "aperture_km": sub.aperture_km,
        "spacing_km": sub.spacing_km,
        "max_misfit_km": float(np.max(sub.misfit_km)) if sub.ok and sub.n else np.nan,
        "status": sub.status,
    }


# ============================================================================ real counterpart
def real_noise_spectra(
    stream, geometry: ArrayGeometry, origin, cfg: dict, sim: Simulator, max_trials: int
):
    """Windows of real pre-event noise as aligned-frame spectra, one window per trial.

    The traces of ``geometry``'s stations (matched by network and station)
    are cut to ``real.noise_window_s`` (s relative to the origin), demeaned,
    resampled to the simulation rate if needed and band-passed in the
    frequency domain like the synthetics; each station is scaled to unit RMS
    over the whole noise segment, so the injected target has the configured
    single-trace SNR. Windows of ``simulation.window_s`` step by half their
    length. Real noise has no target-aligned moveout, so no shift is needed:
    stationary noise is statistically unchanged by alignment.

    Returns
    -------
    spectra : numpy.ndarray, complex, shape (T, N, F)
    codes : list of str
        Station codes in row order.
    """
    real = cfg["real"]
    t0 = origin + float(real["noise_window_s"][0])
    t1 = origin + float(real["noise_window_s"][1])
    st = stream.copy().merge(fill_value=0)
    st.trim(t0, t1)
    rows = []
    for code in geometry.codes:
        net, sta = code.split(".")[:2]
        sel = [tr for tr in st if tr.stats.network == net and tr.stats.station == sta]
        if not sel:
            raise ValueError(f"no real trace of station {net}.{sta} in the noise window")
        tr = sel[0].copy()
        tr.data = tr.data.astype(float)
        tr.detrend("demean")
        if abs(tr.stats.delta - sim.dt) > 1e-9:
            tr.resample(1.0 / sim.dt)
        rows.append(tr.data)
    m = min(len(r) for r in rows)
    data = np.vstack([r[:m] for r in rows])
    if m < sim.n:
        raise ValueError(
            f"real noise window has {m} samples, fewer than the {sim.n} of one trial window"
        )
    # band-pass as the synthetics (|H|^2 zero-phase) on the whole segment
    from scipy.fft import next_fast_len

    nfft = next_fast_len(m + sim.n, real=True)
    f = np.fft.rfftfreq(nfft, sim.dt)
    lo, hi = sim.cfg["band_hz"]
    h2 = _butter_gain(f, lo, hi, int(sim.cfg["filter_corners"]), 1.0 / sim.dt)
    data = np.fft.irfft(np.fft.rfft(data, nfft) * h2, nfft)[:, :m]
    edge = sim.n // 4  # drop filter transients
    data = data[:, edge : m - edge]
    data /= np.sqrt(np.mean(data**2, axis=1, keepdims=True))
    hop = sim.n // 2
    starts = np.arange(0, data.shape[1] - sim.n + 1, hop)[:max_trials]
    if starts.size < 2:
        raise ValueError("real noise window gives fewer than 2 trial windows")
    win = np.stack([data[:, s : s + sim.n] for s in starts])
    return np.fft.rfft(win, axis=-1), list(geometry.codes)


# ============================================================================ recommendation
def recommend(metrics: pd.DataFrame, target_pd: float) -> pd.DataFrame:
    """Smallest station count (then aperture) reaching ``target_pd``, per phase, mode and stack.

    Also gives the smallest aperture reaching it (``min_aperture_km``).
    """
    rows = []
    ok = metrics[metrics["status"] == "ok"]
    for (phase, mode, stack), g in ok.groupby(["phase", "mode", "stack"], sort=True):
        good = g[g["pd"] >= target_pd].sort_values(["n", "aperture_km", "pd"])
        row = {"phase": phase, "mode": mode, "stack": stack, "target_pd": target_pd}
        if good.empty:
            best = g.sort_values(["pd", "snr_gain"], ascending=False).iloc[0]
            row |= {
                "reached": False,
                "layout_id": best["layout_id"],
                "kind": best["kind"],
                "n": int(best["n"]),
                "aperture_km": float(best["aperture_km"]),
                "pd": float(best["pd"]),
                "snr_gain": float(best["snr_gain"]),
                "min_aperture_km": np.nan,
                "note": "no layout reaches the target; best layout given",
            }
        else:
            b = good.iloc[0]
            row |= {
                "reached": True,
                "layout_id": b["layout_id"],
                "kind": b["kind"],
                "n": int(b["n"]),
                "aperture_km": float(b["aperture_km"]),
                "pd": float(b["pd"]),
                "snr_gain": float(b["snr_gain"]),
                "min_aperture_km": float(good["aperture_km"].min()),
                "note": "",
            }
        rows.append(row)
    cols = [
        "phase",
        "mode",
        "stack",
        "target_pd",
        "reached",
        "layout_id",
        "kind",
        "n",
        "aperture_km",
        "pd",
        "snr_gain",
        "min_aperture_km",
        "note",
    ]
    return pd.DataFrame(rows, columns=cols)


# ============================================================================ driver
def _layouts_table(subs: list[SubArray]) -> pd.DataFrame:
    rows = []
    for s in subs:
        if not s.ok:
            rows.append(
                {"layout_id": s.layout_id, "mode": s.mode, "kind": s.kind, "status": s.status}
            )
            continue
        x, y = s.offsets_km()
        for i, code in enumerate(s.geometry.codes):
            rows.append(
                {
                    "layout_id": s.layout_id,
                    "mode": s.mode,
                    "kind": s.kind,
                    "status": s.status,
                    "code": code,
                    "latitude": float(s.geometry.lat[i]),
                    "longitude": float(s.geometry.lon[i]),
                    "east_km": float(x[i]),
                    "north_km": float(y[i]),
                    "ideal_east_km": float(s.ideal_east_km[i]),
                    "ideal_north_km": float(s.ideal_north_km[i]),
                    "misfit_km": float(s.misfit_km[i]),
                }
            )
    cols = [
        "layout_id",
        "mode",
        "kind",
        "status",
        "code",
        "latitude",
        "longitude",
        "east_km",
        "north_km",
        "ideal_east_km",
        "ideal_north_km",
        "misfit_km",
    ]
    return pd.DataFrame(rows, columns=cols)


def run_experiment(
    name: str, exp_cfg: dict, outputs: dict, seed: int = 0, workers: int = 1
) -> pd.DataFrame:
    """Run one sub-array experiment and write its tables and figures.

    Parameters
    ----------
    name : str
        Experiment name (enters the seeds, so renaming changes realisations).
    exp_cfg : dict
        The experiment's configuration (``experiments.<name>`` of
        config.yaml); missing keys take :data:`DEFAULTS`.
    outputs : dict
        Paths keyed as :data:`OUTPUTS` (``metrics``, ``layouts``, ``roc``,
        ``recommendation``, ``real``, ``summary``, ``fig_gain``,
        ``fig_detection``, ``fig_arf``, ``fig_roc``); missing keys are not
        written. Every file is written atomically.
    seed : int
        Base seed; each (phase, layout) draws from its own generator derived
        from ``seed``, ``name``, the phase and the layout id, so results do
        not depend on the order or on other layouts.
    workers : int
        Threads for the FFTs.

    Returns
    -------
    pandas.DataFrame
        The metrics table.
    """
    import time

    from corephase.io.files import write_json, write_table
    from corephase.plotting.experiment import plot_arf_best_worst, plot_metric_grid, plot_roc

    t_start = time.perf_counter()
    cfg = resolve_config(exp_cfg)
    dense = dense_geometry(cfg["geometry"], name=name)
    sim = Simulator(cfg["simulation"], workers=workers)
    all_rows, roc_rows, real_rows = [], [], []
    scenarios = {}
    subs_by_phase = {}
    for target in cfg["targets"]:
        phase = target["phase"]
        c_lat = cfg["layouts"].get("center_lat", dense.ref_lat)
        c_lon = cfg["layouts"].get("center_lon", dense.ref_lon)
        sc = build_scenario(cfg, target, c_lat, c_lon)
        scenarios[phase] = sc
        subs = build_layouts(cfg, dense, sc.target.baz_deg)
        subs_by_phase[phase] = subs
        log.info(
            "%s %s: %.1f deg, baz %.1f, %.2f s/deg; %d layouts (%d feasible)",
            name,
            phase,
            sc.distance_deg,
            sc.target.baz_deg,
            sc.target.slowness_s_km * KM_PER_DEG,
            len(subs),
            sum(s.ok for s in subs),
        )
        for sub in subs:
            if not sub.ok:
                all_rows.append(_layout_columns(sub) | {"phase": phase})
                continue
            rng = _rng(seed, name, phase, sub.layout_id)
            rows, rocs, _ = evaluate_layout(sub, sc, sim, cfg, rng)
            all_rows += [r | {"phase": phase} for r in rows]
            for k, (pf, pdv) in rocs.items():
                roc_rows += [
                    {"phase": phase, "layout_id": sub.layout_id, "stack": k, "pfa": a, "pd": b}
                    for a, b in zip(pf, pdv, strict=True)
                ]
        if cfg.get("real"):
            real_rows += _real_counterpart(name, cfg, sc, sim, subs, seed)
    metrics = pd.DataFrame(all_rows)
    front = ["phase", "layout_id", "mode", "kind", "stack", "status"]
    metrics = metrics[front + [c for c in metrics.columns if c not in front]]
    rec = recommend(metrics, float(cfg["metrics"]["target_pd"]))
    roc = pd.DataFrame(roc_rows, columns=["phase", "layout_id", "stack", "pfa", "pd"])
    real_cols = [
        "phase",
        "layout_id",
        "stack",
        "source",
        "n",
        "aperture_km",
        "trials",
        "snr_gain",
        "gain_over_sqrt_n",
        "pd",
        "amp_bias",
    ]
    real = pd.DataFrame(real_rows, columns=real_cols)
    layouts = pd.concat(
        [_layouts_table(s).assign(phase=p) for p, s in subs_by_phase.items()], ignore_index=True
    )
    writers = {
        "metrics": lambda p: write_table(metrics, p),
        "layouts": lambda p: write_table(layouts, p),
        "roc": lambda p: write_table(roc, p),
        "recommendation": lambda p: write_table(rec, p),
        "real": lambda p: write_table(real, p),
        "fig_gain": lambda p: plot_metric_grid(metrics, "snr_gain", p, cfg, title=name),
        "fig_detection": lambda p: plot_metric_grid(metrics, "pd", p, cfg, title=name),
        "fig_arf": lambda p: plot_arf_best_worst(metrics, subs_by_phase, scenarios, cfg, p),
        "fig_roc": lambda p: plot_roc(metrics, roc, p, cfg),
    }
    for key, fn in writers.items():
        if outputs.get(key):
            fn(outputs[key])
    if outputs.get("summary"):
        write_json(
            {
                "experiment": name,
                "seed": seed,
                "config": cfg,
                "dense_stations": len(dense),
                "phases": {
                    p: {
                        "distance_deg": s.distance_deg,
                        "baz_deg": s.target.baz_deg,
                        "slowness_s_deg": s.target.slowness_s_km * KM_PER_DEG,
                        "time_s": s.time_s,
                        "interferers": [a.__dict__ for a in s.interferers],
                    }
                    for p, s in scenarios.items()
                },
                "layouts": len(metrics["layout_id"].unique()),
                "feasible": int(
                    (metrics["status"] == "ok").sum() // len(cfg["metrics"]["stacks"])
                ),
                "recommendation": rec.to_dict(orient="records"),
                "runtime_s": time.perf_counter() - t_start,
            },
            outputs["summary"],
        )
    return metrics


def _real_counterpart(name, cfg, sc, sim, subs, seed) -> list:
    """Extracted sub-arrays applied to real noise with an injected target, beside theory."""
    from obspy import read

    from corephase.model.events import events_from_quakeml

    real = cfg["real"]
    stream = read(str(real["mseed"]))
    if "quakeml" in real:
        origin = events_from_quakeml(real["quakeml"])[0].origin
    else:
        from obspy import UTCDateTime

        origin = UTCDateTime(real["origin_time"])
    rows = []
    max_trials = int(real.get("max_trials", cfg["trials"]))
    for sub in subs:
        if not sub.ok or sub.mode != "extracted":
            continue
        try:
            spec, _ = real_noise_spectra(stream, sub.geometry, origin, cfg, sim, max_trials)
        except ValueError as err:
            log.warning("%s: real counterpart skipped: %s", sub.layout_id, err)
            continue
        rng = _rng(seed, name, sc.target.phase, sub.layout_id, "real")
        r_rows, _, _ = evaluate_layout(sub, sc, sim, cfg, rng, rest_spectra=spec)
        rng_t = _rng(seed, name, sc.target.phase, sub.layout_id)
        cfg_t = dict(cfg, trials=spec.shape[0])
        t_rows, _, _ = evaluate_layout(sub, sc, sim, cfg_t, rng_t)
        for src, rr in (("real", r_rows), ("theory", t_rows)):
            for r in rr:
                rows.append(
                    {
                        "phase": sc.target.phase,
                        "layout_id": sub.layout_id,
                        "stack": r["stack"],
                        "source": src,
                        "n": r["n"],
                        "aperture_km": r["aperture_km"],
                        "trials": spec.shape[0],
                        "snr_gain": r["snr_gain"],
                        "gain_over_sqrt_n": r["gain_over_sqrt_n"],
                        "pd": r["pd"],
                        "amp_bias": r["amp_bias"],
                    }
                )
    return rows


def default_outputs(out_dir) -> dict:
    """Output paths of :func:`run_experiment` under ``out_dir`` (see :data:`OUTPUTS`)."""
    out_dir = Path(out_dir)
    return {k: str(out_dir / v) for k, v in OUTPUTS.items()}
