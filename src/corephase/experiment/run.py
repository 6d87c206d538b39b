"""Driver of one experiment: every target phase and layout, the tables, figures and summary."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from corephase.config.experiment import ExperimentSettings
from corephase.experiment.layouts import (
    build_layouts,
    layout_centre,
    layout_columns,
    layout_rows,
    layouts_table,
    trial_stats,
)
from corephase.experiment.outputs import OUTPUTS
from corephase.experiment.real import REAL_COLUMNS, real_counterpart
from corephase.experiment.recommend import contenders, recommend
from corephase.experiment.scenario import build_scenario
from corephase.experiment.simulate import Simulator
from corephase.experiment.subarray import dense_geometry
from corephase.model.geometry import KM_PER_DEG
from corephase.utils.random import component_rng

log = logging.getLogger("corephase.experiment.run")


def default_outputs(out_dir) -> dict:
    """Output paths of :func:`run_experiment` under ``out_dir`` (see :data:`OUTPUTS`)."""
    out_dir = Path(out_dir)
    return {k: str(out_dir / v) for k, v in OUTPUTS.items()}


def _add_trials(name, settings, sc, sim, seed, subs, stats) -> dict:
    """Add trials to the layouts in contention until every leader is separated or the budget
    (``max_trials`` per layout) is spent; extra batches of ``trials`` draw from their own
    generators (deterministic).

    Returns the :func:`~corephase.experiment.layouts.layout_rows` of each layout's final
    statistics (``{layout_id: (rows, rocs)}``), the ones the last recommendation used.
    """
    budget = int(settings.max_trials or settings.trials)
    step = int(settings.trials)
    by_id = {s.layout_id: s for s in subs if s.ok}
    phase = sc.target.phase
    batch = 0
    while True:
        per = {lid: layout_rows(by_id[lid], st, sc, sim, settings) for lid, st in stats.items()}
        rows = [r | {"phase": phase} for layout, _ in per.values() for r in layout]
        rec = recommend(pd.DataFrame(rows), float(settings.metrics.target_pd))
        more = [lid for lid in contenders(rec) if len(stats[lid]["single_sig"]) < budget]
        if not more:
            return per
        batch += 1
        log.info("%s %s: %d more trials on %d tied layouts", name, phase, step, len(more))
        for lid in more:
            add = min(step, budget - len(stats[lid]["single_sig"]))
            rng = component_rng(seed, name, phase, lid, f"batch{batch}")
            extra = trial_stats(by_id[lid], sc, sim, settings, rng, add)
            stats[lid] = {k: np.concatenate([stats[lid][k], extra[k]]) for k in stats[lid]}


@dataclass
class _Results:
    """Everything an experiment produces, gathered over its target phases."""

    metric_rows: list = field(default_factory=list)
    roc_rows: list = field(default_factory=list)
    real_rows: list = field(default_factory=list)
    scenarios: dict = field(default_factory=dict)
    subs_by_phase: dict = field(default_factory=dict)


def _run_phase(name, settings, target, dense, sim, seed, res: _Results) -> None:
    """Scenario, layouts and Monte Carlo metrics of one target phase (added to ``res``)."""
    phase = target.phase
    c_lat, c_lon = layout_centre(settings.layouts, dense)
    sc = build_scenario(settings, target, c_lat, c_lon)
    subs = build_layouts(settings.layouts, dense, sc.target.baz_deg)
    res.scenarios[phase], res.subs_by_phase[phase] = sc, subs
    log.info(
        "%s %s: %.1f deg, baz %.1f, %.2f s/deg; %d layouts (%d feasible)",
        name,
        phase,
        sc.distance_deg,
        sc.target.baz_deg,
        sc.target.slowness_s_km * KM_PER_DEG,
        len(subs),
        sum(s.ok for s in subs),
    )
    stats = {}
    for sub in subs:
        if not sub.ok:
            res.metric_rows.append(layout_columns(sub) | {"phase": phase})
            continue
        rng = component_rng(seed, name, phase, sub.layout_id)
        stats[sub.layout_id] = trial_stats(sub, sc, sim, settings, rng, int(settings.trials))
    per = _add_trials(name, settings, sc, sim, seed, subs, stats)
    for sub in subs:
        if not sub.ok:
            continue
        rows, rocs = per[sub.layout_id]
        res.metric_rows += [r | {"phase": phase} for r in rows]
        for k, (pf, pdv) in rocs.items():
            res.roc_rows += [
                {"phase": phase, "layout_id": sub.layout_id, "stack": k, "pfa": a, "pd": b}
                for a, b in zip(pf, pdv, strict=True)
            ]
    if settings.real is not None:
        res.real_rows += real_counterpart(name, settings, sc, sim, subs, seed)


def _summary(name, settings, seed, dense, metrics, rec, res: _Results, runtime_s) -> dict:
    """Contents of ``summary.json``: settings, scenarios and the recommendation."""
    return {
        "experiment": name,
        "seed": seed,
        "config": settings.to_dict(),
        "dense_stations": len(dense),
        "phases": {
            p: {
                "distance_deg": s.distance_deg,
                "baz_deg": s.target.baz_deg,
                "slowness_s_deg": s.target.slowness_s_km * KM_PER_DEG,
                "time_s": s.time_s,
                "interferers": [a.__dict__ for a in s.interferers],
            }
            for p, s in res.scenarios.items()
        },
        "layouts": len(metrics["layout_id"].unique()),
        "feasible": int((metrics["status"] == "ok").sum() // len(settings.metrics.stacks)),
        "recommendation": rec.to_dict(orient="records"),
        "runtime_s": runtime_s,
    }


def run_experiment(
    name: str, settings: ExperimentSettings, outputs: dict, seed: int = 0, workers: int = 1
) -> pd.DataFrame:
    """Run one sub-array experiment and write its tables and figures.

    Parameters
    ----------
    name : str
        Experiment name (enters the seeds, so renaming changes realisations).
    settings : ExperimentSettings
        The experiment (``experiments.<name>`` of config.yaml); checked here.
    outputs : dict
        Paths keyed as :data:`OUTPUTS`; missing keys are not written. Every
        file is written atomically.
    seed : int
        Base seed; each (phase, layout) draws from its own generator
        (:func:`corephase.utils.random.component_rng` of ``seed``, ``name``, the
        phase and the layout id), so results do not depend on the order or on
        other layouts.
    workers : int
        Threads for the FFTs.

    Returns
    -------
    pandas.DataFrame
        The metrics table.
    """
    from corephase.io.files import write_json, write_table
    from corephase.plotting.experiment import plot_arf_best_worst, plot_metric_grid, plot_roc

    t_start = time.perf_counter()
    settings.check()
    dense = dense_geometry(settings.geometry, name=name)
    sim = Simulator(settings.simulation, workers=workers)
    res = _Results()
    for target in settings.targets:
        _run_phase(name, settings, target, dense, sim, seed, res)
    metrics = pd.DataFrame(res.metric_rows)
    front = ["phase", "layout_id", "mode", "kind", "stack", "status"]
    metrics = metrics[front + [c for c in metrics.columns if c not in front]]
    rec = recommend(metrics, float(settings.metrics.target_pd))
    roc = pd.DataFrame(res.roc_rows, columns=["phase", "layout_id", "stack", "pfa", "pd"])
    layouts = pd.concat(
        [layouts_table(s).assign(phase=p) for p, s in res.subs_by_phase.items()],
        ignore_index=True,
    )
    writers = {
        "metrics": lambda p: write_table(metrics, p),
        "layouts": lambda p: write_table(layouts, p),
        "roc": lambda p: write_table(roc, p),
        "recommendation": lambda p: write_table(rec, p),
        "real": lambda p: write_table(pd.DataFrame(res.real_rows, columns=REAL_COLUMNS), p),
        "fig_gain": lambda p: plot_metric_grid(metrics, "snr_gain", p, settings, title=name),
        "fig_detection": lambda p: plot_metric_grid(metrics, "pd", p, settings, title=name),
        "fig_arf": lambda p: plot_arf_best_worst(
            metrics, res.subs_by_phase, res.scenarios, settings, p
        ),
        "fig_roc": lambda p: plot_roc(metrics, roc, p, settings),
    }
    for key, fn in writers.items():
        if outputs.get(key):
            fn(outputs[key])
    if outputs.get("summary"):
        runtime = time.perf_counter() - t_start
        write_json(
            _summary(name, settings, seed, dense, metrics, rec, res, runtime), outputs["summary"]
        )
    return metrics
