"""Stage ``experiment``: one sub-array / synthetic-array experiment."""

from __future__ import annotations

import logging

log = logging.getLogger("corephase")


def experiment(name: str, settings: dict, outputs: dict, seed: int, workers: int = 1):
    """Run the experiment ``name`` (see :func:`corephase.experiment.run.run_experiment`).

    Parameters
    ----------
    name : str
        Experiment name (a key of the config's ``experiments``).
    settings : dict
        The experiment's config entry; turned into
        :class:`corephase.config.experiment.ExperimentSettings` here.
    outputs : dict
        Paths keyed as :data:`corephase.experiment.run.OUTPUTS`.
    seed : int
        The config's base seed.
    workers : int
        Threads for the FFTs.

    Returns
    -------
    pandas.DataFrame
        The metrics table.
    """
    from corephase.config.experiment import ExperimentSettings
    from corephase.experiment.run import run_experiment

    exp = ExperimentSettings.from_dict(settings, where=f"experiments.{name}")
    metrics = run_experiment(name, exp, outputs, seed=seed, workers=workers)
    log.info("experiment %s: %d metric rows", name, len(metrics))
    return metrics
