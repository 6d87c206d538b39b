# Stage 1: records of one event x array pair from the array's source.
# Downloads run on the submitting host (compute nodes often have no internet),
# at most `fdsn_connections` at a time (set it in the profile or on the command line).
# Rule fetch takes the synthetic and local pairs, fetch_fdsn the FDSN pairs: each
# rule's resources and source sections are static, so only the array, event and
# synthetic settings are looked up per job.


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
        fdsn_connections=0,
    params:
        **section_params(("model", "seed", "phases", "window")),
        array=array_settings,
        event=event_settings,
        config_synthetic=synthetic_section,
        config_fetch={},
    script:
        "../scripts/fetch.py"


use rule fetch as fetch_fdsn with:
    wildcard_constraints:
        array=FDSN_ARRAYS_RE,
    resources:
        fdsn_connections=1,
    params:
        config_synthetic={},
        config_fetch=section_params(("fetch",)).get("config_fetch", {}),
