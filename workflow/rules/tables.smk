# Summary tables gathering every pair.


rule tables:
    input:
        pairs=pair_paths("results/{array}/{event}/preprocessed/pair.json"),
        detections=pair_paths("results/{array}/{event}/stack/detections.csv"),
        coda=pair_paths("results/{array}/{event}/coda/coda.csv"),
    output:
        pairs="results/summary/pairs.csv",
        detections="results/summary/detections.csv",
        coda="results/summary/coda.csv",
    log:
        "logs/tables/tables.log",
    benchmark:
        "benchmarks/tables/tables.tsv"
    conda:
        "../../envs/corephase.yaml"
    script:
        "../scripts/tables.py"
