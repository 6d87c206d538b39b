# Products over all pairs: global catalogue, maps and distance histogram,
# PKiKP-PcP figure, coda comparisons across nearby events and across arrays.
# The catalogue and the figures made from it are the workflow's last chain: their
# priority starts them before the per-pair figures jobs still waiting, which then
# run beside them instead of before them.


rule catalogue:
    input:
        pairs=pair_paths("results/{array}/{event}/preprocessed/pair.json"),
        detections=pair_paths("results/{array}/{event}/stack/detections.csv"),
    output:
        csv=report(
            "results/summary/catalogue.csv",
            caption="../report/catalogue.rst",
            category="Catalogue",
        ),
        parquet="results/summary/catalogue.parquet",
    log:
        "logs/summary/catalogue.log",
    benchmark:
        "benchmarks/summary/catalogue.tsv"
    priority: 5
    conda:
        "../../envs/corephase.yaml"
    params:
        model=config["model"],
        bands=config["bands"],
    script:
        "../scripts/catalogue.py"


rule global_figures:
    input:
        catalogue=rules.catalogue.output.csv,
    output:
        histogram=report(
            "results/summary/figures/detection_histogram.png",
            caption="../report/detection_histogram.rst",
            category="Summary",
        ),
        pkikp_pcp=report(
            "results/summary/figures/pkikp_pcp.png",
            caption="../report/pkikp_pcp.rst",
            category="Summary",
        ),
        residual_map=report(
            "results/summary/figures/pkikp_pcp_residual_map.png",
            caption="../report/pkikp_pcp_residual_map.rst",
            category="Summary",
        ),
    log:
        "logs/summary/global_figures.log",
    benchmark:
        "benchmarks/summary/global_figures.tsv"
    priority: 5
    conda:
        "../../envs/corephase.yaml"
    params:
        model=config["model"],
        distance_deg=config["distance_deg"],
    script:
        "../scripts/global_figures.py"


# The maps of the catalogue, in a job of their own: maps and global_figures run side
# by side once the catalogue is made.
rule maps:
    input:
        catalogue=rules.catalogue.output.csv,
    output:
        **{
            f"map_{region}": report(
                f"results/summary/figures/map_{region}.png",
                caption=(
                    "../report/map_global.rst"
                    if region == "global"
                    else "../report/map_regional.rst"
                ),
                category="Maps",
            )
            for region in config["maps"]["regions"]
        },
    log:
        "logs/summary/maps.log",
    benchmark:
        "benchmarks/summary/maps.tsv"
    priority: 5
    conda:
        "../../envs/corephase.yaml"
    params:
        arrays=config["arrays"],
        model=config["model"],
        maps=config["maps"],
    script:
        "../scripts/maps.py"


rule coda_compare:
    input:
        pairs=pair_paths("results/{array}/{event}/preprocessed/pair.json"),
        coda=[f"results/{a}/{e}/coda/{b}.npz" for a, e in PAIRS for b in BANDS],
    output:
        table="results/summary/coda_clusters.csv",
        clusters=report(
            expand("results/summary/figures/coda_clusters_{band}.png", band=BANDS),
            caption="../report/coda_compare.rst",
            category="Coda",
        ),
        events=report(
            expand("results/summary/figures/coda_events_{band}.png", band=BANDS),
            caption="../report/coda_compare.rst",
            category="Coda",
        ),
    log:
        "logs/summary/coda_compare.log",
    benchmark:
        "benchmarks/summary/coda_compare.tsv"
    conda:
        "../../envs/corephase.yaml"
    params:
        **section_params(("bands", "coda")),
        pair_band_keys=[(a, e, b) for a, e in PAIRS for b in BANDS],
        band_names=BANDS,
    script:
        "../scripts/coda_compare.py"
