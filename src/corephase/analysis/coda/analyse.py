"""The coda analysis of one event, array and band: :func:`analyse_coda`."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from corephase.analysis.coda.beams import BeamAlignment, SharedShifts, envelope_beams
from corephase.analysis.coda.contaminants import (
    arrival_mask,
    contaminating_list,
    predicted_arrivals,
)
from corephase.analysis.coda.measure import (
    CI_KEYS,
    REASON_KEYS,
    Record,
    measure_envelope,
    window_span,
)
from corephase.analysis.coda.nulls import null_excesses, null_test, pseudo_phase_times
from corephase.analysis.coda.resampling import Draws, bootstrap_ci, safe_ratio
from corephase.analysis.coda.vespagram import add_vespagrams
from corephase.config.coda import CodaSettings
from corephase.io.bands import BandRecord
from corephase.model.traveltimes import distance_backazimuth
from corephase.signal.matrix import band_matrix

# Energy-balance quantities whose interval follows ``ci_method`` (others: percentile).
_CENTRED_KEYS = ("coda_excess", "coda_slowness_fraction")


@dataclass(frozen=True)
class CodaJob:
    """Everything the analysis of one band shares between its phases (:func:`coda_job`)."""

    data: np.ndarray  # (n_elements, n_samples), band-passed traces
    rec: Record
    geometry: object
    event: object
    arrivals: dict  # the given arrivals and the predicted contaminating ones
    band_label: str
    baz: float
    settings: CodaSettings
    alignment: BeamAlignment
    draws: Draws
    # the aligner of this band's traces (shared with the record's other bands) and its index
    shifts: SharedShifts = field(repr=False, compare=False)
    shift_index: int = 0


def analyse_coda(
    stream,
    geometry,
    event,
    arrivals,
    band_label,
    band_hz,
    settings: CodaSettings | None = None,
    seed: int = 0,
    alignment: BeamAlignment | None = None,
    taper_s: float = 0.0,
    arrival_list=None,
):
    """Coda excess, shape and slowness of core phases for one event, array and band.

    Parameters
    ----------
    stream : corephase.io.bands.BandRecord or obspy.Stream
        The record preprocessed (e.g. band-passed) for one band, one row or trace
        per array element, ordered like ``geometry.codes``, common start time,
        sampling rate and length (a band file of the preprocess stage,
        :func:`corephase.io.bands.read_band`, or a Stream).
    geometry : corephase.model.geometry.ArrayGeometry
        Element coordinates; the beams are referred to ``ref_lat, ref_lon``.
    event : corephase.model.events.Event
        Origin time, epicentre (for the back-azimuth) and id.
    arrivals : dict of str to corephase.model.traveltimes.PhaseArrival
        Theoretical arrivals at the array reference point (time in s after
        origin, slowness in s/deg). Must contain the configured phases; may
        contain more (e.g. ``"P"``): the earliest of all defines the noise
        reference when ``noise_reference="first_arrival"``, and any of them
        inside a phase's pre-phase or coda window is listed in
        ``contaminating_phases``.
    band_label : str
        Band name used in the table (e.g. ``"1-2Hz"``).
    band_hz : (float, float)
        Band corners in Hz; the coda Qc uses the arithmetic centre.
    settings : CodaSettings, optional
        Windows, beams, trend and statistics (defaults: the workflow's).
    seed : int
        Seed of the station and time-block bootstrap.
    alignment : BeamAlignment, optional
        Wavefront and statics of the beams (default: plane wave, no statics);
        give the detection's so that coda beams and detections agree.
    taper_s : float
        Length (s) of the taper at each end of the record (preprocessing):
        no window (noise, pre-phase, coda, null) uses tapered samples.
    arrival_list : sequence of corephase.model.arrivals.Arrival, optional
        The pair's arrival list (the fetch stage's); the contaminating arrivals
        (``settings.contaminant_phases``) are taken from it. Default: computed
        with TauP.

    Returns
    -------
    table : pandas.DataFrame
        One row per configured phase with the measurements, their bootstrap
        intervals (``*_lo``, ``*_hi``), the unmasked values
        (``*_unmasked``), ``coda_p_value``, ``coda_threshold``,
        ``null_windows``, ``coda_significant``, the reason columns
        (``excess_reason``, ``duration_reason``, ``decay_reason``,
        ``coda_qc_reason``, ``significance_reason``, ``interval_reason``) and
        a ``qc`` column (empty when fine, else why the row has NaNs). The
        main-phase row also holds the coda-slowness results and the ratios
        ``duration_ratio_<ref>`` and ``decay_ratio_<ref>`` (main over
        reference phase, paired bootstrap intervals).
    arrays : dict
        Curves for plotting (see :mod:`corephase.plotting.coda`): ``"meta"``;
        ``"phases"`` -> phase -> ``t`` (s relative to the theoretical phase
        time), ``log10_env`` (raw beam envelope over its phase peak),
        ``log10_env_smooth``, ``log10_trend`` (fit and extrapolation),
        ``log10_reference`` (max of trend and noise), ``arrival_mask``,
        ``masked_phases``, window limits, decay fit and the key numbers;
        ``"vespagram"`` -> ``slowness_s_deg``, ``t``,
        ``log10_power`` (normalised coda power of each slowness beam).

    Raises
    ------
    ValueError
        When the stream does not match the geometry, the band is invalid, or
        the noise window holds less than ``min_noise_s`` of data.
    """
    import pandas as pd

    rows, arrays = coda_rows(
        stream,
        geometry,
        event,
        arrivals,
        band_label,
        band_hz,
        settings,
        seed,
        alignment,
        taper_s,
        arrival_list,
    )
    return pd.DataFrame(rows), arrays


def coda_rows(
    stream,
    geometry,
    event,
    arrivals,
    band_label,
    band_hz,
    settings: CodaSettings | None = None,
    seed: int = 0,
    alignment: BeamAlignment | None = None,
    taper_s: float = 0.0,
    arrival_list=None,
):
    """The table of :func:`analyse_coda` as rows (one dict per configured phase, column
    to value) and its plot arrays, without pandas; the parameters are those of
    :func:`analyse_coda`."""
    job = coda_job(
        stream,
        geometry,
        event,
        arrivals,
        band_label,
        band_hz,
        settings,
        seed,
        alignment,
        taper_s,
        arrival_list,
    )
    rows, arrays = measure_phases(job)
    add_vespagrams([(job, rows, arrays)])
    return rows, arrays


def coda_job(
    stream,
    geometry,
    event,
    arrivals,
    band_label,
    band_hz,
    settings: CodaSettings | None = None,
    seed: int = 0,
    alignment: BeamAlignment | None = None,
    taper_s: float = 0.0,
    arrival_list=None,
) -> CodaJob:
    """The traces, record, draws and arrivals of one band's analysis (parameters and
    errors of :func:`analyse_coda`)."""
    s = settings or CodaSettings()
    f1, f2 = (float(x) for x in band_hz)
    if not 0 < f1 < f2:
        raise ValueError(f"band {band_label!r}: corners must satisfy 0 < f1 < f2, got {band_hz}")
    record = stream if isinstance(stream, BandRecord) else BandRecord.from_stream(stream, float)
    data, dt = band_matrix(record, geometry, min_elements=2)
    t_orig = record.seconds_after(event.origin_ns) + dt * np.arange(data.shape[1])
    dist, baz, _ = distance_backazimuth(
        event.latitude, event.longitude, geometry.ref_lat, geometry.ref_lon
    )
    edge = max(2.0, s.envelope_smooth_s, s.coda_smooth_s) + max(float(taper_s), 0.0)
    noise_mask = _noise_mask(t_orig, dt, arrivals, s, edge)
    rec = Record(t_orig, dt, noise_mask, f1, f2, edge)
    draws = Draws.make(seed, int(s.bootstrap), data.shape[0])
    alignment = alignment or BeamAlignment()
    extra = predicted_arrivals(
        event.depth_km, dist, s.contaminant_phases, alignment.model, listed=arrival_list
    )
    every = {**extra, **arrivals}
    shifts = SharedShifts([data], dt)
    return CodaJob(
        data, rec, geometry, event, every, band_label, float(baz), s, alignment, draws, shifts
    )


def measure_phases(job: CodaJob) -> tuple[list[dict], dict]:
    """Every phase and the ratios of one band: the table rows and the plot arrays.

    The coda vespagram (``arrays["vespagram"]``, None here, and the main phase's
    coda-slowness columns) is added by :func:`add_vespagrams`.
    """
    s = job.settings
    rows: dict[str, dict] = {}
    curves: dict[str, dict] = {}
    boots: dict[str, dict[str, np.ndarray]] = {}
    for ph in s.phases:
        rows[ph], cur, reps = _analyse_phase(job, ph)
        _fill_reasons(rows[ph])
        if cur is not None:
            curves[ph] = cur
        if reps is not None:
            boots[ph] = reps
    _add_ratios(rows[s.main_phase], rows, boots, s)
    meta = {
        "array": job.geometry.name,
        "event_id": job.event.id,
        "band_label": job.band_label,
        "band_hz": [job.rec.fmin_hz, job.rec.fmax_hz],
        "main_phase": s.main_phase,
        "baz_deg": job.baz,
        "trend_model": s.trend_model,
        "confidence": float(s.confidence),
        "false_positive_rate": float(s.false_positive_rate),
    }
    return [rows[ph] for ph in s.phases], {"meta": meta, "phases": curves, "vespagram": None}


def _noise_mask(t_orig, dt, arrivals, s: CodaSettings, edge) -> np.ndarray:
    """Samples of the noise window (``noise_window_s`` after ``noise_reference``)."""
    if s.noise_reference == "first_arrival":
        if not arrivals:
            raise ValueError("no arrivals given: cannot place the noise window")
        ref = min(a.time for a in arrivals.values())
    else:
        ref = 0.0
    nw = (ref + s.noise_window_s[0], ref + s.noise_window_s[1])
    mask = (t_orig >= nw[0]) & (t_orig <= nw[1])
    mask &= (t_orig >= t_orig[0] + edge) & (t_orig <= t_orig[-1] - edge)
    if mask.sum() * dt < s.min_noise_s:
        raise ValueError(
            f"noise window {nw[0]:.1f}..{nw[1]:.1f} s after origin holds "
            f"{mask.sum() * dt:.1f} s of the record ({t_orig[0]:.1f}..{t_orig[-1]:.1f} s); "
            f"need at least min_noise_s={s.min_noise_s} s"
        )
    return mask


def _analyse_phase(job: CodaJob, ph: str):
    """Row, plot curves (or None) and bootstrap replicates (or None) of one phase.

    The primary numbers are measured with every other predicted arrival
    masked (``arrival_mask_s``); ``*_unmasked`` columns hold the same
    measurement without masks. Both get a p-value from the pair's own null.
    """
    s, rec = job.settings, job.rec
    row = _base_row(job, ph)
    arr = job.arrivals.get(ph)
    if arr is None:
        row["qc"] = f"no theoretical arrival for {ph}"
        return row, None, None
    row["phase_time_s"] = float(arr.time)
    row["slowness_s_deg"] = float(arr.slowness_s_deg)
    row["contaminating_phases"] = contaminating_list(
        job.arrivals, ph, (s.prephase_window_s[0], s.coda_window_s[1])
    )
    row["qc"] = _window_qc(job, ph, arr.time)
    if row["qc"]:
        return row, None, None
    try:
        tau = job.alignment.phase_delays(job.geometry, job.event, ph, arr.slowness_s_km, job.baz)
    except ValueError as exc:  # e.g. no curved-wavefront time at some element
        row["qc"] = f"no alignment delays for {ph}: {exc}"
        return row, None, None
    aligned = job.shifts.aligned(job.shift_index, tau)
    env = envelope_beams(aligned, job.draws.weights, rec.dt, s.beam_type, s.envelope_smooth_s)
    exclude = arrival_mask(rec.t_orig, job.arrivals, ph, s.arrival_mask_s)
    meas, cur = measure_envelope(env[0], rec, arr.time, s, exclude=exclude)
    row.update(meas)
    plain, _ = measure_envelope(env[0], rec, arr.time, s)
    for k in ("coda_excess", "duration_s", "coda_detected"):
        row[f"{k}_unmasked"] = plain.get(k, np.nan)
    _add_significance(row, env[0], job, arr.time, exclude)
    if cur is not None:
        cur.update(
            phase_time_s=float(arr.time),
            prephase_window_s=list(s.prephase_window_s),
            coda_window_s=list(s.coda_window_s),
            masked_phases=_masked_phases(job.arrivals, ph, s),
        )
    if meas.get("qc") or not np.isfinite(meas["coda_excess"]):
        _copy_numbers(cur, row)
        return row, cur, None
    reps = _replicates(env[1:], rec, arr.time, s, job.draws, exclude)
    _add_intervals(row, reps, s, rec.centre_hz)
    _decide(row, s)
    _copy_numbers(cur, row)
    return row, cur, reps


#: Numbers of a phase row copied into its plot curves.
_CURVE_NUMBERS = (
    *REASON_KEYS,
    "log10_noise_level",
    "coda_excess",
    "coda_excess_lo",
    "coda_excess_hi",
    "coda_excess_unmasked",
    "coda_p_value",
    "coda_threshold",
    "null_windows",
    "coda_significant",
    "significance_reason",
    "duration_s",
    "duration_s_lo",
    "duration_s_hi",
    "duration_censored",
    "coda_detected",
    "decay_rate_per_s",
    "coda_qc",
    "coda_qc_reason",
)


def _copy_numbers(cur: dict | None, row: dict) -> None:
    """Put the row's key numbers into the plot curves (when there are curves)."""
    if cur is not None:
        cur.update({k: row.get(k) for k in _CURVE_NUMBERS})


def _masked_phases(arrivals, ph, s: CodaSettings) -> list:
    """``[name, start, end]`` (s relative to ``ph``) of the masks that reach its windows."""
    t_ph = arrivals[ph].time
    lo, hi = s.prephase_window_s[0], s.coda_window_s[1]
    out = []
    for k, a in sorted(arrivals.items(), key=lambda kv: kv[1].time):
        m0, m1 = a.time - t_ph + s.arrival_mask_s[0], a.time - t_ph + s.arrival_mask_s[1]
        if k != ph and m1 >= lo and m0 <= hi:
            out.append([k, float(m0), float(m1)])
    return out


def _add_significance(row: dict, env, job: CodaJob, phase_time: float, exclude) -> None:
    """Null p-values of the masked and unmasked excess from pseudo-phase windows of the record."""
    s, rec = job.settings, job.rec
    taus = pseudo_phase_times(rec, job.arrivals, phase_time, s)
    every = arrival_mask(rec.t_orig, job.arrivals, None, s.arrival_mask_s)
    null_m, null_u = null_excesses(env, rec, taus, every, s, unmasked=True)
    alpha = float(s.false_positive_rate)
    p, thr, why = null_test(row["coda_excess"], null_m, alpha)
    pu, thru, _ = null_test(row["coda_excess_unmasked"], null_u, alpha)
    row.update(
        coda_p_value=p,
        coda_threshold=thr,
        coda_p_value_unmasked=pu,
        coda_threshold_unmasked=thru,
        null_windows=int(np.isfinite(null_m).sum()),
        significance_reason=why,
    )


def _decide(row: dict, s: CodaSettings) -> None:
    """The significance call: null p-value at most alpha and, with a bootstrap, lower bound > 1.

    The null of pseudo-phase windows (mostly pre-P noise) does not see the
    uncertainty of extrapolating a steep pre-phase trend; the bootstrap
    interval does, so a significant coda needs both.
    """
    p, thr, lo = row["coda_p_value"], row["coda_threshold"], row["coda_excess_lo"]
    calibrated = bool(np.isfinite(p) and np.isfinite(thr) and p <= s.false_positive_rate)
    boot_ok = int(s.bootstrap) == 0 or bool(np.isfinite(lo) and lo > 1.0)
    row["coda_significant"] = calibrated and boot_ok
    if calibrated and not boot_ok and not row["significance_reason"]:
        row["significance_reason"] = "null p-value below the level but bootstrap lower bound <= 1"


def _window_qc(job: CodaJob, ph: str, phase_time: float) -> str:
    """Why the windows of ``ph`` cannot be measured, or ``""``."""
    s, t_orig = job.settings, job.rec.t_orig
    lo = phase_time + s.prephase_window_s[0] - job.rec.edge_s
    hi = phase_time + s.coda_window_s[1] + job.rec.edge_s
    if lo < t_orig[0] or hi > t_orig[-1]:
        return (
            f"windows of {ph} ({lo:.1f}..{hi:.1f} s after origin, with tapers and edges) "
            f"outside the record ({t_orig[0]:.1f}..{t_orig[-1]:.1f} s)"
        )
    if phase_time + s.prephase_window_s[0] <= 0 and s.trend_model == "powerlaw":
        return f"pre-phase window of {ph} starts before the origin (powerlaw trend)"
    return ""


def _replicates(envs, rec: Record, phase_time, s: CodaSettings, draws: Draws, exclude) -> dict:
    """Bootstrap replicates of the ``CI_KEYS`` from the resampled envelope beams.

    Each beam is measured on the samples of the phase's windows only
    (:func:`~corephase.analysis.coda.measure.window_span`, with the noise power of
    the whole beam): the same numbers as on the whole record.
    """
    reps = {k: np.full(len(envs), np.nan) for k in CI_KEYS}
    block_s = s.trend_block_length(rec.bandwidth_hz)
    span = window_span(rec, phase_time, s)
    cut = replace(rec, t_orig=rec.t_orig[span], noise_mask=rec.noise_mask[span])
    cut_exclude = None if exclude is None else exclude[span]
    # same time-block streams for every phase (paired replicates)
    for ib, rng in enumerate(draws.trend_rngs()):
        n0 = float(np.mean(np.asarray(envs[ib], float)[rec.noise_mask] ** 2))
        m, _ = measure_envelope(
            envs[ib][span],
            cut,
            phase_time,
            s,
            exclude=cut_exclude,
            rng=rng,
            block_s=block_s,
            noise_power=n0,
        )
        for k in CI_KEYS:
            reps[k][ib] = m.get(k, np.nan)
    return reps


def _add_intervals(row: dict, reps: dict, s: CodaSettings, centre_hz: float) -> None:
    """Bootstrap intervals, the coda Qc and its interval, and ``interval_reason``.

    Percentile intervals of the replicates (the percentiles of a positive
    quantity are those of its logarithm, so the interval respects the
    multiplicative nature of energy ratios). An interval needs at least half
    of the replicates valid; otherwise it is NaN and ``interval_reason`` says so.
    """
    why = []
    n_boot = max(int(s.bootstrap), 1)
    for k in CI_KEYS:
        how = s.ci_method if k in _CENTRED_KEYS else "percentile"
        valid = int(np.isfinite(reps[k]).sum())
        if np.isfinite(row[k]) and valid < max(2, n_boot // 2):
            why.append(f"{k}: {valid} of {n_boot} replicates measurable")
            continue
        row[f"{k}_lo"], row[f"{k}_hi"] = bootstrap_ci(reps[k], row[k], s.confidence, how)
    row["bootstrap_valid"] = int(np.isfinite(reps["coda_excess"]).sum())
    b, b_lo, b_hi = row["decay_rate_per_s"], row["decay_rate_per_s_lo"], row["decay_rate_per_s_hi"]
    if np.isfinite(b) and b > 0:
        row["coda_qc"] = float(np.pi * centre_hz / b)
        if np.isfinite(b_lo) and b_lo > 0:
            row["coda_qc_lo"], row["coda_qc_hi"] = (
                np.pi * centre_hz / b_hi,
                np.pi * centre_hz / b_lo,
            )
        elif np.isfinite(b_lo):
            why.append("coda_qc: decay-rate interval reaches 0 (Qc unbounded above)")
    elif np.isfinite(b):
        row["coda_qc_reason"] = f"decay rate {b:.3g} 1/s <= 0: the coda does not decay"
    row["interval_reason"] = "; ".join(why)


def _add_ratios(mrow: dict, rows: dict, boots: dict, s: CodaSettings) -> None:
    """Duration and decay ratios main / reference phase, with paired bootstrap intervals."""
    main = s.main_phase
    for ph in s.phases:
        if ph == main:
            continue
        for name, key in (("duration_ratio", "duration_s"), ("decay_ratio", "decay_rate_per_s")):
            col = f"{name}_{ph}"
            mrow[col] = safe_ratio(mrow.get(key, np.nan), rows[ph].get(key, np.nan))
            if main in boots and ph in boots:
                with np.errstate(divide="ignore", invalid="ignore"):
                    r = boots[main][key] / boots[ph][key]
                mrow[f"{col}_lo"], mrow[f"{col}_hi"] = bootstrap_ci(
                    r, mrow[col], s.confidence, "percentile"
                )
            else:
                mrow[f"{col}_lo"] = mrow[f"{col}_hi"] = np.nan


def _base_row(job: CodaJob, phase: str) -> dict:
    """A table row of ``phase`` with every column, measurements NaN."""
    s = job.settings
    row = {
        "array": job.geometry.name,
        "event_id": job.event.id,
        "band": job.band_label,
        "fmin_hz": job.rec.fmin_hz,
        "fmax_hz": job.rec.fmax_hz,
        "phase": phase,
        "is_main_phase": phase == s.main_phase,
        "phase_time_s": np.nan,
        "slowness_s_deg": np.nan,
        "baz_deg": job.baz,
        "n_elements": int(job.data.shape[0]),
        "beam_type": s.beam_type,
        "trend_model": s.trend_model,
        "confidence": float(s.confidence),
        "bootstrap": int(s.bootstrap),
        "bootstrap_valid": 0,
        "noise_power": np.nan,
        "log10_noise_level": np.nan,
        "peak_snr": np.nan,
        "trend_slope": np.nan,
        "coda_significant": False,
        "coda_detected": False,
        "duration_censored": False,
        "contaminating_phases": "",
        "coda_excess_unmasked": np.nan,
        "duration_s_unmasked": np.nan,
        "coda_detected_unmasked": False,
        "false_positive_rate": float(s.false_positive_rate),
        "coda_p_value": np.nan,
        "coda_threshold": np.nan,
        "coda_p_value_unmasked": np.nan,
        "coda_threshold_unmasked": np.nan,
        "null_windows": 0,
        "significance_reason": "",
        "interval_reason": "",
        "coda_qc_reason": "",
        "qc": "",
    }
    for k in (*CI_KEYS, "coda_qc"):
        row[k] = row[f"{k}_lo"] = row[f"{k}_hi"] = np.nan
    for k in REASON_KEYS:
        row[k] = ""
    return row


def _fill_reasons(row: dict) -> None:
    """Give every NaN value of a row a reason (the row's qc, or the missing decay)."""
    qc = row.get("qc", "")
    for k in REASON_KEYS:
        if qc and not row[k]:
            row[k] = qc
    if not np.isfinite(row["coda_qc"]) and not row["coda_qc_reason"]:
        row["coda_qc_reason"] = row["decay_reason"] or qc
    if not np.isfinite(row["coda_p_value"]) and not row["significance_reason"]:
        row["significance_reason"] = row["excess_reason"] or qc or "no excess measured"
    if not np.isfinite(row["coda_excess_lo"]) and not row["interval_reason"]:
        row["interval_reason"] = (
            row["excess_reason"] or qc or "no bootstrap replicates (coda.bootstrap = 0)"
        )
