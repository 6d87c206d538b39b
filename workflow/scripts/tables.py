"""Snakemake script of rule tables: summary tables over all pairs."""

from corephase.stages.tables import summarise
from corephase.utils.jobs import start_job

sm = snakemake  # noqa: F821  (injected by Snakemake)
log = start_job(sm.log[0])
summarise(
    sm.input.pairs,
    sm.input.detections,
    sm.input.coda,
    sm.output.pairs,
    sm.output.detections,
    sm.output.coda,
)
log.info("summarised %d pairs", len(sm.input.pairs))
