"""Snakemake script of rule coda: envelope beams and coda measurements."""

from corephase.stages.coda import coda_pair
from corephase.utils.jobs import start_job
from corephase.utils.params import config_from_params

sm = snakemake  # noqa: F821  (injected by Snakemake)
log = start_job(sm.log[0])
table = coda_pair(
    sm.input.pair,
    dict(zip(sm.params.band_names, sm.input.bands, strict=True)),
    config_from_params(sm.params),
    sm.output.table,
    dict(zip(sm.params.band_names, sm.output.arrays, strict=True)),
)
log.info("coda table: %d rows", len(table))
