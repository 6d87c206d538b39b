"""Stage ``dense_summary``: what the dense-network pairs of the plan found."""

from __future__ import annotations

import logging

log = logging.getLogger("corephase")


def dense_summary(plan_csv, pair_jsons, detection_tables, out_summary):
    """Summarise the dense pairs (see :func:`corephase.planning.dense_pairs.summarise_dense`)."""
    from corephase.io.files import write_table
    from corephase.planning.dense import read_plan
    from corephase.planning.dense_pairs import summarise_dense

    table = summarise_dense(read_plan(plan_csv), pair_jsons, detection_tables)
    write_table(table, out_summary)
    log.info("dense summary: %d rows", len(table))
    return table
