"""Snakemake script of rule coda_compare: coda overlays of clusters and of events."""

from corephase.stages.coda_compare import coda_comparisons
from corephase.utils.jobs import start_job
from corephase.utils.params import config_from_params

sm = snakemake  # noqa: F821  (injected by Snakemake)
start_job(sm.log[0])
names = sm.params.band_names
figs = {f"{b}/clusters": p for b, p in zip(names, sm.output.clusters, strict=True)}
figs.update({f"{b}/events": p for b, p in zip(names, sm.output.events, strict=True)})
npz = {tuple(k): p for k, p in zip(sm.params.pair_band_keys, sm.input.coda, strict=True)}
coda_comparisons(sm.input.pairs, npz, config_from_params(sm.params), sm.output.table, figs)
