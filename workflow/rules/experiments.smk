# Sub-array and synthetic-array experiments (issue #3): one job per entry of
# config["experiments"]; outputs under results/experiments/{experiment}/.
# Each job gets only its own experiment's settings (plus the base seed) as
# params, so editing one experiment reruns only that experiment.
# An experiment needs no pair's results: one thread and a raised priority start it
# first, beside the per-pair jobs (on 2 cores it otherwise runs alone at the end).


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
    priority: 10
    conda:
        "../../envs/corephase.yaml"
    threads: 1
    params:
        settings=experiment_settings,
        seed=config.get("seed", 0),
    script:
        "../scripts/experiment.py"
