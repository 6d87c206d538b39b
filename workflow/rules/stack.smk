# Stage 3: beams and detections per phase, band and stack type.


rule stack:
    input:
        pair=rules.preprocess.output.pair,
        bands=rules.preprocess.output.bands,
        curation=CURATION_INPUT,
    output:
        table="results/{array}/{event}/stack/detections.csv",
        beams="results/{array}/{event}/stack/beams.npz",
        statics="results/{array}/{event}/stack/statics.csv",
    log:
        "logs/stack/{array}/{event}.log",
    benchmark:
        "benchmarks/stack/{array}/{event}.tsv"
    conda:
        "../../envs/corephase.yaml"
    params:
        **section_params(
            ("model", "seed", "phases", "bands", "preprocess", "stack", "curation")
        ),
        # empirical station statics of the pair (issue 19): dense pairs always carry them
        config_statics=lambda w: {"statics": array_settings(w).get("statics")},
        band_names=BANDS,
    script:
        "../scripts/stack.py"
