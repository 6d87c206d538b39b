# Stage 2: QC, common sampling, band-pass per band, pair metadata.


rule preprocess:
    input:
        mseed=rules.fetch.output.mseed,
        stationxml=rules.fetch.output.stationxml,
        quakeml=rules.fetch.output.quakeml,
        status=rules.fetch.output.status,
    output:
        bands=expand(PAIR_DIR + "/preprocessed/{band}.mseed", band=BANDS, allow_missing=True),
        qc=PAIR_DIR + "/preprocessed/qc.csv",
        pair=PAIR_DIR + "/preprocessed/pair.json",
    params:
        array=array_settings,
        settings=shared_settings(("model", "phases", "bands", "window", "preprocess")),
        band_names=BANDS,
    log:
        "logs/preprocess/{array}/{event}.log",
    benchmark:
        "benchmarks/preprocess/{array}/{event}.tsv"
    conda:
        "../../envs/corephase.yaml"
    script:
        "../scripts/preprocess.py"
