"""Stations of a dense network for one event: table lookup, selection, aperture and cap.

Distances are epicentral great-circle distances (degrees) from the event to
each station; back-azimuths are at the station, towards the event, clockwise
from north.
"""

from __future__ import annotations

import fnmatch
import math
from collections.abc import Iterable
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
from obspy.geodetics import gps2dist_azimuth, locations2degrees

from corephase.io.stations import load_station_table
from corephase.model.events import Event

#: Prefix of a ``stations`` value naming a table shipped in ``corephase/data``.
PACKAGE_PREFIX = "package:"


def resolve_stations(spec: str, base_dir: str | Path = ".") -> Path:
    """Path of a station table named in a dense-network config.

    Parameters
    ----------
    spec : str
        ``package:<file>`` for a table shipped in ``corephase/data``, else a
        path (relative paths are relative to ``base_dir``).
    base_dir : str or Path
        Working directory of the workflow.

    Raises
    ------
    FileNotFoundError
        If the table does not exist.
    """
    spec = str(spec)
    if spec.startswith(PACKAGE_PREFIX):
        name = spec[len(PACKAGE_PREFIX) :]
        res = resources.files("corephase") / "data" / name
        if not res.is_file():
            raise FileNotFoundError(f"station table {spec!r}: no package data file {name!r}")
        return Path(str(res))
    path = Path(spec)
    if not path.is_absolute():
        path = Path(base_dir) / path
    if not path.is_file():
        raise FileNotFoundError(f"station table {spec!r} not found ({path})")
    return path


def select_dense_stations(
    stations,
    event: Event,
    min_distance_deg: float = 0.0,
    max_distance_deg: float = 180.0,
    channels: Iterable[str] | None = None,
    unknown_end: str = "exclude",
) -> pd.DataFrame:
    """Dense-network stations open at an event's origin time within a distance range.

    Parameters
    ----------
    stations : path, Inventory or DataFrame
        See :func:`load_station_table`.
    event : Event
    min_distance_deg, max_distance_deg : float
        Epicentral distance range in degrees (inclusive).
    channels : sequence of str, optional
        Priority list; a station is kept if it has one of them and ``channel``
        gets the first available one (tables without channel information keep
        the station with ``channel`` empty).
    unknown_end : {"exclude", "include"}
        Stations whose table gives ``end_status = unknown`` (``end`` is then
        the last date a registry confirms them open, see
        ``corephase/data/TA_STATIONS_SOURCE.md``): for an event after that
        date, leave them out (default) or keep them flagged
        ``dates_known = False``.

    Returns
    -------
    DataFrame
        The selected rows sorted by distance with added columns
        ``distance_deg``, ``backazimuth_deg`` (station to event, clockwise
        from north), ``channel`` and ``dates_known`` (False for a station kept
        past its confirmed end, or from a table without operating dates).
    """
    if unknown_end not in UNKNOWN_END:
        raise ValueError(f"unknown_end must be one of {UNKNOWN_END}, got {unknown_end!r}")
    df = open_at(load_station_table(stations), event.origin, unknown_end)
    dist = np.array(
        [
            locations2degrees(event.latitude, event.longitude, la, lo)
            for la, lo in zip(df["latitude"], df["longitude"], strict=True)
        ]
    )
    baz = np.array(
        [
            gps2dist_azimuth(la, lo, event.latitude, event.longitude)[1]
            for la, lo in zip(df["latitude"], df["longitude"], strict=True)
        ]
    )
    df["distance_deg"] = dist if len(df) else np.array([], dtype=float)
    df["backazimuth_deg"] = baz if len(df) else np.array([], dtype=float)
    df = df[(df["distance_deg"] >= min_distance_deg) & (df["distance_deg"] <= max_distance_deg)]
    prio = list(channels) if channels else []
    chosen = []
    for chs in df["channels"]:
        have = chs.split()
        pick = ""
        if prio and have:
            pick = next((p for p in prio if any(fnmatch.fnmatchcase(h, p) for h in have)), None)
            if pick is not None:
                pick = next(h for h in have if fnmatch.fnmatchcase(h, pick))
        chosen.append(pick)
    df = df.assign(channel=chosen)
    df = df[df["channel"].notna()]
    return df.sort_values(["distance_deg", "network", "station"]).reset_index(drop=True)


#: Treatments of a station whose real end date is unknown (see :func:`select_dense_stations`).
UNKNOWN_END = ("exclude", "include")


def open_at(df: pd.DataFrame, t, unknown_end: str = "exclude") -> pd.DataFrame:
    """Rows of a station table (:func:`load_station_table`) open at time ``t``.

    Adds ``dates_known``: False for a row kept past its confirmed end
    (``end_status == "unknown"`` with ``unknown_end="include"``) and for a
    row without any operating date (table without ``start``/``end``).
    """
    status = df["end_status"] if "end_status" in df else pd.Series("", index=df.index)
    unknown = (status.fillna("").astype(str) == "unknown").to_numpy()
    start_ok = np.array([s is None or s <= t for s in df["start"]], dtype=bool)
    end_ok = np.array([e is None or e >= t for e in df["end"]], dtype=bool)
    past = unknown & ~end_ok
    keep = start_ok & (end_ok | (past & (unknown_end == "include")))
    no_dates = np.array(
        [s is None and e is None for s, e in zip(df["start"], df["end"], strict=True)], dtype=bool
    )
    return df.assign(dates_known=~(past | no_dates))[keep].copy()


def unit_vectors(lat, lon) -> np.ndarray:
    """Unit vectors (x, y, z) of points on the sphere, stacked on a new last axis.

    Parameters
    ----------
    lat, lon : array_like
        Geographic coordinates in degrees (same shape).
    """
    la, lo = np.radians(np.asarray(lat, float)), np.radians(np.asarray(lon, float))
    return np.stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)], axis=-1)


def even_subset(lat, lon, n: int) -> np.ndarray:
    """Indices of ``n`` points that cover a set of sites evenly (farthest-point sampling).

    Starts at the site nearest the spherical centroid, then repeatedly adds
    the site farthest (great circle) from those already chosen, so the subset
    spans the full aperture first and then fills it with a nearly uniform
    spacing. Deterministic: ties go to the earlier site.

    Parameters
    ----------
    lat, lon : array_like
        Site coordinates in degrees.
    n : int
        Number of sites to keep; all are kept (in input order) if ``n`` is
        at least their number.

    Returns
    -------
    ndarray of int
        Sorted indices into ``lat``/``lon``.
    """
    m = len(lat)
    if n < 1:
        raise ValueError(f"max_stations must be at least 1, got {n}")
    if m <= n:
        return np.arange(m)
    v = unit_vectors(lat, lon)
    c = v.mean(axis=0)
    first = int(np.argmax(v @ c))
    chosen = [first]
    # cosine of the angular distance to the nearest chosen site (larger = closer)
    near = v @ v[first]
    for _ in range(n - 1):
        nxt = int(np.argmin(near))
        chosen.append(nxt)
        near = np.maximum(near, v @ v[nxt])
    return np.sort(np.array(chosen))


def densest_disc(lat, lon, diameter_km: float) -> np.ndarray:
    """Indices of the sites inside the circle of a given diameter that holds the most.

    Candidate centres are the sites themselves; the circle is a spherical cap of
    great-circle radius ``diameter_km / 2`` (Earth radius 6371 km). Ties go to
    the earlier site (deterministic).

    Parameters
    ----------
    lat, lon : array_like
        Site coordinates in degrees.
    diameter_km : float
        Aperture of the kept subset (km): every kept site is within
        ``diameter_km / 2`` of the centre site.

    Returns
    -------
    ndarray of int
        Sorted indices of the kept sites.
    """
    if not diameter_km > 0:
        raise ValueError(f"max_aperture_km must be positive, got {diameter_km}")
    m = len(lat)
    if m == 0:
        return np.arange(0)
    v = unit_vectors(lat, lon)
    cos_r = math.cos(min(math.pi, 0.5 * diameter_km / 6371.0))
    best, best_n = 0, -1
    for start in range(0, m, 512):  # blocks keep memory at 512 x m
        inside = (v[start : start + 512] @ v.T) >= cos_r
        counts = inside.sum(axis=1)
        i = int(np.argmax(counts))
        if counts[i] > best_n:
            best, best_n = start + i, int(counts[i])
    return np.flatnonzero(v @ v[best] >= cos_r)


def subarray_groups(lat, lon, aperture_km: float, min_stations: int = 3) -> np.ndarray:
    """Split stations into compact sub-arrays of a given aperture.

    Repeatedly takes the circle of diameter ``aperture_km`` holding the most of
    the remaining stations (:func:`densest_disc`) as the next sub-array, until
    the densest circle left holds fewer than ``min_stations``. Each sub-array
    is thus a cluster at (nearly) one distance and back-azimuth from a
    teleseismic source, beamed and tested like an IMS array (Hi-net and TA
    sub-arrays of about 100-300 km). Deterministic.

    Parameters
    ----------
    lat, lon : array_like
        Station coordinates in degrees.
    aperture_km : float
        Diameter (km) of each sub-array.
    min_stations : int
        Smallest sub-array kept.

    Returns
    -------
    ndarray of int
        Sub-array number per station (0 for the most populous, then in the
        order they are found); -1 for stations left in no sub-array.
    """
    lat = np.asarray(lat, float)
    lon = np.asarray(lon, float)
    if min_stations < 1:
        raise ValueError(f"min_stations must be at least 1, got {min_stations}")
    label = np.full(lat.size, -1)
    left = np.arange(lat.size)
    k = 0
    while left.size >= min_stations:
        keep = left[densest_disc(lat[left], lon[left], aperture_km)]
        if keep.size < min_stations:
            break
        label[keep] = k
        left = np.setdiff1d(left, keep)
        k += 1
    return label
