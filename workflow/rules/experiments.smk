# Sub-array and synthetic-array experiments (issue #3): one job per entry of
# config["experiments"]; outputs under results/experiments/{experiment}/.
# Each job gets only its own experiment's settings (plus the base seed) as
# params, so editing one experiment reruns only that experiment.

EXPERIMENT_OUTPUTS = {
    "metrics": "metrics.csv",
    "layouts": "layouts.csv",
    "roc": "roc.csv",
    "recommendation": "recommendation.csv",
    "real": "real_vs_theory.csv",
    "summary": "summary.json",
    "fig_gain": "figures/snr_gain.png",
    "fig_detection": "figures/detection.png",
    "fig_arf": "figures/arf_best_worst.png",
    "fig_roc": "figures/roc.png",
}


wildcard_constraints:
    experiment=r"[A-Za-z0-9][A-Za-z0-9_-]*",


def experiment_settings(wildcards):
    return config["experiments"][wildcards.experiment]


def experiment_input(wildcards):
    """Local files an experiment reads (station tables, StationXML, real records)."""
    exp = config["experiments"][wildcards.experiment]
    files = []
    geo = exp.get("geometry", {})
    if geo.get("source") in ("csv", "stationxml") and "path" in geo:
        files.append(geo["path"])
    if geo.get("source") == "ims" and "path" in geo:
        files.append(geo["path"])
    if "quakeml" in exp.get("event", {}):
        files.append(exp["event"]["quakeml"])
    real = exp.get("real") or {}
    files += [real[k] for k in ("mseed", "quakeml") if k in real]
    return files


def experiment_targets():
    """Every output of every configured experiment (for rule all)."""
    return [
        f"results/experiments/{name}/{path}"
        for name in config.get("experiments", {}) or {}
        for path in EXPERIMENT_OUTPUTS.values()
    ]


rule experiment:
    input:
        experiment_input,
    output:
        **{
            key: f"results/experiments/{{experiment}}/{path}"
            for key, path in EXPERIMENT_OUTPUTS.items()
        },
    log:
        "logs/experiments/{experiment}.log",
    benchmark:
        "benchmarks/experiments/{experiment}.tsv"
    conda:
        "../../envs/corephase.yaml"
    threads: 2
    params:
        settings=experiment_settings,
        seed=config.get("seed", 0),
    script:
        "../scripts/experiment.py"
