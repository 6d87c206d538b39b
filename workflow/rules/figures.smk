# Stage 5: per pair and band, beams, vespagrams, FK maps and three coda figures.
# Every output is always written: under figures.pairs other than "all", a pair that
# is skipped gets one-line figures saying why (so reruns and rule all stay consistent;
# changing figures.pairs reruns this rule through its params).


rule figures:
    input:
        pair=rules.preprocess.output.pair,
        bands=rules.preprocess.output.bands,
        beams=rules.stack.output.beams,
        detections=rules.stack.output.table,
        coda=rules.coda.output.arrays,
    output:
        beams=report(
            expand(
                "results/{array}/{event}/figures/{band}_beams.png",
                band=BANDS,
                allow_missing=True,
            ),
            caption="../report/pair_beams.rst",
            category="Pairs",
            subcategory="{array}",
        ),
        vespagram=expand(
            "results/{array}/{event}/figures/{band}_vespagram.png",
            band=BANDS,
            allow_missing=True,
        ),
        fk=expand(
            "results/{array}/{event}/figures/{band}_fk.png",
            band=BANDS,
            allow_missing=True,
        ),
        coda=expand(
            "results/{array}/{event}/figures/{band}_coda.png",
            band=BANDS,
            allow_missing=True,
        ),
        coda_fit=expand(
            "results/{array}/{event}/figures/{band}_coda_fit.png",
            band=BANDS,
            allow_missing=True,
        ),
        coda_vespagram=expand(
            "results/{array}/{event}/figures/{band}_coda_vespagram.png",
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
        **section_params(("model", "phases", "bands", "stack", "coda", "figures")),
        band_names=BANDS,
    script:
        "../scripts/figures.py"
