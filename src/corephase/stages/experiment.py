"""Stage ``experiment``: one sub-array / synthetic-array experiment."""

from __future__ import annotations

import logging

log = logging.getLogger("corephase")


def experiment(name: str, settings: dict, outputs: dict, seed: int, workers: int = 1):
    """Run the experiment ``name`` (see :func:`corephase.experiment.run.run_experiment`).

    ``settings`` is the experiment's config entry (a key of the config's
    ``experiments``), turned into
    :class:`corephase.config.experiment.ExperimentSettings` here; the other
    arguments and the returned metrics table are those of ``run_experiment``.
    """
    from corephase.config.experiment import ExperimentSettings
    from corephase.experiment.run import run_experiment

    exp = ExperimentSettings.from_dict(settings, where=f"experiments.{name}")
    metrics = run_experiment(name, exp, outputs, seed=seed, workers=workers)
    log.info("experiment %s: %d metric rows", name, len(metrics))
    return metrics
