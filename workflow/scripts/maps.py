"""Snakemake script of rule maps: the catalogue's map views."""

from corephase.stages.maps import maps
from corephase.utils.jobs import start_job

sm = snakemake  # noqa: F821  (injected by Snakemake)
start_job(sm.log[0])
maps(
    sm.input.catalogue,
    sm.params.arrays,
    sm.params.model,
    dict(sm.output.items()),
    sm.params.maps,
)
