"""Snakemake script of rule dense_summary: what the dense-network pairs found."""

from corephase.stages.dense_summary import dense_summary
from corephase.utils.logs import setup_job_logging

sm = snakemake  # noqa: F821  (injected by Snakemake)
setup_job_logging(sm.log[0])
dense_summary(
    sm.input.plan,
    sm.input.pairs,
    sm.input.detections,
    sm.output.summary,
    sm.input.networks,
    sm.output.networks,
    sm.input.statics,
)
