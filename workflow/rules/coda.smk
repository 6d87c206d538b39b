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
        # model and the detection's alignment keys: coda beams align as the detection does;
        # preprocess.taper_fraction: no coda window uses the tapered record ends
        **section_params(("model", "seed", "bands", "preprocess", "coda")),
        config_stack={
            "stack": {
                "detection": {
                    k: v
                    for k, v in config["stack"]["detection"].items()
                    if k in ("curved_wavefront", "v_surface_km_s", "statics")
                }
            }
        },
        band_names=BANDS,
    script:
        "../scripts/coda.py"
