# Second stage (issue #5): dense networks (TA, AK, Hi-net) searched for the events
# that the IMS arrays detect. Two passes over the same workflow:
#   pass 1  stage-1 pairs -> results/summary/catalogue.csv -> rule dense_plan ->
#           results/dense/plan.csv (stations per event x dense network);
#   pass 2  common.smk reads the plan when the workflow is planned (dense_pairs) and
#           adds one pair per (network, event) to PAIRS: the same per-pair rules run
#           them (curved-wavefront alignment), rule dense_summary reports them.
# `snakemake --cores N` twice does both; a third call has nothing to do. The plan
# ignores the dense networks' own rows of the catalogue, so pass 2 re-plans to the
# same table. Per (network, event), rule dense_network combines the sub-array pairs
# into a network call with a family-wise false-alarm rate and a record section.


localrules:
    dense_plan,


rule dense_plan:
    input:
        catalogue=rules.catalogue.output.csv,
        stations=dense_station_inputs(),
    output:
        plan="results/dense/plan.csv",
    log:
        "logs/dense/plan.log",
    benchmark:
        "benchmarks/dense/plan.tsv"
    conda:
        "../../envs/corephase.yaml"
    resources:
        # station queries of networks without a table
        fdsn_connections=int(
            any(
                not n.get("stations") and n["source"] != "synthetic"
                for n in (config.get("dense_networks") or {}).values()
            )
        ),
    params:
        networks=config.get("dense_networks") or {},
        fetch=config.get("fetch") or {},
    script:
        "../scripts/dense_plan.py"


rule dense_network:
    input:
        pairs=dense_network_paths("preprocessed/pair.json"),
        detections=dense_network_paths("stack/detections.csv"),
        beams=dense_network_paths("stack/beams.npz"),
    output:
        calls="results/dense/{network}/{event}/network_calls.csv",
        figure="results/dense/{network}/{event}/record_section.png",
    log:
        "logs/dense/{network}/{event}.log",
    benchmark:
        "benchmarks/dense/{network}/{event}.tsv"
    conda:
        "../../envs/corephase.yaml"
    params:
        **section_params(("model", "phases", "bands")),
    script:
        "../scripts/dense_network.py"


rule dense_summary:
    input:
        plan=rules.dense_plan.output.plan,
        pairs=[f"results/{a}/{e}/preprocessed/pair.json" for a, e in DENSE_PAIRS],
        detections=[f"results/{a}/{e}/stack/detections.csv" for a, e in DENSE_PAIRS],
        statics=[f"results/{a}/{e}/stack/statics.csv" for a, e in DENSE_PAIRS],
        networks=[f"results/dense/{n}/{e}/network_calls.csv" for n, e in DENSE_NETWORKS],
    output:
        summary="results/dense/summary.csv",
        networks="results/dense/network_calls.csv",
    log:
        "logs/dense/summary.log",
    benchmark:
        "benchmarks/dense/summary.tsv"
    conda:
        "../../envs/corephase.yaml"
    script:
        "../scripts/dense_summary.py"
