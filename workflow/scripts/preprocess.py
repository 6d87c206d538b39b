"""Snakemake script of rule preprocess: QC, resampling and band-pass per band."""

from corephase.stages.preprocess import preprocess_pair
from corephase.utils.jobs import start_job
from corephase.utils.params import config_from_params

sm = snakemake  # noqa: F821  (injected by Snakemake)
log = start_job(sm.log[0])
pair = preprocess_pair(
    sm.wildcards.array,
    sm.params.array,
    config_from_params(sm.params),
    sm.input.mseed,
    sm.input.stationxml,
    sm.input.quakeml,
    sm.input.status,
    dict(zip(sm.params.band_names, sm.output.bands, strict=True)),
    sm.output.qc,
    sm.output.pair,
)
log.info("preprocessed: status %s, %d elements", pair["status"], pair["n_elements"])
