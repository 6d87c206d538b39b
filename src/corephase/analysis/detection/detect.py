"""Detect phases: align, measure, resample, decide and curate, one phase at a time."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from corephase.analysis.detection.curation import curate, read_curation
from corephase.analysis.detection.decide import decide, uncertainties
from corephase.analysis.detection.measure import (
    PhaseData,
    full_array_beams,
    measure_batched,
    measure_loop,
)
from corephase.config.stack import StackSettings
from corephase.model.geometry import KM_PER_DEG
from corephase.model.traveltimes import distance_backazimuth
from corephase.signal.alignment import align, element_delays, plane_wave_delays
from corephase.signal.fk import FKParams
from corephase.signal.matrix import stream_to_matrix
from corephase.signal.vespagram import SlownessScan

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

METHODS = ("batched", "loop")


@dataclass
class PhaseDetection:
    """The detection table of one phase and the full-array beams it measured.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per stack type (:data:`COLUMNS`).
    beams : dict
        ``{stack: beam}`` of the full array on the record's samples (time of
        sample *j*: ``t_start_s + j * dt`` s after origin), plus
        ``"coherence"`` (0..1) with PWS.
    """

    table: pd.DataFrame
    beams: dict


def detect_phases(
    stream,
    geometry,
    event,
    arrivals,
    band_label,
    settings: StackSettings | None = None,
    curation=None,
    *,
    band_hz=None,
    seed: int = 0,
    earth_model: str = "ak135",
    method: str = "batched",
) -> pd.DataFrame:
    """Detect and measure phases on one array for one event and one frequency band.

    Parameters
    ----------
    stream : obspy.Stream
        Preprocessed for the band: one trace per element in the order of
        ``geometry.codes``, common sampling rate, start time and length
        (:func:`corephase.signal.matrix.stream_to_matrix`).
    geometry : corephase.model.geometry.ArrayGeometry
    event : corephase.model.events.Event
    arrivals : dict
        ``{phase: corephase.model.traveltimes.PhaseArrival}`` at the array reference
        point (times in s after origin, slowness in s/deg).
    band_label : str
        Name of the band (written to the table).
    settings : corephase.config.stack.StackSettings, optional
        Stacks, windows, thresholds and detection settings; default
        ``StackSettings()``, the workflow's defaults.
    curation : str, path or pandas.DataFrame, optional
        Table with columns ``event, array, phase, accept, reason``; matching
        rows override the automatic decision.
    band_hz : (float, float), optional
        Band of the FK in Hz; default 0.5 Hz to 80 % of Nyquist.
    seed : int
        Seed of the bootstrap draws (one generator for all phases, in order).
    earth_model : str
        Model of the curved-wavefront alignment.
    method : {"batched", "loop"}
        How the full array and the resamples are measured; both give the same
        numbers to float round-off (see :mod:`corephase.analysis.detection.measure`).

    Returns
    -------
    pandas.DataFrame
        One row per phase and stack with the columns of :data:`COLUMNS`;
        times ``t_theory_s`` and ``t_peak_s`` in s after origin, slowness in
        s/deg, back-azimuth in degrees clockwise from north.
    """
    if method not in METHODS:
        raise ValueError(f"method must be 'batched' or 'loop', got {method!r}")
    settings = settings or StackSettings()
    cur = read_curation(curation)
    data, dt, t0 = stream_to_matrix(stream, geometry, min_elements=2)
    rng = np.random.default_rng(int(seed))
    tables = [
        detect_phase(
            data,
            dt,
            float(t0 - event.origin),
            geometry,
            event,
            phase,
            arr,
            band_label,
            settings,
            band_hz=band_hz,
            rng=rng,
            earth_model=earth_model,
            method=method,
        ).table
        for phase, arr in arrivals.items()
    ]
    if not tables:
        return pd.DataFrame(columns=COLUMNS)
    return curate(pd.concat(tables, ignore_index=True), cur)


def detect_phase(
    data,
    dt: float,
    t_start_s: float,
    geometry,
    event,
    phase: str,
    arrival,
    band_label: str,
    settings: StackSettings,
    *,
    band_hz=None,
    rng: np.random.Generator | None = None,
    earth_model: str = "ak135",
    method: str = "batched",
) -> PhaseDetection:
    """Align the record on one phase once, measure it, resample and decide.

    The traces are aligned with :func:`corephase.signal.alignment.element_delays`
    (plane wave at the theoretical slowness and back-azimuth, or TauP times per
    element with ``settings.detection.curved_wavefront``, plus elevation and
    station statics) and :func:`corephase.signal.alignment.align`; the stacks
    of this alignment are measured and returned as the beams (the vespagram
    adds the same statics and curvature to each trial plane wave).

    Parameters
    ----------
    data : numpy.ndarray, shape (n_elements, n_samples)
        The band's record, rows in the order of ``geometry.codes``.
    dt : float
        Sample interval, s.
    t_start_s : float
        Time of sample 0 in s after origin.
    geometry, event, band_label, settings, band_hz, earth_model, method
        As for :func:`detect_phases`.
    phase : str
        Phase name (TauP).
    arrival : corephase.model.traveltimes.PhaseArrival
    rng : numpy.random.Generator, optional
        Bootstrap draws (default ``numpy.random.default_rng(0)``).

    Returns
    -------
    PhaseDetection
        Without curation (:func:`corephase.analysis.detection.curate` applies it).
    """
    if method not in METHODS:
        raise ValueError(f"method must be 'batched' or 'loop', got {method!r}")
    nel = data.shape[0]
    if nel < 2:
        raise ValueError(f"array {geometry.name} has {nel} element(s); need at least 2")
    dist, baz, _ = distance_backazimuth(
        event.latitude, event.longitude, geometry.ref_lat, geometry.ref_lon
    )
    base = dict(
        event=event.id,
        array=geometry.name,
        phase=phase,
        band=band_label,
        t_theory_s=float(arrival.time),
        slowness_theory_s_deg=float(arrival.slowness_s_deg),
        baz_theory_deg=float(baz),
        distance_deg=float(dist),
        n_elements=nel,
    )
    det = settings.detection
    p_km = float(arrival.slowness_s_km)
    try:
        delays = _phase_delays(geometry, event, phase, p_km, baz, det, earth_model)
    except ValueError as exc:  # e.g. the phase has no TauP time at some element
        rows = [_empty_row(base, kind, f"no alignment: {exc}") for kind in settings.types]
        return PhaseDetection(_table(rows), {})
    aligned = align(data, delays, dt)
    ph = _phase_data(
        data, aligned, dt, t_start_s, geometry, phase, arrival, baz, delays, settings, band_hz
    )
    if ph is None:
        reason = "phase windows (with padding) fall outside the data"
        rows = [_empty_row(base, kind, reason) for kind in settings.types]
        beams = full_array_beams(aligned, dt, settings.types, settings.stack_params())
        return PhaseDetection(_table(rows), beams)
    sels = _selections(nel, det, rng if rng is not None else np.random.default_rng(0))
    measure = measure_batched if method == "batched" else measure_loop
    res, beams = measure(ph, sels)
    fmin, fmax = ph.fk.fmin, ph.fk.fmax
    # half-width of the FK main lobe in slowness, ~1 / (f_centre * aperture): below it the
    # back-azimuth of a (near-vertical) arrival is not constrained and is not tested
    baz_res = 1.0 / (0.5 * (fmin + fmax) * max(geometry.aperture_km(), 1e-3))
    jackknife = det.resampling == "jackknife" and nel > 3
    rows = [
        _row(base, kind, res, jackknife, arrival, baz, baz_res, settings, t_start_s, dt)
        for kind in settings.types
    ]
    return PhaseDetection(_table(rows), beams)


def _phase_delays(geometry, event, phase, p_km, baz, det, earth_model):
    """Alignment delays (s) of one phase with the detection's wavefront and statics."""
    return element_delays(
        geometry,
        p_km,
        baz,
        curved=bool(det.curved_wavefront),
        event=event,
        phase=phase,
        model=earth_model,
        v_surface_km_s=det.v_surface_km_s,
        statics=det.statics,
    )


def _row(base, kind, res, jackknife, arrival, baz, baz_res, settings, t_start_s, dt) -> dict:
    """The table row of one stack: full-array measurement, uncertainties, decision."""
    snr, s_obs, kpk, coh = res[0].per[kind]
    snr_lo, snr_hi, s_err, b_err = uncertainties(kind, snr, res[1:], jackknife)
    detected, reason = decide(
        kind, snr, s_obs, s_err, res[0].baz_fk, b_err, arrival, baz, baz_res, settings
    )
    return dict(
        base,
        stack=kind,
        snr=float(snr),
        snr_lo=snr_lo,
        snr_hi=snr_hi,
        slowness_obs_s_deg=s_obs,
        slowness_err_s_deg=s_err,
        baz_obs_deg=float(res[0].baz_fk),
        baz_err_deg=b_err,
        slowness_fk_s_deg=float(res[0].s_fk),
        fk_relpow=res[0].relpow,
        t_peak_s=float(t_start_s + kpk * dt),
        coherence=coh,
        detected=bool(detected),
        decided_by="auto",
        reason=reason,
    )


def _phase_data(
    data, aligned, dt, t_start_s, geometry, phase, arrival, baz, delays, settings, band_hz
):
    """The :class:`PhaseData` of one phase, or None when its windows (with room for the
    vespagram's shifts) fall outside the record."""
    det = settings.detection
    east, north = geometry.offsets_km()
    smin, smax, sstep = (float(v) for v in det.vespagram_slowness_s_deg)
    s_deg = np.arange(smin, smax + sstep / 2.0, sstep)
    s_km = s_deg / KM_PER_DEG
    sw, nw = settings.windows(phase)
    # segment holding both windows plus room for the largest shift
    maxd = float(np.max(np.abs(delays))) + np.max(np.abs(s_km)) * float(
        np.max(np.hypot(east, north))
    )
    pad = 5.0 + maxd
    i0 = int(np.floor((arrival.time + min(sw[0], nw[0]) - pad - t_start_s) / dt))
    i1 = int(np.ceil((arrival.time + max(sw[1], nw[1]) + pad - t_start_s) / dt)) + 1
    if i0 < 0 or i1 > data.shape[1]:
        return None
    seg_t = t_start_s + i0 * dt  # s after origin of the first segment sample
    band = band_hz or (0.5, 0.4 / dt)
    # alignment minus the plane wave (curvature and statics), the vespagram's statics
    residual = delays - plane_wave_delays(east, north, float(arrival.slowness_s_km), baz)
    return PhaseData(
        aligned=aligned,
        seg=data[:, i0:i1],
        i0=i0,
        dt=dt,
        east=east,
        north=north,
        scan=SlownessScan(s_km, float(baz), residual),
        s_deg=s_deg,
        sig=_window(arrival.time, sw, seg_t, dt),
        noi=_window(arrival.time, nw, seg_t, dt),
        stacks=tuple(settings.types),
        params=settings.stack_params(),
        fk=FKParams(float(det.fk_slowness_max_s_km), float(det.fk_step_s_km), *map(float, band)),
    )


def _window(t_phase: float, w, seg_t: float, dt: float) -> slice:
    """Segment samples of the window ``w`` (s relative to the phase time ``t_phase``)."""
    return slice(round((t_phase + w[0] - seg_t) / dt), round((t_phase + w[1] - seg_t) / dt) + 1)


def _selections(nel: int, det, rng) -> list[np.ndarray]:
    """The full array, then the resamples: leave-one-out (jackknife) or bootstrap draws."""
    sels = [np.arange(nel)]
    if det.resampling == "jackknife" and nel > 3:
        return sels + [np.delete(np.arange(nel), i) for i in range(nel)]
    if det.resampling == "none":
        return sels
    for _ in range(int(det.bootstrap)):
        sel = rng.integers(0, nel, nel)
        while np.unique(sel).size < min(3, nel):
            sel = rng.integers(0, nel, nel)
        sels.append(sel)
    return sels


def _empty_row(base: dict, kind: str, reason: str) -> dict:
    row = dict(base, stack=kind)
    for k in COLUMNS:
        row.setdefault(k, np.nan)
    row.update(detected=False, decided_by="auto", reason=reason)
    return row


def _table(rows: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=COLUMNS)
    df["detected"] = df["detected"].astype(bool)
    return df
