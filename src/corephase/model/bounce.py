"""Reflection (bounce) points of core phases from TauP pierce points.

PKiKP reflects off the inner-core boundary (ICB) and PcP/ScP off the core-mantle
boundary (CMB). The bounce point is the deepest pierce point of the ray: its
epicentral distance from the source comes from TauP
(:meth:`obspy.taup.TauPyModel.get_pierce_points`), and its geographic position
is found by walking that distance along the source-receiver great circle on a
sphere (the same spherical geometry TauP uses for distances). Latitudes and
longitudes are in degrees (longitude in [-180, 180)); depths in km below the
surface (ak135: CMB 2891.5 km, ICB 5153.5 km).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from corephase.model.traveltimes import distance_backazimuth, phase_pierces, tau_model

#: Discontinuity on which each supported phase reflects: "cmb" or "icb".
REFLECTING_BOUNDARY = {"PKiKP": "icb", "PcP": "cmb", "ScP": "cmb", "ScS": "cmb", "PcS": "cmb"}


@dataclass(frozen=True)
class BouncePoint:
    """Reflection point of one ray.

    Attributes
    ----------
    lat, lon : float
        Geographic position in degrees (spherical Earth), longitude in [-180, 180).
    depth_km : float
        Depth of the reflector in km (the model's CMB or ICB).
    dist_from_source_deg : float
        Angular distance from the epicentre along the great circle, degrees.
    time_s : float
        Travel time from the origin to the bounce point, s.
    """

    lat: float
    lon: float
    depth_km: float
    dist_from_source_deg: float
    time_s: float


def boundary_depth_km(boundary: str, model: str = "ak135") -> float:
    """Depth of the ``"cmb"`` or ``"icb"`` in ``model`` (km)."""
    m = tau_model(model)
    if boundary == "cmb":
        return float(m.cmb_depth)
    if boundary == "icb":
        return float(m.iocb_depth)
    raise ValueError(f"boundary must be 'cmb' or 'icb', got {boundary!r}")


def great_circle_point(lat0, lon0, azimuth_deg, dist_deg) -> tuple[float, float]:
    """Point at angular distance ``dist_deg`` from (lat0, lon0) along ``azimuth_deg``.

    Spherical Earth; azimuth clockwise from north at the start point. Returns
    (lat, lon) in degrees with longitude in [-180, 180).
    """
    phi1 = np.radians(lat0)
    lam1 = np.radians(lon0)
    theta = np.radians(azimuth_deg)
    d = np.radians(dist_deg)
    sphi2 = np.sin(phi1) * np.cos(d) + np.cos(phi1) * np.sin(d) * np.cos(theta)
    phi2 = np.arcsin(np.clip(sphi2, -1.0, 1.0))
    lam2 = lam1 + np.arctan2(
        np.sin(theta) * np.sin(d) * np.cos(phi1), np.cos(d) - np.sin(phi1) * sphi2
    )
    lon2 = (np.degrees(lam2) + 180.0) % 360.0 - 180.0
    return float(np.degrees(phi2)), float(lon2)


def spherical_azimuth(lat1, lon1, lat2, lon2) -> float:
    """Initial great-circle azimuth from point 1 to point 2 on a sphere (deg from north)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dl = np.radians(lon2 - lon1)
    y = np.sin(dl) * np.cos(p2)
    x = np.cos(p1) * np.sin(p2) - np.sin(p1) * np.cos(p2) * np.cos(dl)
    return float(np.degrees(np.arctan2(y, x)) % 360.0)


def bounce_point_full(
    ev_lat: float,
    ev_lon: float,
    depth_km: float,
    st_lat: float,
    st_lon: float,
    phase: str,
    model: str = "ak135",
) -> BouncePoint:
    """Bounce point of the first ``phase`` arrival with its distance and time.

    Parameters
    ----------
    ev_lat, ev_lon : float
        Epicentre in degrees.
    depth_km : float
        Source depth in km.
    st_lat, st_lon : float
        Receiver (array reference point) in degrees.
    phase : str
        One of :data:`REFLECTING_BOUNDARY` (PKiKP, PcP, ScP, ...).
    model : str
        TauP model name.

    Raises
    ------
    ValueError
        Unknown phase, or the phase does not exist at this distance.
    """
    if phase not in REFLECTING_BOUNDARY:
        raise ValueError(
            f"bounce points are defined for {sorted(REFLECTING_BOUNDARY)}, not {phase!r}"
        )
    dist_deg, _, _ = distance_backazimuth(ev_lat, ev_lon, st_lat, st_lon)
    arrivals = [a for a in phase_pierces(depth_km, dist_deg, phase, model) if a.name == phase]
    if not arrivals:
        raise ValueError(f"{phase} does not exist at {dist_deg:.2f} deg in {model}")
    pierce = arrivals[0].pierce
    depth_ref = boundary_depth_km(REFLECTING_BOUNDARY[phase], model)
    at_ref = np.flatnonzero(np.isclose(pierce["depth"], depth_ref, atol=1e-6))
    if at_ref.size != 1:
        raise ValueError(
            f"{phase}: expected one pierce point at the reflector ({depth_ref} km), "
            f"found {at_ref.size}"
        )
    row = pierce[at_ref[0]]
    d_src = float(np.degrees(row["dist"]))
    az = spherical_azimuth(ev_lat, ev_lon, st_lat, st_lon)
    lat, lon = great_circle_point(ev_lat, ev_lon, az, d_src)
    return BouncePoint(lat, lon, float(row["depth"]), d_src, float(row["time"]))


def bounce_point(ev_lat, ev_lon, depth_km, st_lat, st_lon, phase, model="ak135"):
    """Bounce point of ``phase`` as a tuple (lat_deg, lon_deg, depth_km).

    PKiKP gives the point on the ICB, PcP/ScP the point on the CMB. See
    :func:`bounce_point_full` for parameters and errors.
    """
    b = bounce_point_full(ev_lat, ev_lon, depth_km, st_lat, st_lon, phase, model)
    return b.lat, b.lon, b.depth_km
