"""Stage ``global_figures``: maps, histogram and PKiKP-PcP figure."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

log = logging.getLogger("corephase")

if TYPE_CHECKING:  # pandas is imported where used: it slows every job's start-up
    pass


def global_figures(catalogue_csv, arrays_cfg: dict, model: str, out: dict, regions) -> None:
    """Maps, detection histogram and PKiKP-PcP figure from the global catalogue.

    ``out`` maps ``map_{region}`` for each of ``regions`` (names of
    :data:`corephase.plotting.maps.REGIONS`), ``histogram`` and ``pkikp_pcp`` to PNG
    paths, and optionally ``residual_map`` (PKiKP-PcP residuals at the ICB bounce
    points). A regional map with nothing inside its region says so.
    """
    import pandas as pd

    from corephase.analysis.catalogue import read_catalogue
    from corephase.plotting.catalogue import plot_detection_histogram, plot_pkikp_pcp
    from corephase.plotting.maps import plot_map
    from corephase.plotting.pair import plot_message

    cat = read_catalogue(catalogue_csv)
    arrays = pd.DataFrame(
        [{"array": k, "lat": v["ref_lat"], "lon": v["ref_lon"]} for k, v in arrays_cfg.items()]
    )
    for region in regions:
        try:
            info = plot_map(
                cat,
                out[f"map_{region}"],
                region,
                arrays=arrays if region == "global" else None,
                model=model,
            )
            log.info("map %s: coastlines %s", region, info.get("coastlines"))
        except ValueError as err:
            if "nothing to map" not in str(err):
                raise
            log.info("map %s: no event, array or bounce point in the region", region)
            plot_message(
                f"map '{region}': no event, array or bounce point in this region",
                out[f"map_{region}"],
            )
    plot_detection_histogram(cat, out["histogram"])
    plot_pkikp_pcp(cat, out["pkikp_pcp"], model=model)
    if "residual_map" in out:
        from corephase.plotting.theory import plot_residual_map

        plot_residual_map(cat, out["residual_map"])
