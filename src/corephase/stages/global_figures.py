"""Stage ``global_figures``: detection histogram and PKiKP-PcP figures (the maps are
stage ``maps``, a job of their own beside this one)."""

from __future__ import annotations


def global_figures(catalogue_csv, model: str, out: dict, distance_deg=None) -> None:
    """Detection histogram and PKiKP-PcP figures from the global catalogue.

    Parameters
    ----------
    catalogue_csv : path
        The global catalogue (rule ``catalogue``).
    model : str
        Earth model of the PKiKP-PcP predictions (TauP name).
    out : dict
        PNG paths: ``histogram``, ``pkikp_pcp`` and, optionally, ``residual_map``
        (PKiKP-PcP residuals at the ICB bounce points).
    distance_deg : (float, float), optional
        The configured epicentral distance range (deg): the histogram's axis.
    """
    from corephase.analysis.catalogue import read_catalogue
    from corephase.plotting.catalogue import plot_detection_histogram, plot_pkikp_pcp

    cat = read_catalogue(catalogue_csv)
    plot_detection_histogram(cat, out["histogram"], distance_range_deg=distance_deg)
    plot_pkikp_pcp(cat, out["pkikp_pcp"], model=model)
    if "residual_map" in out:
        from corephase.plotting.theory import plot_residual_map

        plot_residual_map(cat, out["residual_map"])
