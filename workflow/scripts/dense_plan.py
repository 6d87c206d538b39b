"""Snakemake script of rule dense_plan: stations per event x dense network."""

from corephase.stages.dense_plan import dense_plan
from corephase.utils.jobs import start_job

sm = snakemake  # noqa: F821  (injected by Snakemake)
start_job(sm.log[0])
dense_plan(sm.input.catalogue, sm.params.networks, sm.params.fetch, sm.output.plan)
