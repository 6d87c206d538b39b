"""The sweep of sub-array layouts and the Monte Carlo evaluation of one layout.

Offsets in km east/north of the layout centre, delays in s relative to the
reference point (positive: later), slowness s/km, back-azimuth degrees
clockwise from north.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from corephase.config.experiment import ExperimentSettings, LayoutSettings, SimulationSettings
from corephase.experiment.metrics import summarise, trial_statistics
from corephase.experiment.response import arf_metrics
from corephase.experiment.scenario import Scenario
from corephase.experiment.simulate import Simulator
from corephase.experiment.subarray import SubArray, make_subarray
from corephase.model.geometry import ArrayGeometry
from corephase.signal.alignment import plane_wave_delays

#: Columns of the per-station layouts table (:func:`layouts_table`).
LAYOUT_TABLE_COLUMNS = [
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


def layout_centre(lay: LayoutSettings, dense: ArrayGeometry) -> tuple[float, float]:
    """Centre (lat, lon in degrees) of the layouts: configured, else the dense reference point."""
    lat = dense.ref_lat if lay.center_lat is None else float(lay.center_lat)
    lon = dense.ref_lon if lay.center_lon is None else float(lay.center_lon)
    return lat, lon


def build_layouts(lay: LayoutSettings, dense: ArrayGeometry, baz_deg: float) -> list[SubArray]:
    """Every sub-array of the sweep around the layout centre.

    One layout per mode, kind, station count and size (``apertures_km``, then
    ``spacings_km``); ``baz_deg`` orients the line layouts.
    """
    c_lat, c_lon = layout_centre(lay, dense)
    sizes = [("aperture", float(a)) for a in lay.apertures_km]
    sizes += [("spacing", float(s)) for s in lay.spacings_km]
    subs = []
    for mode in lay.modes:
        for kind in lay.kinds:
            for n in lay.n_stations:
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
                            dense=dense,
                            lay=lay,
                        )
                    )
    return subs


def layout_delays(sub: SubArray, scenario: Scenario, sim: SimulationSettings):
    """True target delays and alignment delays (s) of a sub-array.

    Plane wave at the target's slowness and back-azimuth, or with
    ``curved_wavefront`` the TauP times of the scenario; the alignment is the
    plane wave unless ``alignment`` is ``curved``.
    """
    x, y = sub.offsets_km()
    tg = scenario.target
    plane = plane_wave_delays(x, y, tg.slowness_s_km, tg.baz_deg)
    if not sim.curved_wavefront:
        return plane, plane
    g = sub.geometry
    t = scenario.travel_times(g.lat, g.lon)
    curved = t - scenario.travel_times([g.ref_lat], [g.ref_lon])[0]
    align = curved if sim.alignment == "curved" else plane
    return curved, align


def evaluate_layout(
    sub: SubArray,
    scenario: Scenario,
    sim: Simulator,
    settings: ExperimentSettings,
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
    settings : ExperimentSettings
        Uses ``trials``, ``metrics`` and ``simulation``.
    rng : numpy.random.Generator
    rest_spectra : numpy.ndarray, optional
        (T, N, F) spectra replacing the simulated noise and interferers (real
        noise windows, see :func:`corephase.experiment.real.real_noise_spectra`);
        ``trials`` is then T.
    chunk_bytes : float
        Approximate memory per chunk of trials.

    Returns
    -------
    rows : list of dict
        One per stack (see :func:`corephase.experiment.metrics.summarise`) plus
        layout and ARF columns.
    rocs : dict
        ``{stack: (pfa, pd)}``.
    stats : dict
        The per-trial statistics.
    """
    trials = int(settings.trials) if rest_spectra is None else rest_spectra.shape[0]
    stats = trial_stats(sub, scenario, sim, settings, rng, trials, rest_spectra, chunk_bytes)
    rows, rocs = layout_rows(sub, stats, scenario, sim, settings)
    return rows, rocs, stats


def trial_stats(
    sub, scenario, sim, settings, rng, trials: int, rest_spectra=None, chunk_bytes=256e6
) -> dict:
    """Per-trial statistics of ``trials`` realisations (see :func:`evaluate_layout`)."""
    x, y = sub.offsets_km()
    tau, align = layout_delays(sub, scenario, sim.settings)
    met = settings.metrics
    per_trial = x.size * sim.n * 8 * 8
    chunk = int(max(1, min(trials, chunk_bytes // per_trial)))
    parts = []
    for t0 in range(0, trials, chunk):
        nt = min(chunk, trials - t0)
        sig, rest, amp = sim.simulate(x, y, scenario, nt, rng, tau, align)
        if rest_spectra is not None:
            rest = rest_spectra[t0 : t0 + nt]
        parts.append(trial_statistics(sig, rest, amp, sim, met, x, y, align, scenario))
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def layout_rows(sub, stats: dict, scenario, sim, settings) -> tuple[list, dict]:
    """Metrics rows (one per stack, with layout and ARF columns) and ROCs from statistics."""
    x, y = sub.offsets_km()
    met = settings.metrics
    rows, rocs = summarise(stats, met, x.size, scenario)
    freqs = met.arf_freqs_hz or [float(sim.settings.wavelet_hz)]
    arf = arf_metrics(
        x,
        y,
        scenario.target.slowness_s_km,
        scenario.target.baz_deg,
        freqs,
        float(met.arf_smax_s_deg),
    )
    base = layout_columns(sub) | arf
    return [base | r for r in rows], rocs


def layout_columns(sub: SubArray) -> dict:
    """Columns of the metrics table describing a layout (requested and achieved, km)."""
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


def layouts_table(subs: list[SubArray]) -> pd.DataFrame:
    """One row per station of every feasible layout (one row per infeasible layout)."""
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
    return pd.DataFrame(rows, columns=LAYOUT_TABLE_COLUMNS)
