"""Snakemake script of rule catalogue: the global detection catalogue."""

from corephase.stages.catalogue import global_catalogue
from corephase.utils.jobs import start_job

sm = snakemake  # noqa: F821  (injected by Snakemake)
start_job(sm.log[0])
global_catalogue(
    sm.input.pairs,
    sm.input.detections,
    sm.params.model,
    sm.output.csv,
    sm.output.parquet,
    bands=sm.params.bands,
)
