# Stage 5: one beam figure and one coda figure per pair and band.


rule figures:
    input:
        pair=rules.preprocess.output.pair,
        bands=rules.preprocess.output.bands,
        beams=rules.stack.output.beams,
        coda=rules.coda.output.arrays,
    output:
        beams=expand(
            "results/{array}/{event}/figures/{band}_beams.png",
            band=BANDS,
            allow_missing=True,
        ),
        coda=expand(
            "results/{array}/{event}/figures/{band}_coda.png",
            band=BANDS,
            allow_missing=True,
        ),
    log:
        "logs/figures/{array}/{event}.log",
    benchmark:
        "benchmarks/figures/{array}/{event}.tsv"
    conda:
        "../../envs/corephase.yaml"
    params:
        settings=shared_settings(("phases", "bands", "stack", "coda")),
        band_names=BANDS,
    script:
        "../scripts/figures.py"
