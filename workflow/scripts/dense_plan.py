"""Snakemake script of rules dense_plan (the second-stage plan) and dense_summary."""

from corephase.dense import plan_dense, read_plan, summarise_dense, write_plan
from corephase.io import write_table
from corephase.logutil import setup_job_logging

sm = snakemake  # noqa: F821  (injected by Snakemake)
log = setup_job_logging(sm.log[0])
if sm.rule == "dense_plan":
    import pandas as pd

    plan = plan_dense(
        pd.read_csv(sm.input.catalogue), sm.params.networks, fetch_cfg=sm.params.fetch
    )
    write_plan(plan, sm.output.plan)
    log.info(
        "dense plan: %d stations in %d pairs", len(plan), len(plan.groupby(["event", "network"]))
    )
else:
    table = summarise_dense(read_plan(sm.input.plan), sm.input.pairs, sm.input.detections)
    write_table(table, sm.output.summary)
    log.info("dense summary: %d rows", len(table))
