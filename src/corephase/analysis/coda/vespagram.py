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


def coda_vespagram(
    data,
    rec: Record,
    geometry,
    event,
    arrival,
    baz_deg: float,
    s: CodaSettings,
    alignment: BeamAlignment,
    weights: np.ndarray,
) -> tuple[dict, dict]:
    """Coda-window vespagram of the main phase and the PKiKP-like energy fraction.

    Parameters
    ----------
    data : numpy.ndarray, shape (n_elements, n_samples)
        Band-passed traces on ``rec.t_orig``.
    rec : Record
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

    Returns
    -------
    vespagram : dict
        ``slowness_s_deg``, ``t``, ``log10_power`` (coda power normalised to
        its maximum), ``pkikp_like_max_s_deg``, ``coda_slowness_fraction``.
    results : dict
        ``coda_slowness_fraction``, ``coda_best_slowness_s_deg`` and their
        ``_lo``/``_hi`` bootstrap bounds, ``pkikp_like_max_s_deg``.
    """
    s0, s1, ds = s.vespa_slowness_s_deg
    slow = np.arange(s0, s1 + 0.5 * ds, ds)
    t = rec.t_orig - arrival.time
    seg_c, in_c, seg_n, in_n = _segments(t, rec, s)
    delays = alignment.slowness_delays(
        geometry, event, arrival.phase, arrival.slowness_s_km, slow / KM_PER_DEG, baz_deg
    )
    p_all = np.empty((weights.shape[0], slow.size, int(in_c.sum())))
    shifter = TraceShifter(data, rec.dt)  # the alignment of signal.alignment.align
    for i, d in enumerate(delays):
        al = shifter.shift(d)
        n0 = np.mean(_beams(al[:, seg_n], weights, rec.dt, s)[:, in_n] ** 2, axis=1)[:, None]
        pc = _beams(al[:, seg_c], weights, rec.dt, s)[:, in_c] ** 2 - n0
        p_all[:, i] = np.maximum(pc, s.noise_floor * n0)
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
        "t": t[seg_c][in_c],
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
