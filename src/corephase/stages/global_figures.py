"""Stage ``global_figures`` (rules maps, global_figures): maps, histogram, PKiKP-PcP figures."""

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
    """Maps, detection histogram and PKiKP-PcP figures from the global catalogue.

    Draws the figures that ``out`` names (key -> PNG path), so the workflow can
    split them over jobs (rules ``maps`` and ``global_figures``): ``map_{region}``
    for each of the ``maps`` section's regions (``global``, ``regional`` or a
    name of :data:`corephase.plotting.maps.REGIONS`), ``histogram``,
    ``pkikp_pcp`` and ``residual_map`` (PKiKP-PcP residuals at the ICB bounce
    points). ``distance_deg`` (the configured (min, max) epicentral distance,
    deg) sets the histogram's axis. A regional map with nothing inside its
    region says so.
    """
    from corephase.analysis.catalogue import read_catalogue

    settings = MapsSettings.from_dict(maps, where="maps")
    cat = read_catalogue(catalogue_csv)
    regions = [r for r in settings.regions if f"map_{r}" in out]
    if regions:
        import pandas as pd

        arrays = pd.DataFrame(
            [{"array": k, "lat": v["ref_lat"], "lon": v["ref_lon"]} for k, v in arrays_cfg.items()]
        )
        for region in regions:
            _draw_map(cat, out[f"map_{region}"], region, arrays, model, settings)
    if "histogram" in out:
        from corephase.plotting.catalogue import plot_detection_histogram

        plot_detection_histogram(cat, out["histogram"], distance_range_deg=distance_deg)
    if "pkikp_pcp" in out:
        from corephase.plotting.catalogue import plot_pkikp_pcp

        plot_pkikp_pcp(cat, out["pkikp_pcp"], model=model)
    if "residual_map" in out:
        from corephase.plotting.theory import plot_residual_map

        plot_residual_map(cat, out["residual_map"])
