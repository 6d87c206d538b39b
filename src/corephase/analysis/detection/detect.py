"""Detect phases: align, measure, resample, decide and curate, one phase at a time."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from corephase.analysis.detection.curation import curate, read_curation
from corephase.analysis.detection.decide import Resolution, decide, snr_interval, spread
from corephase.analysis.detection.measure import (
    PhaseData,
    element_terms,
    full_array_beams,
    measure_batched,
    measure_loop,
)
from corephase.analysis.detection.null import calibration_tails
from corephase.analysis.detection_columns import COLUMNS
from corephase.config.stack import StackSettings
from corephase.io.files import row_columns
from corephase.model.geometry import KM_PER_DEG
from corephase.model.traveltimes import distance_backazimuth
from corephase.signal.alignment import align, element_delays, plane_wave_delays
from corephase.signal.fk import FKParams
from corephase.signal.matrix import stream_to_matrix
from corephase.signal.vespagram import SlownessScan

if TYPE_CHECKING:  # pandas is imported where a table is asked for: the stack job never is
    import pandas as pd

log = logging.getLogger("corephase")

METHODS = ("batched", "loop")


@dataclass
class PhaseDetection:
    """The detection table of one phase and the full-array beams it measured.

    Attributes
    ----------
    rows : list of dict
        One row per stack type, keys :data:`COLUMNS` (``table`` as a DataFrame).
    beams : dict
        ``{stack: beam}`` of the full array on the record's samples (time of
        sample *j*: ``t_start_s + j * dt`` s after origin), plus
        ``"coherence"`` (0..1) with PWS.
    """

    rows: list[dict]
    beams: dict

    @property
    def table(self) -> pd.DataFrame:
        """The rows as a DataFrame with the columns :data:`COLUMNS`."""
        return rows_table(self.rows)


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
    rows = [
        row
        for phase, arr in arrivals.items()
        for row in detect_phase(
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
        ).rows
    ]
    return rows_table(curate(rows, cur))


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
    windows=None,
    quiet_s=None,
    shifter=None,
) -> PhaseDetection:
    """Align the record on one phase once, measure it, resample, calibrate and decide.

    The traces are aligned with :func:`corephase.signal.alignment.element_delays`
    (plane wave at the theoretical slowness and back-azimuth, or TauP times per
    element with ``settings.detection.curved_wavefront``, plus elevation and
    station statics) and :func:`corephase.signal.alignment.align`; the stacks
    of this alignment are measured and returned as the beams (the vespagram
    adds the same statics and curvature to each trial plane wave). The SNR
    threshold and ``fa_prob`` come from the empirical null of the same record
    (:mod:`corephase.analysis.detection.null`) unless
    ``settings.detection.calibration`` is ``"fixed"``.

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
        Bootstrap draws, then the null draws' seed (default ``default_rng(0)``).
    windows : (signal_window_s, noise_window_s), optional
        Windows in s relative to the phase time overriding ``settings.windows(phase)``;
        a noise window of None (no clean noise before the phase) gives the call
        ``no_clean_noise``.
    quiet_s : (float, float), optional
        Stretch of the record holding noise only, s after origin (before the first
        arrival, off the band-pass taper): the sliding null's record
        (:func:`corephase.analysis.detection.null.calibration_tails`); None: the
        shuffled null alone.
    shifter : corephase.signal.alignment.TraceShifter, optional
        Of ``data`` and ``dt``, shared by a band's phases (see ``alignment.align``).

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
    rng = rng if rng is not None else np.random.default_rng(0)
    base = _base(event, geometry, phase, arrival, band_label, nel)
    det = settings.detection
    notes = _elevation_notes(geometry, det)
    sw, nw = windows if windows is not None else settings.windows(phase)
    try:
        delays = _phase_delays(geometry, event, phase, arrival, base, det, earth_model)
    except ValueError as exc:  # e.g. the phase has no TauP time at some element
        return unmeasured(base, settings, "no_arrival", f"no alignment: {exc}")
    aligned = align(data, delays, dt, shifter=shifter)
    wins = (band_hz, sw, nw if nw is not None else sw)
    ph = _phase_data(data, aligned, dt, t_start_s, geometry, arrival, base, delays, settings, wins)
    if nw is None or ph is None:
        beams = full_array_beams(aligned, dt, settings.types, settings.stack_params())
        if nw is None:
            return unmeasured(base, settings, "no_clean_noise", "no clean noise window", beams)
        reason = "phase windows (with padding) fall outside the data"
        return unmeasured(base, settings, "no_data", reason, beams)
    sels = _selections(nel, det, rng)
    terms = element_terms(ph.aligned, ph.stacks, ph.params)
    batched = method == "batched"
    res, beams, cfs = measure_batched(ph, sels, terms) if batched else measure_loop(ph, sels)
    tails = _calibrate(ph, terms, (beams, cfs), det, rng, quiet_s, (t_start_s, dt))
    fc = 0.5 * (ph.fk.fmin + ph.fk.fmax)
    reso = Resolution.of(fc, geometry.aperture_km(), float(arrival.slowness_s_deg))
    jackknife = det.resampling == "jackknife" and nel > 3
    rows = [
        _row(base, kind, res, jackknife, arrival, reso, tails, settings, (t_start_s, dt), notes)
        for kind in settings.types
    ]
    return PhaseDetection(_in_order(rows), beams)


def _calibrate(ph, terms, full, det, rng, quiet_s, time_axis):
    """The null tails of an empirical calibration (None when it is ``"fixed"``).

    ``full`` is the full array's ``({stack: beam}, {stack: characteristic function})``;
    ``quiet_s`` (s after origin, or None) becomes sample indices of the record that
    starts at ``time_axis = (t_start_s, dt)``; the null draws are seeded from ``rng``.
    """
    if det.calibration != "empirical":
        return None
    t_start_s, dt = time_axis
    null_rng = np.random.default_rng(rng.integers(2**63))
    quiet = None
    if quiet_s is not None:
        quiet = (
            int(np.ceil((quiet_s[0] - t_start_s) / dt)),
            int((quiet_s[1] - t_start_s) / dt),
        )
    beams, cfs = full
    return calibration_tails(ph, terms, beams, det, null_rng, quiet, cfs=cfs)


def _base(event, geometry, phase, arrival, band_label, nel) -> dict:
    """The columns every row of one phase shares."""
    dist, baz, _ = distance_backazimuth(
        event.latitude, event.longitude, geometry.ref_lat, geometry.ref_lon
    )
    return dict(
        event=event.id,
        array=geometry.name,
        phase=phase,
        band=band_label,
        t_theory_s=float(arrival.time) if arrival is not None else np.nan,
        slowness_theory_s_deg=float(arrival.slowness_s_deg) if arrival is not None else np.nan,
        baz_theory_deg=float(baz),
        distance_deg=float(dist),
        n_elements=nel,
    )


def no_arrival(event, geometry, phase: str, band_label: str, settings: StackSettings):
    """The :class:`PhaseDetection` (one row per stack, no beams) of a configured phase
    without a TauP arrival at the pair's distance: call ``no_arrival``, no measurement."""
    base = _base(event, geometry, phase, None, band_label, len(geometry))
    reason = f"no {phase} arrival at {base['distance_deg']:.2f} deg"
    return unmeasured(base, settings, "no_arrival", reason)


def no_arrival_table(event, geometry, phase: str, band_label: str, settings: StackSettings):
    """The rows of :func:`no_arrival` as a DataFrame (:data:`COLUMNS`)."""
    return no_arrival(event, geometry, phase, band_label, settings).table


def _elevation_notes(geometry, det) -> list[str]:
    """A note naming the elements without an elevation static (missing elevation)."""
    if not det.v_surface_km_s:
        return []
    missing = geometry.missing_elevations()
    if not missing.any():
        return []
    codes = ", ".join(c for c, m in zip(geometry.codes, missing, strict=True) if m)
    log.warning("array %s: elevation missing at %s; no elevation static", geometry.name, codes)
    return [f"elevation missing at {codes} (no elevation static)"]


def _phase_delays(geometry, event, phase, arrival, base, det, earth_model):
    """Alignment delays (s) of one phase with the detection's wavefront and statics."""
    return element_delays(
        geometry,
        float(arrival.slowness_s_km),
        base["baz_theory_deg"],
        curved=bool(det.curved_wavefront),
        event=event,
        phase=phase,
        model=earth_model,
        v_surface_km_s=det.v_surface_km_s,
        statics=det.statics,
    )


def _row(base, kind, res, jackknife, arrival, reso, tails, settings, clock, notes) -> dict:
    """The table row of one stack: full-array measurement, uncertainties, calibration, call."""
    t_start_s, dt = clock
    full = res[0]
    snr, s_obs, kpk, coh = full.per[kind]
    snr_lo, snr_hi = snr_interval(snr, [m.per[kind][0] for m in res[1:]], jackknife)
    sp = spread(kind, full, res[1:], jackknife)
    if tails is not None:
        fa = tails[kind].fa_prob(snr)
        # never below min_snr: a noise window louder than the signal's surroundings (e.g.
        # moved into a strong phase's coda) makes the null's threshold meaningless
        thr = max(
            tails[kind].threshold(settings.detection.false_alarm_level),
            float(settings.detection.min_snr),
        )
    else:
        fa, thr = np.nan, settings.threshold(kind)
    c = decide(snr, thr, s_obs, full.baz_fk, sp, arrival, base["baz_theory_deg"], reso, settings)
    return dict(
        base,
        stack=kind,
        snr=float(snr),
        snr_lo=snr_lo,
        snr_hi=snr_hi,
        slowness_obs_s_deg=s_obs,
        slowness_err_s_deg=sp.slowness_s_deg,
        baz_obs_deg=float(full.baz_fk),
        baz_err_deg=sp.baz_deg,
        slowness_fk_s_deg=float(full.s_fk),
        fk_relpow=full.relpow,
        t_peak_s=float(t_start_s + kpk * dt),
        coherence=coh,
        detected=c.call == "detected",
        decided_by="auto",
        reason="; ".join([c.reason, *notes]),
        call=c.call,
        fa_prob=fa,
        snr_threshold=thr,
        slowness_resolution_s_deg=reso.slowness_s_deg,
        slowness_tolerance_s_deg=c.slowness_tolerance_s_deg,
        baz_tolerance_deg=c.baz_tolerance_deg,
        resample_agreement=c.resample_agreement,
    )


def _phase_data(data, aligned, dt, t_start_s, geometry, arrival, base, delays, settings, wins):
    """The :class:`PhaseData` of one phase for ``wins = (band_hz, signal window, noise
    window)``, or None when the windows (with room for the vespagram's shifts) fall
    outside the record."""
    band_hz, sw, nw = wins
    det = settings.detection
    baz = base["baz_theory_deg"]
    east, north = geometry.offsets_km()
    smin, smax, sstep = (float(v) for v in det.vespagram_slowness_s_deg)
    s_deg = np.arange(smin, smax + sstep / 2.0, sstep)
    s_km = s_deg / KM_PER_DEG
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


def unmeasured(base: dict, settings, call: str, reason: str, beams=None) -> PhaseDetection:
    """A phase that could not be measured: one row per stack with ``call`` and ``reason``
    and no numbers, and the beams (if any)."""
    rows = []
    for kind in settings.types:
        rows.append(
            dict(base, stack=kind, detected=False, decided_by="auto", reason=reason, call=call)
        )
    return PhaseDetection(_in_order(rows), beams or {})


def _in_order(rows: list[dict]) -> list[dict]:
    """The rows with the keys :data:`COLUMNS` in order (a missing value NaN)."""
    return [{k: r.get(k, np.nan) for k in COLUMNS} for r in rows]


def rows_table(rows: list[dict]) -> pd.DataFrame:
    """Detection rows as a DataFrame: the columns :data:`COLUMNS`, then any others the
    rows add (in order of first appearance); ``detected`` boolean."""
    import pandas as pd

    columns = list(dict.fromkeys([*COLUMNS, *row_columns(rows)]))
    df = pd.DataFrame(rows, columns=columns)
    df["detected"] = df["detected"].astype(bool)
    return df
