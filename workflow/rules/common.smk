# Configuration validation, pair planning, input functions, wildcard constraints.
import os
import sys
from pathlib import Path

# Every job is single-threaded: keep BLAS/FFT libraries from spawning a thread per
# core in each of the N parallel jobs (oversubscription slows the FK by 100x).
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

sys.path.insert(0, str(Path(workflow.basedir) / "src"))

from corephase.config import ConfigError, check_inputs, validate_config
from corephase.experiment.outputs import OUTPUTS as EXPERIMENT_OUTPUTS
from corephase.planning.pairs import (
    CatalogueUnavailable,
    plan_pairs,
    resolve_references,
    study_events,
)

try:
    validate_config(config)
    resolve_references(config)  # local arrays without ref_lat/ref_lon: from StationXML
    # listed and QuakeML events, then the cached catalogue query (made if missing)
    EVENTS = study_events(config)
except CatalogueUnavailable as err:
    raise WorkflowError(str(err)) from None
except ConfigError as err:
    raise WorkflowError(f"invalid configuration: {err}") from None


PAIRS = plan_pairs(config, list(EVENTS.values()))

# Files the config names are checked before the first job runs.
try:
    for _warning in check_inputs(config, EVENTS):
        logger.warning(f"curation: {_warning} (row ignored)")
except ConfigError as err:
    raise WorkflowError(f"invalid configuration: {err}") from None

# Second stage (workflow/rules/dense.smk): the dense-network pairs of the plan that
# rule dense_plan made in an earlier run; none until results/dense/plan.csv exists.
from corephase.planning.dense_pairs import dense_pairs, network_groups

try:
    DENSE_ARRAYS, DENSE_PAIRS, DENSE_PAIR_ARRAYS = dense_pairs(
        config, "results/dense/plan.csv", events=EVENTS
    )
except ValueError as err:
    raise WorkflowError(f"invalid configuration: {err}") from None
config["arrays"].update(DENSE_ARRAYS)
PAIRS += DENSE_PAIRS

# Very large studies plan and run in batches of arrays and/or origin years
# (`--config 'batch={arrays: [WRA], years: [2012]}'`); `corephase run-study` sets it per
# batch and makes the summaries at the end with --allowed-rules (no per-pair jobs planned).
BATCH = config.get("batch") or {}
if BATCH:
    _arrays = set(BATCH.get("arrays") or config["arrays"])
    _years = {str(y) for y in BATCH.get("years") or []}
    PAIRS = [
        (a, e)
        for a, e in PAIRS
        if a in _arrays and (not _years or EVENTS[e].time[:4] in _years)
    ]


def _alternatives(names):
    """A regex matching exactly one of ``names`` (or nothing)."""
    import re

    return "|".join(re.escape(n) for n in names) or "(?!)"


# FDSN downloads run on the submitting host (fetch_fdsn is a local rule); the
# other sources fetch on compute nodes, inside the per-array job groups.
FDSN_ARRAYS = [a for a, c in config["arrays"].items() if c["source"] == "fdsn"]
FDSN_ARRAYS_RE = _alternatives(FDSN_ARRAYS)
OTHER_ARRAYS_RE = _alternatives([a for a in config["arrays"] if a not in FDSN_ARRAYS])
BANDS = [b["name"] for b in config["bands"]]

# Settings shared by every pair. Array- and event-specific settings are passed
# as their own params, so that editing one array only reruns that array's pairs.
SHARED_KEYS = (
    "model",
    "seed",
    "phases",
    "bands",
    "window",
    "preprocess",
    "stack",
    "coda",
    "synthetic",
    "curation",
    "fetch",
)


wildcard_constraints:
    array=r"[A-Za-z0-9_-]+",
    event=r"[A-Za-z0-9][A-Za-z0-9_.-]*",
    band=r"[A-Za-z0-9._-]+",
    experiment=r"[A-Za-z0-9][A-Za-z0-9_-]*",


def section_params(keys=SHARED_KEYS):
    """The config sections a rule depends on, one param each.

    Param ``config_<section>`` holds ``{section: value}``: when a setting
    changes, the reason `snakemake -n` prints names its section and shows
    only that section. Scripts merge them back with
    :func:`corephase.utils.params.config_from_params`.
    """
    return {f"config_{k}": {k: config[k]} for k in keys if k in config}


def synthetic_section(wildcards):
    """Param function: ``{"synthetic": ...}`` for pairs of synthetic arrays, else {}."""
    src = config["arrays"][wildcards.array]["source"]
    return (
        {"synthetic": config["synthetic"]}
        if src == "synthetic" and "synthetic" in config
        else {}
    )


def array_settings(wildcards):
    """The pair's array entry (dense-network pairs have one per event)."""
    dense = DENSE_PAIR_ARRAYS.get((wildcards.array, wildcards.event))
    return dense if dense is not None else config["arrays"][wildcards.array]


def event_settings(wildcards):
    return EVENTS[wildcards.event].to_dict()


def pair_paths(pattern):
    """Expand a per-pair path pattern over the planned pairs."""
    return [pattern.format(array=a, event=e) for a, e in PAIRS]


def band_paths(pattern):
    """Per-band outputs of one pair, as a dict band -> path pattern."""
    return {b: pattern.replace("{band}", b) for b in BANDS}


# The curation table (rule stack), when one is configured.
CURATION_INPUT = [config["curation"]] if config.get("curation") else []


def all_targets():
    """Every pair's figures; outside a batch run also the products over all pairs.

    Called from rule all, after every rule file is included.
    """
    targets = []
    for a, e in PAIRS:
        for b in BANDS:
            targets.append(f"results/{a}/{e}/figures/{b}_beams.png")
            targets.append(f"results/{a}/{e}/figures/{b}_coda.png")
    if BATCH:
        return targets
    targets += [
        *rules.tables.output,
        *rules.catalogue.output,
        *rules.maps.output,
        *rules.global_figures.output,
        *rules.coda_compare.output,
        *experiment_targets(),
        *dense_targets(),
    ]
    return targets


# Sub-array experiments (rule experiment in experiments.smk; output names from the package).
def experiment_settings(wildcards):
    return config["experiments"][wildcards.experiment]


def experiment_input(wildcards):
    """Local files an experiment reads (station tables, StationXML, real records)."""
    exp = config["experiments"][wildcards.experiment]
    files = []
    geo = exp.get("geometry", {})
    if geo.get("source") in ("csv", "stationxml") and "path" in geo:
        files.append(geo["path"])
    if geo.get("source") == "ims" and "path" in geo:
        files.append(geo["path"])
    if "quakeml" in exp.get("event", {}):
        files.append(exp["event"]["quakeml"])
    real = exp.get("real") or {}
    files += [real[k] for k in ("mseed", "quakeml") if k in real]
    return files


def experiment_targets():
    """Every output of every configured experiment (for rule all)."""
    return [
        f"results/experiments/{name}/{path}"
        for name in config.get("experiments", {}) or {}
        for path in EXPERIMENT_OUTPUTS.values()
    ]


# Second-stage dense-network search (rules in dense.smk).
def dense_station_inputs(wildcards=None):
    """Local station tables named by dense networks (package tables excluded)."""
    return [
        n["stations"]
        for n in (config.get("dense_networks") or {}).values()
        if n.get("stations") and not str(n["stations"]).startswith("package:")
    ]


def dense_targets():
    """The dense plan, and once it lists pairs, their summary (for rule all).

    None in batch runs (config key batch): the plan needs the full catalogue.
    """
    if not config.get("dense_networks") or config.get("batch"):
        return []
    targets = ["results/dense/plan.csv"]
    if DENSE_PAIRS:
        targets.append("results/dense/summary.csv")
    return targets


# Sub-array pairs of each (dense network, event) of the second stage (rules/dense.smk).
DENSE_NETWORKS = network_groups("results/dense/plan.csv", DENSE_PAIRS)


def dense_network_paths(kind):
    """Input function: the file ``kind`` (path under results/{pair}/{event}/) of every
    sub-array pair of one (network, event)."""

    def get(wildcards):
        names = DENSE_NETWORKS[(wildcards.network, wildcards.event)]
        return [f"results/{a}/{wildcards.event}/{kind}" for a in names]

    return get
