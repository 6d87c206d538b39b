"""Snakemake script of rule dense_plan: stations per event x dense network."""

from corephase.stages.dense_plan import dense_plan
from corephase.utils.logs import setup_job_logging

sm = snakemake  # noqa: F821  (injected by Snakemake)
setup_job_logging(sm.log[0])
dense_plan(sm.input.catalogue, sm.params.networks, sm.params.fetch, sm.output.plan)
