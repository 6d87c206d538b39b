"""Snakemake script of rule dense_network: network call and record section of one event."""

from corephase.stages.dense_network import dense_network
from corephase.utils.jobs import start_job
from corephase.utils.params import config_from_params

sm = snakemake  # noqa: F821  (injected by Snakemake)
start_job(sm.log[0])
dense_network(
    sm.wildcards.network,
    sm.wildcards.event,
    sm.input.pairs,
    sm.input.detections,
    sm.input.beams,
    config_from_params(sm.params),
    sm.output.calls,
    sm.output.figure,
)
