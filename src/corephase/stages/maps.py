"""Stage ``maps``: the catalogue's map views (global, regional, named regions)."""

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


def maps(catalogue_csv, arrays_cfg: dict, model: str, out: dict, maps: dict) -> None:
    """The map views of the global catalogue, one PNG per region.

    Parameters
    ----------
    catalogue_csv : path
        The global catalogue (rule ``catalogue``).
    arrays_cfg : dict
        The config's ``arrays`` section (reference points, degrees, drawn on the
        global view).
    model : str
        Earth model of the ICB bounce points (TauP name, e.g. ``"ak135"``).
    out : dict
        ``map_{region}`` -> PNG path for each of the ``maps`` section's regions
        (``global``, ``regional`` or a name of
        :data:`corephase.plotting.maps.REGIONS`). A view with nothing inside its
        region gets a figure that says so.
    maps : dict
        The config's ``maps`` section.
    """
    import pandas as pd

    from corephase.analysis.catalogue import read_catalogue

    settings = MapsSettings.from_dict(maps, where="maps")
    cat = read_catalogue(catalogue_csv)
    arrays = pd.DataFrame(
        [{"array": k, "lat": v["ref_lat"], "lon": v["ref_lon"]} for k, v in arrays_cfg.items()]
    )
    for region in settings.regions:
        _draw_map(cat, out[f"map_{region}"], region, arrays, model, settings)
