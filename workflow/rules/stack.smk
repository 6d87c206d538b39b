# Stage 3: beams and detections per phase, band and stack type.


rule stack:
    input:
        pair=rules.preprocess.output.pair,
        bands=rules.preprocess.output.bands,
        curation=curation_input,
    output:
        table=PAIR_DIR + "/stack/detections.csv",
        beams=PAIR_DIR + "/stack/beams.npz",
    params:
        settings=shared_settings(("seed", "phases", "bands", "stack", "curation")),
        band_names=BANDS,
    log:
        "logs/stack/{array}/{event}.log",
    benchmark:
        "benchmarks/stack/{array}/{event}.tsv"
    conda:
        "../../envs/corephase.yaml"
    script:
        "../scripts/stack.py"
