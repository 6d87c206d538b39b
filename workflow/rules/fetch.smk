# Stage 1: records of one event x array pair from the array's source.
# Downloads run on the submitting host (compute nodes often have no internet),
# at most `fdsn_connections` at a time (set it in the profile or on the command line).


localrules:
    fetch_fdsn,


rule fetch:
    output:
        mseed="results/{array}/{event}/raw/waveforms.mseed",
        stationxml="results/{array}/{event}/raw/stations.xml",
        quakeml="results/{array}/{event}/raw/event.xml",
        status=report(
            "results/{array}/{event}/raw/fetch.json",
            caption="../report/provenance.rst",
            category="Provenance",
            subcategory="{array}",
        ),
    log:
        "logs/fetch/{array}/{event}.log",
    benchmark:
        "benchmarks/fetch/{array}/{event}.tsv"
    wildcard_constraints:
        array=OTHER_ARRAYS_RE,
    conda:
        "../../envs/corephase.yaml"
    resources:
        fdsn_connections=fdsn_connections,
    params:
        **section_params(("model", "seed", "phases", "window")),
        array=array_settings,
        event=event_settings,
        config_synthetic=source_section("synthetic", "synthetic"),
        config_fetch=source_section("fetch", "fdsn"),
    script:
        "../scripts/fetch.py"


use rule fetch as fetch_fdsn with:
    wildcard_constraints:
        array=FDSN_ARRAYS_RE,
