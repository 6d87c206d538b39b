# Stage 4: envelope beams and coda measurements per phase and band.


rule coda:
    input:
        pair=rules.preprocess.output.pair,
        bands=rules.preprocess.output.bands,
    output:
        table="results/{array}/{event}/coda/coda.csv",
        arrays=expand(
            "results/{array}/{event}/coda/{band}.npz", band=BANDS, allow_missing=True
        ),
    log:
        "logs/coda/{array}/{event}.log",
    benchmark:
        "benchmarks/coda/{array}/{event}.tsv"
    conda:
        "../../envs/corephase.yaml"
    params:
        settings=shared_settings(("seed", "bands", "coda")),
        band_names=BANDS,
    script:
        "../scripts/coda.py"
