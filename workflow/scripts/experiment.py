"""Snakemake script of rule experiment: one sub-array experiment."""

from corephase.stages.experiment import experiment
from corephase.utils.jobs import start_job

sm = snakemake  # noqa: F821  (injected by Snakemake)
start_job(sm.log[0])
experiment(
    sm.wildcards.experiment,
    sm.params.settings,
    dict(sm.output.items()),
    seed=int(sm.params.seed),
    workers=sm.threads,
)
