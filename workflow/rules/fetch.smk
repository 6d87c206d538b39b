# Stage 1: records of one event x array pair from the array's source.


rule fetch:
    output:
        mseed=PAIR_DIR + "/raw/waveforms.mseed",
        stationxml=PAIR_DIR + "/raw/stations.xml",
        quakeml=PAIR_DIR + "/raw/event.xml",
        status=PAIR_DIR + "/raw/fetch.json",
    params:
        array=array_settings,
        event=event_settings,
        settings=fetch_settings,
    log:
        "logs/fetch/{array}/{event}.log",
    benchmark:
        "benchmarks/fetch/{array}/{event}.tsv"
    conda:
        "../../envs/corephase.yaml"
    script:
        "../scripts/fetch.py"
