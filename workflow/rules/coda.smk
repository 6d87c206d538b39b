# Stage 4: envelope beams and coda measurements per phase and band.


rule coda:
    input:
        pair=rules.preprocess.output.pair,
        bands=rules.preprocess.output.bands,
    output:
        table=PAIR_DIR + "/coda/coda.csv",
        arrays=PAIR_DIR + "/coda/coda.npz",
    params:
        settings=shared_settings(("seed", "bands", "coda")),
        band_names=BANDS,
    log:
        "logs/coda/{array}/{event}.log",
    benchmark:
        "benchmarks/coda/{array}/{event}.tsv"
    conda:
        "../../envs/corephase.yaml"
    script:
        "../scripts/coda.py"
