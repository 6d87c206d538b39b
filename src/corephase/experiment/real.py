"""Real counterpart: extracted sub-arrays on real pre-event noise with an injected target.

The real noise replaces the simulated noise and interferers of the same trial
count; the same layouts are also evaluated in theory (synthetic noise) for
comparison (``real_vs_theory.csv``).
"""

from __future__ import annotations

import logging

import numpy as np

from corephase.config.experiment import ExperimentSettings, RealSettings
from corephase.experiment.layouts import evaluate_layout
from corephase.experiment.scenario import Scenario
from corephase.experiment.simulate import Simulator, butter_gain
from corephase.model.geometry import ArrayGeometry
from corephase.signal.stacking import next_fast_len
from corephase.utils.random import component_rng

log = logging.getLogger("corephase.experiment.real")

#: Columns of the real-versus-theory table.
REAL_COLUMNS = [
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
_FROM_METRICS = [c for c in REAL_COLUMNS if c not in ("phase", "source", "trials")]


def _noise_matrix(stream, geometry: ArrayGeometry, t0, t1, dt: float) -> np.ndarray:
    """Demeaned traces (N, M) of ``geometry``'s stations between ``t0`` and ``t1`` at ``dt``."""
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
        if abs(tr.stats.delta - dt) > 1e-9:
            tr.resample(1.0 / dt)
        rows.append(tr.data)
    m = min(len(r) for r in rows)
    return np.vstack([r[:m] for r in rows])


def real_noise_spectra(
    stream, geometry: ArrayGeometry, origin, real: RealSettings, sim: Simulator, max_trials: int
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
    t0 = origin + float(real.noise_window_s[0])
    t1 = origin + float(real.noise_window_s[1])
    data = _noise_matrix(stream, geometry, t0, t1, sim.dt)
    m = data.shape[1]
    if m < sim.n:
        raise ValueError(
            f"real noise window has {m} samples, fewer than the {sim.n} of one trial window"
        )
    # band-pass as the synthetics (|H|^2 zero-phase) on the whole segment
    nfft = next_fast_len(m + sim.n)
    f = np.fft.rfftfreq(nfft, sim.dt)
    lo, hi = sim.settings.band_hz
    h2 = butter_gain(f, lo, hi, int(sim.settings.filter_corners), 1.0 / sim.dt)
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


def _real_origin(real: RealSettings):
    """Origin time of the real record (QuakeML first, else ``origin_time``)."""
    from obspy import UTCDateTime

    if real.quakeml is not None:
        from corephase.model.events import events_from_quakeml

        return events_from_quakeml(real.quakeml)[0].origin
    return UTCDateTime(real.origin_time)


def real_counterpart(
    name: str,
    settings: ExperimentSettings,
    scenario: Scenario,
    sim: Simulator,
    subs: list,
    seed: int,
) -> list[dict]:
    """Rows of the real-versus-theory table for the extracted layouts of one phase.

    Each layout is evaluated on the real noise windows (``source`` ``real``,
    generator ``(seed, name, phase, layout, "real")``) and on as many synthetic
    trials (``theory``, the layout's own generator); layouts whose stations lack
    real data are skipped with a warning.
    """
    from obspy import read

    real = settings.real
    stream = read(str(real.mseed))
    origin = _real_origin(real)
    max_trials = int(real.max_trials if real.max_trials is not None else settings.trials)
    phase = scenario.target.phase
    rows = []
    for sub in subs:
        if not sub.ok or sub.mode != "extracted":
            continue
        try:
            spec, _ = real_noise_spectra(stream, sub.geometry, origin, real, sim, max_trials)
        except ValueError as err:
            log.warning("%s: real counterpart skipped: %s", sub.layout_id, err)
            continue
        rng = component_rng(seed, name, phase, sub.layout_id, "real")
        r_rows, _, _ = evaluate_layout(sub, scenario, sim, settings, rng, rest_spectra=spec)
        rng_t = component_rng(seed, name, phase, sub.layout_id)
        theory = settings.replace(trials=spec.shape[0])
        t_rows, _, _ = evaluate_layout(sub, scenario, sim, theory, rng_t)
        for src, rr in (("real", r_rows), ("theory", t_rows)):
            rows += [
                {k: r[k] for k in _FROM_METRICS}
                | {"phase": phase, "source": src, "trials": spec.shape[0]}
                for r in rr
            ]
    return rows
