"""Stage ``experiment``: one sub-array / synthetic-array experiment."""

from __future__ import annotations

import logging

log = logging.getLogger("corephase")


def experiment(name: str, settings: dict, outputs: dict, seed: int, workers: int = 1):
    """Run the experiment ``name`` (see :func:`corephase.experiment.core.run_experiment`).

    ``settings`` is the experiment's config entry, ``outputs`` maps the keys of
    :data:`corephase.experiment.core.OUTPUTS` to paths.
    """
    from corephase.experiment.core import run_experiment

    metrics = run_experiment(name, settings, outputs, seed=seed, workers=workers)
    log.info("experiment %s: %d metric rows", name, len(metrics))
    return metrics
