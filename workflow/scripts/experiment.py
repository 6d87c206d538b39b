"""Snakemake script of rule experiment: one sub-array experiment (issue #3)."""

from corephase.experiment import run_experiment
from corephase.logutil import setup_job_logging

sm = snakemake  # noqa: F821  (injected by Snakemake)
log = setup_job_logging(sm.log[0])
metrics = run_experiment(
    sm.wildcards.experiment,
    sm.params.settings,
    dict(sm.output.items()),
    seed=int(sm.params.seed),
    workers=sm.threads,
)
log.info("experiment %s: %d metric rows", sm.wildcards.experiment, len(metrics))
