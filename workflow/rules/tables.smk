# Summary tables gathering every pair.


rule tables:
    input:
        pairs=pair_paths(PAIR_DIR + "/preprocessed/pair.json"),
        detections=pair_paths(PAIR_DIR + "/stack/detections.csv"),
        coda=pair_paths(PAIR_DIR + "/coda/coda.csv"),
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
