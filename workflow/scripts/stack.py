"""Snakemake script of rule stack: beams and detections per phase, band and stack."""

from corephase.stages.stack import stack_pair
from corephase.utils.jobs import start_job
from corephase.utils.params import config_from_params

sm = snakemake  # noqa: F821  (injected by Snakemake)
log = start_job(sm.log[0])
table = stack_pair(
    sm.input.pair,
    dict(zip(sm.params.band_names, sm.input.bands, strict=True)),
    config_from_params(sm.params),
    sm.output.table,
    sm.output.beams,
    sm.output.statics,
)
log.info("stack table: %d rows", len(table))
