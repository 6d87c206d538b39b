"""Snakemake script of rule catalogue: the global detection catalogue."""

from corephase.stages.catalogue import global_catalogue
from corephase.utils.logs import setup_job_logging

sm = snakemake  # noqa: F821  (injected by Snakemake)
setup_job_logging(sm.log[0])
global_catalogue(
    sm.input.pairs,
    sm.input.detections,
    sm.params.model,
    sm.output.csv,
    sm.output.parquet,
    bands=sm.params.bands,
)
