"""Stage ``dense_summary``: what the dense-network pairs of the plan found."""

from __future__ import annotations

import logging

log = logging.getLogger("corephase")


def dense_summary(
    plan_csv,
    pair_jsons,
    detection_tables,
    out_summary,
    network_tables=(),
    out_networks=None,
    statics_tables=None,
):
    """Summarise the dense pairs with their statics (``statics_tables``; see
    :func:`corephase.planning.dense_pairs.summarise_dense`) and gather the network
    calls of rule ``dense_network`` into ``out_networks`` (CSV,
    :data:`corephase.planning.dense_network.NETWORK_COLUMNS`)."""
    import pandas as pd

    from corephase.io.files import write_table
    from corephase.planning.dense import read_plan
    from corephase.planning.dense_network import NETWORK_COLUMNS
    from corephase.planning.dense_pairs import summarise_dense

    table = summarise_dense(read_plan(plan_csv), pair_jsons, detection_tables, statics_tables)
    write_table(table, out_summary)
    log.info("dense summary: %d rows", len(table))
    if out_networks is not None:
        calls = [pd.read_csv(p, keep_default_na=False, na_values=[""]) for p in network_tables]
        nets = pd.concat(calls, ignore_index=True) if calls else pd.DataFrame()
        write_table(nets.reindex(columns=NETWORK_COLUMNS), out_networks)
        log.info("dense network calls: %d rows", len(nets))
    return table
