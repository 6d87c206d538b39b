"""Coda slowness: vespagram of the main-phase coda window and its PKiKP-like fraction.

Slownesses in s/deg along the event back-azimuth (clockwise from north);
times s relative to the main phase's theoretical arrival. Each slowness beam
is noise-corrected with the noise power of the same beam.
"""

from __future__ import annotations

import numpy as np

from corephase.analysis.coda.beams import BeamAlignment, envelope_beams
from corephase.analysis.coda.measure import Record
from corephase.analysis.coda.resampling import bootstrap_ci
from corephase.config.coda import CodaSettings
from corephase.model.geometry import KM_PER_DEG
from corephase.signal.alignment import TraceShifter


def add_vespagrams(bands) -> None:
    """Add the coda vespagram to each band whose main phase was measured.

    ``bands`` holds ``(job, rows, arrays)`` of
    :func:`corephase.analysis.coda.analyse.measure_phases` for bands of one record.
    Bands on the same samples share one slowness sweep (:func:`coda_vespagrams`:
    the same numbers as one sweep per band). The main phase's row gets the
    coda-slowness columns and ``arrays["vespagram"]`` the vespagram.

    Raises
    ------
    ValueError
        When the sweep's delays cannot be formed; no band is changed then.
    """
    groups: list[list] = []
    for job, rows, arrays in bands:
        s = job.settings
        main = rows[s.phases.index(s.main_phase)]
        if job.arrivals.get(s.main_phase) is None or main.get("qc"):
            continue
        group = next((g for g in groups if _same_samples(g[0][0], job)), None)
        if group is None:
            groups.append(group := [])
        group.append((job, main, arrays))
    done = []
    for group in groups:
        j0 = group[0][0]
        s = j0.settings
        datas = [job.data for job, _, _ in group]
        out = coda_vespagrams(
            datas,
            j0.rec,
            j0.geometry,
            j0.event,
            j0.arrivals[s.main_phase],
            j0.baz,
            s,
            j0.alignment,
            j0.draws.weights,
            j0.shifts.shifter if j0.shifts.holds(datas) else None,
        )
        done += zip(group, out, strict=True)
    for (_, main, arrays), (vespa, vres) in done:
        main.update(vres)
        arrays["vespagram"] = vespa


def _same_samples(a, b) -> bool:
    """Whether two bands' vespagrams can share a sweep: same record, samples, draws."""
    return (
        a.geometry is b.geometry
        and a.event is b.event
        and a.data.shape == b.data.shape
        and np.array_equal(a.rec.t_orig, b.rec.t_orig)
        and np.array_equal(a.rec.noise_mask, b.rec.noise_mask)
        and np.array_equal(a.draws.weights, b.draws.weights)
        and a.settings == b.settings
        and a.alignment == b.alignment
        and a.baz == b.baz
        and a.arrivals == b.arrivals
    )


def coda_vespagrams(
    datas,
    rec: Record,
    geometry,
    event,
    arrival,
    baz_deg: float,
    s: CodaSettings,
    alignment: BeamAlignment,
    weights: np.ndarray,
    shifter: TraceShifter | None = None,
) -> list[tuple[dict, dict]]:
    """Coda-window vespagrams of the main phase and the PKiKP-like energy fractions.

    One slowness sweep for several bands of one record: the bands share each
    slowness's phase ramp (the complex exponential of the alignment's time
    shifts, most of the sweep's cost), and each band's numbers are those of a
    sweep of that band alone to the last bit.

    Parameters
    ----------
    datas : sequence of numpy.ndarray, shape (n_elements, n_samples)
        Each band's band-passed traces, all on ``rec.t_orig``.
    rec : Record
        Time axis and noise window (the same for every band).
    geometry, event
        Array geometry and event (for the alignment delays).
    arrival : corephase.model.traveltimes.PhaseArrival
        Theoretical main-phase arrival at the reference point.
    baz_deg : float
        Back-azimuth, degrees clockwise from north.
    s : CodaSettings
    alignment : BeamAlignment
        Statics (and the wavefront curvature of the main phase) added to
        every slowness's plane-wave delays.
    weights : numpy.ndarray, shape (1 + n_boot, n_elements)
        Element weights of the full-array beam and of each station bootstrap
        draw (:attr:`corephase.analysis.coda.resampling.Draws.weights`;
        the same draws as the phases').
    shifter : corephase.signal.alignment.TraceShifter, optional
        The shifter of ``datas`` (all bands at once, in order), when the phases'
        alignment made it already (:attr:`corephase.analysis.coda.beams.SharedShifts.shifter`):
        its traces' spectra are reused.

    Returns
    -------
    list of (dict, dict)
        Per band, ``vespagram``: ``slowness_s_deg``, ``t``, ``log10_power`` (coda
        power normalised to its maximum), ``pkikp_like_max_s_deg``,
        ``coda_slowness_fraction``; and ``results``: ``coda_slowness_fraction``,
        ``coda_best_slowness_s_deg`` and their ``_lo``/``_hi`` bootstrap bounds,
        ``pkikp_like_max_s_deg``.
    """
    s0, s1, ds = s.vespa_slowness_s_deg
    slow = np.arange(s0, s1 + 0.5 * ds, ds)
    t = rec.t_orig - arrival.time
    seg_c, in_c, seg_n, in_n = _segments(t, rec, s)
    delays = alignment.slowness_delays(
        geometry, event, arrival.phase, arrival.slowness_s_km, slow / KM_PER_DEG, baz_deg
    )
    p_all = np.empty((len(datas), weights.shape[0], slow.size, int(in_c.sum())))
    # the alignment of signal.alignment.align, every band at once
    if shifter is None:
        shifter = TraceShifter(np.stack([np.asarray(d, float) for d in datas]), rec.dt)
    for i, d in enumerate(delays):
        for b, al in enumerate(shifter.shift(d)):
            n0 = np.mean(_beams(al[:, seg_n], weights, rec.dt, s)[:, in_n] ** 2, axis=1)[:, None]
            pc = _beams(al[:, seg_c], weights, rec.dt, s)[:, in_c] ** 2 - n0
            p_all[b, :, i] = np.maximum(pc, s.noise_floor * n0)
    return [_vespagram_results(p, slow, t[seg_c][in_c], s) for p in p_all]


def _vespagram_results(p_all, slow, t_coda, s: CodaSettings) -> tuple[dict, dict]:
    """The vespagram and slowness results of one band from its beams' coda power.

    ``p_all`` is (1 + n_boot, n_slowness, n_times): the full-array beam's power,
    then each station bootstrap draw's.
    """
    thr = s.pkikp_like_max_s_deg
    p = p_all[0]
    frac, sbest = _slowness_stats(p, slow, thr)
    reps = np.array([_slowness_stats(pk, slow, thr) for pk in p_all[1:]]).reshape(-1, 2)
    res = {
        "coda_slowness_fraction": frac,
        "coda_best_slowness_s_deg": sbest,
        "pkikp_like_max_s_deg": float(thr),
    }
    res["coda_slowness_fraction_lo"], res["coda_slowness_fraction_hi"] = bootstrap_ci(
        reps[:, 0], frac, s.confidence, s.ci_method, bounds=(0.0, 1.0)
    )
    res["coda_best_slowness_s_deg_lo"], res["coda_best_slowness_s_deg_hi"] = bootstrap_ci(
        reps[:, 1], sbest, s.confidence, "percentile"
    )
    vespa = {
        "slowness_s_deg": slow,
        "t": t_coda,
        "log10_power": np.log10(p / p.max()),
        "pkikp_like_max_s_deg": float(thr),
        "coda_slowness_fraction": frac,
    }
    return vespa, res


def _segments(t, rec: Record, s: CodaSettings):
    """Two short padded segments (coda, noise) and their window masks.

    Working on these instead of the whole record keeps the bootstrap cheap.
    """
    cw = s.coda_window_s
    coda = (t >= cw[0]) & (t <= cw[1])
    pad = max(10.0, 3 * s.envelope_smooth_s)
    seg_c = np.flatnonzero((t >= cw[0] - pad) & (t <= cw[1] + pad))
    seg_n = np.flatnonzero(rec.noise_mask)
    npad = int(pad / rec.dt)
    seg_n = np.arange(max(seg_n[0] - npad, 0), min(seg_n[-1] + npad + 1, t.size))
    return seg_c, coda[seg_c], seg_n, rec.noise_mask[seg_n]


def _beams(aligned, weights, dt, s: CodaSettings):
    return envelope_beams(aligned, weights, dt, s.beam_type, s.envelope_smooth_s)


def _slowness_stats(p, slow, thr) -> tuple[float, float]:
    """PKiKP-like energy fraction and slowness of largest energy of a vespagram ``p``.

    ``p`` is (n_slowness, n_times) power; each time sample counts its best
    slowness, weighted by that power.
    """
    best = np.argmax(p, axis=0)
    pbest = p[best, np.arange(p.shape[1])]
    frac = float(np.sum(pbest[slow[best] <= thr]) / np.sum(pbest))
    return frac, float(slow[np.argmax(p.sum(axis=1))])
