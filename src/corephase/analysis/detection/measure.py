"""Measure one phase on the full array and its element resamples (the detection's step 1).

Every stack is a weighted mean over elements of a per-element quantity (aligned
trace, unit analytic signal, signed root, envelope) that does not depend on the
resample, so these are formed once per phase and each resample is one row of a
matrix product (:func:`measure_batched`); :func:`measure_loop` re-stacks every
resample from scratch and is the reference. Both measure the aligned stacks on
the whole record aligned on the phase (the one alignment whose full-array
beams the stack stage saves), the vespagram and FK on the unaligned segment
around the phase windows.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from corephase.model.geometry import KM_PER_DEG
from corephase.signal.fk import FKParams, fk_peak, fk_power, weighted_fk_power
from corephase.signal.smoothing import boxcar
from corephase.signal.stacking import StackParams, analytic_signal, signed_power, stack
from corephase.signal.vespagram import SlownessScan, vespagram_stacks, weighted_vespagram_stacks


@dataclass
class PhaseData:
    """What the measurement of one phase needs.

    ``aligned`` is the whole record aligned on the phase; ``seg`` the unaligned
    samples ``i0:i0 + seg.shape[1]`` of the record holding both windows with
    room for the vespagram's shifts. ``sig`` and ``noi`` are the signal and
    noise windows as slices of the segment. The vespagram ``scan`` is at the
    theoretical back-azimuth, with the alignment minus the plane wave
    (curvature and statics) as element statics.
    """

    aligned: np.ndarray  # (n_el, n_record) aligned on the phase
    seg: np.ndarray  # (n_el, n_samples) unaligned segment
    i0: int  # first record sample of the segment
    dt: float  # s
    east: np.ndarray  # km
    north: np.ndarray  # km
    scan: SlownessScan  # vespagram slownesses (s/km), back-azimuth, residual statics
    s_deg: np.ndarray  # the vespagram slownesses in s/deg
    sig: slice  # signal window (segment samples)
    noi: slice  # noise window
    stacks: tuple
    params: StackParams
    fk: FKParams

    def record(self, w: slice) -> slice:
        """A window of the segment as a slice of the record."""
        return slice(w.start + self.i0, w.stop + self.i0)


@dataclass
class Measurement:
    """One selection of elements measured.

    ``per[stack] = (snr, slowness_obs_s_deg, k_peak, coherence)`` with ``k_peak``
    the record sample of the peak; ``s_fk`` (s/deg), ``baz_fk`` (deg) and
    ``relpow`` (0..1) from the FK maximum in the signal window.
    """

    per: dict
    s_fk: float
    baz_fk: float
    relpow: float


def cf_snr(kind: str, cf, sig: slice, noi: slice) -> tuple[float, int]:
    """SNR and peak index (within the signal slice) of a characteristic function.

    The peak in ``sig`` over the RMS in ``noi``; the envelope stack's
    characteristic function is first lowered by its noise-window median.
    """
    snr, k = cf_snrs(kind, np.asarray(cf)[None, :], sig, noi)
    return float(snr[0]), int(k[0])


def cf_snrs(kind: str, cf, sig: slice, noi: slice) -> tuple[np.ndarray, np.ndarray]:
    """:func:`cf_snr` of every row of ``cf`` (shape ``(n_rows, n_samples)``).

    Returns the SNRs and the peak indices within ``sig``; a zero noise RMS gives
    ``inf`` for a positive peak and NaN otherwise.
    """
    c = np.asarray(cf, float)
    if kind == "envelope":
        c = c - np.median(c[:, noi], axis=1, keepdims=True)
    rms = np.sqrt(np.mean(c[:, noi] ** 2, axis=1))
    k = np.argmax(c[:, sig], axis=1)
    peak = np.take_along_axis(c[:, sig], k[:, None], axis=1)[:, 0]
    with np.errstate(divide="ignore", invalid="ignore"):
        snr = np.where(rms > 0, peak / np.where(rms > 0, rms, 1.0), np.nan)
    snr = np.where((rms == 0) & (peak > 0), np.inf, snr)
    return snr, k


def _peak_coherence(coherence, k: int, sig: slice, dt: float) -> tuple[int, float]:
    """Record sample of the peak (``k`` within ``sig``) and the mean coherence within 0.5 s."""
    kpk = sig.start + k
    h = max(1, round(0.5 / dt))
    return kpk, float(np.mean(coherence[max(kpk - h, 0) : kpk + h + 1]))


def _fk_measurement(per: dict, sx, sy, prel) -> Measurement:
    s_fk, baz_fk, _, _ = fk_peak(sx, sy, prel)
    return Measurement(per, s_fk * KM_PER_DEG, baz_fk, float(prel.max()))


def full_array_beams(aligned, dt: float, stacks, params: StackParams) -> dict:
    """``{stack: beam}`` of aligned traces (plus ``"coherence"`` with PWS), by
    :func:`corephase.signal.stacking.stack`."""
    beams = {}
    for kind in stacks:
        res = stack(aligned, kind, dt, params)
        beams[kind] = res.beam
        if kind == "pws":
            beams["coherence"] = res.coherence
    return beams


def measure_loop(ph: PhaseData, sels) -> tuple[list[Measurement], dict, dict]:
    """Every selection stacked, vespagrammed and FK-analysed from scratch (the reference).

    Returns the measurements, the beams of the first selection (the full
    array): ``{stack: beam}`` on the record's samples, plus ``"coherence"``
    with PWS, and their characteristic functions ``{stack: cf}``
    (:func:`characteristic`).
    """
    sig, noi = ph.record(ph.sig), ph.record(ph.noi)
    out = []
    for sel in sels:
        x, y, seg = ph.east[sel], ph.north[sel], ph.seg[sel]
        scan = replace(ph.scan, static_s=ph.scan.static_s[sel])
        vesp = vespagram_stacks(
            seg, ph.dt, x, y, scan, ph.stacks, params=ph.params, precision="double"
        )
        per = {}
        for kind in ph.stacks:
            res = stack(ph.aligned[sel], kind, ph.dt, ph.params)
            snr, k = cf_snr(kind, res.cf, sig, noi)
            v = vesp[kind] if kind == "envelope" else np.abs(vesp[kind])
            if kind == "envelope":
                v = v - np.median(v[:, ph.noi], axis=1, keepdims=True)
            ks = int(np.argmax(v[:, ph.sig].max(axis=1)))
            per[kind] = (snr, float(ph.s_deg[ks]), *_peak_coherence(res.coherence, k, sig, ph.dt))
        sx, sy, _, prel = fk_power(seg, ph.dt, x, y, (ph.sig.start, ph.sig.stop), ph.fk)
        out.append(_fk_measurement(per, sx, sy, prel))
    full = full_array_beams(ph.aligned, ph.dt, ph.stacks, ph.params)
    return out, full, characteristic({k: full[k] for k in ph.stacks})


@dataclass
class ElementTerms:
    """The per-element quantities every stack is a weighted mean of.

    ``u`` the aligned traces, ``unit`` their unit analytic signals (complex),
    ``root`` the signed roots ``sign(u) |u|^(1/n)`` (None without an nth-root
    stack) and ``mag`` the envelopes, all of shape ``(n_elements, n_samples)``.
    """

    u: np.ndarray
    unit: np.ndarray
    root: np.ndarray | None
    mag: np.ndarray


def element_terms(aligned, stacks, params: StackParams) -> ElementTerms:
    """The :class:`ElementTerms` of aligned traces (one analytic signal per element).

    The unit phasor is ``a * (1 / |a|)`` (0 where ``|a| = 0``): bit for bit NumPy's
    complex-by-real ``a / |a|``, whose complex division scales by the reciprocal
    (tested), in one pass instead of a masked division.
    """
    u = np.asarray(aligned, float)
    a = analytic_signal(u, axis=-1)
    mag = np.abs(a)
    unit = np.multiply(a, np.reciprocal(mag, out=np.zeros_like(mag), where=mag > 0), out=a)
    root = signed_power(u, 1.0 / params.n) if "nthroot" in stacks else None
    return ElementTerms(u, unit, root, mag)


def combine_stacks(lin, unit_mean, root_mean, mag_mean, stacks, params, dt):
    """Beams and (gated) phase coherence from weighted means of the :class:`ElementTerms`.

    Every argument is a weighted mean over elements of one term (rows:
    selections or null draws, last axis: samples); ``root_mean`` may be None
    without an nth-root stack. Returns ``({stack: beam}, coherence)``.
    """
    coh = boxcar(np.abs(unit_mean), dt, params.gate_s, "a phase-coherence gate")
    beams = {}
    for kind in stacks:
        if kind == "linear":
            beams[kind] = lin
        elif kind == "pws":
            beams[kind] = coh**params.nu
            beams[kind] *= lin
        elif kind == "nthroot":
            beams[kind] = signed_power(root_mean, params.n)
        else:  # envelope stack: its own characteristic function
            beams[kind] = boxcar(mag_mean, dt, params.smooth_s, "envelope smoothing")
    return beams, coh


def characteristic(beams: dict) -> dict:
    """``{stack: cf}``: the envelope of each beam, the envelope stack itself."""
    return {
        k: b if k == "envelope" else np.abs(analytic_signal(b, axis=-1)) for k, b in beams.items()
    }


def aligned_stacks(
    ph: PhaseData, wts, terms: ElementTerms | None = None
) -> tuple[dict, np.ndarray]:
    """Beams and (gated) coherence of every weighted selection of the aligned record.

    Row *r* equals :func:`corephase.signal.stacking.stack` on the aligned traces
    repeated ``wts[r, i]`` times: the aligned traces, their unit analytic
    signals, signed roots and envelopes (``terms``, formed here if not given)
    are formed once and every selection's stack is a weighted mean of them.
    """
    t = terms if terms is not None else element_terms(ph.aligned, ph.stacks, ph.params)
    w = wts / wts.sum(axis=1, keepdims=True)
    unit_mean = (w @ t.unit.view(np.float64)).view(complex)
    root_mean = w @ t.root if t.root is not None else None
    return combine_stacks(w @ t.u, unit_mean, root_mean, w @ t.mag, ph.stacks, ph.params, ph.dt)


def _vespagram_peaks(ph: PhaseData, wts) -> dict:
    """Index of the vespagram slowness with the largest peak in the signal window, per
    stack and selection (the envelope stack lowered by its noise-window median)."""
    m = ph.seg.shape[1]
    s0, s1, _ = ph.sig.indices(m)
    n0, n1, _ = ph.noi.indices(m)
    e0, e1 = min(s0, n0), max(s1, n1)
    samples = {k: (s0, s1) for k in ph.stacks}
    if "envelope" in ph.stacks:
        samples["envelope"] = (e0, e1)
    vmax = {k: np.empty((wts.shape[0], ph.s_deg.size)) for k in ph.stacks}
    chunks = weighted_vespagram_stacks(
        ph.seg,
        ph.dt,
        ph.east,
        ph.north,
        ph.scan,
        wts,
        ph.stacks,
        params=ph.params,
        samples=samples,
        precision="double",
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
    return {k: np.argmax(v, axis=1) for k, v in vmax.items()}


def measure_batched(
    ph: PhaseData, sels, terms: ElementTerms | None = None
) -> tuple[list[Measurement], dict, dict]:
    """As :func:`measure_loop`, with all selections measured together as weighted sums.

    The full array's characteristic functions are rows 0 of the selections'
    (NumPy's FFT transforms each row alone: the same bits as the beam's own).
    """
    nel = ph.seg.shape[0]
    wts = np.array([np.bincount(sel, minlength=nel) for sel in sels], float)
    beams, coh = aligned_stacks(ph, wts, terms)
    cfs = characteristic(beams)
    ks = _vespagram_peaks(ph, wts)
    window = (ph.sig.start, ph.sig.stop)
    sx, sy, _, prel = weighted_fk_power(ph.seg, ph.dt, ph.east, ph.north, window, ph.fk, wts)
    sig, noi = ph.record(ph.sig), ph.record(ph.noi)
    snrs = {kind: cf_snrs(kind, cfs[kind], sig, noi) for kind in ph.stacks}
    out = []
    for r in range(wts.shape[0]):
        per = {}
        for kind in ph.stacks:
            snr, k = float(snrs[kind][0][r]), int(snrs[kind][1][r])
            pk = _peak_coherence(coh[r], k, sig, ph.dt)
            per[kind] = (snr, float(ph.s_deg[ks[kind][r]]), *pk)
        out.append(_fk_measurement(per, sx, sy, prel[r]))
    full = {k: b[0] for k, b in beams.items()}
    if "pws" in ph.stacks:
        full["coherence"] = coh[0]
    return out, full, {k: c[0] for k, c in cfs.items()}
