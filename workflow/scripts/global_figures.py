"""Snakemake script of rule global_figures: histogram and PKiKP-PcP figures."""

from corephase.stages.global_figures import global_figures
from corephase.utils.jobs import start_job

sm = snakemake  # noqa: F821  (injected by Snakemake)
start_job(sm.log[0])
global_figures(
    sm.input.catalogue,
    sm.params.model,
    dict(sm.output.items()),
    sm.params.distance_deg,
)
