"""Metrics of one layout: batch stacks, per-trial statistics, deflection SNR and ROC.

The stacks of :mod:`corephase.signal.stacking` are evaluated for all trials at
once from the analytic signals of the aligned traces; the characteristic
function (CF) is the envelope of the beam (linear, PWS, nth-root) or the
envelope stack itself. Times are s relative to the target's predicted time;
slowness s/km inside, s/deg in the table; back-azimuth degrees clockwise from
north.
"""

from __future__ import annotations

import numpy as np

from corephase.config.experiment import MetricsSettings
from corephase.experiment.scenario import Scenario
from corephase.experiment.simulate import Simulator, analytic_traces
from corephase.experiment.uncertainty import (
    achieved_pfa,
    threshold,
    thresholds,
    wilson_interval,
)
from corephase.model.geometry import KM_PER_DEG, aperture_km
from corephase.signal.smoothing import boxcar
from corephase.signal.stacking import StackParams, analytic_signal


def batch_stacks(z: np.ndarray, stacks, dt: float, params: StackParams) -> dict:
    """All requested stacks of many trials at once.

    Parameters
    ----------
    z : numpy.ndarray, complex, shape (trials, N, S)
        Analytic signals of the aligned traces (:func:`analytic_traces`).
    stacks : sequence of str
        Any of :data:`corephase.signal.stacking.STACK_TYPES`.
    dt : float
        Sample interval in s.
    params : StackParams
        PWS power and gate, nth-root order, envelope smoothing.

    Returns
    -------
    dict
        ``{stack: (beam, cf)}`` with arrays (trials, S): the beam (as
        :func:`corephase.signal.stacking.stack`) and its characteristic function
        (envelope of the beam, or the envelope stack).
    """
    out = {}
    mean_z = z.mean(axis=1)
    lin = mean_z.real
    mag = None
    if "linear" in stacks:
        out["linear"] = (lin, np.abs(mean_z))
    if "pws" in stacks or "envelope" in stacks:
        mag = np.abs(z)
    if "pws" in stacks:
        # a * (1 / |a|): bit for bit NumPy's complex-by-real a / |a| (see
        # corephase.analysis.detection.measure.element_terms), without a masked division
        unit = z * np.reciprocal(mag, out=np.zeros_like(mag), where=mag > 0)
        c = boxcar(np.abs(unit.mean(axis=1)), dt, params.gate_s, "a phase-coherence gate")
        beam = lin * c**params.nu
        out["pws"] = (beam, np.abs(analytic_signal(beam, axis=-1)))
    if "nthroot" in stacks:
        re = z.real
        r = np.mean(np.sign(re) * np.abs(re) ** (1.0 / params.n), axis=1)
        beam = np.sign(r) * np.abs(r) ** params.n
        out["nthroot"] = (beam, np.abs(analytic_signal(beam, axis=-1)))
    if "envelope" in stacks:
        e = boxcar(mag.mean(axis=1).astype(float), dt, params.smooth_s)
        out["envelope"] = (e, e)
    return out


def _window_idx(sim: Simulator, t0: float, t1: float) -> np.ndarray:
    return np.flatnonzero((sim.t >= t0) & (sim.t <= t1))


def _rms(a, idx):
    return np.sqrt(np.mean(a[..., idx] ** 2, axis=-1))


def fk_half_range_s_km(x, y, fmin_hz: float, configured_s_deg=None) -> float:
    """Half-width (s/km) of the FK grid around the true slowness vector.

    ``configured_s_deg`` (s/deg) if given; otherwise wide enough to hold the
    main lobe of the layout's response at the band's lower corner:
    ``max(1.5 s/deg, 1 / (fmin_hz * aperture_km))`` (at most 20 s/deg), the first null of a
    uniform aperture (a 20 km array at 0.8 Hz: 6.9 s/deg). A grid narrower than
    the main lobe clips the peak and reports a slowness precision the array
    does not have.
    """
    if configured_s_deg is not None:
        return float(configured_s_deg) / KM_PER_DEG
    ap = aperture_km(np.asarray(x, float), np.asarray(y, float))
    lobe = 1.0 / (float(fmin_hz) * ap) if ap > 0 else np.inf
    return float(max(1.5 / KM_PER_DEG, min(lobe, 20.0 / KM_PER_DEG)))


def _fk_estimates(z_real, sim, idx, x, y, align, scenario, met):
    """Bartlett FK peak (slowness s/km, baz deg) of each trial in window ``idx``."""
    from corephase.signal.fk import cosine_taper

    tg = scenario.target
    seg = z_real[..., idx]
    seg = (seg - seg.mean(axis=-1, keepdims=True)) * cosine_taper(idx.size, 0.22)
    nfft = 1 << int(np.ceil(np.log2(idx.size)))
    spec = np.fft.rfft(seg, nfft, axis=-1)
    f = np.fft.rfftfreq(nfft, sim.dt)
    lo, hi = sim.settings.band_hz
    band = np.flatnonzero((f >= lo) & (f <= hi))
    spec, f = spec[..., band], f[band]
    h = fk_half_range_s_km(x, y, lo, met.fk_half_range_s_deg)
    st = max(float(met.fk_step_s_deg) / KM_PER_DEG, h / 30.0)
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
    signal,
    rest,
    amp_true,
    sim: Simulator,
    met: MetricsSettings,
    x,
    y,
    align,
    scenario,
    with_fk=True,
) -> dict:
    """Per-trial detection statistics and stack values of every stack.

    Parameters
    ----------
    signal, rest : numpy.ndarray, complex, shape (T, N, F)
        Aligned spectra of the target and of everything else.
    amp_true : numpy.ndarray, shape (T,)
    sim : Simulator
    met : MetricsSettings
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
    stacks = list(met.stacks)
    nidx = _window_idx(sim, *met.noise_window_s)
    sidx = _window_idx(sim, -float(met.search_s), float(met.search_s))
    c = sim.c
    params = met.stack_params()
    out = {}
    z = analytic_traces(signal + rest, sim.n, sim.workers)
    # a single trace peaks at its own arrival time with its own amplitude: the mean
    # single-trace signal is the mean station amplitude (noise adds zero mean)
    out["single_sig"] = np.asarray(amp_true, float)
    res = batch_stacks(z, stacks, sim.dt, params)
    for k, (beam, cf) in res.items():
        out[f"{k}_det"] = cf[:, sidx].max(axis=1) / _rms(cf, nidx)
        out[f"{k}_sig"] = beam[:, c]
        out[f"{k}_amp"] = beam[:, c] / amp_true if np.all(amp_true > 0) else np.nan * amp_true
    if with_fk and met.fk:
        fidx = _window_idx(sim, *met.fk_window_s)
        out["fk_slow"], out["fk_baz"] = _fk_estimates(
            z.real, sim, fidx, x, y, align, scenario, met
        )
    del z, res
    z0 = analytic_traces(rest, sim.n, sim.workers)
    out["single_noise"] = z0.real[..., sidx]
    for k, (beam, cf) in batch_stacks(z0, stacks, sim.dt, params).items():
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

    The threshold for a rate ``p`` is :func:`corephase.experiment.uncertainty.threshold`
    (the Weibull-position ``1 - p`` quantile of the noise-only statistic);
    detection means exceeding it.
    """
    det_signal = np.asarray(det_signal, float)
    thr = thresholds(det_noise, np.atleast_1d(pfa_grid))
    return (det_signal[None, :] > thr[:, None]).mean(axis=1)


def _robust_std(a):
    a = np.asarray(a, float)
    return float(1.4826 * np.median(np.abs(a - np.median(a))))


def summarise(
    stats: dict, met: MetricsSettings, n_st: int, scenario: Scenario
) -> tuple[list, dict]:
    """Rows of the metrics table (one per stack) and ROC curves from trial statistics.

    Per stack: ``pd`` with its Wilson interval ``pd_low``-``pd_high`` at
    ``met.confidence`` over ``trials`` trials, the threshold at the nominal
    ``pfa`` (:func:`corephase.experiment.uncertainty.threshold`) and the achieved
    false-alarm rate ``pfa_achieved`` (noise-only trials above it).
    """
    pfa = float(met.pfa)
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
    for k in met.stacks:
        det, det0 = stats[f"{k}_det"], stats[f"{k}_det0"]
        thr = threshold(det0, pfa)
        hits = int(np.sum(det > thr))
        lo, hi = wilson_interval(hits, t, float(met.confidence))
        snr_b = deflection_snr(stats[f"{k}_sig"], stats[f"{k}_noise"])
        gain = snr_b / snr1 if snr1 > 0 else np.nan
        rows.append(
            {
                "stack": k,
                "snr_single": snr1,
                "snr_beam": snr_b,
                "snr_gain": gain,
                "gain_over_sqrt_n": gain / np.sqrt(n_st),
                "pd": hits / t,
                "pd_low": float(lo[0]),
                "pd_high": float(hi[0]),
                "trials": t,
                "threshold": thr,
                "pfa_achieved": achieved_pfa(det0, thr),
                "amp_bias": float(np.median(stats[f"{k}_amp"])),
                **fk,
            }
        )
        rocs[k] = (pfa_grid, roc_curve(det, det0, pfa_grid))
    return rows, rocs
