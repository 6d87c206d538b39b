"""Snakemake script of rule fetch: get one pair's records from its source."""

from corephase.model.events import event_from_dict
from corephase.stages.fetch import fetch_pair
from corephase.utils.jobs import start_job
from corephase.utils.params import config_from_params

sm = snakemake  # noqa: F821  (injected by Snakemake)
log = start_job(sm.log[0])
log.info("fetch %s %s from %s", sm.wildcards.array, sm.wildcards.event, sm.params.array["source"])
fetch_pair(
    sm.wildcards.array,
    sm.params.array,
    event_from_dict(sm.params.event),
    config_from_params(sm.params),
    sm.output.mseed,
    sm.output.stationxml,
    sm.output.quakeml,
    sm.output.status,
)
