"""Phase detection on array beams: SNR, slowness, back-azimuth, coherence, uncertainties.

One row per event x array x phase x band x stack. For each theoretical
arrival the traces are aligned on the phase (plane wave at its ak135 slowness
and back-azimuth, or per-element TauP times for a curved wavefront, plus
elevation and station statics; see :func:`corephase.signal.alignment.element_delays`),
stacked, and measured:

- ``snr``: peak of the characteristic function in the signal window over its
  RMS in the noise window (both windows in s relative to the theoretical
  time). The characteristic function is the envelope of the beam for linear,
  PWS and nth-root stacks; for the envelope stack it is the stack minus its
  noise-window median (an incoherent envelope stack is never zero).
- ``slowness_obs_s_deg``: slowness of the vespagram maximum (at the
  theoretical back-azimuth) within the signal window, for that stack type.
- ``baz_obs_deg``: back-azimuth of the Bartlett FK maximum in the signal window.
- ``coherence``: mean PWS phase coherence (0..1) within 0.5 s of the peak.
- ``snr_lo``/``snr_hi`` (jackknife: SNR -/+ 1.96 standard errors; bootstrap:
  2.5 and 97.5 percentiles), ``slowness_err_s_deg``
  and ``baz_err_deg``: by default jackknife standard errors over the elements
  (leave one out, ``resampling="jackknife"``); with ``resampling="bootstrap"``
  standard deviations (circular for baz) over ``bootstrap`` resamples with
  replacement, whose SNRs are biased low because duplicated elements add
  their noise coherently.

The full array and all bootstrap resamples are measured together: every
stack is a weighted mean over elements of a per-element quantity (shifted
trace, unit analytic signal, signed root, envelope) that does not depend on
the resample, so these are formed once per phase and each resample is one
row of a matrix product (``method="loop"`` keeps the per-resample reference).

A phase is ``detected`` when ``snr >= snr_threshold`` (one number, or one per
stack type: the nonlinear stacks' SNRs run far higher on pure noise, see
:data:`NOISE_CALIBRATED_THRESHOLDS`) and the observed
slowness and back-azimuth are within their tolerances of theory; each
tolerance is the larger of the configured one and ``tolerance_sigma``
standard errors of the measurement (from the resampling), so that arrays
too small to pin down the slowness (a few km at 1-2 Hz) are not held to a
precision they cannot reach. The
back-azimuth is not tested (the reason says so) when the theoretical slowness
is below the FK resolution ``1 / (f_centre * aperture)``, where a near-vertical
arrival (e.g. PKiKP on a small array) has no measurable direction. A curation
table (``event,array,phase,accept,reason``) overrides the automatic call;
``decided_by`` says which decided.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.fft import next_fast_len

from corephase.model.geometry import KM_PER_DEG
from corephase.model.traveltimes import distance_backazimuth
from corephase.signal.alignment import (
    align,
    curved_wavefront_delays,
    elevation_statics,
    plane_wave_delays,
    shift_traces,
    static_table_delays,
)
from corephase.signal.array_analysis import (
    boxcar_rows,
    fk_peak,
    fk_power,
    vespagram_stacks,
    weighted_fk_power,
    weighted_vespagram_stacks,
)
from corephase.signal.stacking import STACK_TYPES, analytic_signal, stack

#: Defaults of the detection configuration (keys of the ``cfg`` dict).
DEFAULT_CFG = {
    "stacks": ["linear", "pws"],
    "pws_nu": 2.0,
    "pws_gate_s": 0.0,
    "nthroot_n": 4.0,
    "envelope_smooth_s": 0.5,
    "signal_window_s": [-2.0, 8.0],
    "noise_window_s": [-40.0, -5.0],
    "snr_threshold": 3.0,  # or {stack: threshold}
    "slowness_tolerance_s_deg": 1.0,
    "baz_tolerance_deg": 10.0,
    "tolerance_sigma": 2.0,
    "resampling": "jackknife",
    "bootstrap": 100,
    "seed": 0,
    "vespagram_slowness_s_deg": [0.0, 10.0, 0.1],
    "fk_slowness_max_s_km": 0.12,
    "fk_step_s_km": 0.002,
    "curved_wavefront": False,
    "band_hz": None,
    "v_surface_km_s": None,
    "statics": None,
    "earth_model": "ak135",
}

COLUMNS = [
    "event",
    "array",
    "phase",
    "band",
    "stack",
    "t_theory_s",
    "slowness_theory_s_deg",
    "baz_theory_deg",
    "distance_deg",
    "snr",
    "snr_lo",
    "snr_hi",
    "slowness_obs_s_deg",
    "slowness_err_s_deg",
    "baz_obs_deg",
    "baz_err_deg",
    "slowness_fk_s_deg",
    "fk_relpow",
    "t_peak_s",
    "coherence",
    "detected",
    "decided_by",
    "reason",
    "n_elements",
]


#: SNR thresholds per stack type at about 1 % false alarms on noise alone:
#: the 99th percentile of this module's SNR measured at 144 noise-only windows
#: (8 random slownesses 0.3-4 s/deg x 3 seeds x 2 bands 1-2 and 2-3 Hz x the
#: 10-, 18- and 20-element BCAR, YKA and ILAR demo geometries; Peterson noise
#: at level 0.5; ``bench/calibrate_thresholds.py``) was 2.8 (linear),
#: 4.0 (envelope), 10.1 (PWS, nu 2) and 19.7 (nth-root, n 4).
NOISE_CALIBRATED_THRESHOLDS = {"linear": 3.0, "envelope": 4.0, "pws": 10.0, "nthroot": 20.0}


def snr_threshold_for(threshold, kind: str) -> float:
    """The SNR threshold of stack ``kind`` from a number or a ``{stack: value}`` mapping."""
    if isinstance(threshold, dict):
        if kind not in threshold:
            raise ValueError(f"cfg['snr_threshold'] has no value for stack {kind!r}")
        return float(threshold[kind])
    return float(threshold)


def _merge_cfg(cfg: dict | None) -> dict:
    c = dict(DEFAULT_CFG)
    c.update(cfg or {})
    bad = [s for s in c["stacks"] if s not in STACK_TYPES]
    if bad or not c["stacks"]:
        raise ValueError(f"cfg['stacks'] {bad or c['stacks']} not in {', '.join(STACK_TYPES)}")
    for k in ("signal_window_s", "noise_window_s"):
        w = c[k]
        if len(w) != 2 or not w[0] < w[1]:
            raise ValueError(f"cfg[{k!r}] must be [start, end] with start < end (s), got {w}")
    v = c["vespagram_slowness_s_deg"]
    if len(v) != 3 or v[2] <= 0 or v[1] <= v[0]:
        raise ValueError(f"cfg['vespagram_slowness_s_deg'] must be [min, max, step>0], got {v}")
    if int(c["bootstrap"]) < 0:
        raise ValueError(f"cfg['bootstrap'] must be >= 0, got {c['bootstrap']}")
    if "pws" in c["stacks"] and float(c["pws_nu"]) < 0:
        raise ValueError(f"PWS power nu must be >= 0, got {c['pws_nu']}")
    if "nthroot" in c["stacks"] and float(c["nthroot_n"]) < 1:
        raise ValueError(f"nth-root order must be >= 1, got {c['nthroot_n']}")
    return c


def stream_to_array(stream, geometry) -> tuple[np.ndarray, float, object]:
    """Data matrix (n_elements, n_samples), sample interval (s) and common start time.

    Raises
    ------
    ValueError
        If the trace ids are not ``geometry.codes`` in the same order, or the
        traces differ in sampling rate, start time or length.
    """
    ids = [tr.id for tr in stream]
    if ids != list(geometry.codes):
        missing = sorted(set(geometry.codes) - set(ids))
        extra = sorted(set(ids) - set(geometry.codes))
        raise ValueError(
            f"stream traces must match geometry {geometry.name} codes in order; "
            f"missing {missing}, unexpected {extra}"
            + ("" if missing or extra else " (same ids, different order)")
        )
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
        raise ValueError("stream contains NaN or infinite samples")
    return data, dt, t0


def read_curation(curation) -> pd.DataFrame | None:
    """Load a curation table (path or DataFrame) with columns event,array,phase,accept,reason."""
    if curation is None:
        return None
    if isinstance(curation, str | os.PathLike):
        cur = pd.read_csv(curation, dtype={"event": str, "array": str, "phase": str})
    else:
        cur = pd.DataFrame(curation).copy()
    need = ["event", "array", "phase", "accept", "reason"]
    miss = [c for c in need if c not in cur.columns]
    if miss:
        raise ValueError(f"curation table lacks column(s) {miss}; needs {need}")

    def _bool(v):
        if isinstance(v, bool | np.bool_):
            return bool(v)
        s = str(v).strip().lower()
        if s in ("true", "1", "yes", "y", "t"):
            return True
        if s in ("false", "0", "no", "n", "f"):
            return False
        raise ValueError(f"curation 'accept' value {v!r} is not a boolean")

    cur["accept"] = cur["accept"].map(_bool)
    cur["reason"] = cur["reason"].fillna("").astype(str)
    return cur


def _angdiff(a, b):
    return (np.asarray(a) - np.asarray(b) + 180.0) % 360.0 - 180.0


def _finite_or_zero(x: float) -> float:
    return float(x) if np.isfinite(x) else 0.0


def _jackknife(snr, snr_loo, slow_loo, baz_loo) -> tuple[float, float, float, float]:
    """Jackknife uncertainties from the leave-one-element-out values.

    Standard error ``sqrt((n-1)/n * sum (x_i - mean)^2)``; the SNR interval is
    ``snr -/+ 1.96 se`` (about 95 %), the slowness and back-azimuth errors are
    their standard errors (back-azimuth differences wrapped to +-180 deg).
    Unlike the bootstrap, no resample repeats an element, so the SNR of the
    resamples is not biased low by duplicated noise.
    """

    def se(x):
        x = x[np.isfinite(x)]
        n = x.size
        return float(np.sqrt((n - 1) / n * np.sum((x - x.mean()) ** 2))) if n > 1 else np.nan

    s = se(snr_loo)
    dz = (baz_loo - baz_loo[0] + 180.0) % 360.0 - 180.0
    return snr - 1.96 * s, snr + 1.96 * s, se(slow_loo), se(dz)


def _circ_std_deg(a) -> float:
    a = np.radians(np.asarray(a, float))
    a = a[np.isfinite(a)]
    if a.size < 2:
        return float("nan")
    r = np.hypot(np.mean(np.sin(a)), np.mean(np.cos(a)))
    return float(np.degrees(np.sqrt(-2.0 * np.log(max(r, 1e-12)))))


def _cf_snr(kind, cf, sig, noi):
    """SNR and peak index (within the signal slice) of a characteristic function."""
    c = cf
    if kind == "envelope":
        c = cf - np.median(cf[noi])
    n = c[noi]
    rms = float(np.sqrt(np.mean(n**2)))
    k = int(np.argmax(c[sig]))
    peak = float(c[sig][k])
    snr = peak / rms if rms > 0 else float("inf") if peak > 0 else float("nan")
    return snr, k


def _vesp_cf(kind, v):
    return v if kind == "envelope" else np.abs(v)


@dataclass
class _Phase:
    """What the measurement of one phase needs (segment samples, windows, settings)."""

    seg: np.ndarray  # (n_el, n_samples) data segment
    dt: float  # s
    east: np.ndarray  # km
    north: np.ndarray  # km
    delays: np.ndarray  # s, alignment on the phase
    vstat: np.ndarray  # s, vespagram statics (curvature residual + statics)
    s_km: np.ndarray  # vespagram slownesses, s/km
    s_deg: np.ndarray  # the same in s/deg
    baz: float  # theoretical back-azimuth, deg
    sig: slice  # signal window (segment samples)
    noi: slice  # noise window
    stacks: list
    stack_kw: dict
    fk: tuple  # (smax s/km, step s/km, fmin Hz, fmax Hz)


def _measure_loop(ph: _Phase, sels) -> list:
    """Per selection: ({stack: (snr, s_obs, k_peak, coherence)}, s_fk, baz_fk, relpow).

    The reference: every selection is aligned, stacked, vespagrammed and
    FK-analysed from scratch.
    """
    out = []
    for sel in sels:
        x, y = ph.east[sel], ph.north[sel]
        seg = ph.seg[sel]
        aligned = align(seg, ph.delays[sel], ph.dt)
        vesp = vespagram_stacks(
            seg,
            ph.dt,
            x,
            y,
            ph.s_km,
            ph.baz,
            ph.stacks,
            static_s=ph.vstat[sel],
            precision="double",
            **ph.stack_kw,
        )
        per = {}
        for kind in ph.stacks:
            res = stack(aligned, kind, ph.dt, **ph.stack_kw)
            snr, k = _cf_snr(kind, res.cf, ph.sig, ph.noi)
            v = _vesp_cf(kind, vesp[kind])
            if kind == "envelope":
                v = v - np.median(v[:, ph.noi], axis=1, keepdims=True)
            ks = int(np.argmax(v[:, ph.sig].max(axis=1)))
            per[kind] = (snr, float(ph.s_deg[ks]), *_peak_coherence(res.coherence, k, ph))
        smax, step, fmin, fmax = ph.fk
        sx, sy, _, prel = fk_power(
            seg, ph.dt, x, y, ph.sig.start, ph.sig.stop, smax, step, fmin, fmax
        )
        s_fk, baz_fk, _, _ = fk_peak(sx, sy, prel)
        out.append((per, s_fk * KM_PER_DEG, baz_fk, float(prel.max())))
    return out


def _peak_coherence(coherence, k, ph: _Phase) -> tuple[int, float]:
    """Peak index in the segment and the mean coherence within 0.5 s of it.

    ``k`` is the peak index within the signal window.
    """
    kpk = ph.sig.start + k
    h = max(1, round(0.5 / ph.dt))
    return kpk, float(np.mean(coherence[max(kpk - h, 0) : kpk + h + 1]))


def _aligned_stacks(ph: _Phase, wts) -> tuple[dict, np.ndarray]:
    """Characteristic functions and (gated) coherence of the aligned stacks of every selection.

    Row *r* equals :func:`corephase.signal.stacking.stack` on ``align(seg[sel_r], delays[sel_r])``
    with ``wts[r]`` the element counts of ``sel_r``. The alignment FFT length depends on
    the largest delay of the selection, so selections are grouped by it; per group the
    aligned traces, their unit analytic signals, signed roots and envelopes are formed once
    and every selection's stack is a weighted mean of them.
    """
    nsel = wts.shape[0]
    m = ph.seg.shape[1]
    kw = ph.stack_kw
    wsum = wts.sum(axis=1)
    groups: dict[int, list[int]] = {}
    for r in range(nsel):
        act = wts[r] > 0
        maxs = int(np.ceil(np.max(np.abs(ph.delays[act])) / ph.dt))
        groups.setdefault(int(next_fast_len(m + maxs + 1, real=True)), []).append(r)
    coh = np.empty((nsel, m))
    beams = {k: np.empty((nsel, m)) for k in ph.stacks}
    for rows in groups.values():
        act = np.any(wts[rows] > 0, axis=0)
        w = wts[rows][:, act] / wsum[rows, None]
        # every selection of the group has this FFT length (it grows with the largest delay)
        u = shift_traces(ph.seg[act], ph.delays[act], ph.dt)
        a = analytic_signal(u, axis=-1)
        mag = np.abs(a)
        unit = np.divide(a, mag, out=np.zeros_like(a), where=mag > 0)
        c = np.abs((w @ unit.view(np.float64)).view(complex))
        c = boxcar_rows(c, ph.dt, kw["gate_s"], "a phase-coherence gate")
        coh[rows] = c
        lin = w @ u
        for kind in ph.stacks:
            if kind == "linear":
                beams[kind][rows] = lin
            elif kind == "pws":
                beams[kind][rows] = lin * c ** kw["nu"]
            elif kind == "nthroot":
                r = w @ (np.sign(u) * np.abs(u) ** (1.0 / kw["n"]))
                beams[kind][rows] = np.sign(r) * np.abs(r) ** kw["n"]
            else:  # envelope stack: its own characteristic function
                beams[kind][rows] = boxcar_rows(
                    w @ mag, ph.dt, kw["smooth_s"], "envelope smoothing"
                )
    cfs = {
        k: b if k == "envelope" else np.abs(analytic_signal(b, axis=-1)) for k, b in beams.items()
    }
    return cfs, coh


def _measure_batched(ph: _Phase, sels) -> list:
    """As :func:`_measure_loop`, with all selections measured together as weighted sums."""
    nel, m = ph.seg.shape
    wts = np.array([np.bincount(sel, minlength=nel) for sel in sels], float)
    nsel = wts.shape[0]
    cfs, coh = _aligned_stacks(ph, wts)
    # vespagram maxima in the signal window per selection and slowness
    sig, noi = ph.sig, ph.noi
    s0, s1, _ = sig.indices(m)
    n0, n1, _ = noi.indices(m)
    e0, e1 = min(s0, n0), max(s1, n1)
    samples = {k: (s0, s1) for k in ph.stacks}
    if "envelope" in ph.stacks:
        samples["envelope"] = (e0, e1)
    vmax = {k: np.empty((nsel, ph.s_km.size)) for k in ph.stacks}
    chunks = weighted_vespagram_stacks(
        ph.seg,
        ph.dt,
        ph.east,
        ph.north,
        ph.s_km,
        ph.baz,
        wts,
        ph.stacks,
        static_s=ph.vstat,
        samples=samples,
        precision="double",
        **ph.stack_kw,
    )
    for j0, j1, res in chunks:
        for kind in ph.stacks:
            v = res[kind]
            if kind == "envelope":
                med = np.median(v[..., n0 - e0 : n1 - e0], axis=-1, keepdims=True)
                v = v[..., s0 - e0 : s1 - e0] - med
            else:
                v = np.abs(v)
            vmax[kind][:, j0:j1] = v.max(axis=-1)
    ks = {k: np.argmax(v, axis=1) for k, v in vmax.items()}
    smax, step, fmin, fmax = ph.fk
    sx, sy, _, prel = weighted_fk_power(
        ph.seg, ph.dt, ph.east, ph.north, sig.start, sig.stop, smax, step, fmin, fmax, wts
    )
    out = []
    for r in range(nsel):
        per = {}
        for kind in ph.stacks:
            snr, k = _cf_snr(kind, cfs[kind][r], sig, noi)
            per[kind] = (snr, float(ph.s_deg[ks[kind][r]]), *_peak_coherence(coh[r], k, ph))
        s_fk, baz_fk, _, _ = fk_peak(sx, sy, prel[r])
        out.append((per, s_fk * KM_PER_DEG, baz_fk, float(prel[r].max())))
    return out


def detect_phases(
    stream, geometry, event, arrivals, band_label, cfg, curation=None, *, method="batched"
) -> pd.DataFrame:
    """Detect and measure phases on one array for one event and one frequency band.

    Parameters
    ----------
    stream : obspy.Stream
        Preprocessed for the band: common sampling rate, start time and
        length; trace ids ``NET.STA.LOC.CHA`` equal to ``geometry.codes`` in order.
    geometry : corephase.model.geometry.ArrayGeometry
    event : corephase.model.events.Event
    arrivals : dict
        ``{phase: corephase.model.traveltimes.PhaseArrival}`` at the array reference
        point (times in s after origin, slowness in s/deg).
    band_label : str
        Name of the band (written to the table).
    cfg : dict
        Keys (defaults in :data:`DEFAULT_CFG`): ``stacks``, ``pws_nu``,
        ``pws_gate_s`` (s), ``nthroot_n``, ``envelope_smooth_s`` (s),
        ``signal_window_s`` and ``noise_window_s`` ([start, end] s relative
        to the theoretical time), ``snr_threshold``,
        ``slowness_tolerance_s_deg``, ``baz_tolerance_deg``, ``bootstrap``
        (resamples; 0 for none), ``seed``, ``vespagram_slowness_s_deg``
        ([min, max, step] s/deg), ``fk_slowness_max_s_km``, ``fk_step_s_km``,
        ``curved_wavefront`` (bool), and optional ``band_hz`` ([fmin, fmax] Hz
        for the FK; default 0.5 Hz to 80 % of Nyquist), ``v_surface_km_s``
        (elevation statics), ``statics`` ({code: s}), ``earth_model``.
    curation : str, path or pandas.DataFrame, optional
        Table with columns ``event, array, phase, accept, reason``; matching
        rows override the automatic decision.
    method : {"batched", "loop"}
        How the full array and the bootstrap resamples are measured; both give
        the same numbers to float round-off. ``"batched"`` (default) computes
        the per-element aligned traces, vespagram terms and FK spectra once
        per phase and obtains every resample as a weighted sum
        (:func:`corephase.signal.array_analysis.weighted_vespagram_stacks`,
        :func:`corephase.signal.array_analysis.weighted_fk_power`). ``"loop"``
        re-stacks each resample from scratch (:func:`corephase.signal.stacking.stack`,
        :func:`corephase.signal.array_analysis.vespagram_stacks`,
        :func:`corephase.signal.array_analysis.fk_power`); it is the slow reference.

    Returns
    -------
    pandas.DataFrame
        One row per phase and stack with the columns of :data:`COLUMNS`;
        times ``t_theory_s`` and ``t_peak_s`` in s after origin, slowness in
        s/deg, back-azimuth in degrees clockwise from north.
    """
    if method not in ("batched", "loop"):
        raise ValueError(f"method must be 'batched' or 'loop', got {method!r}")
    c = _merge_cfg(cfg)
    cur = read_curation(curation)
    data, dt, t0 = stream_to_array(stream, geometry)
    nel, ntot = data.shape
    if nel < 2:
        raise ValueError(f"array {geometry.name} has {nel} element(s); need at least 2")
    t_start = float(t0 - event.origin)  # s after origin of sample 0
    east, north = geometry.offsets_km()
    dist, baz_th, _ = distance_backazimuth(
        event.latitude, event.longitude, geometry.ref_lat, geometry.ref_lon
    )
    band = c["band_hz"] or [0.5, 0.4 / dt]
    fmin, fmax = float(band[0]), float(band[1])
    # half-width of the FK main lobe in slowness, ~1 / (f_centre * aperture): below it the
    # back-azimuth of a (near-vertical) arrival is not constrained and is not tested
    baz_resolution_s_km = 1.0 / (0.5 * (fmin + fmax) * max(geometry.aperture_km(), 1e-3))
    smin, smax, sstep = (float(v) for v in c["vespagram_slowness_s_deg"])
    s_deg = np.arange(smin, smax + sstep / 2.0, sstep)
    s_km = s_deg / KM_PER_DEG
    sw, nw = c["signal_window_s"], c["noise_window_s"]
    rng = np.random.default_rng(int(c["seed"]))
    nboot = int(c["bootstrap"])
    if c["resampling"] not in ("jackknife", "bootstrap", "none"):
        raise ValueError(
            "cfg['resampling'] must be 'jackknife', 'bootstrap' or 'none', "
            f"got {c['resampling']!r}"
        )
    jackknife = c["resampling"] == "jackknife" and nel > 3
    if c["resampling"] == "none":
        nboot = 0
    stack_kw = dict(
        nu=float(c["pws_nu"]),
        gate_s=float(c["pws_gate_s"]),
        n=float(c["nthroot_n"]),
        smooth_s=float(c["envelope_smooth_s"]),
    )
    rows = []
    for phase, arr in arrivals.items():
        base = dict(
            event=event.id,
            array=geometry.name,
            phase=phase,
            band=band_label,
            t_theory_s=float(arr.time),
            slowness_theory_s_deg=float(arr.slowness_s_deg),
            baz_theory_deg=float(baz_th),
            distance_deg=float(dist),
            n_elements=nel,
        )
        p_km = float(arr.slowness_s_km)
        # statics: elevation + table (+ curvature residual for the vespagram)
        statics = static_table_delays(geometry.codes, c["statics"])
        if c["v_surface_km_s"]:
            statics = statics + elevation_statics(geometry.elev_m, p_km, c["v_surface_km_s"])
        plane = plane_wave_delays(east, north, p_km, baz_th)
        curv = np.zeros(nel)
        if c["curved_wavefront"]:
            curv = curved_wavefront_delays(geometry, event, phase, c["earth_model"]) - plane
        delays = plane + curv + statics
        # segment holding both windows plus room for the largest shift
        maxd = float(np.max(np.abs(delays))) + np.max(np.abs(s_km)) * float(
            np.max(np.hypot(east, north))
        )
        pad = 5.0 + maxd
        seg_t0 = arr.time + min(sw[0], nw[0]) - pad
        seg_t1 = arr.time + max(sw[1], nw[1]) + pad
        i0 = int(np.floor((seg_t0 - t_start) / dt))
        i1 = int(np.ceil((seg_t1 - t_start) / dt)) + 1
        if i0 < 0 or i1 > ntot:
            for kind in c["stacks"]:
                rows.append(
                    _empty_row(base, kind, "phase windows (with padding) fall outside the data")
                )
            continue
        seg = data[:, i0:i1]
        seg_t = t_start + i0 * dt  # s after origin of the first segment sample

        def idx(w, seg_t=seg_t, arr=arr):
            a = round((arr.time + w[0] - seg_t) / dt)
            b = round((arr.time + w[1] - seg_t) / dt) + 1
            return slice(a, b)

        sig, noi = idx(sw), idx(nw)
        ph = _Phase(
            seg=seg,
            dt=dt,
            east=east,
            north=north,
            delays=delays,
            vstat=curv + statics,
            s_km=s_km,
            s_deg=s_deg,
            baz=float(baz_th),
            sig=sig,
            noi=noi,
            stacks=list(c["stacks"]),
            stack_kw=stack_kw,
            fk=(float(c["fk_slowness_max_s_km"]), float(c["fk_step_s_km"]), fmin, fmax),
        )
        # the full array, then the resamples: leave-one-out (jackknife) or the
        # bootstrap draws (same rng draws, same order)
        sels = [np.arange(nel)]
        if jackknife:
            sels += [np.delete(np.arange(nel), i) for i in range(nel)]
        else:
            for _ in range(nboot):
                sel = rng.integers(0, nel, nel)
                while np.unique(sel).size < min(3, nel):
                    sel = rng.integers(0, nel, nel)
                sels.append(sel)
        res = _measure_batched(ph, sels) if method == "batched" else _measure_loop(ph, sels)
        (main, s_fk, baz_fk, relpow), boots = res[0], res[1:]
        for kind in c["stacks"]:
            snr, s_obs, kpk, coh = main[kind]
            row = dict(base, stack=kind)
            if boots and jackknife:
                snr_lo, snr_hi, s_err, b_err = _jackknife(
                    snr,
                    np.array([b[0][kind][0] for b in boots], float),
                    np.array([b[0][kind][1] for b in boots], float),
                    np.array([b[2] for b in boots], float),
                )
            elif boots:
                bs = np.array([b[0][kind][0] for b in boots], float)
                bsl = np.array([b[0][kind][1] for b in boots], float)
                bbz = np.array([b[2] for b in boots], float)
                bs = bs[np.isfinite(bs)]
                snr_lo, snr_hi = (
                    (float(np.percentile(bs, 2.5)), float(np.percentile(bs, 97.5)))
                    if bs.size
                    else (np.nan, np.nan)
                )
                s_err = float(np.std(bsl, ddof=1)) if bsl.size > 1 else np.nan
                b_err = _circ_std_deg(bbz)
            else:
                snr_lo = snr_hi = s_err = b_err = np.nan
            reasons, notes = [], []
            thr = snr_threshold_for(c["snr_threshold"], kind)
            if not snr >= thr:
                reasons.append(f"snr {snr:.2f} < {thr:g}")
            # the tolerance widens to k standard errors where the array measures
            # slowness or direction less precisely (small apertures, statics)
            k_sig = float(c["tolerance_sigma"])
            s_tol = max(float(c["slowness_tolerance_s_deg"]), _finite_or_zero(k_sig * s_err))
            b_tol = max(float(c["baz_tolerance_deg"]), _finite_or_zero(k_sig * b_err))
            ds = s_obs - float(arr.slowness_s_deg)
            if abs(ds) > s_tol:
                reasons.append(
                    f"slowness {s_obs:.2f} s/deg off theory by {ds:+.2f} (tolerance {s_tol:.2g})"
                )
            db = float(_angdiff(baz_fk, baz_th))
            if p_km < baz_resolution_s_km:
                notes.append(
                    f"baz not tested: slowness below the FK resolution "
                    f"{baz_resolution_s_km * KM_PER_DEG:.2f} s/deg"
                )
            elif abs(db) > b_tol:
                reasons.append(
                    f"FK baz {baz_fk:.1f} deg off theory by {db:+.1f} (tolerance {b_tol:.3g})"
                )
            detected = not reasons
            row.update(
                snr=float(snr),
                snr_lo=snr_lo,
                snr_hi=snr_hi,
                slowness_obs_s_deg=s_obs,
                slowness_err_s_deg=s_err,
                baz_obs_deg=float(baz_fk),
                baz_err_deg=b_err,
                slowness_fk_s_deg=float(s_fk),
                fk_relpow=relpow,
                t_peak_s=float(seg_t + kpk * dt),
                coherence=coh,
                detected=bool(detected),
                decided_by="auto",
                reason="; ".join(reasons + notes)
                if reasons
                else "; ".join(["snr, slowness and baz within limits", *notes]),
            )
            rows.append(row)
    df = pd.DataFrame(rows, columns=COLUMNS)
    df["detected"] = df["detected"].astype(bool)
    if cur is not None and len(df):
        for _, r in cur.iterrows():
            m = (
                (df["event"] == str(r["event"]))
                & (df["array"] == str(r["array"]))
                & (df["phase"] == str(r["phase"]))
            )
            if m.any():
                df.loc[m, "detected"] = bool(r["accept"])
                df.loc[m, "decided_by"] = "curation"
                df.loc[m, "reason"] = "curation: " + r["reason"]
    return df


def _empty_row(base: dict, kind: str, reason: str) -> dict:
    row = dict(base, stack=kind)
    for k in COLUMNS:
        row.setdefault(k, np.nan)
    row.update(detected=False, decided_by="auto", reason=reason)
    return row
