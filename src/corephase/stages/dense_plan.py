"""Stage ``dense_plan``: the dense-network search planned from the IMS catalogue."""

from __future__ import annotations

import logging

log = logging.getLogger("corephase")


def dense_plan(catalogue_csv, networks: dict, fetch_cfg: dict, out_plan):
    """Plan the second-stage search: stations per event x dense network.

    Parameters
    ----------
    catalogue_csv : path
        The stage-1 catalogue (``results/summary/catalogue.csv``).
    networks : dict
        The config's ``dense_networks`` section.
    fetch_cfg : dict
        The config's ``fetch`` section (station queries of networks without a table).
    out_plan : path
        ``plan.csv`` written atomically (see :func:`corephase.planning.dense.plan_dense`).
    """
    import pandas as pd

    from corephase.config.fetch import FetchSettings
    from corephase.planning.dense import plan_dense, write_plan

    fetch = FetchSettings.from_dict(fetch_cfg, where="fetch")
    plan = plan_dense(pd.read_csv(catalogue_csv), networks, fetch=fetch)
    write_plan(plan, out_plan)
    from corephase.planning.dense_pairs import pair_names

    unknown = int((~plan["dates_known"].astype(bool)).sum()) if len(plan) else 0
    log.info(
        "dense plan: %d stations in %d pairs, %d of them without known operating dates",
        len(plan),
        len(plan.assign(_pair=pair_names(plan)).groupby(["event", "_pair"])),
        unknown,
    )
    return plan
