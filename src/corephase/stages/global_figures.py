"""Stage ``global_figures``: maps, histogram and PKiKP-PcP figure."""

from __future__ import annotations

import logging

from corephase.config.figures import MapsSettings

log = logging.getLogger("corephase")


def _draw_map(cat, path, region: str, arrays, model: str, maps: MapsSettings) -> None:
    """One map view; a view with nothing inside it gets a figure saying so."""
    from corephase.plotting.maps import plot_map, plot_regional_map
    from corephase.plotting.pair import plot_message

    try:
        if region == "regional":
            rows = plot_regional_map(
                cat, path, model=model, cluster_deg=maps.cluster_deg, max_panels=maps.max_panels
            )
            log.info("regional map: %s", ", ".join(r["name"] for r in rows))
        else:
            ar = arrays if region == "global" else None
            info = plot_map(cat, path, region, arrays=ar, model=model)
            log.info("map %s: coastlines %s", region, info.get("coastlines"))
    except ValueError as err:
        if "nothing to map" not in str(err):
            raise
        log.info("map %s: no event, array or bounce point in the region", region)
        plot_message(f"map '{region}': no event, array or bounce point in this region", path)


def global_figures(
    catalogue_csv, arrays_cfg: dict, model: str, out: dict, maps: dict, distance_deg=None
) -> None:
    """Maps, detection histogram and PKiKP-PcP figure from the global catalogue.

    ``out`` maps ``map_{region}`` for each of the ``maps`` section's regions
    (``global``, ``regional`` or a name of :data:`corephase.plotting.maps.REGIONS`),
    ``histogram`` and ``pkikp_pcp`` to PNG paths, and optionally ``residual_map``
    (PKiKP-PcP residuals at the ICB bounce points). ``distance_deg`` (the
    configured (min, max) epicentral distance, deg) sets the histogram's axis.
    A regional map with nothing inside its region says so.
    """
    import pandas as pd

    from corephase.analysis.catalogue import read_catalogue
    from corephase.plotting.catalogue import plot_detection_histogram, plot_pkikp_pcp

    settings = MapsSettings.from_dict(maps, where="maps")
    cat = read_catalogue(catalogue_csv)
    arrays = pd.DataFrame(
        [{"array": k, "lat": v["ref_lat"], "lon": v["ref_lon"]} for k, v in arrays_cfg.items()]
    )
    for region in settings.regions:
        _draw_map(cat, out[f"map_{region}"], region, arrays, model, settings)
    plot_detection_histogram(cat, out["histogram"], distance_range_deg=distance_deg)
    plot_pkikp_pcp(cat, out["pkikp_pcp"], model=model)
    if "residual_map" in out:
        from corephase.plotting.theory import plot_residual_map

        plot_residual_map(cat, out["residual_map"])
