"""Snakemake script of rule figures: beam and coda figures per band."""

from corephase.stages.figures import figures_pair
from corephase.utils.jobs import start_job
from corephase.utils.params import config_from_params

sm = snakemake  # noqa: F821  (injected by Snakemake)
log = start_job(sm.log[0])
names = sm.params.band_names
out = {f"{b}/beams": p for b, p in zip(names, sm.output.beams, strict=True)}
for kind in ("vespagram", "fk", "coda", "coda_fit", "coda_vespagram"):
    out.update({f"{b}/{kind}": p for b, p in zip(names, sm.output[kind], strict=True)})
drawn = figures_pair(
    sm.input.pair,
    dict(zip(names, sm.input.bands, strict=True)),
    sm.input.beams,
    dict(zip(names, sm.input.coda, strict=True)),
    config_from_params(sm.params),
    out,
    detections_csv=sm.input.detections,
)
log.info("wrote %d figures (%s)", len(out), "drawn" if drawn else "placeholders")
