"""Snakemake script of rule dense_summary: what the dense-network pairs found."""

from corephase.stages.dense_summary import dense_summary
from corephase.utils.jobs import start_job

sm = snakemake  # noqa: F821  (injected by Snakemake)
start_job(sm.log[0])
dense_summary(
    sm.input.plan,
    sm.input.pairs,
    sm.input.detections,
    sm.output.summary,
    sm.input.networks,
    sm.output.networks,
    sm.input.statics,
)
