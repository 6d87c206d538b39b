# Stage 2: QC, common sampling, band-pass per band, pair metadata.


rule preprocess:
    input:
        mseed=rules.fetch.output.mseed,
        stationxml=rules.fetch.output.stationxml,
        quakeml=rules.fetch.output.quakeml,
        status=rules.fetch.output.status,
    output:
        bands=expand(
            "results/{array}/{event}/preprocessed/{band}.npz",
            band=BANDS,
            allow_missing=True,
        ),
        qc="results/{array}/{event}/preprocessed/qc.csv",
        pair="results/{array}/{event}/preprocessed/pair.json",
    log:
        "logs/preprocess/{array}/{event}.log",
    benchmark:
        "benchmarks/preprocess/{array}/{event}.tsv"
    conda:
        "../../envs/corephase.yaml"
    params:
        **section_params(("model", "phases", "bands", "window", "preprocess")),
        array=array_settings,
        band_names=BANDS,
    script:
        "../scripts/preprocess.py"
